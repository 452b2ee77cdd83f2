import { onContactEvent, type HangUpDeps } from '../../../../lambdas/telephony/connect/contact-events';
import type { SessionRecord } from '../../../../lambdas/shared/session/session-store';

function world(status: SessionRecord['status'], tokenWaiting = true) {
  const calls: string[] = [];
  const record = {
    sessionId: 'sess-1',
    callTransactionId: 'connect:agent-contact',
    agentId: 'a',
    formId: 'f',
    status,
    createdAt: '',
    updatedAt: '',
  } as SessionRecord;
  const deps: HangUpDeps = {
    now: () => new Date('2026-11-29T22:00:00Z'),
    sessionIdsOnCall: async (callId) => (calls.push(`ids ${callId}`), callId === 'connect:agent-contact' ? ['old', 'sess-1'] : []),
    getSession: async (id) => (id === 'sess-1' ? record : undefined),
    recordHangUp: async (id) => void calls.push(`hung-up ${id}`),
    markCallHungUp: async (callId) => void calls.push(`mark ${callId}`),
    failCapture: async (id, error) => (calls.push(`fail ${id} ${error}`), tokenWaiting),
    emit: async (e) => void calls.push(`event ${e.type}`),
  };
  return { deps, calls };
}

describe('contact events: a caller hanging up in the secure flow', () => {
  it('fails the session still taking the card on the agent contact the flow was transferred from', async () => {
    const { deps, calls } = world('capturing');
    const ended = await onContactEvent(
      { eventType: 'DISCONNECTED', channel: 'VOICE', contactId: 'transfer-contact', previousContactId: 'agent-contact' },
      deps,
    );
    expect(ended).toEqual(['sess-1']);
    // The call is marked before its sessions are read, so a claim still opening one finds the mark.
    expect(calls).toEqual([
      'mark connect:transfer-contact',
      'ids connect:transfer-contact',
      'mark connect:agent-contact',
      'ids connect:agent-contact',
      'hung-up sess-1',
      'fail sess-1 CallerHungUp',
      'event caller.hung-up',
    ]);
  });

  it('leaves a session alone once card entry is over (the outcome is on its way or told)', async () => {
    const { deps, calls } = world('validating');
    expect(await onContactEvent({ eventType: 'DISCONNECTED', contactId: 'agent-contact' }, deps)).toEqual([]);
    expect(calls.filter((c) => c.startsWith('fail'))).toEqual([]);
  });

  it.each([
    ['another event type', { eventType: 'CONNECTED_TO_AGENT', contactId: 'agent-contact' }],
    ['a chat contact', { eventType: 'DISCONNECTED', channel: 'CHAT', contactId: 'agent-contact' }],
    ['a malformed contact id', { eventType: 'DISCONNECTED', contactId: 'a b/c' }],
  ])('ignores %s', async (_label, detail) => {
    const { deps, calls } = world('capturing');
    expect(await onContactEvent(detail, deps)).toEqual([]);
    expect(calls.filter((c) => c.startsWith('fail'))).toEqual([]);
  });
});
