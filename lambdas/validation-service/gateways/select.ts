/**
 * Chooses the reference service's PaymentGateway from its environment: VALIDATION_GATEWAY
 * (test | stripe | generic), VALIDATION_GATEWAY_SECRET_NAME (the Secrets Manager secret holding the
 * credentials as JSON) and VALIDATION_GATEWAY_TEST_MODE (true refuses non-test cards before any call).
 * The secret is read once per execution environment through the client passed in. Problems name the
 * setting and the expected shape, never a secret value.
 */
import type { Agent } from 'node:https';
import { type PaymentGateway, TestGateway } from '../gateway';
import { GATEWAY_ENV, GATEWAY_KINDS, type GatewayKind } from './env';
import { GenericGateway } from './generic';
import { StripeGateway } from './stripe';

export class GatewaySelectionError extends Error {
  public constructor(problem: string) {
    super(`Gateway configuration: ${problem}`);
    this.name = 'GatewaySelectionError';
  }
}

export interface GatewaySelectionDeps {
  /** Returns the secret's string value (SecretsManager GetSecretValue in Lambda). */
  readSecret(name: string): Promise<string>;
  /** Endpoint override for the sandbox's local fakes. */
  endpoint?: { host: string; port: number; agent: Agent };
}

function field(secret: Record<string, unknown>, name: string, kind: string): string {
  const value = secret[name];
  if (typeof value !== 'string' || value === '') throw new GatewaySelectionError(`the ${kind} secret needs a non-empty string field "${name}"`);
  return value;
}

export async function selectGateway(env: NodeJS.ProcessEnv, deps: GatewaySelectionDeps): Promise<PaymentGateway> {
  const kind = (env[GATEWAY_ENV.kind] ?? 'test') as GatewayKind;
  if (!GATEWAY_KINDS.includes(kind)) throw new GatewaySelectionError(`${GATEWAY_ENV.kind} must be one of ${GATEWAY_KINDS.join(', ')}`);
  if (kind === 'test') return new TestGateway();
  const testModeRaw = env[GATEWAY_ENV.testMode] ?? 'true';
  if (testModeRaw !== 'true' && testModeRaw !== 'false') throw new GatewaySelectionError(`${GATEWAY_ENV.testMode} must be true or false`);
  const testMode = testModeRaw === 'true';
  const secretName = env[GATEWAY_ENV.secretName];
  if (secretName === undefined || secretName === '') throw new GatewaySelectionError(`${GATEWAY_ENV.secretName} is required for the ${kind} gateway`);
  let secret: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await deps.readSecret(secretName));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    secret = parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof GatewaySelectionError) throw err;
    throw new GatewaySelectionError(`the ${kind} secret must be a JSON object`);
  }
  const timeoutMs = 8000;
  if (kind === 'stripe') {
    return new StripeGateway({
      apiKey: field(secret, 'apiKey', kind),
      testMode,
      timeoutMs,
      ...(deps.endpoint ? { host: deps.endpoint.host, port: deps.endpoint.port, protocol: 'https' as const, httpAgent: deps.endpoint.agent } : {}),
    });
  }
  return new GenericGateway({
    baseUrl: field(secret, 'baseUrl', kind),
    username: field(secret, 'username', kind),
    password: field(secret, 'password', kind),
    testMode,
    timeoutMs,
    ...(deps.endpoint ? { agent: deps.endpoint.agent } : {}),
  });
}
