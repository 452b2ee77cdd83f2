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
    recordCallOwner: async (callId, user) => void calls.push(`owner ${callId} ${user}`),
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

describe('contact events: the agent a contact is routed to', () => {
  const ARN = 'arn:aws:connect:us-east-1:123456789012:instance/5ec0e1f0-0000-4000-8000-000000000001/agent/9f1c2d3e-0000-4000-8000-0000000000aa';

  it('records the Connect user of CONNECTED_TO_AGENT as the owner of the agent contact, and ends nothing', async () => {
    const { deps, calls } = world('capturing');
    const ended = await onContactEvent({ eventType: 'CONNECTED_TO_AGENT', channel: 'VOICE', contactId: 'agent-contact', agentInfo: { agentArn: ARN } }, deps);
    expect(ended).toEqual([]);
    expect(calls).toEqual(['owner connect:agent-contact 9f1c2d3e-0000-4000-8000-0000000000aa']);
  });

  it.each([
    ['no agent ARN', {}],
    ['an ARN that is not an agent', { agentArn: 'arn:aws:connect:us-east-1:123456789012:instance/abc/queue/q1' }],
    ['a value that is not text', { agentArn: 42 as unknown as string }],
  ])('records no owner from an event with %s', async (_label, agentInfo) => {
    const { deps, calls } = world('capturing');
    await onContactEvent({ eventType: 'CONNECTED_TO_AGENT', channel: 'VOICE', contactId: 'agent-contact', agentInfo }, deps);
    expect(calls).toEqual([]);
  });

  it('records no owner for a chat contact', async () => {
    const { deps, calls } = world('capturing');
    await onContactEvent({ eventType: 'CONNECTED_TO_AGENT', channel: 'CHAT', contactId: 'agent-contact', agentInfo: { agentArn: ARN } }, deps);
    expect(calls).toEqual([]);
  });
});
