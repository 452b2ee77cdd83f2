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
import { outcomeBinding, prepareOutcome, writePreparedOutcomeSafely } from '../../audit/outcomes';
import { stageDeps } from '../stage-deps';
import { metricsForService, outcomeMetric } from '../../shared/metrics';

const logger = createLogger('session-end');
const metrics = metricsForService();
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: EndInput): Promise<SessionOutcome> => {
  deps ??= stageDeps(process.env, { sessions: true, vault: true, telephony: true }, 'session-end', logger);
  const outcome = endOutcome(event);
  // Independent steps run together: the agent's outcome, the card data's destruction and the caller's
  // announcement. A telephony failure is raised only after the other two are done.
  const stage = deps;
  const [destroyedResult, finished, telephony] = await Promise.allSettled([
    documentClient().then((ddb) => destroy({ ddb, tableName: stage.vaultTable }, event.session.sessionId)),
    stage.sessions().then((store) => finishSession(store, event.session.callTransactionId, outcome)),
    stage.telephony.finish(event.session, outcome.status, event.session.transactionId),
  ]);
  if (destroyedResult.status === 'rejected') throw destroyedResult.reason;
  if (finished.status === 'rejected') throw finished.reason;
  if (telephony.status === 'rejected') throw telephony.reason;
  const destroyed = destroyedResult.value;
  const callAlive = telephony.value;
  metrics.count(outcomeMetric(outcome.status));
  logger.info('session ended', {
    sessionId: outcome.sessionId,
    transactionId: outcome.transactionId,
    status: outcome.status,
    cardDataDestroyed: destroyed,
    callAlive,
  });
  const base = {
    sessionId: outcome.sessionId,
    callTransactionId: event.session.callTransactionId,
    transactionId: event.session.transactionId,
    actor: { kind: 'system' as const, id: 'session-end' },
  };
  // The finance record is built first: its hash goes into the final event, binding it to the chain.
  const prepared = prepareOutcome(
    process.env,
    {
      outcome,
      at: deps.now(),
      formId: event.session.formId,
      agentId: event.session.agentId,
      workgroup: (event.session as { workgroup?: unknown }).workgroup ?? (event as { workgroup?: unknown }).workgroup,
      fields: event.fields,
    },
    logger,
  );
  // The validator emits no events of its own: a validation result in End's input is the record that the
  // card data was submitted to the merchant's service and a reply (or a failure turned decline) came back.
  await deps.emitAll(
    [
      ...(event.validation
        ? [
            {
              type: 'submitted' as const,
              success: true,
              details: { stage: 'validate', outcome: event.validation.outcome, detailsMasked: event.validation.detailsMasked ?? 0 },
            },
          ]
        : []),
      {
        type: 'outcome',
        success: outcome.status === 'accepted',
        details: { outcome: outcome.status, details: outcome.details, ...(outcome.last4 ? { last4: outcome.last4, brand: outcome.brand ?? 'unknown' } : {}) },
      },
      { type: 'data.destroyed', success: true, details: { destroyed } },
      { type: 'session.ended', success: true, details: { outcome: outcome.status, callAlive, ...outcomeBinding(prepared) } },
    ],
    base,
  );
  await writePreparedOutcomeSafely(prepared, logger);
  return outcome;
};
