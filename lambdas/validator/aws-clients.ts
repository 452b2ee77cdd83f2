/**
 * The validator's own lazily loaded SDK clients for its trust material (Secrets Manager, SSM Parameter
 * Store). They are imported only when a secret or parameter is configured, so a validator that reads
 * its CA from the environment (the sandbox) never loads them. Endpoints follow the SDK's own
 * AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_SSM variables, like lambdas/shared/clients.ts.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';

/** Short retries: these calls run once per cold start, inside a Step Functions task. */
const common = { maxAttempts: 3 } as const;

let secrets: Promise<SecretsManagerClient> | undefined;
let ssm: Promise<SSMClient> | undefined;

export function secretsManagerClient(): Promise<SecretsManagerClient> {
  secrets ??= import('@aws-sdk/client-secrets-manager').then(({ SecretsManagerClient: Client }) => new Client({ ...common }));
  return secrets;
}

export function ssmClient(): Promise<SSMClient> {
  ssm ??= import('@aws-sdk/client-ssm').then(({ SSMClient: Client }) => new Client({ ...common }));
  return ssm;
}
