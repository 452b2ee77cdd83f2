/**
 * A Lambda function that handles (or sits next to) card data, with the project's defaults decided once:
 * Node.js 22 on ARM, its own role (one role per function, P10) and its own encrypted, masked, year-long
 * log group (P18, P19, P21), X-Ray tracing, Powertools service name, never `POWERTOOLS_LOGGER_LOG_EVENT`,
 * and local esbuild bundling to ESM with the AWS SDK left to the runtime.
 */
import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { EncryptedLogGroup } from './encrypted-log-group';

/** The repository root: NodejsFunction needs it to find package-lock.json and node_modules. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Environment variables a PCI function may never receive (the raw event would reach the logs, P21). */
const FORBIDDEN_ENV = ['POWERTOOLS_LOGGER_LOG_EVENT', 'NODE_TLS_REJECT_UNAUTHORIZED'];

export interface PciFunctionProps {
  /** The handler file (exports `handler`), absolute or relative to the repository root. */
  readonly entry: string;
  /** The Powertools service name (POWERTOOLS_SERVICE_NAME), e.g. `secure-ivr-sma`. */
  readonly serviceName: string;
  /** The customer-managed key for the function's log group (see LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * Optional - What the function is for, shown in the console.
   * @default - none
   */
  readonly description?: string;
  /**
   * Optional - Environment variables (never secrets, never POWERTOOLS_LOGGER_LOG_EVENT).
   * @default - only POWERTOOLS_SERVICE_NAME
   */
  readonly environment?: Record<string, string>;
  /**
   * Optional - Function timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Optional - Memory in MB; on Lambda it also buys CPU, which KMS and TLS work needs.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Optional - Reserved concurrency.
   * @default - unreserved (account pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Optional - Log retention; under 365 days is refused.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

export class PciFunctionPropsError extends Error {
  public constructor(problems: string[]) {
    super(`PciFunction: ${problems.join('; ')}`);
    this.name = 'PciFunctionPropsError';
  }
}

export class PciFunction extends NodejsFunction {
  /** The function's own encrypted log group (metric filters attach here). */
  public readonly functionLogGroup: logs.LogGroup;
  /** The function's own role; grants land here and nowhere else. */
  public readonly functionRole: iam.Role;
  /** POWERTOOLS_SERVICE_NAME: the `service` dimension of the function's metrics. */
  public readonly serviceName: string;

  public constructor(scope: Construct, id: string, props: PciFunctionProps) {
    const problems = FORBIDDEN_ENV.filter((name) => props.environment?.[name] !== undefined).map((name) => `environment must not set ${name}`);
    if (problems.length > 0) throw new PciFunctionPropsError(problems);

    // The role and log group are created beside the function because NodejsFunction needs them in super().
    const logGroup = new EncryptedLogGroup(scope, `${id}Logs`, { encryptionKey: props.logsKey, retention: props.logRetention }).logGroup;
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `secure-ivr ${props.serviceName}: execution role of one function`,
    });

    super(scope, id, {
      entry: path.resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: props.serviceName },
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: false,
        target: 'node22',
        mainFields: ['module', 'main'],
        // The SDK v3 ships with the runtime; bundling it would only grow cold starts.
        externalModules: ['@aws-sdk/*'],
        // Some CommonJS dependencies call require() at run time; ESM needs it recreated.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    });
    this.functionLogGroup = logGroup;
    this.functionRole = role;
    this.serviceName = props.serviceName;
    // Lambda writes to its own group only; no CreateLogGroup, no retention or policy changes (P18).
    logGroup.grantWrite(role);

    Validations.of(role).acknowledge(
      {
        id: 'PCI.DSS.321-IAMNoInlinePolicy',
        reason:
          "P10: the inline policy is this one function's least-privilege grant (one role per function, resources scoped to single tables/keys/log group); it lives and dies with the role.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'P10: only xray:PutTraceSegments/PutTelemetryRecords use Resource "*", because X-Ray has no resource-level permissions.',
      },
    );
    Validations.of(this).acknowledge(
      {
        id: 'PCI.DSS.321-LambdaInsideVPC',
        reason:
          'P10: open decision in pci.md; the function has no inbound network path, calls AWS APIs over TLS and the validator only the merchant HTTPS endpoint with verified certificates (P09).',
      },
      {
        id: 'AwsSolutions-L1',
        reason: 'P24: Node.js 22 is the pinned project runtime (supported by Lambda, tested locally); moving to 24 is a reviewed change.',
      },
    );
  }
}
