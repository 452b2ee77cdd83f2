/**
 * Chooses the reference service's PaymentGateway from its environment: VALIDATION_GATEWAY
 * (test | stripe | adyen | braintree | generic), VALIDATION_GATEWAY_SECRET_NAME (the Secrets Manager secret holding the
 * credentials as JSON) and VALIDATION_GATEWAY_TEST_MODE (true refuses non-test cards before any call).
 * The secret is read once per execution environment through the client passed in. Problems name the
 * setting and the expected shape, never a secret value.
 *
 * Secret JSON per gateway (extra fields are ignored):
 * - stripe:    { "apiKey": "sk_test_…" }
 * - adyen:     { "apiKey": "…", "merchantAccount": "YourCompanyMOTO", "environment": "TEST" | "LIVE",
 *                "liveEndpointUrlPrefix"?: "…" (LIVE only), "returnUrl"?: "https://…" }
 * - braintree: { "merchantId": "…", "publicKey": "…", "privateKey": "…", "environment": "sandbox" | "production",
 *                "merchantAccountIds"?: { "USD": "…", "EUR": "…" } }
 * - generic:   { "baseUrl": "https://…", "username": "…", "password": "…" }
 */
import type { Agent } from 'node:https';
import { type PaymentGateway, TestGateway } from '../gateway';
import { GATEWAY_ENV, GATEWAY_KINDS, type GatewayKind } from './env';
import { AdyenGateway } from './adyen';
import { BraintreeGateway } from './braintree';
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

function optionalField(secret: Record<string, unknown>, name: string, kind: string): string | undefined {
  return secret[name] === undefined ? undefined : field(secret, name, kind);
}

function oneOf<T extends string>(secret: Record<string, unknown>, name: string, kind: string, allowed: readonly T[]): T {
  const value = field(secret, name, kind);
  if (!allowed.includes(value as T)) throw new GatewaySelectionError(`the ${kind} secret field "${name}" must be ${allowed.join(' or ')}`);
  return value as T;
}

function stringMap(secret: Record<string, unknown>, name: string, kind: string): Record<string, string> | undefined {
  const value = secret[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string'))
    throw new GatewaySelectionError(`the ${kind} secret field "${name}" must be an object of strings`);
  return value as Record<string, string>;
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
  if (kind === 'adyen') {
    const liveEndpointUrlPrefix = optionalField(secret, 'liveEndpointUrlPrefix', kind);
    const returnUrl = optionalField(secret, 'returnUrl', kind);
    return new AdyenGateway({
      apiKey: field(secret, 'apiKey', kind),
      merchantAccount: field(secret, 'merchantAccount', kind),
      environment: oneOf(secret, 'environment', kind, ['TEST', 'LIVE'] as const),
      testMode,
      timeoutMs,
      ...(liveEndpointUrlPrefix === undefined ? {} : { liveEndpointUrlPrefix }),
      ...(returnUrl === undefined ? {} : { returnUrl }),
      ...(deps.endpoint ? { endpointOrigin: `https://${deps.endpoint.host}:${deps.endpoint.port}`, agent: deps.endpoint.agent } : {}),
    });
  }
  if (kind === 'braintree') {
    const merchantAccountIds = stringMap(secret, 'merchantAccountIds', kind);
    return new BraintreeGateway({
      merchantId: field(secret, 'merchantId', kind),
      publicKey: field(secret, 'publicKey', kind),
      privateKey: field(secret, 'privateKey', kind),
      environment: oneOf(secret, 'environment', kind, ['sandbox', 'production'] as const),
      testMode,
      timeoutMs,
      ...(merchantAccountIds === undefined ? {} : { merchantAccountIds }),
      ...(deps.endpoint ? { endpoint: { host: deps.endpoint.host, port: deps.endpoint.port }, agent: deps.endpoint.agent } : {}),
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
