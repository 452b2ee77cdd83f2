/**
 * How the SIP media application service delivers one event to the handler: a deadline (documented 5 s)
 * and one retry, injected faults (a slow answer after the deadline, a lost answer) on the first attempt
 * only so the documented retry can recover, and a log of every attempt for the tests and the soak.
 */
import type { SmaEvent } from '../../lambdas/telephony/chime-sma/contract';

export interface Invocation {
  event: SmaEvent;
  response?: unknown;
  error?: string;
  durationMs: number;
}

export type InvocationFault = 'slow' | 'duplicate' | 'deadline';

export interface DeliveryFaults {
  slowInvocationRate?: number;
  handlerDelayMs?: number;
  duplicateInvocationRate?: number;
  random?: () => number;
}

export interface DeliveryTarget {
  invoke(event: SmaEvent): Promise<unknown>;
  deadlineMs: number;
}

export type DeliveryResult = { answered: true; response: unknown } | { answered: false };

const sleep = (ms: number): Promise<void> => (ms <= 0 ? new Promise((r) => setImmediate(r)) : new Promise((r) => setTimeout(r, ms)));
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Delivers `event` with the deadline and one retry; appends every attempt to `log` and every fault that
 * happened to `injected`. Unanswered after two tries means the service gives up on the call.
 */
export async function deliverWithRetry(
  target: DeliveryTarget,
  event: SmaEvent,
  faults: DeliveryFaults,
  log: Invocation[],
  injected: InvocationFault[],
): Promise<DeliveryResult> {
  const random = faults.random ?? Math.random;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const started = Date.now();
    const record: Invocation = { event: clone(event), durationMs: 0 };
    log.push(record);
    const slow = attempt === 0 && (faults.slowInvocationRate ?? 0) > 0 && random() < (faults.slowInvocationRate ?? 0);
    const lost = attempt === 0 && !slow && (faults.duplicateInvocationRate ?? 0) > 0 && random() < (faults.duplicateInvocationRate ?? 0);
    try {
      const response = await target.invoke(clone(event));
      record.response = clone(response);
      if (slow) await sleep(Math.max(0, (faults.handlerDelayMs ?? target.deadlineMs + 100) - (Date.now() - started)));
      record.durationMs = Date.now() - started;
      const inTime = record.durationMs <= target.deadlineMs;
      if (lost) {
        record.error = 'answer lost (injected)';
        injected.push('duplicate');
      } else if (!inTime) {
        record.error = 'deadline exceeded';
        injected.push(slow ? 'slow' : 'deadline');
      } else {
        return { answered: true, response };
      }
    } catch (err) {
      record.durationMs = Date.now() - started;
      record.error = err instanceof Error ? err.name : 'UnknownError';
    }
  }
  return { answered: false };
}
