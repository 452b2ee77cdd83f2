/**
 * One event per step of every secure session, emitted by the SMA handler and the stage handlers.
 * The shape carries what PCI DSS 10.2.2 asks of an audit record — who, what, when (UTC), where from,
 * which session, success or failure — and never card data: details are allow-listed scalars.
 *
 * Sinks decide where events go: a structured log line by default; the audit trail and the agent's
 * live view plug in as further sinks.
 */
import { maskCardNumbers } from '../card/card-detector';

export const SESSION_EVENT_TYPES = [
  'begin.requested',
  'begin.refused',
  'session.begun',
  'capture.requested',
  'agent.separated',
  'recording.paused',
  'recording.pause-failed',
  'field.prompted',
  'field.captured',
  'field.invalid',
  'field.restarted',
  'capture.completed',
  'capture.declined',
  'recording.resumed',
  'caller.hung-up',
  /** The caller pressed keys while still talking to the agent (never which keys, nor how many). */
  'caller-keying',
  'fields.attached',
  'submitted',
  'outcome',
  'data.destroyed',
  'session.ended',
  'session.aborted',
  'agent.reconnected',
] as const;
export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];

export type EventDetailValue = string | number | boolean;

export interface SessionEvent {
  type: SessionEventType;
  sessionId: string;
  callTransactionId?: string;
  /** The payment reference, once Begin has made one. */
  transactionId?: string;
  /** Who caused it: the agent (by id), the caller, or a system component. */
  actor: { kind: 'agent' | 'caller' | 'system'; id: string };
  /** Where from: the function that emitted it. */
  component: string;
  requestId?: string;
  /** ISO 8601, UTC. */
  at: string;
  success: boolean;
  details?: Record<string, EventDetailValue>;
}

export interface SessionEventSink {
  emit(event: SessionEvent): Promise<void>;
  /** Several events of one invocation at once, in order; sinks that can write them together do. */
  emitBatch?(events: SessionEvent[]): Promise<void>;
}

/** Sends events in order: as one batch where the sink supports it, one by one otherwise. */
export async function emitInOrder(sink: SessionEventSink, events: SessionEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (sink.emitBatch) return sink.emitBatch(events);
  for (const event of events) await sink.emit(event);
}

/** Keys a detail may use; anything else is dropped so a careless caller cannot leak a value. */
const DETAIL_KEYS = new Set([
  'field',
  'attempt',
  'attempts',
  'reason',
  'brand',
  'last4',
  'formId',
  'fieldCount',
  'outcome',
  'details',
  'httpStatus',
  'durationMs',
  'error',
  'destroyed',
  'callAlive',
  'recording',
  'stage',
  'digitsEntered',
  /** How many places of the validation service's details the validator masked (a count, never text). */
  'detailsMasked',
]);
const DIGIT_RUN = /\d{5,}/;
/**
 * The final event's SHA-256 of the session's outcome record (lambdas/audit/outcome-binding.ts): kept only
 * as exactly 64 lower-case hex digits, which no card number or other free text can pass for.
 */
const HASH_DETAIL_KEYS = new Set(['outcomeSha256']);
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Keeps allow-listed details and refuses any value holding five or more digits in a row. */
export function safeDetails(details: Record<string, EventDetailValue> | undefined): Record<string, EventDetailValue> | undefined {
  if (!details) return undefined;
  const out: Record<string, EventDetailValue> = {};
  for (const [k, v] of Object.entries(details)) {
    if (HASH_DETAIL_KEYS.has(k)) {
      if (typeof v === 'string' && SHA256_HEX.test(v)) out[k] = v;
      continue;
    }
    if (!DETAIL_KEYS.has(k)) continue;
    if (typeof v === 'string' && DIGIT_RUN.test(v) && k !== 'details') continue;
    out[k] =
      typeof v === 'string'
        ? maskCardNumbers(v)
            .text.replace(/\d{12,19}/g, '[card]')
            .slice(0, 200)
        : v;
  }
  return out;
}

export function sessionEvent(
  type: SessionEventType,
  base: Pick<SessionEvent, 'sessionId' | 'component' | 'actor'> & Partial<Pick<SessionEvent, 'callTransactionId' | 'transactionId' | 'requestId'>>,
  success: boolean,
  now: Date,
  details?: Record<string, EventDetailValue>,
): SessionEvent {
  const safe = safeDetails(details);
  return {
    type,
    sessionId: base.sessionId,
    ...(base.callTransactionId ? { callTransactionId: base.callTransactionId } : {}),
    ...(base.transactionId ? { transactionId: base.transactionId } : {}),
    actor: { ...base.actor },
    component: base.component,
    ...(base.requestId ? { requestId: base.requestId } : {}),
    at: now.toISOString(),
    success,
    ...(safe && Object.keys(safe).length > 0 ? { details: safe } : {}),
  };
}

/** Writes each event as one structured log line ("session event"). */
export class LogEventSink implements SessionEventSink {
  public constructor(private readonly logger: { info(message: string, attrs: Record<string, unknown>): void }) {}

  public async emit(event: SessionEvent): Promise<void> {
    this.logger.info('session event', { event });
  }
}

/** Sends every event to each sink; one failing sink does not stop the others, but the failure is reported. */
export class FanOutEventSink implements SessionEventSink {
  public constructor(private readonly sinks: SessionEventSink[]) {}

  public emit(event: SessionEvent): Promise<void> {
    return this.emitBatch([event]);
  }

  public async emitBatch(events: SessionEvent[]): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => emitInOrder(s, events)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

/**
 * Collects one invocation's events and delivers them together when it ends: an audit trail then
 * advances its chain once per invocation instead of once per event.
 */
export class EventBuffer {
  private readonly pending: SessionEvent[] = [];

  public add(event: SessionEvent): void {
    this.pending.push(event);
  }

  public get size(): number {
    return this.pending.length;
  }

  /** Takes every collected event, in order, and empties the buffer. */
  public drain(): SessionEvent[] {
    return this.pending.splice(0);
  }

  /** Hands every collected event to the sink, in order, and empties the buffer. */
  public async flush(sink: SessionEventSink): Promise<void> {
    await emitInOrder(sink, this.drain());
  }
}
