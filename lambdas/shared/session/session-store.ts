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
