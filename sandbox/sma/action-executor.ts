/**
 * Runs one SMA action on an emulated call as the service would: bridging the agent, hanging up a leg,
 * pauses (interruptible holds), speech, digit collection with the caller's keys and time-outs, and the
 * call recording's start, pause, resume and stop. It reports an outcome; the call turns outcomes into
 * the next event (ACTION_SUCCESSFUL, ACTION_FAILED, ACTION_INTERRUPTED, HANGUP).
 */
import { randomUUID } from 'node:crypto';
import type { SmaAction, ActionData } from '../../lambdas/telephony/chime-sma/contract';
import type { CallerKey, KeySource } from './caller';
import type { CallObserver } from './call-observer';

export interface Leg {
  callId: string;
  tag: 'LEG-A' | 'LEG-B';
  from: string;
  to: string;
  direction: 'Inbound' | 'Outbound';
  startMs: number;
  connected: boolean;
}

export type ActionOutcome =
  | { kind: 'ok'; data?: Partial<ActionData> }
  | { kind: 'failed'; errorType: string; errorMessage: string }
  | { kind: 'interrupted' }
  | { kind: 'leg-hangup'; leg: Leg }
  | { kind: 'caller-hangup' };

/** What an action needs from its call. */
export interface ActionContext {
  readonly transactionId: string;
  readonly legs: Leg[];
  readonly observer: CallObserver;
  readonly caller: KeySource;
  readonly agentBridged: boolean;
  /** Real milliseconds per nominal millisecond. */
  readonly scale: number;
  /** Nominal call time in ms. */
  clockMs: number;
  recordingKey: string | undefined;
  lastKeyAt: number | undefined;
  faults: { pauseRecordingFails?: boolean; agentNoAnswer?: boolean; agentNoAnswerOnRebridge?: boolean };
  notify(): void;
  /** Opens or closes the window in which the caller's keys are collected (see InteractiveCaller). */
  setCollecting(open: boolean): void;
  /** Arms a ReceiveDigits listener on a leg (it replaces any listener armed before). */
  armDigitListener(action: Extract<SmaAction, { Type: 'ReceiveDigits' }>, pattern: RegExp): void;
}

/** A running action's interruption: `stop` says it was interrupted, `wake` ends its current wait at once. */
export interface Interruptible {
  stop: boolean;
  wake?: () => void;
}

/** Real milliseconds per nominal millisecond of a Pause at the least (20 s hold → 1 s). */
const PAUSE_MIN_SCALE = 0.05;
export const sleep = (ms: number): Promise<void> => (ms <= 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms)));

export class ActionExecutor {
  public constructor(private readonly call: ActionContext) {}

  private get legA(): Leg {
    return this.call.legs[0] as Leg;
  }

  private leg(callId: unknown): Leg | undefined {
    return this.call.legs.find((l) => l.callId === callId);
  }

