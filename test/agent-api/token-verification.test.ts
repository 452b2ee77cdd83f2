/**
 * Security review item 10: the WebSocket $connect authorizer verifies Cognito tokens with aws-jwt-verify.
 * The attack: a flood of forged tokens, each naming a key id the pool never had, used to make one key-set
 * fetch per token (200 tokens, 200 fetches) — an amplifier against the user pool and a way to slow every
 * connection. Each bad token gets a Deny, never an error, and the fetches stay bounded.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { randomBytes } from 'node:crypto';
import { rsaSigner, signHs256ForTest, signRs256 } from '../helpers/rs256';

const REGION = 'us-east-1';
const POOL = 'us-east-1_TestPool';
const CLIENT = 'console-client-1';
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${POOL}`;
const POOL_KEY = rsaSigner('pool-key-1');
const ATTACKER = rsaSigner('attacker');

type Handler = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

function loadAuthorizer(): Handler {
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require('../../lambdas/agent-api/ws-authorizer') as { handler: Handler }).handler;
  });
  return handler as Handler;
}

const event = (token: string): APIGatewayRequestAuthorizerEvent =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/$connect',
    queryStringParameters: { token },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: CLIENT, token_use: 'id', 'cognito:username': 'alice', sub: 'sub-alice', iat: now, auth_time: now, exp: now + 3600, ...over };
};

const effect = (r: APIGatewayAuthorizerResult): unknown => (r.policyDocument.Statement[0] as { Effect: string }).Effect;

describe('WebSocket authorizer tokens (review item 10)', () => {
  let fetches: string[];
  let fetchSpy: jest.SpyInstance;

  beforeEach(() => {
    process.env.AWS_REGION = REGION;
    process.env.USER_POOL_ID = POOL;
    process.env.USER_POOL_CLIENT_IDS = CLIENT;
    fetches = [];
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input: string | URL | Request) => {
      fetches.push(String(input));
      return new Response(JSON.stringify({ keys: [POOL_KEY.jwk] }), { status: 200, headers: { 'content-type': 'application/json' } });
    });
  });

  afterEach(() => fetchSpy.mockRestore());

  it('attack: 200 forged tokens with unknown key ids make at most one key-set fetch, and each is denied', async () => {
    // Prepare
    const handler = loadAuthorizer();
    const valid = signRs256(claims(), POOL_KEY);
    expect(effect(await handler(event(valid)))).toBe('Allow');
    const before = fetches.length;
    // Act
    const results: APIGatewayAuthorizerResult[] = [];
    for (let i = 0; i < 200; i++) {
      results.push(await handler(event(signRs256(claims(), { kid: `forged-${randomBytes(6).toString('hex')}`, privateKey: ATTACKER.privateKey }))));
    }
    // Assess: the key set was fetched once for the valid token and at most once more for the whole flood.
    expect(before).toBe(1);
    expect(fetches.length - before).toBeLessThanOrEqual(1);
    expect(results.map(effect).filter((e) => e !== 'Deny')).toEqual([]);
    expect(fetches.every((u) => u === `${ISSUER}/.well-known/jwks.json`)).toBe(true);
  });

  it('still accepts a genuine token after the flood, without fetching again', async () => {
    // Prepare
    const handler = loadAuthorizer();
    await handler(event(signRs256(claims(), POOL_KEY)));
    for (let i = 0; i < 20; i++) await handler(event(signRs256(claims(), { kid: `forged-${i}`, privateKey: ATTACKER.privateKey })));
    const before = fetches.length;
    // Act
    const result = await handler(event(signRs256(claims({ 'cognito:username': 'bob' }), POOL_KEY)));
    // Assess
    expect(effect(result)).toBe('Allow');
    expect(result.context).toEqual({ userId: 'bob' });
    expect(fetches.length).toBe(before);
  });

  it.each([
    ['signed by the attacker under the pool key id', () => signRs256(claims(), { kid: POOL_KEY.kid, privateKey: ATTACKER.privateKey })],
    ['expired', () => signRs256(claims({ exp: Math.floor(Date.now() / 1000) - 5 }), POOL_KEY)],
    ['from another user pool', () => signRs256(claims({ iss: `${ISSUER}x` }), POOL_KEY)],
    ['for another app client', () => signRs256(claims({ aud: 'other-client' }), POOL_KEY)],
    ['neither an id nor an access token', () => signRs256(claims({ token_use: 'refresh' }), POOL_KEY)],
    ['HS256 (algorithm confusion with the public key as secret)', () => signHs256ForTest(claims(), Buffer.from(JSON.stringify(POOL_KEY.jwk)))],
    ['unsigned (alg none)', () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`],
    ['not a JWT', () => 'garbage'],
    ['missing', () => ''],
  ])('denies a token that is %s', async (_why, make) => {
    // Prepare
    const handler = loadAuthorizer();
    // Act
    const result = await handler(event(make()));
    // Assess
    expect(effect(result)).toBe('Deny');
    expect(result.context).toBeUndefined();
  });

  it('accepts an access token for the console client and names its user', async () => {
    // Prepare
    const handler = loadAuthorizer();
    const { aud: _aud, ...rest } = claims({ token_use: 'access', username: 'carol', client_id: CLIENT });
    delete rest['cognito:username'];
    // Act
    const result = await handler(event(signRs256(rest, POOL_KEY)));
    // Assess
    expect(effect(result)).toBe('Allow');
    expect(result.context).toEqual({ userId: 'carol' });
  });
});
