/**
 * Requests the agent's console leaves for the Connect flow: on Connect the agent fills the form and then
 * transfers the caller with the Secure Input quick connect, so the session starts only when the flow's
 * claim function takes the request for that contact. One item per call in the session table
 * (`pending#<call id>`), short-lived, taken at most once. Only non-confidential form fields.
 */
import type { SessionRequest } from '../../shared/session/contract';
import type { SessionStoreDeps } from '../../shared/session/session-store';
import { dynamoLib } from '../../shared/sdk';

/** A request not claimed within this time is ignored (the agent sends it again). */
export const PENDING_REQUEST_SECONDS = 600;

const pendingKey = (callId: string): string => `pending#${callId}`;
const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

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

/**
 * How the agent API starts a session: on a Connect call the request waits for the flow's claim function
 * (the agent transfers the caller with the Secure Input quick connect); on any other call it starts at once.
 * Returns the execution ARN, or `pending:<call id>` for a request left for the flow.
 */
export async function startOrLeaveForFlow(
  deps: SessionStoreDeps,
  request: SessionRequest,
  start: (request: SessionRequest) => Promise<string>,
): Promise<string> {
  if (!request.callTransactionId.startsWith('connect:')) return start(request);
  await putPendingRequest(deps, request);
  return `pending:${request.callTransactionId}`;
}
