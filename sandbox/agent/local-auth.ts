/**
 * The sandbox's sign-in: any user defined in the secure input configuration signs in by name (no
 * password — it is a loopback sandbox) and gets an RS256 token signed with a key pair made at start, so a
 * token never outlives the sandbox that issued it. The sandbox verifies it the way the WebSocket authorizer
 * verifies Cognito tokens: with aws-jwt-verify, against a key set that is preloaded (never fetched; a token
 * naming another key id is refused outright). Like a Cognito user pool group, the token carries the user's
 * token rights (viewOutcomes for a finance user) in `cognito:groups`, so the server reads the finance role
 * from the signature-checked token only.
 */
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import type { Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Jwks } from 'aws-jwt-verify/jwk';
import type { AgentIdentity } from '../../lambdas/agent-api/agent-service';
import { identityFromVerifiedClaims } from '../../lambdas/agent-api/auth';
import { agentAccess, tokenRightsOf, type FormsConfig } from '../../lambdas/shared/session/forms';

/** Cognito's console tokens last an hour (lib/constructs/agent-api.ts); the sandbox's last as long. */
const TOKEN_SECONDS = 3600;
export const LOCAL_ISSUER = 'secure-ivr-sandbox';
/** Only a cache key for the preloaded key set: nothing is ever fetched from it. */
const LOCAL_JWKS_URI = 'https://sandbox.invalid/.well-known/jwks.json';

export class LocalKeySetError extends Error {
  public constructor() {
    super('The sandbox key set is preloaded and never fetched; the token names a key this sandbox did not make. Sign in again.');
    this.name = 'LocalKeySetError';
  }
}

/** A fetcher that refuses: a token with an unknown key id must fail, not reach the network. */
const noFetch: Fetcher = { fetch: async () => Promise.reject(new LocalKeySetError()) };

export class LocalAuth {
  private readonly kid = randomBytes(8).toString('hex');
  private readonly privateKey: KeyObject;
  /** The public half, as a JWKS (served to nobody; kept for tests and tooling). */
  public readonly jwks: Jwks;
  private readonly verifier;

  public constructor(
    private readonly config: FormsConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwks = { keys: [{ ...(publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: this.kid, alg: 'RS256', use: 'sig' }] } as unknown as Jwks;
    this.verifier = JwtRsaVerifier.create(
      { issuer: LOCAL_ISSUER, audience: null, jwksUri: LOCAL_JWKS_URI },
      { jwksCache: new SimpleJwksCache({ fetcher: noFetch }) },
    );
    this.verifier.cacheJwks(this.jwks);
  }

  /** A token for a configured user; undefined for anyone else. */
  public signIn(username: unknown): { token: string; userId: string; expiresAt: string } | undefined {
    if (typeof username !== 'string' || !this.config.users?.some((u) => u.id === username)) return undefined;
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + TOKEN_SECONDS;
    const groups = tokenRightsOf(agentAccess(this.config, username).rights);
    const claims = { sub: username, iss: LOCAL_ISSUER, iat, exp, token_use: 'access', ...(groups.length > 0 ? { 'cognito:groups': groups } : {}) };
    return { token: this.sign(claims), userId: username, expiresAt: new Date(exp * 1000).toISOString() };
  }

  public users(): Array<{ id: string; name: string }> {
    return (this.config.users ?? []).map((u) => ({ id: u.id, name: u.name }));
  }

  /** The agent a bearer token names, or undefined when it is missing or not valid. */
  public async verify(token: string | undefined): Promise<AgentIdentity | undefined> {
    if (!token) return undefined;
    try {
      const claims = (await this.verifier.verify(token)) as unknown as Record<string, unknown>;
      // The sandbox clock may be a test's clock: expiry is checked against it too.
      if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(this.now().getTime() / 1000)) return undefined;
      return identityFromVerifiedClaims(claims);
    } catch {
      return undefined;
    }
  }

  private sign(claims: Record<string, unknown>): string {
    const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: this.kid })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${head}.${body}.${createSign('RSA-SHA256').update(`${head}.${body}`).sign(this.privateKey).toString('base64url')}`;
  }
}
