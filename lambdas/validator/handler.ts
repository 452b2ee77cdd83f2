/**
 * Validate stage Lambda (Step Functions task): adapts the task input to validateSession. Configuration
 * is read and checked once, on the first invocation (so tests can set the environment first), and the
 * HTTPS client with its connection pool lives as long as the execution environment.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { EnvReader } from '../shared/config';
import { documentClient, kmsClient } from '../shared/clients';
import { createLogger } from '../shared/logging';
import { ENV, type ValidateInput, type ValidationResult } from '../shared/session/contract';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from './card-field-names';
import { createValidationClient, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_TOTAL_TIMEOUT_MS, type ValidationClient, validationUrlProblem } from './https-client';
import { validateSession } from './validate';
import { DEFAULT_MAX_REPLY_BYTES } from './xml-contract';

/** Validator settings beyond the shared ENV names. */
export const VALIDATOR_ENV = {
  caPem: 'VALIDATION_CA_PEM',
  clientCertPem: 'VALIDATION_CLIENT_CERT_PEM',
  clientKeyPem: 'VALIDATION_CLIENT_KEY_PEM',
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
  connectTimeoutMs: number;
  timeoutMs: number;
  maxReplyBytes: number;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

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
  const clientCertPem = reader.optional(VALIDATOR_ENV.clientCertPem, '');
  const clientKeyPem = reader.optional(VALIDATOR_ENV.clientKeyPem, '');
  if ((clientCertPem === '') !== (clientKeyPem === '')) reader.problem(`${VALIDATOR_ENV.clientCertPem} and ${VALIDATOR_ENV.clientKeyPem} must be set together`);
  if (clientCertPem !== '' && !PEM_CERTIFICATE.test(clientCertPem)) reader.problem(`${VALIDATOR_ENV.clientCertPem} must hold a PEM certificate`);
  if (clientKeyPem !== '' && !PEM_KEY.test(clientKeyPem)) reader.problem(`${VALIDATOR_ENV.clientKeyPem} must hold a PEM private key`);

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

let runtime: Runtime | undefined;

function getRuntime(): Runtime {
  if (!runtime) {
    const config = loadConfig(process.env);
    const client = createValidationClient({
      url: config.validationUrl,
      connectTimeoutMs: config.connectTimeoutMs,
      timeoutMs: config.timeoutMs,
      maxReplyBytes: config.maxReplyBytes,
      ...(config.caPem ? { caPem: config.caPem } : {}),
      ...(config.clientCertPem && config.clientKeyPem ? { clientCertPem: config.clientCertPem, clientKeyPem: config.clientKeyPem } : {}),
    });
    runtime = { config, client, logger: createLogger('validator') };
  }
  return runtime;
}

/** Drops the cached configuration and closes pooled connections (a sandbox restart, a test). */
export function resetValidatorRuntime(): void {
  runtime?.client.close();
  runtime = undefined;
}

export const handler = async (event: ValidateInput): Promise<ValidationResult> => {
  const { config, client, logger } = getRuntime();
  const [ddb, kms] = await Promise.all([documentClient(), kmsClient()]);
  return validateSession(
    {
      vault: { ddb, kms, tableName: config.vaultTable, keyArn: config.vaultKeyArn, now: () => new Date() },
      client,
      cardFieldNames: config.cardFieldNames,
      maxReplyBytes: config.maxReplyBytes,
      logger,
    },
    event,
  );
};
