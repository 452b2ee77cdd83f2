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
  deps ??= stageDeps(process.env, { sessions: true, vault: true, telephony: true }, 'session-end', logger);
  const outcome = endOutcome(event);
  const destroyed = await destroy({ ddb: await documentClient(), tableName: deps.vaultTable }, event.session.sessionId);
  await finishSession(await deps.sessions(), event.session.callTransactionId, outcome);
  const callAlive = await deps.telephony.finish(event.session, outcome.status === 'aborted' ? 'aborted' : outcome.status, event.session.transactionId);
  logger.info('session ended', { sessionId: outcome.sessionId, transactionId: outcome.transactionId, status: outcome.status, cardDataDestroyed: destroyed, callAlive });
  const base = { sessionId: outcome.sessionId, callTransactionId: event.session.callTransactionId, transactionId: event.session.transactionId, actor: { kind: 'system' as const, id: 'session-end' } };
  await deps.emit('outcome', base, outcome.status === 'accepted', { outcome: outcome.status, details: outcome.details, ...(outcome.last4 ? { last4: outcome.last4, brand: outcome.brand ?? 'unknown' } : {}) });
  await deps.emit('data.destroyed', base, true, { destroyed });
  await deps.emit('session.ended', base, true, { outcome: outcome.status, callAlive });
  return outcome;
};
