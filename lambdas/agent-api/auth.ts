/**
 * Who is calling the agent API. In AWS the HTTP API's JWT authorizer has already verified the Cognito
 * token and hands over its claims; the WebSocket $connect authorizer verifies the token itself against
 * the user pool's JWKS. The sandbox signs its own HS256 tokens (sandbox/agent/local-auth.ts). Rights a
 * token carries (the finance user's viewOutcomes, as a Cognito group) come only from the verified claims.
 */
import { jwksResolver, tokenRightsFromClaims, userIdFromClaims, verifyJwt, type KeyResolver } from './jwt';
import type { AgentIdentity } from './agent-service';

export interface CognitoSettings {
  region: string;
  userPoolId: string;
  clientIds: string[];
}

export function cognitoIssuer(s: CognitoSettings): string {
  return `https://cognito-idp.${s.region}.amazonaws.com/${s.userPoolId}`;
}

export function cognitoKeys(s: CognitoSettings, fetchJson: (url: string) => Promise<unknown> = defaultFetch): KeyResolver {
  return jwksResolver(async () => (await fetchJson(`${cognitoIssuer(s)}/.well-known/jwks.json`)) as { keys: [] });
}

async function defaultFetch(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`JWKS request failed with HTTP ${res.status}`);
  return res.json();
}

/** Verifies a Cognito token (id or access) and returns the agent it names. */
export async function verifyCognitoToken(token: string, settings: CognitoSettings, keys: KeyResolver, now: () => Date = () => new Date()): Promise<AgentIdentity> {
  const claims = await verifyJwt(token, { keys, now, issuer: cognitoIssuer(settings), clientIds: settings.clientIds });
  if (claims.token_use !== 'id' && claims.token_use !== 'access') throw new Error('token_use is neither id nor access');
  const userId = userIdFromClaims(claims);
  if (!userId) throw new Error('the token names no user');
  return identityOf(userId, claims);
}

function identityOf(userId: string, claims: Record<string, unknown>): AgentIdentity {
  const tokenRights = tokenRightsFromClaims(claims);
  return tokenRights.length > 0 ? { userId, tokenRights } : { userId };
}

/** The agent named by claims an API Gateway JWT authorizer already verified. */
export function identityFromClaims(claims: Record<string, unknown> | undefined): AgentIdentity | undefined {
  const userId = claims ? userIdFromClaims(claims) : undefined;
  return userId && claims ? identityOf(userId, claims) : undefined;
}
