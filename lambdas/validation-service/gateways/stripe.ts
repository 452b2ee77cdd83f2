/**
 * Stripe connector for the reference validation service: authorizes and captures a phone payment with
 * a PaymentIntent created and confirmed in one call with the raw card (payment_method_data), flagged
 * as MOTO (payment_method_options.card.moto), the payment reference as the Idempotency-Key, and the
 * reference in the description and metadata so it shows in the Dashboard. With tokenization the card
 * is saved on a new Customer (setup_future_usage off_session, or a SetupIntent for a zero amount) and
 * the reusable `cus_…/pm_…` pair is returned. Only the card fields Stripe needs are sent; the security
 * code is sent for the check and never stored by this service.
 *
 * Outcomes: a card_error is a decline with a short reason; a timeout, a reset or a 5xx after the request
 * was sent is GatewayOutcomeUnknownError (never retried: maxNetworkRetries 0, and the SDK's one silent
 * retry on a closed connection is disabled below); a failure before sending is GatewayUnavailableError.
 */
import type { Agent } from 'node:https';
import Stripe from 'stripe';
import { type AuthorizationRequest, type AuthorizationResult, GatewayOutcomeUnknownError, GatewayUnavailableError, type PaymentGateway } from '../gateway';
import { InvalidAmountError, splitExpiry, toMinorUnits } from './minor-units';

/** Stripe's documented test card numbers accepted in test mode (https://docs.stripe.com/testing). */
export const STRIPE_TEST_CARDS: readonly string[] = [
  '4242424242424242',
  '4000056655665556',
  '5555555555554444',
  '2223003122003222',
  '378282246310005',
  '6011111111111117',
  '4000000000000002',
  '4000000000009995',
  '4000000000009987',
  '4000000000009979',
  '4000000000000069',
  '4000000000000127',
  '4000000000000119',
  '4242424242424241',
  '4000000000006975',
];

/** Stripe decline_code / error code → the short reason the caller hears. */
const DECLINE_REASONS: Readonly<Record<string, string>> = {
  generic_decline: 'card declined',
  do_not_honor: 'do not honour',
  insufficient_funds: 'insufficient funds',
  lost_card: 'card reported lost',
  stolen_card: 'card reported stolen',
  pickup_card: 'card reported lost',
  expired_card: 'expired card',
  incorrect_cvc: 'incorrect security code',
  invalid_cvc: 'incorrect security code',
  incorrect_number: 'invalid card number',
  invalid_number: 'invalid card number',
  invalid_expiry_month: 'invalid expiry date',
  invalid_expiry_year: 'invalid expiry date',
  processing_error: 'card issuer processing error',
  card_velocity_exceeded: 'card limit exceeded',
  withdrawal_count_limit_exceeded: 'card limit exceeded',
  fraudulent: 'declined by the card issuer',
  card_not_supported: 'card type not supported',
  currency_not_supported: 'currency not supported by the card',
  authentication_required: 'card requires authentication',
  transaction_not_allowed: 'transaction not allowed for this card',
};

export interface StripeGatewayOptions {
  /** Secret key (sk_test_… or sk_live_…) or a restricted key with PaymentIntents, SetupIntents and Customers write. */
  apiKey: string;
  /** Refuse every card number that is not a Stripe test card before calling Stripe. */
  testMode: boolean;
  /** Currency when the form sends none. @default USD */
  defaultCurrency?: string;
  /** Per-request timeout in ms. @default 8000 */
  timeoutMs?: number;
  /** Endpoint override (the local fake in tests and the sandbox). @default api.stripe.com:443 https */
  host?: string;
  port?: number;
  protocol?: 'https' | 'http';
  /** Agent for the connection (e.g. one trusting the fake's CA). */
  httpAgent?: Agent;
}

export class StripeGatewayConfigError extends Error {
  public constructor(problem: string) {
    super(`Stripe gateway: ${problem}`);
    this.name = 'StripeGatewayConfigError';
  }
}

/** Codes the SDK retries once even with maxNetworkRetries 0; a reset after sending must stay unknown. */
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** Failures that happen before any byte of the request left: nothing can have been charged. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function noReplayHttpClient(agent: Agent | undefined): ReturnType<typeof Stripe.createNodeHttpClient> {
  const client = Stripe.createNodeHttpClient(agent);
  const makeRequest = client.makeRequest.bind(client);
  client.makeRequest = async (...args: Parameters<typeof makeRequest>) => {
    try {
      return await makeRequest(...args);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && CLOSED_CODES.has(code)) {
        const closed = new Error('connection closed after the request was sent') as Error & { code: string };
        closed.code = 'SECURE_IVR_CLOSED_AFTER_SEND';
        throw closed;
      }
      throw err;
    }
  };
  return client;
}

