/**
 * Step Functions task: GetKey (waitForTaskToken). Keeps the task token with the session, then asks the
 * call to separate the agent and start card entry. The SMA handler completes the token with an opaque
 * vault reference once all fields are captured (or fails it when the caller hangs up).
 *
 * It honours the agent's cancel recorded while the session was being opened (keepTaskToken): the
 * caller is never separated from the agent for a session the agent already cancelled.
 */
import { createLogger } from '../../shared/logging';
import type { GetKeyInput } from '../../shared/session/contract';
import { AgentCancelled, CallerHungUp } from '../../shared/errors';
import { keepTaskToken } from '../../shared/session/session-store';
import { stageDeps } from '../stage-deps';

const logger = createLogger('session-get-key');
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: GetKeyInput): Promise<void> => {
  deps ??= stageDeps(process.env, { sessions: true, telephony: true }, 'session-get-key', logger);
  if (!event?.session?.sessionId || typeof event.taskToken !== 'string' || event.taskToken.length === 0) {
    throw new Error('GetKey needs the session and a task token; check the state machine definition');
  }
  const kept = await keepTaskToken(await deps.sessions(), event.session.sessionId, event.taskToken);
  if (kept !== 'kept') {
    logger.info('ended before card entry', { sessionId: event.session.sessionId, why: kept });
    // Whoever takes the token fails it; when the agent API took it, the task is failed already.
    if (kept === 'cancel') throw new AgentCancelled();
    if (kept === 'hung-up') throw new CallerHungUp();
    return;
  }
  // The event is written before the call is asked: once it is asked, the capture can fail the task and
  // Abort can close the session's audit chain, and an event written after that would leave the chain
  // looking cut short (on Connect the flow already prompts while this stage runs; the soak found it).
  const { sessionId, callTransactionId, transactionId, agentId } = event.session;
  await deps.emit('capture.requested', { sessionId, callTransactionId, transactionId, actor: { kind: 'agent', id: agentId } }, true);
  await deps.telephony.beginCapture(event.session);
  logger.info('card entry requested', { sessionId: event.session.sessionId });
};
