/**
 * The secure IVR: turns one SIP media application event into the next actions.
 *
 * Separation follows the only documented way: hang up the agent's leg (LEG-B), run the IVR on the
 * caller's leg (LEG-A), call the agent back afterwards. Recording is paused, and the pause confirmed,
 * before the first card prompt; if the pause fails no card prompt is ever played. Each field is sealed
 * into the vault as soon as it is valid, so no card digit outlives the invocation that received it.
 *
 * Pure apart from the ports in IvrDeps; actions are built fresh for every invocation.
 */
import { actions, findLeg, MAX_ACTIONS_PER_RESPONSE, type SmaAction, type SmaEvent, type CallAndBridgeEndpoint, type SpeechParameters } from './contract';
import { type IvrSettings, type Outcome, SESSION_ERROR, type SessionErrorName } from '../../shared/session/contract';
import { decodeIvr, readState, withoutSession, type CallState } from './call-state';
import { outcomeText, promptsFor } from '../capture/prompts';
import { CardCapture, FIELD_ORDER, type CaptureDeps, type CaptureState, type EntryResult, type PromptReason } from '../capture/card-capture';

export interface IvrConfig {
  agentEndpoint: CallAndBridgeEndpoint;
  /**
   * Caller id on the agent leg; defaults to the number the caller dialled (ours: always a valid caller id,
   * unlike a withheld or foreign caller number, which carriers may refuse and CallAndBridge then fails).
   */
  callerIdNumber?: string;
  /** Where whole-call recordings go (bucket[/prefix]); no recording when absent. */
  recordingLocation?: string;
  /** Seconds to ring the agent. */
  agentRingSeconds: number;
}

/** The ports the IVR needs: card entry's (the shared capture module) plus failing GetKey. */
export interface IvrDeps extends CaptureDeps {
  /** Fails GetKey (SendTaskFailure) with an error name the workflow catches. */
  failCapture(sessionId: string, error: SessionErrorName, cause: string): Promise<boolean>;
  /**
   * The bridge to an agent answered (or the agent leg left): the server's record of who is on the call, which
   * the agent API checks before anyone acts on it (security review item 6).
   */
  recordAgentLeg(callTransactionId: string, leg: AgentLeg | undefined): Promise<void>;
  /**
   * The caller pressed keys while bridged to the agent (DIGITS_RECEIVED): warn the agent and note it. Never
   * given the keys: the IVR only knows that some were pressed.
   */
  callerKeying(callTransactionId: string): Promise<void>;
}

/** The answered agent leg as the event reports it; undefined when the agent leg is gone. */
export interface AgentLeg {
  callId: string;
  endpoint?: string;
  agentHeader?: string;
  parties: number;
}

/** The SIP header an AWS (Voice Connector) endpoint's SBC may set to name the agent who answered. */
export const AGENT_SIP_HEADER = 'x-secure-ivr-agent';

export interface IvrResult {
  actions: SmaAction[];
  state: CallState;
}

const HOLD_MS = 20_000;

/**
 * The listener armed on the caller's leg while the agent is bridged: any key, reported after a short gap,
 * so a caller who starts keying a card number to the agent is noticed after the first key or two.
 */
export const KEYING_LISTENER = { pattern: '^[0-9#*]+$', interDigitMs: 1000, flushMs: 10_000 } as const;
/** Hold rounds before the caller is sent back to the agent even without an outcome (≈ 3 minutes). */
const MAX_HOLD_ROUNDS = 9;

const SESSION_STAGES = new Set(['separating', 'pausing', 'capturing', 'holding']);

const speech = (ivr: IvrSettings, text: string): SpeechParameters => ({
  Text: text,
  Engine: ivr.engine,
  LanguageCode: ivr.language,
  TextType: 'text',
  VoiceId: ivr.voice,
});

function result(state: CallState, list: SmaAction[]): IvrResult {
  if (list.length > MAX_ACTIONS_PER_RESPONSE) throw new Error('IVR built more actions than one response may carry');
  return { actions: list, state };
}

export class SecureIvr {
  private readonly capture: CardCapture;

  public constructor(
    private readonly config: IvrConfig,
    private readonly deps: IvrDeps,
  ) {
    this.capture = new CardCapture(deps);
  }

