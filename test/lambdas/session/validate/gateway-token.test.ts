/**
 * The gateway token as its own field (issue 16): the reply's optional `token` attribute of `<outcome>`,
 * set by the reference service when its gateway stored the card, checked by the validate stage while the
 * card is in memory (length, characters, no card number by the shared detector, nothing of the submitted
 * card by the details guard), carried by End's outcome into the finance record, its CSV column and the
 * finance JSON. A token that fails is dropped and the details say so; the payment's outcome never changes.
 * Everything returned, logged and stored here is scanned for the sentinel card data.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SessionContext, ValidationResult } from '../../../../lambdas/shared/session/contract';
import type { AuthorizationRequest, AuthorizationResult, PaymentGateway } from '../../../../lambdas/validation-service/gateway';
import { startValidationServer } from '../../../../lambdas/validation-service/server';
import { createValidationClient, type ValidationClient } from '../../../../lambdas/validator/https-client';
import { DEFAULT_CARD_FIELD_NAMES } from '../../../../lambdas/validator/card-field-names';
import { buildReply, parseReply } from '../../../../lambdas/validator/xml-contract';
import { GATEWAY_TOKEN } from '../../../../lambdas/validator/gateway-token';
import { TOKEN_REFUSED_TEXT, validateSession, type ValidatorDeps } from '../../../../lambdas/session/validate/validate';
import { endOutcome } from '../../../../lambdas/session/outcome';
import { buildOutcomeRecord, OUTCOME_CSV_COLUMNS, outcomesCsv } from '../../../../lambdas/audit/outcomes';
import { testCertificates, type LocalCertificates } from '../../../helpers/tls';
import { findSentinels } from '../../../helpers/leak-scan';
import { fakeVault } from '../../validator/fake-vault';
import { replyXml, startScriptedServer, XML_DECLARATION } from '../../validator/test-server';

const PAN = '4111111111111111';
const EXP = '1230';
const CVV = '737';
const GOOD_TOKEN = 'cus_QxT9bLm2/pm_1QaZ8kWvR3';

let certs: LocalCertificates;
const cleanups: Array<() => Promise<void> | void> = [];
const logged: unknown[] = [];
const outputs: unknown[] = [];
const logger = {
  info: (...args: unknown[]) => void logged.push(args),
  warn: (...args: unknown[]) => void logged.push(args),
} as unknown as Pick<Logger, 'info' | 'warn'>;

beforeAll(async () => {
  certs = await testCertificates();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  // The leak scan: every result, outcome, finance record, CSV and log line of this file.
  const hits = findSentinels([{ where: 'validator results, outcomes, records and logs', text: JSON.stringify([logged, outputs]) }], {
    long: [PAN, '5555555555554444'],
    short: [EXP, CVV],
  });
  expect(hits).toEqual([]);
});

function session(id: string): SessionContext {
  return {
    sessionId: id,
    callTransactionId: `call-${id}`,
    transactionId: `txn-${id}`,
    agentId: 'agent-a',
    formId: 'card-payment',
    ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
  };
}

/** A gateway that approves and returns the token it is given (what a connector returns after storing the card). */
class TokenizingGateway implements PaymentGateway {
  public readonly requests: AuthorizationRequest[] = [];
  public constructor(private readonly token: string) {}
  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    this.requests.push(req);
    return { approved: true, code: '00', message: 'payment pi_3Qa1', token: this.token };
  }
}

function clientFor(url: string): ValidationClient {
  const client = createValidationClient({ url, caPem: certs.caPem, timeoutMs: 5_000, sleep: async () => undefined });
  cleanups.push(() => client.close());
  return client;
}

function depsFor(vault: ReturnType<typeof fakeVault>, url: string): ValidatorDeps {
  return { vault: vault.deps, client: clientFor(url), cardFieldNames: { ...DEFAULT_CARD_FIELD_NAMES }, maxReplyBytes: 65536, logger };
}

async function throughReferenceService(id: string, token: string): Promise<{ result: ValidationResult; gateway: TokenizingGateway }> {
  const gateway = new TokenizingGateway(token);
  const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem }, gateway });
  cleanups.push(() => server.close());
  const vault = fakeVault();
  const ref = await vault.store(id, { pan: PAN, exp: EXP, cvv: CVV }, { 'charge amount': '0', tokenize: 'true' });
  const result = await validateSession(depsFor(vault, server.url), { session: session(id), vaultRef: ref });
  outputs.push(result);
  return { result, gateway };
}

async function throughScriptedReply(id: string, xml: string): Promise<ValidationResult> {
  const server = await startScriptedServer(certs, replyXml(xml));
  cleanups.push(() => server.close());
  const vault = fakeVault();
  const ref = await vault.store(id, { pan: PAN, exp: EXP, cvv: CVV });
  const result = await validateSession(depsFor(vault, server.url), { session: session(id), vaultRef: ref });
  outputs.push(result);
  return result;
}

const lastLog = (): Record<string, unknown> => (logged[logged.length - 1] as [string, Record<string, unknown>])[1];

