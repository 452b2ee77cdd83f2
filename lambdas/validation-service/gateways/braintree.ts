/**
 * Braintree connector for the reference validation service, through the official `braintree` SDK:
 * one `transaction.sale` per phone payment with the raw card (creditCard number, expirationMonth,
 * expirationYear, cvv), `transactionSource: "moto"`, the amount as a decimal string in major units
 * (checked against the currency's exponent first), the payment reference as `orderId` (shown in the
 * Control Panel; Braintree's API has no idempotency key, so the connector never retries and the
 * reference service's Idempotency-Key memory answers a repeated submission with the first reply),
 * the merchant account of the currency when configured, and submitForSettlement. With tokenization the
 * card is vaulted on success (`storeInVaultOnSuccess`) and its payment method token returned; a zero
 * amount creates a customer with the card verified (`verifyCard`) and returns that card's token.
 *
 * Outcomes: a processor decline maps its processorResponseCode, a gateway rejection its reason, a
 * validation error its code, to a short detail; a timeout, a reset or a 5xx after the request was sent
 * is GatewayOutcomeUnknownError (the SDK does not retry, and neither does this connector); a refused
 * connection, an authentication or authorization error, or a processor network failure (status
 * `failed`: nothing charged) is GatewayUnavailableError.
 *
 * The endpoint is a `braintree.Environment` (host, port, ssl): the sandbox and tests pass the local
 * fake's, with an agent trusting its CA.
 */
import type { Agent } from 'node:https';
import braintree from 'braintree';
import { type AuthorizationRequest, type AuthorizationResult, GatewayOutcomeUnknownError, GatewayUnavailableError, type PaymentGateway } from '../gateway';
import { currencyExponent, InvalidAmountError, splitExpiry, toMinorUnits } from './minor-units';

/**
 * Braintree's documented sandbox card numbers (https://developer.paypal.com/braintree/docs/reference/general/testing),
 * the approving ones and those whose verification fails. In the sandbox, sale outcomes follow the amount
 * (2000.00–2999.99 processor declined with that code, 3000.00 processor network failure).
 */
export const BRAINTREE_TEST_CARDS: readonly string[] = [
  '4111111111111111',
  '4005519200000004',
  '4009348888881881',
  '4012000033330026',
  '4012000077777777',
  '4012888888881881',
  '4217651111111119',
  '4500600000000061',
  '5555555555554444',
  '2223000048400011',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
  '3530111333300000',
  '4000111111111115',
  '5105105105105100',
  '378734493671000',
  '6011000990139424',
  '4000111111111511',
];

/** processorResponseCode → the short reason the caller hears. */
const PROCESSOR_REASONS: Readonly<Record<string, string>> = {
  '2000': 'do not honour',
  '2001': 'insufficient funds',
  '2002': 'card limit exceeded',
  '2003': 'card limit exceeded',
  '2004': 'expired card',
  '2005': 'invalid card number',
  '2006': 'invalid expiry date',
  '2007': 'no account for this card',
  '2008': 'invalid card number',
  '2009': 'card issuer not found',
  '2010': 'incorrect security code',
  '2011': 'voice authorisation required: call the card issuer',
  '2012': 'card reported lost',
  '2013': 'card reported stolen',
  '2014': 'declined as suspected fraud',
  '2015': 'transaction not allowed for this card',
  '2016': 'duplicate transaction',
  '2019': 'transaction not allowed for this card',
  '2038': 'card declined',
  '2044': 'declined: call the card issuer',
  '2046': 'card declined',
  '2047': 'card reported lost',
  '2057': 'card restricted by the issuer',
};

/** gatewayRejectionReason → short reason. */
const REJECTION_REASONS: Readonly<Record<string, string>> = {
  avs: 'address check failed',
  avs_and_cvv: 'address and security code checks failed',
  cvv: 'incorrect security code',
  duplicate: 'duplicate transaction',
  fraud: 'declined as suspected fraud',
  risk_threshold: 'declined as suspected fraud',
  three_d_secure: 'card requires authentication',
  token_issuance: 'card could not be saved',
  application_incomplete: 'merchant account not ready',
};

/** Validation error code (422) → short reason: Braintree checked the request and charged nothing. */
const VALIDATION_REASONS: Readonly<Record<string, string>> = {
  '81715': 'invalid card number',
  '81716': 'invalid card number',
  '81717': 'invalid card number',
  '81714': 'invalid card number',
  '81703': 'card type not supported',
  '81706': 'incorrect security code',
  '81707': 'incorrect security code',
  '81709': 'invalid expiry date',
  '81710': 'invalid expiry date',
  '81711': 'invalid expiry date',
  '81712': 'invalid expiry date',
  '81713': 'invalid expiry date',
  '81736': 'incorrect security code',
  '81502': 'invalid amount',
  '81503': 'invalid amount',
  '81531': 'invalid amount',
  '81528': 'invalid amount',
};

