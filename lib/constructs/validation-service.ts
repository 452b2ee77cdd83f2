/**
 * The reference validation web service (lambdas/validation-service) deployed behind a Lambda function
 * URL with AuthType AWS_IAM, for trying secure-ivr end to end and for merchants to compare their own
 * service with (`secure-ivr check-validator`). It runs the TestGateway: only documented test cards
 * are accepted, nothing is ever charged.
 *
 * Why a function URL with IAM auth rather than API Gateway: the only caller is the validator Lambda,
 * which already holds AWS credentials and signs with SigV4 (VALIDATION_AUTH=aws-iam), so access is one
 * grant per principal (`grantInvoke`), with no shared secret to store, no authorizer to run, no extra
 * resource and no per-request API charge. TLS is terminated by the Lambda URL endpoint (TLS 1.2+,
 * public certificate). A merchant who needs a custom domain or mutual TLS puts their own service
 * (or API Gateway with a custom domain and mTLS) in front instead.
 */
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/session/contract';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from '../../lambdas/validator/card-field-names';
import { GATEWAY_ENV, type GatewayKind } from '../../lambdas/validation-service/gateways/env';
import { PciFunction } from './pci-function';

export interface ReferenceValidationServiceProps {
  /** The customer-managed key for the function's log group (see LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * Optional - Param names of the card fields; must match the validator's.
   * @default card number / expiry date / security code
   */
  readonly cardFieldNames?: Readonly<CardFieldNames>;
  /**
   * Optional - Reserved concurrency: bounds what a misbehaving caller can run up. Off by default: reserving
   * takes from the account's unreserved pool, and accounts with a concurrency quota of 10 (new accounts)
   * cannot reserve any, so the deploy would fail.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Optional - Function timeout; keep it under the validator's total timeout.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
  /**
   * Optional - The payment gateway behind the service.
   * @default 'test' (the TestGateway: documented test cards only, never charges)
   */
  readonly gateway?: GatewayKind;
  /** Secrets Manager secret name with the gateway credentials (JSON); required unless gateway is test. Only this function may read it. */
  readonly gatewaySecretName?: string;
  /**
   * Optional - Refuse non-test card numbers before calling the gateway.
   * @default true
   */
  readonly gatewayTestMode?: boolean;
}

export class ReferenceValidationServicePropsError extends Error {
  public constructor(problems: string[]) {
    super(`ReferenceValidationService: ${problems.join('; ')}`);
    this.name = 'ReferenceValidationServicePropsError';
  }
}

export class ReferenceValidationService extends Construct {
  public readonly function: PciFunction;
  /** AWS_IAM-authenticated URL; callers need `grantInvoke` and must sign with SigV4 (service `lambda`). */
  public readonly functionUrl: lambda.FunctionUrl;
  /** The URL the validator posts to. */
  public readonly url: string;

  public constructor(scope: Construct, id: string, props: ReferenceValidationServiceProps) {
    super(scope, id);
    const problems: string[] = [];
    const names = parseCardFieldNames(JSON.stringify(props.cardFieldNames ?? DEFAULT_CARD_FIELD_NAMES), 'cardFieldNames');
    if (!names.ok) problems.push(names.problem);
    const concurrency = props.reservedConcurrentExecutions;
    if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000))
      problems.push('reservedConcurrentExecutions must be a whole number from 1 to 1000');
    const timeout = props.timeout ?? Duration.seconds(5);
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 30) problems.push('timeout must be from 1 to 30 seconds');
    const gateway = props.gateway ?? 'test';
    if (gateway !== 'test' && (props.gatewaySecretName === undefined || props.gatewaySecretName === ''))
      problems.push(`gatewaySecretName is required for the ${gateway} gateway`);
    if (problems.length > 0) throw new ReferenceValidationServicePropsError(problems);

    this.function = new PciFunction(this, 'ReferenceValidationFunction', {
      entry: 'lambdas/validation-service/handler.ts',
      serviceName: 'secure-ivr-validation-service',
      description:
        gateway === 'test'
          ? 'Reference validation web service (test gateway: documented test cards only, never charges)'
          : `Reference validation web service (${gateway} gateway${props.gatewayTestMode === false ? ', live' : ', test mode'})`,
      logsKey: props.logsKey,
      timeout,
      reservedConcurrentExecutions: concurrency,
      environment: {
        [ENV.cardFieldNames]: JSON.stringify(names.ok ? names.names : DEFAULT_CARD_FIELD_NAMES),
        [GATEWAY_ENV.kind]: gateway,
        ...(gateway === 'test'
          ? {}
          : { [GATEWAY_ENV.secretName]: props.gatewaySecretName ?? '', [GATEWAY_ENV.testMode]: props.gatewayTestMode === false ? 'false' : 'true' }),
      },
    });
    if (gateway !== 'test' && props.gatewaySecretName !== undefined) {
      // Read access for this function only: no other role in the stack is granted the credentials.
      secretsmanager.Secret.fromSecretNameV2(this, 'GatewaySecret', props.gatewaySecretName).grantRead(this.function);
    }
    this.functionUrl = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM, invokeMode: lambda.InvokeMode.BUFFERED });
    this.url = this.functionUrl.url;
  }

  /** Lets a principal call the URL (lambda:InvokeFunctionUrl and, for dual auth, lambda:InvokeFunction via the URL only). */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }
}
