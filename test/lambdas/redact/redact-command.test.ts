import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runRedactCommand } from '../../../bin/commands/redact';

const EVENTS = join(__dirname, '../../../events/redact');
const SENTINEL = '4111111111111111';

async function run(argv: string[], input: Buffer | string, chunkSize = 1 << 16): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const data = typeof input === 'string' ? Buffer.from(input) : input;
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runRedactCommand(argv, { stdin: Readable.from(chunks), stdout, stderr });
  return { code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') };
}

describe('secure-ivr redact', () => {
  it('filters a plain chat transcript from stdin to stdout and exits 0', async () => {
    // Prepare
    const transcript = readFileSync(join(EVENTS, 'chat-transcript.txt'));
    // Act
    const { code, stdout, stderr } = await run([], transcript, 10);
    // Assess
    expect(code).toBe(0);
    expect(stdout.toString('utf8')).toContain("it's #### #### #### #### exp ##/##");
    expect(stdout.toString('utf8')).toContain('order 4471902');
    expect(stderr).toBe('secure-ivr redact: 5 redaction(s) (default-card-number: 3, card-expiry-security-code: 1, us-ssn: 1)\n');
    expect(stdout.toString('utf8') + stderr).not.toContain('4111 1111 1111 1111');
  });

  it('writes plain text back byte for byte but the card digits: a BOM, characters cut between chunks, bytes that are not UTF-8', async () => {
    // Prepare: chunks of 3 bytes cut the BOM, the en dash and the emoji; 0xFF is not UTF-8 and reads as U+FFFD.
    const input = Buffer.concat([Buffer.from('\ufeffcard 4111 1111 1111 1111 – ok 😀\n', 'utf8'), Buffer.from([0xff, 0x0a])]);
    // Act
    const { code, stdout } = await run(['--format', 'text'], input, 3);
    // Assess
    expect(code).toBe(0);
    expect(stdout.equals(Buffer.from('\ufeffcard #### #### #### #### – ok 😀\n\ufffd\n', 'utf8'))).toBe(true);
  });

  it('recognises an .eml on stdin, redacts it and reports attachments on stderr', async () => {
    // Prepare
    const eml = readFileSync(join(EVENTS, 'multipart-email.eml'));
    // Act
    const { code, stdout, stderr } = await run([], eml, 100);
    // Assess
    expect(code).toBe(0);
    expect(stdout.toString('latin1')).toContain('Please charge my Visa #### #### #### ####');
    expect(stdout.toString('latin1')).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(stderr).toContain('attachments left as they are: receipt-################.pdf [application/pdf, 860 bytes]');
    expect(stderr).not.toContain(SENTINEL);
  });

  it('treats input as HTML with --format html', async () => {
    // Act
    const { code, stdout } = await run(['--format', 'html'], `<p title="${SENTINEL}">card ${SENTINEL}</p>`);
    // Assess
    expect(code).toBe(0);
    expect(stdout.toString('utf8')).toBe('<p title="################">card ################</p>');
  });

  it('uses the configuration given with --config (default filter off)', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'redact-cli-'));
    const file = join(dir, 'redaction.json');
    writeFileSync(
      file,
      JSON.stringify({
        defaultFilter: { enabled: false },
        additionalRules: [{ id: 'ticket', pattern: 'TCK-\\d{6}', replacement: { strategy: 'fixed', text: '[ticket]' } }],
      }),
    );
    // Act
    const { code, stdout } = await run(['--config', file], `card ${SENTINEL} ticket TCK-123456\n`);
    // Assess
    expect(code).toBe(0);
    expect(stdout.toString('utf8')).toBe(`card ${SENTINEL} ticket [ticket]\n`);
  });

  it('exits 2 with the rule ids when the configuration holds a hostile expression', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'redact-cli-'));
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        defaultFilter: { enabled: true },
        additionalRules: [
          { id: 'evil', pattern: '(a|a)*b' },
          { id: 'worse', pattern: '(\\d+)*x' },
        ],
      }),
    );
    // Act
    const { code, stdout, stderr } = await run(['--config', file], 'text\n');
    // Assess
    expect(code).toBe(2);
    expect(stdout.length).toBe(0);
    expect(stderr).toContain('rule "evil": overlapping alternatives');
    expect(stderr).toContain('rule "worse": nested quantifiers');
  });

  it.each([
    ['an unknown option', ['--fast']],
    ['a missing config path', ['--config']],
    ['an unknown format', ['--format', 'pdf']],
    ['a config file that does not exist', ['--config', '/nonexistent/redaction.json']],
  ])('exits 2 on %s', async (_name, argv) => {
    // Act
    const { code, stdout } = await run(argv, 'x\n');
    // Assess
    expect(code).toBe(2);
    expect(stdout.length).toBe(0);
  });

  it('prints usage with --help and exits 0', async () => {
    // Act
    const { code, stdout } = await run(['--help'], '');
    // Assess
    expect(code).toBe(0);
    expect(stdout.toString('utf8')).toContain('Usage: secure-ivr redact');
  });

  it('passes empty input through', async () => {
    // Act
    const { code, stdout } = await run([], '');
    // Assess
    expect(code).toBe(0);
    expect(stdout.length).toBe(0);
  });
});
