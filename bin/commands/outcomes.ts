/**
 * `secure-ivr outcomes`: the finance view — one row per secure session in a time window (time, form,
 * workgroup, agent, amount, currency, card brand, last four, outcome, details, transaction id) as CSV, or
 * JSON with totals, acceptance rate, declines by reason and per-day figures.
 * Exit: 0 done; 1 failure; 2 bad usage.
 */
import { parseArgs, one, UsageError, type ParsedArgs } from './args';
import { openSource, progressReporter, SOURCE_OPTIONS, SOURCE_USAGE } from './audit-source';

export const OUTCOMES_USAGE = `Usage: secure-ivr outcomes --from TIME --to TIME [--form ID] [--workgroup NAME] [--agent ID] [--format csv|json] [source]

  --from, --to      UTC window: YYYY-MM-DD (to is inclusive) or ISO 8601 time
  --form, --workgroup, --agent
                    only the sessions of this form, workgroup or agent (as the finance page filters)
  --format          csv (default) or json (records plus summary)
  --quiet           no progress on stderr
source:
${SOURCE_USAGE}`;

export async function runOutcomesCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let args: ParsedArgs;
  let win: { from: Date; to: Date };
  let filter: import('../../lambdas/audit/outcomes').OutcomeFilter;
  try {
    args = parseArgs(argv, {
      ...SOURCE_OPTIONS,
      from: { value: true },
      to: { value: true },
      form: { value: true },
      workgroup: { value: true },
      agent: { value: true },
      format: { value: true },
      quiet: {},
      help: {},
    });
    if (args.flags.has('help')) {
      out.write(`${OUTCOMES_USAGE}\n`);
      return 0;
    }
    if (args.positional.length > 0) throw new UsageError(`unexpected argument ${args.positional[0]}`);
    const format = one(args, 'format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
    const from = one(args, 'from');
    const to = one(args, 'to');
    if (from === undefined || to === undefined) throw new UsageError('--from and --to are required');
    const { parseWindow, parseOutcomeFilter } = await import('../../lambdas/audit/finance-api');
    const parsed = parseWindow(from, to, new Date());
    if ('problem' in parsed) throw new UsageError(parsed.problem.replace(/^(from|to) /, '--$1 '));
    win = parsed;
    const params = new URLSearchParams();
    for (const name of ['form', 'workgroup', 'agent']) {
      const value = one(args, name);
      if (value !== undefined) params.set(name, value);
    }
    const filtered = parseOutcomeFilter(params);
    if ('problems' in filtered) throw new UsageError(filtered.problems.map((p) => `--${p}`).join('; '));
    filter = filtered.filter;
  } catch (e) {
    err.write(`secure-ivr outcomes: ${e instanceof Error ? e.message : 'bad usage'}\n${OUTCOMES_USAGE}\n`);
    return 2;
  }
  let opened: Awaited<ReturnType<typeof openSource>> | undefined;
  try {
    opened = await openSource(args);
    const { readOutcomes, outcomesCsv, summarizeOutcomes, filterOutcomes } = await import('../../lambdas/audit/outcomes');
    const { summarizeCategories } = await import('../../lambdas/audit/outcome-categories');
    const records = filterOutcomes(await readOutcomes(opened.source, win, progressReporter(err, 'reading outcomes', args.flags.has('quiet'))), filter);
    if ((one(args, 'format') ?? 'csv') === 'json')
      out.write(
        `${JSON.stringify({ from: win.from.toISOString(), to: win.to.toISOString(), summary: { ...summarizeOutcomes(records), ...summarizeCategories(records) }, outcomes: records }, null, 2)}\n`,
      );
    else out.write(outcomesCsv(records));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`secure-ivr outcomes: ${e.message}\n${OUTCOMES_USAGE}\n`);
      return 2;
    }
    err.write(
      `secure-ivr outcomes: the outcomes could not be read (${e instanceof Error ? e.name : 'UnknownError'}); check the bucket name, region and credentials\n`,
    );
    return 1;
  } finally {
    await opened?.close();
  }
}
