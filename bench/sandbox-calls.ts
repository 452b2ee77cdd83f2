/**
 * Whole calls through the sandbox: end-to-end time of one call, the AWS requests one session issues
 * per service (and so its cost), and many concurrent calls with the time from the caller's last key to
 * the outcome being recorded for the agent.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../sandbox/sandbox';
import { runScriptedCall } from '../sandbox/scripted-call';
import { sessionCost, type SessionUsage } from './cost-model';

const KEYS = '4111111111111111#1230#737#';
const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };
/** Memory the CDK stack gives each function (lib/stacks/secure-ivr-stack.ts). */
const MEMORY_MB: Record<string, number> = { sma: 512, begin: 256, getKey: 256, insert: 256, validate: 256, end: 256, abort: 256 };

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

const logBytes = (dir: string): number => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

export interface SandboxBench {
  startMs: number;
  sequential: { calls: number; p50Ms: number; p99Ms: number };
  concurrent: {
    calls: number;
    concurrency: number;
    wallMs: number;
    outcomes: Record<string, number>;
    lastKeyToOutcomeP50Ms: number;
    lastKeyToOutcomeP99Ms: number;
    violations: number;
  };
  perSession: {
    requests: Record<string, number>;
    transitions: number;
    smaInvocations: number;
    stageInvocations: number;
    logBytes: number;
    costUsd: number;
    cost: ReturnType<typeof sessionCost>['lines'];
  };
}

export async function benchSandboxCalls(options: { sequential?: number; concurrent?: number; rampMs?: number; scale?: number } = {}): Promise<SandboxBench> {
  const t0 = Date.now();
  const sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'bench-sandbox-')), ephemeral: true, storageInChildProcesses: true });
  const startMs = Date.now() - t0;
  try {
    for (let i = 0; i < 3; i += 1) await runScriptedCall(sandbox, { keys: KEYS, formId: 'card-payment', fields: FIELDS });

    // One session, counted.
    sandbox.resetCounts();
    const logBefore = logBytes(sandbox.logDir);
    const one = await runScriptedCall(sandbox, { keys: KEYS, formId: 'card-payment', fields: FIELDS });
    const timings = sandbox.stageTimings.map((t) => ({ fn: t.role, ms: t.ms }));
    const smaDurations = one.call.invocations.map((i) => i.durationMs);
    const usage: SessionUsage = {
      requests: sandbox.requestCounts(),
      transitions: sandbox.sfn.transitionCount(),
      // Lambda bills per started millisecond; in-process durations stand in for warm Lambda durations.
      invocations: [
        ...smaDurations.map((ms) => ({ fn: 'sma', memoryMb: MEMORY_MB.sma as number, billedMs: Math.max(1, Math.ceil(ms)) })),
        ...timings.map((t) => ({ fn: t.fn, memoryMb: MEMORY_MB[t.fn] ?? 256, billedMs: Math.max(1, Math.ceil(t.ms)) })),
      ],
      logBytes: logBytes(sandbox.logDir) - logBefore,
    };
    const cost = sessionCost(usage);

    // Sequential calls: end-to-end time of one whole call.
    const sequentialCount = options.sequential ?? 30;
    const seq: number[] = [];
    for (let i = 0; i < sequentialCount; i += 1) {
      const s = Date.now();
      await runScriptedCall(sandbox, { keys: KEYS, formId: 'card-payment', fields: FIELDS });
      seq.push(Date.now() - s);
    }

    // Concurrent calls at a human pace: the emulator runs at a quarter of real time (a call takes about
    // 11 s instead of 45 s) and calls start over a ramp, so that about `concurrent` calls are in progress
    // together, as in a contact center, rather than all keying in the same millisecond.
    const concurrentCount = options.concurrent ?? 200;
    const rampMs = options.rampMs ?? 10_000;
    sandbox.emulator.timing.scale = options.scale ?? 0.25;
    let inFlight = 0;
    let peak = 0;
    const c0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: concurrentCount }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i * rampMs) / concurrentCount));
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          return await runScriptedCall(sandbox, { keys: KEYS, formId: 'card-payment', fields: FIELDS, timeoutMs: 180_000 });
        } finally {
          inFlight -= 1;
        }
      }),
    );
    const wallMs = Date.now() - c0;
    sandbox.emulator.timing.scale = 0;
    const outcomes: Record<string, number> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const lastKey = results.map((r) => r.lastKeyToOutcomeMs ?? Number.NaN).filter(Number.isFinite);

    return {
      startMs,
      sequential: { calls: sequentialCount, p50Ms: percentile(seq, 50), p99Ms: percentile(seq, 99) },
      concurrent: {
        calls: concurrentCount,
        concurrency: peak,
        wallMs,
        outcomes,
        lastKeyToOutcomeP50Ms: percentile(lastKey, 50),
        lastKeyToOutcomeP99Ms: percentile(lastKey, 99),
        violations: results.reduce((n, r) => n + r.call.violations.length, 0),
      },
      perSession: {
        requests: usage.requests,
        transitions: usage.transitions,
        smaInvocations: one.call.invocations.length,
        stageInvocations: timings.length,
        logBytes: usage.logBytes,
        costUsd: cost.totalUsd,
        cost: cost.lines,
      },
    };
  } finally {
    await sandbox.close();
  }
}
