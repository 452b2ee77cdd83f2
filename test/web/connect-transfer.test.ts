/**
 * The console's transfer of a Connect caller to the secure flow (web/src/connect-transfer.ts), against a
 * fake Amazon Connect Streams object that behaves as the Streams API does: `connect.agent` hands over the
 * agent, `getEndpoints` lists quick connects through callbacks, `addConnection` transfers. The sandbox path
 * is covered here against a fake API client and in the browser by test/e2e/connect-console.test.ts.
 */
import {
  connectTransferFor,
  followStreamsContacts,
  ManualTransfer,
  SandboxTransfer,
  StreamsTransfer,
  type StreamsAgent,
  type StreamsApi,
  type StreamsCallbacks,
  type StreamsContact,
  type StreamsEndpoint,
  type StreamsIncomingContact,
  type TransferProgress,
} from '../../web/src/connect-transfer';

const QUEUES = ['arn:aws:connect:us-east-1:123456789012:instance/i-1/queue/q-agents'];
const SECURE_INPUT: StreamsEndpoint = {
  endpointARN: 'arn:aws:connect:us-east-1:123456789012:instance/i-1/transfer-destination/qc-1',
  type: 'queue',
  name: 'Secure Input',
};

class FakeContact implements StreamsContact {
  public added: StreamsEndpoint[] = [];
  public constructor(
    private readonly id: string,
    private readonly type = 'voice',
    public addFails = false,
  ) {}
  public getContactId(): string {
    return this.id;
  }
  public getType(): string {
    return this.type;
  }
  public addConnection(endpoint: StreamsEndpoint, callbacks: StreamsCallbacks): void {
    this.added.push(endpoint);
    // Streams answers asynchronously.
    queueMicrotask(() => (this.addFails ? callbacks.failure({ type: 'ContactNotFound' }) : callbacks.success(undefined)));
  }
}

class FakeStreams implements StreamsApi {
  public endpointQueues: string[][] = [];
  public constructor(
    public contacts: FakeContact[],
    public endpoints: StreamsEndpoint[] = [SECURE_INPUT],
    public endpointsFail = false,
  ) {}
  public agent(subscriber: (agent: StreamsAgent) => void): void {
    const agent: StreamsAgent = {
      getAllQueueARNs: () => QUEUES,
      getEndpoints: (queues, callbacks) => {
        this.endpointQueues.push(queues);
        queueMicrotask(() => (this.endpointsFail ? callbacks.failure('AccessDenied') : callbacks.success({ endpoints: this.endpoints })));
      },
      getContacts: () => this.contacts,
    };
    // The CCP may report the agent more than once (every state change).
    subscriber(agent);
    subscriber(agent);
  }
}

async function run(transfer: { transfer(id: string, p: (x: TransferProgress) => void): Promise<void> }, id: string) {
  const steps: TransferProgress[] = [];
  const outcome = await transfer
    .transfer(id, (p) => steps.push(p))
    .then(
      () => undefined,
      (err: Error) => err,
    );
  return { steps, error: outcome };
}

