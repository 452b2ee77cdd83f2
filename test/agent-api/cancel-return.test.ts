/**
 * Issue 14 item 3 on Chime: what a cancel during a card prompt does to the call, read from the emulator's
 * event log (never from wall time). The agent's cancel reaches the call as UpdateSipMediaApplicationCall →
 * CALL_UPDATE_REQUESTED (secure-end, aborted) while the caller's SpeakAndGetDigits still runs. The service
 * documents that only PlayAudio, RecordAudio and Pause are interrupted by an update; any other action,
 * SpeakAndGetDigits included, completes first. So the caller's return follows the end of the prompt they are
 * in (their entry, or its time limit) and nothing else: no further prompt, no result of that entry used, and
 * the hand-back (resume recording, tell the caller, call the agent back) runs at once after it.
 */
import { isTombstone } from '../../lambdas/shared/vault';
import type { Invocation } from '../../sandbox/sma/emulator';
import { collectArtifacts, findSentinels } from '../helpers/leak-scan';
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

const label = (inv: Invocation): string => {
  const type = inv.event.InvocationEventType;
  const action = inv.event.ActionData;
  if (type === 'CALL_UPDATE_REQUESTED') return `${type}:${String((action?.Parameters?.Arguments as Record<string, string> | undefined)?.op)}`;
  return action?.Type && type !== 'NEW_INBOUND_CALL' ? `${type}:${action.Type}` : type;
};
const actionsOf = (inv: Invocation): string[] => ((inv.response as { Actions?: Array<{ Type: string }> } | undefined)?.Actions ?? []).map((a) => a.Type);

describe('cancel during a card prompt on Chime', () => {
  it('returns the caller right after the prompt they are in ends: the update replaces the rest, no entry is used, the session ends AgentCancelled', async () => {
    // Prepare: the caller is part-way through the card number
    const id = await s.placeCall('alice');
    const call = s.sandbox.emulator.call(id);
    if (!call) throw new Error('no call');
    const res = await s.call('POST', '/api/sessions', { interactionId: id, formId: 'card-payment', fields: FIELDS }, alice);
    const sessionId = res.body.sessionId as string;
    await s.waitForSession(alice, sessionId, (v) => v.status === 'capturing');
    await s.press(id, VISA.slice(0, 8));
    const promptsAtCancel = call.digitPrompts;
    const seenAtCancel = call.invocations.length;
    // Act: the agent cancels while the prompt listens
    const cancel = await s.call('POST', `/api/sessions/${sessionId}/cancel`, undefined, alice);
    await call.waitFor((c) => c.invocations.slice(seenAtCancel).some((inv) => label(inv) === 'CALL_UPDATE_REQUESTED:secure-end'));
    const stillInPrompt = call.collectingDigits;
    // The caller ends the entry they are in (keying the rest of the card, then #): the prompt completes
    await s.press(id, `${VISA.slice(8)}#`);
    await call.waitFor((c) => c.agentBridged);
    const view = await s.waitForSession(alice, sessionId, (v) => v.running === false);
    // Assess: the order of events after the cancel
    const after = call.invocations.slice(seenAtCancel);
    const labels = after.map(label);
    const update = labels.indexOf('CALL_UPDATE_REQUESTED:secure-end');
    const bridged = labels.indexOf('ACTION_SUCCESSFUL:CallAndBridge');
    expect(cancel.status).toBe(202);
    expect(stillInPrompt).toBe(true);
    expect(update).toBeGreaterThanOrEqual(0);
    expect(actionsOf(after[update] as Invocation)).toEqual(['ResumeCallRecording', 'Speak', 'CallAndBridge']);
    expect(bridged).toBeGreaterThan(update);
    // Between the update and the agent's return: nothing else reached the handler (no entry result, no new prompt)
    expect(labels.slice(update + 1, bridged)).toEqual([]);
    expect(call.digitPrompts).toBe(promptsAtCancel);
    expect(after.flatMap(actionsOf)).not.toContain('SpeakAndGetDigits');
    // The session ended as cancelled, nothing of the card stays
    expect(view).toMatchObject({ status: 'aborted' });
    expect(String(view.details)).toMatch(/cancelled by the agent/);
    expect((await s.sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item))).toEqual([]);
    expect(call.violations).toEqual([]);
    expect(call.recordingState).toBe('recording');
    const artifacts = await collectArtifacts(s.sandbox, [call], [view]);
    expect(findSentinels(artifacts, { long: [VISA], short: [] })).toEqual([]);
  });
});
