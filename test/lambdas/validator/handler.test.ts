import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../../lambdas/shared/errors';
import { startValidationServer } from '../../../lambdas/validation-service/server';
import { handler, loadConfig, resetValidatorRuntime } from '../../../lambdas/validator/handler';
import { testCertificates } from '../../helpers/tls';
import { fakeVault } from './fake-vault';

const PAN = '4111111111111111';
const CVV = '737';

const BASE_ENV = { VALIDATION_URL: 'https://pay.example.com/validate', VAULT_TABLE: 'vault', VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/k' };

describe('loadConfig', () => {
  it('applies the defaults when only the required settings are given', () => {
    // Act
    const config = loadConfig({ ...BASE_ENV });

    // Assess
    expect(config).toEqual({
      validationUrl: BASE_ENV.VALIDATION_URL,
      vaultTable: 'vault',
      vaultKeyArn: BASE_ENV.VAULT_KEY_ARN,
      cardFieldNames: { pan: 'card number', exp: 'expiry date', cvv: 'security code' },
      connectTimeoutMs: 3000,
      timeoutMs: 10000,
      maxReplyBytes: 65536,
    });
  });

  it('reads the card field names, the CA bundle and the limits', () => {
    // Prepare
    const env = {
      ...BASE_ENV,
      CARD_FIELD_NAMES: '{"pan":"PAN","cvv":"CVV2"}',
      VALIDATION_CA_PEM: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      VALIDATION_CONNECT_TIMEOUT_MS: '500',
      VALIDATION_TIMEOUT_MS: '2000',
      VALIDATION_MAX_REPLY_BYTES: '4096',
    };

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).toMatchObject({
      cardFieldNames: { pan: 'PAN', exp: 'expiry date', cvv: 'CVV2' },
      caPem: env.VALIDATION_CA_PEM,
      connectTimeoutMs: 500,
      timeoutMs: 2000,
      maxReplyBytes: 4096,
    });
  });

  it('names every problem at once', () => {
    // Prepare
    const env = {
      VALIDATION_URL: 'http://pay.example.com/validate',
      CARD_FIELD_NAMES: '{"pan":',
      VALIDATION_CA_PEM: 'not a pem',
      VALIDATION_CLIENT_CERT_PEM: '-----BEGIN CERTIFICATE-----',
      VALIDATION_TIMEOUT_MS: 'soon',
    };

    // Act
    let message = '';
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigurationError);
      message = (err as Error).message;
    }

    // Assess
    for (const name of ['VALIDATION_URL', 'VAULT_TABLE', 'VAULT_KEY_ARN', 'CARD_FIELD_NAMES', 'VALIDATION_CA_PEM', 'VALIDATION_CLIENT_KEY_PEM', 'VALIDATION_TIMEOUT_MS']) {
      expect(message).toContain(name);
    }
  });

  it('refuses plain http to a non-loopback host but allows it to 127.0.0.1', () => {
    // Act
    const remote = (): unknown => loadConfig({ ...BASE_ENV, VALIDATION_URL: 'http://pay.example.com/v' });
    const local = loadConfig({ ...BASE_ENV, VALIDATION_URL: 'http://127.0.0.1:9999/v' });

    // Assess
    expect(remote).toThrow(/loopback/);
    expect(local.validationUrl).toBe('http://127.0.0.1:9999/v');
  });
});

describe('handler', () => {
  const saved = { ...process.env };
  let logDir: string;

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'validator-logs-'));
  });

  afterEach(() => {
    resetValidatorRuntime();
    process.env = { ...saved };
    rmSync(logDir, { recursive: true, force: true });
  });

  it('validates a session end to end with configuration read from the environment, logging no card data', async () => {
    // Prepare
    const certs = await testCertificates();
    const vault = fakeVault(() => new Date());
    const ref = await vault.store('h1', { pan: PAN, exp: '1230', cvv: CVV }, { customer: 'Ann' });
    // The handler builds its own SDK clients; route their calls to the fake vault's.
    const ddbClass = mockClient(DynamoDBDocumentClient);
    ddbClass.on(GetCommand).callsFake((input) => vault.deps.ddb.send(new GetCommand(input)));
    ddbClass.on(UpdateCommand).callsFake((input) => vault.deps.ddb.send(new UpdateCommand(input)));
    const kmsClass = mockClient(KMSClient);
    kmsClass.on(DecryptCommand).callsFake((input) => vault.deps.kms.send(new DecryptCommand(input)));
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem } });
    Object.assign(process.env, {
      ...BASE_ENV,
      VALIDATION_URL: server.url,
      VALIDATION_CA_PEM: certs.caPem,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SECURE_IVR_LOG_DIR: logDir,
    });

    try {
      // Act
      const result = await handler({
        session: {
          sessionId: 'h1',
          callTransactionId: 'call-h1',
          transactionId: 'txn-h1',
          agentId: 'a',
          formId: 'f',
          ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
        },
        vaultRef: ref,
      });

      // Assess
      expect(result.outcome).toBe('accepted');
      expect(result.resultLine).toMatch(/^txn-h1\|accepted\|Approved - authorisation code \d{6}\n$/);
      const logFile = join(logDir, 'validator.log');
      let text = '';
      for (let i = 0; i < 100 && !text.includes('validation finished'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      }
      expect(text).toContain('"transactionId":"txn-h1"');
      expect(text).not.toContain(PAN);
      expect(text).not.toContain(`"${CVV}"`);
      expect(JSON.stringify(result)).not.toContain(PAN);
    } finally {
      ddbClass.restore();
      kmsClass.restore();
      await server.close();
    }
  });
});
