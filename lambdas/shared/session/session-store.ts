/**
 * The session table's one repository: every key of the table is read and written here, nowhere else.
 *
 * | key                     | item                                                                 | written by            |
 * |-------------------------|----------------------------------------------------------------------|-----------------------|
 * | `<sessionId>`           | the session: status, progress, outcome, GetKey's task token           | Begin, GetKey, SMA, End, Abort |
 * | `call#<callId>`         | the call's lock: which session holds the call (one at a time)          | Begin, End, Abort     |
 * | `request#<sessionId>`   | the agent's request: form fields (non-confidential), retry link, close, cancel request, re-entry request (Connect) | agent API; GetKey and the Connect capture function read |
 * | `interaction#<callId>`  | the session ids started on a call, for history                         | agent API             |
 * | `call#<callId>#agent`   | the call's owner: the agent leg that answered the bridge, parties      | SMA adapter; agent API reads |
 *
 * Never card data. The task token is kept here, out of TransactionAttributes, and taken exactly once.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SessionContext, SessionOutcome, SessionRequest, SessionStatus } from './contract';
import { dynamoLib } from '../sdk';
import type { CardField } from '../card/card-fields';

export interface SessionStoreDeps {
  ddb: DynamoDBDocumentClient;
  tableName: string;
  now: () => Date;
}

/** Sessions stay readable for the agent and supervisors for 90 days. */
const SESSION_RETENTION_SECONDS = 90 * 24 * 3600;
/** A lock outlives any session it guards only by a little: the longest capture plus validation. */
const LOCK_SECONDS = 3600;

export interface FieldProgress {
  status: 'prompted' | 'invalid' | 'captured';
  attempts: number;
}

export interface SessionRecord {
  sessionId: string;
  callTransactionId: string;
  agentId: string;
  formId: string;
  transactionId?: string;
  status: SessionStatus;
  createdAt: string;
  updatedAt: string;
  progress?: Partial<Record<CardField, FieldProgress>>;
  brand?: string;
  last4?: string;
  details?: string;
  resultLine?: string;
  hungUpAt?: string;
  recordingPausedAt?: string;
  recordingResumedAt?: string;
  /** When GetKey asked the call for card entry (the start of the capture-time metric). */
  captureRequestedAt?: string;
}

/** Another session already holds the call. */
export class SessionAlreadyRunningError extends Error {
  public constructor() {
    super('A secure session is already running on this call. Wait for it to end or cancel it first.');
    this.name = 'SessionAlreadyRunningError';
  }
}

const lockKey = (callTransactionId: string): string => `call#${callTransactionId}`;
const requestKey = (sessionId: string): string => `request#${sessionId}`;
const interactionKey = (callTransactionId: string): string => `interaction#${callTransactionId}`;
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const isConditionFailure = (err: unknown): boolean => err instanceof Error && err.name === 'ConditionalCheckFailedException';

/** How long a payment reference stays reserved (longer than any finance window). */
const REFERENCE_RETENTION_SECONDS = 400 * 24 * 3600;

/**
 * Reserves a payment reference for a session with a conditional write, so no two sessions ever share
 * one (it is the validation service's Idempotency-Key). False when another session holds it already.
 */
export async function reservePaymentReference(deps: SessionStoreDeps, reference: string, sessionId: string): Promise<boolean> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now();
  try {
    await deps.ddb.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { sessionId: `ref#${reference}`, referenceOf: sessionId, createdAt: now.toISOString(), expiresAt: seconds(now) + REFERENCE_RETENTION_SECONDS },
        ConditionExpression: 'attribute_not_exists(sessionId)',
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** Takes the call's lock for a session, then writes the session item. */
export async function createSession(deps: SessionStoreDeps, request: SessionRequest, context: SessionContext): Promise<void> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now();
  try {
    await deps.ddb.send(
      new PutCommand({
        TableName: deps.tableName,
        Item: { sessionId: lockKey(request.callTransactionId), activeSessionId: request.sessionId, expiresAt: seconds(now) + LOCK_SECONDS },
        ConditionExpression: 'attribute_not_exists(activeSessionId) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': seconds(now) },
      }),
    );
  } catch (err) {
    if (isConditionFailure(err)) throw new SessionAlreadyRunningError();
    throw err;
  }
  const record: SessionRecord & { expiresAt: number } = {
    sessionId: request.sessionId,
    callTransactionId: request.callTransactionId,
    agentId: request.agentId,
    formId: request.formId,
    transactionId: context.transactionId,
    status: 'requested',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    progress: {},
    expiresAt: seconds(now) + SESSION_RETENTION_SECONDS,
  };
  await deps.ddb.send(new PutCommand({ TableName: deps.tableName, Item: record, ConditionExpression: 'attribute_not_exists(sessionId)' }));
}

