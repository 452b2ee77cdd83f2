/**
 * Who reaches payment outcomes, over loopback HTTP against a whole sandbox: the finance role comes from the
 * signed sign-in token (viewOutcomes, carried as a Cognito-style group), never from a request header. A
 * finance user gets the outcomes API and the finance page and 403 everywhere else; agents get 403 on the
 * outcomes API; a request without a token gets 401 there.
 */
import { s3Client } from '../../lambdas/shared/clients';
import { writeOutcomeRecord } from '../../lambdas/audit/outcomes';
import { tokenRightsFromClaims } from '../../lambdas/agent-api/jwt';
import { rsaSigner, signHs256ForTest, signRs256 } from '../helpers/rs256';
import { identityFromClaims } from '../../lambdas/agent-api/auth';
import { FormsConfigError } from '../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { AUDIT_BUCKET } from '../../sandbox/sandbox';
import { startAgentSandbox, type AgentSandbox } from './agent-sandbox';

let s: AgentSandbox;
let fran: string;
let alice: string;
let sam: string;
const TODAY = new Date().toISOString().slice(0, 10);

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`${s.api.url}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await startAgentSandbox();
  [fran, alice, sam] = await Promise.all([s.signIn('fran'), s.signIn('alice'), s.signIn('sam')]);
  await writeOutcomeRecord(await s3Client(), AUDIT_BUCKET, {
    v: 1,
    at: new Date().toISOString(),
    sessionId: 'finance-access-1',
    transactionId: 'SIV-1',
    formId: 'card-payment',
    workgroup: 'payments',
    agentId: 'alice',
    amount: '14.55',
    currency: 'USD',
    brand: 'visa',
    last4: '1111',
    outcome: 'accepted',
    details: 'Approved',
  });
}, 60_000);

afterAll(async () => {
  await s?.close();
});

describe('the finance user (viewOutcomes in the signed token)', () => {
  it('reads payment outcomes as JSON and CSV', async () => {
    // Act
    const json = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, bearer(fran));
    const csv = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}&format=csv`, bearer(fran));
    // Assess
    expect(json.status).toBe(200);
    expect(JSON.parse(json.text).outcomes).toEqual([expect.objectContaining({ sessionId: 'finance-access-1', workgroup: 'payments' })]);
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.text).toContain('finance-access-1');
  });

  it('gets the finance page', async () => {
    // Act
    const page = await get('/finance/', bearer(fran));
    const script = await get('/finance/finance.js', bearer(fran));
    // Assess
    expect([page.status, script.status]).toEqual([200, 200]);
    expect(page.text).toContain('Payment outcomes');
  });

  it.each([
    ['GET', '/api/me'],
    ['GET', '/api/forms'],
    ['GET', '/api/interactions'],
    ['GET', '/api/sessions/abc'],
    ['POST', '/api/sessions'],
    ['GET', '/sessions/abc'],
    ['GET', '/health'],
    ['GET', '/console/'],
    ['POST', '/sandbox/caller/calls'],
    ['POST', '/api/outcomes'],
  ])('is refused 403 on %s %s', async (method, path) => {
    // Act
    const res = await fetch(`${s.api.url}${path}`, {
      method,
      headers: { ...bearer(fran), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    // Assess
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('no-right');
  });

  it('signs in with a token that carries viewOutcomes as a group', async () => {
    // Act
    const claims = JSON.parse(Buffer.from(fran.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    // Assess
    expect(claims['cognito:groups']).toEqual(['viewOutcomes']);
    expect(JSON.parse(Buffer.from(alice.split('.')[1] as string, 'base64url').toString('utf8'))).not.toHaveProperty('cognito:groups');
  });
});

describe('everyone else', () => {
  it.each([['alice (agent)'], ['sam (supervisor)']])('%s is refused 403 on the outcomes API', async (who) => {
    // Act
    const res = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, bearer(who.startsWith('alice') ? alice : sam));
    // Assess
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('finance-access-1');
  });

  it('is refused 401 on the outcomes API without a token', async () => {
    // Act
    const res = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`);
    // Assess
    expect(res.status).toBe(401);
  });

  it('gains nothing from the old role header: it is not trusted', async () => {
    // Act
    const noToken = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, { 'x-secure-ivr-role': 'finance' });
    const agent = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, { 'x-secure-ivr-role': 'finance', ...bearer(alice) });
    // Assess
    expect([noToken.status, agent.status]).toEqual([401, 403]);
  });

  it('cannot forge the group: a token signed with another key is not accepted', async () => {
    // Prepare
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'alice', iss: 'secure-ivr-sandbox', iat: now, exp: now + 600, 'cognito:groups': ['viewOutcomes'] };
    const forged = signRs256(claims, rsaSigner('attacker'));
    const hs256 = signHs256ForTest(claims, Buffer.alloc(32, 7));
    // Act
    const res = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, bearer(forged));
    const confused = await get(`/api/outcomes?from=${TODAY}&to=${TODAY}`, bearer(hs256));
    // Assess
    expect([res.status, confused.status]).toEqual([401, 401]);
  });

  it('keeps agents on the agent API as before', async () => {
    // Act
    const res = await get('/api/forms', bearer(alice));
    // Assess
    expect(res.status).toBe(200);
  });
});

describe('token rights from claims', () => {
  it('reads cognito:groups as a list or as the flattened text the HTTP API authorizer passes, and ignores other groups', () => {
    expect(tokenRightsFromClaims({ 'cognito:groups': ['viewOutcomes', 'admins'] })).toEqual(['viewOutcomes']);
    expect(tokenRightsFromClaims({ 'cognito:groups': '[admins viewOutcomes]' })).toEqual(['viewOutcomes']);
    expect(tokenRightsFromClaims({ 'cognito:groups': ['secureInput'] })).toEqual([]);
    expect(tokenRightsFromClaims({})).toEqual([]);
    expect(identityFromClaims({ 'cognito:username': 'fran', 'cognito:groups': '[viewOutcomes]' })).toEqual({ userId: 'fran', tokenRights: ['viewOutcomes'] });
  });
});

describe('configuring a finance user', () => {
  it('refuses viewOutcomes combined with an agent right, naming the user', () => {
    // Prepare
    const raw = {
      forms: [{ id: 'f', type: 'simple', title: 'F', fields: [] }],
      workgroups: [{ id: 'desk', forms: ['f'], members: ['erin'], rights: ['secureInput'] }],
      users: [{ id: 'erin', rights: ['viewOutcomes'] }],
    };
    // Act
    const act = () => parseFormsConfig(raw);
    // Assess
    expect(act).toThrow(FormsConfigError);
    expect(act).toThrow(/user "erin" holds viewOutcomes together with secureInput/);
  });
});
