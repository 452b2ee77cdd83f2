import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecryptCommand } from '@aws-sdk/client-kms';
import type { Logger } from '@aws-lambda-powertools/logger';
import { VaultCryptoError } from '../../../../lambdas/shared/errors';
import type { SessionContext, ValidationResult } from '../../../../lambdas/shared/session/contract';
import { type AuthorizationRequest, TestGateway } from '../../../../lambdas/validation-service/gateway';
import { startValidationServer } from '../../../../lambdas/validation-service/server';
import { DEFAULT_CARD_FIELD_NAMES } from '../../../../lambdas/validator/card-field-names';
import { createValidationClient, type ValidationClient } from '../../../../lambdas/validator/https-client';
import { DETAILS, validateSession, type ValidatorDeps } from '../../../../lambdas/session/validate/validate';
import { otherCertificates, testCertificates, type LocalCertificates } from '../../../helpers/tls';
import { fakeVault, type FakeVault } from '../../validator/fake-vault';
import { replyXml, type Script, startScriptedServer, XML_DECLARATION } from '../../validator/test-server';
import { resultLine } from '../../../../lambdas/shared/session/result-line';

const PAN = '4111111111111111';
const CVV = '737';
const EXP = '1230';

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
  // Everything the validator logged or returned in this file, checked for the sentinel card data.
  const text = JSON.stringify([logged, outputs]);
  expect(text).not.toContain(PAN);
  expect(text).not.toMatch(/\b737\b/);
  expect(text).not.toMatch(/\b1230\b/);
});

function session(id: string): SessionContext {
  return {
    sessionId: id,
    callTransactionId: `call-${id}`,
    transactionId: `txn-${id}`,
    agentId: 'agent-a',
    formId: 'form-a',
    ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
  };
}

/** A gateway that records what it was asked (inside the test only) and decides like the TestGateway. */
class RecordingGateway extends TestGateway {
  public readonly requests: AuthorizationRequest[] = [];

  public override async authorize(req: AuthorizationRequest) {
    this.requests.push(req);
    return super.authorize(req);
  }
}

async function referenceService(gateway = new RecordingGateway({ authorizationCode: () => '123456' }), cardFieldNames = DEFAULT_CARD_FIELD_NAMES) {
  const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem }, gateway, cardFieldNames });
  cleanups.push(() => server.close());
  return { server, gateway };
}

async function scripted(script: Script) {
  const server = await startScriptedServer(certs, script);
  cleanups.push(() => server.close());
  return server;
}

function depsFor(vault: FakeVault, url: string, overrides: Partial<ValidatorDeps> & { timeoutMs?: number } = {}): ValidatorDeps {
  const client: ValidationClient = createValidationClient({ url, caPem: certs.caPem, timeoutMs: overrides.timeoutMs ?? 5_000, sleep: async () => undefined });
  cleanups.push(() => client.close());
  return { vault: vault.deps, client, cardFieldNames: { ...DEFAULT_CARD_FIELD_NAMES }, maxReplyBytes: 65536, logger, ...overrides };
}

async function run(deps: ValidatorDeps, id: string, vaultRef: string): Promise<ValidationResult> {
  const result = await validateSession(deps, { session: session(id), vaultRef });
  outputs.push(result);
  return result;
}

