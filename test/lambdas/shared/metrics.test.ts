/** Operational metrics (EMF): names, units, the single safe dimension, and no card digit in any dimension. */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkDimensionValue,
  createMetrics,
  METRIC,
  METRICS_NAMESPACE,
  metricsForService,
  outcomeMetric,
  UnsafeDimensionError,
} from '../../../lambdas/shared/metrics';
import { captureLogs } from '../../../sandbox/log-capture';

const SENTINEL_PAN = '4111111111111111';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

function emitted(dir: string): Emf[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith('metrics-'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== ''),
    )
    .map((l) => JSON.parse(l) as Emf);
}

describe('operational metrics', () => {
  it('writes one EMF document per metric in the SecureIvr namespace with only the service dimension', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const capture = captureLogs(dir);
    const metrics = createMetrics('secure-ivr-session-end');
    // Act
    metrics.count(METRIC.sessionsStarted);
    metrics.count(outcomeMetric('accepted'));
    metrics.milliseconds(METRIC.captureTime, 41_234.6);
    metrics.milliseconds(METRIC.validationLatency, 812);
    metrics.count(METRIC.auditWrites, 4);
    capture.stop();
    // Assess
    const docs = emitted(dir);
    expect(docs.map((d) => [d._aws.CloudWatchMetrics[0]?.Metrics[0]?.Name, d._aws.CloudWatchMetrics[0]?.Metrics[0]?.Unit])).toEqual([
      ['SessionsStarted', 'Count'],
      ['OutcomeAccepted', 'Count'],
      ['CaptureTime', 'Milliseconds'],
      ['ValidationLatency', 'Milliseconds'],
      ['AuditWrites', 'Count'],
    ]);
    for (const d of docs) {
      expect(d._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRICS_NAMESPACE);
      expect(d._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
      expect(d.service).toBe('secure-ivr-session-end');
    }
    expect(docs[2]?.CaptureTime).toBe(41_235);
    expect(docs[4]?.AuditWrites).toBe(4);
  });

  it('counts every outcome, including unknown, and counts an outcome it does not know as unknown', () => {
    expect(['accepted', 'declined', 'aborted', 'unknown', 'something-new'].map(outcomeMetric)).toEqual([
      'OutcomeAccepted',
      'OutcomeDeclined',
      'OutcomeAborted',
      'OutcomeUnknown',
      'OutcomeUnknown',
    ]);
  });

  it.each([SENTINEL_PAN, '4111 1111 1111 1111', 'last4-1111', 'a1', '', 'x'.repeat(65)])(
    'refuses %j as a dimension value with an error that does not repeat it',
    (value) => {
      // Act
      const act = () => checkDimensionValue(value);
      // Assess
      expect(act).toThrow(UnsafeDimensionError);
      try {
        act();
      } catch (err) {
        expect((err as Error).message).not.toContain(value === '' ? '\u0000' : value);
        expect((err as Error).name).toBe('UnsafeDimensionError');
      }
    },
  );

  it('never puts a digit in a dimension: a service name with digits falls back to a fixed name, and bad values are dropped, not thrown', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'metrics-'));
    const warnings: string[] = [];
    // Act
    const capture = captureLogs(dir);
    const fallback = metricsForService({ POWERTOOLS_SERVICE_NAME: `svc-${SENTINEL_PAN}` }, { warn: (m) => warnings.push(m) });
    fallback.count(METRIC.sessionsStarted);
    fallback.milliseconds(METRIC.captureTime, Number.NaN);
    fallback.count(METRIC.auditWrites, -1);
    capture.stop();
    // Assess
    const docs = emitted(dir);
    expect(docs).toHaveLength(1);
    expect(docs[0]?.service).toBe('secure-ivr');
    for (const d of docs) {
      for (const names of d._aws.CloudWatchMetrics[0]?.Dimensions ?? []) for (const name of names) expect(String(d[name])).not.toMatch(/\d/);
    }
    expect(
      readdirSync(dir)
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join(''),
    ).not.toContain(SENTINEL_PAN);
  });
});
