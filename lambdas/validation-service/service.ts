/**
 * The reference validation web service: one pure request handler that reads the XML submission
 * (with the same hardening the validator applies to replies), authorizes through a PaymentGateway
 * and answers in the contract. The HTTPS server (server.ts) and the Lambda function URL adapter
 * (handler.ts) only move bytes to and from it.
 *
 * A repeated Idempotency-Key gets the first reply again without a second authorization (remembered
 * in a bounded in-memory LRU), flagged with `Idempotent-Replayed: true`, so a client retry can never
 * charge twice while the process lives. What is remembered to recognise "the same submission" is an
 * HMAC-SHA256, under a secret of this service, of the submission without its card fields: no hash
 * of a card number or security code is ever kept (an unkeyed hash of one is reversible by brute force),
 * and a resend of the same payment whose card the caller keyed again is recognised as the same.
 * Replies never echo card data and never contain `|`. A gateway token (tokenization) is sent in the details,
 * as before, and as the reply's `token` attribute.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { WireOutcome } from '../shared/session/contract';
import { DEFAULT_CARD_FIELD_NAMES, type CardFieldNames } from '../validator/card-field-names';
import { buildReply, DEFAULT_MAX_REPLY_BYTES, InvalidSubmissionError, parseSubmission } from '../validator/xml-contract';
import { GatewayOutcomeUnknownError, GatewayUnavailableError, type PaymentGateway } from './gateway';

export interface ValidationHttpRequest {
  method: string;
  /** Header names in any case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: string;
}

export interface ValidationHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface RememberedReply {
  fingerprint: string;
  reply: Promise<ValidationHttpResponse>;
}

/** A bounded least-recently-used memory of replies by idempotency key. */
export class ReplyCache {
  private readonly entries = new Map<string, RememberedReply>();

  /**
   * @param capacity most keys remembered
   * @param secret the key of the fingerprints' HMAC; one per service instance. @default 32 random bytes
   */
  public constructor(
    public readonly capacity = 10_000,
    private readonly secret: Buffer = randomBytes(32),
  ) {}

  /** The keyed fingerprint of a submission's non-card params (or of its bytes when it cannot be read). */
  public fingerprint(body: string, cardFieldNames: CardFieldNames): string {
    const mac = createHmac('sha256', this.secret);
    try {
      const card = new Set([cardFieldNames.pan, cardFieldNames.exp, cardFieldNames.cvv]);
      const params = parseSubmission(body)
        .filter((p) => !card.has(p.name))
        .map((p) => [p.name, p.value])
        .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0));
      mac.update(`params:${JSON.stringify(params)}`);
    } catch {
      // Refused as invalid anyway (and never authorized); still only its keyed hash is kept.
      mac.update(`raw:${body}`);
    }
    return mac.digest('hex');
  }

  public get(key: string): RememberedReply | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  public set(key: string, value: RememberedReply): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  public delete(key: string): void {
    this.entries.delete(key);
  }

  public get size(): number {
    return this.entries.size;
  }
}

export interface ServiceOptions {
  /** Idempotency memory; without one every request is authorized afresh. */
  replies?: ReplyCache;
  /** Param names of the card fields. @default card number / expiry date / security code */
  cardFieldNames?: CardFieldNames;
  /** Param names of the optional amount and currency. @default amount (or "charge amount" / "payment amount") / currency */
  amountName?: string;
  currencyName?: string;
  /** Largest submission accepted. @default 65536 */
  maxBodyBytes?: number;
  /** Param name of the tokenization option ("true" stores the card and returns a token). @default tokenize */
  tokenizeName?: string;
}

const XML_HEADERS = { 'Content-Type': 'application/xml; charset=utf-8', 'Cache-Control': 'no-store' } as const;
const HEADER_SAFE = /^[\x21-\x7e]{1,255}$/;
/** Set on a reply that repeats an earlier one for the same Idempotency-Key (the name Stripe and others use). */
const REPLAYED_HEADER = 'Idempotent-Replayed';

function reply(status: number, outcome: WireOutcome, details: string, extra: Record<string, string> = {}, token?: string): ValidationHttpResponse {
  return { status, headers: { ...XML_HEADERS, ...extra }, body: buildReply(outcome, details, token) };
}

