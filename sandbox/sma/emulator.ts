/**
 * A SIP media application runtime for the sandbox. It follows the documented semantics closely enough
 * to run the real SMA handler unchanged: events per call with an increasing Sequence, two legs
 * (LEG-A caller, LEG-B agent), at most 10 actions per response, ACTION_SUCCESSFUL only when every
 * action of a list succeeded (else ACTION_FAILED and the rest dropped), HANGUP on a leg's end,
 * CALL_UPDATE_REQUESTED from UpdateSipMediaApplicationCall (interrupting only Pause/PlayAudio/RecordAudio),
 * ReceiveDigits listeners (armed at once; keys that match after the in-between gap come as DIGITS_RECEIVED,
 * after which the listener is spent until armed again; keys that never match are dropped at the flush),
 * a 5 s Lambda deadline with one retry (so a slow handler sees a duplicate invocation), invalid responses
 * answered with INVALID_LAMBDA_RESPONSE, and at most 1000 invocations per call.
 *
 * It also watches the rules that matter for card data: a prompt for digits while the agent leg is
 * bridged or while recording runs is recorded as a violation, and so is a key pressed in either state.
 *
 * The concerns live in their own modules: invocation-delivery (deadline and retries), action-executor
 * (what each action does), call-observer (violations, keys and the recording); this module sequences
 * events and action lists per call.
 */
import { randomUUID } from 'node:crypto';
import type { SmaAction, SmaEvent, InvocationEventType, ActionData, Participant } from '../../lambdas/telephony/chime-sma/contract';
import { checkResponse } from './response-check';
import type { CallerKey, KeySource } from './caller';
import { CallObserver, type KeyPress, type RecordingSpan, type RecordingState } from './call-observer';
import { clone, deliverWithRetry, type Invocation, type InvocationFault } from './invocation-delivery';
import { ActionExecutor, type ActionContext, type ActionOutcome, type Leg } from './action-executor';

export type { KeyPress, RecordingSpan } from './call-observer';
export type { Invocation } from './invocation-delivery';

export type SmaHandler = (event: unknown, context: unknown) => Promise<unknown>;

export interface EmulatorTiming {
  /** Real milliseconds to wait per nominal millisecond (0 = instant, 1 = real time). */
  scale: number;
}

/** Per-call options of SmaEmulator.placeCall. */
export interface PlaceCallOptions {
  /**
   * Real milliseconds per nominal millisecond for this call only, over the emulator's timing: a person at
   * a keypad needs 1 (prompts and key time-outs as on a phone) while scripted calls run instantly (0).
   * @default the emulator's timing.scale
   */
  timingScale?: number;
}

export class EmulatorTimingError extends Error {
  public constructor() {
    super('timingScale must be a finite number from 0 (instant) to 10; 1 is real time');
    this.name = 'EmulatorTimingError';
  }
}

/** Checks a timing scale: finite, 0 to 10. */
export function checkTimingScale(scale: number): number {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0 || scale > 10) throw new EmulatorTimingError();
  return scale;
}

export interface EmulatorFaults {
  /** PauseCallRecording fails (to prove the fail-closed path). */
  pauseRecordingFails?: boolean;
  /** The agent does not answer CallAndBridge. */
  agentNoAnswer?: boolean;
  /** CallAndBridge fails only when calling the agent back after a session. */
  agentNoAnswerOnRebridge?: boolean;
  /**
   * Share (0–1) of invocations whose answer arrives after the deadline: the handler ran (its side effects
   * happened) but the service gives up on it and retries the same event once.
   */
  slowInvocationRate?: number;
  /** How long a slow invocation takes in real ms. @default deadlineMs + 100 */
  handlerDelayMs?: number;
  /**
   * Share (0–1) of invocations whose answer the service never gets (a Lambda error seen by the service, a
   * lost response): the same event is delivered again at once and the retry's answer is used.
   */
  duplicateInvocationRate?: number;
  /** Random source in [0, 1) for the rates, so a seeded soak is repeatable. @default Math.random */
  random?: () => number;
}

