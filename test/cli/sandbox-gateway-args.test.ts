/** `secure-ivr sandbox --gateway`: bad values are refused as usage errors before anything starts. */
import { Writable } from 'node:stream';
import { runSandboxCommand } from '../../bin/commands/sandbox';

async function run(args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      err += chunk.toString();
      done();
    },
  });
  const code = await runSandboxCommand(args, sink, sink);
  return { code, err };
}

describe('secure-ivr sandbox --gateway', () => {
  it.each([
    [['--gateway', 'paypal'], '--gateway must be one of test, stripe, adyen, braintree, generic'],
    [['--gateway', 'adyen', '--validation-url', 'https://127.0.0.1:1/validate'], '--gateway runs inside the built-in service: leave out --validation-url'],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    // Act
    const { code, err } = await run(args);

    // Assess
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('--gateway G');
  });

  it('documents the gateways in --help', async () => {
    // Act
    let out = '';
    const code = await runSandboxCommand(
      ['--help'],
      new Writable({
        write: (chunk: Buffer, _e, done) => {
          out += chunk.toString();
          done();
        },
      }),
      new Writable({ write: (_c, _e, done) => done() }),
    );

    // Assess
    expect(code).toBe(0);
    expect(out).toMatch(/--gateway G +the built-in service's gateway: test \(default/);
    expect(out).toContain('stripe, adyen, braintree, generic');
  });
});