export async function getSession(deps: SessionStoreDeps, sessionId: string): Promise<SessionRecord | undefined> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId }, ConsistentRead: true }));
  if (!Item || typeof Item.status !== 'string') return undefined;
  const { taskToken: _hidden, expiresAt: _ttl, ...record } = Item;
  return record as SessionRecord;
}

/** Keeps GetKey's task token and moves the session to its next status. */
export async function saveTaskToken(deps: SessionStoreDeps, sessionId: string, taskToken: string): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { sessionId },
      UpdateExpression: 'SET taskToken = :t, #s = :s, updatedAt = :now, captureRequestedAt = :now',
      ConditionExpression: 'attribute_exists(sessionId)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':t': taskToken, ':s': 'separating', ':now': deps.now().toISOString() },
    }),
  );
}

/** Removes and returns the task token; undefined when it was already taken (a duplicate event). */
export async function takeTaskToken(deps: SessionStoreDeps, sessionId: string): Promise<string | undefined> {
  return (await takeTaskTokenTimed(deps, sessionId)).token;
}

/** takeTaskToken, plus when GetKey asked for card entry (same single update; for the capture-time metric). */
export async function takeTaskTokenTimed(deps: SessionStoreDeps, sessionId: string): Promise<{ token?: string; captureRequestedAt?: string }> {
  const { UpdateCommand } = await dynamoLib();
  try {
    const result = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId },
        UpdateExpression: 'REMOVE taskToken, captureRequestedAt SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(taskToken)',
        ExpressionAttributeValues: { ':now': deps.now().toISOString() },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const token = result.Attributes?.taskToken;
    const requested = result.Attributes?.captureRequestedAt;
    return { ...(typeof token === 'string' ? { token } : {}), ...(typeof requested === 'string' ? { captureRequestedAt: requested } : {}) };
  } catch (err) {
    if (isConditionFailure(err)) return {};
    throw err;
  }
}

export interface ProgressUpdate {
  status?: SessionStatus;
  field?: { name: CardField; progress: FieldProgress };
  brand?: string;
  last4?: string;
  hungUp?: boolean;
  recordingPaused?: boolean;
  recordingResumed?: boolean;
}

/** Records what the agent may see about progress: statuses, attempts, brand and last four. */
export async function recordProgress(deps: SessionStoreDeps, sessionId: string, update: ProgressUpdate): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  const now = deps.now().toISOString();
  const sets = ['updatedAt = :now'];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': now };
  if (update.status) {
    sets.push('#s = :s');
    names['#s'] = 'status';
    values[':s'] = update.status;
  }
  if (update.field) {
    sets.push('progress.#f = :fp');
    names['#f'] = update.field.name;
    values[':fp'] = update.field.progress;
  }
  if (update.brand) {
    sets.push('brand = :b');
    values[':b'] = update.brand;
  }
  if (update.last4) {
    sets.push('last4 = :l');
    values[':l'] = update.last4;
  }
  if (update.hungUp) sets.push('hungUpAt = :now');
  if (update.recordingPaused) sets.push('recordingPausedAt = :now');
  if (update.recordingResumed) sets.push('recordingResumedAt = :now');
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { sessionId },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(sessionId)',
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: values,
    }),
  );
}

