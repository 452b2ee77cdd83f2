/**
 * Generic connector: POSTs the card to a merchant's processor in the JSON format of Twilio's Generic
 * Pay Connector, so processors that already speak it plug in unchanged: `{base}/charge` and
 * `{base}/tokenize` with transaction_id (the payment reference, which the processor uses as its
 * idempotency key), cardnumber, cvv, expiry_month, expiry_year (two digits each), amount (decimal
 * string), currency_code, description, method; HTTP Basic auth. The reply carries charge_id or
 * token_id, and error_code / error_message (error_code null or absent on success).
 *
 * A timeout, reset or 5xx after the request was sent is GatewayOutcomeUnknownError (never retried);
 * a failure before sending is GatewayUnavailableError; a reply that is not the documented JSON is unknown too.
 */
import https from 'node:https';
import { maskCardNumbers } from '../../shared/card/card-detector';
import { type AuthorizationRequest, type AuthorizationResult, GatewayOutcomeUnknownError, GatewayUnavailableError, type PaymentGateway } from '../gateway';
import { InvalidAmountError, splitExpiry, toMinorUnits } from './minor-units';

export interface GenericGatewayOptions {
  /** The processor's base URL (https only); `/charge` and `/tokenize` are appended. */
  baseUrl: string;
  username: string;
  password: string;
  /** Refuse every card number not in testCards before calling the processor. */
  testMode: boolean;
  /** The processor's test card numbers (test mode). @default the common Visa/Mastercard/Amex test numbers */
  testCards?: readonly string[];
  defaultCurrency?: string;
  /** @default 8000 */
  timeoutMs?: number;
  /** Agent for the connection (e.g. one trusting a private CA). */
  agent?: https.Agent;
}

export class GenericGatewayConfigError extends Error {
  public constructor(problem: string) {
    super(`Generic gateway: ${problem}`);
    this.name = 'GenericGatewayConfigError';
  }
}

const DEFAULT_TEST_CARDS = ['4111111111111111', '4242424242424242', '5555555555554444', '378282246310005', '4000000000000002', '4000000000009995'];
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface ProcessorReply {
  charge_id?: string | null;
  token_id?: string | null;
  error_code?: string | null;
  error_message?: string | null;
}

/** Keeps a processor's message short and safe to speak and to store: no digit runs, no `|`, at most 80 characters. */
function readable(text: string | null | undefined, fallback: string): string {
  const cleaned = (text ?? '')
    .replace(/\d[\d\s-]{5,}\d/g, '…')
    .replace(/[|<>&\r\n\t]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  return cleaned === '' ? fallback : cleaned;
}

/**
 * Keeps a processor's charge or token id as it is (ids such as `tok_4f09…` often hold long digit runs),
 * limited to id characters and 64 of them; only a Luhn-valid card number inside it is masked.
 */
function identifier(id: string | null | undefined, fallback: string): string {
  const kept = String(id ?? '')
    .replace(/[^A-Za-z0-9_.:/-]/g, '')
    .slice(0, 64);
  return kept === '' ? fallback : maskCardNumbers(kept, '#').text;
}

const declined = (code: string, message: string): AuthorizationResult => ({ approved: false, code, message });

export class GenericGateway implements PaymentGateway {
  private readonly base: URL;
  private readonly auth: string;
  private readonly testCards: readonly string[];

  public constructor(private readonly options: GenericGatewayOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new GenericGatewayConfigError('baseUrl is not a URL');
    }
    if (base.protocol !== 'https:') throw new GenericGatewayConfigError('baseUrl must be https');
    if (options.username === '' || options.username.includes(':')) throw new GenericGatewayConfigError('username must be set and contain no colon');
    this.base = base;
    this.auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.testCards = options.testCards ?? DEFAULT_TEST_CARDS;
  }

  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    if (this.options.testMode && !this.testCards.includes(req.pan)) return declined('test_mode', 'test mode accepts only test cards');
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
    const card = {
      cardnumber: req.pan,
      ...(req.cvv === undefined ? {} : { cvv: req.cvv }),
      expiry_month: String(expiry.month).padStart(2, '0'),
      expiry_year: req.exp.slice(2),
      currency_code: currency,
      description: `Phone payment ${req.reference}`,
    };
    let token: string | undefined;
    if (req.tokenize) {
      const reply = await this.post('/tokenize', {
        transaction_id: minor === 0 ? req.reference : `${req.reference}-token`,
        method: 'tokenize',
        amount: '0',
        ...card,
      });
      if (reply.error_code) return declined(String(reply.error_code).slice(0, 32), readable(reply.error_message, 'card not saved'));
      if (typeof reply.token_id !== 'string' || reply.token_id === '') throw new GatewayOutcomeUnknownError();
      token = identifier(reply.token_id, '');
      if (minor === 0) return { approved: true, code: 'tokenized', message: 'card saved', token };
    }
    const reply = await this.post('/charge', { transaction_id: req.reference, method: 'charge', amount: req.amount ?? '0', ...card });
    if (reply.error_code) return declined(String(reply.error_code).slice(0, 32), readable(reply.error_message, 'card declined'));
    if (typeof reply.charge_id !== 'string' || reply.charge_id === '') throw new GatewayOutcomeUnknownError();
    return { approved: true, code: 'charged', message: `charge ${identifier(reply.charge_id, 'id missing')}`, ...(token === undefined ? {} : { token }) };
  }

  /** One POST, never retried. */
  private post(path: '/charge' | '/tokenize', body: Record<string, string>): Promise<ProcessorReply> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      let sent = false;
      const request = https.request(
        url,
        {
          method: 'POST',
          agent: this.options.agent,
          timeout: this.options.timeoutMs ?? 8000,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: this.auth, 'Content-Length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', () => reject(new GatewayOutcomeUnknownError()));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 500) return reject(new GatewayOutcomeUnknownError());
            let parsed: unknown;
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              // A 4xx without the documented JSON: the processor refused the request, nothing charged.
              return reject(status >= 400 ? new GatewayUnavailableError() : new GatewayOutcomeUnknownError());
            }
            if (typeof parsed !== 'object' || parsed === null) return reject(new GatewayOutcomeUnknownError());
            const reply = parsed as ProcessorReply;
            if (status >= 400 && !reply.error_code) return reject(new GatewayUnavailableError());
            resolve(reply);
          });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('finish', () => {
        sent = true;
      });
      request.on('error', (err: Error & { code?: string }) => {
        reject(!sent && err.code !== undefined && NOT_SENT_CODES.has(err.code) ? new GatewayUnavailableError() : new GatewayOutcomeUnknownError());
      });
      request.end(payload);
    });
  }
}
