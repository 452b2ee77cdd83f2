/**
 * The text redaction service (lambdas/redact): one function that chat and email pipelines call in two
 * ways, with its own encrypted log group.
 *
 * - Asynchronous: an EventBridge rule (source `secure-ivr.redaction`, detail-type `Redaction Requested`,
 *   detail = RedactionRequest) invokes the function; the returned RedactionResult — the redacted event —
 *   is delivered by the function's on-success destination to a result bus, as an event whose
 *   `detail.responsePayload` is the result. No extra SDK in the bundle, no hand-written PutEvents.
 * - Synchronous: a Lambda function URL with AWS_IAM auth. Chosen over an HTTP API because callers are
 *   back-end pipelines that already sign requests (SigV4), grants stay per principal
 *   (`grantInvokeUrl`), there is no extra resource or per-request API charge, and the 15-minute
 *   function timeout (not API Gateway's 30 s) leaves room for large emails.
 *
 * The redaction configuration is checked at synth time with the same loader the function runs, so a
 * refused expression fails `cdk synth`, not the first chat message.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import defaultConfig from '../../config/redaction.json';
import { loadRedactionConfig, RedactionConfigError, type RedactionConfigDocument } from '../../lambdas/redact/redaction-config';
import { REQUEST_DETAIL_TYPE, REQUEST_SOURCE } from '../../lambdas/redact/redaction-service';
import { PciFunction } from './pci-function';

/** PCI DSS 10.5.1: at least twelve months of log history. */
const MIN_LOG_RETENTION_DAYS = 365;
/** Where redaction audit records go in the audit bucket (lambdas/redact/audit.ts). */
const AUDIT_PREFIX = 'redaction-audit/';
/** Lambda allows 4 KB of environment in all; keep room for the rest. */
const MAX_CONFIG_ENV_BYTES = 3500;

export interface RedactionServiceProps {
  /** The customer-managed key for the function's log group (the stack's LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * Optional - The redaction configuration (defaultFilter, additionalRules), checked at synth time.
   * @default - config/redaction.json
   */
  readonly config?: RedactionConfigDocument;
  /**
   * Optional - A bucket that receives one JSON audit object per redaction under `redaction-audit/`.
   * The function may only put objects there.
   * @default - audit events go to the function's log only
   */
  readonly auditBucket?: s3.IBucket;
  /**
   * Optional - Grants the function its audit writes under `redaction-audit/` when the bucket's owner
   * scopes them itself (the stack passes the audit trail's prefix grant).
   * @default - `auditBucket.grantPut` on `redaction-audit/*`
   */
  readonly grantAuditWrite?: (grantee: iam.IGrantable, prefix: string) => void;
  /**
   * Optional - The bus whose redaction requests invoke the function.
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Optional - The bus that receives redacted results (Lambda on-success destination).
   * @default - the same bus as `eventBus`
   */
  readonly resultBus?: events.IEventBus;
  /**
   * Optional - Log retention of the function's log group; under 365 days is refused.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Optional - Function memory; redaction is CPU-bound and Lambda CPU grows with memory.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Optional - Function timeout.
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
}

export class RedactionServicePropsError extends Error {
  public constructor(problems: string[]) {
    super(`RedactionService: ${problems.join('; ')}`);
    this.name = 'RedactionServicePropsError';
  }
}

export class RedactionService extends Construct {
  public readonly function: PciFunction;
  /** The synchronous route (AWS_IAM auth); give callers access with `grantInvokeUrl`. */
  public readonly functionUrl: lambda.FunctionUrl;
  public readonly rule: events.Rule;
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: RedactionServiceProps) {
    super(scope, id);
    const problems: string[] = [];
    const config = props.config ?? (defaultConfig as RedactionConfigDocument);
    try {
      loadRedactionConfig(config);
    } catch (error) {
      if (!(error instanceof RedactionConfigError)) throw error;
      problems.push(...error.problems.map((p) => `config: ${p}`));
    }
    const configJson = JSON.stringify(config);
    if (Buffer.byteLength(configJson) > MAX_CONFIG_ENV_BYTES)
      problems.push(`config is larger than ${MAX_CONFIG_ENV_BYTES} bytes once serialised (Lambda environment limit)`);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    if (retention < MIN_LOG_RETENTION_DAYS) problems.push(`logRetention must be at least ${MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)`);
    if (problems.length > 0) throw new RedactionServicePropsError(problems);

    const eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const resultBus = props.resultBus ?? eventBus;

    // The project's PCI function: Node 22 on arm64, own role, own KMS-encrypted log group, no log events.
    this.function = new PciFunction(this, 'RedactionFunction', {
      entry: 'lambdas/redact/handler.ts',
      serviceName: 'secure-ivr-redaction',
      description: 'secure-ivr: redacts card numbers (and configured expressions) from chat and email text',
      logsKey: props.logsKey,
      logRetention: retention,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(60),
      environment: {
        REDACTION_CONFIG: configJson,
        ...(props.auditBucket ? { AUDIT_BUCKET: props.auditBucket.bucketName } : {}),
      },
    });
    this.logGroup = this.function.functionLogGroup;
    // Results of asynchronous (EventBridge) invocations are the redacted events.
    this.function.configureAsyncInvoke({ onSuccess: new destinations.EventBridgeDestination(resultBus), retryAttempts: 2, maxEventAge: Duration.hours(1) });
    if (props.auditBucket) {
      if (props.grantAuditWrite) props.grantAuditWrite(this.function.functionRole, AUDIT_PREFIX);
      else props.auditBucket.grantPut(this.function.functionRole, `${AUDIT_PREFIX}*`);
    }

    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    this.rule = new events.Rule(this, 'RequestRule', {
      description: 'secure-ivr: redaction requests from chat and email pipelines',
      eventBus,
      eventPattern: { source: [REQUEST_SOURCE], detailType: [REQUEST_DETAIL_TYPE] },
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }

  /** Lets a caller use the synchronous route (lambda:InvokeFunctionUrl on this function only). */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }
}
