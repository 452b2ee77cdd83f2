/**
 * Step Functions task: GetKey (waitForTaskToken). Keeps the task token with the session, then asks the
 * call to separate the agent and start card entry. The SMA handler completes the token with an opaque
 * vault reference once all fields are captured (or fails it when the caller hangs up).
 */
import { createLogger } from '../../shared/logging';
import type { GetKeyInput } from '../../shared/session/contract';
import { saveTaskToken } from '../../shared/session/session-store';
import { stageDeps } from '../stage-deps';

const logger = createLogger('session-get-key');
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: GetKeyInput): Promise<void> => {
  deps ??= stageDeps(process.env, { sessions: true, telephony: true }, 'session-get-key', logger);
  if (!event?.session?.sessionId || typeof event.taskToken !== 'string' || event.taskToken.length === 0) {
    throw new Error('GetKey needs the session and a task token; check the state machine definition');
  }
  await saveTaskToken(await deps.sessions(), event.session.sessionId, event.taskToken);
  await deps.telephony.beginCapture(event.session);
  logger.info('card entry requested', { sessionId: event.session.sessionId });
  const { sessionId, callTransactionId, transactionId, agentId } = event.session;
  await deps.emit('capture.requested', { sessionId, callTransactionId, transactionId, actor: { kind: 'agent', id: agentId } }, true);
};
