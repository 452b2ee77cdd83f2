/**
 * The secure-ivr command line: one entry, one module per command, loaded only when used.
 */
const USAGE = `Usage: secure-ivr <command> [options]

Commands:
  sandbox   run the local sandbox (what npm start does)
  call      run one scripted call through the sandbox
  redact    redact card numbers from a chat message or email on stdin
  audit     pull or verify the hash-chained audit trail (compliance)
  outcomes  payment outcomes for a time window as CSV or JSON (finance)
  check-validator  check a validation web service the way the validator calls it (use --ca with the
            sandbox's CA file, printed by npm start)
  doctor    read-only preflight of the target AWS account before the first cdk deploy

Run secure-ivr <command> --help for a command's options.`;

type Command = (argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  sandbox: async () => (await import('./commands/sandbox')).runSandboxCommand,
  call: async () => (await import('./commands/call')).runCallCommand,
  'check-validator': async () => (await import('./commands/check-validator')).runCheckValidatorCommand,
  audit: async () => (await import('./commands/audit')).runAuditCommand,
  outcomes: async () => (await import('./commands/outcomes')).runOutcomesCommand,
  doctor: async () => (await import('./commands/doctor')).runDoctorCommand,
  redact: async () => {
    const { runRedactCommand } = await import('./commands/redact');
    return (argv, out, err) => runRedactCommand(argv, { stdin: process.stdin, stdout: out, stderr: err });
  },
};

/**
 * A reader that closed the pipe (`secure-ivr audit pull | head`) ends the command quietly: the output
 * nobody reads is not an error worth a stack trace.
 */
export function endQuietlyOnClosedPipe(
  stream: NodeJS.WritableStream & { on(event: 'error', listener: (e: NodeJS.ErrnoException) => void): unknown },
  exit: (code: number) => void,
): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') exit(0);
    else throw e;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`secure-ivr: unknown command ${name}\n${USAGE}\n`);
    return 2;
  }
  return (await load())(rest, process.stdout, process.stderr);
}

if (require.main === module || process.argv[1]?.endsWith('secure-ivr.js')) {
  endQuietlyOnClosedPipe(process.stdout, (code) => process.exit(code));
  endQuietlyOnClosedPipe(process.stderr, (code) => process.exit(code));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Engines and SDK keep-alive sockets may linger; the command is finished.
      setTimeout(() => process.exit(code), 50).unref();
    },
    (e: unknown) => {
      process.stderr.write(`secure-ivr: ${e instanceof Error ? e.message : 'failed'}\n`);
      process.exit(1);
    },
  );
}
