import { Readable, Writable } from 'node:stream';
import defaultConfig from '../../../config/redaction.json';
import { runRedactCommand } from '../../../bin/commands/redact';
import { ParallelRedactor } from '../../../lambdas/redact/parallel';
import { loadRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from '../../../lambdas/redact/redactor';
import { chatLog, mimeEmail } from '../../../bench/redact';
import type { AttachmentReport } from '../../../lambdas/redact/mime/mime-redactor';
import { mimeInputs } from './differential-inputs';
import { redactEmail } from './mime-helpers';

const redactor = new Redactor(loadRedactionConfig(defaultConfig));

function serial(text: string): { out: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new LineRedactionStream(redactor, tally);
  let out = '';
  for (let i = 0; i < text.length; i += 1 << 16) out += stream.write(text.slice(i, i + (1 << 16)));
  return { out: out + stream.end(), tally };
}

/**
 * A chat log with a card every few lines whose expiry follows on the next line: a line stream that has
 * read the card's line (it ends in a word, so a cut there is otherwise fine) must hold it back.
 */
function archive(bytes: number): string {
  const lines = chatLog(bytes, 5).split('\n');
  for (let i = 0; i < lines.length; i += 4) lines[i] = `card 4111 1111 1111 1111 please\nexp 12/30 ok\n${lines[i]}`;
  return lines.join('\n');
}

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

describe('redaction on worker threads (ParallelRedactor)', () => {
  const text = archive(1_500_000);
  const expected = serial(text);
  let parallel: ParallelRedactor;
  let careless: ParallelRedactor;

  beforeAll(() => {
    parallel = new ParallelRedactor(defaultConfig, { workers: 2, blockSize: 64 * 1024 });
    careless = new ParallelRedactor(defaultConfig, { workers: 2, blockSize: 64 * 1024, cutting: 'any-line' });
  });
  afterAll(async () => {
    await parallel.close();
    await careless.close();
  });

  it('writes exactly what one line stream writes, with the same counts, and rarely redoes a block', async () => {
    // Act
    const tally: RedactionTally = {};
    let out = '';
    for await (const part of parallel.redactStream(chunks(text, 5000), tally)) out += part;
    // Assess
    expect(out === expected.out).toBe(true);
    expect(tally).toEqual(expected.tally);
    expect(expected.tally['card-expiry-security-code']).toBeGreaterThan(100);
    expect(parallel.redone).toBe(0);
  });

  it('stays exact when blocks end where a card expiry may still follow: those blocks are redone from the held text', async () => {
    // Act
    const tally: RedactionTally = {};
    const out = await careless.redact(text, tally);
    // Assess
    expect(careless.redone).toBeGreaterThan(0);
    expect(out === expected.out).toBe(true);
    expect(tally).toEqual(expected.tally);
  });

  it('reads UTF-8 bytes cut anywhere (inside characters too) and writes the same bytes a line stream would', async () => {
    // Prepare: other scripts' digits and separators, and a chunk size that cuts multi-byte characters.
    const mixed = `${text.slice(0, 300_000)}\n１２ ٤١١١ ١١١١ ١١١١ ١١١١ – café 😀\n${text.slice(300_000, 600_000)}`;
    const bytes = Buffer.from(mixed, 'utf8');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 4097) yield bytes.subarray(i, i + 4097);
    }
    // Act
    const tally: RedactionTally = {};
    const parts: Buffer[] = [];
    for await (const part of parallel.redactBytes(source(), tally)) parts.push(part);
    // Assess
    const want = serial(mixed);
    expect(Buffer.concat(parts).toString('utf8') === want.out).toBe(true);
    expect(tally).toEqual(want.tally);
  });

  it('takes over text a line stream already held, so a stream can hand over mid-way', async () => {
    // Prepare: a serial stream reads the first part and holds the card's last lines back.
    const first = 'order 1\ncard 4111 1111 1111 1111\n';
    const rest = `exp 12/30\ncvv 737\n${text.slice(0, 200_000)}`;
    const tally: RedactionTally = {};
    const stream = new LineRedactionStream(redactor, tally);
    const head = stream.write(first);
    // Act
    let out = head;
    for await (const part of parallel.redactStream(chunks(rest, 8192), tally, stream.held())) out += part;
    // Assess
    expect(stream.held()).not.toBe('');
    const want = serial(first + rest);
    expect(out === want.out).toBe(true);
    expect(out).toContain('card #### #### #### ####\nexp ##/##\ncvv ###\n');
  });

  it('reports a worker that dies as an error naming no text, and refuses further work', async () => {
    // Prepare
    const doomed = new ParallelRedactor(defaultConfig, { workers: 1, blockSize: 16 * 1024 });
    const workers = (doomed as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers;
    // Act
    const run = (async () => {
      let n = 0;
      for await (const part of doomed.redactStream(chunks(text, 4096), {})) {
        n += part.length;
        if (n > 0) await workers[0]?.terminate();
      }
    })();
    // Assess
    await expect(run).rejects.toThrow(/redaction worker stopped with exit code 1/);
    await expect(doomed.redact('card 4111 1111 1111 1111\n', {})).rejects.toThrow(/redaction worker/);
    await doomed.close();
  });

  it('stays exact when a rule makes the output far longer than its slot, and when a line never ends', async () => {
    // Prepare: every pair of digits becomes 48 characters; and 300 KB without a line break.
    const document = {
      defaultFilter: { enabled: true },
      additionalRules: [{ id: 'pairs', pattern: '\\d{2}', replacement: { strategy: 'fixed', text: 'REDACTED-NUMBER-REDACTED-NUMBER-REDACTED-NUMBER!' } }],
    };
    const growing = new ParallelRedactor(document, { workers: 2, blockSize: 32 * 1024 });
    const input = `${text.slice(0, 100_000)}${'word 4111 1111 1111 1111 and 12 more '.repeat(8000)}\n${text.slice(100_000, 200_000)}`;
    const own = new Redactor(loadRedactionConfig(document));
    const wantTally: RedactionTally = {};
    const stream = new LineRedactionStream(own, wantTally);
    const want = stream.write(input) + stream.end();
    // Act
    const tally: RedactionTally = {};
    const out = await growing.redact(input, tally);
    await growing.close();
    // Assess
    expect(out.length).toBeGreaterThan(3 * input.length);
    expect(out === want).toBe(true);
    expect(tally).toEqual(wantTally);
  });

  it('cuts a line that never ends between characters, in UTF-8 bytes too: a character split over two blocks stays whole', async () => {
    // Prepare: 400 KB without a line break, made of 2-, 3- and 4-byte characters, read in chunks of 4097 bytes.
    const small = new ParallelRedactor(defaultConfig, { workers: 2, blockSize: 32 * 1024 });
    const input = `${text.slice(0, 50_000)}${'café ４１１１ 😀 𝟒𝟏𝟏𝟏 '.repeat(20_000)}\n${text.slice(50_000, 100_000)}`;
    const bytes = Buffer.from(input, 'utf8');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.length; i += 4097) yield bytes.subarray(i, i + 4097);
    }
    // Act
    const tally: RedactionTally = {};
    const parts: Buffer[] = [];
    try {
      for await (const part of small.redactBytes(source(), tally)) parts.push(part);
    } finally {
      await small.close();
    }
    // Assess
    const want = serial(input);
    const got = Buffer.concat(parts).toString('utf8');
    expect(got.includes('\ufffd')).toBe(false);
    expect(got === want.out).toBe(true);
    expect(tally).toEqual(want.tally);
  });

  it('serves two texts redacted at once on the same workers, each exactly', async () => {
    // Prepare
    const other = archive(700_000).replace(/customer/g, 'client');
    // Act
    const [a, b] = await Promise.all([parallel.redact(text, {}), parallel.redact(other, {})]);
    // Assess
    expect(a === expected.out).toBe(true);
    expect(b === serial(other).out).toBe(true);
  });

  it('refuses a configuration it cannot load before starting any worker', () => {
    // Act / Assess
    expect(() => new ParallelRedactor({ defaultFilter: { enabled: 'yes' }, additionalRules: [] })).toThrow(/Redaction configuration is invalid/);
  });
});

