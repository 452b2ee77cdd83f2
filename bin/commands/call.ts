/**
 * `secure-ivr call`: one whole scripted call through the sandbox. Uses the sandbox already running on
 * the data directory (npm start) when there is one, otherwise starts one in this process.
 *
 * Exit: 0 accepted or declined; 4 outcome unknown (the payment was sent and not confirmed: check with
 * the gateway before taking another payment); 3 aborted because the caller hung up; 2 bad usage
 * (including a request the session refused, such as a missing form field); 1 any other failure.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, one, UsageError } from './args';
import { KEY_PATTERN } from '../../sandbox/sma/caller';
import { exampleFields } from '../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { SESSION_ERROR } from '../../lambdas/shared/session/contract';
import type { CallSummary } from '../../sandbox/scripted-call';

export const CALL_USAGE = `Usage: secure-ivr call --keys "<dtmf>" [--field id=value]... [--form id] [--validation-url URL] [--data-dir DIR] [--telephony chime|connect] [--json]

  --keys            what the caller presses: 0-9 # *; w lets the current prompt time out; h hangs up
  --field id=value  a form field the agent fills in (repeat); fields not given keep the form's example values
  --form id         the secure input form (default card-payment)
  --validation-url  validate against this web service (https://…; http:// only on loopback)
  --data-dir DIR    where the sandbox keeps its state (default ./.sandbox)
  --telephony T     chime (SIP media application, default) or connect (Amazon Connect flow emulator);
                    a running sandbox uses the telephony it was started with
  --json            print one JSON object instead of the result line`;

/** Exit status of a call whose payment was sent but not confirmed. */
export const EXIT_OUTCOME_UNKNOWN = 4;

export function exitCodeFor(summary: Pick<CallSummary, 'outcome' | 'error'>): number {
  if (summary.outcome === 'accepted' || summary.outcome === 'declined') return 0;
  if (summary.outcome === 'unknown') return EXIT_OUTCOME_UNKNOWN;
  if (summary.outcome === 'aborted' && summary.error === SESSION_ERROR.callerHungUp) return 3;
  if (summary.outcome === 'aborted' && summary.error === SESSION_ERROR.requestRefused) return 2;
  return 1;
}

function formExamples(formId: string): Record<string, string> {
  return exampleFields(parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.json'), 'utf8'))), formId);
}

/**
 * The fields of the call: each `--field` over the form's example values (one `--field` does not drop the
 * others). An id the form does not know is a usage error that lists the ones it does.
 */
export function withExamples(examples: Record<string, string>, given: Record<string, string>): Record<string, string> {
  const known = Object.keys(examples);
  const unknown = Object.keys(given).filter((id) => !known.includes(id));
  if (unknown.length > 0 && known.length > 0)
    throw new UsageError(
      `--field: the form has no field ${unknown.map((id) => JSON.stringify(id)).join(', ')}; its fields are ${known.map((id) => JSON.stringify(id)).join(', ')}`,
    );
  return { ...examples, ...given };
}

export async function runCallCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, {
      keys: { value: true },
      field: { value: true, repeat: true },
      form: { value: true },
      'validation-url': { value: true },
      'data-dir': { value: true },
      telephony: { value: true },
      json: {},
      help: {},
    });
    if (args.flags.has('help')) {
      out.write(`${CALL_USAGE}\n`);
      return 0;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const keys = one(args, 'keys');
    if (keys === undefined) throw new UsageError('--keys is required');
    if (!KEY_PATTERN.test(keys)) throw new UsageError('--keys may only hold 0-9 # * w h');
    if (keys.length > 200) throw new UsageError('--keys is limited to 200 keys');
    const fields: Record<string, string> = {};
    for (const pair of args.options.field ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError('--field must look like id=value');
      fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const validationUrl = one(args, 'validation-url');
    if (validationUrl !== undefined) {
      const { validationUrlProblem } = await import('../../lambdas/validator/https-client');
      const problem = validationUrlProblem(validationUrl);
      if (problem) throw new UsageError(`--validation-url is refused: ${problem}`);
    }
    const telephony = one(args, 'telephony') ?? 'chime';
    if (telephony !== 'chime' && telephony !== 'connect') throw new UsageError('--telephony must be chime or connect');
    const formId = one(args, 'form') ?? 'card-payment';
    const dataDir = resolve(one(args, 'data-dir') ?? '.sandbox');
    const request = { keys, formId, fields: withExamples(formExamples(formId), fields) };

    const summary = await runCall(dataDir, request, validationUrl, telephony);
    if (args.flags.has('json')) {
      const { resultLine: _line, error: _error, ...shown } = summary;
      out.write(`${JSON.stringify(shown)}\n`);
    } else if (summary.resultLine) {
      out.write(summary.resultLine.endsWith('\n') ? summary.resultLine : `${summary.resultLine}\n`);
    } else {
      out.write(`${summary.transactionId ?? summary.sessionId}|${summary.outcome}|${summary.details.replace(/\|/g, ' ')}\n`);
    }
    const code = exitCodeFor(summary);
    if (code === 2) err.write(`secure-ivr call: ${summary.details}\n`);
    if (code === EXIT_OUTCOME_UNKNOWN) err.write('secure-ivr call: payment status unknown: check with the gateway before taking another payment\n');
    return code;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`secure-ivr call: ${e.message}\n${CALL_USAGE}\n`);
      return 2;
    }
    err.write(`secure-ivr call: the call could not be run (${e instanceof Error ? `${e.name}: ${e.message}` : 'unknown error'})\n`);
    return 1;
  }
}

async function runCall(
  dataDir: string,
  request: { keys: string; formId: string; fields: Record<string, string> },
  validationUrl: string | undefined,
  telephony: 'chime' | 'connect',
): Promise<CallSummary> {
  const { findRunningSandbox } = await import('../../sandbox/discovery');
  const running = findRunningSandbox(dataDir);
  if (running && validationUrl !== undefined) {
    // Two sandboxes cannot share one data folder's engines; the running one keeps its validation service.
    throw new UsageError(
      `a sandbox (pid ${running.pid}) is running on ${dataDir} and validates against ${running.validationUrl ?? 'its own service'}; ` +
        'drop --validation-url to call through it, use another --data-dir, or restart npm start with --validation-url',
    );
  }
  if (running && (running.telephony ?? 'chime') !== telephony)
    throw new UsageError(
      `the sandbox running on ${dataDir} uses ${running.telephony ?? 'chime'} telephony; stop it or give --telephony ${running.telephony ?? 'chime'}`,
    );
  if (running) {
    const response = await fetch(`${running.apiUrl}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
    const body = (await response.json()) as CallSummary & { problems?: string[] };
    if (!response.ok) throw new UsageError((body.problems ?? ['the sandbox refused the call']).join('; '));
    return body;
  }
  const [{ Sandbox }, { runAnyScriptedCall, summarizeCall }] = await Promise.all([import('../../sandbox/sandbox'), import('../../sandbox/scripted-call')]);
  const sandbox = await Sandbox.start({ storageInChildProcesses: true, dataDir, telephony, ...(validationUrl ? { validationUrl } : {}) });
  try {
    return summarizeCall(await runAnyScriptedCall(sandbox, request));
  } finally {
    await sandbox.close();
  }
}
