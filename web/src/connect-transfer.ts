/**
 * Sending the caller of an Amazon Connect contact to the secure-input flow once the agent's request is
 * left (Send to IVR). On Connect the session starts only when the caller reaches the flow, through the
 * "Secure Input" quick connect, and voice transfers cannot be started from the server (TransferContact is
 * for tasks and email), so the agent's desktop does it:
 * - in a custom CCP (Amazon Connect Streams loaded in this window): the quick connect's endpoint is looked
 *   up by name with `agent.getEndpoints` and the contact is transferred with `contact.addConnection`;
 * - in the sandbox: `POST /sandbox/calls/:id/quick-connect` plays the agent pressing the quick connect;
 * - anywhere else (the agent workspace app cannot transfer): the agent is told to press the quick connect.
 *
 * The Streams calls are written against the small typed interface below, the part of the Streams API
 * used here, so the module needs no Streams package and its tests use a fake.
 */

/** The prefix of interaction ids of Connect calls: `connect:<the agent's contact id>`. */
export const CONNECT_PREFIX = 'connect:';
/** The quick connect the stack creates (lib/constructs/connect-secure-input.ts). */
export const SECURE_INPUT_QUICK_CONNECT = 'Secure Input';

export const isConnectInteraction = (interactionId: string): boolean => interactionId.startsWith(CONNECT_PREFIX);
export const interactionIdOf = (contactId: string): string => `${CONNECT_PREFIX}${contactId}`;
export const contactIdOf = (interactionId: string): string => interactionId.slice(CONNECT_PREFIX.length);

// ------------------------------------------------------------------ the part of Amazon Connect Streams used

/** `connect.Endpoint`: an entry of the agent's quick connects. */
export interface StreamsEndpoint {
  endpointARN?: string;
  endpointId?: string;
  /** `agent`, `queue` or `phone_number`. */
  type: string;
  name: string;
}

export interface StreamsCallbacks<T = unknown> {
  success(data: T): void;
  failure(err?: unknown): void;
}

export interface StreamsContact {
  getContactId(): string;
  /** `voice`, `chat`, `task`, … */
  getType(): string;
  addConnection(endpoint: StreamsEndpoint, callbacks: StreamsCallbacks): void;
}

export interface StreamsAgent {
  /** The queues the agent's routing profile serves; their quick connects are what getEndpoints lists. */
  getAllQueueARNs(): string[];
  getEndpoints(queueArns: string[], callbacks: StreamsCallbacks<{ endpoints: StreamsEndpoint[] }>): void;
  getContacts(type?: string): StreamsContact[];
}

/** A contact as the `connect.contact` subscription hands it over. */
export interface StreamsIncomingContact extends StreamsContact {
  onConnected(callback: (contact: StreamsContact) => void): void;
}

/** The global `connect` object of amazon-connect-streams (the parts used here). */
export interface StreamsApi {
  agent(subscriber: (agent: StreamsAgent) => void): void;
  contact?(subscriber: (contact: StreamsIncomingContact) => void): void;
}

/** The Streams global of this window, when a custom CCP loaded it. */
export function streamsOf(win: { connect?: unknown }): StreamsApi | undefined {
  const streams = win.connect as Partial<StreamsApi> | undefined;
  return streams && typeof streams.agent === 'function' ? (streams as StreamsApi) : undefined;
}

/**
 * In a custom CCP the console follows the agent's voice contacts: each one that connects becomes the call
 * shown, as `connect:<contact id>` (the id the agent API and the flow key the session on).
 */
export function followStreamsContacts(streams: StreamsApi, select: (interactionId: string) => void): void {
  streams.contact?.((contact) => {
    contact.onConnected((connected) => {
      if (connected.getType() === 'voice') select(interactionIdOf(connected.getContactId()));
    });
  });
}

// ------------------------------------------------------------------ progress

export type TransferStep = 'finding' | 'transferring' | 'transferred' | 'manual' | 'failed';

export interface TransferProgress {
  step: TransferStep;
  /** What the agent reads (never card data: there is none on this path). */
  message: string;
}

/** The transfer could not be made; the message says what the agent can do. */
export class ConnectTransferError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConnectTransferError';
  }
}

export interface ConnectTransfer {
  /** How this desktop transfers: `streams`, `sandbox` or `manual` (the agent presses the quick connect). */
  readonly mode: 'streams' | 'sandbox' | 'manual';
  transfer(interactionId: string, progress: (p: TransferProgress) => void): Promise<void>;
}

const MESSAGES = {
  finding: 'Finding the Secure Input quick connect…',
  transferring: 'Transferring the caller to Secure Input; you stay on the call, on hold.',
  transferred: 'The caller is in Secure Input; you are on hold until the card details are taken.',
  manual: `Press the "${SECURE_INPUT_QUICK_CONNECT}" quick connect in your contact control panel to send the caller to Secure Input.`,
} as const;

