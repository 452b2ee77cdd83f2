/**
 * The agent API's domain: which forms an agent may use, starting a secure session on a call with the
 * form's fields, cancelling it, retrying it, asking the caller to key a field again, closing it, and the
 * per-interaction history supervisors read. Every refusal is an AgentRequestRefusedError with a code.
 *
 * Pure apart from its ports (session table, workflow, telephony, interaction directory, clock), so the
 * AWS handlers and the sandbox run the same checks.
 */
import type { CallUpdate, SessionRequest, SessionStatus } from '../shared/session/contract';
import { agentAccess, checkFieldValues, initiateRefusal, type FormDefinition, type FormsConfig, type Right, type TokenRight } from '../shared/session/forms';
import { getSession, takeTaskToken, type SessionRecord, type SessionStoreDeps } from '../shared/session/session-store';
import { AgentRequestRefusedError } from './errors';
import { isInteractionId, isSessionId } from '../shared/session/ids';
import type { InteractionDirectory, InteractionInfo } from './interactions';
import { dynamoLib } from '../shared/sdk';

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
  sleep(ms: number): Promise<void>;
  /** Told when a session starts (the sandbox's push hub learns the owner without a table read). */
  onSessionStarted?(agentId: string, sessionId: string): void;
}

/** The error name a cancel fails GetKey with; Abort reports it. */
export const AGENT_CANCELLED = 'AgentCancelled';
const FINISHED = new Set<SessionStatus>(['accepted', 'declined', 'unknown', 'aborted']);
const CARD_FIELD_LABEL = { pan: 'Card number', exp: 'Expiry date', cvv: 'Security code' } as const;
type CardField = keyof typeof CARD_FIELD_LABEL;
/** How long a cancel waits for GetKey to hand its token over (the workflow is still in Begin). */
const CANCEL_WAIT_ROUNDS = 40;
const CANCEL_WAIT_MS = 150;
/** How long a retry waits for the agent to be back on the call (≈ 6 s). */
const RECONNECT_WAIT_ROUNDS = 40;
/** Kept for retry and history; only non-confidential form fields. */
const REQUEST_RETENTION_SECONDS = 90 * 24 * 3600;

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
}

export interface InteractionHistory {
  interactionId: string;
  connected?: boolean;
  parties?: number;
  secureInputUses: number;
  outcomes: { accepted: number; declined: number; unknown: number; aborted: number; running: number };
  sessions: SessionView[];
}

const requestKey = (sessionId: string): string => `request#${sessionId}`;
const interactionKey = (interactionId: string): string => `interaction#${interactionId}`;
const lockKey = (interactionId: string): string => `call#${interactionId}`;

