import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { GatewayOutcomeUnknownError, GatewayUnavailableError } from '../../../../lambdas/validation-service/gateway';
import { StripeGateway, StripeGatewayConfigError } from '../../../../lambdas/validation-service/gateways/stripe';
import { handleValidationRequest } from '../../../../lambdas/validation-service/service';
import { buildSubmission, parseReply } from '../../../../lambdas/validator/xml-contract';
import { type StripeFake, startStripeFake } from '../../../../sandbox/fakes/stripe-fake';
import { type LocalCertificates, testCertificates } from '../../../helpers/tls';

const KEY = 'sk_test_secureivrfake';
const CVV = '739';
let certs: LocalCertificates;
let fake: StripeFake;
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
  fake = await startStripeFake(certs);
});
afterEach(async () => {
  await fake.close();
});
afterAll(() => {
  restoreStdout?.();
  agent.destroy();
});

const gateway = (extra: Partial<ConstructorParameters<typeof StripeGateway>[0]> = {}): StripeGateway =>
  new StripeGateway({ apiKey: KEY, testMode: true, host: '127.0.0.1', port: fake.port, protocol: 'https', httpAgent: agent, ...extra });

const request = (pan: string, more: Record<string, unknown> = {}) => ({
  pan,
  exp: '1230',
  cvv: CVV,
  amount: '12.50',
  currency: 'USD',
  reference: 'pay-ref-0001',
  ...more,
});

