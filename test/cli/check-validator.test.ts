import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCheckValidatorCommand } from '../../bin/commands/check-validator';
import { CHECKS, UNKNOWN_PARAM_NAME } from '../../lambdas/validator/conformance';
import { startValidationServer } from '../../lambdas/validation-service/server';
import { testCertificates, type LocalCertificates } from '../helpers/tls';
import { replyXml, type Script, startScriptedServer, XML_DECLARATION } from '../lambdas/validator/test-server';

const PAN = '4111111111111111';
const GOOD = `${XML_DECLARATION}<outcome value="declined" details="Declined - test"/>`;

let certs: LocalCertificates;
let dir: string;
let caFile: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  certs = await testCertificates();
  dir = mkdtempSync(join(tmpdir(), 'check-validator-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function check(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await runCheckValidatorCommand(argv, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

async function scripted(script: Script): Promise<string> {
  const server = await startScriptedServer(certs, script);
  cleanups.push(() => server.close());
  return server.url;
}

interface JsonReport {
  passed: boolean;
  checks: { id: string; status: string; reason: string }[];
}

async function checkJson(url: string, extra: string[] = []): Promise<{ code: number; report: JsonReport; err: string; out: string }> {
  const { code, out, err } = await check([url, '--ca', caFile, '--json', ...extra]);
  return { code, report: JSON.parse(out) as JsonReport, err, out };
}

const notPassing = (report: JsonReport): string[] => report.checks.filter((c) => c.status !== 'pass').map((c) => c.id);

describe('check-validator against the reference service', () => {
  it('passes every check, exits 0 and shows progress per check', async () => {
    // Prepare
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem } });
    cleanups.push(() => server.close());

    // Act
    const { code, out, err } = await check([server.url, '--ca', caFile]);

    // Assess
    expect(code).toBe(0);
    expect(out).toContain(`all ${CHECKS.length} checks passed`);
    for (let i = 1; i <= CHECKS.length; i += 1) expect(err).toContain(`[${i}/${CHECKS.length}] `);
    expect(err).not.toContain('FAIL');
    expect(out + err).not.toContain(PAN);
  });

  it('reports the replay flag and every check as passed in JSON', async () => {
    // Prepare
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem } });
    cleanups.push(() => server.close());

    // Act
    const { code, report } = await checkJson(server.url);

    // Assess
    expect(code).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(CHECKS.map((c) => c.id));
    expect(report.checks.find((c) => c.id === 'idempotency')?.reason).toContain('flagged Idempotent-Replayed');
  });

  it('passes over mutual TLS with --cert and --key, and fails TLS without them', async () => {
    // Prepare
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem, clientCaPem: certs.caPem } });
    cleanups.push(() => server.close());
    const certFile = join(dir, 'client.pem');
    const keyFile = join(dir, 'client.key');
    writeFileSync(certFile, certs.clientCertPem);
    writeFileSync(keyFile, certs.clientKeyPem);

    // Act
    const withCert = await checkJson(server.url, ['--cert', certFile, '--key', keyFile]);
    const without = await checkJson(server.url);

    // Assess
    expect(withCert.code).toBe(0);
    expect(without.code).toBe(1);
    expect(without.report.checks[0]).toMatchObject({ id: 'tls', status: 'fail' });
  });
});

