/**
 * A local fake of the Stripe API endpoints the Stripe connector uses (POST /v1/customers,
 * /v1/payment_intents, /v1/setup_intents), following Stripe's documented form-encoded requests and
 * JSON replies: test card numbers decide the result as on Stripe's test mode (4242… succeeds, 0002
 * generic decline, 9995 insufficient funds, 9987 lost, 9979 stolen, 0069 expired, 0127 incorrect CVC,
 * 0119 processing error), card errors answer 402 with `error.type` card_error. Used by the connector
 * tests and the sandbox's `--gateway stripe`.
 */
import { type FakeReply, gatewayId, type RecordedRequest, type RecordingServer, startRecordingServer } from './https-recorder';

const DECLINES: Readonly<Record<string, { code: string; decline_code?: string; message: string }>> = {
  '4000000000000002': { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  '4000000000009995': { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  '4000000000009987': { code: 'card_declined', decline_code: 'lost_card', message: 'Your card was declined.' },
  '4000000000009979': { code: 'card_declined', decline_code: 'stolen_card', message: 'Your card was declined.' },
  '4000000000000069': { code: 'expired_card', message: 'Your card has expired.' },
  '4000000000000127': { code: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  '4000000000000119': { code: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
  '4242424242424241': { code: 'incorrect_number', message: 'Your card number is incorrect.' },
};

const id = gatewayId;

export interface StripeFake extends RecordingServer {
  /** Replaces the next reply (e.g. `{ hang: true }`, `{ reset: true }`, a 500). */
  override(reply: FakeReply): void;
  /** The form fields of a recorded request. */
  form(req: RecordedRequest): URLSearchParams;
}

export async function startStripeFake(tls: { keyPem: string; certPem: string }): Promise<StripeFake> {
  const overrides: FakeReply[] = [];
  const route = (req: RecordedRequest): FakeReply => {
    const forced = overrides.shift();
    if (forced) return forced;
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !/^Bearer (sk|rk)_test_/.test(auth))
      return { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } } };
    const form = new URLSearchParams(req.body);
    if (req.method === 'POST' && req.path === '/v1/customers')
      return { status: 200, body: { id: id('cus'), object: 'customer', description: form.get('description') } };
    const intent = req.path === '/v1/payment_intents' ? 'payment_intent' : req.path === '/v1/setup_intents' ? 'setup_intent' : undefined;
    if (req.method !== 'POST' || intent === undefined)
      return { status: 404, body: { error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' } } };
    const pan = form.get('payment_method_data[card][number]') ?? '';
    const decline = DECLINES[pan];
    const objectId = id(intent === 'payment_intent' ? 'pi' : 'seti');
    if (decline) {
      return {
        status: 402,
        body: { error: { type: 'card_error', ...decline, [intent]: { id: objectId, object: intent, status: 'requires_payment_method' } } },
      };
    }
    const common = {
      id: objectId,
      object: intent,
      status: 'succeeded',
      payment_method: id('pm'),
      customer: form.get('customer'),
      description: form.get('description'),
    };
    return { status: 200, body: intent === 'payment_intent' ? { ...common, amount: Number(form.get('amount')), currency: form.get('currency') } : common };
  };
  const server = await startRecordingServer(tls, route);
  return { ...server, override: (reply) => overrides.push(reply), form: (req) => new URLSearchParams(req.body) };
}