const serialMime = (raw: Buffer, chunk: number): ReturnType<typeof redactEmail> => redactEmail(redactor, raw, chunk);

/** An email with nested parts: alternatives (quoted-printable text, base64 HTML), a forwarded message, an attachment. */
function nestedEmail(): string {
  const card = 'card 4111 1111 1111 1111\r\nexp 12/30\r\ncvv 737';
  const qp = `Hello,\r\nmy ${card} and ssn 123-45-6789.\r\nA long line that quoted-printable has to fold because it is longer than seventy-six characters =\r\ncontinues here 5500 0000=\r\n 0000 0004 ok\r\n`;
  const html = Buffer.from(`<p>card 4111 <b>1111</b> 1111 1111</p><p>exp 12/30</p><div title="378282246310005">x</div>`, 'utf8').toString('base64');
  return [
    'From: a@example.com',
    'Subject: =?utf-8?B?Y2FyZCA0MTExIDExMTEgMTExMSAxMTEx?=',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    'preamble 6011 1111 1111 1117',
    '--outer',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp,
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    html,
    '--alt--',
    '--outer',
    'Content-Type: message/rfc822',
    '',
    'Subject: forwarded',
    'Content-Type: text/plain; charset=iso-8859-1',
    '',
    `fwd ${card} caf\xe9`,
    '--outer',
    'Content-Type: application/pdf; name="statement 4111111111111111.pdf"',
    'Content-Disposition: attachment; filename="statement 4111111111111111.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('PDF 4111111111111111').toString('base64'),
    '--outer--',
    'epilogue 4111 1111 1111 1111',
    '',
  ].join('\r\n');
}