export interface EmulatorOptions {
  handler: SmaHandler;
  sipMediaApplicationId: string;
  accountId?: string;
  region?: string;
  /** Milliseconds the service waits for the Lambda before retrying (documented: 5 s). */
  deadlineMs?: number;
  timing?: EmulatorTiming;
  faults?: EmulatorFaults;
}

export type CallStatus = 'active' | 'ended' | 'dropped';

interface Running {
  action: SmaAction;
  interrupt(): void;
}

const INTERRUPTIBLE = new Set(['Pause', 'PlayAudio', 'RecordAudio']);
/**
 * Real milliseconds per nominal millisecond of a ReceiveDigits gap or flush at the least: even an instant
 * call keeps the listener's grouping of a burst of keys (a 1 s gap → 50 ms).
 */
const LISTENER_MIN_SCALE = 0.05;
const LISTENED_KEY = /^[0-9#*]$/;

/** An armed ReceiveDigits listener and the keys it heard since it was armed or last flushed. */
interface DigitListener {
  action: Extract<SmaAction, { Type: 'ReceiveDigits' }>;
  pattern: RegExp;
  buffer: string;
  gapTimer?: NodeJS.Timeout;
  flushTimer?: NodeJS.Timeout;
}
const MAX_INVOCATIONS = 1000;
/** An action as the service echoes it back in ActionData. */
const asActionData = (action: SmaAction, extra?: Partial<ActionData>): ActionData => ({ ...(clone(action) as unknown as ActionData), ...(extra ?? {}) });

export class EmulatedCall {
  public readonly transactionId = randomUUID();
  public readonly invocations: Invocation[] = [];
  /** Violations, keys and recording spans of this call. */
  public readonly observer = new CallObserver();
  public readonly violations: string[] = this.observer.violations;
  public readonly keys: KeyPress[] = this.observer.keys;
  public readonly recordingSpans: RecordingSpan[] = this.observer.recordingSpans;
  /** Invocation faults that happened: injected `slow`/`duplicate`, or a natural `deadline` miss. */
  public readonly injected: InvocationFault[] = [];
  public recordingKey: string | undefined;
  public status: CallStatus = 'active';
  /** Wall-clock time (ms since epoch) of the caller's last key press. */
  public lastKeyAt: number | undefined;
  public attributes: Record<string, string> = {};
  /** Faults for this call only, over the emulator's (soak runs give each call its own). */
  public faults: EmulatorFaults = {};
  /** Timing for this call only (see PlaceCallOptions.timingScale); undefined follows the emulator. */
  public timingScale: number | undefined;
  /** Whether a digit-collecting action listens for the caller's keys now. */
  public collectingDigits = false;
  /** How many digit-collecting actions have opened on this call (a test waits for the next prompt with it). */
  public digitPrompts = 0;
  /** How many times a ReceiveDigits listener matched and DIGITS_RECEIVED was sent (the keys are not kept here). */
  public digitsReceivedEvents = 0;

  private readonly legs: Leg[] = [];
  private sequence = 0;
  private clockMs = 0;
  private readonly executor: ActionExecutor;
  private pending: SmaAction[] = [];
  private running: Running | undefined;
  private runner: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly endWaiters: Array<() => void> = [];
  private readonly changeWaiters: Array<() => void> = [];
  private readonly startedAt = Date.now();
  private listener: DigitListener | undefined;

  public constructor(
    private readonly emulator: SmaEmulator,
    private readonly caller: KeySource,
    from: string,
    to: string,
  ) {
    this.legs.push({ callId: randomUUID(), tag: 'LEG-A', from, to, direction: 'Inbound', startMs: Date.now(), connected: true });
    // The executor sees the call through this view (the call keeps its state private to everyone else).
    const self = this;
    const context: ActionContext = {
      transactionId: this.transactionId,
      legs: this.legs,
      observer: this.observer,
      caller,
      get agentBridged() {
        return self.agentBridged;
      },
      get scale() {
        return self.scale;
      },
      get clockMs() {
        return self.clockMs;
      },
      set clockMs(value: number) {
        self.clockMs = value;
      },
      get recordingKey() {
        return self.recordingKey;
      },
      set recordingKey(value: string | undefined) {
        self.recordingKey = value;
      },
      get lastKeyAt() {
        return self.lastKeyAt;
      },
      set lastKeyAt(value: number | undefined) {
        self.lastKeyAt = value;
      },
      get faults() {
        return self.activeFaults;
      },
      notify: () => this.notify(),
      setCollecting: (open: boolean) => this.setCollecting(open),
      armDigitListener: (action, pattern) => this.armDigitListener(action, pattern),
    };
    this.executor = new ActionExecutor(context);
    caller.listenOutsidePrompts?.({ keyOutsidePrompt: (key) => this.keyOutsidePrompt(key) });
  }

  // ------------------------------------------------------------------ public view

  public get agentBridged(): boolean {
    return this.legs.some((l) => l.tag === 'LEG-B' && l.connected);
  }

  public get callerConnected(): boolean {
    return this.legA.connected;
  }

  /** Real milliseconds per nominal millisecond this call runs at. */
  public get scale(): number {
    return this.timingScale ?? this.emulator.timing.scale;
  }

  /** Milliseconds of call time (nominal, independent of the timing scale). */
  public get elapsedMs(): number {
    return this.clockMs;
  }

  public get recordingState(): RecordingState {
    return this.observer.recording;
  }

  /** Resolves when the call has ended (all legs gone) or was dropped. */
  public ended(): Promise<void> {
    if (this.status !== 'active') return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Resolves when `test` holds, checked after every event; rejects after `timeoutMs`. */
  public async waitFor(test: (call: EmulatedCall) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test(this)) {
      if (this.status !== 'active' && !test(this)) throw new Error('The call ended before the awaited state');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('Timed out waiting for the call');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.changeWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The caller hangs up now. */
  public hangUpCaller(): Promise<void> {
    return this.enqueue(async () => this.callerHangsUp());
  }

  /** The agent hangs up now. */
  public hangUpAgent(): Promise<void> {
    return this.enqueue(async () => {
      const legB = this.legs.find((l) => l.tag === 'LEG-B' && l.connected);
      if (!legB) return;
      legB.connected = false;
      await this.deliverAndRun('HANGUP', { Type: 'Hangup', Parameters: { CallId: legB.callId, ParticipantTag: 'LEG-B', SipResponseCode: '0' } });
    });
  }

  // ------------------------------------------------------------------ driven by the emulator

  public start(): Promise<void> {
    return this.enqueue(() => this.deliverAndRun('NEW_INBOUND_CALL'));
  }

  /** UpdateSipMediaApplicationCall: delivered as CALL_UPDATE_REQUESTED; interrupts Pause-like actions. */
  public update(args: Record<string, string>): void {
    void this.enqueue(async () => {
      if (this.status !== 'active') return;
      const replaced = await this.deliver('CALL_UPDATE_REQUESTED', { Type: 'CallUpdateRequest', Parameters: { Arguments: args } });
      if (replaced && this.running && INTERRUPTIBLE.has(this.running.action.Type)) this.running.interrupt();
      this.kick();
    });
  }

  // ------------------------------------------------------------------ internals

  private get activeFaults(): EmulatorFaults {
    return { ...this.emulator.faults, ...this.faults };
  }

  private get legA(): Leg {
    return this.legs[0] as Leg;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain.then(task, task);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private notify(): void {
    for (const w of this.changeWaiters.splice(0)) w();
  }

  private participants(): Participant[] {
    return this.legs.map((l) => ({
      CallId: l.callId,
      ParticipantTag: l.tag,
      To: l.to,
      From: l.from,
      Direction: l.direction,
      StartTimeInMilliseconds: String(l.startMs),
      Status: l.connected ? 'Connected' : 'Disconnected',
    }));
  }

  private buildEvent(type: InvocationEventType, actionData?: ActionData, extra?: Partial<SmaEvent>): SmaEvent {
    this.sequence += 1;
    return {
      SchemaVersion: '1.0',
      Sequence: this.sequence,
      InvocationEventType: type,
      ...(actionData ? { ActionData: actionData } : {}),
      CallDetails: {
        TransactionId: this.transactionId,
        AwsAccountId: this.emulator.accountId,
        AwsRegion: this.emulator.region,
        SipRuleId: 'sandbox-sip-rule',
        SipMediaApplicationId: this.emulator.sipMediaApplicationId,
        Participants: this.participants(),
        ...(Object.keys(this.attributes).length > 0 ? { TransactionAttributes: { ...this.attributes } } : {}),
      },
      ...extra,
    };
  }

  /**
   * Invokes the handler for one event (with the documented deadline and one retry), applies its
   * attributes and, unless the event is informational, makes its actions the pending list.
   * Returns true when the response carried actions that replaced the pending ones.
   */
  private async deliver(type: InvocationEventType, actionData?: ActionData, extra?: Partial<SmaEvent>, depth = 0): Promise<boolean> {
    if (this.status !== 'active') return false;
    if (this.invocations.length >= MAX_INVOCATIONS) {
      this.observer.serviceViolation('more than 1000 invocations on one call');
      this.drop();
      return false;
    }
    const event = this.buildEvent(type, actionData, extra);
    const delivered = await deliverWithRetry(this.emulator, event, this.activeFaults, this.invocations, this.injected);
    if (!delivered.answered) {
      // Two failed tries: the service gives up and the call ends with 480.
      this.observer.serviceViolation(`handler failed or missed the deadline twice on ${type}`);
      this.drop();
      return false;
    }
    const response = delivered.response;
    const checked = checkResponse(response);
    if (!checked.ok) {
      if (depth > 0) {
        this.drop();
        return false;
      }
      return this.deliver('INVALID_LAMBDA_RESPONSE', undefined, { ErrorType: checked.errorType, ErrorMessage: checked.errorMessage }, depth + 1);
    }
    if (checked.attributes) this.attributes = { ...checked.attributes };
    this.notify();
    if (type === 'ACTION_INTERRUPTED') return false; // information only: returned actions are ignored
    if (checked.actions.length === 0) return false;
    this.pending = clone(checked.actions);
    return true;
  }

  private async deliverAndRun(type: InvocationEventType, actionData?: ActionData): Promise<void> {
    await this.deliver(type, actionData);
    this.kick();
  }

  /** Starts the action runner when there is work and it is idle. */
  private kick(): void {
    if (this.runner || this.pending.length === 0 || this.status !== 'active') return;
    this.runner = this.runLists().finally(() => {
      this.runner = undefined;
      this.kick();
    });
  }

  private async runLists(): Promise<void> {
    while (this.pending.length > 0 && this.status === 'active') {
      const list = this.pending;
      this.pending = [];
      let last: SmaAction | undefined;
      let lastData: Partial<ActionData> | undefined;
      let finished = true;
      for (const action of list) {
        if (this.pending.length > 0) {
          // An update replaced the rest of this list while the current action ran.
          finished = false;
          break;
        }
        const outcome = await this.runAction(action);
        if (this.status !== 'active') return;
        if (outcome.kind === 'ok') {
          last = action;
          lastData = outcome.data;
          continue;
        }
        finished = false;
        await this.enqueue(async () => {
          switch (outcome.kind) {
            case 'failed':
              await this.deliver('ACTION_FAILED', asActionData(action, { ErrorType: outcome.errorType, ErrorMessage: outcome.errorMessage }));
              break;
            case 'interrupted':
              await this.deliver('ACTION_INTERRUPTED', asActionData(action));
              break;
            case 'leg-hangup':
              await this.deliver('HANGUP', {
                Type: 'Hangup',
                Parameters: { CallId: outcome.leg.callId, ParticipantTag: outcome.leg.tag, SipResponseCode: '0' },
              });
              break;
            case 'caller-hangup':
              await this.callerHangsUp();
              break;
          }
        });
        break;
      }
      if (finished && last && this.pending.length === 0) {
        const action = last;
        const data = lastData;
        await this.enqueue(async () => {
          await this.deliver('ACTION_SUCCESSFUL', asActionData(action, data));
        });
      }
      if (!this.legs.some((l) => l.connected)) this.end();
    }
  }

  private async runAction(action: SmaAction): Promise<ActionOutcome> {
    const flag = { stop: false };
    this.running = {
      action,
      interrupt: () => {
        flag.stop = true;
        if ('cancelWait' in this.caller && typeof (this.caller as { cancelWait?: () => void }).cancelWait === 'function') {
          (this.caller as { cancelWait: () => void }).cancelWait();
        }
      },
    };
    try {
      return await this.executor.execute(action, flag);
    } finally {
      this.running = undefined;
    }
  }

  /** Digit collection opens or closes; the caller's keys outside it are not kept (see the caller). */
  private setCollecting(open: boolean): void {
    if (!open && !this.collectingDigits) return;
    this.collectingDigits = open;
    (this.caller as { setCollecting?: (open: boolean) => void }).setCollecting?.(open);
    if (open) this.digitPrompts += 1;
    this.notify();
  }

  /**
   * A key pressed while no prompt collects digits: on a real call it reaches whoever is bridged and the
   * recording when it runs, and no later prompt receives it.
   */
  private keyOutsidePrompt(key: CallerKey): void {
    if (this.status !== 'active' || !this.legA.connected) return;
    this.observer.keyPressed(key, this.clockMs, this.agentBridged, false);
    this.lastKeyAt = Date.now();
    this.emulator.callerKeyedOutsidePrompt(this);
    this.listen(key);
    this.notify();
  }

  /** ReceiveDigits: a new listener replaces the one before (and whatever it had heard). */
  private armDigitListener(action: Extract<SmaAction, { Type: 'ReceiveDigits' }>, pattern: RegExp): void {
    this.disarmDigitListener();
    this.listener = { action: clone(action), pattern, buffer: '' };
  }

  private disarmDigitListener(): void {
    const l = this.listener;
    if (!l) return;
    clearTimeout(l.gapTimer);
    clearTimeout(l.flushTimer);
    this.listener = undefined;
  }

  /**
   * A key outside any prompt reaches an armed listener on the caller's leg: after the in-between gap the keys
   * heard are matched; a match is sent as DIGITS_RECEIVED and spends the listener. The flush window starts at
   * the first key; keys that have not matched when it ends are dropped and the next key starts a new window.
   */
  private listen(key: CallerKey): void {
    const l = this.listener;
    if (!l || !LISTENED_KEY.test(key) || l.action.Parameters.CallId !== this.legA.callId) return;
    const real = (nominalMs: number): number => nominalMs * Math.max(this.scale, LISTENER_MIN_SCALE);
    l.buffer += key;
    l.flushTimer ??= setTimeout(() => {
      if (this.listener !== l) return;
      clearTimeout(l.gapTimer);
      l.gapTimer = undefined;
      l.flushTimer = undefined;
      l.buffer = '';
    }, real(l.action.Parameters.FlushDigitsDurationInMilliseconds));
    clearTimeout(l.gapTimer);
    l.gapTimer = setTimeout(() => this.matchListener(l), real(l.action.Parameters.InBetweenDigitsDurationInMilliseconds));
  }

  private matchListener(l: DigitListener): void {
    if (this.listener !== l || this.status !== 'active' || !l.pattern.test(l.buffer)) return;
    const digits = l.buffer;
    this.disarmDigitListener();
    this.digitsReceivedEvents += 1;
    void this.enqueue(async () => {
      await this.deliver('DIGITS_RECEIVED', asActionData(l.action, { ReceivedDigits: digits }));
      this.kick();
    });
  }

  private async callerHangsUp(): Promise<void> {
    if (!this.legA.connected && this.status !== 'active') return;
    this.legA.connected = false;
    this.disarmDigitListener();
    this.pending = [];
    this.notify();
    await this.deliver('HANGUP', { Type: 'Hangup', Parameters: { CallId: this.legA.callId, ParticipantTag: 'LEG-A', SipResponseCode: '0' } });
    // Only hang-ups of the other leg can still run on a call whose caller is gone.
    const list = this.pending.filter((a) => a.Type === 'Hangup');
    this.pending = [];
    for (const action of list) {
      const leg = this.legs.find((l) => l.callId === action.Parameters.CallId);
      if (leg?.connected) {
        leg.connected = false;
        await this.deliver('HANGUP', { Type: 'Hangup', Parameters: { CallId: leg.callId, ParticipantTag: leg.tag, SipResponseCode: '0' } });
      }
    }
    this.pending = [];
    this.end();
  }

  private closeRecording(): void {
    this.observer.stopRecording(this.clockMs);
  }

  private end(): void {
    if (this.status !== 'active') return;
    if (this.legs.some((l) => l.connected)) return;
    this.closeRecording();
    this.status = 'ended';
    this.finish();
  }

  private drop(): void {
    for (const l of this.legs) l.connected = false;
    this.closeRecording();
    this.status = 'dropped';
    this.finish();
  }

  private finish(): void {
    this.disarmDigitListener();
    this.running?.interrupt();
    this.pending = [];
    this.emulator.callEnded(this);
    this.notify();
    for (const w of this.endWaiters.splice(0)) w();
  }

  /** Wall-clock duration of the call so far. */
  public get realDurationMs(): number {
    return Date.now() - this.startedAt;
  }
}

export class SmaEmulator {
  public readonly sipMediaApplicationId: string;
  public readonly accountId: string;
  public readonly region: string;
  /** Writable so a soak can scale the documented 5 s down (the semantics stay: one retry, then a drop). */
  public deadlineMs: number;
  public readonly timing: EmulatorTiming;
  public faults: EmulatorFaults;
  private readonly calls = new Map<string, EmulatedCall>();
  private readonly endListeners: Array<(call: EmulatedCall) => void> = [];
  private readonly keyingListeners: Array<(call: EmulatedCall) => void> = [];

  public constructor(private readonly options: EmulatorOptions) {
    this.sipMediaApplicationId = options.sipMediaApplicationId;
    this.accountId = options.accountId ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.timing = options.timing ?? { scale: 0 };
    this.faults = options.faults ?? {};
  }

  public invoke(event: SmaEvent): Promise<unknown> {
    return this.options.handler(event, { awsRequestId: randomUUID(), functionName: 'sma-handler', getRemainingTimeInMillis: () => this.deadlineMs });
  }

  /** A caller dials in: NEW_INBOUND_CALL is delivered and the handler's actions run. */
  public async placeCall(
    caller: KeySource,
    from = '+15105550101',
    to = '+12065551212',
    faults: EmulatorFaults = {},
    options: PlaceCallOptions = {},
  ): Promise<EmulatedCall> {
    const timingScale = options.timingScale === undefined ? undefined : checkTimingScale(options.timingScale);
    const call = new EmulatedCall(this, caller, from, to);
    call.faults = faults;
    call.timingScale = timingScale;
    this.calls.set(call.transactionId, call);
    await call.start();
    return call;
  }

  public call(transactionId: string): EmulatedCall | undefined {
    return this.calls.get(transactionId);
  }

  public allCalls(): EmulatedCall[] {
    return [...this.calls.values()];
  }

  public activeCalls(): EmulatedCall[] {
    return this.allCalls().filter((c) => c.status === 'active');
  }

  /** UpdateSipMediaApplicationCall; false when the application or the call is unknown or over. */
  public updateCall(sipMediaApplicationId: string, transactionId: string, args: Record<string, string>): boolean {
    if (sipMediaApplicationId !== this.sipMediaApplicationId) return false;
    const call = this.calls.get(transactionId);
    if (call?.status !== 'active') return false;
    call.update(args);
    return true;
  }

  public onCallEnded(listener: (call: EmulatedCall) => void): void {
    this.endListeners.push(listener);
  }

  /** Called with the call whenever its caller presses a key outside a prompt (never with the key). */
  public onKeysOutsidePrompt(listener: (call: EmulatedCall) => void): void {
    this.keyingListeners.push(listener);
  }

  /** @internal called by a call when its caller keys outside a prompt. */
  public callerKeyedOutsidePrompt(call: EmulatedCall): void {
    for (const l of this.keyingListeners) l(call);
  }

  /** @internal called by a call when it ends. */
  public callEnded(call: EmulatedCall): void {
    for (const l of this.endListeners) l(call);
  }
}
