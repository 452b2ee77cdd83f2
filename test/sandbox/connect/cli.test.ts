/**
 * The commands' --telephony option: an unknown telephony is a usage error (exit 2) that names the
 * choices, before anything starts; `secure-ivr call --telephony connect` runs a whole call (exit 0).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCallCommand } from '../../../bin/commands/call';
import { runSandboxCommand } from '../../../bin/commands/sandbox';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
    text: () => text,
  };
}

describe('--telephony', () => {
  it('refuses an unknown telephony in secure-ivr call and secure-ivr sandbox', async () => {
    const [out, err] = [sink(), sink()];
    expect(await runCallCommand(['--keys', '1#', '--telephony', 'sip'], out.stream, err.stream)).toBe(2);
    expect(err.text()).toMatch(/--telephony must be chime or connect/);
    const [out2, err2] = [sink(), sink()];
    expect(await runSandboxCommand(['--telephony', 'sip', '--port', '0'], out2.stream, err2.stream)).toBe(2);
    expect(err2.text()).toMatch(/--telephony must be chime or connect/);
  });

  it('runs a whole call on Amazon Connect with secure-ivr call --telephony connect', async () => {
    const [out, err] = [sink(), sink()];
    const code = await runCallCommand(
      ['--keys', '4111111111111111#1230#737#', '--telephony', 'connect', '--data-dir', mkdtempSync(join(tmpdir(), 'connect-cli-')), '--json'],
      out.stream,
      err.stream,
    );

    expect(err.text()).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out.text())).toMatchObject({ outcome: 'accepted', last4: '1111' });
  }, 120_000);
});