describe('check-validator against broken services', () => {
  let replies = 0;
  const cases: { label: string; script: Script; extra?: string[]; failing: string }[] = [
    { label: 'a reply without the XML declaration', script: replyXml('<outcome value="accepted" details="ok"/>'), failing: 'declaration' },
    { label: 'details containing |', script: replyXml(`${XML_DECLARATION}<outcome value="accepted" details="code|42"/>`), failing: 'details' },
    {
      label: 'details echoing the card number',
      script: replyXml(`${XML_DECLARATION}<outcome value="declined" details="card ${PAN} refused"/>`),
      failing: 'card-echo',
    },
    // Security review 1: echoes in disguise that the old digits-only comparison let through.
    {
      label: 'details echoing the card number in full-width digits',
      script: replyXml(`${XML_DECLARATION}<outcome value="declined" details="card ４１１１１１１１１１１１１１１１ refused"/>`),
      failing: 'card-echo',
    },
    {
      label: 'details echoing the card number as character references',
      script: replyXml(
        `${XML_DECLARATION}<outcome value="declined" details="card ${PAN.split('')
          .map((d) => `&amp;#${d.charCodeAt(0)};`)
          .join('')}"/>`,
      ),
      failing: 'card-echo',
    },
    {
      label: 'details echoing the card number with zero-width spaces',
      script: replyXml(`${XML_DECLARATION}<outcome value="declined" details="card ${PAN.split('').join('&#8203;')}"/>`),
      failing: 'card-echo',
    },
    {
      label: 'details echoing the security code',
      script: replyXml(`${XML_DECLARATION}<outcome value="declined" details="cvv 7.3.7 wrong"/>`),
      failing: 'card-echo',
    },
    {
      label: 'details echoing the card number only on the repeated request',
      script: (req, res) =>
        replyXml(
          `${XML_DECLARATION}<outcome value="declined" details="${req.headers['idempotency-key'] === undefined || !String(req.headers['idempotency-key']).endsWith('-2') ? 'Declined - test' : 'card 4111.1111.1111.1111'}"/>`,
        )(req, res),
      failing: 'card-echo',
    },
    {
      label: 'a DOCTYPE',
      script: replyXml(`${XML_DECLARATION}<!DOCTYPE o [<!ENTITY x "y">]><outcome value="accepted" details="&x;"/>`),
      failing: 'well-formed',
    },
    {
      label: 'a value other than accepted or declined',
      script: replyXml(`${XML_DECLARATION}<outcome value="approved" details="ok"/>`),
      failing: 'allowed-values',
    },
    { label: 'a redirect', script: (_req, res) => void res.writeHead(302, { Location: '/elsewhere' }).end(), failing: 'http' },
    { label: 'a 500', script: replyXml(GOOD, 500), failing: 'http' },
    {
      label: 'a huge reply',
      script: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/xml' });
        res.end(`${XML_DECLARATION}<outcome value="declined" details="${'x'.repeat(70_000)}"/>`);
      },
      failing: 'reply-size',
    },
    { label: 'a slow reply', script: (req, res) => void setTimeout(() => replyXml(GOOD)(req, res), 250), extra: ['--max-time', '100'], failing: 'reply-time' },
    {
      label: 'a crash on an unknown param',
      script: (req, res) => (req.body.includes(UNKNOWN_PARAM_NAME) ? res.socket?.destroy() : replyXml(GOOD)(req, res)),
      failing: 'unknown-param',
    },
    {
      label: 'a crash on escaped characters',
      script: (req, res) => (req.body.includes('&amp;') ? replyXml('error', 500)(req, res) : replyXml(GOOD)(req, res)),
      failing: 'escaping',
    },
    {
      label: 'a different reply to a repeated idempotency key',
      script: (req, res) => {
        replies += 1;
        replyXml(`${XML_DECLARATION}<outcome value="accepted" details="authorisation ${replies}"/>`)(req, res);
      },
      failing: 'idempotency',
    },
  ];

  it.each(cases)('fails with exit 1 on $label, naming the $failing check', async ({ script, extra = [], failing }) => {
    // Prepare
    const url = await scripted(script);

    // Act
    const { code, report, err, out } = await checkJson(url, extra);

    // Assess
    expect(code).toBe(1);
    expect(report.passed).toBe(false);
    expect(notPassing(report)).toContain(failing);
    expect(report.checks.find((c) => c.id === failing)?.reason).toEqual(expect.any(String));
    expect(err).toMatch(new RegExp(`\\] ${CHECKS.find((c) => c.id === failing)?.title.replace(/[|]/g, '\\|')} … FAIL: `));
    expect(out + err).not.toContain(PAN);
  });

  it('fails only the broken check for a service that is otherwise conforming', async () => {
    // Prepare
    const url = await scripted(replyXml('<outcome value="declined" details="no declaration"/>'));

    // Act
    const { report } = await checkJson(url);

    // Assess
    expect(notPassing(report)).toEqual(['declaration', 'unknown-param', 'escaping']);
  });

  it('fails the TLS check of a self-signed service when --ca is not given, suggesting --ca', async () => {
    // Prepare
    const url = await scripted(replyXml(GOOD));

    // Act
    const { code, out, err } = await check([url]);

    // Assess
    expect(code).toBe(1);
    expect(err).toMatch(/\[1\/12\] TLS and certificate … FAIL: TLS failed \([A-Z_]+\) - if the service uses a private CA, pass it with --ca FILE/);
    expect(out).toContain('12 of 12 checks did not pass');
  });

  it('fails the TLS check when nothing listens', async () => {
    // Prepare
    const url = await scripted(replyXml(GOOD));
    await cleanups.pop()?.();

    // Act
    const { code, report } = await checkJson(url);

    // Assess
    expect(code).toBe(1);
    expect(report.checks[0]).toMatchObject({ id: 'tls', status: 'fail', reason: 'could not connect (ECONNREFUSED)' });
  });
});

describe('check-validator usage', () => {
  it('documents every check and the test card in --help', async () => {
    // Act
    const { code, out } = await check(['--help']);

    // Assess
    expect(code).toBe(0);
    for (const c of CHECKS) expect(out).toContain(c.title);
    expect(out).toContain('4111111111111111 (the well-known test number, never a real card)');
  });

  it.each([
    [[], /exactly one validation service URL/],
    [['ftp://x/'], /https/],
    [['https://x/', '--cert', 'c.pem'], /--cert and --key go together/],
    [['https://x/', '--card-fields', '{"pan":'], /--card-fields must be JSON/],
    [['https://x/', '--max-time', 'soon'], /--max-time must be a whole number/],
    [['https://x/', '--ca', '/nonexistent/ca.pem'], /cannot read the CA file/],
    [['https://x/', '--bogus'], /unknown option --bogus/],
  ])('exits 2 on bad usage %j', async (argv, message) => {
    // Act
    const { code, err } = await check(argv as string[]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
