import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../../../lambdas/shared/errors';
import { startValidationServer } from '../../../../lambdas/validation-service/server';
import { createValidateHandler, loadConfig, type ValidateHandler } from '../../../../lambdas/session/validate/handler';
import { TrustMaterialError } from '../../../../lambdas/validator/trust-material';
import { testCertificates } from '../../../helpers/tls';
import { fakeVault } from '../../validator/fake-vault';
import { captureLogs, type LogCapture } from '../../../../sandbox/log-capture';

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
    for (const name of [
      'VALIDATION_URL',
      'VAULT_TABLE',
      'VAULT_KEY_ARN',
      'CARD_FIELD_NAMES',
      'VALIDATION_CA_PEM',
      'VALIDATION_CLIENT_KEY_PEM',
      'VALIDATION_TIMEOUT_MS',
    ]) {
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
  let logs: LogCapture;

  let handler: ValidateHandler;

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'validator-logs-'));
    logs = captureLogs(logDir);
    handler = createValidateHandler();
  });

  afterEach(async () => {
    await handler.close();
    process.env = { ...saved };
    logs.stop();
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
      expect(result.details).toMatch(/^Approved - authorisation code \d{6}$/);
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

describe('handler trust material from Secrets Manager and SSM', () => {
  const saved = { ...process.env };
  const CA_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:validation-ca-AbC123';
  const CLIENT_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:validation-client-XyZ789';
  let logDir: string;
  let logs: LogCapture;
  const restores: Array<() => void | Promise<void>> = [];

  let handler: ValidateHandler;

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'validator-logs-'));
    logs = captureLogs(logDir);
    handler = createValidateHandler();
  });

  afterEach(async () => {
    await handler.close();
    for (const restore of restores.splice(0).reverse()) await restore();
    process.env = { ...saved };
    logs.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  function sessionInput(id: string, ref: string) {
    return {
      session: {
        sessionId: id,
        callTransactionId: `call-${id}`,
        transactionId: `txn-${id}`,
        agentId: 'a',
        formId: 'f',
        ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural' as const, attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
      },
      vaultRef: ref,
    };
  }

  /** Routes the handler's own vault SDK calls to a fake vault and starts a mutual-TLS reference service. */
  async function environment(extraEnv: Record<string, string>) {
    const certs = await testCertificates();
    const vault = fakeVault(() => new Date());
    const ddbClass = mockClient(DynamoDBDocumentClient);
    ddbClass.on(GetCommand).callsFake((input) => vault.deps.ddb.send(new GetCommand(input)));
    ddbClass.on(UpdateCommand).callsFake((input) => vault.deps.ddb.send(new UpdateCommand(input)));
    const kmsClass = mockClient(KMSClient);
    kmsClass.on(DecryptCommand).callsFake((input) => vault.deps.kms.send(new DecryptCommand(input)));
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem, clientCaPem: certs.caPem } });
    restores.push(
      () => ddbClass.restore(),
      () => kmsClass.restore(),
      () => server.close(),
    );
    Object.assign(process.env, {
      ...BASE_ENV,
      VALIDATION_URL: server.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      ...extraEnv,
    });
    return { certs, vault };
  }

  it('loads the CA and the client certificate from Secrets Manager once per cold start and validates over mutual TLS', async () => {
    // Prepare
    const { certs, vault } = await environment({ VALIDATION_CA_SECRET_ARN: CA_ARN, VALIDATION_CLIENT_CERT_SECRET_ARN: CLIENT_ARN });
    const sm = mockClient(SecretsManagerClient);
    restores.push(() => sm.restore());
    sm.on(GetSecretValueCommand, { SecretId: CA_ARN }).resolves({ SecretString: certs.caPem });
    sm.on(GetSecretValueCommand, { SecretId: CLIENT_ARN }).resolves({
      SecretString: JSON.stringify({ certPem: certs.clientCertPem, keyPem: certs.clientKeyPem }),
    });
    const refs = [await vault.store('t1', { pan: PAN, exp: '1230', cvv: CVV }), await vault.store('t2', { pan: PAN, exp: '1230', cvv: CVV })];

    // Act
    const first = await handler(sessionInput('t1', refs[0] as string));
    const second = await handler(sessionInput('t2', refs[1] as string));

    // Assess
    expect([first.outcome, second.outcome]).toEqual(['accepted', 'accepted']);
    expect(
      sm
        .commandCalls(GetSecretValueCommand)
        .map((c) => c.args[0].input.SecretId)
        .sort(),
    ).toEqual([CA_ARN, CLIENT_ARN].sort());
    const logged = readFileSync(join(logDir, 'validator.log'), 'utf8');
    expect(logged).not.toContain(PAN);
    expect(logged).not.toContain('PRIVATE KEY');
  });

  it('loads the CA bundle from an SSM SecureString parameter with decryption', async () => {
    // Prepare
    const { certs, vault } = await environment({ VALIDATION_CA_PARAMETER: '/secure-ivr/validation-ca' });
    const ssm = mockClient(SSMClient);
    restores.push(() => ssm.restore());
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: certs.caPem } });
    // The service above demands a client certificate: give it through the environment (sandbox style).
    Object.assign(process.env, { VALIDATION_CLIENT_CERT_PEM: certs.clientCertPem, VALIDATION_CLIENT_KEY_PEM: certs.clientKeyPem });
    const ref = await vault.store('t3', { pan: PAN, exp: '1230', cvv: CVV });

    // Act
    const result = await handler(sessionInput('t3', ref));

    // Assess
    expect(result.outcome).toBe('accepted');
    expect(ssm.commandCalls(GetParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: '/secure-ivr/validation-ca', WithDecryption: true }]);
  });

  it('fails the stage without sending when a secret cannot be read, and tries again on the next invocation', async () => {
    // Prepare
    const { certs, vault } = await environment({ VALIDATION_CA_SECRET_ARN: CA_ARN, VALIDATION_CLIENT_CERT_SECRET_ARN: CLIENT_ARN });
    const sm = mockClient(SecretsManagerClient);
    restores.push(() => sm.restore());
    let caReads = 0;
    sm.on(GetSecretValueCommand, { SecretId: CA_ARN }).callsFake(async () => {
      caReads += 1;
      // The first read is denied (a policy not yet propagated), later ones succeed.
      if (caReads === 1) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      return { SecretString: certs.caPem };
    });
    sm.on(GetSecretValueCommand, { SecretId: CLIENT_ARN }).resolves({
      SecretString: JSON.stringify({ certPem: certs.clientCertPem, keyPem: certs.clientKeyPem }),
    });
    const ref = await vault.store('t4', { pan: PAN, exp: '1230', cvv: CVV });
    let failure: unknown;

    // Act
    try {
      await handler(sessionInput('t4', ref));
    } catch (err) {
      failure = err;
    }
    const retried = await handler(sessionInput('t4', ref));

    // Assess
    expect(failure).toBeInstanceOf(TrustMaterialError);
    expect((failure as Error).message).toContain('AccessDeniedException');
    expect(retried.outcome).toBe('accepted');
    expect(caReads).toBe(2);
    expect(readFileSync(join(logDir, 'validator.log'), 'utf8')).toContain('"reasonCode":"TrustMaterialError"');
  });

  it('refuses conflicting trust sources in the configuration', () => {
    // Act
    const act = (): unknown =>
      loadConfig({ ...BASE_ENV, VALIDATION_CA_PEM: '-----BEGIN CERTIFICATE-----', VALIDATION_CA_SECRET_ARN: CA_ARN, VALIDATION_CA_PARAMETER: 'bad name!' });

    // Assess
    expect(act).toThrow(/at most one of VALIDATION_CA_PEM, VALIDATION_CA_SECRET_ARN and VALIDATION_CA_PARAMETER/);
    expect(act).toThrow(/VALIDATION_CA_PARAMETER must be an SSM parameter name/);
  });

  it('reads VALIDATION_AUTH=aws-iam and refuses other values', () => {
    // Act
    const signed = loadConfig({ ...BASE_ENV, VALIDATION_AUTH: 'aws-iam', AWS_REGION: 'us-east-1' });
    const bad = (): unknown => loadConfig({ ...BASE_ENV, VALIDATION_AUTH: 'basic' });

    // Assess
    expect(signed.auth).toBe('aws-iam');
    expect(bad).toThrow(/VALIDATION_AUTH must be one of none, aws-iam/);
  });
});
