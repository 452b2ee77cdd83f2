/**
 * A SIP media application runtime for the sandbox. It follows the documented semantics closely enough
 * to run the real SMA handler unchanged: events per call with an increasing Sequence, two legs
 * (LEG-A caller, LEG-B agent), at most 10 actions per response, ACTION_SUCCESSFUL only when every
 * action of a list succeeded (else ACTION_FAILED and the rest dropped), HANGUP on a leg's end,
 * CALL_UPDATE_REQUESTED from UpdateSipMediaApplicationCall (interrupting only Pause/PlayAudio/RecordAudio),
 * a 5 s Lambda deadline with one retry (so a slow handler sees a duplicate invocation), invalid responses
 * answered with INVALID_LAMBDA_RESPONSE, and at most 1000 invocations per call.
 *
 * It also watches the rules that matter for card data: a prompt for digits while the agent leg is
 * bridged or while recording runs is recorded as a violation, and so is a key pressed in either state.
 */
import { randomUUID } from 'node:crypto';
import type { SmaAction, SmaEvent, InvocationEventType, ActionData, Participant } from '../../lambdas/telephony/chime-sma/contract';
import { checkResponse } from './response-check';
import type { CallerKey, KeySource } from './caller';

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

export interface Invocation {
  event: SmaEvent;
  response?: unknown;
  error?: string;
  durationMs: number;
}

export interface RecordingSpan {
  state: 'recording' | 'paused';
  fromMs: number;
  toMs?: number;
}

export interface KeyPress {
  key: string;
  atMs: number;
  agentBridged: boolean;
  recording: 'off' | 'recording' | 'paused';
}

export type CallStatus = 'active' | 'ended' | 'dropped';

interface Leg {
  callId: string;
  tag: 'LEG-A' | 'LEG-B';
  from: string;
  to: string;
  direction: 'Inbound' | 'Outbound';
  startMs: number;
  connected: boolean;
}

interface Running {
  action: SmaAction;
  interrupt(): void;
}

type ActionOutcome = { kind: 'ok'; data?: Partial<ActionData> } | { kind: 'failed'; errorType: string; errorMessage: string } | { kind: 'interrupted' } | { kind: 'leg-hangup'; leg: Leg } | { kind: 'caller-hangup' };

const INTERRUPTIBLE = new Set(['Pause', 'PlayAudio', 'RecordAudio']);
const MAX_INVOCATIONS = 1000;
/** Real milliseconds per nominal millisecond of a Pause at the least (20 s hold → 1 s). */
const PAUSE_MIN_SCALE = 0.05;
const sleep = (ms: number): Promise<void> => (ms <= 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms)));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
/** An action as the service echoes it back in ActionData. */
const asActionData = (action: SmaAction, extra?: Partial<ActionData>): ActionData => ({ ...(clone(action) as unknown as ActionData), ...(extra ?? {}) });

export class EmulatedCall {
  public readonly transactionId = randomUUID();
  public readonly invocations: Invocation[] = [];
  public readonly violations: string[] = [];
  public readonly keys: KeyPress[] = [];
  public readonly recordingSpans: RecordingSpan[] = [];
  /** Invocation faults that happened: injected `slow`/`duplicate`, or a natural `deadline` miss. */
  public readonly injected: Array<'slow' | 'duplicate' | 'deadline'> = [];
  public recordingKey: string | undefined;
  public status: CallStatus = 'active';
  /** Wall-clock time (ms since epoch) of the caller's last key press. */
  public lastKeyAt: number | undefined;
  public attributes: Record<string, string> = {};
  /** Faults for this call only, over the emulator's (soak runs give each call its own). */
  public faults: EmulatorFaults = {};
  /** Timing for this call only (see PlaceCallOptions.timingScale); undefined follows the emulator. */
  public timingScale: number | undefined;

  private readonly legs: Leg[] = [];
  private sequence = 0;
  private clockMs = 0;
  private recording: 'off' | 'recording' | 'paused' = 'off';
  private pending: SmaAction[] = [];
  private running: Running | undefined;
  private runner: Promise<void> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly endWaiters: Array<() => void> = [];
  private readonly changeWaiters: Array<() => void> = [];
  private readonly startedAt = Date.now();

