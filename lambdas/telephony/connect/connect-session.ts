/**
 * What the secure-input flow's functions do, one method per operation the flow asks for (claim, the
 * recording switch, each field, a failed prompt block, the outcome). Card entry itself is the shared
 * capture module; this adds what only Connect needs: claiming the agent's pending request for the
 * contact, opening the encrypted stored input, and turning every result into the flow's next step.
 *
 * Pure apart from its ports. The clear digits of a field exist only inside onField, between the
 * decryption and the seal; answers carry only the next step, the text to say and the capture state.
 */
import type { CardField } from '../../shared/card/card-fields';
import { type IvrSettings, SESSION_ERROR, type SessionRequest } from '../../shared/session/contract';
import type { SessionRecord } from '../../shared/session/session-store';
import { CardCapture, type CaptureDeps, type EntryResult, FIELD_ORDER } from '../capture/card-capture';
import { outcomeText, promptsFor } from '../capture/prompts';
import { encodeCaptureState, type ConnectCaptureState } from './capture-state';
import { OUTCOME_WAIT_LIMIT_MS, STATUS_WAIT_MS, TIMEOUT_ENTRY, type FieldResponse, type FlowResponse, type NextStep } from './contract';

/** Statuses after which a session takes no more card data and has an outcome to tell. */
const FINISHED = new Set(['accepted', 'declined', 'aborted', 'unknown']);
const POLL_MS = 200;
/** How long the claim waits for Begin and GetKey to make the session ready for card entry. */
const CLAIM_WAIT_MS = 6_000;

/** Error names the flow's functions fail GetKey with (the Abort stage reports them). */
export const CONNECT_ERROR = {
  recordingPauseFailed: SESSION_ERROR.recordingPauseFailed,
  telephonyFailed: SESSION_ERROR.telephonyFailed,
  flowKeyFailed: 'FlowKeyFailed',
} as const;

export interface ConnectSessionDeps extends CaptureDeps {
  /** Fails GetKey (SendTaskFailure); false when the token was already used or not yet saved. */
  failCapture(sessionId: string, error: string, cause: string): Promise<boolean>;
  /** Whether the caller on the call hung up (Connect's contact events mark it). */
  callHungUp(callId: string): Promise<boolean>;
  /** Takes (once) the request the agent left for this call. */
  takePendingRequest(callId: string): Promise<SessionRequest | undefined>;
  /**
   * The secure-ivr user the contact is connected with, as Connect's contact events reported it (the agent
   * the contact was routed to); undefined when the server cannot tell.
   */
  callOwner(callId: string): Promise<string | undefined>;
  /** Takes (once) the field the agent asked the caller to key again, if any. */
  takeReentryRequest(sessionId: string): Promise<CardField | undefined>;
  /** Whether the certificate of the flow's current security key is past its notAfter (false when it cannot tell). */
  flowKeyExpired(): Promise<boolean>;
  /** StartExecution; returns the execution ARN. */
  startSession(request: SessionRequest): Promise<string>;
  /** Whether the execution has already ended (Begin refused the request), with the reason when it did. */
  executionEnded(executionArn: string): Promise<{ ended: boolean; reason?: string }>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /** The IVR settings of a form, from the secure input configuration. */
  formIvr(formId: string): Promise<IvrSettings | undefined>;
  /** Opens one stored input value (StoredInputDecryptError / FlowKeyExpiredError on failure). */
  decrypt(storedInput: string): Promise<string>;
  sleep(ms: number): Promise<void>;
  /** Language of what is said before a form is known. */
  defaultLanguage: string;
}

const respond = (next: NextStep, prompt: string, formId = '', state?: ConnectCaptureState): FlowResponse => ({
  next,
  prompt,
  formId,
  state: state ? encodeCaptureState(state) : '',
});

export class ConnectSession {
  private readonly capture: CardCapture;

  public constructor(private readonly deps: ConnectSessionDeps) {
    this.capture = new CardCapture(deps);
  }

  // -------------------------------------------------------------------------------------------
  // claim