/** Writes the final outcome and releases the call's lock (only if this session holds it). */
export async function finishSession(deps: SessionStoreDeps, callTransactionId: string, outcome: SessionOutcome): Promise<void> {
  const { UpdateCommand, DeleteCommand } = await dynamoLib();
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { sessionId: outcome.sessionId },
      UpdateExpression: 'SET #s = :s, details = :d, resultLine = :r, updatedAt = :now, endedAt = :now REMOVE taskToken',
      ConditionExpression: 'attribute_exists(sessionId)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': outcome.status, ':d': outcome.details, ':r': outcome.resultLine ?? '', ':now': deps.now().toISOString() },
    }),
  );
  try {
    await deps.ddb.send(
      new DeleteCommand({
        TableName: deps.tableName,
        Key: { sessionId: lockKey(callTransactionId) },
        ConditionExpression: 'activeSessionId = :sid',
        ExpressionAttributeValues: { ':sid': outcome.sessionId },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

/** Agent requests and history stay as long as the sessions they explain. */
const REQUEST_RETENTION_SECONDS = SESSION_RETENTION_SECONDS;

/** What the agent asked for; only non-confidential form fields. */
export interface AgentRequestRecord {
  sessionId: string;
  agentId: string;
  /** The call the session runs on (the Chime TransactionId; the agent API calls it the interaction id). */
  callTransactionId: string;
  formId: string;
  fields: Record<string, string>;
  retryOf?: string;
  createdAt?: string;
  closedAt?: string;
  /** Set when the agent asked to cancel; GetKey honours it if the session has not reached the caller yet. */
  cancelRequestedAt?: string;
}

/** Keeps the agent's request and adds the session to the call's history. */
export async function saveAgentRequest(
  deps: SessionStoreDeps,
  request: Omit<AgentRequestRecord, 'createdAt' | 'closedAt' | 'cancelRequestedAt'>,
): Promise<void> {
  const { PutCommand, UpdateCommand } = await dynamoLib();
  const now = deps.now();
  const expiresAt = seconds(now) + REQUEST_RETENTION_SECONDS;
  await deps.ddb.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        sessionId: requestKey(request.sessionId),
        agentId: request.agentId,
        interactionId: request.callTransactionId,
        formId: request.formId,
        fields: request.fields,
        ...(request.retryOf ? { retryOf: request.retryOf } : {}),
        createdAt: now.toISOString(),
        expiresAt,
      },
      ConditionExpression: 'attribute_not_exists(sessionId)',
    }),
  );
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { sessionId: interactionKey(request.callTransactionId) },
      UpdateExpression: 'SET sessionIds = list_append(if_not_exists(sessionIds, :empty), :id), expiresAt = :exp, updatedAt = :now',
      ExpressionAttributeValues: { ':empty': [], ':id': [request.sessionId], ':exp': expiresAt, ':now': now.toISOString() },
    }),
  );
}

/** The agent's request for a session, or undefined when the agent API never saw it. */
export async function getAgentRequest(deps: SessionStoreDeps, sessionId: string): Promise<AgentRequestRecord | undefined> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId: requestKey(sessionId) }, ConsistentRead: true }));
  if (!Item) return undefined;
  const text = (key: string): string | undefined => (typeof Item[key] === 'string' ? (Item[key] as string) : undefined);
  const optional = (key: keyof AgentRequestRecord, value: string | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    sessionId,
    agentId: text('agentId') ?? '',
    callTransactionId: text('interactionId') ?? '',
    formId: text('formId') ?? '',
    fields: (Item.fields ?? {}) as Record<string, string>,
    ...optional('retryOf', text('retryOf')),
    ...optional('createdAt', text('createdAt')),
    ...optional('closedAt', text('closedAt')),
    ...optional('cancelRequestedAt', text('cancelRequestedAt')),
  };
}

/** Marks the agent's request closed (the agent read the outcome). */
export async function closeAgentRequest(deps: SessionStoreDeps, sessionId: string): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.tableName,
      Key: { sessionId: requestKey(sessionId) },
      UpdateExpression: 'SET closedAt = :now',
      ConditionExpression: 'attribute_exists(sessionId)',
      ExpressionAttributeValues: { ':now': deps.now().toISOString() },
    }),
  );
}

/**
 * Records the agent's wish to cancel. The stage that holds the session honours it: whoever holds
 * GetKey's task token (the agent API now, or GetKey once it has stored the token) fails it.
 * Returns false when the agent API never saw the session.
 */
export async function requestCancel(deps: SessionStoreDeps, sessionId: string): Promise<boolean> {
  const { UpdateCommand } = await dynamoLib();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId: requestKey(sessionId) },
        UpdateExpression: 'SET cancelRequestedAt = if_not_exists(cancelRequestedAt, :now)',
        ConditionExpression: 'attribute_exists(sessionId)',
        ExpressionAttributeValues: { ':now': deps.now().toISOString() },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/**
 * Records the agent's wish that the caller key one field again, on a call whose flow drives card entry
 * (Amazon Connect: the agent API cannot reach into the flow, so the capture function takes the wish at its
 * next turn). A newer wish replaces an older one not yet taken. False when the agent API never saw the session.
 */
export async function requestReentry(deps: SessionStoreDeps, sessionId: string, field: CardField): Promise<boolean> {
  const { UpdateCommand } = await dynamoLib();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId: requestKey(sessionId) },
        UpdateExpression: 'SET reentryField = :f, reentryRequestedAt = :now',
        ConditionExpression: 'attribute_exists(sessionId)',
        ExpressionAttributeValues: { ':f': field, ':now': deps.now().toISOString() },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailure(err)) return false;
    throw err;
  }
}

