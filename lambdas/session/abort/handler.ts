/**
 * Step Functions task: Abort. Whatever failed, the card data is destroyed, the agent is told why, and
 * — when the call still lives — recording resumes and the agent is called back.
 */
import { createLogger } from '../../shared/logging';
import { documentClient } from '../../shared/clients';
import { type AbortInput, SESSION_ERROR, type SessionOutcome } from '../../shared/session/contract';
import { finishSession, getSession } from '../../shared/session/session-store';
import { destroy } from '../../shared/vault';
import { abortOutcome, abortReason } from '../outcome';
import { outcomeBinding, prepareOutcome, writePreparedOutcomeSafely } from '../../audit/outcomes';
import { stageDeps } from '../stage-deps';
import { metricsForService, outcomeMetric } from '../../shared/metrics';

const logger = createLogger('session-abort');
let deps: ReturnType<typeof stageDeps> | undefined;
const metrics = metricsForService();

export const handler = async (event: AbortInput): Promise<SessionOutcome> => {
  deps ??= stageDeps(process.env, { sessions: true, vault: true, telephony: true }, 'session-abort', logger);
  const sessionId = event.session?.sessionId ?? (typeof event.sessionId === 'string' ? event.sessionId : undefined);
  const outcome = abortOutcome(event, sessionId ?? '');
  const errorName = outcome.error ?? 'UnknownError';
  if (!sessionId) {
    logger.error('abort without a session id', { error: errorName });
    return outcome;
  }
  const destroyed = await destroy({ ddb: await documentClient(), tableName: deps.vaultTable }, sessionId);
  const transactionId = outcome.transactionId;
  const decided = event.validation;
  const status = outcome.status;
  const store = await deps.sessions();
  const record = await getSession(store, sessionId);
  // Only the session that holds the call's lock releases it; a refused duplicate leaves it alone.
  if (record?.callTransactionId) await finishSession(store, record.callTransactionId, outcome);
  let callAlive: boolean | undefined;
  const telephonyEngaged = record !== undefined && record.status !== 'requested';
  if (telephonyEngaged && errorName !== SESSION_ERROR.callerHungUp && event.session) {
    callAlive = await deps.telephony.finish(event.session, status, event.session.transactionId).catch(() => false);
  }
  metrics.count(outcomeMetric(status));
  logger.warn('session aborted', { sessionId, error: errorName, cardDataDestroyed: destroyed, callAlive });
  const base = {
    sessionId,
    ...(record?.callTransactionId ? { callTransactionId: record.callTransactionId } : {}),
    ...(transactionId ? { transactionId } : {}),
    actor: { kind: 'system' as const, id: 'session-abort' },
  };
  // The finance record is built first: its hash goes into the final event, binding it to the chain.
  const prepared = prepareOutcome(
    process.env,
    {
      outcome,
      at: deps.now(),
      formId: event.session?.formId ?? record?.formId ?? event.formId,
      agentId: event.session?.agentId ?? record?.agentId ?? event.agentId,
      workgroup: (event.session as { workgroup?: unknown } | undefined)?.workgroup ?? (event as { workgroup?: unknown }).workgroup,
      fields: event.fields,
    },
    logger,
  );
  await deps.emitAll(
    [
      ...(decided
        ? [{ type: 'outcome' as const, success: decided.outcome === 'accepted', details: { outcome: decided.outcome, details: outcome.details } }]
        : []),
      { type: 'data.destroyed', success: true, details: { destroyed } },
      {
        type: 'session.aborted',
        success: false,
        details: { error: errorName, reason: abortReason(event.error), ...(callAlive !== undefined ? { callAlive } : {}), ...outcomeBinding(prepared) },
      },
    ],
    base,
  );
  await writePreparedOutcomeSafely(prepared, logger);
  return outcome;
};
