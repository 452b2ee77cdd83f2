/**
 * A local fake of Adyen's Checkout API `/v72/payments` endpoint for the Adyen connector's tests and the
 * sandbox's `--gateway adyen`: checks the X-API-Key, answers Adyen's documented PaymentResponse JSON
 * (resultCode, pspReference, refusalReason, refusalReasonCode, additionalData with the stored card's id
 * when storePaymentMethod is set) and its 422 validation errors (errorCode 101 for a bad card number).
 *
 * Adyen's test platform approves its test cards with expiry 03/2030 and CVC 737 (7373 for Amex) and
 * refuses any other expiry or CVC; it drives other refusals by the holder name. The connector sends no
 * holder name, so the fake also maps these numbers (not Adyen test cards: use them with test mode off)
 * to refusals: 4000000000000002 Refused (2), 4000000000009995 Not enough balance (12), 4000000000009979
 * Blocked Card (5), 4000000000000119 resultCode Error, 4000000000000051 resultCode Cancelled.
 */
import { type FakeReply, type RecordedRequest, type RecordingServer, startRecordingServer } from './https-recorder';

const REFUSALS: Readonly<Record<string, { resultCode: string; refusalReason?: string; refusalReasonCode?: string }>> = {
  '4000000000000002': { resultCode: 'Refused', refusalReason: 'Refused', refusalReasonCode: '2' },
  '4000000000009995': { resultCode: 'Refused', refusalReason: 'Not enough balance', refusalReasonCode: '12' },
  '4000000000009979': { resultCode: 'Refused', refusalReason: 'Blocked Card', refusalReasonCode: '5' },
  '4000000000000119': { resultCode: 'Error', refusalReason: 'Acquirer Error', refusalReasonCode: '4' },
  '4000000000000051': { resultCode: 'Cancelled', refusalReason: 'Cancelled', refusalReasonCode: '15' },
};

const AMEX = /^3[47]/;

/** A 16-character pspReference like Adyen's (letters and digits; never a 13+ digit run). */
function pspReference(): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  let out = '';
  for (let i = 0; i < 16; i += 1) out += i % 3 === 0 ? letters[Math.floor(Math.random() * letters.length)] : String(Math.floor(Math.random() * 10));
  return out;
}

export interface AdyenFake extends RecordingServer {
  /** Replaces the next reply (e.g. `{ hang: true }`, `{ reset: true }`, a 500). */
  override(reply: FakeReply): void;
  json(req: RecordedRequest): Record<string, unknown>;
}

export async function startAdyenFake(tls: { keyPem: string; certPem: string }, apiKey: string): Promise<AdyenFake> {
  const overrides: FakeReply[] = [];
  const route = (req: RecordedRequest): FakeReply => {
    const forced = overrides.shift();
    if (forced) return forced;
    if (req.headers['x-api-key'] !== apiKey)
      return { status: 401, body: { status: 401, errorCode: '000', message: 'HTTP Status Response - Unauthorized', errorType: 'security' } };
    if (req.method !== 'POST' || req.path !== '/v72/payments')
      return { status: 404, body: { status: 404, errorCode: '000', message: 'Not found', errorType: 'validation' } };
    const body = JSON.parse(req.body) as {
      reference?: string;
      amount?: { value?: number; currency?: string };
      paymentMethod?: { number?: string; expiryMonth?: string; expiryYear?: string; cvc?: string };
      storePaymentMethod?: boolean;
      shopperReference?: string;
    };
    const card = body.paymentMethod ?? {};
    const pan = card.number ?? '';
    if (!/^\d{12,19}$/.test(pan) || pan === '4242424242424241')
      return { status: 422, body: { status: 422, errorCode: '101', message: 'Invalid card number', errorType: 'validation' } };
    const base = { pspReference: pspReference(), merchantReference: body.reference, amount: body.amount };
    const refusal = REFUSALS[pan];
    if (refusal) return { status: 200, body: { ...base, ...refusal } };
    if (card.expiryMonth !== '03' || card.expiryYear !== '2030')
      return { status: 200, body: { ...base, resultCode: 'Refused', refusalReason: 'Expired Card', refusalReasonCode: '6' } };
    if (card.cvc !== undefined && card.cvc !== (AMEX.test(pan) ? '7373' : '737'))
      return { status: 200, body: { ...base, resultCode: 'Refused', refusalReason: 'CVC Declined', refusalReasonCode: '24' } };
    const stored = body.storePaymentMethod === true && typeof body.shopperReference === 'string' ? pspReference() : undefined;
    return {
      status: 200,
      body: {
        ...base,
        resultCode: 'Authorised',
        additionalData:
          stored === undefined
            ? {}
            : {
                'tokenization.storedPaymentMethodId': stored,
                'tokenization.shopperReference': body.shopperReference,
                'recurring.recurringDetailReference': stored,
              },
      },
    };
  };
  const server = await startRecordingServer(tls, route);
  return { ...server, override: (reply) => overrides.push(reply), json: (req) => JSON.parse(req.body) as Record<string, unknown> };
}