  public constructor(
    private readonly emulator: SmaEmulator,
    private readonly caller: KeySource,
    from: string,
    to: string,
  ) {
    this.legs.push({ callId: randomUUID(), tag: 'LEG-A', from, to, direction: 'Inbound', startMs: Date.now(), connected: true });
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

  public get recordingState(): 'off' | 'recording' | 'paused' {
    return this.recording;
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
      this.violations.push('more than 1000 invocations on one call');
      this.drop();
      return false;
    }
    const event = this.buildEvent(type, actionData, extra);
    let response: unknown;
    let answered = false;
    const faults = this.activeFaults;
    const random = faults.random ?? Math.random;
    for (let attempt = 0; attempt < 2 && !answered; attempt += 1) {
      const started = Date.now();
      const record: Invocation = { event: clone(event), durationMs: 0 };
      this.invocations.push(record);
      // Injected faults hit only the first attempt, so the documented retry can recover.
      const slow = attempt === 0 && (faults.slowInvocationRate ?? 0) > 0 && random() < (faults.slowInvocationRate ?? 0);
      const lost = attempt === 0 && !slow && (faults.duplicateInvocationRate ?? 0) > 0 && random() < (faults.duplicateInvocationRate ?? 0);
      try {
        response = await this.emulator.invoke(clone(event));
        record.response = clone(response);
        if (slow) await sleep(Math.max(0, (faults.handlerDelayMs ?? this.emulator.deadlineMs + 100) - (Date.now() - started)));
        record.durationMs = Date.now() - started;
        answered = record.durationMs <= this.emulator.deadlineMs && !lost;
        if (lost) {
          record.error = 'answer lost (injected)';
          this.injected.push('duplicate');
        } else if (!answered) {
          record.error = 'deadline exceeded';
          this.injected.push(slow ? 'slow' : 'deadline');
        }
      } catch (err) {
        record.durationMs = Date.now() - started;
        record.error = err instanceof Error ? err.name : 'UnknownError';
      }
    }
    if (!answered) {
      // Two failed tries: the service gives up and the call ends with 480.
      this.violations.push(`handler failed or missed the deadline twice on ${type}`);
      this.drop();
      return false;
    }
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
              await this.deliver('HANGUP', { Type: 'Hangup', Parameters: { CallId: outcome.leg.callId, ParticipantTag: outcome.leg.tag, SipResponseCode: '0' } });
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

  private async wait(nominalMs: number, interruptible: { stop: boolean }, minScale = 0): Promise<void> {
    const real = nominalMs * Math.max(this.scale, minScale);
    const step = Math.max(real / 20, 1);
    let waited = 0;
    while (waited < real && !interruptible.stop) {
      await sleep(Math.min(step, real - waited));
      waited += step;
    }
    if (real <= 0) await sleep(0);
    this.clockMs += nominalMs;
  }

  private setRecording(state: 'recording' | 'paused'): void {
    const open = this.recordingSpans[this.recordingSpans.length - 1];
    if (open && open.toMs === undefined) open.toMs = this.clockMs;
    this.recordingSpans.push({ state, fromMs: this.clockMs });
    this.recording = state;
  }

  private leg(callId: unknown): Leg | undefined {
    return this.legs.find((l) => l.callId === callId);
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
      return await this.execute(action, flag);
    } finally {
      this.running = undefined;
    }
  }

