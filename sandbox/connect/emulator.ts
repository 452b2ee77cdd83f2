/**
 * An Amazon Connect instance for the sandbox: voice contacts with a customer and an agent, and a flow
 * runner that executes Flow-language JSON (the flows the stack synthesizes) action by action, as
 * aws-local-stepfunctions runs the synthesized state machine. Flows are checked strictly against
 * flow-catalog.ts before they run.
 *
 * The contact model keeps what matters for card data: hold state per participant (agent, customer),
 * recording state per track (AGENT: the agent–customer conversation; IVR: the automated part), media
 * streaming, flow logging, contact attributes, the touchtone buffer, and the flow log written while
 * logging is enabled. It records as violations every card-entry prompt or collected key while the
 * agent could hear it, a recording track ran, media streamed or flow logging was on, and every key the
 * caller pressed outside an input block that the agent or a recording heard during a transfer flow.
 *
 * Emulator assumptions where the documentation is silent (stated, not settled):
 * - An agent on hold hears nothing of the customer (admin guide, default-agent-hold: the agent hears
 *   the agent hold flow). Keys pressed outside an input block are heard by whoever is bridged (agent
 *   not on hold) and by every running recording track; with the touchtone buffer off they are lost.
 * - `*` with DisableCancelKey "False" clears what was keyed so far and collection goes on; with "True"
 *   `*` is an ordinary key and is part of the stored input.
 * - An error with no matching branch ends the flow and disconnects the customer.
 * - DisconnectParticipant / EndFlowExecution in a transfer flow end the flow; the customer stays on
 *   the contact with the agent (the agent is back only if the flow took it off hold).
 */
import { randomUUID } from 'node:crypto';
import type { CallerKey, KeySource } from '../sma/caller';
import { ACTIONS, validateFlow, type FlowAction, type FlowDocument } from './flow-catalog';
import { resolveParameters, type FlowData } from './flow-data';
import { invokeAsConnect, type ConnectFlowEvent, type ConnectLambdaHandler } from './lambda-invocation';
import { encryptStoredInput, StoredInputKeyError, type SecurityKey } from './stored-input-encryption';

export type ParticipantState = 'connected' | 'hold' | 'disconnected';
export type TrackState = 'recording' | 'suspended' | 'off';
export type FlowRunState = 'running' | 'returned' | 'failed' | 'disconnected';

export interface FlowLogEntry {
  ContactId: string;
  ContactFlowId: string;
  Identifier: string;
  Type: string;
  Parameters: Record<string, unknown>;
  Results?: string;
  ExternalResults?: Record<string, unknown>;
  Error?: string;
  Timestamp: string;
}

export interface ConnectKeyPress {
  key: string;
  /** The input action that took the key, if one was collecting. */
  collectedBy?: string;
  /** Who heard the key: 'agent', 'recording:AGENT', 'recording:IVR', 'media-stream'. */
  heardBy: string[];
  buffered: boolean;
  atMs: number;
}

export interface PromptPlayed {
  actionId: string;
  type: string;
  text: string;
  /** The prompt asked for stored (card) input. */
  storesInput: boolean;
  agent: ParticipantState;
  recording: Record<'AGENT' | 'IVR', TrackState>;
}

export interface LambdaCall {
  functionArn: string;
  event: ConnectFlowEvent;
  outcome: string;
  response?: Record<string, unknown>;
}

/** Contact events as EventBridge delivers them (source aws.connect, detail-type Amazon Connect Contact Event). */
export interface ContactEvent {
  source: 'aws.connect';
  'detail-type': 'Amazon Connect Contact Event';
  detail: {
    eventType: 'INITIATED' | 'CONNECTED_TO_AGENT' | 'DISCONNECTED';
    contactId: string;
    initialContactId: string;
    previousContactId?: string;
    channel: 'VOICE';
    instanceArn: string;
    initiationMethod: 'INBOUND' | 'TRANSFER';
    disconnectReason?: string;
    /** CONNECTED_TO_AGENT: the agent the contact was routed to. */
    agentInfo?: { agentArn: string };
  };
}

export interface ContactFaults {
  /** An UpdateContactRecordingBehavior that would suspend a running track fails (resuming still works). */
  recordingSuspendFails?: boolean;
  /** UpdateContactMediaStreamingBehavior fails. */
  mediaStreamingChangeFails?: boolean;
  /** The caller hangs up just before the first action that passes this test runs. */
  hangUpBefore?: (action: FlowAction, contact: ConnectContact) => boolean;
  /** The agent hangs up just before the first action that passes this test runs. */
  agentHangsUpBefore?: (action: FlowAction, contact: ConnectContact) => boolean;
  /** Awaited before each action runs (tests act at an exact point of the flow: cancel, hang up, …). */
  beforeAction?: (action: FlowAction, contact: ConnectContact) => Promise<void> | void;
}

