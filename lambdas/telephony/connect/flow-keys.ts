/**
 * The flow key for the capture function: read from Secrets Manager once per container (the current
 * version and, during a rotation, the previous one), and read again only when a stored value does not
 * open with the cached keys (the key was rotated since).
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { decryptStoredInput, parseFlowKeys, type FlowKey } from './stored-input';

let flowKeys: Promise<FlowKey[]> | undefined;
let secrets: Promise<SecretsManagerClient> | undefined;

function secretsClient(): Promise<SecretsManagerClient> {
  return (secrets ??= import('@aws-sdk/client-secrets-manager').then(({ SecretsManagerClient: Client }) => new Client({ maxAttempts: 3 })));
}

/** The current key and, while a rotation settles, the previous one (AWSPREVIOUS: contacts still in the old flow). */
async function readFlowKeys(secretArn: string): Promise<FlowKey[]> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = await secretsClient();
  const [current, previous] = await Promise.all([
    client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' })),
    client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSPREVIOUS' })).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'ResourceNotFoundException') return undefined;
      throw err;
    }),
  ]);
  const keys = parseFlowKeys(current.SecretString ?? '');
  if (previous?.SecretString) {
    try {
      keys.push(...parseFlowKeys(previous.SecretString).filter((k) => !keys.some((c) => c.keyId === k.keyId)));
    } catch {
      // The first version is CDK's placeholder, not a key: only the current key counts then.
    }
  }
  return keys;
}

/** Opens a stored value with the cached keys; on a miss, reads the secret again once (rotation). */
export async function openStoredInput(secretArn: string, value: string, now: Date): Promise<string> {
  const cached = (flowKeys ??= readFlowKeys(secretArn));
  try {
    return await decryptStoredInput(value, await cached, now);
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'StoredInputDecryptError') {
      if (flowKeys === cached) flowKeys = undefined;
      throw err;
    }
    flowKeys = readFlowKeys(secretArn);
    return decryptStoredInput(value, await flowKeys, now);
  }
}

/**
 * Whether the certificate the flow encrypts to has expired: every key of the secret's current version is
 * past its notAfter. Read afresh (a failed input block is rare, and a rotation may have just happened).
 */
export async function currentFlowKeyExpired(secretArn: string, now: Date): Promise<boolean> {
  const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const current = await (await secretsClient()).send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: 'AWSCURRENT' }));
  return parseFlowKeys(current.SecretString ?? '').every((k) => k.notAfter.getTime() <= now.getTime());
}

/** Forgets the cached keys (tests and the sandbox, which rotate keys within one process). */
export function forgetFlowKeys(): void {
  flowKeys = undefined;
  secrets = undefined;
}
