/**
 * Step Functions task: Begin. The secure input configuration comes from the same loader the agent API
 * uses (SSM parameter in AWS, the file in the sandbox), read once per container.
 */
import { SessionRequestRefused } from '../../shared/errors';
import { createLogger } from '../../shared/logging';
import type { SessionContext } from '../../shared/session/contract';
import { cachedSecureInputConfig, loadSecureInputConfig } from '../../shared/session/config-source';
import { stageDeps } from '../stage-deps';
import { METRIC, metricsForService } from '../../shared/metrics';
import { beginSession } from './begin';

const logger = createLogger('session-begin');
const metrics = metricsForService();
const secureInputConfig = cachedSecureInputConfig(() => loadSecureInputConfig(process.env));
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: unknown): Promise<SessionContext> => {
  const forms = await secureInputConfig();
  deps ??= stageDeps(process.env, { sessions: true }, 'session-begin', logger);
  const request = (typeof event === 'object' && event !== null ? event : {}) as Partial<
    Record<'sessionId' | 'agentId' | 'callTransactionId' | 'formId', unknown>
  >;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 128 ? v : undefined);
  const base = {
    sessionId: text(request.sessionId) ?? 'unknown',
    actor: { kind: 'agent' as const, id: text(request.agentId) ?? 'unknown' },
    ...(text(request.callTransactionId) ? { callTransactionId: text(request.callTransactionId) } : {}),
  };
  const requested = { type: 'begin.requested' as const, success: true, details: { formId: text(request.formId) ?? 'unknown' } };
  // The request and its result are recorded together, once Begin knows the result (one audit step).
  try {
    const context = await beginSession(await deps.sessions(), forms, event);
    metrics.count(METRIC.sessionsStarted);
    logger.info('session begun', { sessionId: context.sessionId, transactionId: context.transactionId, formId: context.formId, agentId: context.agentId });
    await deps.emitAll([requested, { type: 'session.begun', success: true, details: { formId: context.formId } }], {
      ...base,
      transactionId: context.transactionId,
    });
    return context;
  } catch (err) {
    const refused = err instanceof SessionRequestRefused;
    logger.warn('session not begun', { error: err instanceof Error ? err.name : 'UnknownError', reason: refused ? err.message : undefined });
    await deps.emitAll(
      [
        requested,
        {
          type: 'begin.refused',
          success: false,
          details: { reason: refused ? err.message : `internal error (${err instanceof Error ? err.name : 'UnknownError'})` },
        },
      ],
      base,
    );
    throw err;
  }
};
