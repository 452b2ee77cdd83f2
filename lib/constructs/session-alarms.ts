/**
 * Alarms for failures of the payment controls (P23, PCI DSS 10.7.2): failed or timed-out sessions, errors of
 * every function, a recording pause that did not happen (the SMA handler logs `recording pause failed`, the
 * Connect capture function `recording could not be suspended`; both refuse to prompt for card digits, P13),
 * and a vault key that could not seal card data (VaultCryptoError in the log of whichever adapter seals). Every alarm notifies a KMS-encrypted
 * SNS topic; subscribe the operations team to it.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export const METRIC_NAMESPACE = 'SecureIvr';
/** The SMA handler's log message when PauseCallRecording failed (must match lambdas/telephony/chime-sma). */
export const RECORDING_PAUSE_FAILED_MESSAGE = 'recording pause failed';
/** What functions log when an audit event or a finance outcome record could not be written (lambdas/). */
export const AUDIT_WRITE_FAILED_MESSAGES = ['session event not delivered', 'outcome record not written'] as const;
/** The Connect capture function's log message when the flow could not suspend recording (lambdas/telephony/connect/connect-session.ts). */
export const CONNECT_RECORDING_SUSPEND_FAILED_MESSAGE = 'recording could not be suspended';
/** The error name the sealing function (SMA handler, Connect capture) logs when the vault's KMS call failed (lambdas/shared/errors VaultCryptoError). */
export const VAULT_KEY_FAILURE_ERROR = 'VaultCryptoError';

export interface SessionAlarmsProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Functions whose every error raises an alarm, by a readable name (used in the alarm name). */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Optional - The SMA handler's log group (telephony=chime|both), where its recording-pause and vault-key
   * failures are logged. At least one of smaLogGroup and connectCaptureLogGroup is required.
   * @default - no Chime SMA
   */
  readonly smaLogGroup?: logs.ILogGroup;
  /**
   * Optional - The Connect capture function's log group (telephony=connect|both), where its recording-suspend
   * and vault-key failures are logged.
   * @default - no Amazon Connect
   */
  readonly connectCaptureLogGroup?: logs.ILogGroup;
  /**
   * Optional - Log groups of the functions that write audit events and outcome records; a failed write
   * there raises the AuditWriteFailed alarm (PCI DSS 10.7.2: audit logging is a critical control).
   * @default - no audit-write alarm
   */
  readonly auditWriterLogGroups?: readonly logs.ILogGroup[];
}

export class SessionAlarmsPropsError extends Error {
  public constructor(problems: string[]) {
    super(`SessionAlarms: ${problems.join('; ')}`);
    this.name = 'SessionAlarmsPropsError';
  }
}

export class SessionAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];

  public constructor(scope: Construct, id: string, props: SessionAlarmsProps) {
    if (props.smaLogGroup === undefined && props.connectCaptureLogGroup === undefined)
      throw new SessionAlarmsPropsError(['give smaLogGroup or connectCaptureLogGroup (the log of the function that seals card data)']);
    super(scope, id);
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'TopicKey', { description: 'secure-ivr: alarm topic encryption', enableKeyRotation: true });
    // CloudWatch alarms publish to an encrypted topic only if they may use its key (this account's alarms only).
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'secure-ivr alarms', masterKey: key, enforceSSL: true });
    const notify = new actions.SnsAction(this.topic);

    const add = (name: string, metric: cloudwatch.IMetric, description: string): void => {
      const alarm = new cloudwatch.Alarm(this, name, {
        alarmName: `${stack.stackName}-${name}`,
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      this.alarms.push(alarm);
    };

    const period = Duration.minutes(1);
    add(
      'ExecutionsFailed',
      props.stateMachine.metricFailed({ period, statistic: 'Sum' }),
      'A secure session execution failed (Abort itself failed or a state errored outside a Catch).',
    );
    add('ExecutionsTimedOut', props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }), 'A secure session execution timed out.');
    for (const [name, fn] of Object.entries(props.functions)) {
      add(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), `The ${name} function reported an error.`);
    }

    // One metric per control, fed by a filter on each adapter's log group (filter ids of the SMA unchanged).
    const watched = (metricName: string, filters: Array<{ id: string; logGroup: logs.ILogGroup | undefined; pattern: string }>): cloudwatch.Metric => {
      for (const f of filters) {
        if (f.logGroup === undefined) continue;
        new logs.MetricFilter(this, f.id, {
          logGroup: f.logGroup,
          filterPattern: logs.FilterPattern.literal(f.pattern),
          metricNamespace: METRIC_NAMESPACE,
          metricName,
          metricValue: '1',
        });
      }
      return new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, period, statistic: 'Sum' });
    };
    add(
      'RecordingPauseFailed',
      watched('RecordingPauseFailed', [
        { id: 'RecordingPauseFailedFilter', logGroup: props.smaLogGroup, pattern: `{ $.message = "${RECORDING_PAUSE_FAILED_MESSAGE}" }` },
        {
          id: 'RecordingPauseFailedFilterConnectCapture',
          logGroup: props.connectCaptureLogGroup,
          pattern: `{ $.message = "${CONNECT_RECORDING_SUSPEND_FAILED_MESSAGE}" }`,
        },
      ]),
      'Call recording could not be paused before card capture; the IVR refused to prompt (fail closed).',
    );

    // KMS failures (P23, 10.7.2): the validator's Decrypt failures surface as Validator errors, but the sealing
    // functions' error boundaries catch a failed GenerateDataKey (no Lambda error), so watch for it in their logs.
    const vaultPattern = `{ $.error = "${VAULT_KEY_FAILURE_ERROR}" }`;
    add(
      'VaultKeyFailed',
      watched('VaultKeyFailed', [
        { id: 'VaultKeyFailedFilter', logGroup: props.smaLogGroup, pattern: vaultPattern },
        { id: 'VaultKeyFailedFilterConnectCapture', logGroup: props.connectCaptureLogGroup, pattern: vaultPattern },
      ]),
      'The vault KMS key could not encrypt card data (KMS error or throttling); the card capture was aborted.',
    );

    // A session goes on when its audit write fails (the caller must not pay for it), so the failure is
    // only visible in the log: every writer's group feeds one metric and one alarm.
    const writers = props.auditWriterLogGroups ?? [];
    if (writers.length > 0) {
      const pattern = AUDIT_WRITE_FAILED_MESSAGES.map((m) => `$.message = "${m}"`).join(' || ');
      writers.forEach((logGroup, i) => {
        new logs.MetricFilter(this, `AuditWriteFailedFilter${i}`, {
          logGroup,
          filterPattern: logs.FilterPattern.literal(`{ ${pattern} }`),
          metricNamespace: METRIC_NAMESPACE,
          metricName: 'AuditWriteFailed',
          metricValue: '1',
        });
      });
      const metric = new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: 'AuditWriteFailed', period, statistic: 'Sum' });
      add(
        'AuditWriteFailed',
        metric,
        'An audit event or finance outcome record could not be written; the trail has a gap until it is investigated (audit verify names it).',
      );
    }
  }
}
