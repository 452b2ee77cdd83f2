/**
 * The agent API's domain: which forms an agent may use, starting a secure session on a call with the
 * form's fields, cancelling it, retrying it, asking the caller to key a field again, closing it, and the
 * per-interaction history supervisors read. Every refusal is an AgentRequestRefusedError with a code.
 *
 * Pure apart from its ports (the session store in lambdas/shared/session/session-store.ts, workflow,
 * telephony, interaction directory, clock), so the AWS handlers and the sandbox run the same checks.
 * It sends no AWS command itself.
 */
import { type CallUpdate, SESSION_ERROR, type SessionRequest, type SessionStatus } from '../shared/session/contract';
import { agentAccess, checkFieldValues, initiateRefusal, type FormDefinition, type FormsConfig, type Right, type TokenRight } from '../shared/session/forms';
import {
  type AgentRequestRecord,
  callLockHeld,
  closeAgentRequest,
  getAgentRequest,
  getSession,
  requestCancel,
  requestReentry,
  saveAgentRequest,
  sessionIdsOnCall,
  takeTaskToken,
  type SessionRecord,
  type SessionStoreDeps,
} from '../shared/session/session-store';
import { CARD_FIELD_LABELS, CARD_FIELDS, type CardField, isCardField } from '../shared/card/card-fields';
import { AgentRequestRefusedError } from './errors';
import { isInteractionId, isSessionId } from '../shared/session/ids';
import type { InteractionDirectory, InteractionInfo } from './interactions';
import { isConnectCall } from '../telephony/connect/connect-telephony';

export interface AgentIdentity {
  userId: string;
  /** Rights the verified token carries (Cognito groups, e.g. viewOutcomes); never taken from anything else. */
  tokenRights?: readonly TokenRight[];
}

/** The workflow: StartExecution, and failing GetKey's task token to cancel. */
export interface WorkflowPort {
  start(request: SessionRequest): Promise<string>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** UpdateSipMediaApplicationCall; false when the call is gone. */
export interface CallUpdatePort {
  update(callTransactionId: string, args: Record<string, string>): Promise<boolean>;
}

export interface AgentServiceDeps {
  config: FormsConfig;
  store: SessionStoreDeps;
  workflow: WorkflowPort;
  calls: CallUpdatePort;
  interactions: InteractionDirectory;
  newId(): string;
}

const FINISHED = new Set<SessionStatus>(['accepted', 'declined', 'unknown', 'aborted']);

export interface StartBody {
  interactionId: string;
  formId: string;
  fields: Record<string, string>;
  /** Parties the desktop sees on the call; the larger of this and what the server knows counts. */
  parties?: number;
}

export interface FormView {
  id: string;
  type: 'simple' | 'custom';
  title: string;
  description: string;
  language: string;
  cardFields: Array<{ id: CardField; label: string }>;
  fields: Array<{ id: string; displayName: string; required: boolean; pattern?: string; example?: string }>;
}

export interface SessionView {
  sessionId: string;
  interactionId: string;
  agentId: string;
  formId: string;
  status: SessionStatus;
  running: boolean;
  transactionId?: string;
  createdAt: string;
  updatedAt: string;
  progress: Array<{ field: CardField; label: string; state: 'waiting' | 'prompted' | 'invalid' | 'captured'; attempts: number }>;
  brand?: string;
  last4?: string;
  details?: string;
  resultLine?: string;
  retryOf?: string;
  closed?: boolean;
  /** The agent asked to cancel and the session has not ended yet; the outcome follows on the push channel. */
  cancelRequested?: boolean;
}

export interface InteractionHistory {
  interactionId: string;
  connected?: boolean;
  parties?: number;
  secureInputUses: number;
  outcomes: { accepted: number; declined: number; unknown: number; aborted: number; running: number };
  sessions: SessionView[];
}

export function formView(form: FormDefinition): FormView {
  return {
    id: form.id,
    type: form.type,
    title: form.title,
    description: form.description,
    language: form.ivr.language,
    cardFields: form.cardFields.map((id) => ({ id, label: CARD_FIELD_LABELS[id] })),
    fields: form.fields.map((f) => ({
      id: f.id,
      displayName: f.displayName,
      required: f.required,
      ...(f.pattern ? { pattern: f.pattern } : {}),
      ...(f.example ? { example: f.example } : {}),
    })),
  };
}

export class AgentService {
  public constructor(private readonly deps: AgentServiceDeps) {}

