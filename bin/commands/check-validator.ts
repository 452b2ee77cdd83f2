/**
 * `npx secure-ivr check-validator <url> [--ca FILE] [--cert FILE --key FILE] [--card-fields JSON]
 *  [--param NAME=VALUE]… [--max-time MS] [--timeout MS] [--json]`
 *
 * Checks a validation web service against the secure-ivr XML contract before any real call reaches it
 * (lambdas/validator/conformance.ts does the work). Progress goes to stderr, one line per check as it is
 * decided; the summary (or JSON with --json) goes to stdout. Exit codes: 0 every check passed, 1 a check
 * failed or could not run, 2 bad usage or unreadable files.
 */
import { readFile } from 'node:fs/promises';
import { parseCardFieldNames } from '../../lambdas/validator/card-field-names';
import {
  CHECKS,
  CONFORMANCE_TEST_CARD,
  DEFAULT_MAX_REPLY_MS,
  DEFAULT_PROBE_TIMEOUT_MS,
  type CheckResult,
  type ConformanceOptions,
  runConformance,
} from '../../lambdas/validator/conformance';
import type { SubmissionParam } from '../../lambdas/validator/xml-contract';
import { one, parseArgs, UsageError } from './args';

const SPEC = {
  ca: { value: true },
  cert: { value: true },
  key: { value: true },
  'card-fields': { value: true },
  param: { value: true, repeat: true },
  'max-time': { value: true },
  timeout: { value: true },
  json: {},
  help: {},
} as const;

function usage(): string {
  const checks = CHECKS.map((c, i) => `  ${String(i + 1).padStart(2)}. ${c.title} [${c.id}]\n      ${c.requirement}`).join('\n');
  return `Usage: secure-ivr check-validator <url> [options]

Sends a documented series of test submissions to a validation web service and reports, per check,
pass or fail with the reason. It checks the secure-ivr XML contract, not the outcomes: your service may
accept or decline the test card. Exit status 0 only when every check passes.

Options:
  --ca FILE            extra trusted CA certificates (PEM) for a service with a private CA
  --cert FILE          client certificate (PEM) for a service that requires mutual TLS (with --key)
  --key FILE           client private key (PEM)
  --card-fields JSON   param names of the card fields, as the validator's CARD_FIELD_NAMES
                       (default {"pan":"card number","exp":"expiry date","cvv":"security code"})
  --param NAME=VALUE   an extra form param sent with every submission (repeatable)
  --max-time MS        longest acceptable reply time (default ${DEFAULT_MAX_REPLY_MS})
  --timeout MS         give up on a reply after this long (default ${DEFAULT_PROBE_TIMEOUT_MS})
  --json               print the report as JSON on stdout
  --help               this text

Submissions (4, each with its own Idempotency-Key unless said otherwise):
  1. standard: customer name, amount 1.00, currency USD, your --param values, then the card fields:
     ${CONFORMANCE_TEST_CARD.pan} (the well-known test number, never a real card), expiry December two
     years ahead (MMYY), security code ${CONFORMANCE_TEST_CARD.cvv}
  2. the standard one plus an unknown param
  3. the standard one with a customer name that needs escaping: O'Brien & <Sons> "Ltd"
  4. submission 1 again with the same Idempotency-Key

Checks:
${checks}
`;
}

function whole(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}`);
  return n;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read the ${what} file ${path}`);
  }
}

async function optionsFrom(argv: string[]): Promise<{ options: ConformanceOptions; json: boolean } | 'help'> {
  const args = parseArgs(argv, SPEC);
  if (args.flags.has('help')) return 'help';
  if (args.positional.length !== 1) throw new UsageError('give exactly one validation service URL');
  const url = args.positional[0] as string;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError('the URL must be an absolute https:// URL');
  const certPath = one(args, 'cert');
  const keyPath = one(args, 'key');
  if ((certPath === undefined) !== (keyPath === undefined)) throw new UsageError('--cert and --key go together');
  const caPath = one(args, 'ca');
  const fields = parseCardFieldNames(one(args, 'card-fields'), '--card-fields');
  if (!fields.ok) throw new UsageError(fields.problem);
  const extraParams: SubmissionParam[] = (args.options.param ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError('--param must be NAME=VALUE');
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
  const options: ConformanceOptions = {
    url,
    cardFieldNames: fields.names,
    extraParams,
    maxReplyMs: whole(one(args, 'max-time'), 'max-time', DEFAULT_MAX_REPLY_MS, 1, 60_000),
    probeTimeoutMs: whole(one(args, 'timeout'), 'timeout', DEFAULT_PROBE_TIMEOUT_MS, 100, 120_000),
    ...(caPath === undefined ? {} : { caPem: await readPem(caPath, 'CA') }),
    ...(certPath === undefined || keyPath === undefined
      ? {}
      : { clientCertPem: await readPem(certPath, 'certificate'), clientKeyPem: await readPem(keyPath, 'key') }),
  };
  return { options, json: args.flags.has('json') };
}

const MARK: Record<CheckResult['status'], string> = { pass: 'ok', fail: 'FAIL', skip: 'skipped' };

export async function runCheckValidatorCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let parsed: Awaited<ReturnType<typeof optionsFrom>>;
  try {
    parsed = await optionsFrom(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`secure-ivr check-validator: ${e.message}\nRun secure-ivr check-validator --help for the options.\n`);
    return 2;
  }
  if (parsed === 'help') {
    out.write(usage());
    return 0;
  }
  const { options, json } = parsed;
  err.write(`checking ${options.url} (${CHECKS.length} checks)\n`);
  const report = await runConformance({
    ...options,
    onResult: (result, index, total) =>
      err.write(`[${index}/${total}] ${result.title} … ${MARK[result.status]}${result.status === 'pass' ? '' : `: ${result.reason}`}\n`),
  });
  const failed = report.checks.filter((c) => c.status !== 'pass');
  if (json) out.write(`${JSON.stringify({ url: options.url, passed: report.passed, checks: report.checks }, null, 2)}\n`);
  else {
    const width = Math.max(...report.checks.map((c) => c.title.length));
    for (const c of report.checks) out.write(`${MARK[c.status].padEnd(7)} ${c.title.padEnd(width)}  ${c.reason}\n`);
    out.write(
      report.passed
        ? `\nall ${report.checks.length} checks passed\n`
        : `\n${failed.length} of ${report.checks.length} checks did not pass: ${failed.map((c) => c.id).join(', ')}\n`,
    );
  }
  return report.passed ? 0 : 1;
}
