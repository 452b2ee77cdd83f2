import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GatewayOutcomeUnknownError, GatewayUnavailableError } from '../../../../lambdas/validation-service/gateway';
import { GenericGateway, GenericGatewayConfigError } from '../../../../lambdas/validation-service/gateways/generic';
import { type GenericPayFake, startGenericPayFake } from '../../../../sandbox/fakes/generic-pay-fake';
import { type LocalCertificates, testCertificates } from '../../../helpers/tls';

const CREDENTIALS = { username: 'merchant', password: 's3cret-pass' };
let certs: LocalCertificates;
let fake: GenericPayFake;
let agent: https.Agent;

beforeAll(async () => {
  certs = await testCertificates();
  agent = new https.Agent({ ca: certs.caPem });
});
beforeEach(async () => {
  fake = await startGenericPayFake(certs, CREDENTIALS);
});
afterEach(async () => {
  await fake.close();
});
afterAll(() => agent.destroy());

const gateway = (extra: Partial<ConstructorParameters<typeof GenericGateway>[0]> = {}): GenericGateway =>
  new GenericGateway({ baseUrl: `${fake.origin}/pay`, ...CREDENTIALS, testMode: true, agent, ...extra });
const request = (pan: string, more: Record<string, unknown> = {}) => ({
  pan,
  exp: '0731',
  cvv: '123',
  amount: '10.55',
  currency: 'EUR',
  reference: 'pay-ref-7',
  ...more,
});

describe('GenericGateway (Twilio Generic Pay Connector format)', () => {
  it('POSTs the charge JSON with Basic auth to {base}/charge and maps charge_id', async () => {
    // Act
    const result = await gateway().authorize(request('4111111111111111'));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'charged' });
    expect(result.message).toMatch(/^charge ch_[0-9A-Za-z]+$/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.path).toBe('/pay/charge');
    expect(fake.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('merchant:s3cret-pass').toString('base64')}`);
    expect(fake.json(fake.requests[0]!)).toEqual({
      transaction_id: 'pay-ref-7',
      method: 'charge',
      amount: '10.55',
      cardnumber: '4111111111111111',
      cvv: '123',
      expiry_month: '07',
      expiry_year: '31',
      currency_code: 'EUR',
      description: 'Phone payment pay-ref-7',
    });
  });

  it('tokenize only for a zero amount: one POST to /tokenize, token_id returned, no charge', async () => {
    // Act
    const result = await gateway().authorize(request('4111111111111111', { amount: '0', tokenize: true }));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'tokenized', message: 'card saved' });
    expect(result.token).toMatch(/^tok_[0-9A-Za-z]+$/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/pay/tokenize']);
    expect(fake.json(fake.requests[0]!)).toMatchObject({ transaction_id: 'pay-ref-7', method: 'tokenize' });
  });

  it('keeps a processor id that holds a long digit run whole (ids are not free text)', async () => {
    // Arrange: an id whose hex happens to be mostly digits, as random ids sometimes are
    fake.override({ status: 200, body: { token_id: 'tok_9031457728aa01', error_code: null, error_message: null } });
    fake.override({ status: 200, body: { charge_id: 'ch_12345678901234', error_code: null, error_message: null } });

    // Act
    const result = await gateway().authorize(request('4111111111111111', { tokenize: true }));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'charged', message: 'charge ch_12345678901234', token: 'tok_9031457728aa01' });
  });

  it('masks a card number a processor puts inside an id, and drops characters an id cannot have', async () => {
    // Arrange
    fake.override({ status: 200, body: { token_id: 'tok_4111 1111 1111 1111<b>', error_code: null, error_message: null } });

    // Act
    const result = await gateway().authorize(request('4111111111111111', { amount: '0', tokenize: true }));

    // Assess
    expect(result.token).toBe('tok_################b');
  });

  it('tokenize with a charge: /tokenize then /charge, both ids returned', async () => {
    // Act
    const result = await gateway().authorize(request('4111111111111111', { tokenize: true }));

    // Assess
    expect(result.approved).toBe(true);
    expect(result.token).toMatch(/^tok_/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/pay/tokenize', '/pay/charge']);
  });

  it.each([
    ['4000000000000002', 'card_declined', 'Card declined by issuer'],
    ['4000000000009995', 'insufficient_funds', 'Insufficient funds'],
  ])('maps the error_code of %s to a decline', async (pan, code, message) => {
    // Act / Assess
    expect(await gateway().authorize(request(pan))).toEqual({ approved: false, code, message });
  });

  it('never repeats card digits the processor put in its error_message', async () => {
    // Arrange
    fake.override({ status: 200, body: { charge_id: null, error_code: 'bad', error_message: 'card 4111111111111111 | refused' } });

    // Act
    const result = await gateway().authorize(request('4111111111111111'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'bad', message: 'card … refused' });
  });

  it.each([
    ['a timeout after send', { hang: true } as const],
    ['a reset after send', { reset: true } as const],
    ['a 502 reply', { status: 502, body: 'Bad Gateway' }],
    ['a 200 without charge_id', { status: 200, body: { error_code: null } }],
  ])('%s is unknown and not retried', async (_label, reply) => {
    // Arrange
    fake.override(reply);

    // Act
    const outcome = gateway({ timeoutMs: 300 }).authorize(request('4111111111111111'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('wrong credentials (401 with an error_code) are a decline naming the code, not an unknown', async () => {
    // Act
    const result = await gateway({ password: 'wrong' }).authorize(request('4111111111111111'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'unauthorized', message: 'Bad credentials' });
  });

  it('a refused connection is unavailable', async () => {
    // Arrange
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act / Assess
    await expect(gateway({ baseUrl: `https://127.0.0.1:${port}` }).authorize(request('4111111111111111'))).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('test mode refuses a non-test card before calling the processor', async () => {
    // Act
    const result = await gateway().authorize(request('4012888888881881'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'test_mode', message: 'test mode accepts only test cards' });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ baseUrl: 'http://processor.example' }, 'baseUrl must be https'],
    [{ baseUrl: 'not a url' }, 'baseUrl is not a URL'],
    [{ username: '' }, 'username must be set and contain no colon'],
  ])('refuses the configuration %j', (extra, problem) => {
    expect(() => gateway(extra)).toThrow(new GenericGatewayConfigError(problem));
  });
});