  /** Who the agent is and what they may do. */
  public me(agent: AgentIdentity): { userId: string; name: string; workgroups: string[]; rights: Right[]; canInitiate: boolean; canSupervise: boolean } {
    const access = this.access(agent);
    return {
      userId: access.userId,
      name: access.name,
      workgroups: access.workgroups,
      rights: [...access.rights],
      canInitiate: access.rights.has('secureInput') && access.rights.has('initiateSecureInput'),
      canSupervise: access.rights.has('superviseSecureInput'),
    };
  }

  /** The forms assigned to the agent's workgroups (Secure Input right needed to see any). */
  public listForms(agent: AgentIdentity): FormView[] {
    const access = this.access(agent);
    if (!access.rights.has('secureInput')) throw new AgentRequestRefusedError('no-right', 'you do not hold the Secure Input right; ask your administrator');
    return access.forms.map(formView);
  }

  public async listInteractions(agent: AgentIdentity): Promise<InteractionInfo[]> {
    this.requireRight(agent, 'secureInput');
    return this.deps.interactions.listFor(agent.userId);
  }

  public async startSession(agent: AgentIdentity, raw: unknown, retryOf?: string, resend = false): Promise<SessionView> {
    const body = this.checkStartBody(raw);
    const refusal = this.deps.config.workgroups
      ? initiateRefusal(this.deps.config, agent.userId, body.formId)
      : { code: 'no-right' as const, reason: 'no workgroups are configured, so nobody may start secure input' };
    if (refusal) throw new AgentRequestRefusedError(refusal.code, `Secure input refused: ${refusal.reason}`);
    const form = this.deps.config.forms.find((f) => f.id === body.formId) as FormDefinition;

    // Who answered the call, whether they are still on it and how many parties it has come from the server
    // (the IVR's record of the bridge); a call whose owner or party count the server cannot tell is refused.
    const info = await this.deps.interactions.describe(body.interactionId);
    if (!info) throw new AgentRequestRefusedError('unknown-interaction', 'Secure input refused: there is no such call');
    if (info.agentId === undefined)
      throw new AgentRequestRefusedError(
        'owner-unknown',
        'Secure input refused: the server cannot tell which agent answered this call; ask your administrator to register your endpoint',
      );
    if (info.agentId !== agent.userId) throw new AgentRequestRefusedError('not-your-interaction', 'Secure input refused: this call is not connected to you');
    // While a session runs the agent is off the line, so "running" is checked before "connected".
    if (await callLockHeld(this.deps.store, body.interactionId))
      throw new AgentRequestRefusedError(
        'session-running',
        'Secure input refused: a secure session is already running on this call; wait for it to end or cancel it',
      );
    // A retry may find the agent still being called back after the previous session: only a caller gone refuses it.
    // A new session needs the server to know the agent is on the line.
    const notConnected = retryOf === undefined ? info.connected !== true : info.callerConnected === false;
    if (notConnected)
      throw new AgentRequestRefusedError('not-connected', 'Secure input refused: the call is not connected; secure input needs a caller on the line with you');
    if (info.parties === undefined)
      throw new AgentRequestRefusedError('conference', 'Secure input refused: the server cannot tell how many parties are on this call');
    // The desktop may only make this stricter (it can report a conference the server cannot see), never looser.
    const parties = Math.max(info.parties, body.parties ?? 0);
    if (parties > 2)
      throw new AgentRequestRefusedError(
        'conference',
        `Secure input refused: secure input is not available on a conference call (${parties} parties); remove the other parties first`,
      );
    const problems = checkFieldValues(form, body.fields);
    if (problems.length > 0) throw new AgentRequestRefusedError('invalid-fields', 'Secure input refused: check the form fields', problems);

    const sessionId = this.deps.newId();
    await saveAgentRequest(this.deps.store, {
      sessionId,
      agentId: agent.userId,
      callTransactionId: body.interactionId,
      formId: body.formId,
      fields: body.fields,
      ...(retryOf ? { retryOf } : {}),
    });
    await this.deps.workflow.start({
      sessionId,
      callTransactionId: body.interactionId,
      agentId: agent.userId,
      formId: form.id,
      fields: { ...body.fields },
      parties,
      ...(resend && retryOf ? { resendOf: retryOf } : {}),
    });
    const now = this.deps.store.now().toISOString();
    return {
      sessionId,
      interactionId: body.interactionId,
      agentId: agent.userId,
      formId: form.id,
      status: 'requested',
      running: true,
      createdAt: now,
      updatedAt: now,
      progress: form.cardFields.map((field) => ({ field, label: CARD_FIELD_LABELS[field], state: 'waiting', attempts: 0 })),
      ...(retryOf ? { retryOf } : {}),
    };
  }

