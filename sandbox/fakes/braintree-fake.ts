/**
 * A local fake of the Braintree gateway API endpoints the Braintree connector uses, speaking what the
 * official SDK speaks: JSON requests with snake_case keys (POST /merchants/{id}/transactions and
 * /merchants/{id}/customers, Basic auth with the public and private key, X-ApiVersion 6) and XML
 * replies (`<transaction>`, `<customer>`, or `<api-error-response>` with status 422), for the
 * connector's tests and the sandbox's `--gateway braintree`.
 *
 * Outcomes follow Braintree's sandbox: a sale amount from 2000.00 to 2999.99 is processor declined
 * with that code (2000 Do Not Honor, 2001 Insufficient Funds, 2004 Expired Card, 2010 Card Issuer
 * Declined CVV, …), 3000.00 fails (processor network unavailable); CVV 200 is gateway rejected (cvv);
 * card 4000111111111511 is gateway rejected (fraud); verification of 4000111111111115 or
 * 5105105105105100 is processor declined 2000; a card number failing Luhn is validation error 81715.
 */
import { type FakeReply, gatewayId, type RecordedRequest, type RecordingServer, startRecordingServer } from './https-recorder';

const PROCESSOR_TEXT: Readonly<Record<string, string>> = {
  '2000': 'Do Not Honor',
  '2001': 'Insufficient Funds',
  '2004': 'Expired Card',
  '2010': 'Card Issuer Declined CVV',
  '2012': 'Processor Declined - Possible Lost Card',
  '2013': 'Processor Declined - Possible Stolen Card',
  '2046': 'Declined',
  '3000': 'Processor Network Unavailable - Try Again',
};
const VERIFY_DECLINED = new Set(['4000111111111115', '5105105105105100']);

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function luhn(pan: string): boolean {
  let sum = 0;
  for (let i = 0; i < pan.length; i += 1) {
    let digit = Number(pan[pan.length - 1 - i]);
    if (i % 2 === 1) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Braintree ids are short lowercase alphanumerics. */
const btId = (): string => gatewayId('x').slice(2, 10).toLowerCase();

function tag(name: string, value: string | undefined | null): string {
  return value === undefined || value === null ? `<${name} nil="true"/>` : `<${name}>${escapeXml(value)}</${name}>`;
}

function transactionXml(t: {
  id: string;
  status: string;
  amount: string;
  orderId: string;
  code: string;
  text: string;
  rejection?: string;
  token?: string;
  last4: string;
}): string {
  return (
    `<transaction>${tag('id', t.id)}${tag('status', t.status)}${tag('type', 'sale')}${tag('amount', t.amount)}${tag('order-id', t.orderId)}` +
    `${tag('processor-response-code', t.code)}${tag('processor-response-text', t.text)}${tag('gateway-rejection-reason', t.rejection)}` +
    `<credit-card>${tag('token', t.token)}${tag('last-4', t.last4)}</credit-card></transaction>`
  );
}

function validationErrorXml(section: 'transaction' | 'customer', code: string, message: string): string {
  return (
    `<api-error-response><errors><errors type="array"/><${section}><errors type="array"/><credit-card><errors type="array">` +
    `<error><code>${code}</code><attribute type="symbol">number</attribute><message>${escapeXml(message)}</message></error>` +
    `</errors></credit-card></${section}></errors>${tag('message', message)}</api-error-response>`
  );
}

const xml = (status: number, body: string): FakeReply => ({
  status,
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  headers: { 'Content-Type': 'application/xml; charset=utf-8' },
});

export interface BraintreeFake extends RecordingServer {
  /** Replaces the next reply (e.g. `{ hang: true }`, `{ reset: true }`, a 500). */
  override(reply: FakeReply): void;
  json(req: RecordedRequest): Record<string, Record<string, unknown>>;
}

export async function startBraintreeFake(
  tls: { keyPem: string; certPem: string },
  credentials: { merchantId: string; publicKey: string; privateKey: string },
): Promise<BraintreeFake> {
  const overrides: FakeReply[] = [];
  const expected = `Basic ${Buffer.from(`${credentials.publicKey}:${credentials.privateKey}`).toString('base64')}`;
  const base = `/merchants/${credentials.merchantId}`;
  const route = (req: RecordedRequest): FakeReply => {
    const forced = overrides.shift();
    if (forced) return forced;
    if (req.headers.authorization !== expected) return { status: 401, body: '', headers: { 'Content-Type': 'text/plain' } };
    const body = JSON.parse(req.body) as { transaction?: Record<string, unknown>; customer?: Record<string, unknown> };
    if (req.method === 'POST' && req.path === `${base}/transactions` && body.transaction) {
      const t = body.transaction;
      const card = (t.credit_card ?? {}) as Record<string, string>;
      const pan = card.number ?? '';
      if (!/^\d{12,19}$/.test(pan) || !luhn(pan)) return xml(422, validationErrorXml('transaction', '81715', 'Credit card number is invalid.'));
      const amount = String(t.amount ?? '');
      const cents = Math.round(Number(amount) * 100);
      const common = { id: btId(), amount, orderId: String(t.order_id ?? ''), last4: pan.slice(-4) };
      if (cents >= 200000 && cents < 300000) {
        const code = String(Math.floor(cents / 100));
        const text = PROCESSOR_TEXT[code] ?? 'Declined';
        return xml(
          422,
          `<api-error-response><errors><errors type="array"/></errors>${tag('message', text)}${transactionXml({ ...common, status: 'processor_declined', code, text })}</api-error-response>`,
        );
      }
      if (cents === 300000) {
        const text = PROCESSOR_TEXT['3000'] ?? '';
        return xml(
          422,
          `<api-error-response><errors><errors type="array"/></errors>${tag('message', text)}${transactionXml({ ...common, status: 'failed', code: '3000', text })}</api-error-response>`,
        );
      }
      const rejection = card.cvv === '200' ? 'cvv' : pan === '4000111111111511' ? 'fraud' : undefined;
      if (rejection)
        return xml(
          422,
          `<api-error-response><errors><errors type="array"/></errors>${tag('message', `Gateway Rejected: ${rejection}`)}${transactionXml({ ...common, status: 'gateway_rejected', code: '', text: 'Unknown', rejection })}</api-error-response>`,
        );
      const options = (t.options ?? {}) as Record<string, unknown>;
      const token = options.store_in_vault_on_success === true ? btId() : undefined;
      const status = options.submit_for_settlement === true ? 'submitted_for_settlement' : 'authorized';
      return xml(201, transactionXml({ ...common, status, code: '1000', text: 'Approved', token }));
    }
    if (req.method === 'POST' && req.path === `${base}/customers` && body.customer) {
      const card = (body.customer.credit_card ?? {}) as Record<string, string>;
      const pan = card.number ?? '';
      if (!/^\d{12,19}$/.test(pan) || !luhn(pan)) return xml(422, validationErrorXml('customer', '81715', 'Credit card number is invalid.'));
      if (VERIFY_DECLINED.has(pan))
        return xml(
          422,
          `<api-error-response><errors><errors type="array"/></errors>${tag('message', 'Do Not Honor')}<verification>${tag('id', btId())}${tag('status', 'processor_declined')}${tag('processor-response-code', '2000')}${tag('processor-response-text', 'Do Not Honor')}</verification></api-error-response>`,
        );
      return xml(
        201,
        `<customer>${tag('id', btId())}<credit-cards type="array"><credit-card>${tag('token', btId())}${tag('last-4', pan.slice(-4))}</credit-card></credit-cards></customer>`,
      );
    }
    return { status: 404, body: '', headers: { 'Content-Type': 'text/plain' } };
  };
  const server = await startRecordingServer(tls, route);
  return { ...server, override: (reply) => overrides.push(reply), json: (req) => JSON.parse(req.body) as Record<string, Record<string, unknown>> };
}