describe('validateSession against the reference service', () => {
  it('sends the form fields and the card, and returns the accepted outcome with its result line', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s1', { pan: PAN, exp: EXP, cvv: CVV }, { customer: 'Ann', amount: '12.50' });
    const { server, gateway } = await referenceService();

    // Act
    const result = await run(depsFor(vault, server.url), 's1', ref);

    // Assess
    expect(result).toEqual({
      outcome: 'accepted',
      details: 'Approved - authorisation code 123456',
      transactionId: 'txn-s1',
      detailsMasked: 0,
    });
    expect(gateway.requests).toEqual([{ pan: PAN, exp: EXP, cvv: CVV, amount: '12.50', reference: 'txn-s1' }]);
  });

  it('drops the security code from the vault once the service has answered', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s2', { pan: PAN, exp: EXP, cvv: CVV });
    const { server } = await referenceService();

    // Act
    await run(depsFor(vault, server.url), 's2', ref);

    // Assess
    expect(vault.items.get('s2')).not.toHaveProperty('cvv');
    expect(vault.items.get('s2')).toHaveProperty('pan');
    expect(vault.items.get('s2')).toHaveProperty('submittedAt');
  });

  it('returns the documented decline of a test card', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s3', { pan: '4000000000000002', exp: EXP, cvv: CVV });
    const { server } = await referenceService();

    // Act
    const result = await run(depsFor(vault, server.url), 's3', ref);

    // Assess
    expect(result.outcome).toBe('declined');
    expect(result.details).toBe('Declined - do not honour');
  });

  it('does not post a second time when the stage runs again for the same session', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s4', { pan: PAN, exp: EXP, cvv: CVV });
    const { server, gateway } = await referenceService();
    const deps = depsFor(vault, server.url);
    await run(deps, 's4', ref);

    // Act
    const again = await run(deps, 's4', ref);

    // Assess
    expect(gateway.requests).toHaveLength(1);
    expect(again).toMatchObject({ outcome: 'unknown', details: DETAILS.outcomeUnknown });
  });

  it('sends the card under configured field names, and a form field named like a card field is dropped', async () => {
    // Prepare
    const names = { pan: 'PAN', exp: 'EXPIRY', cvv: 'CVV2' };
    const vault = fakeVault();
    const ref = await vault.store('s5', { pan: PAN, exp: EXP, cvv: CVV }, { PAN: '5555555555554444', note: 'n' });
    const { server, gateway } = await referenceService(undefined, names);

    // Act
    const result = await run(depsFor(vault, server.url, { cardFieldNames: names }), 's5', ref);

    // Assess
    expect(result.outcome).toBe('accepted');
    expect(gateway.requests[0]?.pan).toBe(PAN);
  });

  it('declines without sending when a form field holds a control character, naming the field', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s6', { pan: PAN, exp: EXP, cvv: CVV }, { reference: 'line1\nline2' });
    const { server, gateway } = await referenceService();

    // Act
    const result = await run(depsFor(vault, server.url), 's6', ref);

    // Assess
    expect(result.outcome).toBe('declined');
    expect(result.details).toContain('"reference"');
    expect(gateway.requests).toHaveLength(0);
    expect(vault.items.get('s6')).not.toHaveProperty('submittedAt');
    expect(vault.items.get('s6')).not.toHaveProperty('cvv');
  });
});

describe('validateSession when the vault cannot help', () => {
  it('declines with a clear reason and sends nothing when the card data is gone', async () => {
    // Prepare
    const vault = fakeVault();
    const { server, gateway } = await referenceService();

    // Act
    const result = await run(depsFor(vault, server.url), 's7', 'vault-missing');

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: DETAILS.cardGone });
    expect(gateway.requests).toHaveLength(0);
    // Dropping the security code of a missing item would create an empty item with no TTL.
    expect(vault.items.has('s7')).toBe(false);
  });

  it('throws when KMS refuses to decrypt, without card data in the error and without sending', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('s8', { pan: PAN, exp: EXP, cvv: CVV });
    vault.kmsMock.on(DecryptCommand).rejects(Object.assign(new Error('AccessDeniedException'), { name: 'AccessDeniedException' }));
    const { server, gateway } = await referenceService();

    // Act
    const failure = await validateSession(depsFor(vault, server.url), { session: session('s8'), vaultRef: ref }).catch((err: unknown) => err);

    // Assess
    expect(failure).toBeInstanceOf(VaultCryptoError);
    expect(`${(failure as Error).message} ${(failure as Error).stack}`).not.toContain(PAN);
    expect(gateway.requests).toHaveLength(0);
  });
});