function header(headers: ValidationHttpRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

async function authorize(
  body: string,
  reference: string,
  gateway: PaymentGateway,
  options: Required<Omit<ServiceOptions, 'replies'>>,
): Promise<ValidationHttpResponse> {
  let params;
  try {
    params = parseSubmission(body, options.maxBodyBytes);
  } catch (err) {
    if (err instanceof InvalidSubmissionError) return reply(400, 'declined', `Declined - submission refused (${err.code})`);
    throw err;
  }
  const byName = new Map<string, string>();
  for (const { name, value } of params) {
    if (byName.has(name)) return reply(400, 'declined', 'Declined - submission refused (duplicate param)');
    byName.set(name, value);
  }
  const names = options.cardFieldNames;
  const pan = byName.get(names.pan);
  const exp = byName.get(names.exp);
  if (pan === undefined || pan === '') return reply(400, 'declined', 'Declined - submission has no card number');
  if (exp === undefined || exp === '') return reply(400, 'declined', 'Declined - submission has no expiry date');
  const cvv = byName.get(names.cvv);
  // With the default name, the amount fields the finance record reads (audit AMOUNT_FIELDS) count too:
  // the default card-payment form sends "charge amount", and a real gateway needs the amount.
  const amount =
    byName.get(options.amountName) ?? (options.amountName === 'amount' ? (byName.get('charge amount') ?? byName.get('payment amount')) : undefined);
  const currency = byName.get(options.currencyName);
  const tokenizeValue = byName.get(options.tokenizeName);
  if (tokenizeValue !== undefined && tokenizeValue !== 'true' && tokenizeValue !== 'false')
    return reply(400, 'declined', 'Declined - the tokenize option must be true or false');
  try {
    const result = await gateway.authorize({
      pan,
      exp,
      reference,
      ...(cvv === undefined || cvv === '' ? {} : { cvv }),
      ...(amount === undefined ? {} : { amount }),
      ...(currency === undefined ? {} : { currency }),
      ...(tokenizeValue === 'true' ? { tokenize: true } : {}),
    });
    const token = result.token === undefined ? '' : ` - token ${result.token}`;
    // The token also travels as the reply's own `token` attribute (xml-contract.ts GATEWAY_TOKEN), for the finance record.
    return result.approved
      ? reply(200, 'accepted', `Approved - ${result.message}${token}`, {}, result.token)
      : reply(200, 'declined', `Declined - ${result.message}`);
  } catch (err) {
    // Sent but unanswered: the card may have been charged, so no outcome is claimed (the validator records `unknown`).
    if (err instanceof GatewayOutcomeUnknownError) return { status: 504, headers: { 'Cache-Control': 'no-store' }, body: '' };
    if (err instanceof GatewayUnavailableError) return reply(500, 'declined', 'Declined - payment gateway unavailable, no authorization was made');
    return reply(500, 'declined', 'Declined - validation service error, no authorization was made');
  }
}

/** Handles one HTTP request of the validation contract. Never throws. */
export async function handleValidationRequest(
  req: ValidationHttpRequest,
  gateway: PaymentGateway,
  options: ServiceOptions = {},
): Promise<ValidationHttpResponse> {
  const settings = {
    cardFieldNames: options.cardFieldNames ?? { ...DEFAULT_CARD_FIELD_NAMES },
    amountName: options.amountName ?? 'amount',
    currencyName: options.currencyName ?? 'currency',
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_REPLY_BYTES,
    tokenizeName: options.tokenizeName ?? 'tokenize',
  };
  if (req.method.toUpperCase() !== 'POST') return reply(405, 'declined', 'Declined - only POST is supported', { Allow: 'POST' });
  const contentType = (header(req.headers, 'content-type') ?? '').toLowerCase();
  if (!/^(application|text)\/xml\s*(;|$)/.test(contentType)) return reply(415, 'declined', 'Declined - the submission must be application/xml');
  if (Buffer.byteLength(req.body, 'utf8') > settings.maxBodyBytes) return reply(413, 'declined', 'Declined - submission too large');

  const key = header(req.headers, 'idempotency-key');
  if (key !== undefined && !HEADER_SAFE.test(key)) return reply(400, 'declined', 'Declined - invalid Idempotency-Key');
  if (key === undefined || options.replies === undefined) return authorize(req.body, key ?? '', gateway, settings);

  const fingerprint = options.replies.fingerprint(req.body, settings.cardFieldNames);
  const remembered = options.replies.get(key);
  if (remembered) {
    if (remembered.fingerprint !== fingerprint) return reply(409, 'declined', 'Declined - Idempotency-Key reused with a different submission');
    const first = await remembered.reply;
    return { ...first, headers: { ...first.headers, [REPLAYED_HEADER]: 'true' } };
  }
  // The promise is remembered before it settles, so a concurrent duplicate waits for the same answer.
  const pending = authorize(req.body, key, gateway, settings);
  options.replies.set(key, { fingerprint, reply: pending });
  const result = await pending;
  // No authorization was made on a 500: forget it so the client may try again.
  if (result.status >= 500) options.replies.delete(key);
  return result;
}
