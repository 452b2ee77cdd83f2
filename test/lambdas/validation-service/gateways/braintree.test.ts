import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GatewayOutcomeUnknownError, GatewayUnavailableError } from '../../../../lambdas/validation-service/gateway';
import { BraintreeGateway, BraintreeGatewayConfigError } from '../../../../lambdas/validation-service/gateways/braintree';
import { handleValidationRequest } from '../../../../lambdas/validation-service/service';
import { buildSubmission, parseReply } from '../../../../lambdas/validator/xml-contract';
import { type BraintreeFake, startBraintreeFake } from '../../../../sandbox/fakes/braintree-fake';
import { type LocalCertificates, testCertificates } from '../../../helpers/tls';

const CREDENTIALS = { merchantId: 'secureivrmerchant', publicKey: 'fakepublickey', privateKey: 'fakeprivatekey0001' };
const CARD = '4111111111111111';
const CVV = '739';
let certs: LocalCertificates;
let fake: BraintreeFake;
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
  fake = await startBraintreeFake(certs, CREDENTIALS);
});
afterEach(async () => {
  await fake.close();
});
afterAll(() => {
  restoreStdout?.();
  agent.destroy();
});

const gateway = (extra: Partial<ConstructorParameters<typeof BraintreeGateway>[0]> = {}): BraintreeGateway =>
  new BraintreeGateway({ ...CREDENTIALS, environment: 'sandbox', testMode: true, endpoint: { host: '127.0.0.1', port: fake.port }, agent, ...extra });

const request = (pan: string, more: Record<string, unknown> = {}) => ({
  pan,
  exp: '1230',
  cvv: CVV,
  amount: '12.5',
  currency: 'USD',
  reference: 'pay-ref-0001',
  ...more,
});

