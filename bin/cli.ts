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
