/**
 * Adyen connector for the reference validation service: one Checkout API `/payments` call per phone
 * payment, through the official `@adyen/api-library`, with the raw card fields a PCI-scoped server may
 * send (`type: scheme`, number, expiryMonth, expiryYear, cvc; the encrypted fields are for web
 * front ends), `shopperInteraction: Moto`, the amount in minor units with the currency's exponent, the
 * payment reference as `reference` (shown in the Customer Area) and as the Idempotency-Key. With
 * tokenization the card is stored (`storePaymentMethod`, `shopperReference`, an unscheduled
 * card-on-file model) and `shopperReference/storedPaymentMethodId` is returned; a zero amount is a
 * zero-value authorisation that only stores the card.
 *
 * Outcomes: resultCode Authorised approves; Refused (with its refusal reason), Error and Cancelled
 * decline with a short reason; a 422 validation error (e.g. an invalid card number) declines; a
 * timeout, a reset or a 5xx after the request was sent is GatewayOutcomeUnknownError (the SDK does not
 * retry, and neither does this connector); a connection refused before sending, or a 401/403, is
 * GatewayUnavailableError.
 *
 * Endpoint override: 32.x has no setting for a custom Checkout URL (it derives checkout-test.adyen.com
 * or the live prefix URL from `environment`), so the SDK's own HTTP client is subclassed to send the
 * same request to another origin (the local fake) and to trust that fake's CA.
 */
import type { Agent, AgentOptions } from 'node:https';
// Deep imports of the four modules used: the package index loads every Adyen API and model (2.5 MB
// bundled) where these need 0.37 MB. The version is pinned exactly, so the paths cannot move under us.
import Client from '@adyen/api-library/lib/src/client';
import { EnvironmentEnum } from '@adyen/api-library/lib/src/config';
import HttpClientException from '@adyen/api-library/lib/src/httpClient/httpClientException';
import HttpURLConnectionClient from '@adyen/api-library/lib/src/httpClient/httpURLConnectionClient';
import { PaymentsApi } from '@adyen/api-library/lib/src/services/checkout/paymentsApi';
import { CardDetails } from '@adyen/api-library/lib/src/typings/checkout/cardDetails';
import { PaymentRequest } from '@adyen/api-library/lib/src/typings/checkout/paymentRequest';
import { PaymentResponse } from '@adyen/api-library/lib/src/typings/checkout/paymentResponse';
import { type AuthorizationRequest, type AuthorizationResult, GatewayOutcomeUnknownError, GatewayUnavailableError, type PaymentGateway } from '../gateway';
import { InvalidAmountError, splitExpiry, toMinorUnits } from './minor-units';

/**
 * Adyen's documented test card numbers (https://docs.adyen.com/development-resources/testing/test-card-numbers),
 * used with expiry 03/2030 and CVC 737 (7373 for Amex). Test mode refuses every other number before any call.
 */
export const ADYEN_TEST_CARDS: readonly string[] = [
  '4111111145551142',
  '4988438843884305',
  '4166676667666746',
  '4646464646464644',
  '5555341244441115',
  '5577000055770004',
  '5136333333333335',
  '2222400070000005',
  '370000000000002',
  '6011601160116611',
  '3600666633336666',
  '3569990010095841',
];

/** Adyen refusalReasonCode → the short reason the caller hears (https://docs.adyen.com/development-resources/refusal-reasons). */
const REFUSAL_REASONS: Readonly<Record<string, string>> = {
  '2': 'card declined',
  '3': 'referral: call the card issuer',
  '4': 'acquirer error',
  '5': 'card blocked',
  '6': 'expired card',
  '7': 'invalid amount',
  '8': 'invalid card number',
  '9': 'card issuer unavailable',
  '10': 'card type not supported',
  '12': 'insufficient funds',
  '14': 'declined as suspected fraud',
  '15': 'payment cancelled',
  '20': 'declined as suspected fraud',
  '22': 'declined as suspected fraud',
  '23': 'transaction not allowed for this card',
  '24': 'incorrect security code',
  '25': 'card restricted',
  '26': 'authorisation revoked',
  '27': 'card declined',
  '28': 'card limit exceeded',
  '29': 'card limit exceeded',
  '31': 'declined as suspected fraud',
  '32': 'address check failed',
  '38': 'card requires authentication',
  '46': 'declined to prevent excessive retries',
};

/** Adyen 422 errorCode → short reason: Adyen validated the request and charged nothing. */
const VALIDATION_REASONS: Readonly<Record<string, string>> = {
  '101': 'invalid card number',
  '102': 'card type not supported',
  '103': 'incorrect security code',
  '129': 'invalid expiry date',
  '137': 'invalid amount',
  '138': 'currency not supported',
  '905': 'card type not supported',
};

