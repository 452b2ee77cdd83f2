/**
 * Validate stage Lambda (Step Functions task): adapts the task input to validateSession. Configuration
 * is read and checked once, on the first invocation (so tests can set the environment first); the TLS
 * trust material (CA bundle, client certificate) is fetched from Secrets Manager / SSM once per cold
 * start; the HTTPS client with its connection pool lives as long as the execution environment.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { EnvReader } from '../../shared/config';
import { documentClient, kmsClient } from '../../shared/clients';
import { createLogger } from '../../shared/logging';
import { ENV, type ValidateInput, type ValidationResult } from '../../shared/session/contract';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from '../../validator/card-field-names';
import {
  createValidationClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TOTAL_TIMEOUT_MS,
  type ValidationClient,
  validationUrlProblem,
} from '../../validator/https-client';
import { createSigV4Signer, type Credentials, type RequestSigner } from '../../validator/request-signer';
import {
  loadTrustMaterial,
  PEM_CERTIFICATE,
  PEM_PRIVATE_KEY,
  sdkTrustReaders,
  type TrustMaterial,
  type TrustReaders,
  type TrustSources,
} from '../../validator/trust-material';
import { validateSession } from './validate';
import { METRIC, metricsForService, type OperationalMetrics } from '../../shared/metrics';
import { DEFAULT_MAX_REPLY_BYTES } from '../../validator/xml-contract';

/** Made on first use, not at import: its service name is read from the environment then. */
let validationMetrics: OperationalMetrics | undefined;

/** Validator settings beyond the shared ENV names. */
export const VALIDATOR_ENV = {
  caPem: 'VALIDATION_CA_PEM',
  clientCertPem: 'VALIDATION_CLIENT_CERT_PEM',
  clientKeyPem: 'VALIDATION_CLIENT_KEY_PEM',
  caSecretArn: 'VALIDATION_CA_SECRET_ARN',
  caParameter: 'VALIDATION_CA_PARAMETER',
  clientCertSecretArn: 'VALIDATION_CLIENT_CERT_SECRET_ARN',
  auth: 'VALIDATION_AUTH',
  connectTimeoutMs: 'VALIDATION_CONNECT_TIMEOUT_MS',
  timeoutMs: 'VALIDATION_TIMEOUT_MS',
  maxReplyBytes: 'VALIDATION_MAX_REPLY_BYTES',
} as const;

export interface ValidatorConfig {
  validationUrl: string;
  vaultTable: string;
  vaultKeyArn: string;
  cardFieldNames: CardFieldNames;
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Set only when configured: where the CA bundle / client certificate are fetched from at cold start. */
  caSecretArn?: string;
  caParameter?: string;
  clientCertSecretArn?: string;
  /** Set only when requests are signed with SigV4 (a function URL with IAM auth). */
  auth?: 'aws-iam';
  connectTimeoutMs: number;
  timeoutMs: number;
  maxReplyBytes: number;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const PARAMETER = /^(?:arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]+|[A-Za-z0-9_.\-/]{1,2048})$/;