/** Runs a Streams call that reports through success/failure callbacks as a promise. */
function callStreams<T>(start: (callbacks: StreamsCallbacks<T>) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start({ success: resolve, failure: (err) => reject(err ?? new Error('failed')) });
    } catch (err) {
      reject(err);
    }
  });
}

/** The first agent Streams reports (the subscription fires once the CCP has initialised). */
function streamsAgent(streams: StreamsApi): Promise<StreamsAgent> {
  return new Promise((resolve) => {
    let done = false;
    streams.agent((agent) => {
      if (done) return;
      done = true;
      resolve(agent);
    });
  });
}

/** The transfer through Amazon Connect Streams (a custom CCP). */
export class StreamsTransfer implements ConnectTransfer {
  public readonly mode = 'streams';

  public constructor(
    private readonly streams: StreamsApi,
    private readonly quickConnectName = SECURE_INPUT_QUICK_CONNECT,
  ) {}

  public async transfer(interactionId: string, progress: (p: TransferProgress) => void): Promise<void> {
    if (!isConnectInteraction(interactionId)) throw new ConnectTransferError('This call is not an Amazon Connect contact.');
    const contactId = contactIdOf(interactionId);
    progress({ step: 'finding', message: MESSAGES.finding });
    const agent = await streamsAgent(this.streams);
    const contact = agent.getContacts().find((c) => c.getContactId() === contactId);
    if (!contact) throw new ConnectTransferError('The contact is no longer on your contact control panel; the caller was not transferred.');
    if (contact.getType() !== 'voice') throw new ConnectTransferError('Secure Input takes card details on voice calls only.');
    let endpoints: StreamsEndpoint[];
    try {
      endpoints = (await callStreams<{ endpoints: StreamsEndpoint[] }>((cb) => agent.getEndpoints(agent.getAllQueueARNs(), cb))).endpoints ?? [];
    } catch {
      throw new ConnectTransferError('Your quick connects could not be listed; press the Secure Input quick connect in your contact control panel.');
    }
    const quickConnect = endpoints.find((e) => e.name === this.quickConnectName && e.type === 'queue');
    if (!quickConnect)
      throw new ConnectTransferError(
        `No "${this.quickConnectName}" quick connect is available to you; ask your administrator to associate it with your queue.`,
      );
    progress({ step: 'transferring', message: MESSAGES.transferring });
    try {
      await callStreams((cb) => contact.addConnection(quickConnect, cb));
    } catch {
      throw new ConnectTransferError('Amazon Connect did not transfer the caller; try again, or press the Secure Input quick connect yourself.');
    }
    progress({ step: 'transferred', message: MESSAGES.transferred });
  }
}

/** What the sandbox transfer needs of the console's API client. */
export interface SandboxRequester {
  request<T>(method: 'POST', path: string): Promise<T>;
}

/** The sandbox's stand-in for the quick connect (its API plays the agent pressing it). */
export class SandboxTransfer implements ConnectTransfer {
  public readonly mode = 'sandbox';

  public constructor(private readonly api: SandboxRequester) {}

  public async transfer(interactionId: string, progress: (p: TransferProgress) => void): Promise<void> {
    if (!isConnectInteraction(interactionId)) throw new ConnectTransferError('This call is not an Amazon Connect contact.');
    progress({ step: 'transferring', message: MESSAGES.transferring });
    try {
      await this.api.request('POST', `/sandbox/calls/${encodeURIComponent(interactionId)}/quick-connect`);
    } catch (err) {
      const reason = err instanceof Error && err.name === 'ApiRefusal' ? err.message : 'the sandbox did not answer';
      throw new ConnectTransferError(`The caller was not transferred: ${reason}.`);
    }
    progress({ step: 'transferred', message: MESSAGES.transferred });
  }
}

/** No way to transfer from here: the agent presses the quick connect. */
export class ManualTransfer implements ConnectTransfer {
  public readonly mode = 'manual';

  public async transfer(_interactionId: string, progress: (p: TransferProgress) => void): Promise<void> {
    progress({ step: 'manual', message: MESSAGES.manual });
  }
}

/**
 * The transfer this console can make: Streams when the Streams global is in this window (a custom CCP), the
 * sandbox's control when signed in locally (the sandbox), else the agent presses the quick connect.
 */
export function connectTransferFor(win: { connect?: unknown }, options: { sandbox: boolean; api: SandboxRequester }): ConnectTransfer {
  const streams = streamsOf(win);
  if (streams) return new StreamsTransfer(streams);
  if (options.sandbox) return new SandboxTransfer(options.api);
  return new ManualTransfer();
}
