/**
 * The validator's TLS trust material in AWS: which Secrets Manager secrets / SSM parameter hold the
 * merchant's private CA bundle and the client certificate (mutual TLS), the environment that tells the
 * validator where they are, and the exact read grants: secretsmanager:GetSecretValue on those secrets
 * only, ssm:GetParameter on that parameter only, and kms:Decrypt on the customer-managed key that
 * encrypts them (when given), usable only through Secrets Manager / SSM.
 *
 * The secrets themselves are created and rotated by the merchant (they hold a private key), never by
 * this stack: the stack only points at them.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Environment variable names the validator reads (lambdas/session/validate/handler.ts VALIDATOR_ENV). */
export const VALIDATOR_TRUST_ENV = {
  caSecretArn: 'VALIDATION_CA_SECRET_ARN',
  caParameter: 'VALIDATION_CA_PARAMETER',
  clientCertSecretArn: 'VALIDATION_CLIENT_CERT_SECRET_ARN',
} as const;

/** A complete secret ARN: Secrets Manager appends a 6-character suffix to the name. */
export const COMPLETE_SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
export const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,2048}$/;

export interface ValidatorTrustProps {
  /**
   * Optional - Complete ARN of the secret holding the CA bundle (PEM, or JSON {"caPem":"…"}).
   * @default - no private CA from Secrets Manager
   */
  readonly caSecretArn?: string;
  /**
   * Optional - Name of the SSM parameter (String or SecureString) holding the CA bundle (PEM).
   * Mutually exclusive with caSecretArn.
   * @default - no private CA from Parameter Store
   */
  readonly caParameterName?: string;
  /**
   * Optional - Complete ARN of the secret holding {"certPem":"…","keyPem":"…"} for mutual TLS.
   * @default - no client certificate
   */
  readonly clientCertSecretArn?: string;
  /**
   * Optional - ARN of the customer-managed KMS key encrypting those secrets / the SecureString.
   * @default - the AWS managed keys (aws/secretsmanager, aws/ssm), which need no grant
   */
  readonly encryptionKeyArn?: string;
}

export class ValidatorTrustPropsError extends Error {
  public constructor(problems: string[]) {
    super(`ValidatorTrust: ${problems.join('; ')}`);
    this.name = 'ValidatorTrustPropsError';
  }
}

export class ValidatorTrust extends Construct {
  /** Environment for the validator function: where its trust material is. */
  public readonly environment: Readonly<Record<string, string>>;
  private readonly secretArns: string[];
  private readonly parameterArns: string[];
  private readonly encryptionKeyArn: string | undefined;

  public constructor(scope: Construct, id: string, props: ValidatorTrustProps) {
    super(scope, id);
    const problems: string[] = [];
    for (const [name, arn] of [
      ['caSecretArn', props.caSecretArn],
      ['clientCertSecretArn', props.clientCertSecretArn],
    ] as const) {
      if (arn !== undefined && !COMPLETE_SECRET_ARN.test(arn))
        problems.push(`${name} must be a complete Secrets Manager secret ARN (ending in the 6-character suffix)`);
    }
    if (props.caParameterName !== undefined && !PARAMETER_NAME.test(props.caParameterName))
      problems.push('caParameterName must be an SSM parameter name such as /secure-ivr/validation-ca');
    if (props.caSecretArn !== undefined && props.caParameterName !== undefined) problems.push('give caSecretArn or caParameterName, not both');
    if (props.encryptionKeyArn !== undefined && !KMS_KEY_ARN.test(props.encryptionKeyArn))
      problems.push('encryptionKeyArn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)');
    if (problems.length > 0) throw new ValidatorTrustPropsError(problems);

    const stack = Stack.of(this);
    this.secretArns = [props.caSecretArn, props.clientCertSecretArn].filter((a): a is string => a !== undefined);
    this.parameterArns =
      props.caParameterName === undefined
        ? []
        : [
            stack.formatArn({
              service: 'ssm',
              resource: 'parameter',
              resourceName: props.caParameterName.replace(/^\//, ''),
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ];
    this.environment = {
      ...(props.caSecretArn ? { [VALIDATOR_TRUST_ENV.caSecretArn]: props.caSecretArn } : {}),
      ...(props.caParameterName ? { [VALIDATOR_TRUST_ENV.caParameter]: props.caParameterName } : {}),
      ...(props.clientCertSecretArn ? { [VALIDATOR_TRUST_ENV.clientCertSecretArn]: props.clientCertSecretArn } : {}),
    };
    this.encryptionKeyArn = props.encryptionKeyArn;
  }

  /** True when any trust material is configured. */
  public get configured(): boolean {
    return this.secretArns.length + this.parameterArns.length > 0;
  }

  /** Lets the validator read exactly the configured secrets / parameter (and decrypt them through the service). */
  public grantRead(grantee: iam.IGrantable): void {
    if (this.secretArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['secretsmanager:GetSecretValue'], resourceArns: this.secretArns });
    if (this.parameterArns.length > 0) iam.Grant.addToPrincipal({ grantee, actions: ['ssm:GetParameter'], resourceArns: this.parameterArns });
    if (this.encryptionKeyArn !== undefined && this.configured) {
      const region = Stack.of(this).region;
      const services = [
        ...(this.secretArns.length > 0 ? [`secretsmanager.${region}.amazonaws.com`] : []),
        ...(this.parameterArns.length > 0 ? [`ssm.${region}.amazonaws.com`] : []),
      ];
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.encryptionKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': services.length === 1 ? services[0] : services } },
        }),
      );
    }
  }
}