describe('validateSession with a misbehaving service', () => {
  async function outcomeFrom(id: string, script: Script, timeoutMs?: number) {
    const vault = fakeVault();
    const ref = await vault.store(id, { pan: PAN, exp: EXP, cvv: CVV });
    const server = await scripted(script);
    const result = await run(depsFor(vault, server.url, timeoutMs === undefined ? {} : { timeoutMs }), id, ref);
    return { result, server, vault };
  }

  it('strips | and CR/LF from the details', async () => {
    // Act
    const { result } = await outcomeFrom('m1', replyXml(`${XML_DECLARATION}<outcome value="accepted" details="code|42&#13;&#10;ok|"/>`));

    // Assess
    expect(result.details).toBe('code42ok');
  });

  it.each([
    ['no XML declaration', '<outcome value="accepted" details="ok"/>', 'no-declaration'],
    ['a DOCTYPE (XXE)', `${XML_DECLARATION}<!DOCTYPE o [<!ENTITY x SYSTEM "file:///etc/passwd">]><outcome value="accepted" details="&x;"/>`, 'doctype'],
    ['an outcome that is neither accepted nor declined', `${XML_DECLARATION}<outcome value="${PAN}"/>`, 'bad-outcome'],
    ['entity expansion (billion laughs)', readFileSync(join(__dirname, '../../../../events/validation/reply-hostile-entity-expansion.xml'), 'utf8'), 'doctype'],
    ['an undeclared entity without a DOCTYPE', `${XML_DECLARATION}<outcome value="accepted" details="&lol9;"/>`, 'entity'],
    ['malformed XML', `${XML_DECLARATION}<outcome value="accepted" details="x">`, 'malformed'],
    ['the wrong root element', `${XML_DECLARATION}<result value="accepted"/>`, 'wrong-root'],
  ])('declines an invalid reply (%s) without quoting it', async (_label, body, code) => {
    // Act
    const { result } = await outcomeFrom(`m2-${code}`, replyXml(body));

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: `${DETAILS.invalidReply} (${code})` });
  });

  it('reports a 500 as an unknown outcome naming the status code (the service may have charged the card)', async () => {
    // Act
    const { result } = await outcomeFrom('m3', replyXml(`${XML_DECLARATION}<outcome value="accepted"/>`, 500));

    // Assess
    expect(result).toMatchObject({ outcome: 'unknown', details: `${DETAILS.outcomeUnknown} (validation service answered with HTTP status 500)` });
    expect(resultLine(result.transactionId, result.outcome, result.details)).toBe(
      `txn-m3|unknown|${DETAILS.outcomeUnknown} (validation service answered with HTTP status 500)\n`,
    );
  });

  it('declines a 4xx naming the status code: the service refused the request', async () => {
    // Act
    const { result } = await outcomeFrom('m3b', replyXml(`${XML_DECLARATION}<outcome value="declined" details="bad"/>`, 422));

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: 'validation service answered with HTTP status 422' });
  });

  it('declines a redirect without following it', async () => {
    // Act
    const { result, server } = await outcomeFrom('m4', (_req, res) => {
      res.writeHead(302, { Location: '/other' });
      res.end();
    });

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: DETAILS.redirected });
    expect(server.received).toHaveLength(1);
  });

  it('reports a slow service as an unknown outcome, never a decline, and still drops the security code', async () => {
    // Act
    const { result, vault } = await outcomeFrom('m5', () => undefined, 200);

    // Assess
    expect(result.outcome).toBe('unknown');
    expect(result.details).toContain('did not answer in time');
    expect(result.details).toContain('payment status unknown: check with the gateway before taking another payment');
    expect(vault.items.get('m5')).not.toHaveProperty('cvv');
  });

  it('declines a reply over the size cap', async () => {
    // Act
    const { result } = await outcomeFrom('m6', replyXml(`${XML_DECLARATION}<outcome value="accepted" details="${'x'.repeat(70_000)}"/>`));

    // Assess
    expect(result.outcome).toBe('declined');
    expect(result.details).toContain('larger than allowed');
  });

  it('declines when nothing listens, saying the payment was not sent', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('m7', { pan: PAN, exp: EXP, cvv: CVV });
    const server = await scripted(replyXml(''));
    const url = server.url;
    await server.close();

    // Act
    const result = await run(depsFor(vault, url), 'm7', ref);

    // Assess
    expect(result.outcome).toBe('declined');
    expect(result.details).toBe(`validation service refused the connection; ${DETAILS.notSent}`);
    expect(logged).toContainEqual(['validation finished', expect.objectContaining({ sessionId: 'm7', reasonCode: 'failed:refused', attempts: 3 })]);
  });

  it('logs only the allow-listed fields', async () => {
    // Act
    await outcomeFrom('m8', replyXml(`${XML_DECLARATION}<outcome value="declined" details="nope"/>`));

    // Assess
    const entry = logged.find((e) => Array.isArray(e) && (e[1] as { sessionId?: string })?.sessionId === 'm8') as [string, Record<string, unknown>];
    expect(Object.keys(entry[1]).sort()).toEqual(['attempts', 'durationMs', 'httpStatus', 'outcome', 'reasonCode', 'sessionId', 'transactionId']);
  });

  it('returns a valid declined reply with its details', async () => {
    // Act
    const { result } = await outcomeFrom('m9', replyXml(`${XML_DECLARATION}<outcome value="declined" details="Declined - insufficient funds"/>`));

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: 'Declined - insufficient funds' });
  });
});