  public async getSession(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, true);
    return this.view(record, request);
  }

  /**
   * Ends a running session before the card is submitted: GetKey fails, Abort destroys the data and brings
   * the agent back; the outcome reaches the agent on the push channel. The wish is recorded first and the
   * token taken second, while GetKey stores its token first and reads the wish second: so whichever of the
   * two comes last fails the token, and a cancel during Begin needs no waiting here.
   */
  public async cancel(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-cancellable', 'The secure session has already ended');
    if (record.status === 'validating')
      throw new AgentRequestRefusedError('not-cancellable', 'The card details were already submitted for validation; wait for the outcome');
    const recorded = await requestCancel(this.deps.store, sessionId);
    const token = await takeTaskToken(this.deps.store, sessionId);
    if (token) await this.deps.workflow.fail(token, SESSION_ERROR.agentCancelled, 'the agent cancelled the secure session');
    // No token and past Begin: the caller's entry already completed it, so the card is being submitted.
    else if (record.status !== 'requested')
      throw new AgentRequestRefusedError('not-cancellable', 'The card details were already submitted for validation; wait for the outcome');
    // A session started without the agent API (the CLI) has no request to record the wish on.
    else if (!recorded) throw new AgentRequestRefusedError('not-cancellable', 'The secure session is still being opened; try cancelling again in a moment');
    return { ...this.view(record, request), status: record.status, running: true, cancelRequested: true };
  }

  /**
   * A new session with the same form and fields after a decline or an abort. A retry usually follows the
   * outcome at once, while the agent is still being called back: it is recorded and started without
   * waiting here, and the telephony adapter holds the new session until the agent is bridged again.
   * After an unknown outcome the card may have been charged, so only a resend (`{"resend": true}`) is
   * allowed: the same form fields under the same payment reference, which the validation service sees
   * as the same Idempotency-Key and so cannot charge twice. Enforced here and again by Begin.
   */
  public async retry(agent: AgentIdentity, sessionId: string, raw: unknown): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (!FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-retryable', 'The secure session is still running; cancel it first');
    if (record.status === 'accepted')
      throw new AgentRequestRefusedError('not-retryable', 'The payment was accepted; start a new secure input instead of retrying');
    const resend = typeof raw === 'object' && raw !== null && (raw as { resend?: unknown }).resend === true;
    if (record.status === 'unknown' && !resend) {
      throw new AgentRequestRefusedError(
        'outcome-unknown',
        'The payment status is unknown: check with the gateway before taking another payment. Only a resend with the same payment reference is allowed',
      );
    }
    if (resend && record.status !== 'unknown')
      throw new AgentRequestRefusedError('not-retryable', 'Only a session whose payment status is unknown can be resent; use retry for a new payment');
    const override = resend ? undefined : typeof raw === 'object' && raw !== null && 'fields' in raw ? (raw as { fields: unknown }).fields : undefined;
    return this.startSession(
      agent,
      { interactionId: record.callTransactionId, formId: record.formId, fields: override ?? request?.fields ?? {} },
      sessionId,
      resend,
    );
  }

