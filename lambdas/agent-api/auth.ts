/**
 * Who is calling the agent API. In AWS the HTTP API's JWT authorizer has already verified the Cognito
 * token and hands over its claims; the WebSocket $connect authorizer verifies the token itself with
 * aws-jwt-verify against the user pool's key set. The key set is fetched once and cached; a token naming an
 * unknown key id may trigger one refetch (key rotation), after which further unknown ids wait out a penalty
 * period instead of fetching again, so a flood of forged tokens cannot turn into a flood of fetches. The
 * sandbox signs its own RS256 tokens and preloads its key set (sandbox/agent/local-auth.ts). Rights a token
 * carries (the finance user's viewOutcomes, as a Cognito group) come only from the verified claims.
 */
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { AgentIdentity } from './agent-service';
import { TokenInvalidError, tokenRightsFromClaims, userIdFromClaims } from './jwt';

export interface CognitoSettings {
  region: string;
  userPoolId: string;
  clientIds: string[];
}

/** How long unknown key ids wait after a refetch that did not find them (aws-jwt-verify's penalty box). */
const UNKNOWN_KEY_PENALTY_SECONDS = 10;
const JWKS_TIMEOUT_MS = 3000;
const MAX_JWKS_BYTES = 64 * 1024;

export class JwksFetchError extends Error {
  public constructor(problem: string) {
    super(`The user pool's key set could not be read: ${problem}. Try again; check the pool id if it persists.`);
    this.name = 'JwksFetchError';
  }
}

/** Fetches the key set with a time limit and a size limit (aws-jwt-verify's Fetcher interface). */
export class BoundedJwksFetcher implements Fetcher {
  public async fetch(uri: string): Promise<ArrayBuffer> {
    const res = await fetch(uri, { signal: AbortSignal.timeout(JWKS_TIMEOUT_MS), redirect: 'error' });
    if (!res.ok) throw new JwksFetchError(`HTTP ${res.status}`);
    const body = await res.arrayBuffer();
    if (body.byteLength > MAX_JWKS_BYTES) throw new JwksFetchError('the response is too large');
    return body;
  }
}

export type TokenVerifier = (token: string) => Promise<AgentIdentity>;

/** A verifier for the pool's id and access tokens issued to one of `clientIds` (RS256, signature, issuer, expiry). */
export function cognitoTokenVerifier(settings: CognitoSettings, fetcher: Fetcher = new BoundedJwksFetcher()): TokenVerifier {
  const verifier = CognitoJwtVerifier.create(
    { userPoolId: settings.userPoolId, tokenUse: null, clientId: settings.clientIds },
    { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox: new SimplePenaltyBox({ waitSeconds: UNKNOWN_KEY_PENALTY_SECONDS }) }) },
  );
  return async (token) => {
    let claims: Record<string, unknown>;
    try {
      claims = (await verifier.verify(token)) as unknown as Record<string, unknown>;
    } catch (err) {
      // aws-jwt-verify names the failed check in its error's name; the token itself is never reported.
      throw new TokenInvalidError(`it failed the check ${err instanceof Error ? err.name : 'UnknownError'}`);
    }
    if (claims.token_use !== 'id' && claims.token_use !== 'access') throw new TokenInvalidError('it is neither an id nor an access token');
    return identityFromVerifiedClaims(claims);
  };
}

/** The agent named by claims that have passed verification (a token that names no user is refused). */
export function identityFromVerifiedClaims(claims: Record<string, unknown>): AgentIdentity {
  const userId = userIdFromClaims(claims);
  if (!userId) throw new TokenInvalidError('it names no user');
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
