/**
 * `npm run soak -- [--calls N] [--concurrency C] [--faults list|all|none] [--seed S] [--deadline-ms D]`:
 * many concurrent calls in a fresh sandbox with faults injected at random (sandbox/faults), then a table of
 * final states, stage times and the must-be-zero checks. Exits 1 when any must-be-zero column is not zero.
 */
import '../sandbox/polyfills';
import { FAULT_KINDS, FaultListError, parseFaultList } from '../sandbox/faults/fault-plan';
import { MUST_BE_ZERO, runSoak, type Percentiles, type SoakReport } from '../sandbox/faults/soak-runner';

const USAGE = `usage: npm run soak -- [--calls N] [--concurrency C] [--faults all|none|<kind,group,...>] [--seed S] [--fault-rate R] [--deadline-ms D] [--telephony chime|connect]
  fault kinds: ${FAULT_KINDS.join(', ')}
  groups: validation, hangup, aws, sma, telephony`;

class SoakArgumentError extends Error {
  public constructor(problem: string) {
    super(`${problem}\n${USAGE}`);
    this.name = 'SoakArgumentError';
  }
}

function parseArgs(argv: string[]): {
  calls: number;
  concurrency: number;
  faults: string;
  seed: number;
  faultRate: number;
  deadlineMs: number;
  telephony: 'chime' | 'connect';
} {
  const out = { calls: 200, concurrency: 50, faults: 'all', seed: 1, faultRate: 0.7, deadlineMs: 5000, telephony: 'chime' as 'chime' | 'connect' };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    if (flag === '--help' || flag === '-h') throw new SoakArgumentError('secure-ivr soak');
    const value = argv[i + 1];
    if (value === undefined) throw new SoakArgumentError(`${flag} needs a value`);
    i += 1;
    const int = (min: number, max: number): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) throw new SoakArgumentError(`${flag} must be a whole number from ${min} to ${max}`);
      return n;
    };
    switch (flag) {
      case '--calls':
        out.calls = int(1, 100_000);
        break;
      case '--concurrency':
        out.concurrency = int(1, 1000);
        break;
      case '--faults':
        out.faults = value;
        break;
      case '--seed':
        out.seed = int(0, 2 ** 31);
        break;
      case '--deadline-ms':
        out.deadlineMs = int(200, 5000);
        break;
      case '--telephony':
        if (value !== 'chime' && value !== 'connect') throw new SoakArgumentError('--telephony must be chime or connect');
        out.telephony = value;
        break;
      case '--fault-rate': {
        const r = Number(value);
        if (!(r >= 0 && r <= 1)) throw new SoakArgumentError('--fault-rate must be between 0 and 1');
        out.faultRate = r;
        break;
      }
      default:
        throw new SoakArgumentError(`unknown option ${flag}`);
    }
  }
  return out;
}