  /**
   * Asks the caller to key one card field again (the one being keyed or one already captured): on Chime a
   * call update to the IVR, on Amazon Connect a request the flow's capture function takes at its next turn.
   */
  public async reenter(agent: AgentIdentity, sessionId: string, raw: unknown): Promise<SessionView> {
    const field = typeof raw === 'object' && raw !== null ? (raw as { field?: unknown }).field : undefined;
    if (!isCardField(field)) throw new AgentRequestRefusedError('bad-request', 'field must be pan, exp or cvv');
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (record.status !== 'capturing')
      throw new AgentRequestRefusedError('not-capturing', 'The caller is not keying card details now, so there is nothing to re-enter');
    if (!record.progress?.[field])
      throw new AgentRequestRefusedError('not-capturing', `The caller has not reached the ${CARD_FIELD_LABELS[field].toLowerCase()} yet`);
    if (isConnectCall(record.callTransactionId)) {
      // On Amazon Connect the flow drives the call and cannot be reached from here: the wish is recorded and
      // the capture function honours it at its next turn (the agent hears of it as on Chime, field restarted).
      if (!(await requestReentry(this.deps.store, sessionId, field)))
        throw new AgentRequestRefusedError('not-capturing', 'This secure session was not started from the console, so re-entry cannot be asked for');
      return this.view(record, request);
    }
    const update: CallUpdate = { op: 'secure-reenter', sessionId, field };
    const sent = await this.deps.calls.update(record.callTransactionId, update);
    if (!sent) throw new AgentRequestRefusedError('not-connected', 'The call is no longer connected');
    return this.view(record, request);
  }

  /** Closes a finished session (the agent read the outcome); a running one must be cancelled instead. */
  public async end(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (!FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-finished', 'The secure session is still running; cancel it to end it now');
    await closeAgentRequest(this.deps.store, sessionId);
    return { ...this.view(record, request), closed: true };
  }

  /** How often secure input was used on a call and how each use ended. Own calls, or any with the supervise right. */
  public async history(agent: AgentIdentity, interactionId: string): Promise<InteractionHistory> {
    if (!isInteractionId(interactionId)) throw new AgentRequestRefusedError('bad-request', 'the interaction id is not valid');
    const access = this.requireRight(agent, 'secureInput');
    const supervisor = access.rights.has('superviseSecureInput');
    const ids = await sessionIdsOnCall(this.deps.store, interactionId);
    const info = await this.deps.interactions.describe(interactionId);
    if (!supervisor && info?.agentId !== undefined && info.agentId !== agent.userId)
      throw new AgentRequestRefusedError('not-your-interaction', 'Only supervisors may see secure input on other agents\u2019 calls');
    const sessions: SessionView[] = [];
    for (const id of ids.slice(-50)) {
      const record = await getSession(this.deps.store, id);
      if (!record) continue;
      if (!supervisor && record.agentId !== agent.userId) continue;
      sessions.push(this.view(record, await getAgentRequest(this.deps.store, id)));
    }
    if (!supervisor && ids.length > 0 && sessions.length === 0)
      throw new AgentRequestRefusedError('not-your-interaction', 'Only supervisors may see secure input on other agents\u2019 calls');
    const outcomes = { accepted: 0, declined: 0, unknown: 0, aborted: 0, running: 0 };
    for (const s of sessions) {
      if (s.status === 'accepted' || s.status === 'declined' || s.status === 'unknown' || s.status === 'aborted') outcomes[s.status] += 1;
      else outcomes.running += 1;
    }
    return {
      interactionId,
      ...(info?.connected !== undefined ? { connected: info.connected } : {}),
      ...(info?.parties !== undefined ? { parties: info.parties } : {}),
      secureInputUses: sessions.length,
      outcomes,
      sessions,
    };
  }

  // ------------------------------------------------------------------------------------------

  private access(agent: AgentIdentity) {
    const access = agentAccess(this.deps.config, agent.userId);
    if (!access.known) throw new AgentRequestRefusedError('no-right', 'you are not a secure input user; ask your administrator');
    return access;
  }

  private requireRight(agent: AgentIdentity, right: Right) {
    const access = this.access(agent);
    if (!access.rights.has(right)) throw new AgentRequestRefusedError('no-right', 'you do not hold the Secure Input right; ask your administrator');
    return access;
  }

  private checkStartBody(raw: unknown): StartBody {
    const problems: string[] = [];
    if (typeof raw !== 'object' || raw === null) throw new AgentRequestRefusedError('bad-request', 'the body must be a JSON object');
    const b = raw as Record<string, unknown>;
    if (!isInteractionId(b.interactionId)) problems.push('interactionId is missing or not a valid id');
    if (typeof b.formId !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(b.formId)) problems.push('formId is missing or not a valid form id');
    const fields = b.fields ?? {};
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.values(fields).some((v) => typeof v !== 'string'))
      problems.push('fields must map field ids to text');
    if (b.parties !== undefined && (typeof b.parties !== 'number' || !Number.isInteger(b.parties) || b.parties < 1 || b.parties > 100))
      problems.push('parties must be a whole number from 1 to 100');
    if (problems.length > 0) throw new AgentRequestRefusedError('bad-request', 'The request is not valid', problems);
    return {
      interactionId: b.interactionId as string,
      formId: b.formId as string,
      fields: fields as Record<string, string>,
      ...(typeof b.parties === 'number' ? { parties: b.parties } : {}),
    };
  }