describe('BraintreeGateway against the local Braintree fake', () => {
  it('sends one MOTO sale submitted for settlement, the amount as a decimal string, the reference as orderId', async () => {
    // Act
    const result = await gateway().authorize(request(CARD));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'submitted_for_settlement' });
    expect(result.message).toMatch(/^transaction [a-z0-9]{8}$/);
    expect(result.token).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
    const [sent] = fake.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/merchants/secureivrmerchant/transactions');
    expect(sent?.headers.authorization).toBe(`Basic ${Buffer.from('fakepublickey:fakeprivatekey0001').toString('base64')}`);
    expect(sent?.headers['x-apiversion']).toBe('6');
    expect(fake.json(sent!).transaction).toEqual({
      amount: '12.50',
      order_id: 'pay-ref-0001',
      transaction_source: 'moto',
      type: 'sale',
      credit_card: { number: CARD, expiration_month: '12', expiration_year: '2030', cvv: CVV },
      options: { submit_for_settlement: true },
    });
  });

  it.each([
    ['JPY', '1000', '1000'],
    ['USD', '0.5', '0.50'],
    ['KWD', '1.234', '1.234'],
  ])('sends %s %s as the decimal string %s, checked against the currency exponent', async (currency, amount, sentAmount) => {
    // Act
    const result = await gateway().authorize(request(CARD, { currency, amount }));

    // Assess
    expect(result.approved).toBe(true);
    expect(fake.json(fake.requests[0]!).transaction?.amount).toBe(sentAmount);
  });

  it('sends the merchant account of the currency, and declines a currency with none configured without calling Braintree', async () => {
    // Arrange
    const configured = gateway({ merchantAccountIds: { EUR: 'secureivr_eur', GBP: 'secureivr_gbp' } });

    // Act
    const eur = await configured.authorize(request(CARD, { currency: 'EUR' }));
    const usd = await configured.authorize(request(CARD, { currency: 'USD' }));

    // Assess
    expect(eur.approved).toBe(true);
    expect(fake.json(fake.requests[0]!).transaction?.merchant_account_id).toBe('secureivr_eur');
    expect(usd).toEqual({ approved: false, code: 'currency', message: 'currency not accepted by this merchant' });
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['2000.00', CARD, CVV, '2000', 'do not honour'],
    ['2001.00', CARD, CVV, '2001', 'insufficient funds'],
    ['2004.00', CARD, CVV, '2004', 'expired card'],
    ['2010.00', CARD, CVV, '2010', 'incorrect security code'],
    ['2012.00', CARD, CVV, '2012', 'card reported lost'],
    ['2099.00', CARD, CVV, '2099', 'card declined'],
    ['12.00', CARD, '200', 'rejected_cvv', 'incorrect security code'],
    ['12.00', '4000111111111511', CVV, 'rejected_fraud', 'declined as suspected fraud'],
    ['12.00', '4111111111111112', CVV, '81715', 'invalid card number'],
  ])('maps the answer to a sale of %s with %s / %s to %s "%s"', async (amount, pan, cvv, code, message) => {
    // Act
    const result = await gateway({ testMode: false }).authorize(request(pan, { amount, cvv }));

    // Assess
    expect(result).toEqual({ approved: false, code, message });
    expect(fake.requests).toHaveLength(1);
  });

  it('a processor network failure (status failed, 3000.00) is unavailable: nothing was charged', async () => {
    // Act
    const outcome = gateway().authorize(request(CARD, { amount: '3000.00' }));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(fake.requests).toHaveLength(1);
  });

  it('tokenizes with a charge: storeInVaultOnSuccess, and the vaulted payment method token is returned', async () => {
    // Act
    const result = await gateway().authorize(request(CARD, { tokenize: true }));

    // Assess
    expect(result.approved).toBe(true);
    expect(result.token).toMatch(/^[a-z0-9]{8}$/);
    expect(fake.json(fake.requests[0]!).transaction?.options).toEqual({ submit_for_settlement: true, store_in_vault_on_success: true });
  });

  it('tokenizes only for a zero amount: a customer with the card verified, no sale', async () => {
    // Act
    const result = await gateway().authorize(request('5555555555554444', { tokenize: true, amount: '0' }));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'verified', message: 'card saved' });
    expect(result.token).toMatch(/^[a-z0-9]{8}$/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/merchants/secureivrmerchant/customers']);
    expect(fake.json(fake.requests[0]!).customer?.credit_card).toEqual({
      number: '5555555555554444',
      expiration_month: '12',
      expiration_year: '2030',
      cvv: CVV,
      options: { verify_card: true },
    });
  });

  it('a zero-amount tokenization whose verification is declined maps the processor code', async () => {
    // Act
    const result = await gateway().authorize(request('4000111111111115', { tokenize: true, amount: '0' }));

    // Assess
    expect(result).toEqual({ approved: false, code: '2000', message: 'do not honour' });
  });

  it('a timeout after the request was sent is unknown and is not retried', async () => {
    // Arrange
    fake.override({ hang: true });

    // Act
    const outcome = gateway({ timeoutMs: 300 }).authorize(request(CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a connection reset after the request was sent is unknown and is not retried', async () => {
    // Arrange
    fake.override({ reset: true });

    // Act
    const outcome = gateway().authorize(request(CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it.each([500, 503, 504])('a %i reply is unknown and is not retried', async (status) => {
    // Arrange
    fake.override({ status, body: '', headers: { 'Content-Type': 'text/plain' } });

    // Act
    const outcome = gateway().authorize(request(CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('wrong keys (401) are unavailable: Braintree refused the request, nothing was charged', async () => {
    // Act
    const outcome = gateway({ privateKey: 'wrongkey' }).authorize(request(CARD));

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
    const outcome = gateway({ endpoint: { host: '127.0.0.1', port } }).authorize(request(CARD));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('test mode refuses a non-test card before calling Braintree', async () => {
    // Act
    const result = await gateway().authorize(request('4000000000000002'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'test_mode', message: 'test mode accepts only Braintree test cards' });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ amount: '12.345' }, 'invalid amount'],
    [{ currency: 'JPY', amount: '10.5' }, 'invalid amount'],
    [{ currency: 'US' }, 'invalid currency'],
    [{ amount: undefined }, 'no amount to charge'],
    [{ exp: '1330' }, 'invalid expiry date'],
  ])('bad input %j is declined "%s" without calling Braintree', async (more, message) => {
    // Act
    const result = await gateway().authorize(request(CARD, more));

    // Assess
    expect(result).toMatchObject({ approved: false, message });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ merchantId: '' }, 'merchantId must be set'],
    [{ privateKey: 'has space' }, 'privateKey must be set'],
    [{ environment: 'live' as never }, 'environment must be sandbox or production'],
    [{ environment: 'production' as const }, 'test mode needs the sandbox environment, not production'],
    [{ merchantAccountIds: { usd: 'acct' } }, 'merchantAccountIds must map ISO currency codes (e.g. USD) to merchant account ids'],
  ])('refuses the configuration %j with a message naming the setting, never its value', (extra, problem) => {
    // Act / Assess
    expect(() => gateway(extra)).toThrow(new BraintreeGatewayConfigError(problem));
  });

  it('through the reference service: approve with a token, and 504 with no outcome body when Braintree times out; the card only in sale bodies', async () => {
    // Arrange
    const submit = (pan: string, tokenize?: string) =>
      handleValidationRequest(
        {
          method: 'POST',
          headers: { 'content-type': 'application/xml', 'idempotency-key': `ref-${pan.slice(-4)}` },
          body: buildSubmission([
            { name: 'card number', value: pan },
            { name: 'expiry date', value: '1230' },
            { name: 'security code', value: CVV },
            { name: 'amount', value: '9.99' },
            { name: 'currency', value: 'USD' },
            ...(tokenize === undefined ? [] : [{ name: 'tokenize', value: tokenize }]),
          ]),
        },
        gateway({ timeoutMs: 300 }),
      );

    // Act
    const approved = await submit(CARD, 'true');
    fake.override({ hang: true });
    const unknown = await submit('5555555555554444');

    // Assess
    expect(approved.status).toBe(200);
    const parsed = parseReply(approved.body);
    expect(parsed.outcome).toBe('accepted');
    expect(parsed.details).toMatch(/^Approved - transaction [a-z0-9]{8} - token [a-z0-9]{8}$/);
    expect(unknown).toEqual({ status: 504, headers: { 'Cache-Control': 'no-store' }, body: '' });
    expect(fake.requests).toHaveLength(2);
    for (const sent of fake.requests) {
      expect(sent.path).toBe('/merchants/secureivrmerchant/transactions');
      expect(JSON.stringify(sent.headers)).not.toMatch(/4111111111111111|5555555555554444|739/);
    }
    const log = logged.join('');
    expect(log).not.toContain(CARD);
    expect(log).not.toContain('5555555555554444');
  });
});