const declined = (code: string, message: string): AuthorizationResult => ({ approved: false, code, message });

export class StripeGateway implements PaymentGateway {
  private readonly stripe: Stripe;
  private readonly testMode: boolean;
  private readonly defaultCurrency: string;

  public constructor(options: StripeGatewayOptions) {
    if (!/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/.test(options.apiKey))
      throw new StripeGatewayConfigError('the API key must be a secret (sk_) or restricted (rk_) key');
    if (options.testMode && options.apiKey.includes('_live_')) throw new StripeGatewayConfigError('test mode needs a test key, not a live key');
    this.testMode = options.testMode;
    this.defaultCurrency = options.defaultCurrency ?? 'USD';
    this.stripe = new Stripe(options.apiKey, {
      maxNetworkRetries: 0,
      timeout: options.timeoutMs ?? 8000,
      telemetry: false,
      httpClient: noReplayHttpClient(options.httpAgent),
      appInfo: { name: 'secure-ivr' },
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    });
  }

  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    if (this.testMode && !STRIPE_TEST_CARDS.includes(req.pan)) return declined('test_mode', 'test mode accepts only Stripe test cards');
    const expiry = splitExpiry(req.exp);
    if (!expiry) return declined('invalid_expiry', 'invalid expiry date');
    const currency = (req.currency ?? this.defaultCurrency).toLowerCase();
    let amount = 0;
    try {
      amount = req.amount === undefined ? 0 : toMinorUnits(req.amount, currency);
    } catch (err) {
      if (err instanceof InvalidAmountError) return declined('invalid_amount', err.reason === 'currency' ? 'invalid currency' : 'invalid amount');
      throw err;
    }
    if (amount === 0 && !req.tokenize) return declined('invalid_amount', 'no amount to charge');
    const card = { number: req.pan, exp_month: expiry.month, exp_year: expiry.year, ...(req.cvv === undefined ? {} : { cvc: req.cvv }) };
    const describe = { description: `Phone payment ${req.reference}`, metadata: { payment_reference: req.reference } };
    try {
      let customer: string | undefined;
      if (req.tokenize) {
        customer = (await this.stripe.customers.create(describe, { idempotencyKey: `${req.reference}-customer` })).id;
      }
      if (amount === 0) {
        const setup = await this.stripe.setupIntents.create(
          {
            ...describe,
            customer,
            confirm: true,
            usage: 'off_session',
            payment_method_data: { type: 'card', card } as Stripe.SetupIntentCreateParams.PaymentMethodData,
            payment_method_options: { card: { moto: true } },
          },
          { idempotencyKey: req.reference },
        );
        if (setup.status !== 'succeeded') return declined(setup.status, 'card could not be saved');
        return { approved: true, code: 'succeeded', message: 'card saved', token: `${customer}/${String(setup.payment_method)}` };
      }
      const intent = await this.stripe.paymentIntents.create(
        {
          ...describe,
          amount,
          currency,
          confirm: true,

          payment_method_data: { type: 'card', card } as Stripe.PaymentIntentCreateParams.PaymentMethodData,
          payment_method_options: { card: { moto: true } },
          ...(customer === undefined ? {} : { customer, setup_future_usage: 'off_session' as const }),
        },
        { idempotencyKey: req.reference },
      );
      if (intent.status === 'succeeded' || intent.status === 'requires_capture') {
        const token = customer === undefined ? {} : { token: `${customer}/${String(intent.payment_method)}` };
        return { approved: true, code: intent.status, message: `payment ${intent.id}`, ...token };
      }
      if (intent.status === 'processing') throw new GatewayOutcomeUnknownError();
      return declined(intent.status, intent.status === 'requires_action' ? 'card requires authentication' : 'card declined');
    } catch (err) {
      const mapped = this.classify(err);
      if (mapped instanceof Error) throw mapped;
      return mapped;
    }
  }

  /** A card error becomes a decline; anything else the unavailable (nothing sent / refused) or unknown error. */
  private classify(err: unknown): Error | AuthorizationResult {
    if (err instanceof GatewayOutcomeUnknownError) return err;
    if (err instanceof Stripe.errors.StripeCardError) {
      const key = err.decline_code || err.code || 'card_declined';
      return declined(key, DECLINE_REASONS[key] ?? 'card declined');
    }
    if (err instanceof Stripe.errors.StripeConnectionError) {
      const code = (err.detail as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' && NOT_SENT_CODES.has(code) ? new GatewayUnavailableError() : new GatewayOutcomeUnknownError();
    }
    if (err instanceof Stripe.errors.StripeError && (err.statusCode ?? 0) >= 500) return new GatewayOutcomeUnknownError();
    // 4xx other than a card error (bad key, bad request, rate limit): Stripe decided nothing was charged.
    return new GatewayUnavailableError();
  }
}