describe('StripeGateway against the local Stripe fake', () => {
  it('creates one confirmed MOTO PaymentIntent in minor units with the reference as Idempotency-Key and description', async () => {
    // Act
    const result = await gateway().authorize(request('4242424242424242'));

    // Assess
    expect(result).toMatchObject({ approved: true, code: 'succeeded' });
    expect(result.message).toMatch(/^payment pi_[0-9A-Za-z]+$/);
    expect(result.token).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
    const [sent] = fake.requests;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/v1/payment_intents');
    expect(sent?.headers['idempotency-key']).toBe('pay-ref-0001');
    expect(sent?.headers.authorization).toBe(`Bearer ${KEY}`);
    const form = fake.form(sent!);
    expect(form.get('amount')).toBe('1250');
    expect(form.get('currency')).toBe('usd');
    expect(form.get('confirm')).toBe('true');
    expect(form.get('payment_method_options[card][moto]')).toBe('true');
    expect(form.get('payment_method_data[type]')).toBe('card');
    expect(form.get('payment_method_data[card][number]')).toBe('4242424242424242');
    expect(form.get('payment_method_data[card][exp_month]')).toBe('12');
    expect(form.get('payment_method_data[card][exp_year]')).toBe('2030');
    expect(form.get('payment_method_data[card][cvc]')).toBe(CVV);
    expect(form.get('description')).toBe('Phone payment pay-ref-0001');
    expect(form.get('metadata[payment_reference]')).toBe('pay-ref-0001');
    expect(form.get('setup_future_usage')).toBeNull();
  });

  it.each([
    ['JPY', '1000', '1000'],
    ['KWD', '1.234', '1234'],
    ['EUR', '0.5', '50'],
  ])('sends %s %s as %s minor units', async (currency, amount, minor) => {
    // Act
    const result = await gateway().authorize(request('4242424242424242', { currency, amount }));

    // Assess
    expect(result.approved).toBe(true);
    expect(fake.form(fake.requests[0]!).get('amount')).toBe(minor);
  });

  it.each([
    ['4000000000000002', 'generic_decline', 'card declined'],
    ['4000000000009995', 'insufficient_funds', 'insufficient funds'],
    ['4000000000009987', 'lost_card', 'card reported lost'],
    ['4000000000009979', 'stolen_card', 'card reported stolen'],
    ['4000000000000069', 'expired_card', 'expired card'],
    ['4000000000000127', 'incorrect_cvc', 'incorrect security code'],
    ['4000000000000119', 'processing_error', 'card issuer processing error'],
    ['4242424242424241', 'incorrect_number', 'invalid card number'],
  ])('maps the decline of %s (%s) to "%s"', async (pan, code, message) => {
    // Act
    const result = await gateway().authorize(request(pan));

    // Assess
    expect(result).toEqual({ approved: false, code, message });
    expect(fake.requests).toHaveLength(1);
  });

  it('tokenizes with a charge: a Customer, then the PaymentIntent saved off_session; returns cus/pm, never the card', async () => {
    // Act
    const result = await gateway().authorize(request('4242424242424242', { tokenize: true }));

    // Assess
    expect(result.approved).toBe(true);
    expect(result.token).toMatch(/^cus_[0-9A-Za-z]+\/pm_[0-9A-Za-z]+$/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/customers', '/v1/payment_intents']);
    expect(fake.requests[0]?.body).not.toContain('4242');
    const form = fake.form(fake.requests[1]!);
    expect(form.get('setup_future_usage')).toBe('off_session');
    expect(form.get('customer')).toBe(result.token?.split('/')[0]);
  });

  it('tokenizes only for a zero amount: a MOTO SetupIntent, no charge', async () => {
    // Act
    const result = await gateway().authorize(request('5555555555554444', { tokenize: true, amount: '0' }));

    // Assess
    expect(result).toMatchObject({ approved: true, message: 'card saved' });
    expect(result.token).toMatch(/^cus_[0-9A-Za-z]+\/pm_[0-9A-Za-z]+$/);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/customers', '/v1/setup_intents']);
    const form = fake.form(fake.requests[1]!);
    expect(form.get('usage')).toBe('off_session');
    expect(form.get('payment_method_options[card][moto]')).toBe('true');
    expect(form.get('amount')).toBeNull();
    expect(fake.requests[1]?.headers['idempotency-key']).toBe('pay-ref-0001');
  });

  it('a timeout after the request was sent is unknown and is not retried', async () => {
    // Arrange
    fake.override({ hang: true });

    // Act
    const outcome = gateway({ timeoutMs: 300 }).authorize(request('4242424242424242'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a connection reset after the request was sent is unknown and is not retried (the SDK would retry it once)', async () => {
    // Arrange
    fake.override({ reset: true });

    // Act
    const outcome = gateway().authorize(request('4242424242424242'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 5xx reply is unknown and is not retried', async () => {
    // Arrange
    fake.override({ status: 500, body: { error: { type: 'api_error', message: 'Something went wrong on our end.' } } });

    // Act
    const outcome = gateway().authorize(request('4242424242424242'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a PaymentIntent still processing is unknown, not approved', async () => {
    // Arrange
    fake.override({ status: 200, body: { id: 'pi_1', object: 'payment_intent', status: 'processing', amount: 1250, currency: 'usd' } });

    // Act
    const outcome = gateway().authorize(request('4242424242424242'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayOutcomeUnknownError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a refused connection (nothing sent) is unavailable', async () => {
    // Arrange: a port that was just closed.
    const closed = https.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act
    const outcome = gateway({ port }).authorize(request('4242424242424242'));

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('test mode refuses a non-test card before calling Stripe', async () => {
    // Act
    const result = await gateway().authorize(request('4111111111111111'));

    // Assess
    expect(result).toEqual({ approved: false, code: 'test_mode', message: 'test mode accepts only Stripe test cards' });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ amount: '12.345' }, 'invalid amount'],
    [{ currency: 'JPY', amount: '10.5' }, 'invalid amount'],
    [{ currency: 'US' }, 'invalid currency'],
    [{ amount: undefined }, 'no amount to charge'],
    [{ exp: '1330' }, 'invalid expiry date'],
  ])('bad input %j is declined "%s" without calling Stripe', async (more, message) => {
    // Act
    const result = await gateway().authorize(request('4242424242424242', more));

    // Assess
    expect(result).toMatchObject({ approved: false, message });
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [{ apiKey: 'pk_test_abc' }, 'the API key must be a secret (sk_) or restricted (rk_) key'],
    [{ apiKey: 'sk_live_abc' }, 'test mode needs a test key, not a live key'],
  ])('refuses the configuration %j', (extra, problem) => {
    // Act / Assess
    expect(() => gateway(extra)).toThrow(new StripeGatewayConfigError(problem));
  });

  it('through the reference service: approve with a token, and 504 with no outcome body when Stripe times out', async () => {
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
            { name: 'currency', value: 'GBP' },
            ...(tokenize === undefined ? [] : [{ name: 'tokenize', value: tokenize }]),
          ]),
        },
        gateway({ timeoutMs: 300 }),
      );

    // Act
    const approved = await submit('4242424242424242', 'true');
    fake.override({ hang: true });
    const unknown = await submit('5555555555554444');
    const badOption = await submit('4242424242424242', 'yes');

    // Assess
    expect(approved.status).toBe(200);
    const parsed = parseReply(approved.body);
    expect(parsed.outcome).toBe('accepted');
    expect(parsed.details).toMatch(/^Approved - payment pi_[0-9A-Za-z]+ - token cus_[0-9A-Za-z]+\/pm_[0-9A-Za-z]+$/);
    expect(unknown).toEqual({ status: 504, headers: { 'Cache-Control': 'no-store' }, body: '' });
    expect(badOption.status).toBe(400);
    expect(parseReply(badOption.body).details).toBe('Declined - the tokenize option must be true or false');
    // The card reached Stripe only in the PaymentIntent requests; nothing was logged with it.
    for (const sent of fake.requests) {
      const carriesCard = sent.path === '/v1/payment_intents';
      expect(sent.body.includes('4242424242424242') || sent.body.includes('5555555555554444')).toBe(carriesCard);
      expect(JSON.stringify(sent.headers)).not.toMatch(/4242424242424242|5555555555554444|cvc/);
      expect(sent.body.includes(`cvc%5D=${CVV}`) || sent.body.includes(`[cvc]=${CVV}`)).toBe(carriesCard);
    }
    const log = logged.join('');
    expect(log).not.toContain('4242424242424242');
    expect(log).not.toContain('5555555555554444');
  });
});