  /** The session, if this agent started it (or supervises); a session still being opened may not be in the table yet. */
  private async ownSession(
    agent: AgentIdentity,
    sessionId: string,
    allowSupervisor: boolean,
  ): Promise<{ record: SessionRecord; request: AgentRequestRecord | undefined }> {
    if (!isSessionId(sessionId)) throw new AgentRequestRefusedError('bad-request', 'the session id is not valid');
    const access = this.requireRight(agent, 'secureInput');
    const request = await getAgentRequest(this.deps.store, sessionId);
    let record = await getSession(this.deps.store, sessionId);
    if (!record && request) {
      // Begin has not written the session yet: report it as requested.
      const now = this.deps.store.now().toISOString();
      record = {
        sessionId,
        callTransactionId: request.callTransactionId,
        agentId: request.agentId,
        formId: request.formId,
        status: 'requested',
        createdAt: request.createdAt ?? now,
        updatedAt: now,
      };
    }
    if (!record) throw new AgentRequestRefusedError('unknown-session', 'There is no such secure session');
    if (record.agentId !== agent.userId && !(allowSupervisor && access.rights.has('superviseSecureInput'))) {
      throw new AgentRequestRefusedError('not-your-session', 'This secure session was started by another agent');
    }
    return { record, request };
  }

  private view(record: SessionRecord, request: Pick<AgentRequestRecord, 'retryOf' | 'closedAt' | 'cancelRequestedAt'> | undefined): SessionView {
    const form = this.deps.config.forms.find((f) => f.id === record.formId);
    const fields: readonly CardField[] = form?.cardFields ?? CARD_FIELDS;
    return {
      sessionId: record.sessionId,
      interactionId: record.callTransactionId,
      agentId: record.agentId,
      formId: record.formId,
      status: record.status,
      running: !FINISHED.has(record.status),
      ...(record.transactionId ? { transactionId: record.transactionId } : {}),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      progress: fields.map((field) => {
        const p = record.progress?.[field];
        return { field, label: CARD_FIELD_LABELS[field], state: p?.status ?? 'waiting', attempts: p?.attempts ?? 0 };
      }),
      ...(record.brand ? { brand: record.brand } : {}),
      ...(record.last4 && /^\d{4}$/.test(record.last4) ? { last4: record.last4 } : {}),
      ...(record.details ? { details: record.details } : {}),
      ...(record.resultLine ? { resultLine: record.resultLine } : {}),
      ...(request?.retryOf ? { retryOf: request.retryOf } : {}),
      ...(request?.closedAt ? { closed: true } : {}),
      ...(request?.cancelRequestedAt && !FINISHED.has(record.status) ? { cancelRequested: true } : {}),
    };
  }
}