export interface BraintreeGatewayOptions {
  merchantId: string;
  publicKey: string;
  privateKey: string;
  environment: 'sandbox' | 'production';
  /** Refuse every card number that is not a Braintree test card before calling Braintree. */
  testMode: boolean;
  /** Merchant account id per ISO currency code (a Braintree merchant account settles in one currency). @default the default merchant account */
  merchantAccountIds?: Readonly<Record<string, string>>;
  /** Currency when the form sends none. @default USD */
  defaultCurrency?: string;
  /** @default 8000 */
  timeoutMs?: number;
  /** Endpoint override (the local fake): host, port, https. */
  endpoint?: { host: string; port: number };
  /** Agent for the connection (e.g. one trusting the fake's CA). */
  agent?: Agent;
}

export class BraintreeGatewayConfigError extends Error {
  public constructor(problem: string) {
    super(`Braintree gateway: ${problem}`);
    this.name = 'BraintreeGatewayConfigError';
  }
}

/** Node error codes of a connection that never carried the request; the SDK keeps only the message. */
const NOT_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;
/** SDK error types where Braintree refused the request before deciding anything. */
const REFUSED_TYPES = new Set(['authenticationError', 'authorizationError', 'notFoundError', 'tooManyRequestsError', 'upgradeRequired', 'invalidKeysError']);

interface SaleResult {
  success: boolean;
  message?: string;
  transaction?: {
    id?: string;
    status?: string;
    processorResponseCode?: string;
    gatewayRejectionReason?: string;
    creditCard?: { token?: string | null };
  };
  customer?: { id?: string; creditCards?: Array<{ token?: string }> };
  verification?: { status?: string; processorResponseCode?: string; gatewayRejectionReason?: string };
  errors?: { deepErrors(): Array<{ code?: string }> };
}

const declined = (code: string, message: string): AuthorizationResult => ({ approved: false, code, message });

const id = (value: unknown): string =>
  String(value ?? '')
    .replace(/[^A-Za-z0-9_.-]/g, '')
    .slice(0, 64);