  /**
   * Waits `nominalMs` of call time, in real time scaled, ending early when the action is interrupted
   * (`interruptible.wake`, called by the emulator): one timer, no polling (a poll every 1/20 of a hold
   * added up to a quarter second before an interrupted Pause noticed, and 20 timers per key under load).
   */
  public async wait(nominalMs: number, interruptible: Interruptible, minScale = 0): Promise<void> {
    const real = nominalMs * Math.max(this.call.scale, minScale);
    if (real <= 0) await sleep(0);
    else if (!interruptible.stop) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          interruptible.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, real);
        interruptible.wake = done;
      });
    }
    this.call.clockMs += nominalMs;
  }

  public async execute(action: SmaAction, flag: Interruptible): Promise<ActionOutcome> {
    const call = this.call;
    const faults = call.faults;
    const observer = call.observer;
    switch (action.Type) {
      case 'CallAndBridge': {
        await this.wait(2000, { stop: false });
        const rebridge = call.legs.some((l) => l.tag === 'LEG-B');
        if (faults.agentNoAnswer || (rebridge && faults.agentNoAnswerOnRebridge))
          return { kind: 'failed', errorType: 'CallNotAnswered', errorMessage: 'The agent did not answer' };
        const endpoint = action.Parameters.Endpoints[0];
        for (const old of call.legs.filter((l) => l.tag === 'LEG-B')) call.legs.splice(call.legs.indexOf(old), 1);
        call.legs.push({
          callId: randomUUID(),
          tag: 'LEG-B',
          from: action.Parameters.CallerIdNumber,
          to: endpoint.Uri,
          direction: 'Outbound',
          startMs: Date.now(),
          connected: true,
        });
        call.notify();
        return { kind: 'ok' };
      }
      case 'Hangup': {
        const leg = this.leg(action.Parameters.CallId) ?? call.legs.find((l) => l.tag === action.Parameters.ParticipantTag);
        if (!leg?.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'No such connected leg' };
        leg.connected = false;
        call.notify();
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
        call.setCollecting(true);
        try {
          return await this.collectDigits(action);
        } finally {
          call.setCollecting(false);
        }
      case 'ReceiveDigits': {
        // A listener, not a wait: it is armed and the action succeeds at once with no digits (dg:case-4).
        const p = action.Parameters;
        if (!this.leg(p.CallId)?.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Leg not connected' };
        let pattern: RegExp;
        try {
          pattern = new RegExp(p.InputDigitsRegex);
        } catch {
          return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'InputDigitsRegex is not a valid regular expression' };
        }
        call.armDigitListener(action, pattern);
        return { kind: 'ok', data: { ReceivedDigits: '' } };
      }
      case 'StartCallRecording':
        if (observer.recordingSpans.length > 0)
          return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording starts only once per leg' };
        observer.setRecording('recording', call.clockMs);
        call.recordingKey = `${action.Parameters.Destination.Location}/${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/${call.transactionId}_${this.legA.callId}.wav`;
        return { kind: 'ok', data: { CallRecordingDestination: { Type: 'S3', Location: call.recordingKey } } };
      case 'PauseCallRecording':
        if (faults.pauseRecordingFails) return { kind: 'failed', errorType: 'SystemException', errorMessage: 'Recording could not be paused' };
        if (observer.recording !== 'recording') return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording is not running' };
        observer.setRecording('paused', call.clockMs);
        return { kind: 'ok' };
      case 'ResumeCallRecording':
        if (observer.recording !== 'paused') return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Recording is not paused' };
        observer.setRecording('recording', call.clockMs);
        return { kind: 'ok' };
      case 'StopCallRecording':
        observer.stopRecording(call.clockMs);
        return { kind: 'ok' };
      default: {
        const unreachable: never = action;
        return { kind: 'failed', errorType: 'InvalidActionType', errorMessage: `Unsupported action ${(unreachable as SmaAction).Type}` };
      }
    }
  }

  private async collectDigits(action: Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>): Promise<ActionOutcome> {
    const call = this.call;
    const p = action.Parameters;
    if (!this.leg(p.CallId)?.connected) return { kind: 'failed', errorType: 'InvalidActionParameter', errorMessage: 'Leg not connected' };
    call.observer.digitsRequested(call.agentBridged);
    await this.wait(Math.min(p.SpeechParameters.Text.length * 60, 30_000), { stop: false });
    let received = '';
    for (;;) {
      const key: CallerKey = await this.nextKey(p.RepeatDurationInMilliseconds);
      if (key === 'h') return { kind: 'caller-hangup' };
      if (key === 'w') {
        call.clockMs += p.InBetweenDigitsDurationInMilliseconds;
        // Entry ends at the time-out: what was keyed counts if it meets the minimum.
        const count = received.replace(/\*/g, '').length;
        if (received.length > 0 && count >= p.MinNumberOfDigits) return { kind: 'ok', data: { ReceivedDigits: received } };
        return { kind: 'failed', errorType: 'InvalidDigitsReceived', errorMessage: 'No valid entry before the time limit' };
      }
      call.observer.keyPressed(key, call.clockMs, call.agentBridged, true);
      call.lastKeyAt = Date.now();
      const last = p.TerminatorDigits.includes(key) || received.length + 1 >= p.MaxNumberOfDigits;
      // The entry is complete: further keys are no longer collected by this prompt.
      if (last) call.setCollecting(false);
      call.notify();
      // The key that completes the entry ends the action at once, as on the platform.
      if (p.TerminatorDigits.includes(key)) return { kind: 'ok', data: { ReceivedDigits: received } };
      received += key;
      if (received.length >= p.MaxNumberOfDigits) return { kind: 'ok', data: { ReceivedDigits: received } };
      // A person takes about 300 ms per key.
      await this.wait(300, { stop: false });
    }
  }

  private async nextKey(timeoutMs: number): Promise<CallerKey> {
    const scale = this.call.scale;
    const caller = this.call.caller;
    if (scale <= 0) return caller.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CallerKey>((resolve) => {
      timer = setTimeout(() => {
        const c = caller as { cancelWait?: () => void };
        if (typeof c.cancelWait === 'function') c.cancelWait();
        resolve('w');
      }, timeoutMs * scale);
    });
    try {
      return await Promise.race([caller.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
