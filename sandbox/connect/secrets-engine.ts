/**
 * A local Secrets Manager endpoint for the sandbox's Connect telephony: the JSON 1.1 protocol on
 * loopback (target prefix `secretsmanager`), with GetSecretValue and PutSecretValue — what the capture
 * function and the key rotation use — reached by the real SecretsManagerClient through
 * AWS_ENDPOINT_URL_SECRETS_MANAGER. Secrets live in memory only (the flow key is remade at every start).
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError, optionalString, requiredString, startAwsJsonServer } from '../engines/aws-json-server';
import type { FaultInjection, RequestCounter } from '../engines/request-counter';

export interface SecretsEngine extends RequestCounter, FaultInjection {
  endpoint: string;
  /** Creates or replaces a secret's current value; returns its ARN. */
  put(name: string, secretString: string): string;
  close(): Promise<void>;
}

interface Secret {
  arn: string;
  name: string;
  value: string;
  versionId: string;
  createdAt: number;
  /** The version before the current one (stage AWSPREVIOUS), as a rotation leaves it. */
  previous?: { value: string; versionId: string; createdAt: number };
}

export async function startSecretsEngine(options: { region?: string; accountId?: string } = {}): Promise<SecretsEngine> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const secrets = new Map<string, Secret>();
  const find = (id: string): Secret => {
    const secret = secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id);
    if (!secret) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };
  const put = (name: string, value: string): Secret => {
    const existing = secrets.get(name);
    const secret: Secret = {
      arn: existing?.arn ?? `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomUUID().slice(0, 6)}`,
      name,
      value,
      versionId: randomUUID(),
      createdAt: Date.now() / 1000,
      ...(existing ? { previous: { value: existing.value, versionId: existing.versionId, createdAt: existing.createdAt } } : {}),
    };
    secrets.set(name, secret);
    return secret;
  };
  const server = await startAwsJsonServer({
    service: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    operations: {
      GetSecretValue: (body) => {
        const s = find(requiredString(body, 'SecretId'));
        const stage = optionalString(body, 'VersionStage') ?? 'AWSCURRENT';
        if (stage === 'AWSCURRENT')
          return { ARN: s.arn, Name: s.name, SecretString: s.value, VersionId: s.versionId, VersionStages: ['AWSCURRENT'], CreatedDate: s.createdAt };
        if (stage === 'AWSPREVIOUS' && s.previous)
          return {
            ARN: s.arn,
            Name: s.name,
            SecretString: s.previous.value,
            VersionId: s.previous.versionId,
            VersionStages: ['AWSPREVIOUS'],
            CreatedDate: s.previous.createdAt,
          };
        throw new AwsServiceError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${stage === 'AWSPREVIOUS' ? 'AWSPREVIOUS' : 'the given label'}`,
        );
      },
      PutSecretValue: (body) => {
        const s = put(find(requiredString(body, 'SecretId')).name, requiredString(body, 'SecretString'));
        return { ARN: s.arn, Name: s.name, VersionId: s.versionId, VersionStages: ['AWSCURRENT'] };
      },
    },
  });
  return {
    endpoint: server.endpoint,
    put: (name, value) => put(name, value).arn,
    counts: () => server.counter.counts(),
    resetCounts: () => server.counter.resetCounts(),
    injectFault: (operation, count, errorType) => server.faults.injectFault(operation, count, errorType),
    clearFaults: () => server.faults.clearFaults(),
    close: () => server.close(),
  };
}