/** 1250 minor units with exponent 2 → "12.50". */
function majorUnits(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const digits = String(minor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export class BraintreeGateway implements PaymentGateway {
  private readonly gateway: braintree.BraintreeGateway;

  public constructor(private readonly options: BraintreeGatewayOptions) {
    const problems: string[] = [];
    for (const name of ['merchantId', 'publicKey', 'privateKey'] as const)
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(options[name])) problems.push(`${name} must be set`);
    if (options.environment !== 'sandbox' && options.environment !== 'production') problems.push('environment must be sandbox or production');
    if (options.testMode && options.environment === 'production') problems.push('test mode needs the sandbox environment, not production');
    for (const [currency, account] of Object.entries(options.merchantAccountIds ?? {}))
      if (!/^[A-Z]{3}$/.test(currency) || !/^[A-Za-z0-9_-]{1,64}$/.test(account))
        problems.push('merchantAccountIds must map ISO currency codes (e.g. USD) to merchant account ids');
    if (problems.length > 0) throw new BraintreeGatewayConfigError([...new Set(problems)].join('; '));
    const environment =
      options.endpoint === undefined
        ? options.environment === 'production'
          ? braintree.Environment.Production
          : braintree.Environment.Sandbox
        : new braintree.Environment(
            options.endpoint.host,
            String(options.endpoint.port),
            'https://127.0.0.1',
            true,
            options.endpoint.host,
            String(options.endpoint.port),
          );
    // customHttpAgent is read by the SDK's Config but missing from its typings.
    const config = {
      environment,
      merchantId: options.merchantId,
      publicKey: options.publicKey,
      privateKey: options.privateKey,
      ...(options.agent === undefined ? {} : { customHttpAgent: options.agent }),
    } as braintree.KeyGatewayConfig;
    this.gateway = new braintree.BraintreeGateway(config);
    // The SDK's default is 60 s; a caller on the phone waits for this answer.
    (this.gateway as unknown as { config: { timeout: number } }).config.timeout = options.timeoutMs ?? 8000;
  }

  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    if (this.options.testMode && !BRAINTREE_TEST_CARDS.includes(req.pan)) return declined('test_mode', 'test mode accepts only Braintree test cards');
    const expiry = splitExpiry(req.exp);
    if (!expiry) return declined('invalid_expiry', 'invalid expiry date');
    const currency = (req.currency ?? this.options.defaultCurrency ?? 'USD').toUpperCase();
    let minor = 0;
    try {
      minor = req.amount === undefined ? 0 : toMinorUnits(req.amount, currency);
    } catch (err) {
      if (err instanceof InvalidAmountError) return declined('invalid_amount', err.reason === 'currency' ? 'invalid currency' : 'invalid amount');
      throw err;
    }
    if (minor === 0 && !req.tokenize) return declined('invalid_amount', 'no amount to charge');
    const accounts = this.options.merchantAccountIds;
    const merchantAccountId = accounts?.[currency];
    if (accounts !== undefined && Object.keys(accounts).length > 0 && merchantAccountId === undefined)
      return declined('currency', 'currency not accepted by this merchant');
    const card = {
      number: req.pan,
      expirationMonth: String(expiry.month).padStart(2, '0'),
      expirationYear: String(expiry.year),
      ...(req.cvv === undefined ? {} : { cvv: req.cvv }),
    };
    try {
      if (minor === 0) {
        const created = (await this.gateway.customer.create({
          creditCard: {
            ...card,
            options: { verifyCard: true, ...(merchantAccountId === undefined ? {} : { verificationMerchantAccountId: merchantAccountId }) },
          },
        } as braintree.CustomerCreateRequest)) as unknown as SaleResult;
        if (!created.success) return this.refusal(created);
        const token = id(created.customer?.creditCards?.[0]?.token);
        return token === '' ? declined('not_stored', 'card could not be saved') : { approved: true, code: 'verified', message: 'card saved', token };
      }
      const sale = (await this.gateway.transaction.sale({
        amount: majorUnits(minor, currencyExponent(currency)),
        orderId: req.reference,
        transactionSource: 'moto',
        creditCard: card,
        ...(merchantAccountId === undefined ? {} : { merchantAccountId }),
        options: { submitForSettlement: true, ...(req.tokenize ? { storeInVaultOnSuccess: true } : {}) },
      } as braintree.TransactionRequest)) as unknown as SaleResult;
      if (!sale.success) return this.refusal(sale);
      const transaction = sale.transaction ?? {};
      const token = req.tokenize && id(transaction.creditCard?.token) !== '' ? { token: id(transaction.creditCard?.token) } : {};
      return { approved: true, code: transaction.status ?? 'submitted_for_settlement', message: `transaction ${id(transaction.id) || 'id missing'}`, ...token };
    } catch (err) {
      throw this.classify(err);
    }
  }

  /** A result with success false: a decline, a rejection, a validation error, or a processor failure. */
  private refusal(result: SaleResult): AuthorizationResult {
    const decided = result.transaction ?? result.verification;
    if (decided?.status === 'processor_declined') {
      const code = id(decided.processorResponseCode);
      return declined(code || 'processor_declined', PROCESSOR_REASONS[code] ?? 'card declined');
    }
    if (decided?.status === 'gateway_rejected') {
      const reason = id(decided.gatewayRejectionReason);
      return declined(`rejected_${reason || 'unknown'}`, REJECTION_REASONS[reason] ?? 'declined by the gateway');
    }
    // Processor network failure: Braintree recorded the transaction as failed, nothing was charged.
    if (decided?.status === 'failed') throw new GatewayUnavailableError();
    const codes = (result.errors?.deepErrors() ?? []).map((e) => id(e.code));
    const known = codes.find((code) => VALIDATION_REASONS[code] !== undefined);
    if (known !== undefined) return declined(known, VALIDATION_REASONS[known] ?? 'payment details refused');
    return declined(codes[0] || 'validation', 'payment details refused by Braintree');
  }

  private classify(err: unknown): Error {
    if (err instanceof GatewayUnavailableError || err instanceof GatewayOutcomeUnknownError) return err;
    const type = (err as { type?: unknown } | undefined)?.type;
    if (typeof type === 'string' && REFUSED_TYPES.has(type)) return new GatewayUnavailableError();
    const message = err instanceof Error ? err.message : '';
    if (type === 'unexpectedError' && NOT_SENT.test(message)) return new GatewayUnavailableError();
    // serverError, serviceUnavailableError, gatewayTimeoutError, requestTimeoutError, a timeout, a reset, an unreadable reply.
    return new GatewayOutcomeUnknownError();
  }
}
