/**
 * A secure session driven through the agent API and watched on its WebSocket: masked progress
 * (counts, brand and last four — never a keyed digit), cancel mid-entry made real end to end (caller
 * told, recording resumed, agent back, card data destroyed), retry after a decline, re-entry of a field
 * on the agent's request, and closing a finished session.
 */
import WebSocket from 'ws';
import type { AgentPush } from '../../lambdas/agent-api/push';
import { DECLINE, FIELDS, pushStrings, startAgentSandbox, VISA, type AgentSandbox } from './agent-sandbox';
import { isTombstone } from '../../lambdas/shared/vault';

let s: AgentSandbox;
let alice: string;
let socket: WebSocket;
const pushes: AgentPush[] = [];

async function openSocket(token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${s.api.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

const pushesFor = (sessionId: string): AgentPush[] => pushes.filter((p) => p.sessionId === sessionId);

async function waitForPush(sessionId: string, test: (p: AgentPush, index: number, all: AgentPush[]) => boolean): Promise<void> {
  for (let round = 0; round < 200; round += 1) {
    const mine = pushesFor(sessionId);
    if (mine.some((p, i) => test(p, i, mine))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the awaited push never came');
}
const vaultItems = async (): Promise<number> => (await s.sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item)).length;

async function startSession(interactionId: string): Promise<string> {
  const res = await s.call('POST', '/api/sessions', { interactionId, formId: 'card-payment', fields: FIELDS }, alice);
  if (res.status !== 202) throw new Error(`start refused: ${String(res.body.error)}`);
  return res.body.sessionId as string;
}

beforeAll(async () => {
  s = await startAgentSandbox();
  alice = await s.signIn('alice');
  socket = await openSocket(alice);
  socket.on('message', (data) => pushes.push(JSON.parse(String(data)) as AgentPush));
}, 60_000);

afterAll(async () => {
  socket?.close();
  await s?.close();
});

describe('live masked progress on the WebSocket', () => {
  it('reports stages, per-field digit counts, brand and last four and the outcome, and never a keyed digit', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const sessionId = await startSession(id);
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    // Act
    await s.press(id, `4111111111111112#${VISA}#1230#737#`);
    await s.waitForSession(alice, sessionId, (v) => v.running === false);
    await new Promise((r) => setTimeout(r, 200));
    // Assess
    const mine = pushesFor(sessionId);
    expect(mine.map((p) => p.type)).toEqual(expect.arrayContaining(['session.stage', 'field.progress', 'card.captured', 'session.outcome']));
    const progress = mine.filter((p): p is Extract<AgentPush, { type: 'field.progress' }> => p.type === 'field.progress');
    expect(progress.filter((p) => p.state === 'captured').map((p) => [p.field, p.digitsEntered])).toEqual([
      ['pan', 16],
      ['exp', 4],
      ['cvv', 3],
    ]);
    expect(progress.find((p) => p.state === 'invalid')).toMatchObject({ field: 'pan', digitsEntered: 16, attempt: 1 });
    expect(mine.find((p) => p.type === 'card.captured')).toMatchObject({ brand: 'visa', last4: '1111' });
    expect(mine.find((p) => p.type === 'session.outcome')).toMatchObject({ status: 'accepted', last4: '1111' });
    const raw = JSON.stringify(mine);
    expect(raw).not.toContain(VISA);
    expect(raw).not.toContain('4111111111111112');
    for (const message of mine) {
      for (const text of pushStrings(message as unknown as Record<string, unknown>)) {
        if (text === '1111' || /authorisation code/.test(text)) continue;
        expect(text).not.toMatch(/\d/);
      }
    }
  });
});

describe('cancelling mid-entry', () => {
  it('aborts the session, tells the caller, resumes recording, brings the agent back and destroys the card data', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    const sessionId = await startSession(id);
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    await s.press(id, `${VISA}#12`);
    await call.waitFor((c) => c.keys.length >= 19, 10_000);
    // Act
    const cancel = await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, alice);
    const view = await s.waitForSession(alice, sessionId, (v) => v.running === false);
    const agentBackBeforeEntryEnds = call.agentBridged;
    // The caller's current entry finishes first (SpeakAndGetDigits is not interruptible); its digits are dropped.
    await s.press(id, '#');
    await call.waitFor((c) => c.agentBridged, 10_000);
    // Assess
    expect(cancel.status).toBe(202);
    expect(view.status).toBe('aborted');
    expect(agentBackBeforeEntryEnds).toBe(false);
    expect(pushesFor(sessionId).find((p) => p.type === 'session.outcome')).toMatchObject({ status: 'aborted', error: 'AgentCancelled' });
    expect(call.recordingState).toBe('recording');
    expect(call.violations).toEqual([]);
    expect(await vaultItems()).toBe(0);
    const caller = await s.call('GET', `/sandbox/caller/calls/${id}`);
    expect((caller.body.prompts as string[]).some((p) => /could not complete your payment/.test(p))).toBe(true);
  });

  it('records a cancel sent while the session is still opening and answers at once; the outcome comes on the push channel', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    const sessionId = await startSession(id);
    // Act: no wait for GetKey; the request is recorded and whichever stage holds the session honours it
    const cancel = await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, alice);
    await waitForPush(sessionId, (p) => p.type === 'session.outcome');
    const view = await s.waitForSession(alice, sessionId, (v) => v.running === false);
    await call.waitFor((c) => c.agentBridged, 10_000);
    // Assess
    expect(cancel).toMatchObject({ status: 202, body: { cancelRequested: true, running: true } });
    expect(view).toMatchObject({ status: 'aborted' });
    expect(view.cancelRequested).toBeUndefined();
    expect(pushesFor(sessionId).find((p) => p.type === 'session.outcome')).toMatchObject({ status: 'aborted', error: 'AgentCancelled' });
    expect(call.violations).toEqual([]);
    expect(await vaultItems()).toBe(0);
  });

  it('refuses to cancel a session that has already ended', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const sessionId = await startSession(id);
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    await s.press(id, `${VISA}#1230#737#`);
    await s.waitForSession(alice, sessionId, (v) => v.running === false);
    // Act
    const res = await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, alice);
    // Assess
    expect(res).toMatchObject({ status: 409, body: { error: 'not-cancellable' } });
  });
});