export function formView(form: FormDefinition): FormView {
  return {
    id: form.id,
    type: form.type,
    title: form.title,
    description: form.description,
    language: form.ivr.language,
    cardFields: form.cardFields.map((id) => ({ id, label: CARD_FIELD_LABEL[id] })),
    fields: form.fields.map((f) => ({ id: f.id, displayName: f.displayName, required: f.required, ...(f.pattern ? { pattern: f.pattern } : {}), ...(f.example ? { example: f.example } : {}) })),
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
    const refusal = this.deps.config.workgroups ? initiateRefusal(this.deps.config, agent.userId, body.formId) : { code: 'no-right' as const, reason: 'no workgroups are configured, so nobody may start secure input' };
    if (refusal) throw new AgentRequestRefusedError(refusal.code, `Secure input refused: ${refusal.reason}`);
    const form = this.deps.config.forms.find((f) => f.id === body.formId) as FormDefinition;

    const info = await this.deps.interactions.describe(body.interactionId);
    if (!info) throw new AgentRequestRefusedError('unknown-interaction', 'Secure input refused: there is no such call');
    if (info.agentId !== undefined && info.agentId !== agent.userId) throw new AgentRequestRefusedError('not-your-interaction', 'Secure input refused: this call is not connected to you');
    // While a session runs the agent is off the line, so "running" is checked before "connected".
    if (await this.lockHeld(body.interactionId)) throw new AgentRequestRefusedError('session-running', 'Secure input refused: a secure session is already running on this call; wait for it to end or cancel it');
    if (info.connected === false) throw new AgentRequestRefusedError('not-connected', 'Secure input refused: the call is not connected; secure input needs a caller on the line with you');
    const parties = Math.max(info.parties ?? 2, body.parties ?? 2);
    if (parties > 2) throw new AgentRequestRefusedError('conference', `Secure input refused: secure input is not available on a conference call (${parties} parties); remove the other parties first`);
    const problems = checkFieldValues(form, body.fields);
    if (problems.length > 0) throw new AgentRequestRefusedError('invalid-fields', 'Secure input refused: check the form fields', problems);

    const sessionId = this.deps.newId();
    await this.saveRequest(sessionId, agent.userId, body, retryOf);
    this.deps.onSessionStarted?.(agent.userId, sessionId);
    await this.deps.workflow.start({ sessionId, callTransactionId: body.interactionId, agentId: agent.userId, formId: form.id, fields: { ...body.fields }, parties, ...(resend && retryOf ? { resendOf: retryOf } : {}) });
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
      progress: form.cardFields.map((field) => ({ field, label: CARD_FIELD_LABEL[field], state: 'waiting', attempts: 0 })),
      ...(retryOf ? { retryOf } : {}),
    };
  }

  public async getSession(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, true);
    return this.view(record, request);
  }

  /** Ends a running session before the card is submitted: GetKey fails, Abort destroys the data and brings the agent back. */
  public async cancel(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    let { record, request } = await this.ownSession(agent, sessionId, false);
    for (let round = 0; round < CANCEL_WAIT_ROUNDS; round += 1) {
      if (FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-cancellable', 'The secure session has already ended');
      if (record.status === 'validating') throw new AgentRequestRefusedError('not-cancellable', 'The card details were already submitted for validation; wait for the outcome');
      const token = await takeTaskToken(this.deps.store, sessionId);
      if (token) {
        await this.deps.workflow.fail(token, AGENT_CANCELLED, 'the agent cancelled the secure session');
        return { ...this.view(record, request), status: record.status, running: true };
      }
      // Before GetKey has stored its token the session is still being opened: wait for it.
      if (record.status !== 'requested') throw new AgentRequestRefusedError('not-cancellable', 'The card details were already submitted for validation; wait for the outcome');
      await this.deps.sleep(CANCEL_WAIT_MS);
      ({ record, request } = await this.ownSession(agent, sessionId, false));
    }
    throw new AgentRequestRefusedError('not-cancellable', 'The secure session is still being opened; try cancelling again in a moment');
  }

  /**
   * A new session with the same form and fields after a decline or an abort. After an unknown outcome
   * the card may have been charged, so only a resend (`{"resend": true}`) is allowed: the same form
   * fields under the same payment reference, which the validation service sees as the same
   * Idempotency-Key and so cannot charge twice. Enforced here and again by Begin.
   */
  public async retry(agent: AgentIdentity, sessionId: string, raw: unknown): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (!FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-retryable', 'The secure session is still running; cancel it first');
    if (record.status === 'accepted') throw new AgentRequestRefusedError('not-retryable', 'The payment was accepted; start a new secure input instead of retrying');
    const resend = typeof raw === 'object' && raw !== null && (raw as { resend?: unknown }).resend === true;
    if (record.status === 'unknown' && !resend) {
      throw new AgentRequestRefusedError('outcome-unknown', 'The payment status is unknown: check with the gateway before taking another payment. Only a resend with the same payment reference is allowed');
    }
    if (resend && record.status !== 'unknown') throw new AgentRequestRefusedError('not-retryable', 'Only a session whose payment status is unknown can be resent; use retry for a new payment');
    const override = resend ? undefined : typeof raw === 'object' && raw !== null && 'fields' in raw ? (raw as { fields: unknown }).fields : undefined;
    // Retry usually follows the outcome at once, while the IVR is still telling the caller and calling the agent back.
    for (let round = 0; round < RECONNECT_WAIT_ROUNDS; round += 1) {
      if ((await this.deps.interactions.describe(record.callTransactionId))?.connected !== false) break;
      await this.deps.sleep(CANCEL_WAIT_MS);
    }
    return this.startSession(agent, { interactionId: record.callTransactionId, formId: record.formId, fields: override ?? request?.fields ?? {} }, sessionId, resend);
  }

  /** Asks the caller to key one card field again (the one being keyed or one already captured). */
  public async reenter(agent: AgentIdentity, sessionId: string, raw: unknown): Promise<SessionView> {
    const field = typeof raw === 'object' && raw !== null ? (raw as { field?: unknown }).field : undefined;
    if (field !== 'pan' && field !== 'exp' && field !== 'cvv') throw new AgentRequestRefusedError('bad-request', 'field must be pan, exp or cvv');
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (record.status !== 'capturing') throw new AgentRequestRefusedError('not-capturing', 'The caller is not keying card details now, so there is nothing to re-enter');
    if (!record.progress?.[field]) throw new AgentRequestRefusedError('not-capturing', `The caller has not reached the ${CARD_FIELD_LABEL[field].toLowerCase()} yet`);
    const update: CallUpdate = { op: 'secure-reenter', sessionId, field };
    const sent = await this.deps.calls.update(record.callTransactionId, update);
    if (!sent) throw new AgentRequestRefusedError('not-connected', 'The call is no longer connected');
    return this.view(record, request);
  }

  /** Closes a finished session (the agent read the outcome); a running one must be cancelled instead. */
  public async end(agent: AgentIdentity, sessionId: string): Promise<SessionView> {
    const { record, request } = await this.ownSession(agent, sessionId, false);
    if (!FINISHED.has(record.status)) throw new AgentRequestRefusedError('not-finished', 'The secure session is still running; cancel it to end it now');
    const { UpdateCommand } = await dynamoLib();
    await this.deps.store.ddb.send(
      new UpdateCommand({
        TableName: this.deps.store.tableName,
        Key: { sessionId: requestKey(sessionId) },
        UpdateExpression: 'SET closedAt = :now',
        ConditionExpression: 'attribute_exists(sessionId)',
        ExpressionAttributeValues: { ':now': this.deps.store.now().toISOString() },
      }),
    );
    return { ...this.view(record, request), closed: true };
  }

  /** How often secure input was used on a call and how each use ended. Own calls, or any with the supervise right. */
  public async history(agent: AgentIdentity, interactionId: string): Promise<InteractionHistory> {
    if (!isInteractionId(interactionId)) throw new AgentRequestRefusedError('bad-request', 'the interaction id is not valid');
    const access = this.requireRight(agent, 'secureInput');
    const supervisor = access.rights.has('superviseSecureInput');
    const { GetCommand } = await dynamoLib();
    const { Item } = await this.deps.store.ddb.send(new GetCommand({ TableName: this.deps.store.tableName, Key: { sessionId: interactionKey(interactionId) }, ConsistentRead: true }));
    const ids = Array.isArray(Item?.sessionIds) ? (Item.sessionIds as unknown[]).filter((v): v is string => typeof v === 'string') : [];
    const info = await this.deps.interactions.describe(interactionId);
    const sessions: SessionView[] = [];
    for (const id of ids.slice(-50)) {
      const record = await getSession(this.deps.store, id);
      if (!record) continue;
      if (!supervisor && record.agentId !== agent.userId) continue;
      sessions.push(this.view(record, await this.readRequest(id)));
    }
    if (!supervisor && ids.length > 0 && sessions.length === 0) throw new AgentRequestRefusedError('not-your-interaction', 'Only supervisors may see secure input on other agents\u2019 calls');
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
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.values(fields).some((v) => typeof v !== 'string')) problems.push('fields must map field ids to text');
    if (b.parties !== undefined && (typeof b.parties !== 'number' || !Number.isInteger(b.parties) || b.parties < 1 || b.parties > 100)) problems.push('parties must be a whole number from 1 to 100');
    if (problems.length > 0) throw new AgentRequestRefusedError('bad-request', 'The request is not valid', problems);
    return { interactionId: b.interactionId as string, formId: b.formId as string, fields: fields as Record<string, string>, ...(typeof b.parties === 'number' ? { parties: b.parties } : {}) };
  }

  private async lockHeld(interactionId: string): Promise<boolean> {
    const { GetCommand } = await dynamoLib();
    const { Item } = await this.deps.store.ddb.send(new GetCommand({ TableName: this.deps.store.tableName, Key: { sessionId: lockKey(interactionId) }, ConsistentRead: true }));
    return typeof Item?.activeSessionId === 'string' && Number(Item.expiresAt) > Math.floor(this.deps.store.now().getTime() / 1000);
  }

  private async saveRequest(sessionId: string, agentId: string, body: StartBody, retryOf: string | undefined): Promise<void> {
    const { PutCommand, UpdateCommand } = await dynamoLib();
    const now = this.deps.store.now();
    const expiresAt = Math.floor(now.getTime() / 1000) + REQUEST_RETENTION_SECONDS;
    await this.deps.store.ddb.send(
      new PutCommand({
        TableName: this.deps.store.tableName,
        Item: { sessionId: requestKey(sessionId), agentId, interactionId: body.interactionId, formId: body.formId, fields: body.fields, ...(retryOf ? { retryOf } : {}), createdAt: now.toISOString(), expiresAt },
        ConditionExpression: 'attribute_not_exists(sessionId)',
      }),
    );
    await this.deps.store.ddb.send(
      new UpdateCommand({
        TableName: this.deps.store.tableName,
        Key: { sessionId: interactionKey(body.interactionId) },
        UpdateExpression: 'SET sessionIds = list_append(if_not_exists(sessionIds, :empty), :id), expiresAt = :exp, updatedAt = :now',
        ExpressionAttributeValues: { ':empty': [], ':id': [sessionId], ':exp': expiresAt, ':now': now.toISOString() },
      }),
    );
  }

  private async readRequest(sessionId: string): Promise<{ fields: Record<string, string>; retryOf?: string; closedAt?: string } | undefined> {
    const { GetCommand } = await dynamoLib();
    const { Item } = await this.deps.store.ddb.send(new GetCommand({ TableName: this.deps.store.tableName, Key: { sessionId: requestKey(sessionId) } }));
    if (!Item) return undefined;
    return {
      fields: (Item.fields ?? {}) as Record<string, string>,
      ...(typeof Item.retryOf === 'string' ? { retryOf: Item.retryOf } : {}),
      ...(typeof Item.closedAt === 'string' ? { closedAt: Item.closedAt } : {}),
    };
  }

  /** The session, if this agent started it (or supervises); a session still being opened may not be in the table yet. */
  private async ownSession(agent: AgentIdentity, sessionId: string, allowSupervisor: boolean): Promise<{ record: SessionRecord; request: Awaited<ReturnType<AgentService['readRequest']>> }> {
    if (!isSessionId(sessionId)) throw new AgentRequestRefusedError('bad-request', 'the session id is not valid');
    const access = this.requireRight(agent, 'secureInput');
    const request = await this.readRequest(sessionId);
    let record = await getSession(this.deps.store, sessionId);
    if (!record && request) {
      // Begin has not written the session yet: report it as requested.
      const now = this.deps.store.now().toISOString();
      const item = await this.requestItem(sessionId);
      record = { sessionId, callTransactionId: item.interactionId, agentId: item.agentId, formId: item.formId, status: 'requested', createdAt: item.createdAt ?? now, updatedAt: now };
    }
    if (!record) throw new AgentRequestRefusedError('unknown-session', 'There is no such secure session');
    if (record.agentId !== agent.userId && !(allowSupervisor && access.rights.has('superviseSecureInput'))) {
      throw new AgentRequestRefusedError('not-your-session', 'This secure session was started by another agent');
    }
    return { record, request };
  }

  private async requestItem(sessionId: string): Promise<{ interactionId: string; agentId: string; formId: string; createdAt?: string }> {
    const { GetCommand } = await dynamoLib();
    const { Item } = await this.deps.store.ddb.send(new GetCommand({ TableName: this.deps.store.tableName, Key: { sessionId: requestKey(sessionId) } }));
    return { interactionId: String(Item?.interactionId ?? ''), agentId: String(Item?.agentId ?? ''), formId: String(Item?.formId ?? ''), ...(typeof Item?.createdAt === 'string' ? { createdAt: Item.createdAt } : {}) };
  }

  private view(record: SessionRecord, request: { retryOf?: string; closedAt?: string } | undefined): SessionView {
    const form = this.deps.config.forms.find((f) => f.id === record.formId);
    const fields: CardField[] = form?.cardFields ?? ['pan', 'exp', 'cvv'];
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
        return { field, label: CARD_FIELD_LABEL[field], state: p?.status ?? 'waiting', attempts: p?.attempts ?? 0 };
      }),
      ...(record.brand ? { brand: record.brand } : {}),
      ...(record.last4 && /^\d{4}$/.test(record.last4) ? { last4: record.last4 } : {}),
      ...(record.details ? { details: record.details } : {}),
      ...(record.resultLine ? { resultLine: record.resultLine } : {}),
      ...(request?.retryOf ? { retryOf: request.retryOf } : {}),
      ...(request?.closedAt ? { closed: true } : {}),
    };
  }
}