  public async handle(event: SmaEvent): Promise<IvrResult> {
    const state = readState(event.CallDetails.TransactionAttributes);
    const type = event.InvocationEventType;
    switch (type) {
      case 'NEW_INBOUND_CALL':
        return this.bridgeAgent(event, { stage: 'bridging', rec: 'off', tries: 0 }, []);
      case 'NEW_OUTBOUND_CALL':
      case 'RINGING':
      case 'CALL_ANSWERED':
        // secure-ivr places no outbound calls: nothing to do.
        return result(state, []);
      case 'DIGITS_RECEIVED':
        return this.onCallerKeying(event, state);
      case 'ACTION_INTERRUPTED':
        // Information only: the service ignores actions returned for it.
        return result(state, []);
      case 'ACTION_SUCCESSFUL':
        return this.onActionSuccessful(event, state);
      case 'ACTION_FAILED':
        return this.onActionFailed(event, state);
      case 'HANGUP':
        return this.onHangup(event, state);
      case 'CALL_UPDATE_REQUESTED':
        return this.onUpdate(event, state);
      case 'INVALID_LAMBDA_RESPONSE':
        return this.onInvalidResponse(event, state);
      default: {
        const unreachable: never = type;
        throw new Error(`Unhandled event type ${String(unreachable)}`);
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Bridging

  private bridgeAgent(event: SmaEvent, state: CallState, before: SmaAction[]): IvrResult {
    const legA = findLeg(event, 'LEG-A');
    const callerId = this.config.callerIdNumber ?? legA?.To ?? '';
    return result(state, [...before, actions.callAndBridge(callerId, this.config.agentEndpoint, this.config.agentRingSeconds)]);
  }

  private legACallId(event: SmaEvent): string {
    const leg = findLeg(event, 'LEG-A');
    if (!leg) throw new Error('The event lists no caller leg');
    return leg.CallId;
  }

  private answeredLeg(event: SmaEvent): AgentLeg | undefined {
    const leg = findLeg(event, 'LEG-B');
    if (!leg || leg.Status === 'Disconnected') return undefined;
    const header = Object.entries(leg.SipHeaders ?? {}).find(([name]) => name.toLowerCase() === AGENT_SIP_HEADER)?.[1];
    return {
      callId: leg.CallId,
      ...(leg.To ? { endpoint: leg.To } : {}),
      ...(header ? { agentHeader: header } : {}),
      parties: event.CallDetails.Participants.filter((p) => p.Status !== 'Disconnected').length,
    };
  }

  private legBConnected(event: SmaEvent): string | undefined {
    const leg = findLeg(event, 'LEG-B');
    return leg && leg.Status !== 'Disconnected' ? leg.CallId : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // ACTION_SUCCESSFUL

  private async onActionSuccessful(event: SmaEvent, state: CallState): Promise<IvrResult> {
    const type = event.ActionData?.Type;
    switch (type) {
      case 'CallAndBridge':
        await this.deps.recordAgentLeg(event.CallDetails.TransactionId, this.answeredLeg(event));
        // A session asked for while the agent was being called back (an agent's retry) starts now.
        if (state.stage === 'rebridging' && state.sessionId)
          return this.separate(event, { ...state, stage: 'bridged' }, state.sessionId, state.ivr ?? decodeIvr(undefined));
        if (state.stage === 'bridging' && this.config.recordingLocation && state.rec === 'off') {
          // The keying listener is armed once the recording answers (one action per step: a failed action
          // drops the rest of its list, and the recording must not depend on the listener).
          return result({ ...state, stage: 'bridged', rec: 'starting' }, [actions.startCallRecording(this.legACallId(event), this.config.recordingLocation)]);
        }
        return this.listenWhileBridged(event, { ...state, stage: 'bridged' });
      case 'StartCallRecording': {
        // A pause confirmed meanwhile stays in force: the late answer only says the recording exists.
        const next: CallState = { ...state, rec: state.rec === 'off' || state.rec === 'starting' ? 'on' : state.rec };
        return next.stage === 'bridged' ? this.listenWhileBridged(event, next) : result(next, []);
      }
      case 'Hangup':
        return state.stage === 'separating' ? this.afterSeparation(event, state) : result(state, []);
      case 'PauseCallRecording':
        if (state.stage !== 'pausing' || !state.sessionId) return result(state, []);
        await this.deps.recordProgress(state.sessionId, { status: 'capturing', recordingPaused: true });
        await this.deps.emit('recording.paused', state.sessionId, true);
        this.deps.log.info('recording paused', { sessionId: state.sessionId });
        return this.prompt(event, { ...state, rec: 'paused', stage: 'capturing', field: 'pan', tries: 0 }, 'first');
      case 'SpeakAndGetDigits':
        return state.stage === 'capturing' ? this.onEntry(event, state, event.ActionData?.ReceivedDigits) : result(state, []);
      case 'Pause':
        return state.stage === 'holding' ? this.keepHolding(event, state) : result(state, []);
      default:
        return result(state, []);
    }
  }

  // -------------------------------------------------------------------------------------------
  // DIGITS_RECEIVED: the caller keys while talking to the agent

  /** Arms the keying listener on the caller's leg while the agent is on the line. */
  private listenWhileBridged(event: SmaEvent, state: CallState): IvrResult {
    if (state.stage !== 'bridged' || !this.legBConnected(event)) return result(state, []);
    return result(state, [actions.receiveDigits(this.legACallId(event), KEYING_LISTENER)]);
  }

  /**
   * Keys the agent (and the recording) can hear: the agent is warned to stop the caller before a card number
   * is read out by tone. The keys themselves are dropped here, unread. The listener is spent once it fires,
   * so it is armed again while the agent stays bridged; in any other stage (the IVR has taken over) it is not.
   */
  private async onCallerKeying(event: SmaEvent, state: CallState): Promise<IvrResult> {
    if (state.stage !== 'bridged' || !this.legBConnected(event)) return result(state, []);
    this.deps.log.info('caller keying while bridged to the agent', { stage: state.stage });
    await this.deps.callerKeying(event.CallDetails.TransactionId);
    return this.listenWhileBridged(event, state);
  }

  // -------------------------------------------------------------------------------------------
  // ACTION_FAILED

  private async onActionFailed(event: SmaEvent, state: CallState): Promise<IvrResult> {
    const type = event.ActionData?.Type;
    const errorType = event.ActionData?.ErrorType ?? 'unknown';
    switch (type) {
      case 'CallAndBridge': {
        this.deps.log.warn('agent leg not answered', { errorType, stage: state.stage });
        if (state.stage === 'rebridging' && state.sessionId)
          await this.deps.failCapture(state.sessionId, SESSION_ERROR.telephonyFailed, 'the agent could not be called back to start the secure session');
        const ivr = state.ivr ?? decodeIvr(undefined);
        const callId = this.legACallId(event);
        return result({ ...withoutSession(state, 'ended') }, [actions.speak(callId, speech(ivr, promptsFor(ivr.language).noAgent)), actions.hangup(callId)]);
      }
      case 'StartCallRecording': {
        this.deps.log.error('recording start failed', { errorType });
        // Only a start still in flight becomes off; a session pausing meanwhile fails closed on its own.
        const next: CallState = { ...state, rec: state.rec === 'starting' ? 'off' : state.rec };
        return next.stage === 'bridged' ? this.listenWhileBridged(event, next) : result(next, []);
      }
      case 'ReceiveDigits':
        // Only the agent's warning is lost; the call goes on as before.
        this.deps.log.warn('keying listener not armed', { errorType, stage: state.stage });
        return result(state, []);
      case 'Hangup':
        if (state.stage !== 'separating') return result(state, []);
        // The agent is still on the line: no card prompt may be played.
        return this.failBeforeCapture(event, state, SESSION_ERROR.telephonyFailed, 'the agent leg could not be separated from the caller');
      case 'PauseCallRecording':
        if (state.stage !== 'pausing') return result(state, []);
        // Fail closed: recording may still be running, so no card prompt is ever played.
        this.deps.log.error('recording pause failed', { sessionId: state.sessionId, errorType });
        if (state.sessionId) await this.deps.emit('recording.pause-failed', state.sessionId, false, { error: errorType });
        return this.failBeforeCapture(
          event,
          state,
          SESSION_ERROR.recordingPauseFailed,
          'call recording could not be paused, so no card details were requested',
        );
      case 'SpeakAndGetDigits':
        return state.stage === 'capturing' ? this.onEntry(event, state, undefined) : result(state, []);
      case 'ResumeCallRecording':
        this.deps.log.error('recording resume failed', { sessionId: state.sessionId, errorType });
        return result({ ...state, rec: 'on' }, []);
      default:
        this.deps.log.warn('action failed', { actionType: type, errorType, stage: state.stage });
        return result(state, []);
    }
  }

  /** Ends a session that never reached a card prompt, and gives the caller back to the agent. */
  private async failBeforeCapture(event: SmaEvent, state: CallState, error: SessionErrorName, cause: string): Promise<IvrResult> {
    if (state.sessionId) await this.deps.failCapture(state.sessionId, error, cause);
    const ivr = state.ivr ?? decodeIvr(undefined);
    const callId = this.legACallId(event);
    const agentStillThere = this.legBConnected(event) !== undefined;
    const next = withoutSession(state, agentStillThere ? 'bridged' : 'rebridging');
    if (agentStillThere) return result(next, []);
    return this.bridgeAgent(event, next, [actions.speak(callId, speech(ivr, promptsFor(ivr.language).unavailable))]);
  }

  // -------------------------------------------------------------------------------------------
  // HANGUP

  private async onHangup(event: SmaEvent, state: CallState): Promise<IvrResult> {
    const tag = (event.ActionData?.Parameters?.ParticipantTag as string | undefined)?.toUpperCase();
    const legA = findLeg(event, 'LEG-A');
    const hungUpCallId = event.ActionData?.Parameters?.CallId;
    const callerLeft = tag === 'LEG-A' || (hungUpCallId !== undefined && hungUpCallId === legA?.CallId) || legA?.Status === 'Disconnected';
    if (!callerLeft) {
      if (state.stage === 'separating') return this.afterSeparation(event, state);
      if (state.stage === 'bridged' && legA) {
        // The agent ended the call: the caller's leg does not hang up by itself.
        await this.deps.recordAgentLeg(event.CallDetails.TransactionId, undefined);
        return result(withoutSession(state, 'ended'), [actions.hangup(legA.CallId)]);
      }
      return result(state, []);
    }
    if (state.sessionId && (SESSION_STAGES.has(state.stage) || state.stage === 'rebridging')) {
      this.deps.log.info('caller hung up during secure session', { sessionId: state.sessionId, stage: state.stage });
      await this.deps.emit('caller.hung-up', state.sessionId, true, { stage: state.stage });
      if (state.stage === 'holding') {
        await this.deps.recordProgress(state.sessionId, { hungUp: true });
      } else {
        await this.deps.failCapture(state.sessionId, SESSION_ERROR.callerHungUp, 'the caller hung up before finishing card entry');
      }
    }
    const legB = this.legBConnected(event);
    return result(withoutSession(state, 'ended'), legB ? [actions.hangup(legB)] : []);
  }

  // -------------------------------------------------------------------------------------------
  // CALL_UPDATE_REQUESTED: the workflow talking to the call

  private async onUpdate(event: SmaEvent, state: CallState): Promise<IvrResult> {
    const args = (event.ActionData?.Parameters?.Arguments ?? {}) as Record<string, unknown>;
    const op = args.op;
    const sessionId = typeof args.sessionId === 'string' ? args.sessionId : undefined;
    if (op === 'secure-begin' && sessionId) return this.beginSession(event, state, sessionId, typeof args.ivr === 'string' ? args.ivr : undefined);
    if (op === 'secure-end' && sessionId) {
      const outcome = args.outcome === 'accepted' || args.outcome === 'declined' || args.outcome === 'unknown' ? args.outcome : 'aborted';
      return this.endSession(event, state, sessionId, outcome, typeof args.reference === 'string' ? args.reference : '');
    }
    if (op === 'secure-reenter' && sessionId) return this.reenter(event, state, sessionId, args.field);
    this.deps.log.warn('call update ignored', { reason: 'unknown operation or missing session id' });
    return result(state, []);
  }

  /**
   * The agent asks the caller to key a field again (one already captured, or the one being keyed). The
   * service lets a running SpeakAndGetDigits finish first, so the new prompt follows the current entry,
   * whose digits are then never delivered. Fields after it are asked again in order.
   */
  private async reenter(event: SmaEvent, state: CallState, sessionId: string, rawField: unknown): Promise<IvrResult> {
    const field = FIELD_ORDER.find((f) => f === rawField);
    const current = state.field ? FIELD_ORDER.indexOf(state.field) : -1;
    if (state.sessionId !== sessionId || state.stage !== 'capturing' || !field || FIELD_ORDER.indexOf(field) > current) {
      this.deps.log.info('re-entry request ignored', { sessionId, stage: state.stage });
      return result(state, []);
    }
    await this.deps.emit('field.restarted', sessionId, true, { field, reason: 'agent asked for the field again' });
    return this.prompt(event, { ...state, field, tries: 0 }, 'restart');
  }

  private async beginSession(event: SmaEvent, state: CallState, sessionId: string, ivrText: string | undefined): Promise<IvrResult> {
    if (state.sessionId && SESSION_STAGES.has(state.stage)) {
      if (state.sessionId !== sessionId)
        await this.deps.failCapture(sessionId, SESSION_ERROR.telephonyFailed, 'another secure session is running on this call');
      return result(state, []);
    }
    if (state.stage === 'rebridging') {
      if (state.sessionId && state.sessionId !== sessionId) {
        await this.deps.failCapture(sessionId, SESSION_ERROR.telephonyFailed, 'another secure session is waiting for this call');
        return result(state, []);
      }
      // The agent is being called back after a session (an agent's retry follows an outcome at once):
      // the session waits in the call's state and starts once the agent is bridged again, so the agent
      // leg is never bridged while the caller keys card digits.
      this.deps.log.info('secure session waits for the agent to be called back', { sessionId });
      return result({ ...state, sessionId, ivr: decodeIvr(ivrText) }, []);
    }
    if (state.stage !== 'bridged') {
      await this.deps.failCapture(sessionId, SESSION_ERROR.telephonyFailed, 'the call is not connected to an agent');
      return result(state, []);
    }
    return this.separate(event, state, sessionId, decodeIvr(ivrText));
  }

  /** Hangs up the agent's leg so the IVR can run on the caller's leg alone. */
  private async separate(event: SmaEvent, state: CallState, sessionId: string, ivr: IvrSettings): Promise<IvrResult> {
    const next: CallState = { stage: 'separating', rec: state.rec, sessionId, ivr, tries: 0 };
    const legB = this.legBConnected(event);
    // The separation itself is reported as agent.separated once the agent leg is gone.
    if (legB) return result(next, [actions.hangup(legB)]);
    return this.afterSeparation(event, next);
  }

  /** The agent is off the line: pause recording first, or prompt straight away when nothing records. */
  private async afterSeparation(event: SmaEvent, state: CallState): Promise<IvrResult> {
    if (!state.sessionId) return result(state, []);
    await this.deps.emit('agent.separated', state.sessionId, true, { recording: state.rec });
    // A start still in flight counts as recording: never prompt before a pause is confirmed.
    if (state.rec === 'on' || state.rec === 'starting') return result({ ...state, stage: 'pausing' }, [actions.pauseCallRecording(this.legACallId(event))]);
    await this.deps.recordProgress(state.sessionId, { status: 'capturing' });
    return this.prompt(event, { ...state, stage: 'capturing', field: 'pan', tries: 0 }, 'first');
  }

  private async endSession(event: SmaEvent, state: CallState, sessionId: string, outcome: Outcome | 'aborted', reference: string): Promise<IvrResult> {
    if (state.stage === 'rebridging' && state.sessionId === sessionId) {
      // The session ended (cancelled, timed out) while it waited for the agent: it never starts.
      this.deps.log.info('waiting secure session dropped', { sessionId });
      return result(withoutSession(state, 'rebridging'), []);
    }
    if (state.sessionId !== sessionId || !SESSION_STAGES.has(state.stage)) {
      this.deps.log.info('session end for a session the call does not hold', { sessionId });
      return result(state, []);
    }
    const ivr = state.ivr ?? decodeIvr(undefined);
    const prompts = promptsFor(ivr.language);
    const callId = this.legACallId(event);
    const text = outcomeText(prompts, outcome, reference);
    const before: SmaAction[] = [];
    if (state.rec === 'paused') before.push(actions.resumeCallRecording(callId));
    before.push(actions.speak(callId, speech(ivr, text)));
    if (state.rec === 'paused') {
      await this.deps.recordProgress(sessionId, { recordingResumed: true }).catch(() => undefined);
      await this.deps.emit('recording.resumed', sessionId, true);
    }
    return this.bridgeAgent(event, withoutSession({ ...state, rec: state.rec === 'paused' ? 'on' : state.rec }, 'rebridging'), before);
  }

  // -------------------------------------------------------------------------------------------
  // Card entry

  private async prompt(event: SmaEvent, state: CallState, why: PromptReason): Promise<IvrResult> {
    const ivr = state.ivr ?? decodeIvr(undefined);
    const callId = this.legACallId(event);
    const asked = await this.capture.prompt(captureState(state, ivr), why);
    return this.ask(callId, state, ivr, asked);
  }

  private ask(callId: string, state: CallState, ivr: IvrSettings, asked: { text: string; minKeys: number; maxKeys: number }): IvrResult {
    return result(state, [
      actions.speakAndGetDigits(callId, speech(ivr, asked.text), speech(ivr, promptsFor(ivr.language).noInput), {
        min: asked.minKeys,
        max: asked.maxKeys,
        interDigitMs: ivr.interDigitSeconds * 1000,
        timeoutMs: ivr.fieldTimeoutSeconds * 1000,
      }),
    ]);
  }

  private async onEntry(event: SmaEvent, state: CallState, received: string | undefined): Promise<IvrResult> {
    const sessionId = state.sessionId;
    if (!sessionId || !state.field) return result(state, []);
    const ivr = state.ivr ?? decodeIvr(undefined);
    // Recording resumes with the end of entry: the agent's progress says so in the same write.
    const entry: EntryResult = await this.capture.onEntry(captureState(state, ivr), received, state.rec === 'paused' ? { recordingResumed: true } : {});
    const next: CallState = { ...state, field: entry.state.field, tries: entry.state.tries, ...pick(entry.state) };
    if (entry.kind === 'prompt') return this.ask(this.legACallId(event), next, ivr, entry.prompt);
    return this.hold(event, { ...next, field: undefined }, entry.text);
  }

  /** Card entry is over: resume recording and keep the caller on hold until the outcome comes back. */
  private async hold(event: SmaEvent, state: CallState, text: string): Promise<IvrResult> {
    const ivr = state.ivr ?? decodeIvr(undefined);
    const callId = this.legACallId(event);
    const list: SmaAction[] = [];
    let rec = state.rec;
    if (rec === 'paused') {
      list.push(actions.resumeCallRecording(callId));
      rec = 'on';
      this.deps.log.info('recording resumed', { sessionId: state.sessionId });
      await this.deps.emit('recording.resumed', state.sessionId as string, true);
    }
    list.push(actions.speak(callId, speech(ivr, text)), actions.pause(callId, HOLD_MS));
    return result({ ...state, stage: 'holding', rec, tries: 0 }, list);
  }

  private keepHolding(event: SmaEvent, state: CallState): IvrResult {
    const callId = this.legACallId(event);
    if (state.tries + 1 < MAX_HOLD_ROUNDS) return result({ ...state, tries: state.tries + 1 }, [actions.pause(callId, HOLD_MS)]);
    // The workflow never reported back: do not leave the caller on hold for ever.
    this.deps.log.error('no outcome from the workflow; returning caller to agent', { sessionId: state.sessionId });
    const ivr = state.ivr ?? decodeIvr(undefined);
    return this.bridgeAgent(event, withoutSession(state, 'rebridging'), [actions.speak(callId, speech(ivr, promptsFor(ivr.language).unavailable))]);
  }

  // -------------------------------------------------------------------------------------------

  private async onInvalidResponse(event: SmaEvent, state: CallState): Promise<IvrResult> {
    this.deps.log.error('service refused a response', { errorType: event.ErrorType ?? event.ActionData?.ErrorType, stage: state.stage });
    if (!state.sessionId || !SESSION_STAGES.has(state.stage)) return result(state, []);
    // Never retry a card prompt that the service refused: end the session and give the caller back.
    if (state.stage !== 'holding') await this.deps.failCapture(state.sessionId, SESSION_ERROR.telephonyFailed, 'the telephony service refused an IVR response');
    const callId = this.legACallId(event);
    const resume = state.rec === 'paused' ? [actions.resumeCallRecording(callId)] : [];
    return this.bridgeAgent(event, withoutSession({ ...state, rec: state.rec === 'paused' ? 'on' : state.rec }, 'rebridging'), resume);
  }
}

/** The capture module's view of the call's state. */
function captureState(state: CallState, ivr: IvrSettings): CaptureState {
  return {
    sessionId: state.sessionId as string,
    ivr,
    field: state.field ?? 'pan',
    tries: state.tries,
    ...(state.brand ? { brand: state.brand } : {}),
    ...(state.last4 ? { last4: state.last4 } : {}),
    ...(state.vaultRef ? { vaultRef: state.vaultRef } : {}),
  };
}

const pick = (c: CaptureState): Partial<CallState> => ({
  ...(c.brand ? { brand: c.brand } : {}),
  ...(c.last4 ? { last4: c.last4 } : {}),
  ...(c.vaultRef ? { vaultRef: c.vaultRef } : {}),
});

export { cleanEntry } from '../capture/card-capture';
