/**
 * The agent API's authorization matrix, over loopback HTTP against a whole sandbox: every refusal has
 * its own code, status and readable reason, and none echoes what the agent typed.
 */
import { FIELDS, startAgentSandbox, VISA, type AgentSandbox } from './agent-sandbox';

let s: AgentSandbox;
let alice: string;

beforeAll(async () => {
  s = await startAgentSandbox();
  alice = await s.signIn('alice');
}, 60_000);

afterAll(async () => {
  await s?.close();
});

const start = (token: string | undefined, interactionId: string, extra: Record<string, unknown> = {}) =>
  s.call('POST', '/api/sessions', { interactionId, formId: 'card-payment', fields: FIELDS, ...extra }, token);

describe('signing in and authentication', () => {
  it('refuses to sign in a user the configuration does not define', async () => {
    // Act
    const res = await s.call('POST', '/auth/sign-in', { username: 'mallory' });
    // Assess
    expect(res.status).toBe(401);
  });

  it('answers 401 unauthenticated to a request without a token', async () => {
    const res = await s.call('GET', '/api/forms');
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
  });

  it('answers 401 to a token with a forged signature', async () => {
    // Prepare
    const [h, p] = alice.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    // Act
    const res = await s.call('GET', '/api/forms', undefined, forged);
    // Assess
    expect(res.status).toBe(401);
  });
});

describe('listing forms', () => {
  it('lists only the forms assigned to the agent\u2019s workgroups', async () => {
    // Prepare
    const carol = await s.signIn('carol');
    // Act
    const a = await s.call('GET', '/api/forms', undefined, alice);
    const c = await s.call('GET', '/api/forms', undefined, carol);
    // Assess
    expect((a.body.forms as Array<{ id: string }>).map((f) => f.id)).toEqual(['card-payment', 'card-verify']);
    expect((c.body.forms as Array<{ id: string }>).map((f) => f.id)).toEqual(['card-verify']);
  });
});

describe('starting a secure session: refusals', () => {
  it('refuses an agent without the Initiate Secure Input right', async () => {
    // Prepare
    const bob = await s.signIn('bob');
    const id = await s.placeCall('bob');
    // Act
    const res = await start(bob, id);
    // Assess
    expect(res).toMatchObject({ status: 403, body: { error: 'no-right' } });
    expect(res.body.reason).toMatch(/Initiate Secure Input/);
  });

  it('refuses a form that is not assigned to the agent\u2019s workgroup', async () => {
    // Prepare
    const carol = await s.signIn('carol');
    const id = await s.placeCall('carol');
    // Act
    const res = await start(carol, id);
    // Assess
    expect(res).toMatchObject({ status: 403, body: { error: 'form-not-assigned' } });
  });

  it('refuses a conference call (more than two parties)', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const added = await s.call('POST', `/sandbox/calls/${id}/parties`);
    // Act
    const res = await start(alice, id);
    // Assess
    expect(added.body.parties).toBe(3);
    expect(res).toMatchObject({ status: 409, body: { error: 'conference' } });
  });

  it('refuses when the desktop declares a conference the server cannot see', async () => {
    const id = await s.placeCall('alice');
    const res = await start(alice, id, { parties: 3 });
    expect(res).toMatchObject({ status: 409, body: { error: 'conference' } });
  });

  it('refuses a second session while one is running on the call', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const first = await start(alice, id);
    await s.waitForSession(alice, first.body.sessionId as string, (v) => v.status === 'capturing');
    // Act
    const second = await start(alice, id);
    // Assess
    expect(first.status).toBe(202);
    expect(second).toMatchObject({ status: 409, body: { error: 'session-running' } });
    await s.call('POST', `/api/sessions/${first.body.sessionId as string}/cancel`, undefined, alice);
    await s.press(id, '#');
  });

  it('refuses a call that is no longer connected', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    await s.sandbox.emulator.call(id)?.hangUpAgent();
    await s.sandbox.emulator.call(id)?.ended();
    // Act
    const res = await start(alice, id);
    // Assess
    expect(res).toMatchObject({ status: 409, body: { error: 'not-connected' } });
  });

  it('refuses a call delivered to another agent', async () => {
    const id = await s.placeCall('carol');
    const res = await start(alice, id);
    expect(res).toMatchObject({ status: 403, body: { error: 'not-your-interaction' } });
  });

  it('refuses fields that fail validation, naming the fields and never echoing the values', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    // Act
    const res = await start(alice, id, { fields: { 'customer name': `pay with ${VISA}`, 'customer account': '!', 'charge amount': '' } });
    // Assess
    expect(res).toMatchObject({ status: 422, body: { error: 'invalid-fields' } });
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Customer name looks like card details/),
        'Customer account is not in the expected format',
        'Amount is required',
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain(VISA);
  });
});

describe('sessions of other agents and supervisors', () => {
  it('refuses to let another agent cancel a session, and lets a supervisor read the call\u2019s history', async () => {
    // Prepare
    const carol = await s.signIn('carol');
    const sam = await s.signIn('sam');
    const id = await s.placeCall('alice');
    const started = await start(alice, id);
    const sessionId = started.body.sessionId as string;
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    // Act
    const cancelByCarol = await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, carol);
    const historyForCarol = await s.call('GET', `/api/interactions/${id}`, undefined, carol);
    const historyForSam = await s.call('GET', `/api/interactions/${id}`, undefined, sam);
    // Assess
    expect(cancelByCarol).toMatchObject({ status: 403, body: { error: 'not-your-session' } });
    expect(historyForCarol).toMatchObject({ status: 403, body: { error: 'not-your-interaction' } });
    expect(historyForSam).toMatchObject({ status: 200, body: { secureInputUses: 1, outcomes: { running: 1 } } });
    await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, alice);
    await s.press(id, '#');
  });

  it('answers 404 for a session that does not exist', async () => {
    const res = await s.call('GET', '/api/sessions/00000000-0000-4000-8000-0000000000ff', undefined, alice);
    expect(res).toMatchObject({ status: 404, body: { error: 'unknown-session' } });
  });
});

describe('Begin checks the rights again (defence in depth)', () => {
  it('aborts a workflow started directly for an agent without the right', async () => {
    // Prepare
    const id = await s.placeCall('bob');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    // Act
    const { executionArn } = await s.sandbox.requestSession(call, { formId: 'card-payment', fields: FIELDS, agentId: 'bob' });
    const outcome = await s.sandbox.sessionOutcome(executionArn);
    // Assess
    expect(outcome.outcome).toBe('aborted');
    expect(outcome.details).toMatch(/Initiate Secure Input/);
  });
});
