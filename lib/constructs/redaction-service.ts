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
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, ArnFormat } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import defaultConfig from '../../config/redaction.json';
import { loadRedactionConfig, RedactionConfigError, type RedactionConfigDocument } from '../../lambdas/redact/redaction-config';
import { REQUEST_DETAIL_TYPE, REQUEST_SOURCE } from '../../lambdas/redact/redaction-service';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** PCI DSS 10.5.1: at least twelve months of log history. */
const MIN_LOG_RETENTION_DAYS = 365;
/** Lambda allows 4 KB of environment in all; keep room for the rest. */
const MAX_CONFIG_ENV_BYTES = 3500;

export interface RedactionServiceProps {
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
  /**
   * Optional - What happens to the log group and its key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class RedactionServicePropsError extends Error {
  public constructor(problems: string[]) {
    super(`RedactionService: ${problems.join('; ')}`);
    this.name = 'RedactionServicePropsError';
  }
}

export class RedactionService extends Construct {
  public readonly function: NodejsFunction;
  /** The synchronous route (AWS_IAM auth); give callers access with `grantInvokeUrl`. */
  public readonly functionUrl: lambda.FunctionUrl;
  public readonly rule: events.Rule;
  public readonly logGroup: logs.LogGroup;
  public readonly logsKey: kms.Key;

  public constructor(scope: Construct, id: string, props: RedactionServiceProps = {}) {
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
    if (Buffer.byteLength(configJson) > MAX_CONFIG_ENV_BYTES) problems.push(`config is larger than ${MAX_CONFIG_ENV_BYTES} bytes once serialised (Lambda environment limit)`);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    if (retention < MIN_LOG_RETENTION_DAYS) problems.push(`logRetention must be at least ${MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)`);
    if (problems.length > 0) throw new RedactionServicePropsError(problems);

    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logsKey = new kms.Key(this, 'LogsKey', {
      description: 'secure-ivr: redaction service log encryption',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    this.logGroup = new logs.LogGroup(this, 'LogGroup', { encryptionKey: this.logsKey, retention, removalPolicy });

    const role = new iam.Role(this, 'FunctionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'secure-ivr redaction: execution role of the redaction function',
    });
    const eventBus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const resultBus = props.resultBus ?? eventBus;

    this.function = new NodejsFunction(this, 'RedactionFunction', {
      entry: path.join(PROJECT_ROOT, 'lambdas/redact/handler.ts'),
      handler: 'handler',
      description: 'secure-ivr: redacts card numbers (and configured expressions) from chat and email text',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(60),
      role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'redaction',
        REDACTION_CONFIG: configJson,
        ...(props.auditBucket ? { AUDIT_BUCKET: props.auditBucket.bucketName } : {}),
      },
      // Results of asynchronous (EventBridge) invocations are the redacted events.
      onSuccess: new destinations.EventBridgeDestination(resultBus),
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        target: 'node22',
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    this.logGroup.grantWrite(role);
    props.auditBucket?.grantPut(role, 'redaction-audit/*');

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