describe('security review 1: card data echoed back by the validation service in disguise', () => {
  async function echo(id: string, details: string) {
    const vault = fakeVault();
    const ref = await vault.store(id, { pan: PAN, exp: EXP, cvv: CVV });
    const server = await scripted(replyXml(`${XML_DECLARATION}<outcome value="accepted" details="${details}"/>`));
    return run(depsFor(vault, server.url), id, ref);
  }

  /** The card's digits as a reader could recover them: any script, character references, any separators. */
  const recover = (text: string): string =>
    text
      .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
      .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
      .normalize('NFKC')
      .replace(/[\u0660-\u0669]/g, (d) => String((d.codePointAt(0) as number) - 0x660))
      .replace(/\D/g, '');

  it.each([
    ['dots', '4111.1111.1111.1111'],
    ['slashes', '4111/1111/1111/1111'],
    ['double spaces', '4111  1111  1111  1111'],
    ['no-break spaces', '4111&#160;1111&#160;1111&#160;1111'],
    ['zero-width spaces', PAN.split('').join('&#8203;')],
    ['full-width digits', '４１１１１１１１１１１１１１１１'],
    ['Arabic-Indic digits', '٤١١١١١١١١١١١١١١١'],
    [
      'character references decoded by the parser',
      PAN.split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join(''),
    ],
    [
      'character references left as text (double escaped)',
      PAN.split('')
        .map((d) => `&amp;#${d.charCodeAt(0)};`)
        .join(''),
    ],
  ])('masks a card number echoed with %s before it reaches the result line, and counts it', async (_label, disguised) => {
    // Act
    const result = await echo(`e-${_label.replace(/\W/g, '')}`, `Approved for ${disguised} - code 015158`);

    // Assess
    expect(recover(result.details)).not.toContain('111111');
    expect(recover(resultLine(result.transactionId, result.outcome, result.details))).not.toContain('111111');
    expect(result.details).toContain('Approved for');
    expect(result.details).toContain('015158');
    expect(result.detailsMasked).toBe(1);
  });

  it('masks the expiry and the security code echoed in the details', async () => {
    // Act
    const result = await echo('e-exp-cvv', 'Approved exp 12/30 cvv 7&#160;3&#160;7');

    // Assess
    expect(result.details).toBe('Approved exp ##### cvv #####');
    expect(result.detailsMasked).toBe(2);
  });

  it('reports nothing masked for clean details', async () => {
    // Act
    const result = await echo('e-clean', 'Approved - authorisation code 015158');

    // Assess
    expect(result).toMatchObject({ details: 'Approved - authorisation code 015158', detailsMasked: 0 });
  });
});