describe('the gateway token in the XML contract', () => {
  it('is an optional token attribute of <outcome>, written by buildReply and read by parseReply', () => {
    // Act
    const xml = buildReply('accepted', 'Approved', GOOD_TOKEN);
    // Assess
    expect(xml).toBe(`${XML_DECLARATION}<outcome value="accepted" details="Approved" token="${GOOD_TOKEN}"/>`);
    expect(parseReply(xml)).toEqual({ outcome: 'accepted', details: 'Approved', token: GOOD_TOKEN });
    expect(parseReply(buildReply('accepted', 'Approved'))).toEqual({ outcome: 'accepted', details: 'Approved' });
    // The reference service never writes a token the contract refuses.
    expect(buildReply('accepted', 'Approved', 'has space')).not.toContain('token=');
    expect(buildReply('accepted', 'Approved', 't'.repeat(GATEWAY_TOKEN.maxLength + 1))).not.toContain('token=');
  });
});

describe('the validate stage and the gateway token', () => {
  it('returns the reference service’s token as its own field and carries it into the outcome, the finance record and the CSV', async () => {
    // Act
    const { result, gateway } = await throughReferenceService('tok-1', GOOD_TOKEN);
    const outcome = endOutcome({ session: session('tok-1'), capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' }, validation: result });
    const record = buildOutcomeRecord({
      outcome,
      at: new Date('2026-11-20T10:00:00Z'),
      formId: 'card-payment',
      agentId: 'agent-a',
      fields: { 'charge amount': '0' },
    });
    const csv = outcomesCsv([record]);
    outputs.push(outcome, record, csv);
    const [header = '', row = ''] = csv.split('\r\n');
    // Assess
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0]?.tokenize).toBe(true);
    expect(result).toMatchObject({ outcome: 'accepted', token: GOOD_TOKEN });
    expect(outcome.token).toBe(GOOD_TOKEN);
    expect(record.token).toBe(GOOD_TOKEN);
    expect(header.split(',').slice(-3)).toEqual(['token', 'result', 'category']);
    expect(OUTCOME_CSV_COLUMNS.slice(-2)).toEqual(['result', 'category']);
    expect(row.split(',').slice(-3)).toEqual([GOOD_TOKEN, 'accepted', 'accepted']);
    expect(lastLog()).toMatchObject({ tokenReturned: true });
    expect(JSON.stringify(logged)).not.toContain(GOOD_TOKEN);
  });

  it.each([
    ['the card number itself', `tok_${PAN}`, 'card-number'],
    ['another card number, spaced', 'tok_5555-5555-5555-4444', 'card-number'],
    ['six digits of the card number', 'pm_x411111y', 'card-echo'],
    ['the expiry', 'pm_1230', 'card-echo'],
  ])('drops a token holding %s, keeps the accepted outcome and says so in the details', async (_what, bad, problem) => {
    // Act
    const result = await throughReferenceService(`bad-${problem}-${bad.length}`, bad);
    // Assess
    expect(result.result.outcome).toBe('accepted');
    expect(result.result.token).toBeUndefined();
    expect(result.result.details).toContain(TOKEN_REFUSED_TEXT);
    expect(lastLog()).toMatchObject({ tokenRefused: problem });
  });

  it('keeps a token made of a gateway id of 16 plain digits that passes the Luhn check (Adyen-style), as no card brand starts so', async () => {
    // Act
    const result = await throughReferenceService('adyen-style-id', 'shopper-42/8415995487234109');
    // Assess
    expect(result.result.token).toBe('shopper-42/8415995487234109');
    expect(result.result.details).not.toContain(TOKEN_REFUSED_TEXT);
  });

  it.each([
    ['a space', 'cus_1 2', 'charset'],
    ['a pipe', 'cus_1|2', 'charset'],
    ['an empty value', '', 'length'],
    ['256 characters', 'a'.repeat(256), 'length'],
  ])('drops a merchant service’s token with %s, the outcome unchanged', async (_what, bad, problem) => {
    // Act
    const result = await throughScriptedReply(
      `syntax-${problem}-${bad.length}`,
      `${XML_DECLARATION}<outcome value="accepted" details="Approved" token="${bad}"/>`,
    );
    // Assess
    expect(result).toMatchObject({ outcome: 'accepted', details: `Approved; ${TOKEN_REFUSED_TEXT}` });
    expect(result.token).toBeUndefined();
    expect(lastLog()).toMatchObject({ tokenRefused: problem });
  });

  it('keeps a merchant service’s valid token on a decline too (the card may be stored even if the charge failed)', async () => {
    // Act
    const result = await throughScriptedReply(
      'declined-token',
      `${XML_DECLARATION}<outcome value="declined" details="Declined - do not honour" token="${GOOD_TOKEN}"/>`,
    );
    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: 'Declined - do not honour', token: GOOD_TOKEN });
  });

  it('still refuses any other extra attribute, and a token element instead of the attribute, as an invalid reply', async () => {
    // Act
    const extra = await throughScriptedReply('extra', `${XML_DECLARATION}<outcome value="accepted" details="ok" card="${PAN}"/>`);
    const element = await throughScriptedReply('element', `${XML_DECLARATION}<outcome value="accepted" details="ok"><token>${GOOD_TOKEN}</token></outcome>`);
    // Assess
    expect(extra).toMatchObject({ outcome: 'declined', details: 'validation service sent an invalid reply (unexpected-content)' });
    expect(element).toMatchObject({ outcome: 'declined', details: 'validation service sent an invalid reply (unexpected-content)' });
    expect(extra.token).toBeUndefined();
  });
});
