/**
 * The day-one CloudWatch dashboard: secure sessions started, their outcomes (accepted, declined,
 * aborted, unknown), how long callers take to key their card, how long the merchant's validation
 * service takes, audit-trail writes and failures, beside the state of every security-control alarm.
 * The metrics are the functions' EMF metrics (lambdas/shared/metrics.ts): namespace SecureIvr, one
 * `service` dimension per function, so each widget names exactly the functions that emit it.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, type MetricName, SAFE_DIMENSION_VALUE } from '../../lambdas/shared/metrics';

export interface OperationsDashboardProps {
  /** Service names (POWERTOOLS_SERVICE_NAME) of the emitting functions. */
  readonly services: {
    readonly begin: string;
    /**
     * Optional - The SMA handler (telephony=chime|both), which emits the card capture time.
     * @default - no capture-time widget (no Chime SMA)
     */
    readonly sma?: string;
    readonly validate: string;
    /** End and Abort: both record outcomes. */
    readonly outcomes: readonly string[];
    /** Every function that appends to the audit trail. */
    readonly auditWriters: readonly string[];
  };
  /** The security-control alarms to show (SessionAlarms). */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /**
   * Optional - Dashboard name.
   * @default `<stack name>-operations`
   */
  readonly dashboardName?: string;
}

export class OperationsDashboardPropsError extends Error {
  public constructor(problems: string[]) {
    super(`OperationsDashboard: ${problems.join('; ')}`);
    this.name = 'OperationsDashboardPropsError';
  }
}

const PERIOD = Duration.minutes(5);

export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    const { services } = props;
    const all = [services.begin, ...(services.sma !== undefined ? [services.sma] : []), services.validate, ...services.outcomes, ...services.auditWriters];
    const problems = all
      .filter((s) => !SAFE_DIMENSION_VALUE.test(s))
      .map(() => 'service names must be letters, dashes and underscores (they are metric dimensions)');
    if (services.outcomes.length === 0 || services.auditWriters.length === 0) problems.push('outcomes and auditWriters must each name at least one service');
    if (problems.length > 0) throw new OperationsDashboardPropsError([...new Set(problems)]);
    super(scope, id);

    const metric = (name: MetricName, service: string, statistic = 'Sum'): cloudwatch.Metric =>
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service }, statistic, period: PERIOD });
    // One line per metric, summed over the services that emit it.
    const summed = (name: MetricName, label: string, emitters: readonly string[]): cloudwatch.IMetric => {
      if (emitters.length === 1) return metric(name, emitters[0] as string).with({ label });
      const usingMetrics = Object.fromEntries(emitters.map((s, i) => [`${label}${i}`, metric(name, s)]));
      return new cloudwatch.MathExpression({ expression: Object.keys(usingMetrics).join(' + '), usingMetrics, label, period: PERIOD });
    };

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Security-control alarms', alarms: [...props.alarms], width: 24, height: 4 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Secure sessions started and their outcomes',
        width: 12,
        left: [
          metric(METRIC.sessionsStarted, services.begin).with({ label: 'started' }),
          summed(METRIC.outcomeAccepted, 'accepted', services.outcomes),
          summed(METRIC.outcomeDeclined, 'declined', services.outcomes),
          summed(METRIC.outcomeAborted, 'aborted', services.outcomes),
          summed(METRIC.outcomeUnknown, 'unknown', services.outcomes),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Audit-trail writes (events) and failed writes',
        width: 12,
        left: [summed(METRIC.auditWrites, 'written', services.auditWriters)],
        right: [summed(METRIC.auditWriteFailures, 'failed', services.auditWriters)],
      }),
    );
    const sma = services.sma;
    this.dashboard.addWidgets(
      ...(sma !== undefined
        ? [
            new cloudwatch.GraphWidget({
              title: 'Card capture time (GetKey to last field), ms',
              width: 12,
              left: ['p50', 'p90', 'Maximum'].map((stat) => metric(METRIC.captureTime, sma, stat).with({ label: stat })),
            }),
          ]
        : []),
      new cloudwatch.GraphWidget({
        title: 'Validation service latency, ms',
        width: 12,
        left: ['p50', 'p99', 'Maximum'].map((stat) => metric(METRIC.validationLatency, services.validate, stat).with({ label: stat })),
      }),
    );
  }
}