const ms = (n: number): string => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(1) : Math.round(n)}` : '-');
const pct = (p: Percentiles): string => `${ms(p.p50).padStart(7)} ${ms(p.p99).padStart(7)} ${String(p.n).padStart(7)}`;

export function formatReport(r: SoakReport): string {
  const out: string[] = [];
  const states = ['accepted', 'declined', 'unknown', 'aborted', 'failed', 'harness-error'];
  out.push(
    `secure-ivr soak${r.telephony === 'connect' ? ' (Amazon Connect)' : ''}: ${r.calls} calls, ${r.concurrency} at once, seed ${r.seed}, ${(r.wallMs / 1000).toFixed(1)} s`,
  );
  out.push(
    r.deadlineMs === 5000
      ? `(SMA deadline 5000 ms as in AWS — one retry, then the call drops; validator time limit scaled to ${r.validationTimeoutMs} ms)`
      : `(SMA deadline SCALED to ${r.deadlineMs} ms instead of 5000 ms — same semantics: one retry, then the call drops; validator time limit scaled to ${r.validationTimeoutMs} ms)`,
  );
  out.push('');
  out.push(`| fault                     | ${states.map((s) => s.padStart(8)).join(' | ')} |`);
  out.push(`|---------------------------|${states.map(() => '---------:').join('|')}|`);
  const rows = Object.keys(r.byFault).sort();
  for (const f of rows) out.push(`| ${f.padEnd(25)} | ${states.map((s) => String(r.byFault[f]?.[s] ?? 0).padStart(8)).join(' | ')} |`);
  out.push(`| ${'**all calls**'.padEnd(25)} | ${states.map((s) => String(r.byOutcome[s] ?? 0).padStart(8)).join(' | ')} |`);
  out.push('');
  out.push('| stage (ms)       |     p50 |     p99 |       n |');
  out.push('|------------------|--------:|--------:|--------:|');
  for (const [stage, p] of Object.entries(r.stageMs))
    out.push(
      `| ${stage.padEnd(16)} | ${pct(p)
        .split(' ')
        .filter(Boolean)
        .map((v) => v.padStart(7))
        .join(' | ')} |`,
    );
  out.push(
    `| ${'last key→outcome'.padEnd(16)} | ${pct(r.lastKeyToOutcomeMs)
      .split(' ')
      .filter(Boolean)
      .map((v) => v.padStart(7))
      .join(' | ')} |`,
  );
  out.push('');
  out.push(`sessions whose audit records masked card data in the service's details: ${r.detailsMaskedSessions}`);
  out.push(
    `dropped calls: ${r.droppedCalls}; SMA invocation faults: ${JSON.stringify(r.smaInvocationFaults)}; validation faults served: ${JSON.stringify(r.validationFaultsServed)}`,
  );
  out.push('');
  out.push('| must be zero                             | found |');
  out.push('|------------------------------------------|------:|');
  const label: Record<(typeof MUST_BE_ZERO)[number], string> = {
    stuckSessions: 'stuck sessions (RUNNING / task tokens)',
    vaultItemsLeft: 'vault items left',
    incompleteAuditChains: 'sessions with incomplete audit chain',
    cardDigitsFound: 'card data in artifacts (normalised)',
    doubleCharges: 'calls charged twice',
    cardSafetyViolations: 'card prompts agent/recording could hear',
  };
  for (const k of MUST_BE_ZERO) out.push(`| ${label[k].padEnd(40)} | ${String(r[k]).padStart(5)} |`);
  if (r.problems.length > 0) {
    out.push('');
    out.push('problems:');
    for (const p of r.problems) out.push(`  - ${p}`);
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const args = parseArgs(process.argv.slice(2));
  const kinds = parseFaultList(args.faults);
  const step = Math.max(1, Math.floor(args.calls / 20));
  const t0 = Date.now();
  const report = await runSoak({
    calls: args.calls,
    concurrency: args.concurrency,
    kinds,
    seed: args.seed,
    faultRate: args.faultRate,
    deadlineMs: args.deadlineMs,
    telephony: args.telephony,
    progress: (done, total, outcomes) => {
      if (done % step === 0 || done === total)
        process.stderr.write(`[soak] ${done}/${total} calls done ${JSON.stringify(outcomes)} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    },
  });
  process.stdout.write(`${formatReport(report)}\n`);
  const failed = MUST_BE_ZERO.filter((k) => report[k] !== 0);
  if (failed.length > 0) process.stderr.write(`soak FAILED: ${failed.join(', ')} not zero\n`);
  // Leftover sockets of the sandbox engines must not keep the run alive, nor swallow the exit code.
  process.exitCode = failed.length > 0 ? 1 : 0;
  setTimeout(() => process.exit(failed.length > 0 ? 1 : 0), 200);
}

if (require.main === module) {
  void main().catch((err: unknown) => {
    if (err instanceof SoakArgumentError || err instanceof FaultListError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`soak failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
