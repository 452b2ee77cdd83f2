/**
 * The payment gateway seen by the reference validation service, and a test gateway whose documented
 * card numbers decide the result, so the sandbox and the tests can drive every outcome from a keypad.
 * A real deployment puts the merchant's own gateway behind the same interface.
 */
import { randomInt } from 'node:crypto';
import { detectBrand, luhnValid, securityCodeLength } from '../shared/card/card-rules';

export interface AuthorizationRequest {
  pan: string;
  /** MMYY. */
  exp: string;
  cvv?: string;
  /** Decimal string, e.g. "12.50". */
  amount?: string;
  currency?: string;
  /** The payment reference (the idempotency key). */
  reference: string;
  /** Store the card at the gateway and return a reusable token; with amount 0 (or none), tokenize only. */
  tokenize?: boolean;
}

export interface AuthorizationResult {
  approved: boolean;
  /** Gateway response code (ISO 8583 style for the test gateway). */
  code: string;
  /** Short human text; never card data, never `|`. */
  message: string;
  /** The gateway's reusable token for the stored card (never the card), when tokenization was asked for. */
  token?: string;
}

export interface PaymentGateway {
  /** Authorizes once; throws GatewayUnavailableError when the gateway cannot decide. */
  authorize(req: AuthorizationRequest): Promise<AuthorizationResult>;
}

/** The gateway could not be reached or failed: no decision was made, a later retry may succeed. */
export class GatewayUnavailableError extends Error {
  public constructor() {
    super('The payment gateway is unavailable; no authorization was made. Try again later.');
    this.name = 'GatewayUnavailableError';
  }
}

/**
 * The request was sent and no definitive answer came (a timeout, a reset or a 5xx after sending): the
 * card may or may not have been charged. Never a decline and never retried; the service answers 504.
 */
export class GatewayOutcomeUnknownError extends Error {
  public constructor() {
    super('The payment gateway did not answer after the request was sent; the outcome is unknown.');
    this.name = 'GatewayOutcomeUnknownError';
  }
}

export type TestCardBehaviour = { result: 'approved' } | { result: 'declined'; code: string; message: string } | { result: 'gateway-error' };

/**
 * Test card numbers of the TestGateway (all pass Luhn). Any expiry in the future and any security code
 * of the right length go with them. Listed in the README; keep the two in step.
 *
 * | card number        | brand      | result                                      |
 * |--------------------|------------|---------------------------------------------|
 * | 4111111111111111   | Visa       | accepted                                    |
 * | 5555555555554444   | Mastercard | accepted                                    |
 * | 378282246310005    | Amex       | accepted (4-digit security code)            |
 * | 4000000000000002   | Visa       | declined "do not honour"                    |
 * | 4000000000009995   | Visa       | declined "insufficient funds"               |
 * | 4000000000000069   | Visa       | declined "expired card"                     |
 * | 4000000000000127   | Visa       | declined "incorrect security code"          |
 * | 4000000000000119   | Visa       | gateway error: the service answers HTTP 500 |
 *
 * Other Luhn-valid numbers are accepted; a number failing Luhn is declined "invalid card number";
 * a past expiry is declined "expired card"; a security code of the wrong length for the brand is
 * declined "incorrect security code".
 */
export const TEST_CARDS: Readonly<Record<string, TestCardBehaviour>> = {
  '4111111111111111': { result: 'approved' },
  '5555555555554444': { result: 'approved' },
  '378282246310005': { result: 'approved' },
  '4000000000000002': { result: 'declined', code: '05', message: 'do not honour' },
  '4000000000009995': { result: 'declined', code: '51', message: 'insufficient funds' },
  '4000000000000069': { result: 'declined', code: '54', message: 'expired card' },
  '4000000000000127': { result: 'declined', code: '82', message: 'incorrect security code' },
  '4000000000000119': { result: 'gateway-error' },
};

/** MMYY, valid through the last day of its month (UTC). */
function expiryState(exp: string, now: Date): 'valid' | 'expired' | 'invalid' {
  if (!/^\d{4}$/.test(exp)) return 'invalid';
  const month = Number(exp.slice(0, 2));
  if (month < 1 || month > 12) return 'invalid';
  const months = (2000 + Number(exp.slice(2))) * 12 + month;
  const nowMonths = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
  return months < nowMonths ? 'expired' : 'valid';
}

const declined = (code: string, message: string): AuthorizationResult => ({ approved: false, code, message });

export interface TestGatewayOptions {
  /** Clock for the expiry check. @default () => new Date() */
  now?: () => Date;
  /** Six-digit authorization codes. @default random */
  authorizationCode?: () => string;
}

/** Decides by TEST_CARDS; counts authorizations so tests can assert how many were made. */
export class TestGateway implements PaymentGateway {
  public authorizations = 0;
  private readonly now: () => Date;
  private readonly authorizationCode: () => string;

  public constructor(options: TestGatewayOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.authorizationCode = options.authorizationCode ?? (() => String(randomInt(0, 1_000_000)).padStart(6, '0'));
  }

  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    this.authorizations += 1;
    const behaviour = TEST_CARDS[req.pan];
    if (behaviour?.result === 'gateway-error') throw new GatewayUnavailableError();
    if (!luhnValid(req.pan)) return declined('14', 'invalid card number');
    const expiry = expiryState(req.exp, this.now());
    if (expiry === 'invalid') return declined('12', 'invalid expiry date');
    if (expiry === 'expired') return declined('54', 'expired card');
    if (req.cvv !== undefined && (!/^\d+$/.test(req.cvv) || req.cvv.length !== securityCodeLength(detectBrand(req.pan)))) {
      return declined('82', 'incorrect security code');
    }
    if (req.amount !== undefined && !/^\d{1,9}(\.\d{1,2})?$/.test(req.amount)) return declined('13', 'invalid amount');
    if (behaviour?.result === 'declined') return declined(behaviour.code, behaviour.message);
    return { approved: true, code: '00', message: `authorisation code ${this.authorizationCode()}` };
  }
}