export interface ContactOptions {
  /** Real ms per nominal ms for prompts, keys and input time limits. @default the instance's */
  timingScale?: number;
  /** Recording of the agent conversation and of the IVR when the contact reaches the agent. @default both recording */
  recording?: Partial<Record<'AGENT' | 'IVR', TrackState>>;
  mediaStreaming?: boolean;
  /** Flow logging as the inbound flow left it. @default 'Enabled' */
  flowLogging?: 'Enabled' | 'Disabled';
  faults?: ContactFaults;
  customerNumber?: string;
  /** The Connect user id of the agent the inbound flow connects the contact to (its CONNECTED_TO_AGENT event names it). */
  agentUserId?: string;
}

const sleep = (ms: number): Promise<void> => (ms <= 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms)));
/** Real ms per nominal ms of a played message at the least, so a flow's waiting loop takes real time. */
const MESSAGE_MIN_SCALE = 0.05;
const DEFAULT_INTERDIGIT_SECONDS = 5;
const MAX_STEPS = 5000;
const BUFFER_LIMIT = 30;

export class ConnectContact {
  public contactId: string;
  public readonly initialContactId: string;
  public previousContactId: string;
  public initiationMethod: 'INBOUND' | 'TRANSFER' = 'INBOUND';
  public customer: ParticipantState = 'connected';
  public agent: ParticipantState = 'connected';
  public recording: Record<'AGENT' | 'IVR', TrackState>;
  public recordedParticipants: string[] = ['Agent', 'Customer'];
  public mediaStreaming: 'Enabled' | 'Disabled';
  public flowLogging: 'Enabled' | 'Disabled';
  public attributes: Record<string, string> = {};
  public dtmfBuffer: { enabled: boolean; keys: string[] } = { enabled: false, keys: [] };
  public textToSpeechVoice = 'Joanna';
  public readonly flowLog: FlowLogEntry[] = [];
  public readonly keys: ConnectKeyPress[] = [];
  public readonly prompts: PromptPlayed[] = [];
  public readonly lambdaCalls: LambdaCall[] = [];
  public readonly violations: string[] = [];
  /** Every contact id the contact had (a transfer gives a new one). */
  public readonly contactIds: string[] = [];
  /** States of the transfer flows run on the contact, in order. */
  public readonly flowRuns: Array<{ flowArn: string; state: FlowRunState; reason?: string }> = [];
  public faults: ContactFaults;
  public lastKeyAt: number | undefined;
  public readonly customerNumber: string;
  public readonly agentUserId: string | undefined;

  private readonly changeWaiters: Array<() => void> = [];
  private readonly endWaiters: Array<() => void> = [];
  private collecting: { actionId: string; deliver: (key: CallerKey) => void } | undefined;
  private readonly loops = new Map<string, number>();
  private clockMs = 0;
  private readonly timingScale: number | undefined;

  public constructor(
    private readonly instance: ConnectEmulator,
    private readonly caller: KeySource,
    options: ContactOptions,
  ) {
    this.contactId = randomUUID();
    this.initialContactId = this.contactId;
    this.previousContactId = this.contactId;
    this.contactIds.push(this.contactId);
    this.recording = { AGENT: 'recording', IVR: 'recording', ...(options.recording ?? {}) };
    this.mediaStreaming = options.mediaStreaming ? 'Enabled' : 'Disabled';
    this.flowLogging = options.flowLogging ?? 'Enabled';
    this.faults = options.faults ?? {};
    this.timingScale = options.timingScale;
    this.customerNumber = options.customerNumber ?? '+15105550101';
    this.agentUserId = options.agentUserId;
  }

  public get status(): 'active' | 'ended' {
    return this.customer === 'disconnected' ? 'ended' : 'active';
  }

  public get scale(): number {
    return this.timingScale ?? this.instance.timingScale;
  }

  /** The input action collecting keys now, if any (the keypad page shows the IVR is listening). */
  public get awaitingInput(): string | undefined {
    return this.collecting?.actionId;
  }

  public get inFlow(): boolean {
    return this.flowRuns.some((r) => r.state === 'running');
  }

