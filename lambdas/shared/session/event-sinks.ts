/**
 * Which sinks a function's session events go to, chosen from its environment once per container.
 * The log sink is always on; the audit trail and the agent's live view add theirs here.
 */
import { emitInOrder, FanOutEventSink, LogEventSink, type SessionEvent, type SessionEventSink } from './events';
import { readAuditConfig } from '../../audit/audit-config';
import { auditSinkFor } from '../../audit/audit-writer';
import { agentPushSinks } from '../../agent-api/push-sink';
import { METRIC, metricsForService, type OperationalMetrics } from '../metrics';

interface SinkLogger {
  info(message: string, attrs: Record<string, unknown>): void;
  error(message: string, attrs: Record<string, unknown>): void;
}

export function eventSinkFor(logger: SinkLogger, env: NodeJS.ProcessEnv = process.env): SessionEventSink {
  const sinks: SessionEventSink[] = [new LogEventSink(logger)];
  const audit = readAuditConfig(env);
  if (audit) sinks.push(countedAuditSink(auditSinkFor(audit), metricsForService(env)));
  sinks.push(...agentPushSinks(env));
  return sinks.length === 1 ? (sinks[0] as SessionEventSink) : new FanOutEventSink(sinks);
}

/** Counts audit-trail writes (one per event) and failed writes, for the operations dashboard. */
function countedAuditSink(sink: SessionEventSink, metrics: OperationalMetrics): SessionEventSink {
  const counted = async (n: number, write: () => Promise<void>): Promise<void> => {
    try {
      await write();
      metrics.count(METRIC.auditWrites, n);
    } catch (err) {
      metrics.count(METRIC.auditWriteFailures, n);
      throw err;
    }
  };
  return {
    emit: (event) => counted(1, () => sink.emit(event)),
    ...(sink.emitBatch
      ? { emitBatch: (events: SessionEvent[]) => counted(events.length, () => (sink.emitBatch as (e: SessionEvent[]) => Promise<void>)(events)) }
      : {}),
  };
}

/**
 * Emits without letting a sink failure break the call flow; the failure is logged (an alarm watches
 * for "session event not delivered") with the event types only.
 */
export async function emitSafely(sink: SessionEventSink, events: SessionEvent | SessionEvent[], logger: SinkLogger): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  try {
    await emitInOrder(sink, list);
  } catch (err) {
    logger.error('session event not delivered', {
      types: list.map((e) => e.type),
      sessionId: list[0]?.sessionId,
      error: err instanceof Error ? err.name : 'UnknownError',
    });
  }
}