export interface AdyenGatewayOptions {
  /** Checkout API key (X-API-Key) of a web service user with the MOTO role. */
  apiKey: string;
  /** The MOTO merchant account the payments are booked on. */
  merchantAccount: string;
  /** TEST or LIVE. */
  environment: 'TEST' | 'LIVE';
  /** The live URL prefix from the Customer Area (required for LIVE). */
  liveEndpointUrlPrefix?: string;
  /** Refuse every card number that is not an Adyen test card before calling Adyen. */
  testMode: boolean;
  /** Currency when the form sends none. @default EUR */
  defaultCurrency?: string;
  /** @default 8000 */
  timeoutMs?: number;
  /**
   * The returnUrl the Checkout API requires on every /payments call; a MOTO card payment never redirects,
   * so it is never visited. @default https://secure-ivr.invalid/moto-no-redirect
   */
  returnUrl?: string;
  /** Send to this origin instead (the local fake), e.g. https://127.0.0.1:4431. */
  endpointOrigin?: string;
  /** Agent whose TLS options (e.g. the fake's CA) are used for the connection. */
  agent?: Agent;
}

export class AdyenGatewayConfigError extends Error {
  public constructor(problem: string) {
    super(`Adyen gateway: ${problem}`);
    this.name = 'AdyenGatewayConfigError';
  }
}

/** Node error codes of a connection that never carried the request: nothing can have been charged. */
const NOT_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

/** The SDK's HTTP client, sending to another origin with another CA; the request itself is unchanged. */
class RedirectedHttpClient extends HttpURLConnectionClient {
  public constructor(
    private readonly origin: string | undefined,
    tls: AgentOptions | undefined,
  ) {
    super();
    // The SDK builds a new https.Agent from these options per request; they are private in its typings.
    if (tls !== undefined) Object.assign(this, { agentOptions: { ca: tls.ca, keepAlive: false } });
  }

  public override request(...args: Parameters<HttpURLConnectionClient['request']>): Promise<string> {
    const [endpoint, ...rest] = args;
    if (this.origin === undefined) return super.request(endpoint, ...rest);
    const url = new URL(endpoint);
    return super.request(`${this.origin}${url.pathname}${url.search}`, ...rest);
  }
}

const declined = (code: string, message: string): AuthorizationResult => ({ approved: false, code, message });

/** Adyen ids are 16 alphanumerics (pspReference) or similar; keep id characters only. */
const id = (value: unknown): string =>
  String(value ?? '')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, 64);

export class AdyenGateway implements PaymentGateway {
  private readonly payments: PaymentsApi;