/** Reads and checks the environment; throws one ConfigurationError naming every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): ValidatorConfig {
  const reader = new EnvReader(env);
  const validationUrl = reader.required(ENV.validationUrl);
  if (validationUrl !== '') {
    const problem = validationUrlProblem(validationUrl);
    if (problem !== undefined) reader.problem(`${ENV.validationUrl} is refused: ${problem}`);
  }
  const vaultTable = reader.required(ENV.vaultTable);
  const vaultKeyArn = reader.required(ENV.vaultKeyArn);

  let cardFieldNames: CardFieldNames = { ...DEFAULT_CARD_FIELD_NAMES };
  const names = parseCardFieldNames(env[ENV.cardFieldNames], ENV.cardFieldNames);
  if (names.ok) cardFieldNames = names.names;
  else reader.problem(names.problem);

  const caPem = reader.optional(VALIDATOR_ENV.caPem, '');
  if (caPem !== '' && !PEM_CERTIFICATE.test(caPem)) reader.problem(`${VALIDATOR_ENV.caPem} must hold PEM certificates`);
  const caSecretArn = reader.optional(VALIDATOR_ENV.caSecretArn, '');
  if (caSecretArn !== '' && !SECRET_ARN.test(caSecretArn)) reader.problem(`${VALIDATOR_ENV.caSecretArn} must be a Secrets Manager secret ARN`);
  const caParameter = reader.optional(VALIDATOR_ENV.caParameter, '');
  if (caParameter !== '' && !PARAMETER.test(caParameter)) reader.problem(`${VALIDATOR_ENV.caParameter} must be an SSM parameter name or ARN`);
  if ([caPem, caSecretArn, caParameter].filter((v) => v !== '').length > 1) {
    reader.problem(`set at most one of ${VALIDATOR_ENV.caPem}, ${VALIDATOR_ENV.caSecretArn} and ${VALIDATOR_ENV.caParameter}`);
  }

  const clientCertPem = reader.optional(VALIDATOR_ENV.clientCertPem, '');
  const clientKeyPem = reader.optional(VALIDATOR_ENV.clientKeyPem, '');
  if ((clientCertPem === '') !== (clientKeyPem === '')) reader.problem(`${VALIDATOR_ENV.clientCertPem} and ${VALIDATOR_ENV.clientKeyPem} must be set together`);
  if (clientCertPem !== '' && !PEM_CERTIFICATE.test(clientCertPem)) reader.problem(`${VALIDATOR_ENV.clientCertPem} must hold a PEM certificate`);
  if (clientKeyPem !== '' && !PEM_PRIVATE_KEY.test(clientKeyPem)) reader.problem(`${VALIDATOR_ENV.clientKeyPem} must hold a PEM private key`);
  const clientCertSecretArn = reader.optional(VALIDATOR_ENV.clientCertSecretArn, '');
  if (clientCertSecretArn !== '' && !SECRET_ARN.test(clientCertSecretArn))
    reader.problem(`${VALIDATOR_ENV.clientCertSecretArn} must be a Secrets Manager secret ARN`);
  if (clientCertSecretArn !== '' && clientCertPem !== '')
    reader.problem(`set either ${VALIDATOR_ENV.clientCertSecretArn} or ${VALIDATOR_ENV.clientCertPem}, not both`);

  const auth = reader.oneOf(VALIDATOR_ENV.auth, ['none', 'aws-iam'] as const, 'none');
  if (auth === 'aws-iam' && (env.AWS_REGION ?? '').trim() === '') reader.problem(`${VALIDATOR_ENV.auth}=aws-iam needs AWS_REGION (the signing region)`);

  const connectTimeoutMs = reader.integer(VALIDATOR_ENV.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS, 50, 60_000);
  const timeoutMs = reader.integer(VALIDATOR_ENV.timeoutMs, DEFAULT_TOTAL_TIMEOUT_MS, 50, 300_000);
  if (connectTimeoutMs > timeoutMs) reader.problem(`${VALIDATOR_ENV.connectTimeoutMs} must not exceed ${VALIDATOR_ENV.timeoutMs}`);
  const maxReplyBytes = reader.integer(VALIDATOR_ENV.maxReplyBytes, DEFAULT_MAX_REPLY_BYTES, 256, 1024 * 1024);
  reader.done();

  return {
    validationUrl,
    vaultTable,
    vaultKeyArn,
    cardFieldNames,
    ...(caPem === '' ? {} : { caPem }),
    ...(clientCertPem === '' ? {} : { clientCertPem, clientKeyPem }),
    ...(caSecretArn === '' ? {} : { caSecretArn }),
    ...(caParameter === '' ? {} : { caParameter }),
    ...(clientCertSecretArn === '' ? {} : { clientCertSecretArn }),
    ...(auth === 'aws-iam' ? { auth } : {}),
    connectTimeoutMs,
    timeoutMs,
    maxReplyBytes,
  };
}

interface Runtime {
  config: ValidatorConfig;
  client: ValidationClient;
  logger: Logger;
}

export interface RuntimeDeps {
  /** Reads secrets and parameters. @default Secrets Manager and SSM through lazily loaded SDK clients */
  trustReaders?: TrustReaders;
  /** AWS credentials for SigV4 signing. @default the SDK's default chain (through the KMS client) */
  credentials?: () => Promise<Credentials>;
}

