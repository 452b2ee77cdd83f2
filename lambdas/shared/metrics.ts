/**
 * Operational metrics in CloudWatch embedded metric format (Powertools Metrics): sessions started,
 * outcomes, capture time, validation latency and audit writes, in one namespace, with the Powertools
 * `service` dimension only. Dimensions are the one place a value becomes a CloudWatch metric identity
 * (kept 15 months, visible to anyone with cloudwatch:ListMetrics), so a dimension value that carries a
 * digit is refused outright: a card number can never get there by mistake.
 *
 * The EMF lines go to stdout as in Lambda; the sandbox files them beside the logs for its no-leak scans
 * (sandbox/log-capture.ts). Emitting never throws into the caller.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'SecureIvr';

/** Every metric the functions emit; the dashboard (lib/constructs/operations-dashboard.ts) reads the same names. */
export const METRIC = {
  sessionsStarted: 'SessionsStarted',
  outcomeAccepted: 'OutcomeAccepted',
  outcomeDeclined: 'OutcomeDeclined',
  outcomeAborted: 'OutcomeAborted',
  /** A session whose result the validation service could not give (timeout after submission, unreadable reply). */
  outcomeUnknown: 'OutcomeUnknown',
  captureTime: 'CaptureTime',
  validationLatency: 'ValidationLatency',
  auditWrites: 'AuditWrites',
  auditWriteFailures: 'AuditWriteFailures',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

const OUTCOME_METRICS: Record<string, MetricName> = {
  accepted: METRIC.outcomeAccepted,
  declined: METRIC.outcomeDeclined,
  aborted: METRIC.outcomeAborted,
  unknown: METRIC.outcomeUnknown,
};

/** The metric for a session outcome; anything not known is counted as unknown rather than dropped. */
export function outcomeMetric(status: string): MetricName {
  return Object.hasOwn(OUTCOME_METRICS, status) ? (OUTCOME_METRICS[status] as MetricName) : METRIC.outcomeUnknown;
}

export class UnsafeDimensionError extends Error {
  public constructor() {
    super('A metric dimension value must be letters, dashes and underscores only (no digits); the dimension was not added.');
    this.name = 'UnsafeDimensionError';
  }
}

/** Dimension values: 1-64 letters, dashes and underscores. No digit can pass, so no card digit can. */
export const SAFE_DIMENSION_VALUE = /^[A-Za-z][A-Za-z_-]{0,63}$/;

export function checkDimensionValue(value: string): string {
  if (!SAFE_DIMENSION_VALUE.test(value)) throw new UnsafeDimensionError();
  return value;
}

export interface OperationalMetrics {
  count(name: MetricName, value?: number): void;
  milliseconds(name: MetricName, value: number): void;
}

interface MetricsLog {
  warn(message: string, attrs: Record<string, unknown>): void;
}

/** One EMF document per call, published at once (the stage handlers are not wrapped in middleware). */
export function createMetrics(serviceName: string, log?: MetricsLog): OperationalMetrics {
  const service = checkDimensionValue(serviceName);
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: service });
  const emit = (name: MetricName, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void => {
    try {
      if (!Number.isFinite(value) || value < 0) return;
      metrics.addMetric(name, unit, value);
      metrics.publishStoredMetrics();
    } catch (err) {
      log?.warn('metric not emitted', { metric: name, error: err instanceof Error ? err.name : 'UnknownError' });
    }
  };
  return {
    count: (name, value = 1) => emit(name, MetricUnit.Count, value),
    milliseconds: (name, value) => emit(name, MetricUnit.Milliseconds, Math.round(value)),
  };
}

/** Metrics for a function, named by its Powertools service name (a fixed default when that is not a safe dimension). */
export function metricsForService(env: NodeJS.ProcessEnv = process.env, log?: MetricsLog): OperationalMetrics {
  const name = env.POWERTOOLS_SERVICE_NAME ?? '';
  return createMetrics(SAFE_DIMENSION_VALUE.test(name) ? name : 'secure-ivr', log);
}
