import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GatewayOutcomeUnknownError, GatewayUnavailableError } from '../../../../lambdas/validation-service/gateway';
import { AdyenGateway, AdyenGatewayConfigError } from '../../../../lambdas/validation-service/gateways/adyen';
import { handleValidationRequest } from '../../../../lambdas/validation-service/service';
import { buildSubmission, parseReply } from '../../../../lambdas/validator/xml-contract';
import { type AdyenFake, startAdyenFake } from '../../../../sandbox/fakes/adyen-fake';
import { type LocalCertificates, testCertificates } from '../../../helpers/tls';

const API_KEY = 'AQE-fake-adyen-key';
const TEST_CARD = '4111111145551142';
let certs: LocalCertificates;
let fake: AdyenFake;
let agent: https.Agent;
const logged: string[] = [];
let restoreStdout: (() => void) | undefined;

beforeAll(async () => {
  certs = await testCertificates();
  agent = new https.Agent({ ca: certs.caPem, keepAlive: false });
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    logged.push(String(chunk));
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  restoreStdout = () => {
    process.stdout.write = write;
  };
});
beforeEach(async () => {
  fake = await startAdyenFake(certs, API_KEY);
});
afterEach(async () => {
  await fake.close();
});
afterAll(() => {
  restoreStdout?.();
  agent.destroy();
});

const gateway = (extra: Partial<ConstructorParameters<typeof AdyenGateway>[0]> = {}): AdyenGateway =>
  new AdyenGateway({
    apiKey: API_KEY,
    merchantAccount: 'SecureIvrMOTO',
    environment: 'TEST',
    testMode: true,
    endpointOrigin: fake.origin,
    agent,
    ...extra,
  });

const request = (pan: string, more: Record<string, unknown> = {}) => ({
  pan,
  exp: '0330',
  cvv: '737',
  amount: '12.50',
  currency: 'EUR',
  reference: 'pay-ref-0001',
  ...more,
});