  /**
   * Claims the pending request for the call and starts the same Step Functions session the Chime path
   * starts (Begin's checks apply unchanged). No request, a refusal or a session that does not become
   * ready: the caller hears why and goes back to the agent.
   */
  public async claim(callId: string, channel: string): Promise<FlowResponse> {
    const fallback = promptsFor(this.deps.defaultLanguage);
    if (channel !== 'VOICE') return respond('refused', fallback.unavailable);
    const request = await this.deps.takePendingRequest(callId);
    if (!request) {
      this.deps.log.info('secure input transfer without a pending request', { callId });
      return respond('refused', fallback.noRequest);
    }
    const ivr = await this.deps.formIvr(request.formId);
    const prompts = promptsFor(ivr?.language ?? this.deps.defaultLanguage);
    // Only the agent the contact is connected with may send its caller to card entry (as on Chime, where
    // the agent API checks the answering leg): a request left by anyone else starts nothing.
    const owner = await this.deps.callOwner(callId);
    if (owner !== request.agentId) {
      const reason = owner === undefined ? 'owner-unknown' : 'not-your-interaction';
      this.deps.log.warn('secure input transfer refused: the request is not from the agent on the call', { callId, sessionId: request.sessionId, reason });
      // Audited under the request's session id: who asked, and why the transfer took no card details.
      await this.deps.emit('begin.refused', request.sessionId, false, {
        reason:
          owner === undefined
            ? `agent ${request.agentId} asked for secure input, but the server cannot tell which agent the contact is connected with`
            : `agent ${request.agentId} asked for secure input on a contact connected with another agent`,
        error: reason,
      });
      return respond('refused', prompts.unavailable);
    }
    const executionArn = await this.deps.startSession({ ...request, callTransactionId: callId });
    const started = this.deps.now().getTime();
    for (let round = 0; ; round += 1) {
      const record = await this.deps.getSession(request.sessionId);
      if (record && record.status === 'separating' && (await this.deps.callHungUp(callId))) {
        // The caller left while the session opened: no flow is waiting for this answer any more.
        this.deps.log.info('caller hung up while the secure session opened', { callId, sessionId: request.sessionId });
        await this.deps.failCapture(request.sessionId, SESSION_ERROR.callerHungUp, 'the caller hung up while the secure session was opening');
        return respond('refused', prompts.unavailable);
      }
      if (record && record.status === 'separating' && ivr) {
        this.deps.log.info('secure input claimed', { callId, sessionId: request.sessionId });
        const state: ConnectCaptureState = { sessionId: request.sessionId, ivr, field: 'pan', tries: 0 };
        return respond('pan', '', request.formId, state);
      }
      if (record && FINISHED.has(record.status)) return respond('refused', prompts.unavailable);
      if (round % 4 === 3) {
        const ended = await this.deps.executionEnded(executionArn);
        if (ended.ended) {
          this.deps.log.warn('secure session refused', { callId, sessionId: request.sessionId, reason: ended.reason });
          return respond('refused', prompts.unavailable);
        }
      }
      if (this.deps.now().getTime() - started >= CLAIM_WAIT_MS) {
        this.deps.log.error('secure session not ready in time', { callId, sessionId: request.sessionId });
        await this.deps.failCapture(
          request.sessionId,
          CONNECT_ERROR.telephonyFailed,
          'the secure session was not ready when the caller reached the secure flow',
        );
        return respond('refused', prompts.unavailable);
      }
      await this.deps.sleep(POLL_MS);
    }
  }

  // -------------------------------------------------------------------------------------------
  // the recording switch

  /** Recording and streaming are off (the flow confirmed it): the agent is on hold, card entry starts. */
  public async onRecordingSuspended(state: ConnectCaptureState): Promise<FlowResponse> {
    const { sessionId } = state;
    await this.deps.emit('agent.separated', sessionId, true, { recording: 'on-hold' });
    await this.deps.recordProgress(sessionId, { status: 'capturing', recordingPaused: true });
    await this.deps.emit('recording.paused', sessionId, true);
    const { state: first, prompt } = await this.capture.start(sessionId, state.ivr);
    return respond(first.field, prompt.text, await this.formOf(sessionId), first);
  }

  /** Recording or streaming could not be stopped: no card prompt is ever played, the session aborts. */
  public async onRecordingFailed(state: ConnectCaptureState): Promise<FlowResponse> {
    const { sessionId } = state;
    this.deps.log.error('recording could not be suspended', { sessionId });
    await this.deps.emit('recording.pause-failed', sessionId, false, { error: 'UpdateContactRecordingBehavior' });
    await this.deps.failCapture(sessionId, CONNECT_ERROR.recordingPauseFailed, 'call recording could not be suspended, so no card details were requested');
    return respond('done', promptsFor(state.ivr.language).unavailable, '', state);
  }

  // -------------------------------------------------------------------------------------------
  // card entry