describe('security review 3: an outcome that may have charged the card is unknown, never declined', () => {
  async function outcomeFrom(id: string, script: Script) {
    const vault = fakeVault();
    const ref = await vault.store(id, { pan: PAN, exp: EXP, cvv: CVV });
    const server = await scripted(script);
    return { result: await run(depsFor(vault, server.url), id, ref), server };
  }

  it('reports a connection reset after the request was sent as unknown, without sending it again', async () => {
    // Act
    const { result, server } = await outcomeFrom('u1', (_req, res) => res.socket?.destroy());

    // Assess
    expect(result.outcome).toBe('unknown');
    expect(result.details).toContain(DETAILS.outcomeUnknown);
    expect(server.received).toHaveLength(1);
  });

  it.each([502, 503, 504])('reports HTTP %s as unknown', async (status) => {
    // Act
    const { result } = await outcomeFrom(`u2-${status}`, replyXml('', status));

    // Assess
    expect(result.outcome).toBe('unknown');
  });

  it('keeps a malformed 200 reply a decline, as the contract says', async () => {
    // Act
    const { result } = await outcomeFrom('u3', replyXml('OK accepted'));

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: `${DETAILS.invalidReply} (no-declaration)` });
  });
});

describe('validateSession and the service certificate', () => {
  it('declines a self-signed (untrusted) service when its CA is not configured, sending nothing', async () => {
    // Prepare: the validator trusts only the public roots plus another CA.
    const vault = fakeVault();
    const ref = await vault.store('c1', { pan: PAN, exp: EXP, cvv: CVV });
    const server = await scripted(replyXml(`${XML_DECLARATION}<outcome value="accepted" details="ok"/>`));
    const client = createValidationClient({ url: server.url, caPem: (await otherCertificates()).caPem, sleep: async () => undefined });
    cleanups.push(() => client.close());

    // Act
    const result = await run({ vault: vault.deps, client, cardFieldNames: { ...DEFAULT_CARD_FIELD_NAMES }, maxReplyBytes: 65536, logger }, 'c1', ref);

    // Assess
    expect(result).toMatchObject({ outcome: 'declined', details: 'validation service could not be trusted (TLS certificate or handshake failed)' });
    expect(server.received).toHaveLength(0);
    expect(logged).toContainEqual(['validation finished', expect.objectContaining({ sessionId: 'c1', reasonCode: 'failed:tls', attempts: 1 })]);
  });

  it('validates over mutual TLS when the service demands a client certificate', async () => {
    // Prepare
    const vault = fakeVault();
    const ref = await vault.store('c2', { pan: PAN, exp: EXP, cvv: CVV });
    const server = await startValidationServer({
      tls: { key: certs.keyPem, cert: certs.certPem, clientCaPem: certs.caPem },
      gateway: new TestGateway({ authorizationCode: () => '654321' }),
    });
    cleanups.push(() => server.close());
    const client = createValidationClient({ url: server.url, caPem: certs.caPem, clientCertPem: certs.clientCertPem, clientKeyPem: certs.clientKeyPem });
    cleanups.push(() => client.close());

    // Act
    const result = await run({ vault: vault.deps, client, cardFieldNames: { ...DEFAULT_CARD_FIELD_NAMES }, maxReplyBytes: 65536, logger }, 'c2', ref);

    // Assess
    expect(result).toMatchObject({ outcome: 'accepted', details: 'Approved - authorisation code 654321' });
  });
});
