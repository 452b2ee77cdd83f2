/** Token checks: local HS256 and Cognito RS256 tokens are accepted only when every claim holds. */
import { generateKeyPairSync } from 'node:crypto';
import { signHs256, TokenInvalidError, verifyJwt, jwksResolver, userIdFromClaims } from '../../lambdas/agent-api/jwt';
import { verifyCognitoToken } from '../../lambdas/agent-api/auth';

const NOW = new Date('2026-11-21T12:00:00Z');
const nowS = Math.floor(NOW.getTime() / 1000);
const key = Buffer.alloc(32, 7);
const hsKeys = async ({ alg }: { alg: string }) => (alg === 'HS256' ? { alg: 'HS256' as const, key } : undefined);

function signRs256(claims: Record<string, unknown>, privateKey: import('node:crypto').KeyObject, kid: string): string {
  const { createSign } = require('node:crypto') as typeof import('node:crypto');
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', kid })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey).toString('base64url')}`;
}

describe('HS256 tokens (sandbox sign-in)', () => {
  it('accepts a token signed with the key and not expired', async () => {
    const token = signHs256({ sub: 'alice', exp: nowS + 60 }, key);
    await expect(verifyJwt(token, { keys: hsKeys, now: () => NOW })).resolves.toMatchObject({ sub: 'alice' });
  });

  it.each([
    ['expired', signHs256({ sub: 'alice', exp: nowS - 1 }, key)],
    ['signed with another key', signHs256({ sub: 'alice', exp: nowS + 60 }, Buffer.alloc(32, 8))],
    ['unsigned (alg none)', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"alice"}').toString('base64url')}.`],
    ['not a JWT', 'garbage'],
  ])('refuses a token that is %s, without quoting it', async (_why, token) => {
    const err = await verifyJwt(token, { keys: hsKeys, now: () => NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenInvalidError);
    expect((err as Error).message).not.toContain(token.slice(0, 20));
  });
});

describe('Cognito RS256 tokens', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
  const settings = { region: 'us-east-1', userPoolId: 'us-east-1_pool', clientIds: ['client-1'] };
  const iss = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool';
  const keys = jwksResolver(async () => ({ keys: [jwk] }));

  it('accepts an access token from the pool for the console client and names the user', async () => {
    const token = signRs256({ iss, client_id: 'client-1', token_use: 'access', username: 'alice', exp: nowS + 60 }, privateKey, 'k1');
    await expect(verifyCognitoToken(token, settings, keys, () => NOW)).resolves.toEqual({ userId: 'alice' });
  });

  it('refuses a token from another pool or for another client', async () => {
    const otherPool = signRs256({ iss: `${iss}x`, client_id: 'client-1', token_use: 'access', username: 'alice', exp: nowS + 60 }, privateKey, 'k1');
    const otherClient = signRs256({ iss, client_id: 'client-2', token_use: 'access', username: 'alice', exp: nowS + 60 }, privateKey, 'k1');
    await expect(verifyCognitoToken(otherPool, settings, keys, () => NOW)).rejects.toThrow(TokenInvalidError);
    await expect(verifyCognitoToken(otherClient, settings, keys, () => NOW)).rejects.toThrow(TokenInvalidError);
  });

  it('reads the user from cognito:username, then username, then sub', () => {
    expect(userIdFromClaims({ 'cognito:username': 'a', username: 'b', sub: 'c' })).toBe('a');
    expect(userIdFromClaims({ username: 'b', sub: 'c' })).toBe('b');
    expect(userIdFromClaims({})).toBeUndefined();
  });
});