/** Takes (once) the field the agent asked to be keyed again; undefined when no wish is waiting. */
export async function takeReentryRequest(deps: SessionStoreDeps, sessionId: string): Promise<CardField | undefined> {
  const { UpdateCommand } = await dynamoLib();
  try {
    const { Attributes } = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId: requestKey(sessionId) },
        UpdateExpression: 'REMOVE reentryField, reentryRequestedAt',
        ConditionExpression: 'attribute_exists(reentryField)',
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const field = Attributes?.reentryField;
    return field === 'pan' || field === 'exp' || field === 'cvv' ? field : undefined;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

/** True when the agent asked to cancel this session. */
export async function cancelRequested(deps: SessionStoreDeps, sessionId: string): Promise<boolean> {
  return (await getAgentRequest(deps, sessionId))?.cancelRequestedAt !== undefined;
}

/**
 * GetKey's side of a cancel. Stores the task token first and reads the agent's wish second (the agent
 * API records the wish first and takes the token second), so whichever comes last sees the other:
 * - `kept`: no cancel; card entry may begin;
 * - `cancel`: the agent cancelled and GetKey took the token back, so GetKey must fail its task;
 * - `cancelled`: the agent cancelled (or the caller hung up) and the other side already took the token
 *   and failed the task;
 * - `hung-up`: the caller hung up before card entry began and GetKey took the token back.
 */
export async function keepTaskToken(deps: SessionStoreDeps, sessionId: string, taskToken: string): Promise<'kept' | 'cancel' | 'cancelled' | 'hung-up'> {
  await saveTaskToken(deps, sessionId, taskToken);
  // A hang-up recorded before the token was kept (Connect's contact events record it, then look for a
  // token) is GetKey's to honour, in the same order as the agent's cancel.
  const [cancel, session] = await Promise.all([cancelRequested(deps, sessionId), getSession(deps, sessionId)]);
  if (!cancel && session?.hungUpAt === undefined) return 'kept';
  if ((await takeTaskToken(deps, sessionId)) === undefined) return 'cancelled';
  return cancel ? 'cancel' : 'hung-up';
}

/** The session ids started on a call, oldest first. */
export async function sessionIdsOnCall(deps: SessionStoreDeps, callTransactionId: string): Promise<string[]> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(
    new GetCommand({ TableName: deps.tableName, Key: { sessionId: interactionKey(callTransactionId) }, ConsistentRead: true }),
  );
  return Array.isArray(Item?.sessionIds) ? (Item.sessionIds as unknown[]).filter((v): v is string => typeof v === 'string') : [];
}

/** True while a session holds the call's lock (an expired lock does not count). */
export async function callLockHeld(deps: SessionStoreDeps, callTransactionId: string): Promise<boolean> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId: lockKey(callTransactionId) }, ConsistentRead: true }));
  return typeof Item?.activeSessionId === 'string' && Number(Item.expiresAt) > seconds(deps.now());
}

/** The agent who started a session (read by the push channel to route a message), or undefined. */
export async function sessionOwner(deps: Pick<SessionStoreDeps, 'ddb' | 'tableName'>, sessionId: string): Promise<string | undefined> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId }, ProjectionExpression: 'agentId' }));
  return typeof Item?.agentId === 'string' ? Item.agentId : undefined;
}

// ---------------------------------------------------------------------------------------------
// Who answered the call (security review item 6): the IVR writes it when the bridge to the agent answers,
// the agent API reads it before letting anyone act on the call. Never written from anything a client sends.

/** The agent leg the IVR bridged, as the telephony service reported it. */
export interface CallAgentRecord {
  callTransactionId: string;
  /** The bridged leg (LEG-B) call id. */
  agentLegCallId: string;
  /** The endpoint the bridge reached (LEG-B `To`: a number or SIP user part). */
  endpoint?: string;
  /** The agent the answering side named (SIP header `x-secure-ivr-agent` on an AWS endpoint), if any. */
  agentHeader?: string;
  /** Legs connected when the bridge answered (caller + agent = 2). */
  parties: number;
  /** False once the agent leg hung up outside a secure session. */
  connected: boolean;
  answeredAt: string;
  updatedAt: string;
}

/** A separate item from the call's session lock (`call#<id>`), which finishSession deletes. */
const callAgentKey = (callTransactionId: string): string => `call#${callTransactionId}#agent`;
/** As long as a call may last (SMA calls are capped well below a day). */
const CALL_AGENT_SECONDS = 24 * 3600;

