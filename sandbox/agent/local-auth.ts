/**
 * The sandbox's sign-in: any user defined in the secure input configuration signs in by name (no
 * password — it is a loopback sandbox) and gets an HS256 token signed with a key made at start, so a
 * token never outlives the sandbox that issued it. The agent API verifies it like a Cognito token. Like a
 * Cognito user pool group, the token carries the user's token rights (viewOutcomes for a finance user) in
 * `cognito:groups`, so the server reads the finance role from the signature-checked token only.
 */
import { randomBytes } from 'node:crypto';
import type { AgentIdentity } from '../../lambdas/agent-api/agent-service';
import { signHs256, tokenRightsFromClaims, verifyJwt } from '../../lambdas/agent-api/jwt';
import { agentAccess, tokenRightsOf, type FormsConfig } from '../../lambdas/shared/session/forms';

const TOKEN_SECONDS = 8 * 3600;
export const LOCAL_ISSUER = 'secure-ivr-sandbox';

export class LocalAuth {
  private readonly key = randomBytes(32);

  public constructor(
    private readonly config: FormsConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A token for a configured user; undefined for anyone else. */
  public signIn(username: unknown): { token: string; userId: string; expiresAt: string } | undefined {
    if (typeof username !== 'string' || !this.config.users?.some((u) => u.id === username)) return undefined;
    const iat = Math.floor(this.now().getTime() / 1000);
    const exp = iat + TOKEN_SECONDS;
    const groups = tokenRightsOf(agentAccess(this.config, username).rights);
    const claims = { sub: username, iss: LOCAL_ISSUER, iat, exp, token_use: 'access', ...(groups.length > 0 ? { 'cognito:groups': groups } : {}) };
    return { token: signHs256(claims, this.key), userId: username, expiresAt: new Date(exp * 1000).toISOString() };
  }

  public users(): Array<{ id: string; name: string }> {
    return (this.config.users ?? []).map((u) => ({ id: u.id, name: u.name }));
  }

  /** The agent a bearer token names, or undefined when it is missing or not valid. */
  public async verify(token: string | undefined): Promise<AgentIdentity | undefined> {
    if (!token) return undefined;
    try {
      const claims = await verifyJwt(token, { keys: async ({ alg }) => (alg === 'HS256' ? { alg, key: this.key } : undefined), now: this.now, issuer: LOCAL_ISSUER });
      if (typeof claims.sub !== 'string') return undefined;
      const tokenRights = tokenRightsFromClaims(claims);
      return tokenRights.length > 0 ? { userId: claims.sub, tokenRights } : { userId: claims.sub };
    } catch {
      return undefined;
    }
  }
}