describe('retry, re-entry and close', () => {
  it('retries a declined session with the same form and fields, and counts both uses for the call', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const first = await startSession(id);
    await s.waitForSession(alice, first, (v) => v.status === 'capturing');
    await s.press(id, `${DECLINE}#1230#737#`);
    const declined = await s.waitForSession(alice, first, (v) => v.running === false);
    const retryWhileAccepted = declined.status === 'accepted';
    // Act
    const retry = await s.call('POST', `/api/sessions/${first}/retry`, {}, alice);
    const second = retry.body.sessionId as string;
    await s.waitForSession(alice, second, (v) => v.status === 'capturing');
    await s.press(id, `${VISA}#1230#737#`);
    const accepted = await s.waitForSession(alice, second, (v) => v.running === false);
    const history = await s.call('GET', `/api/interactions/${id}`, undefined, alice);
    const retryAccepted = await s.call('POST', `/api/sessions/${second}/retry`, {}, alice);
    // Assess
    expect(retryWhileAccepted).toBe(false);
    expect(declined).toMatchObject({ status: 'declined', details: 'Declined - do not honour' });
    expect(retry).toMatchObject({ status: 202, body: { retryOf: first, formId: 'card-payment' } });
    expect(accepted.status).toBe('accepted');
    expect(history.body).toMatchObject({ secureInputUses: 2, outcomes: { accepted: 1, declined: 1, unknown: 0, aborted: 0, running: 0 } });
    expect(retryAccepted).toMatchObject({ status: 409, body: { error: 'not-retryable' } });
  });

  it('security review 3: after an unknown outcome refuses a new payment and resends only under the same payment reference', async () => {
    // Prepare: the test gateway's error card makes the service answer HTTP 500 (the card may have been charged).
    const id = await s.placeCall('alice');
    const first = await startSession(id);
    await s.waitForSession(alice, first, (v) => v.status === 'capturing');
    await s.press(id, '4000000000000119#1230#737#');
    const unknown = await s.waitForSession(alice, first, (v) => v.running === false);

    // Act
    const retry = await s.call('POST', `/api/sessions/${first}/retry`, {}, alice);
    const retryWithOtherFields = await s.call('POST', `/api/sessions/${first}/retry`, { fields: { ...FIELDS, 'charge amount': '99.00' } }, alice);
    const resend = await s.call('POST', `/api/sessions/${first}/retry`, { resend: true }, alice);
    const second = resend.body.sessionId as string;
    await s.waitForSession(alice, second, (v) => v.status === 'capturing');
    await s.press(id, '4000000000000119#1230#737#');
    const resent = await s.waitForSession(alice, second, (v) => v.running === false);
    const history = await s.call('GET', `/api/interactions/${id}`, undefined, alice);

    // Assess
    expect(unknown).toMatchObject({
      status: 'unknown',
      details: expect.stringContaining('payment status unknown: check with the gateway before taking another payment'),
    });
    expect(String(unknown.resultLine)).toMatch(/^SIV-\d{8}-[A-Z2-9]{13}\|unknown\|payment status unknown/);
    expect(pushesFor(first).find((p) => p.type === 'session.outcome')).toMatchObject({ status: 'unknown' });
    expect(retry).toMatchObject({ status: 409, body: { error: 'outcome-unknown' } });
    expect(retryWithOtherFields).toMatchObject({ status: 409, body: { error: 'outcome-unknown' } });
    expect(resend).toMatchObject({ status: 202, body: { retryOf: first } });
    expect(resent.transactionId).toBe(unknown.transactionId);
    expect(resent.status).toBe('unknown');
    expect(history.body).toMatchObject({ outcomes: { unknown: 2, declined: 0 } });
  });

  it('asks the caller to key the card number again and completes with the new entry', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const sessionId = await startSession(id);
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    await s.press(id, `${DECLINE}#`);
    await waitForPush(sessionId, (p) => p.type === 'field.progress' && p.field === 'exp' && p.state === 'prompted');
    // Act
    const reenter = await s.call('POST', `/api/sessions/${sessionId}/reenter`, { field: 'pan' }, alice);
    await waitForPush(sessionId, (p) => p.type === 'field.progress' && p.field === 'pan' && p.state === 'restarted');
    await s.press(id, '#'); // ends the expiry entry in progress; its digits are never delivered
    await waitForPush(
      sessionId,
      (p, i, all) =>
        p.type === 'field.progress' &&
        p.field === 'pan' &&
        p.state === 'prompted' &&
        all.slice(0, i).some((q) => q.type === 'field.progress' && q.state === 'restarted'),
    );
    await s.press(id, `${VISA}#1230#737#`);
    const done = await s.waitForSession(alice, sessionId, (v) => v.running === false);
    const notCapturing = await s.call('POST', `/api/sessions/${sessionId}/reenter`, { field: 'pan' }, alice);
    // Assess
    expect(reenter.status).toBe(202);
    expect(pushesFor(sessionId).some((p) => p.type === 'field.progress' && p.field === 'pan' && p.state === 'restarted')).toBe(true);
    expect(done).toMatchObject({ status: 'accepted', last4: '1111' });
    expect(notCapturing).toMatchObject({ status: 409, body: { error: 'not-capturing' } });
  });

  it('closes a finished session and refuses to close a running one', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const sessionId = await startSession(id);
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    // Act
    const whileRunning = await s.call('POST', `/api/sessions/${sessionId}/end`, undefined, alice);
    await s.press(id, `${VISA}#1230#737#`);
    await s.waitForSession(alice, sessionId, (v) => v.running === false);
    const closed = await s.call('POST', `/api/sessions/${sessionId}/end`, undefined, alice);
    // Assess
    expect(whileRunning).toMatchObject({ status: 409, body: { error: 'not-finished' } });
    expect(closed).toMatchObject({ status: 200, body: { closed: true, status: 'accepted' } });
  });
});