/** Records the agent leg that answered the bridge (each re-bridge replaces it). */
export async function recordCallAgent(deps: SessionStoreDeps, record: Omit<CallAgentRecord, 'answeredAt' | 'updatedAt' | 'connected'>): Promise<void> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now();
  await deps.ddb.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: {
        ...record,
        sessionId: callAgentKey(record.callTransactionId),
        connected: true,
        answeredAt: now.toISOString(),
        updatedAt: now.toISOString(),
        expiresAt: seconds(now) + CALL_AGENT_SECONDS,
      },
    }),
  );
}

/** Marks the agent leg gone (only the leg recorded: a later bridge is not undone by an old leg's hang-up). */
export async function recordCallAgentGone(deps: SessionStoreDeps, callTransactionId: string, agentLegCallId: string | undefined): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId: callAgentKey(callTransactionId) },
        UpdateExpression: 'SET #c = :f, updatedAt = :now',
        ConditionExpression: agentLegCallId === undefined ? 'attribute_exists(sessionId)' : 'agentLegCallId = :leg',
        ExpressionAttributeNames: { '#c': 'connected' },
        ExpressionAttributeValues: { ':f': false, ':now': deps.now().toISOString(), ...(agentLegCallId === undefined ? {} : { ':leg': agentLegCallId }) },
      }),
    );
  } catch (err) {
    if (!isConditionFailure(err)) throw err;
  }
}

/** The call's agent leg record, or undefined when no bridge to an agent was ever recorded (or it expired). */
export async function getCallAgent(deps: SessionStoreDeps, callTransactionId: string): Promise<CallAgentRecord | undefined> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(
    new GetCommand({ TableName: deps.tableName, Key: { sessionId: callAgentKey(callTransactionId) }, ConsistentRead: true }),
  );
  if (!Item || typeof Item.agentLegCallId !== 'string' || !(Number(Item.expiresAt) > seconds(deps.now()))) return undefined;
  const { sessionId: _key, expiresAt: _ttl, ...record } = Item;
  return record as CallAgentRecord;
}

// ---------------------------------------------------------------------------------------------
// Amazon Connect: the request the agent's console leaves for the flow's claim function (`pending#<call>`,
// short-lived, taken at most once, only non-confidential form fields), and a caller's hang-up noted by the
// contact events (`hangup#<call>`) for a claim still opening a session on that call.

/** A request not claimed within this time is ignored (the agent sends it again). */
export const PENDING_REQUEST_SECONDS = 600;

const pendingKey = (callId: string): string => `pending#${callId}`;

/** Leaves (or replaces) the request for a call. */
export async function putPendingRequest(deps: SessionStoreDeps, request: SessionRequest): Promise<void> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now();
  await deps.ddb.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { sessionId: pendingKey(request.callTransactionId), request, createdAt: now.toISOString(), expiresAt: seconds(now) + PENDING_REQUEST_SECONDS },
    }),
  );
}

/** Takes the request for a call: removed as it is read, so two transfers cannot both claim it. */
export async function takePendingRequest(deps: SessionStoreDeps, callId: string): Promise<SessionRequest | undefined> {
  const { DeleteCommand } = await dynamoLib();
  const { Attributes } = await deps.ddb.send(new DeleteCommand({ TableName: deps.tableName, Key: { sessionId: pendingKey(callId) }, ReturnValues: 'ALL_OLD' }));
  if (!Attributes || typeof Attributes.expiresAt !== 'number' || Attributes.expiresAt <= seconds(deps.now())) return undefined;
  const request = Attributes.request as SessionRequest | undefined;
  return request && typeof request.sessionId === 'string' && request.callTransactionId === callId ? request : undefined;
}

const hangUpKey = (callId: string): string => `hangup#${callId}`;

/**
 * Notes that the caller on a call hung up (Connect's contact events), so a claim still opening a session
 * on that call fails it instead of leaving it to wait for card entry that can never come.
 */
export async function markCallHungUp(deps: SessionStoreDeps, callId: string): Promise<void> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now();
  await deps.ddb.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { sessionId: hangUpKey(callId), hungUpAt: now.toISOString(), expiresAt: seconds(now) + PENDING_REQUEST_SECONDS },
    }),
  );
}

/** Whether the caller on a call has hung up (see markCallHungUp). */
export async function callHungUp(deps: SessionStoreDeps, callId: string): Promise<boolean> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId: hangUpKey(callId) }, ConsistentRead: true }));
  return Item !== undefined && typeof Item.expiresAt === 'number' && Item.expiresAt > seconds(deps.now());
}