  /** One field as the flow stored it: `Timeout` or Encryption SDK ciphertext. Answers valid / invalid, never the digits. */
  public async onField(state: ConnectCaptureState, field: string, storedInput: string | undefined): Promise<FieldResponse> {
    const { sessionId } = state;
    const session = await this.deps.getSession(sessionId);
    const formId = session?.formId ?? '';
    if (!session || FINISHED.has(session.status)) {
      // The agent cancelled, or the session ended otherwise: nothing more is taken.
      return { ...this.finishedResponse(state, session), result: 'failed', reason: 'the secure session has ended' };
    }
    const reentry = await this.deps.takeReentryRequest(sessionId);
    if (reentry !== undefined && FIELD_ORDER.indexOf(reentry) <= FIELD_ORDER.indexOf(state.field)) {
      // The agent asked for this field or an earlier one again: the entry just keyed is dropped unopened
      // and card entry goes on from the asked field (the later ones are asked again in order).
      this.deps.log.info('agent asked for a field again', { sessionId, field: reentry });
      await this.deps.emit('field.restarted', sessionId, true, { field: reentry, reason: 'agent asked for the field again' });
      const asked: ConnectCaptureState = { ...state, field: reentry, tries: 0 };
      const prompt = await this.capture.prompt(asked, 'restart');
      return { ...respond(reentry, prompt.text, formId, asked), result: 'restart', reason: 'the agent asked for this field again' };
    }
    if (reentry !== undefined) this.deps.log.info('re-entry request ignored: the caller has not reached that field', { sessionId, field: reentry });
    if (field !== state.field) {
      this.deps.log.warn('field out of order', { sessionId, expected: state.field });
      const prompt = await this.capture.prompt(state, 'restart');
      return { ...respond(state.field, prompt.text, formId, state), result: 'restart', reason: 'the flow asked for another field' };
    }
    let received: string | undefined;
    if (storedInput !== undefined && storedInput !== '' && storedInput !== TIMEOUT_ENTRY) {
      try {
        received = await this.deps.decrypt(storedInput);
      } catch (err) {
        const name = err instanceof Error ? err.name : 'UnknownError';
        this.deps.log.error('stored input could not be opened', { sessionId, field: state.field, error: name });
        await this.deps.failCapture(sessionId, CONNECT_ERROR.flowKeyFailed, `the stored customer input could not be decrypted (${name})`);
        return {
          ...respond('done', promptsFor(state.ivr.language).aborted, formId, state),
          result: 'failed',
          reason: 'the card details could not be read securely',
        };
      }
    }
    const entry: EntryResult = await this.capture.onEntry(state, received);
    received = undefined;
    if (entry.kind === 'prompt')
      return { ...respond(entry.state.field as CardField, entry.prompt.text, formId, entry.state), result: entry.result, reason: entry.reason };
    const held: ConnectCaptureState = { ...entry.state, heldSince: this.deps.now().getTime() };
    return { ...respond('wait', entry.text, formId, held), result: entry.captured ? 'valid' : 'failed', reason: entry.reason };
  }

  /**
   * A card prompt block failed (not a time-out): the session aborts. Connect gives the flow no reason, but
   * an encrypted input block fails when its certificate has expired: then the flow key is named, so the
   * agent reads that an administrator must rotate it rather than a vague telephony failure.
   */
  public async onInputFailed(state: ConnectCaptureState | undefined): Promise<FlowResponse> {
    if (!state) return respond('done', promptsFor(this.deps.defaultLanguage).unavailable);
    const keyExpired = await this.deps.flowKeyExpired().catch(() => false);
    this.deps.log.error('card prompt failed in the flow', { sessionId: state.sessionId, field: state.field, flowKeyExpired: keyExpired });
    if (keyExpired)
      await this.deps.failCapture(
        state.sessionId,
        CONNECT_ERROR.flowKeyFailed,
        'the secure flow could not prompt for a card field: the flow security key certificate has expired',
      );
    else await this.deps.failCapture(state.sessionId, CONNECT_ERROR.telephonyFailed, 'the secure flow could not prompt for a card field');
    return respond('done', promptsFor(state.ivr.language).unavailable, '', state);
  }

  // -------------------------------------------------------------------------------------------
  // the outcome

  /** Waits (at most STATUS_WAIT_MS) for the outcome; `wait` asks the flow to call again. */
  public async status(state: ConnectCaptureState): Promise<FlowResponse> {
    const started = this.deps.now().getTime();
    const heldSince = state.heldSince ?? started;
    for (;;) {
      const session = await this.deps.getSession(state.sessionId);
      if (!session || FINISHED.has(session.status)) return this.backToAgent(state, session);
      const now = this.deps.now().getTime();
      if (now - heldSince >= OUTCOME_WAIT_LIMIT_MS) {
        // The workflow never reported back: do not leave the caller on hold for ever.
        this.deps.log.error('no outcome from the workflow; returning caller to agent', { sessionId: state.sessionId });
        return this.backToAgent(state, undefined);
      }
      if (now - started >= STATUS_WAIT_MS) return respond('wait', '', '', { ...state, heldSince });
      await this.deps.sleep(POLL_MS);
    }
  }

  private async backToAgent(state: ConnectCaptureState, session: SessionRecord | undefined): Promise<FlowResponse> {
    // The flow turns recording back on and takes the agent off hold right after saying this.
    await this.deps.recordProgress(state.sessionId, { recordingResumed: true }).catch(() => undefined);
    await this.deps.emit('recording.resumed', state.sessionId, true);
    await this.deps.emit('agent.reconnected', state.sessionId, true);
    return this.finishedResponse(state, session);
  }

  private finishedResponse(state: ConnectCaptureState, session: SessionRecord | undefined): FlowResponse {
    const prompts = promptsFor(state.ivr.language);
    const text = session ? outcomeText(prompts, session.status, session.transactionId ?? '') : prompts.unavailable;
    return respond('done', text, '', state);
  }

  private async formOf(sessionId: string): Promise<string> {
    return (await this.deps.getSession(sessionId))?.formId ?? '';
  }
}