  private async execute(action: SmaAction, flag: { stop: boolean }): Promise<ActionOutcome> {
    const faults = this.activeFaults;
    switch (action.Type) {
      case 'CallAndBridge': {
        await this.wait(2000, { stop: false });
        const rebridge = this.legs.some((l) => l.tag === 'LEG-B');
        if (faults.agentNoAnswer || (rebridge && faults.agentNoAnswerOnRebridge)) return { kind: 'failed', errorType: 'CallNotAnswered', errorMessage: 'The agent did not answer' };
        const endpoint = action.Parameters.Endpoints[0];
        for (const old of this.legs.filter((l) => l.tag === 'LEG-B')) this.legs.splice(this.legs.indexOf(old), 1);
        this.legs.push({ callId: randomUUID(), tag: 'LEG-B', from: action.Parameters.CallerIdNumber, to: endpoint.Uri, direction: 'Outbound', startMs: Date.now(), connected: true });
        this.notify();
        return { kind: 'ok' };
      }
      case 'Hangup': {
        const leg = this.leg(action.Parameters.CallId) ?? this.legs.find((l) => l.tag === action.Parameters.ParticipantTag);
        if (!leg || !leg.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'No such connected leg' };
        leg.connected = false;
        this.notify();
        if (leg.tag === 'LEG-A') return { kind: 'caller-hangup' };
        return { kind: 'leg-hangup', leg };
      }
      case 'Pause':
        // A pause is a hold: it must last long enough in real time for the workflow to answer even when
        // everything else runs instantly (it is interruptible, so this costs no latency).
        await this.wait(Number(action.Parameters.DurationInMilliseconds), flag, PAUSE_MIN_SCALE);
        return flag.stop ? { kind: 'interrupted' } : { kind: 'ok' };
      case 'Speak':
        if (!this.leg(action.Parameters.CallId)?.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Leg not connected' };
        await this.wait(Math.min(action.Parameters.Text.length * 60, 30_000), { stop: false });
        return { kind: 'ok' };
      case 'SpeakAndGetDigits':
        return this.collectDigits(action);
      case 'StartCallRecording':
        if (this.recordingSpans.length > 0) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording starts only once per leg' };
        this.setRecording('recording');
        this.recordingKey = `${action.Parameters.Destination.Location}/${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/${this.transactionId}_${this.legA.callId}.wav`;
        return { kind: 'ok', data: { CallRecordingDestination: { Type: 'S3', Location: this.recordingKey } } };
      case 'PauseCallRecording':
        if (faults.pauseRecordingFails) return { kind: 'failed', errorType: 'SystemException', errorMessage: 'Recording could not be paused' };
        if (this.recording !== 'recording') return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording is not running' };
        this.setRecording('paused');
        return { kind: 'ok' };
      case 'ResumeCallRecording':
        if (this.recording !== 'paused') return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording is not paused' };
        this.setRecording('recording');
        return { kind: 'ok' };
      case 'StopCallRecording': {
        const open = this.recordingSpans[this.recordingSpans.length - 1];
        if (open && open.toMs === undefined) open.toMs = this.clockMs;
        this.recording = 'off';
        return { kind: 'ok' };
      }
      default: {
        const unreachable: never = action;
        return { kind: 'failed', errorType: 'InvalidActionType', errorMessage: `Unsupported action ${(unreachable as SmaAction).Type}` };
      }
    }
  }

  private async collectDigits(action: Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>): Promise<ActionOutcome> {
    const p = action.Parameters;
    if (!this.leg(p.CallId)?.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Leg not connected' };
    if (this.agentBridged) this.violations.push('digits requested while the agent leg was bridged');
    if (this.recording === 'recording') this.violations.push('digits requested while recording was running');
    await this.wait(Math.min(p.SpeechParameters.Text.length * 60, 30_000), { stop: false });
    let received = '';
    for (;;) {
      const key: CallerKey = await this.nextKey(p.RepeatDurationInMilliseconds);
      if (key === 'h') return { kind: 'caller-hangup' };
      if (key === 'w') {
        this.clockMs += p.InBetweenDigitsDurationInMilliseconds;
        // Entry ends at the time-out: what was keyed counts if it meets the minimum.
        const count = received.replace(/\*/g, '').length;
        if (received.length > 0 && count >= p.MinNumberOfDigits) return { kind: 'ok', data: { ReceivedDigits: received } };
        return { kind: 'failed', errorType: 'InvalidDigitsReceived', errorMessage: 'No valid entry before the time limit' };
      }
      this.keys.push({ key, atMs: this.clockMs, agentBridged: this.agentBridged, recording: this.recording });
      this.lastKeyAt = Date.now();
      if (this.agentBridged || this.recording === 'recording') this.violations.push('a key was pressed while the agent or the recording could hear it');
      // A person takes about 300 ms per key.
      await this.wait(300, { stop: false });
      if (p.TerminatorDigits.includes(key)) return { kind: 'ok', data: { ReceivedDigits: received } };
      received += key;
      if (received.length >= p.MaxNumberOfDigits) return { kind: 'ok', data: { ReceivedDigits: received } };
    }
  }

  private async nextKey(timeoutMs: number): Promise<CallerKey> {
    const scale = this.scale;
    if (scale <= 0) return this.caller.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CallerKey>((resolve) => {
      timer = setTimeout(() => {
        const c = this.caller as { cancelWait?: () => void };
        if (typeof c.cancelWait === 'function') c.cancelWait();
        resolve('w');
      }, timeoutMs * scale);
    });
    try {
      return await Promise.race([this.caller.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async callerHangsUp(): Promise<void> {
    if (!this.legA.connected && this.status !== 'active') return;
    this.legA.connected = false;
    this.pending = [];
    this.notify();
    await this.deliver('HANGUP', { Type: 'Hangup', Parameters: { CallId: this.legA.callId, ParticipantTag: 'LEG-A', SipResponseCode: '0' } });
    // Only hang-ups of the other leg can still run on a call whose caller is gone.
    const list = this.pending.filter((a) => a.Type === 'Hangup');
    this.pending = [];
    for (const action of list) {
      const leg = this.leg(action.Parameters.CallId);
      if (leg?.connected) {
        leg.connected = false;
        await this.deliver('HANGUP', { Type: 'Hangup', Parameters: { CallId: leg.callId, ParticipantTag: leg.tag, SipResponseCode: '0' } });
      }
    }
    this.pending = [];
    this.end();
  }

  private closeRecording(): void {
    const open = this.recordingSpans[this.recordingSpans.length - 1];
    if (open && open.toMs === undefined) open.toMs = this.clockMs;
    this.recording = 'off';
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
  public async placeCall(caller: KeySource, from = '+15105550101', to = '+12065551212', faults: EmulatorFaults = {}, options: PlaceCallOptions = {}): Promise<EmulatedCall> {
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
    if (!call || call.status !== 'active') return false;
    call.update(args);
    return true;
  }

  public onCallEnded(listener: (call: EmulatedCall) => void): void {
    this.endListeners.push(listener);
  }

  /** @internal called by a call when it ends. */
  public callEnded(call: EmulatedCall): void {
    for (const l of this.endListeners) l(call);
  }
}