describe('the Streams transfer (custom CCP)', () => {
  it('finds the Secure Input quick connect among the agent queues’ endpoints and adds it to the contact, reporting each step', async () => {
    // Prepare
    const contact = new FakeContact('c-123');
    const streams = new FakeStreams(
      [new FakeContact('c-other'), contact],
      [{ type: 'agent', name: 'Secure Input' }, { type: 'queue', name: 'Billing' }, SECURE_INPUT],
    );
    // Act
    const { steps, error } = await run(new StreamsTransfer(streams), 'connect:c-123');
    // Assess
    expect(error).toBeUndefined();
    expect(streams.endpointQueues).toEqual([QUEUES]);
    expect(contact.added).toEqual([SECURE_INPUT]);
    expect(steps.map((s) => s.step)).toEqual(['finding', 'transferring', 'transferred']);
    expect(steps.at(-1)?.message).toMatch(/on hold/);
  });

  it.each([
    ['the id is not a Connect interaction', 'chime-call-1', new FakeStreams([new FakeContact('c-1')]), 'This call is not an Amazon Connect contact.'],
    [
      'the contact is not on the agent’s CCP',
      'connect:c-gone',
      new FakeStreams([new FakeContact('c-1')]),
      'The contact is no longer on your contact control panel; the caller was not transferred.',
    ],
    ['the contact is a chat', 'connect:c-chat', new FakeStreams([new FakeContact('c-chat', 'chat')]), 'Secure Input takes card details on voice calls only.'],
    [
      'no quick connect has the name',
      'connect:c-1',
      new FakeStreams([new FakeContact('c-1')], [{ type: 'queue', name: 'Billing' }]),
      'No "Secure Input" quick connect is available to you; ask your administrator to associate it with your queue.',
    ],
    [
      'the quick connects cannot be listed',
      'connect:c-1',
      new FakeStreams([new FakeContact('c-1')], [SECURE_INPUT], true),
      'Your quick connects could not be listed; press the Secure Input quick connect in your contact control panel.',
    ],
    [
      'Connect refuses the transfer',
      'connect:c-1',
      new FakeStreams([new FakeContact('c-1', 'voice', true)]),
      'Amazon Connect did not transfer the caller; try again, or press the Secure Input quick connect yourself.',
    ],
  ])('fails with a clear message when %s', async (_label, id, streams, message) => {
    const { steps, error } = await run(new StreamsTransfer(streams), id);
    expect(error).toMatchObject({ name: 'ConnectTransferError', message });
    expect(steps.map((s) => s.step)).not.toContain('transferred');
  });
});

describe('the sandbox transfer', () => {
  it('asks the sandbox to press the quick connect for the Connect interaction', async () => {
    const requests: string[] = [];
    const api = { request: async <T>(method: string, path: string): Promise<T> => (requests.push(`${method} ${path}`), {} as T) };
    const { steps, error } = await run(new SandboxTransfer(api), 'connect:c-123');
    expect(error).toBeUndefined();
    expect(requests).toEqual(['POST /sandbox/calls/connect%3Ac-123/quick-connect']);
    expect(steps.map((s) => s.step)).toEqual(['transferring', 'transferred']);
  });

  it('passes on the sandbox’s refusal', async () => {
    const refusal = Object.assign(new Error('the contact is over or already in the secure-input flow'), { name: 'ApiRefusal' });
    const api = {
      request: async (): Promise<never> => {
        throw refusal;
      },
    };
    const { error } = await run(new SandboxTransfer(api), 'connect:c-123');
    expect(error).toMatchObject({
      name: 'ConnectTransferError',
      message: 'The caller was not transferred: the contact is over or already in the secure-input flow.',
    });
  });
});

describe('choosing the transfer', () => {
  const api = { request: async <T>(): Promise<T> => ({}) as T };

  it('uses Streams when the window has the Streams global, the sandbox control when signed in locally, else tells the agent to press the quick connect', async () => {
    expect(connectTransferFor({ connect: new FakeStreams([]) }, { sandbox: true, api }).mode).toBe('streams');
    expect(connectTransferFor({}, { sandbox: true, api }).mode).toBe('sandbox');
    expect(connectTransferFor({ connect: { core: {} } }, { sandbox: false, api }).mode).toBe('manual');
    const { steps } = await run(new ManualTransfer(), 'connect:c-1');
    expect(steps).toEqual([
      { step: 'manual', message: 'Press the "Secure Input" quick connect in your contact control panel to send the caller to Secure Input.' },
    ]);
  });

  it('follows the agent’s connected voice contacts as connect:<contact id>', () => {
    const selected: string[] = [];
    const incoming: Array<StreamsIncomingContact & { connect(): void }> = [];
    const make = (id: string, type: string) => {
      let connected: ((c: StreamsContact) => void) | undefined;
      const c = Object.assign(new FakeContact(id, type), {
        onConnected: (cb: (c: StreamsContact) => void) => {
          connected = cb;
        },
        connect: () => connected?.(c),
      });
      return c;
    };
    const streams: StreamsApi = {
      agent: () => undefined,
      contact: (subscriber) => {
        for (const c of [make('c-voice', 'voice'), make('c-chat', 'chat')]) {
          incoming.push(c);
          subscriber(c);
        }
      },
    };
    followStreamsContacts(streams, (id) => selected.push(id));
    for (const c of incoming) c.connect();
    expect(selected).toEqual(['connect:c-voice']);
  });
});