  /** Resolves when the customer has left. */
  public ended(): Promise<void> {
    if (this.status === 'ended') return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Resolves when `test` holds, checked after every change; rejects after `timeoutMs` or when the contact ends first. */
  public async waitFor(test: (c: ConnectContact) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this)) {
      if (this.status !== 'active') throw new Error('The contact ended before the awaited state');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('Timed out waiting for the contact');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.changeWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The customer hangs up now. */
  public hangUpCaller(reason = 'CUSTOMER_DISCONNECT'): void {
    if (this.customer === 'disconnected') return;
    this.customer = 'disconnected';
    if (this.agent !== 'disconnected') this.agent = 'disconnected';
    this.collecting?.deliver('h');
    for (const run of this.flowRuns) if (run.state === 'running') run.state = 'disconnected';
    this.instance.emit(this, 'DISCONNECTED', reason);
    this.changed();
    for (const w of this.endWaiters.splice(0)) w();
    this.instance.contactEnded(this);
  }

  /** The agent hangs up (or is dropped) now; a transfer flow goes on with the customer. */
  public hangUpAgent(): void {
    if (this.agent === 'disconnected') return;
    this.agent = 'disconnected';
    this.changed();
  }

  /** A key pressed on a live keypad: goes to the input block collecting, else is heard (or buffered). */
  public press(key: CallerKey): void {
    if (key === 'h') return this.hangUpCaller();
    if (key === 'w') return;
    if (this.collecting) return this.collecting.deliver(key);
    this.keyOutsideInput(key);
  }

  // ---------------------------------------------------------------------------------- internals

  public changed(): void {
    for (const w of this.changeWaiters.splice(0)) w();
  }

  public flowData(flowArn: string, external: Record<string, unknown>, stored: string | undefined): FlowData {
    return {
      ContactId: this.contactId,
      InitialContactId: this.initialContactId,
      PreviousContactId: this.previousContactId,
      Channel: 'VOICE',
      InstanceARN: this.instance.instanceArn,
      InitiationMethod: this.initiationMethod,
      Attributes: { ...this.attributes },
      External: external,
      ...(stored !== undefined ? { StoredCustomerInput: stored } : {}),
      CustomerEndpoint: { Address: this.customerNumber, Type: 'TELEPHONE_NUMBER' },
      SystemEndpoint: { Address: '+12065551212', Type: 'TELEPHONE_NUMBER' },
      Queue: this.instance.queueOf(flowArn),
    };
  }

  private hearers(): string[] {
    const heard: string[] = [];
    if (this.agent === 'connected') heard.push('agent');
    if (this.recording.AGENT === 'recording' && this.recordedParticipants.includes('Customer')) heard.push('recording:AGENT');
    if (this.recording.IVR === 'recording' && this.inFlow) heard.push('recording:IVR');
    if (this.mediaStreaming === 'Enabled') heard.push('media-stream');
    return heard;
  }

  private keyOutsideInput(key: string): void {
    const heardBy = this.hearers();
    const buffered = this.dtmfBuffer.enabled && this.dtmfBuffer.keys.length < BUFFER_LIMIT;
    if (buffered) this.dtmfBuffer.keys.push(key);
    this.keys.push({ key, heardBy, buffered, atMs: this.clockMs });
    if (this.inFlow && heardBy.length > 0) this.violations.push(`a key pressed during the transfer flow was heard by ${heardBy.join(', ')}`);
  }

  /** Why card entry may not happen now (empty when it may). */
  public exposure(): string[] {
    const problems: string[] = [];
    if (this.agent === 'connected') problems.push('the agent is bridged (not on hold)');
    if (this.recording.AGENT === 'recording') problems.push('the AGENT recording track runs');
    if (this.recording.IVR === 'recording') problems.push('the IVR recording track runs');
    if (this.mediaStreaming === 'Enabled') problems.push('media streaming runs');
    if (this.flowLogging === 'Enabled') problems.push('flow logging is enabled');
    return problems;
  }

  private async wait(nominalMs: number, minScale = 0): Promise<void> {
    await sleep(nominalMs * Math.max(this.scale, minScale));
    this.clockMs += nominalMs;
  }

  private async nextKey(timeoutMs: number): Promise<CallerKey> {
    if (this.scale <= 0) return this.caller.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CallerKey>((resolve) => {
      timer = setTimeout(() => {
        const c = this.caller as { cancelWait?: () => void };
        if (typeof c.cancelWait === 'function') c.cancelWait();
        resolve('w');
      }, timeoutMs * this.scale);
    });
    try {
      return await Promise.race([this.caller.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Collects one input (store-customer-input / get-customer-input semantics): the first key within
   * `firstMs`, then keys within `interdigitMs` of each other; the termination sequence ends the input,
   * `*` cancels what was keyed unless `cancelDisabled`, `maxLength` ends it, and so does a single key
   * when `singleKey`. Returns the input, 'Timeout' when nothing came, or undefined when the caller hung up.
   */
  public async collect(
    actionId: string,
    o: { firstMs: number; interdigitMs: number; terminator: string; cancelDisabled: boolean; maxLength?: number; singleKey: boolean; storesInput: boolean },
  ): Promise<string | undefined> {
    let input = '';
    // Type-ahead from the touchtone buffer first (only when the flow enabled it).
    const queued: CallerKey[] = this.dtmfBuffer.enabled ? (this.dtmfBuffer.keys.splice(0) as CallerKey[]) : [];
    const live: CallerKey[] = [];
    let waiting: ((k: CallerKey) => void) | undefined;
    this.collecting = {
      actionId,
      deliver: (k) => {
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w(k);
        } else live.push(k);
      },
    };
    this.changed();
    try {
      for (;;) {
        if (this.customer === 'disconnected') return undefined;
        const limit = input.length === 0 ? o.firstMs : o.interdigitMs;
        const key: CallerKey = queued.shift() ?? live.shift() ?? (await Promise.race([this.nextKey(limit), new Promise<CallerKey>((r) => (waiting = r))]));
        waiting = undefined;
        if (key === 'h') {
          this.hangUpCaller();
          return undefined;
        }
        if (key === 'w') {
          this.clockMs += limit;
          return input.length === 0 ? 'Timeout' : input;
        }
        const exposure = this.exposure().filter((p) => o.storesInput || !p.startsWith('flow logging'));
        this.keys.push({ key, collectedBy: actionId, heardBy: this.hearers(), buffered: false, atMs: this.clockMs });
        this.lastKeyAt = Date.now();
        if (o.storesInput && exposure.length > 0) this.violations.push(`a card key was collected while ${exposure.join(' and ')}`);
        // The key that completes the input ends the block at once; otherwise a person takes about 300 ms per key.
        if (o.singleKey) return key;
        if (key === '*' && !o.cancelDisabled) input = '';
        else {
          input += key;
          if (o.terminator && input.endsWith(o.terminator)) return input.slice(0, -o.terminator.length);
          if (o.maxLength !== undefined && input.length >= o.maxLength) return input;
        }
        await this.wait(300);
      }
    } finally {
      this.collecting = undefined;
    }
  }

  public async play(actionId: string, type: string, text: string, storesInput: boolean): Promise<void> {
    this.prompts.push({ actionId, type, text, storesInput, agent: this.agent, recording: { ...this.recording } });
    if (storesInput) {
      const exposure = this.exposure();
      if (exposure.length > 0) this.violations.push(`a card-entry prompt played while ${exposure.join(' and ')}`);
    }
    await this.wait(Math.min(text.length * 60, 30_000), type === 'MessageParticipant' ? MESSAGE_MIN_SCALE : 0);
  }

  /** The Loop action's counter (flow-control-actions-loop): NotDone `count` times, then Done once, then reset. */
  public loop(actionId: string, count: number): 'ContinueLooping' | 'DoneLooping' {
    const done = this.loops.get(actionId) ?? 0;
    if (done < count) {
      this.loops.set(actionId, done + 1);
      return 'ContinueLooping';
    }
    this.loops.delete(actionId);
    return 'DoneLooping';
  }

  public newTransferContact(): void {
    this.previousContactId = this.contactId;
    this.contactId = randomUUID();
    this.contactIds.push(this.contactId);
    this.initiationMethod = 'TRANSFER';
    this.loops.clear();
  }
}

export interface ConnectEmulatorOptions {
  instanceArn?: string;
  /** Real ms per nominal ms for prompts, keys and input limits. @default 0 (instant) */
  timingScale?: number;
  /** Real ms per documented ms of a Lambda time limit (8 s). Soaks scale it down. @default 1 */
  lambdaLimitScale?: number;
  now?: () => Date;
}

type Step = { kind: 'next' } | { kind: 'error'; type: string; detail: string } | { kind: 'result'; value: string } | { kind: 'end' } | { kind: 'gone' };

export class ConnectEmulator {
  public readonly instanceArn: string;
  public timingScale: number;
  public lambdaLimitScale: number;
  private readonly now: () => Date;
  private readonly flows = new Map<string, { doc: FlowDocument; queue: { ARN: string; Name: string } | null }>();
  private readonly functions = new Map<string, ConnectLambdaHandler>();
  private readonly keys: SecurityKey[] = [];
  private readonly contactList: ConnectContact[] = [];
  private readonly eventListeners: Array<(event: ContactEvent, contact: ConnectContact) => void> = [];
  private readonly endListeners: Array<(contact: ConnectContact) => void> = [];

  public constructor(options: ConnectEmulatorOptions = {}) {
    this.instanceArn = options.instanceArn ?? 'arn:aws:connect:us-east-1:123456789012:instance/00000000-0000-4000-8000-000000000001';
    this.timingScale = options.timingScale ?? 0;
    this.lambdaLimitScale = options.lambdaLimitScale ?? 1;
    this.now = options.now ?? (() => new Date());
  }

  /** Adds a flow (AWS::Connect::ContactFlow Content); refused with every problem when it is not valid. */
  public addFlow(flowArn: string, content: unknown, queue: { ARN: string; Name: string } | null = null): FlowDocument {
    const doc = validateFlow(content);
    this.flows.set(flowArn, { doc, queue });
    return doc;
  }

  /** Associates a Lambda function with the instance (AWS::Connect::IntegrationAssociation LAMBDA_FUNCTION). */
  public addFunction(functionArn: string, handler: ConnectLambdaHandler): void {
    this.functions.set(functionArn, handler);
  }

  /** Uploads a flow security key (AWS::Connect::SecurityKey; at most two per instance). */
  public addSecurityKey(key: SecurityKey): void {
    if (this.keys.length >= 2) throw new Error('An instance holds at most two security keys; remove one first');
    this.keys.push(key);
  }

  public removeSecurityKey(keyId: string): void {
    const i = this.keys.findIndex((k) => k.keyId === keyId);
    if (i >= 0) this.keys.splice(i, 1);
  }

  public queueOf(flowArn: string): { ARN: string; Name: string } | null {
    return this.flows.get(flowArn)?.queue ?? null;
  }

  public onContactEvent(listener: (event: ContactEvent, contact: ConnectContact) => void): void {
    this.eventListeners.push(listener);
  }

  public onContactEnded(listener: (contact: ConnectContact) => void): void {
    this.endListeners.push(listener);
  }

  public contacts(): ConnectContact[] {
    return [...this.contactList];
  }

  public activeContacts(): ConnectContact[] {
    return this.contactList.filter((c) => c.status === 'active');
  }

  /** Any contact id the contact ever had (the original one or a transfer's). */
  public contact(contactId: string): ConnectContact | undefined {
    return this.contactList.find((c) => c.contactIds.includes(contactId));
  }

  /** A customer calls in and the inbound flow connects them to an agent (not emulated: its result is the starting state). */
  public placeCall(caller: KeySource, options: ContactOptions = {}): ConnectContact {
    const contact = new ConnectContact(this, caller, options);
    this.contactList.push(contact);
    this.emit(contact, 'INITIATED');
    this.emit(contact, 'CONNECTED_TO_AGENT');
    return contact;
  }

  /** @internal */
  public emit(contact: ConnectContact, eventType: ContactEvent['detail']['eventType'], reason?: string): void {
    const event: ContactEvent = {
      source: 'aws.connect',
      'detail-type': 'Amazon Connect Contact Event',
      detail: {
        eventType,
        contactId: contact.contactId,
        initialContactId: contact.initialContactId,
        ...(contact.previousContactId !== contact.contactId ? { previousContactId: contact.previousContactId } : {}),
        channel: 'VOICE',
        instanceArn: this.instanceArn,
        initiationMethod: contact.initiationMethod,
        ...(reason ? { disconnectReason: reason } : {}),
        ...(eventType === 'CONNECTED_TO_AGENT' && contact.agentUserId ? { agentInfo: { agentArn: `${this.instanceArn}/agent/${contact.agentUserId}` } } : {}),
      },
    };
    for (const l of this.eventListeners) l(event, contact);
  }

  /** @internal */
  public contactEnded(contact: ConnectContact): void {
    for (const l of this.endListeners) l(contact);
  }

  /**
   * The agent's quick connect (type QUEUE) sends the customer into the flow: a new contact id whose
   * previous contact is the agent's, and the QUEUE_TRANSFER flow runs. Resolves when the flow ends.
   */
  public async transfer(contact: ConnectContact, flowArn: string): Promise<FlowRunState> {
    const flow = this.flows.get(flowArn);
    if (!flow) throw new Error('No flow with that ARN in the emulated instance');
    if (contact.status !== 'active') throw new Error('The contact has ended');
    if (contact.inFlow) throw new Error('The contact is already in a transfer flow');
    contact.newTransferContact();
    const run: { flowArn: string; state: FlowRunState; reason?: string } = { flowArn, state: 'running' };
    contact.flowRuns.push(run);
    contact.changed();
    try {
      await this.run(contact, flowArn, flow.doc, run);
    } finally {
      contact.changed();
    }
    return run.state;
  }

  private async run(contact: ConnectContact, flowArn: string, doc: FlowDocument, run: { state: FlowRunState; reason?: string }): Promise<void> {
    const byId = new Map(doc.Actions.map((a) => [a.Identifier, a]));
    let current: FlowAction | undefined = byId.get(doc.StartAction);
    let external: Record<string, unknown> = {};
    let stored: string | undefined;
    for (let steps = 0; current && steps < MAX_STEPS; steps += 1) {
      await contact.faults.beforeAction?.(current, contact);
      if (contact.faults.hangUpBefore?.(current, contact)) contact.hangUpCaller();
      if (contact.faults.agentHangsUpBefore?.(current, contact)) contact.hangUpAgent();
      if (contact.status !== 'active' || run.state !== 'running') return;
      const action: FlowAction = current;
      const params = resolveParameters(contact.flowData(flowArn, external, stored), action.Parameters);
      const log: FlowLogEntry | undefined =
        contact.flowLogging === 'Enabled'
          ? {
              ContactId: contact.contactId,
              ContactFlowId: flowArn,
              Identifier: action.Identifier,
              Type: action.Type,
              Parameters: params,
              Timestamp: this.now().toISOString(),
            }
          : undefined;
      const step = await this.execute(
        contact,
        action,
        params,
        (value) => (stored = value),
        (value) => (external = value),
        log,
      );
      if (log) contact.flowLog.push(log);
      contact.changed();
      if (step.kind === 'gone' || contact.status !== 'active') return;
      if (step.kind === 'end') {
        run.state = 'returned';
        return;
      }
      const t = action.Transitions;
      let next: string | undefined;
      if (step.kind === 'next') next = t.NextAction;
      else if (step.kind === 'result') {
        next = (t.Conditions ?? []).find((c) => this.matches(c.Condition, step.value))?.NextAction;
        if (next === undefined) {
          next = t.Errors?.find((e) => e.ErrorType === 'NoMatchingCondition')?.NextAction ?? ((t.Conditions ?? []).length === 0 ? t.NextAction : undefined);
          if (next === undefined) return this.fail(contact, run, `no branch for the result of ${action.Identifier}`);
        }
      } else {
        if (log && !log.Error) log.Error = `${step.type} (${step.detail})`;
        next =
          (t.Errors ?? []).find((e) => e.ErrorType === step.type)?.NextAction ?? (t.Errors ?? []).find((e) => e.ErrorType === 'NoMatchingError')?.NextAction;
        if (next === undefined) return this.fail(contact, run, `${action.Type} ${action.Identifier} failed (${step.detail}) with no error branch`);
      }
      current = next === undefined ? undefined : byId.get(next);
      if (!current) {
        run.state = 'returned';
        return;
      }
    }
    if (current) this.fail(contact, run, `the flow ran more than ${MAX_STEPS} actions`);
  }

  private fail(contact: ConnectContact, run: { state: FlowRunState; reason?: string }, reason: string): void {
    run.state = 'failed';
    run.reason = reason;
    contact.hangUpCaller('CONTACT_FLOW_DISCONNECT');
  }

  private matches(condition: { Operator: string; Operands: string[] }, value: string): boolean {
    const operand = condition.Operands[0] ?? '';
    const [a, b] = [Number(value), Number(operand)];
    const numeric = value.trim() !== '' && operand.trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
    switch (condition.Operator) {
      case 'Equals':
        return value === operand;
      case 'NumberGreaterThan':
        return numeric && a > b;
      case 'NumberLessThan':
        return numeric && a < b;
      case 'NumberGreaterOrEqualTo':
        return numeric && a >= b;
      case 'NumberLessOrEqualTo':
        return numeric && a <= b;
      case 'TextContains':
        return value.includes(operand);
      case 'TextStartsWith':
        return value.startsWith(operand);
      case 'TextEndsWith':
        return value.endsWith(operand);
      default:
        return false;
    }
  }

  private async execute(
    contact: ConnectContact,
    action: FlowAction,
    p: Record<string, unknown>,
    setStored: (v: string | undefined) => void,
    setExternal: (v: Record<string, unknown>) => void,
    log: FlowLogEntry | undefined,
  ): Promise<Step> {
    if (!ACTIONS[action.Type]) return { kind: 'error', type: 'NoMatchingError', detail: 'unknown action' };
    switch (action.Type) {
      case 'UpdateFlowLoggingBehavior':
        contact.flowLogging = p.FlowLoggingBehavior as 'Enabled' | 'Disabled';
        return { kind: 'next' };
      case 'UpdatePreviousContactParticipantState': {
        const state = p.PreviousContactParticipantState as string;
        if (state === 'AgentOnHold' && contact.agent !== 'disconnected') contact.agent = 'hold';
        if (state === 'CustomerOnHold' && contact.customer !== 'disconnected') contact.customer = 'hold';
        if (state === 'OffHold') {
          if (contact.agent === 'hold') contact.agent = 'connected';
          if (contact.customer === 'hold') contact.customer = 'connected';
        }
        return { kind: 'next' };
      }
      case 'UpdateContactRecordingBehavior': {
        const behavior = p.RecordingBehavior as { RecordedParticipants: string[]; IVRRecordingBehavior?: string };
        const suspends =
          (behavior.RecordedParticipants.length === 0 && contact.recording.AGENT === 'recording') ||
          (behavior.IVRRecordingBehavior === 'Disabled' && contact.recording.IVR === 'recording');
        if (contact.faults.recordingSuspendFails && suspends) return { kind: 'error', type: 'NoMatchingError', detail: 'the recording could not be suspended' };
        contact.recordedParticipants = [...behavior.RecordedParticipants];
        // Suspending keeps the recording (silence fills the gap); only a track that ran can be suspended.
        const agentTrack = behavior.RecordedParticipants.length > 0;
        if (contact.recording.AGENT !== 'off' || agentTrack) contact.recording.AGENT = agentTrack ? 'recording' : 'suspended';
        if (behavior.IVRRecordingBehavior !== undefined)
          contact.recording.IVR = behavior.IVRRecordingBehavior === 'Enabled' ? 'recording' : contact.recording.IVR === 'off' ? 'off' : 'suspended';
        return { kind: 'next' };
      }
      case 'UpdateContactMediaStreamingBehavior':
        if (contact.faults.mediaStreamingChangeFails) return { kind: 'error', type: 'NoMatchingError', detail: 'media streaming could not be changed' };
        contact.mediaStreaming = p.MediaStreamingState as 'Enabled' | 'Disabled';
        return { kind: 'next' };
      case 'UpdateContactAttributes': {
        const attrs = p.Attributes as Record<string, string>;
        if (Object.keys({ ...contact.attributes, ...attrs }).length > 32_768) return { kind: 'error', type: 'NoMatchingError', detail: 'too many attributes' };
        Object.assign(contact.attributes, attrs);
        return { kind: 'next' };
      }
      case 'UpdateContactTextToSpeechVoice':
        contact.textToSpeechVoice = p.TextToSpeechVoice as string;
        return { kind: 'next' };
      case 'MessageParticipant':
        await contact.play(action.Identifier, action.Type, String(p.Text ?? p.SSML ?? p.PromptId ?? ''), false);
        return contact.status === 'active' ? { kind: 'next' } : { kind: 'gone' };
      case 'DisconnectParticipant':
      case 'EndFlowExecution':
        return { kind: 'end' };
      case 'Compare':
        return { kind: 'result', value: String(p.ComparisonValue ?? '') };
      case 'Loop': {
        const count = Number(p.LoopCount);
        if (!Number.isInteger(count) || count < 0 || count > 100) return { kind: 'error', type: 'NoMatchingError', detail: 'LoopCount is not 0 to 100' };
        return { kind: 'result', value: contact.loop(action.Identifier, count) };
      }
      case 'InvokeLambdaFunction':
        return this.invoke(contact, p, setExternal, log);
      case 'GetParticipantInput':
        return this.getInput(contact, action, p, setStored, log);
      default:
        return { kind: 'error', type: 'NoMatchingError', detail: 'the emulator does not run this action' };
    }
  }

  private async invoke(
    contact: ConnectContact,
    p: Record<string, unknown>,
    setExternal: (v: Record<string, unknown>) => void,
    log: FlowLogEntry | undefined,
  ): Promise<Step> {
    const arn = String(p.LambdaFunctionARN);
    const event: ConnectFlowEvent = {
      Name: 'ContactFlowEvent',
      Details: {
        ContactData: {
          Attributes: { ...contact.attributes },
          Channel: 'VOICE',
          ContactId: contact.contactId,
          CustomerEndpoint: { Address: contact.customerNumber, Type: 'TELEPHONE_NUMBER' },
          InitialContactId: contact.initialContactId,
          InitiationMethod: contact.initiationMethod,
          InstanceARN: this.instanceArn,
          PreviousContactId: contact.previousContactId,
          Queue: this.queueOf(contact.flowRuns[contact.flowRuns.length - 1]?.flowArn ?? ''),
          SystemEndpoint: { Address: '+12065551212', Type: 'TELEPHONE_NUMBER' },
          MediaStreams: { Customer: { Audio: {} } },
        },
        Parameters: { ...((p.LambdaInvocationAttributes as Record<string, string> | undefined) ?? {}) },
      },
    };
    const limitMs = Number(p.InvocationTimeLimitSeconds) * 1000 * this.lambdaLimitScale;
    const responseType = ((p.ResponseValidation as { ResponseType?: string } | undefined)?.ResponseType ?? 'STRING_MAP') as 'STRING_MAP' | 'JSON';
    const handler = this.functions.get(arn);
    if (p.InvocationType === 'ASYNCHRONOUS') {
      if (!handler) return { kind: 'error', type: 'NoMatchingError', detail: 'unknown function' };
      contact.lambdaCalls.push({ functionArn: arn, event, outcome: 'async' });
      void invokeAsConnect(handler, event, 900_000, 'JSON', arn);
      return { kind: 'next' };
    }
    const outcome = await invokeAsConnect(handler, event, limitMs, responseType, arn);
    contact.lambdaCalls.push({ functionArn: arn, event, outcome: outcome.ok ? 'ok' : outcome.reason, ...(outcome.ok ? { response: outcome.external } : {}) });
    if (!outcome.ok) return { kind: 'error', type: 'NoMatchingError', detail: outcome.detail };
    setExternal(outcome.external);
    if (log) log.ExternalResults = outcome.external;
    return { kind: 'next' };
  }

  private async getInput(
    contact: ConnectContact,
    action: FlowAction,
    p: Record<string, unknown>,
    setStored: (v: string | undefined) => void,
    log: FlowLogEntry | undefined,
  ): Promise<Step> {
    if (p.EnableDTMFBuffer !== undefined) {
      // set-touchtone-buffer-behavior: "True" starts buffering; "False" stops and clears the buffer.
      contact.dtmfBuffer = { enabled: p.EnableDTMFBuffer === 'True', keys: [] };
      return { kind: 'next' };
    }
    const storesInput = p.StoreInput === 'True';
    const dtmf = (p.DTMFConfiguration ?? {}) as { InputTerminationSequence?: string; DisableCancelKey?: string; InterdigitTimeLimitSeconds?: string };
    const validation = (p.InputValidation ?? {}) as { CustomValidation?: { MaximumLength: string }; PhoneNumberValidation?: unknown };
    const text = String(p.Text ?? p.SSML ?? p.PromptId ?? '');
    await contact.play(action.Identifier, action.Type, text, storesInput);
    if (contact.status !== 'active') return { kind: 'gone' };
    const input = await contact.collect(action.Identifier, {
      firstMs: Number(p.InputTimeLimitSeconds) * 1000,
      interdigitMs: Number(dtmf.InterdigitTimeLimitSeconds ?? DEFAULT_INTERDIGIT_SECONDS) * 1000,
      terminator: dtmf.InputTerminationSequence ?? '#',
      cancelDisabled: dtmf.DisableCancelKey === 'True',
      ...(validation.CustomValidation ? { maxLength: Number(validation.CustomValidation.MaximumLength) } : {}),
      singleKey: !storesInput,
      storesInput,
    });
    if (input === undefined) return { kind: 'gone' };
    if (!storesInput) {
      if (log) log.Results = input;
      return { kind: 'result', value: input };
    }
    if (input === 'Timeout') {
      // store-customer-input: no input goes down Success with the value Timeout.
      setStored('Timeout');
      if (log) log.Results = 'Timeout';
      return { kind: 'next' };
    }
    if (validation.PhoneNumberValidation !== undefined)
      return { kind: 'error', type: 'InvalidPhoneNumber', detail: 'the emulator does not validate phone numbers' };
    const encryption = p.InputEncryption as { EncryptionKeyId: string; Key: string } | undefined;
    let value = input;
    if (encryption) {
      try {
        value = await encryptStoredInput(input, { keyId: encryption.EncryptionKeyId, certificatePem: encryption.Key }, this.keys, this.now());
      } catch (err) {
        setStored(undefined);
        const reason = err instanceof StoredInputKeyError ? err.message : 'encryption failed';
        if (log) log.Error = reason;
        return { kind: 'error', type: 'NoMatchingError', detail: reason };
      }
    }
    setStored(value);
    if (log) log.Results = value;
    return { kind: 'next' };
  }
}
