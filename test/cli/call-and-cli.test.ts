/**
 * The command line's sharp edges (issue 14 item 10): one --field keeps the form's other example values,
 * an unknown field id lists the known ones, --help lists check-validator, and a reader closing the pipe
 * (`audit pull | head`) ends the command quietly instead of an EPIPE trace.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCallCommand, withExamples } from '../../bin/commands/call';
import { UsageError } from '../../bin/commands/args';
import { endQuietlyOnClosedPipe, main } from '../../bin/cli';

const EXAMPLES = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };

describe('secure-ivr call --field', () => {
  it('keeps every other example field when one --field is given', () => {
    expect(withExamples(EXAMPLES, { 'charge amount': '99.00' })).toEqual({ ...EXAMPLES, 'charge amount': '99.00' });
  });

  it('answers an unknown field id with a usage error that lists the valid ones (and not the value given)', () => {
    let caught: unknown;
    try {
      withExamples(EXAMPLES, { amount: '12.00' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as Error).message;
    expect(message).toContain('"amount"');
    for (const id of Object.keys(EXAMPLES)) expect(message).toContain(`"${id}"`);
    expect(message).not.toContain('12.00');
  });
});

describe('secure-ivr --help', () => {
  it('lists check-validator among the commands', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--help'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(/^\s+check-validator\s/m);
  });
});

describe('a closed output pipe', () => {
  it('ends the command with code 0 on EPIPE', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    const exits: number[] = [];
    endQuietlyOnClosedPipe(stream as never, (code) => exits.push(code));
    stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([0]);
  });

  it('still raises any other stream error', () => {
    const stream = new EventEmitter() as unknown as NodeJS.WritableStream;
    endQuietlyOnClosedPipe(stream as never, () => undefined);
    expect(() => stream.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
  });
});

describe('secure-ivr call --validation-url while a sandbox runs on the same data folder', () => {
  it("refuses clearly (exit 2) instead of opening the running sandbox's engines a second time", async () => {
    // Prepare: a running sandbox's discovery file, owned by a live process (this test's parent).
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-running-'));
    writeFileSync(
      join(dataDir, 'sandbox.json'),
      JSON.stringify({ pid: process.ppid, apiUrl: 'http://127.0.0.1:9', startedAt: new Date().toISOString(), validationUrl: 'https://127.0.0.1:9/validate' }),
    );
    const out = new PassThrough();
    const err = new PassThrough();
    let said = '';
    err.on('data', (c: Buffer) => (said += c.toString()));
    // Act
    const code = await runCallCommand(
      ['--keys', '4111111111111111#1230#737#', '--validation-url', 'https://127.0.0.1:8443/validate', '--data-dir', dataDir],
      out,
      err,
    );
    // Assess
    expect(code).toBe(2);
    expect(said).toContain(`a sandbox (pid ${process.ppid}) is running on ${dataDir}`);
    expect(said).toContain('drop --validation-url');
    expect(said).not.toContain('Database is closed');
  });
});
