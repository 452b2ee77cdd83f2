/**
 * `secure-ivr doctor --gateway G --gateway-secret NAME`: the secret is read (GetSecretValue only), checked
 * with the reference service's own selection code, and never printed.
 */
import { Writable } from 'node:stream';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { checkGatewaySecret, formatReport, runDoctorCommand } from '../../bin/commands/doctor';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

afterEach(() => {
  secrets.reset();
});

const VALUES = /sk_test_doctorvalue|doctor-private-key|AQE-doctor-key/;

describe('doctor: payment gateway secret', () => {
  it.each([
    ['stripe', { apiKey: 'sk_test_doctorvalue' }],
    ['adyen', { apiKey: 'AQE-doctor-key', merchantAccount: 'ShopMOTO', environment: 'TEST' }],
    ['braintree', { merchantId: 'm1', publicKey: 'pub1', privateKey: 'doctor-private-key', environment: 'sandbox' }],
    ['generic', { baseUrl: 'https://pay.example/api', username: 'u', password: 'doctor-private-key' }],
  ] as const)('passes a well-formed %s secret without printing its values', async (kind, secret) => {
    // Arrange
    secrets.on(GetSecretValueCommand, { SecretId: `secure-ivr/${kind}` }).resolves({ SecretString: JSON.stringify(secret) });

    // Act
    const check = await checkGatewaySecret(client, { kind, secretName: `secure-ivr/${kind}`, testMode: true });

    // Assess
    expect(check).toMatchObject({ id: 'gateway-secret', status: 'pass' });
    expect(formatReport([check])).not.toMatch(VALUES);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it.each([
    ['adyen', '{"apiKey":"AQE-doctor-key","environment":"TEST"}', 'the adyen secret needs a non-empty string field "merchantAccount"'],
    [
      'braintree',
      '{"merchantId":"m","publicKey":"p","privateKey":"doctor-private-key","environment":"live"}',
      'field "environment" must be sandbox or production',
    ],
    ['stripe', '{"apiKey":"sk_live_doctorvalue"}', 'test mode needs a test key, not a live key'],
    ['stripe', 'sk_test_doctorvalue', 'the stripe secret must be a JSON object'],
  ] as const)('fails a malformed %s secret naming the field, never the value', async (kind, text, problem) => {
    // Arrange
    secrets.on(GetSecretValueCommand).resolves({ SecretString: text });

    // Act
    const check = await checkGatewaySecret(client, { kind, secretName: 's', testMode: true });

    // Assess
    expect(check.status).toBe('fail');
    expect(check.detail).toContain(problem);
    expect(formatReport([check])).not.toMatch(VALUES);
  });

  it('fails a missing secret with the command that creates it', async () => {
    // Arrange
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));

    // Act
    const check = await checkGatewaySecret(client, { kind: 'adyen', secretName: 'secure-ivr/adyen', testMode: true });

    // Assess
    expect(check).toMatchObject({ status: 'fail', detail: 'secure-ivr/adyen was not found in this region' });
    expect(check.action).toContain('aws secretsmanager create-secret --name secure-ivr/adyen');
  });

  it.each([
    [['--gateway', 'worldpay', '--gateway-secret', 's'], '--gateway must be one of test, stripe, adyen, braintree, generic'],
    [['--gateway', 'adyen'], '--gateway needs --gateway-secret NAME'],
    [['--gateway', 'adyen', '--gateway-secret', 's', '--gateway-test-mode', 'maybe'], '--gateway-test-mode must be true or false'],
  ])('refuses %j as bad usage (exit 2) before any AWS call', async (args, message) => {
    // Arrange
    let err = '';
    const sink = new Writable({
      write: (chunk: Buffer, _e, done) => {
        err += chunk.toString();
        done();
      },
    });
    const clientsFor = jest.fn();

    // Act
    const code = await runDoctorCommand(args, sink, sink, { env: {}, clientsFor });

    // Assess
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(clientsFor).not.toHaveBeenCalled();
  });
});
