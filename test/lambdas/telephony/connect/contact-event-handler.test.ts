/**
 * The Connect hang-up function on its own: which contact events it ignores, and what it does to the
 * session on the call — fail GetKey when card entry runs, only record the hang-up once entry is over,
 * wait a bounded time for a session still being opened. The session table is a small fake of the
 * document client; the whole path over local engines is in test/sandbox/connect/calls.test.ts.
 */
import { onContactEvent, type HangUpDeps } from '../../../../lambdas/telephony/connect/contact-event-handler';

type Item = Record<string, unknown>;

function fakeStore(items: Map<string, Item>) {
  return {
    send: async (cmd: { constructor: { name: string }; input: { Key: { sessionId: string }; UpdateExpression?: string } }) => {
      const item = items.get(cmd.input.Key.sessionId);
      if (cmd.constructor.name === 'GetCommand') return { Item: item };
      if (cmd.input.UpdateExpression?.startsWith('REMOVE taskToken')) {
        if (!item || item.taskToken === undefined) throw Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
        const token = item.taskToken;
        delete item.taskToken;
        return { Attributes: { taskToken: token } };
      }
      if (item) item.progressed = true;
      return {};
    },
  };
}

function deps(items: Map<string, Item>, lockAfterPolls = 0): HangUpDeps & { failed: string[]; emitted: string[]; polls: number } {
  let clock = 0;
  const d = {
    failed: [] as string[],
    emitted: [] as string[],
    polls: 0,
    store: async () => ({ ddb: fakeStore(items) as never, tableName: 'SessionTable', now: () => new Date() }),
    activeSession: async (_s: unknown, callId: string) => {
      d.polls += 1;
      return d.polls > lockAfterPolls ? (items.get(`call#${callId}`)?.activeSessionId as string | undefined) : undefined;
    },
    failCapture: async (token: string) => void d.failed.push(token),
    emit: async (_id: string, _call: string, stage: string) => void d.emitted.push(stage),
    openingWaitMs: 2000,
    sleep: async (ms: number) => void (clock += ms),
    now: () => clock,
  };
  return d;
}

const event = (detail: Record<string, unknown>) => ({ source: 'aws.connect', 'detail-type': 'Amazon Connect Contact Event', detail });
const CALL = 'agent-contact-1';

describe('the Connect hang-up function', () => {
  it.each([
    ['another event type', { eventType: 'CONNECTED_TO_AGENT', contactId: 'c1', channel: 'VOICE' }],
    ['a chat contact', { eventType: 'DISCONNECTED', contactId: 'c1', channel: 'CHAT' }],
    ['a malformed contact id', { eventType: 'DISCONNECTED', contactId: 'bad id!', channel: 'VOICE' }],
  ])('ignores %s', async (_label, detail) => {
    const d = deps(new Map());
    expect(await onContactEvent(event(detail), d)).toBe('ignored');
    expect(d.polls).toBe(0);
  });

  it('fails GetKey (CallerHungUp) when the caller leaves during card entry', async () => {
    const items = new Map<string, Item>([[`call#connect:${CALL}`, { activeSessionId: 's1' }], ['s1', { sessionId: 's1', status: 'capturing', taskToken: 'token-1' }]]);
    const d = deps(items);

    expect(await onContactEvent(event({ eventType: 'DISCONNECTED', contactId: 'transfer-1', previousContactId: CALL, channel: 'VOICE' }), d)).toBe('capture-ended');
    expect(d.failed).toEqual(['token-1']);
    expect(d.emitted).toEqual(['capturing']);
  });

  it('only records the hang-up when card entry is already over', async () => {
    const items = new Map<string, Item>([[`call#connect:${CALL}`, { activeSessionId: 's1' }], ['s1', { sessionId: 's1', status: 'validating' }]]);
    const d = deps(items);

    expect(await onContactEvent(event({ eventType: 'DISCONNECTED', contactId: 'transfer-1', previousContactId: CALL, channel: 'VOICE' }), d)).toBe('recorded');
    expect(d.failed).toEqual([]);
    expect(items.get('s1')?.progressed).toBe(true);
  });

  it('waits for a session still being opened by the claim, then ends its card entry', async () => {
    const items = new Map<string, Item>([[`call#connect:${CALL}`, { activeSessionId: 's1' }], ['s1', { sessionId: 's1', status: 'separating', taskToken: 'token-2' }]]);
    const d = deps(items, 3);

    expect(await onContactEvent(event({ eventType: 'DISCONNECTED', contactId: 'transfer-1', previousContactId: CALL, channel: 'VOICE' }), d)).toBe('capture-ended');
    expect(d.polls).toBe(4);
  });

  it('gives up after the opening wait when no session comes, and does not wait at all for a contact that was never transferred', async () => {
    const transferred = deps(new Map());
    expect(await onContactEvent(event({ eventType: 'DISCONNECTED', contactId: 'transfer-1', previousContactId: CALL, channel: 'VOICE' }), transferred)).toBe('no-session');
    expect(transferred.polls).toBe(11);

    const direct = deps(new Map());
    expect(await onContactEvent(event({ eventType: 'DISCONNECTED', contactId: CALL, channel: 'VOICE' }), direct)).toBe('no-session');
    expect(direct.polls).toBe(1);
  });
});
