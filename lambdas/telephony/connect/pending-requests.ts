/**
 * How a session starts on Amazon Connect: the agent fills the form and the console transfers the caller
 * to the Secure Input quick connect, so the request waits (`pending#<call id>`, kept by the session store)
 * until the flow's claim function takes it for that contact. Any other call starts at once.
 */
import type { SessionRequest } from '../../shared/session/contract';
import { putPendingRequest, type SessionStoreDeps } from '../../shared/session/session-store';

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