describe('email redaction on worker threads (ParallelRedactor.redactMime)', () => {
  let parallel: ParallelRedactor;
  beforeAll(() => {
    parallel = new ParallelRedactor(defaultConfig, { workers: 2 });
  });
  afterAll(async () => {
    await parallel.close();
  });

  async function run(raw: Buffer, chunk: number): Promise<{ out: Buffer; tally: RedactionTally; attachments: AttachmentReport[] }> {
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < raw.length; i += chunk) yield raw.subarray(i, i + chunk);
    }
    const tally: RedactionTally = {};
    const attachments: AttachmentReport[] = [];
    const parts: Buffer[] = [];
    for await (const part of parallel.redactMime(source(), tally, attachments)) parts.push(part);
    return { out: Buffer.concat(parts), tally, attachments };
  }

  it('writes exactly what MimeRedactionStream writes, with the same counts and attachment reports, for nested parts cut anywhere', async () => {
    // Prepare
    const raw = Buffer.from(nestedEmail(), 'latin1');
    const want = serialMime(raw, 1 << 16);
    expect(want.out.toString('latin1')).not.toContain('4111 1111');
    expect(want.tally['default-card-number']).toBeGreaterThanOrEqual(6);
    for (const chunk of [1, 7, 100, 1 << 16]) {
      // Act
      const got = await run(raw, chunk);
      // Assess
      expect({ chunk, out: got.out.toString('latin1') }).toEqual({ chunk, out: want.out.toString('latin1') });
      expect(got.tally).toEqual(want.tally);
      expect(got.attachments).toEqual(want.attachments);
    }
  });

  it('matches the serial stream on every generated message (plain, quoted-printable, base64, HTML, attachments)', async () => {
    for (const [i, message] of mimeInputs().entries()) {
      // Prepare
      const raw = Buffer.from(message, 'utf8');
      const want = serialMime(raw, 4096);
      // Act
      const got = await run(raw, 4096);
      // Assess
      if (!got.out.equals(want.out)) expect({ i, out: got.out.toString('latin1') }).toEqual({ i, out: want.out.toString('latin1') });
      expect({ i, tally: got.tally }).toEqual({ i, tally: want.tally });
    }
  });

  it('matches it on the benchmark email (a 3 MB text part and an HTML part redacted side by side)', async () => {
    // Prepare
    const raw = Buffer.from(mimeEmail(3 * 1024 * 1024), 'utf8');
    const want = serialMime(raw, 1 << 16);
    // Act
    const got = await run(raw, 1 << 16);
    // Assess
    expect(got.out.equals(want.out)).toBe(true);
    expect(got.tally).toEqual(want.tally);
    expect(got.attachments).toEqual([{ filename: 'statement.pdf', contentType: 'application/pdf', size: 3 * 1024 * 1024 }]);
  });

  it('keeps a byte order mark at the start of a plain UTF-8 part, as the serial stream does', async () => {
    // Prepare: the part's text starts with U+FEFF and is long enough for several blocks.
    const body = `\ufeff${chatLog(300_000, 4).replace(/\n/g, '\r\n')}`;
    const raw = Buffer.from(['From: a@example.com', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body].join('\r\n'), 'utf8');
    const want = serialMime(raw, 1 << 16);
    // Act
    const got = await run(raw, 1 << 16);
    // Assess
    expect(want.out.includes(Buffer.from('\r\n\r\n\ufeff[2026-', 'utf8'))).toBe(true);
    expect(got.out.equals(want.out)).toBe(true);
    expect(got.tally).toEqual(want.tally);
  });

  it('matches it on a message with two large plain UTF-8 parts (each cut into blocks on both workers) and an HTML one', async () => {
    // Prepare
    const text = (seed: number): string => chatLog(600_000, seed).replace(/\n/g, '\r\n');
    const message = [
      'From: a@example.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain; charset=utf-8',
      '',
      text(1),
      '--m',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<p>${text(2).replace(/\r\n/g, '</p>\r\n<p>')}</p>`,
      '--m',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text(3),
      '--m--',
      '',
    ].join('\r\n');
    const raw = Buffer.from(message, 'utf8');
    const want = serialMime(raw, 1 << 16);
    // Act
    const got = await run(raw, 1 << 16);
    // Assess
    expect(got.out.equals(want.out)).toBe(true);
    expect(got.tally).toEqual(want.tally);
  });

  it('frees its workers for the next email when the output is not read to its end', async () => {
    // Prepare
    const raw = Buffer.from(mimeEmail(2 * 1024 * 1024), 'utf8');
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < raw.length; i += 1 << 16) yield raw.subarray(i, i + (1 << 16));
    }
    // Act: read one piece, then stop; then redact the next message on the same workers.
    for await (const part of parallel.redactMime(source(), {})) {
      void part;
      break;
    }
    const next = await run(Buffer.from(nestedEmail(), 'latin1'), 1000);
    // Assess
    expect(next.out.equals(serialMime(Buffer.from(nestedEmail(), 'latin1'), 1000).out)).toBe(true);
  });

  it('fails with an error naming no text when a worker dies while it holds a part', async () => {
    // Prepare
    const doomed = new ParallelRedactor(defaultConfig, { workers: 1 });
    const raw = Buffer.from(mimeEmail(1024 * 1024), 'utf8');
    const workers = (doomed as unknown as { workers: Array<{ terminate(): Promise<number> }> }).workers;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < raw.length; i += 1 << 16) {
        if (i === 4 << 16) await workers[0]?.terminate();
        yield raw.subarray(i, i + (1 << 16));
      }
    }
    // Act
    const drain = (async () => {
      for await (const part of doomed.redactMime(source(), {})) void part;
    })();
    // Assess
    await expect(drain).rejects.toThrow(/redaction worker/);
    await doomed.close();
  });
});

describe('secure-ivr redact --jobs', () => {
  async function cli(argv: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: Buffer[] = [];
    let stderr = '';
    const stdout = new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    });
    const err = new Writable({
      write(chunk: Buffer, _e, done) {
        stderr += chunk.toString('utf8');
        done();
      },
    });
    const bytes = Buffer.from(input, 'utf8');
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 1 << 16) parts.push(bytes.subarray(i, i + (1 << 16)));
    const code = await runRedactCommand(argv, { stdin: Readable.from(parts), stdout, stderr: err });
    return { code, stdout: Buffer.concat(out).toString('utf8'), stderr };
  }

  it.each([
    ['a chat archive', (): string => archive(400_000), '#### #### #### ####'],
    ['an email', (): string => mimeEmail(300_000), 'attachments left as they are: statement.pdf [application/pdf'],
  ])('writes the same output and summary for %s with 2 jobs as with 1', async (_what, make, expected) => {
    // Prepare
    const input = make();
    // Act
    const one = await cli([], input);
    const two = await cli(['--jobs', '2'], input);
    // Assess
    expect(two.code).toBe(0);
    expect(two.stdout === one.stdout).toBe(true);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stdout + two.stderr).toContain(expected);
    expect(two.stdout).not.toContain('4111 1111 1111 1111');
  });

  it.each([
    [['--jobs', '0'], '--jobs must be a whole number from 1 to 16'],
    [['--jobs', '2.5'], '--jobs must be a whole number from 1 to 16'],
    [['--jobs', '2', '--format', 'html'], '--jobs applies to plain text and email only'],
    [['--jobs', '2', '--conversation'], '--jobs applies to plain text and email only'],
  ])('refuses %j with exit code 2: %s', async (argv, message) => {
    // Act
    const { code, stderr, stdout } = await cli(argv, 'card 4111 1111 1111 1111\n');
    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });
});
