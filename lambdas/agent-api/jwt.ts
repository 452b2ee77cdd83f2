/**
 * What a verified token says: the user it names and the token rights (Cognito groups) it carries. Signature,
 * issuer, audience and expiry are checked by aws-jwt-verify (lambdas/agent-api/auth.ts) or, on the HTTP API,
 * by API Gateway's JWT authorizer; this module only reads claims that have already passed those checks.
 */
import { TOKEN_RIGHTS, type TokenRight } from '../shared/session/forms';

export class TokenInvalidError extends Error {
  public constructor(problem: string) {
    super(`The sign-in token is not valid: ${problem}. Sign in again.`);
    this.name = 'TokenInvalidError';
  }
}

/** The user a token speaks for: Cognito puts the user name in `cognito:username` (id) or `username` (access). */
export function userIdFromClaims(claims: Record<string, unknown>): string | undefined {
  for (const key of ['cognito:username', 'username', 'sub']) {
    const v = claims[key];
    if (typeof v === 'string' && v.length > 0 && v.length <= 128) return v;
  }
  return undefined;
}

/**
 * The token rights (TOKEN_RIGHTS) a token's `cognito:groups` claim names. A verified token gives it as a
 * list; API Gateway's HTTP API JWT authorizer hands claims over flattened, so a list arrives as the text
 * "[groupA groupB]". Both are read; anything else counts as no group.
 */
export function tokenRightsFromClaims(claims: Record<string, unknown>): TokenRight[] {
  const raw = claims['cognito:groups'];
  let groups: string[] = [];
  if (Array.isArray(raw)) groups = raw.filter((g): g is string => typeof g === 'string');
  else if (typeof raw === 'string' && raw.length <= 2048)
    groups = raw
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter((g) => g !== '');
  return TOKEN_RIGHTS.filter((r) => groups.includes(r));
}