describe('AdyenGateway against the local Adyen fake', () => {
  it('sends one MOTO /payments with raw card fields, minor units, the merchant account, and the reference as reference and Idempotency-Key', async () => {
    // Act
    const result = await gateway().authorize(request(TEST_CARD));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'Authorised' });
    expect(result.message).toMatch(/^payment [A-Z0-9]{16}$/);
    expect(result.token).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
    const [sent] = fake.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/v72/payments');
    expect(sent?.headers['idempotency-key']).toBe('pay-ref-0001');
    expect(sent?.headers['x-api-key']).toBe(API_KEY);
    const body = fake.json(sent!);
    expect(body).toMatchObject({
      merchantAccount: 'SecureIvrMOTO',
      reference: 'pay-ref-0001',
      amount: { currency: 'EUR', value: 1250 },
      shopperInteraction: 'Moto',
      paymentMethod: { type: 'scheme', number: TEST_CARD, expiryMonth: '03', expiryYear: '2030', cvc: '737' },
    });
    expect(body.storePaymentMethod).toBeUndefined();
    expect(body.shopperReference).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(/encrypted/);
  });

  it.each([
    ['JPY', '1000', 1000],
    ['EUR', '0.5', 50],
    ['KWD', '1.234', 1234],
  ])('sends %s %s as %i minor units', async (currency, amount, minor) => {
    // Act
    const result = await gateway().authorize(request(TEST_CARD, { currency, amount }));

    // Assess
    expect(result.approved).toBe(true);
    expect(fake.json(fake.requests[0]!).amount).toEqual({ currency, value: minor });
  });

  it.each([
    ['4000000000000002', {}, 'refused_2', 'card declined'],
    ['4000000000009995', {}, 'refused_12', 'insufficient funds'],
    ['4000000000009979', {}, 'refused_5', 'card blocked'],
    [TEST_CARD, { exp: '1230' }, 'refused_6', 'expired card'],
    [TEST_CARD, { cvv: '123' }, 'refused_24', 'incorrect security code'],
    ['4000000000000119', {}, 'error', 'payment error at the acquirer'],
    ['4000000000000051', {}, 'cancelled', 'payment cancelled'],
    ['4242424242424241', {}, 'invalid_101', 'invalid card number'],
  ])('maps the answer for %s %j to %s "%s"', async (pan, more, code, message) => {
    // Act (test mode off: the fake's refusal numbers are not Adyen test cards)
    const result = await gateway({ testMode: false }).authorize(request(pan, more));

    // Assess
    expect(result).toEqual({ approved: false, code, message });
    expect(fake.requests).toHaveLength(1);
  });

  it('tokenizes with a charge: storePaymentMethod, shopperReference and UnscheduledCardOnFile; returns shopperReference/storedPaymentMethodId', async () => {
    // Act
    const result = await gateway().authorize(request(TEST_CARD, { tokenize: true }));

    // Assess
    expect(result.approved).toBe(true);
    expect(result.message).toMatch(/^payment /);
    expect(result.token).toMatch(/^secure-ivr-pay-ref-0001\/[A-Z0-9]{16}$/);
    expect(result.token).not.toContain('1142');
    expect(fake.json(fake.requests[0]!)).toMatchObject({
      amount: { value: 1250 },
      storePaymentMethod: true,
      shopperReference: 'secure-ivr-pay-ref-0001',
      recurringProcessingModel: 'UnscheduledCardOnFile',
    });
  });

  it('tokenizes only for a zero amount: a zero-value authorisation that stores the card', async () => {
    // Act
    const result = await gateway().authorize(request('5555341244441115', { tokenize: true, amount: '0' }));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'Authorised', message: 'card saved' });
    expect(result.token).toMatch(/^secure-ivr-pay-ref-0001\/[A-Z0-9]{16}$/);
    expect(fake.requests).toHaveLength(1);
    expect(fake.json(fake.requests[0]!)).toMatchObject({ amount: { currency: 'EUR', value: 0 }, storePaymentMethod: true, shopperInteraction: 'Moto' });
  });

  it('a zero-value authorisation that comes back without a stored card id is declined "card could not be saved"', async () => {
    // Arrange
    fake.override({ status: 200, body: { pspReference: 'ABC', resultCode: 'Authorised', additionalData: {} } });

    // Act
    const result = await gateway().authorize(request(TEST_CARD, { tokenize: true, amount: '0' }));

    // Assess
    expect(result).toEqual({ approved: false, code: 'not_stored', message: 'card could not be saved' });
  });

  it('a timeout after the request was sent is unknown and is not retried', async () => {
    // Arrange
    fake.override({ hang: true });

    // Act
    const outcome = gateway({ timeoutMs: 300 }).authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a connection reset after the request was sent is unknown and is not retried', async () => {
    // Arrange
    fake.override({ reset: true });

    // Act
    const outcome = gateway().authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([500, 502, 503])('a %i reply is unknown and is not retried', async (status) => {
    // Arrange
    fake.override({ status, body: { status, errorCode: '905', message: 'Internal error', errorType: 'internal' } });

    // Act
    const outcome = gateway().authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a Received or Pending resultCode is unknown, not approved', async () => {
    // Arrange
    fake.override({ status: 200, body: { pspReference: 'ABC', resultCode: 'Received' } });

    // Act
    const outcome = gateway().authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
  });

  it('an authentication step (RedirectShopper) cannot complete on a phone payment and is declined', async () => {
    // Arrange
    fake.override({ status: 200, body: { resultCode: 'RedirectShopper', action: { type: 'redirect' } } });

    // Act
    const result = await gateway().authorize(request(TEST_CARD));

    // Assess
    expect(result).toEqual({ approved: false, code: 'authentication', message: 'card requires authentication' });
  });

  it('a wrong API key (401) is unavailable: Adyen refused the request, nothing was charged', async () => {
    // Act
    const outcome = gateway({ apiKey: 'wrong-key' }).authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('a refused connection (nothing sent) is unavailable', async () => {
    // Arrange: a port that was just closed.
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act
    const outcome = gateway({ endpointOrigin: `https://127.0.0.1:${port}` }).authorize(request(TEST_CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('test mode refuses a non-test card before calling Adyen', async () => {
    // Act
    const result = await gateway().authorize(request('4000000000000002'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'test_mode', message: 'test mode accepts only Adyen test cards' });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ amount: '12.345' }, 'invalid amount'],
    [{ currency: 'JPY', amount: '10.5' }, 'invalid amount'],
    [{ currency: 'EU' }, 'invalid currency'],
    [{ amount: undefined }, 'no amount to charge'],
    [{ exp: '1330' }, 'invalid expiry date'],
  ])('bad input %j is declined "%s" without calling Adyen', async (more, message) => {
    // Act
    const result = await gateway().authorize(request(TEST_CARD, more));

    // Assess
    expect(result).toMatchObject({ approved: false, message });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ apiKey: '' }, 'apiKey must be set'],
    [{ merchantAccount: 'bad account!' }, 'merchantAccount must be an Adyen merchant account code'],
    [{ environment: 'PROD' as never }, 'environment must be TEST or LIVE'],
    [{ environment: 'LIVE' as const, testMode: false }, 'LIVE needs liveEndpointUrlPrefix (Customer Area > Developers > API URLs)'],
    [{ environment: 'LIVE' as const, liveEndpointUrlPrefix: '1797a841fbb37ca7-AdyenDemo' }, 'test mode needs the TEST environment, not LIVE'],
    [{ endpointOrigin: 'http://127.0.0.1:1' }, 'endpointOrigin must be https://host[:port]'],
  ])('refuses the configuration %j', (extra, problem) => {
    // Act / Assess
    expect(() => gateway(extra)).toThrow(new AdyenGatewayConfigError(problem));
  });

  it('through the reference service: approve with a token, and 504 with no outcome body when Adyen times out; the card only in /payments bodies', async () => {
    // Arrange
    const submit = (pan: string, tokenize?: string) =>
      handleValidationRequest(
        {
          method: 'POST',
          headers: { 'content-type': 'application/xml', 'idempotency-key': `ref-${pan.slice(-4)}` },
          body: buildSubmission([
            { name: 'card number', value: pan },
            { name: 'expiry date', value: '0330' },
            { name: 'security code', value: '737' },
            { name: 'amount', value: '9.99' },
            { name: 'currency', value: 'GBP' },
            ...(tokenize === undefined ? [] : [{ name: 'tokenize', value: tokenize }]),
          ]),
        },
        gateway({ timeoutMs: 300 }),
      );

    // Act
    const approved = await submit(TEST_CARD, 'true');
    fake.override({ hang: true });
    const unknown = await submit('5555341244441115');

    // Assess
    expect(approved.status).toBe(200);
    const parsed = parseReply(approved.body);
    expect(parsed.outcome).toBe('accepted');
    expect(parsed.details).toMatch(/^Approved - payment [A-Z0-9]{16} - token secure-ivr-ref-1142\/[A-Z0-9]{16}$/);
    expect(unknown).toEqual({ status: 504, headers: { 'Cache-Control': 'no-store' }, body: '' });
    expect(fake.requests).toHaveLength(2);
    for (const sent of fake.requests) {
      expect(sent.path).toBe('/v72/payments');
      expect(JSON.stringify(sent.headers)).not.toMatch(/4111111145551142|5555341244441115|737/);
    }
    const log = logged.join('');
    expect(log).not.toContain(TEST_CARD);
    expect(log).not.toContain('5555341244441115');
  });
});
