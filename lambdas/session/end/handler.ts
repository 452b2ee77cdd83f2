/**
 * Step Functions task: End. Destroys the card data, records the outcome for the agent, tells the
 * caller and brings the agent back. Its result is the execution's output.
 */
import { createLogger } from '../../shared/logging';
import { documentClient } from '../../shared/clients';
import type { EndInput, SessionOutcome } from '../../shared/session/contract';
import { finishSession } from '../../shared/session/session-store';
import { destroy } from '../../shared/vault';
import { endOutcome } from '../outcome';
import { stageDeps } from '../stage-deps';

const logger = createLogger('session-end');
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: EndInput): Promise<SessionOutcome> => {
  deps ??= stageDeps(process.env, { sessions: true, vault: true, telephony: true });
  const outcome = endOutcome(event);
  const destroyed = await destroy({ ddb: await documentClient(), tableName: deps.vaultTable }, event.session.sessionId);
  await finishSession(await deps.sessions(), event.session.callTransactionId, outcome);
  const callAlive = await deps.telephony.finish(event.session, outcome.status === 'aborted' ? 'aborted' : outcome.status, event.session.transactionId);
  logger.info('session ended', { sessionId: outcome.sessionId, transactionId: outcome.transactionId, status: outcome.status, cardDataDestroyed: destroyed, callAlive });
  return outcome;
};
