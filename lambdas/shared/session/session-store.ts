/**
 * The session table: one item per secure session (status, progress, outcome — never card data) and
 * one lock item per call so a call never has two sessions at once. The task token that GetKey waits
 * on is kept here, out of TransactionAttributes, and taken exactly once.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SessionContext, SessionOutcome, SessionRequest, SessionStatus } from './contract';
import { dynamoLib } from '../sdk';

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
  progress?: Partial<Record<'pan' | 'exp' | 'cvv', FieldProgress>>;
  brand?: string;
  last4?: string;
  details?: string;
  resultLine?: string;
  hungUpAt?: string;
  recordingPausedAt?: string;
  recordingResumedAt?: string;
}

/** Another session already holds the call. */
export class SessionAlreadyRunningError extends Error {
  public constructor() {
    super('A secure session is already running on this call. Wait for it to end or cancel it first.');
    this.name = 'SessionAlreadyRunningError';
  }
}

const lockKey = (callTransactionId: string): string => `call#${callTransactionId}`;
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const isConditionFailure = (err: unknown): boolean => err instanceof Error && err.name === 'ConditionalCheckFailedException';

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
      UpdateExpression: 'SET taskToken = :t, #s = :s, updatedAt = :now',
      ConditionExpression: 'attribute_exists(sessionId)',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':t': taskToken, ':s': 'separating', ':now': deps.now().toISOString() },
    }),
  );
}

/** Removes and returns the task token; undefined when it was already taken (a duplicate event). */
export async function takeTaskToken(deps: SessionStoreDeps, sessionId: string): Promise<string | undefined> {
  const { UpdateCommand } = await dynamoLib();
  try {
    const result = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId },
        UpdateExpression: 'REMOVE taskToken SET updatedAt = :now',
        ConditionExpression: 'attribute_exists(taskToken)',
        ExpressionAttributeValues: { ':now': deps.now().toISOString() },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const token = result.Attributes?.taskToken;
    return typeof token === 'string' ? token : undefined;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

export interface ProgressUpdate {
  status?: SessionStatus;
  field?: { name: 'pan' | 'exp' | 'cvv'; progress: FieldProgress };
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
      Item: { ...record, sessionId: callAgentKey(record.callTransactionId), connected: true, answeredAt: now.toISOString(), updatedAt: now.toISOString(), expiresAt: seconds(now) + CALL_AGENT_SECONDS },
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
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId: callAgentKey(callTransactionId) }, ConsistentRead: true }));
  if (!Item || typeof Item.agentLegCallId !== 'string' || !(Number(Item.expiresAt) > seconds(deps.now()))) return undefined;
  const { sessionId: _key, expiresAt: _ttl, ...record } = Item;
  return record as CallAgentRecord;
}
