/**
 * Issue 14 item 1 on the Chime path: a caller who keys while still talking to the agent is heard by the
 * agent (and the recording), so the IVR's own listener (ReceiveDigits → DIGITS_RECEIVED) tells the agent's
 * console to stop them, without ever saying which keys or how many. Everything the sandbox wrote or pushed
 * is scanned for the keyed sentinel card.
 */
import WebSocket from 'ws';
import type { AgentPush } from '../../lambdas/agent-api/push';
import { HEARD_KEY_VIOLATION } from '../../sandbox/sma/call-observer';
import { collectArtifacts, findSentinels } from '../helpers/leak-scan';
import { PAN_SENTINEL } from '../helpers/fixtures';
import { startAgentSandbox, type AgentSandbox } from './agent-sandbox';

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

const keyingFor = (interactionId: string): AgentPush[] =>
  pushes.filter((p) => p.type === 'caller-keying' && (p as { interactionId?: string }).interactionId === interactionId);

async function waitForKeyingPushes(interactionId: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (keyingFor(interactionId).length < count) {
    if (Date.now() > deadline) throw new Error('the caller-keying push never came');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function keyWhileBridged(interactionId: string, keys: string): Promise<void> {
  const res = await s.call('POST', `/sandbox/caller/calls/${interactionId}/keys`, { keys });
  if (res.status !== 202) throw new Error('keys not accepted');
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

describe('the caller keys while bridged to the agent (Chime: ReceiveDigits while bridged)', () => {
  it('pushes caller-keying to the agent with no key and no count, re-arms for the next burst, and leaves no trace of the card', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    await call.waitFor((c) =>
      c.invocations.some((inv) => (inv.response as { Actions?: Array<{ Type: string }> } | undefined)?.Actions?.some((a) => a.Type === 'ReceiveDigits')),
    );
    // Act: the caller reads the card number out on the keypad, then keys again later
    await keyWhileBridged(id, PAN_SENTINEL);
    await waitForKeyingPushes(id, 1);
    await call.waitFor((c) => c.invocations.filter((inv) => inv.event.InvocationEventType === 'DIGITS_RECEIVED').length === 1);
    const armedAgain = () =>
      call.invocations.some(
        (inv) =>
          inv.event.InvocationEventType === 'DIGITS_RECEIVED' &&
          (inv.response as { Actions?: Array<{ Type: string }> } | undefined)?.Actions?.some((a) => a.Type === 'ReceiveDigits'),
      );
    await call.waitFor(armedAgain);
    await keyWhileBridged(id, '7');
    await waitForKeyingPushes(id, 2);
    // Assess: the agent was told, with nothing but the call and the time
    const told = keyingFor(id);
    // Exactly these three values: no key and no count can hide in them (a pattern over the JSON matched
    // the time's seconds, "…:16.294Z", once a minute).
    for (const p of told)
      expect(p).toEqual({ type: 'caller-keying', interactionId: id, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    // The keys were heard by the agent (the emulator says so) and not kept for any prompt
    expect(call.keys.filter((k) => k.collected === false && k.agentBridged)).toHaveLength(17);
    expect(call.violations.filter((v) => v === HEARD_KEY_VIOLATION)).toHaveLength(17);
    expect(call.digitsReceivedEvents).toBe(2);
    expect(call.agentBridged).toBe(true);
    // Nothing written, answered or pushed holds the card number
    const artifacts = await collectArtifacts(s.sandbox, [call], pushes);
    expect(findSentinels(artifacts, { long: [PAN_SENTINEL], short: [] })).toEqual([]);
  });

  it('the leak scan finds the card when a push carries it (the check can fail)', async () => {
    const call = s.sandbox.emulator.allCalls()[0];
    if (!call) throw new Error('no call');
    const artifacts = await collectArtifacts(s.sandbox, [call], [{ type: 'caller-keying', digits: PAN_SENTINEL }]);
    expect(findSentinels(artifacts, { long: [PAN_SENTINEL], short: [] })).toEqual([`${PAN_SENTINEL} in agent payload 0`]);
  });

  it('does not warn when keys are pressed into the secure prompt (the IVR has the caller, the agent is gone)', async () => {
    // Prepare
    const id = await s.placeCall('alice');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    const res = await s.call(
      'POST',
      '/api/sessions',
      { interactionId: id, formId: 'card-payment', fields: { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' } },
      alice,
    );
    expect(res.status).toBe(202);
    await s.waitForSession(alice, res.body.sessionId as string, (v) => v.status === 'capturing');
    // Act
    await s.press(id, `${PAN_SENTINEL}#`);
    await call.waitFor((c) => c.keys.length >= 17);
    // Assess
    expect(call.digitsReceivedEvents).toBe(0);
    expect(keyingFor(id)).toEqual([]);
    expect(call.violations).toEqual([]);
  });
});
