/** Token claims and the sandbox's RS256 sign-in: accepted only when signed by this sandbox's key and unexpired. */
import { userIdFromClaims } from '../../lambdas/agent-api/jwt';
import { LocalAuth, LOCAL_ISSUER } from '../../sandbox/agent/local-auth';
import { rsaSigner, signHs256ForTest, signRs256 } from '../helpers/rs256';

const CONFIG = { users: [{ id: 'alice', name: 'Alice' }], forms: [], workgroups: [] } as unknown as ConstructorParameters<typeof LocalAuth>[0];

describe('sandbox sign-in tokens (RS256, preloaded key set)', () => {
  it('signs RS256 tokens for a configured user that verify back to that user', async () => {
    // Prepare
    const auth = new LocalAuth(CONFIG);
    // Act
    const signed = auth.signIn('alice');
    const header = JSON.parse(Buffer.from(signed?.token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    // Assess
    expect(header).toMatchObject({ alg: 'RS256', kid: expect.any(String) });
    await expect(auth.verify(signed?.token)).resolves.toEqual({ userId: 'alice' });
    expect(auth.signIn('mallory')).toBeUndefined();
  });

  it.each([
    [
      'signed by another key under the same key id',
      (auth: LocalAuth) => {
        const kid = (auth.jwks.keys[0] as { kid: string }).kid;
        return signRs256({ sub: 'alice', iss: LOCAL_ISSUER, exp: Math.floor(Date.now() / 1000) + 60 }, { kid, privateKey: rsaSigner('x').privateKey });
      },
    ],
    [
      'signed by a key the sandbox never made',
      () => signRs256({ sub: 'alice', iss: LOCAL_ISSUER, exp: Math.floor(Date.now() / 1000) + 60 }, rsaSigner('other')),
    ],
    [
      'HS256 (the old sandbox format)',
      () => signHs256ForTest({ sub: 'alice', iss: LOCAL_ISSUER, exp: Math.floor(Date.now() / 1000) + 60 }, Buffer.alloc(32, 7)),
    ],
    [
      'from another issuer',
      (auth: LocalAuth) => {
        const token = auth.signIn('alice')?.token ?? '';
        const [h, , s] = token.split('.');
        return `${h}.${Buffer.from(JSON.stringify({ sub: 'alice', iss: 'elsewhere', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url')}.${s}`;
      },
    ],
    ['unsigned (alg none)', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.`],
    ['not a JWT', () => 'garbage'],
  ])('refuses a token that is %s, without fetching anything', async (_why, make) => {
    // Prepare
    const auth = new LocalAuth(CONFIG);
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    // Act
    const result = await auth.verify(make(auth));
    // Assess
    expect(result).toBeUndefined();
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it('refuses its own token once the sandbox clock passes its expiry (one hour)', async () => {
    // Prepare
    const start = Date.now();
    let now = new Date(start);
    const auth = new LocalAuth(CONFIG, () => now);
    const token = auth.signIn('alice')?.token;
    const fresh = await auth.verify(token);
    // Act
    now = new Date(start + 3601 * 1000);
    // Assess
    expect(fresh).toEqual({ userId: 'alice' });
    await expect(auth.verify(token)).resolves.toBeUndefined();
  });
});

describe('claims', () => {
  it('reads the user from cognito:username, then username, then sub', () => {
    expect(userIdFromClaims({ 'cognito:username': 'a', username: 'b', sub: 'c' })).toBe('a');
    expect(userIdFromClaims({ username: 'b', sub: 'c' })).toBe('b');
    expect(userIdFromClaims({})).toBeUndefined();
  });
});