  public constructor(private readonly options: AdyenGatewayOptions) {
    const problems: string[] = [];
    if (options.apiKey === '') problems.push('apiKey must be set');
    if (!/^[A-Za-z0-9_.-]{1,80}$/.test(options.merchantAccount)) problems.push('merchantAccount must be an Adyen merchant account code');
    if (options.environment !== 'TEST' && options.environment !== 'LIVE') problems.push('environment must be TEST or LIVE');
    if (options.environment === 'LIVE' && !/^[A-Za-z0-9-]{1,80}$/.test(options.liveEndpointUrlPrefix ?? ''))
      problems.push('LIVE needs liveEndpointUrlPrefix (Customer Area > Developers > API URLs)');
    if (options.testMode && options.environment === 'LIVE') problems.push('test mode needs the TEST environment, not LIVE');
    if (options.endpointOrigin !== undefined && !/^https:\/\/[^/]+$/.test(options.endpointOrigin)) problems.push('endpointOrigin must be https://host[:port]');
    if (problems.length > 0) throw new AdyenGatewayConfigError(problems.join('; '));
    const client = new Client(
      {
        apiKey: options.apiKey,
        environment: options.environment === 'LIVE' ? EnvironmentEnum.LIVE : EnvironmentEnum.TEST,
        connectionTimeoutMillis: options.timeoutMs ?? 8000,
        applicationName: 'secure-ivr',
        // Never follow a redirect with the card in the body.
        enable308Redirect: false,
        ...(options.liveEndpointUrlPrefix === undefined ? {} : { liveEndpointUrlPrefix: options.liveEndpointUrlPrefix }),
      },
      new RedirectedHttpClient(options.endpointOrigin, options.agent?.options),
    );
    this.payments = new PaymentsApi(client);
  }

  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    if (this.options.testMode && !ADYEN_TEST_CARDS.includes(req.pan)) return declined('test_mode', 'test mode accepts only Adyen test cards');
    const expiry = splitExpiry(req.exp);
    if (!expiry) return declined('invalid_expiry', 'invalid expiry date');
    const currency = (req.currency ?? this.options.defaultCurrency ?? 'EUR').toUpperCase();
    let value = 0;
    try {
      value = req.amount === undefined ? 0 : toMinorUnits(req.amount, currency);
    } catch (err) {
      if (err instanceof InvalidAmountError) return declined('invalid_amount', err.reason === 'currency' ? 'invalid currency' : 'invalid amount');
      throw err;
    }
    if (value === 0 && !req.tokenize) return declined('invalid_amount', 'no amount to charge');
    const shopperReference = `secure-ivr-${req.reference}`;
    const request: PaymentRequest = {
      merchantAccount: this.options.merchantAccount,
      reference: req.reference,
      returnUrl: this.options.returnUrl ?? 'https://secure-ivr.invalid/moto-no-redirect',
      amount: { currency, value },
      shopperInteraction: PaymentRequest.ShopperInteractionEnum.Moto,
      paymentMethod: {
        type: CardDetails.TypeEnum.Scheme,
        number: req.pan,
        expiryMonth: String(expiry.month).padStart(2, '0'),
        expiryYear: String(expiry.year),
        ...(req.cvv === undefined ? {} : { cvc: req.cvv }),
      },
      ...(req.tokenize
        ? {
            storePaymentMethod: true,
            shopperReference,
            recurringProcessingModel: PaymentRequest.RecurringProcessingModelEnum.UnscheduledCardOnFile,
          }
        : {}),
    };
    let response: PaymentResponse;
    try {
      response = await this.payments.payments(request, { idempotencyKey: req.reference });
    } catch (err) {
      const mapped = this.classify(err);
      if (mapped instanceof Error) throw mapped;
      return mapped;
    }
    return this.outcome(response, req.tokenize === true, value === 0, shopperReference);
  }

  private outcome(response: PaymentResponse, tokenize: boolean, zeroAuth: boolean, shopperReference: string): AuthorizationResult {
    const Result = PaymentResponse.ResultCodeEnum;
    const psp = id(response.pspReference);
    switch (response.resultCode) {
      case Result.Authorised: {
        const extra = response.additionalData ?? {};
        const stored = id(extra['tokenization.storedPaymentMethodId'] ?? extra['recurring.recurringDetailReference']);
        // Asked to store the card but no token came back: the charge stands, the caller hears it was not saved.
        const token = tokenize && stored !== '' ? { token: `${shopperReference}/${stored}` } : {};
        if (zeroAuth)
          return stored === '' ? declined('not_stored', 'card could not be saved') : { approved: true, code: 'Authorised', message: 'card saved', ...token };
        return { approved: true, code: 'Authorised', message: `payment ${psp || 'reference missing'}`, ...token };
      }
      case Result.Refused: {
        const code = id(response.refusalReasonCode) || 'refused';
        return declined(`refused_${code}`, REFUSAL_REASONS[code] ?? 'card declined');
      }
      case Result.Error:
        return declined('error', 'payment error at the acquirer');
      case Result.Cancelled:
        return declined('cancelled', 'payment cancelled');
      case Result.Received:
      case Result.Pending:
        // Not decided yet: the payment may still be authorised.
        throw new GatewayOutcomeUnknownError();
      default:
        // RedirectShopper, IdentifyShopper, ChallengeShopper…: a MOTO payment cannot complete an authentication step.
        if (response.resultCode === undefined) throw new GatewayOutcomeUnknownError();
        return declined('authentication', 'card requires authentication');
    }
  }

  private classify(err: unknown): Error | AuthorizationResult {
    if (err instanceof HttpClientException) {
      const status = err.statusCode ?? 0;
      if (status >= 500 || status === 0) return new GatewayOutcomeUnknownError();
      if (status === 422) {
        const code = id(err.errorCode);
        return declined(`invalid_${code || 'request'}`, VALIDATION_REASONS[code] ?? 'payment details refused by Adyen');
      }
      // 401/403 (key or role), 400, 429: Adyen refused the request, nothing was charged.
      return new GatewayUnavailableError();
    }
    // The SDK keeps only the message of a socket error (in an ApiException, which is not an Error
    // subclass): the code in it tells a refused connection.
    const message = (err as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string' && NOT_SENT.test(message)) return new GatewayUnavailableError();
    return new GatewayOutcomeUnknownError();
  }
}