/** The trust material: from the environment (sandbox, tests) or fetched once from Secrets Manager / SSM. */
async function trustMaterial(config: ValidatorConfig, readers: TrustReaders | undefined): Promise<TrustMaterial> {
  const sources: TrustSources = {
    ...(config.caSecretArn ? { caSecretArn: config.caSecretArn } : {}),
    ...(config.caParameter ? { caParameter: config.caParameter } : {}),
    ...(config.clientCertSecretArn ? { clientCertSecretArn: config.clientCertSecretArn } : {}),
  };
  const fetched = Object.keys(sources).length === 0 ? {} : await loadTrustMaterial(sources, readers ?? sdkTrustReaders(), VALIDATOR_ENV);
  return {
    ...(config.caPem ? { caPem: config.caPem } : {}),
    ...(config.clientCertPem && config.clientKeyPem ? { clientCertPem: config.clientCertPem, clientKeyPem: config.clientKeyPem } : {}),
    ...fetched,
  };
}

async function signerFor(config: ValidatorConfig, deps: RuntimeDeps): Promise<RequestSigner | undefined> {
  if (config.auth !== 'aws-iam') return undefined;
  // The KMS client is needed anyway; its resolved provider caches and refreshes the role's credentials.
  const credentials = deps.credentials ?? ((await kmsClient()).config.credentials as () => Promise<Credentials>);
  return createSigV4Signer({ region: process.env.AWS_REGION as string, credentials });
}

/** Builds everything that lives as long as the execution environment. */
export async function createRuntime(env: NodeJS.ProcessEnv, deps: RuntimeDeps = {}): Promise<Runtime> {
  const config = loadConfig(env);
  const logger = createLogger('validator');
  let trust: TrustMaterial;
  try {
    trust = await trustMaterial(config, deps.trustReaders);
  } catch (err) {
    logger.error('validator trust material could not be loaded', { reasonCode: err instanceof Error ? err.name : 'UnknownError' });
    throw err;
  }
  const signer = await signerFor(config, deps);
  const client = createValidationClient({
    url: config.validationUrl,
    connectTimeoutMs: config.connectTimeoutMs,
    timeoutMs: config.timeoutMs,
    maxReplyBytes: config.maxReplyBytes,
    ...trust,
    ...(signer ? { signer } : {}),
  });
  return { config, client, logger };
}

/** The Validate Lambda: one runtime (configuration, trust material, pooled HTTPS client) per instance. */
export interface ValidateHandler {
  (event: ValidateInput): Promise<ValidationResult>;
  /** Closes the pooled connections; the next invocation builds a new runtime. */
  close(): Promise<void>;
}

/**
 * A handler with its own runtime, built on the first invocation from process.env and `deps`. Lambda
 * uses the module's `handler`; the sandbox and tests make their own (with their own trust readers or
 * credentials) and close it, so no reset hook is needed.
 */
export function createValidateHandler(deps: RuntimeDeps = {}): ValidateHandler {
  let runtime: Promise<Runtime> | undefined;
  const getRuntime = (): Promise<Runtime> => {
    // A failed start (a secret not yet readable) is not cached: the next invocation tries again.
    runtime ??= createRuntime(process.env, deps).catch((err: unknown) => {
      runtime = undefined;
      throw err;
    });
    return runtime;
  };
  const handle = async (event: ValidateInput): Promise<ValidationResult> => {
    const { config, client, logger } = await getRuntime();
    const [ddb, kms] = await Promise.all([documentClient(), kmsClient()]);
    const started = performance.now();
    try {
      return await validateSession(
        {
          vault: { ddb, kms, tableName: config.vaultTable, keyArn: config.vaultKeyArn, now: () => new Date() },
          client,
          cardFieldNames: config.cardFieldNames,
          maxReplyBytes: config.maxReplyBytes,
          logger,
        },
        event,
      );
    } finally {
      (validationMetrics ??= metricsForService()).milliseconds(METRIC.validationLatency, performance.now() - started);
    }
  };
  return Object.assign(handle, {
    close: async (): Promise<void> => {
      const previous = runtime;
      runtime = undefined;
      await previous?.then(
        (r) => r.client.close(),
        () => undefined,
      );
    },
  });
}

export const handler = createValidateHandler();
