/**
 * Compact JWS (JWT) signing and verification with node:crypto only: HS256 for the sandbox's local
 * sign-in (a random key per start) and RS256 for Cognito user pool tokens (keys from the pool's JWKS).
 * Every check names what failed, never the token.
 */
import { createHmac, createPublicKey, createVerify, timingSafeEqual, type JsonWebKey, type KeyObject } from 'node:crypto';
import { TOKEN_RIGHTS, type TokenRight } from '../shared/session/forms';

export class TokenInvalidError extends Error {
  public constructor(problem: string) {
    super(`The sign-in token is not valid: ${problem}. Sign in again.`);
    this.name = 'TokenInvalidError';
  }
}

export type JwtClaims = Record<string, unknown> & { sub?: string; exp?: number; iat?: number; iss?: string; aud?: string | string[]; token_use?: string; client_id?: string };

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const MAX_TOKEN = 8192;

export function signHs256(claims: JwtClaims, key: Buffer): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Finds the verification key for a token: a shared secret (HS256) or a public key (RS256). */
export type KeyResolver = (header: { alg: string; kid?: string }) => Promise<{ alg: 'HS256'; key: Buffer } | { alg: 'RS256'; key: KeyObject } | undefined>;

export interface VerifyOptions {
  keys: KeyResolver;
  now: () => Date;
  /** Required issuer (Cognito: https://cognito-idp.<region>.amazonaws.com/<poolId>). */
  issuer?: string;
  /** Accepted app client ids (checked against `aud` for id tokens and `client_id` for access tokens). */
  clientIds?: string[];
}

function part(text: string | undefined, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(text ?? '', 'base64url').toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new TokenInvalidError(`its ${what} is not readable`);
}

export async function verifyJwt(token: string, options: VerifyOptions): Promise<JwtClaims> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN) throw new TokenInvalidError('it is missing or too long');
  const pieces = token.split('.');
  if (pieces.length !== 3) throw new TokenInvalidError('it is not a signed JWT');
  const [h, p, s] = pieces as [string, string, string];
  const header = part(h, 'header');
  const alg = header.alg;
  if (alg !== 'HS256' && alg !== 'RS256') throw new TokenInvalidError('its algorithm is not accepted');
  const resolved = await options.keys({ alg, ...(typeof header.kid === 'string' ? { kid: header.kid } : {}) });
  if (!resolved || resolved.alg !== alg) throw new TokenInvalidError('it was not signed by a known key');
  const signed = `${h}.${p}`;
  const signature = Buffer.from(s, 'base64url');
  let ok: boolean;
  if (resolved.alg === 'HS256') {
    const expected = createHmac('sha256', resolved.key).update(signed).digest();
    ok = expected.length === signature.length && timingSafeEqual(expected, signature);
  } else {
    ok = createVerify('RSA-SHA256').update(signed).verify(resolved.key, signature);
  }
  if (!ok) throw new TokenInvalidError('its signature does not match');
  const claims = part(p, 'payload') as JwtClaims;
  const nowS = Math.floor(options.now().getTime() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) throw new TokenInvalidError('it has expired');
  if (typeof claims.nbf === 'number' && claims.nbf > nowS + 60) throw new TokenInvalidError('it is not valid yet');
  if (options.issuer !== undefined && claims.iss !== options.issuer) throw new TokenInvalidError('it comes from another issuer');
  if (options.clientIds) {
    const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud !== undefined ? [claims.aud] : [];
    const client = typeof claims.client_id === 'string' ? [claims.client_id] : [];
    if (![...aud, ...client].some((c) => options.clientIds?.includes(String(c)))) throw new TokenInvalidError('it was issued to another application');
  }
  return claims;
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
  else if (typeof raw === 'string' && raw.length <= 2048) groups = raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter((g) => g !== '');
  return TOKEN_RIGHTS.filter((r) => groups.includes(r));
}

/** Keys from a JWKS document (RSA only), by key id. */
export function jwksResolver(fetchJwks: () => Promise<{ keys: Array<JsonWebKey & { kid?: string }> }>): KeyResolver {
  let cache: Map<string, KeyObject> | undefined;
  return async ({ alg, kid }) => {
    if (alg !== 'RS256' || !kid) return undefined;
    if (!cache || !cache.has(kid)) {
      const doc = await fetchJwks();
      cache = new Map(doc.keys.filter((k) => k.kty === 'RSA' && typeof k.kid === 'string').map((k) => [k.kid as string, createPublicKey({ key: k, format: 'jwk' })]));
    }
    const key = cache.get(kid);
    return key ? { alg: 'RS256', key } : undefined;
  };
}
