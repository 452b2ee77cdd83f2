/**
 * The reliability soak: many concurrent calls through a fresh sandbox with faults injected at random
 * (see fault-plan.ts), then the checks an on-call engineer and an assessor care about once everything has
 * settled — no workflow still running or waiting on a task token, no vault item left, every session's audit
 * chain complete and intact, no card digits in any artifact, no card prompt the agent or the recording
 * could hear. Used by `npm run soak` (bench/soak.ts) and the bounded soak in test/soak.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_BUCKET, Sandbox, VAULT_TABLE, type CallResult } from '../sandbox';
import { ScriptedCaller } from '../sma/caller';
import type { EmulatedCall, EmulatorFaults } from '../sma/emulator';
import { collectArtifacts, findSentinels } from '../../test/helpers/leak-scan';
import { readStoredOutcomes, readStoredRecords, s3ObjectSource } from '../../lambdas/audit/audit-reader';
import { verifyOutcomeBindings } from '../../lambdas/audit/outcome-binding';
import { streamOf, verifyStreams, type AuditRecord } from '../../lambdas/audit/hash-chain';
import { startFaultyValidationServer, type RequestFault } from './faulty-validation-server';
import { planCalls, SOAK_CARDS, SOAK_CVV, SOAK_CVV_AMEX, SOAK_EXPIRY, type CallPlan, type FaultKind } from './fault-plan';
import { seededRandom } from './seeded-random';
import { isTombstone } from '../../lambdas/shared/vault';

export interface SoakOptions {
  calls?: number;
  concurrency?: number;
  kinds: readonly FaultKind[];
  seed?: number;
  /** Share of calls that meet a fault. @default 0.7 */
  faultRate?: number;
  /** The SMA deadline in real ms (AWS: 5000); the slow-handler fault answers just after it. @default 5000 */
  deadlineMs?: number;
  /** The validator's time limit (VALIDATION_TIMEOUT_MS); the slow-service fault answers after it. @default 1000 */
  validationTimeoutMs?: number;
  /** How long to wait for workflows to finish after the last call. @default 30000 */
  settleMs?: number;
  /** Called after each call with the count done so far. */
  progress?: (done: number, total: number, outcomes: Record<string, number>) => void;
  /** Keep the sandbox data directory here. @default a new temp dir */
  dataDir?: string;
  /** The telephony the calls run on. @default 'chime' */
  telephony?: 'chime' | 'connect';
}

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
}

export interface SoakReport {
  /** The telephony the calls ran on (absent: chime). */
  telephony?: 'chime' | 'connect';
  calls: number;
  concurrency: number;
  seed: number;
  wallMs: number;
  deadlineMs: number;
  validationTimeoutMs: number;
  /** Final state of each call's session: accepted | declined | unknown | aborted | failed (workflow failed). */
  byOutcome: Record<string, number>;
  /** Fault kind → outcome → calls. */
  byFault: Record<string, Record<string, number>>;
  /** Calls the emulator dropped (the handler missed the deadline twice). */
  droppedCalls: number;
  /** SMA invocation faults that happened: injected slow / duplicate, natural deadline misses. */
  smaInvocationFaults: Record<string, number>;
  /** Faults the validation service served. */
  validationFaultsServed: Record<string, number>;
  /** Time per stage handler and for SMA invocations, in ms. */
  stageMs: Record<string, Percentiles>;
  lastKeyToOutcomeMs: Percentiles;
  /** Must all be zero. */
  stuckSessions: number;
  vaultItemsLeft: number;
  incompleteAuditChains: number;
  /** Sentinel card data found in any artifact, normalised (any separators, digits of any script, references). */
  cardDigitsFound: number;
  /** Sessions whose audit trail records that the validator masked card data in the service's details. */
  detailsMaskedSessions: number;
  /** Calls whose card the gateway approved more than once (a payment charged twice). */
  doubleCharges: number;
  /** Card prompts or key presses the agent or the recording could hear. */
  cardSafetyViolations: number;
  /** Details behind the non-zero must-be-zero columns (bounded). */
  problems: string[];
}

export const MUST_BE_ZERO = ['stuckSessions', 'vaultItemsLeft', 'incompleteAuditChains', 'cardDigitsFound', 'doubleCharges', 'cardSafetyViolations'] as const;

export const percentiles = (values: number[]): Percentiles => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number);
  return { n: sorted.length, p50: at(50), p99: at(99) };
};

const FIELDS = (account: string): Record<string, string> => ({
  'customer name': 'Soak Caller',
  'customer account': account,
  'charge amount': '14.55',
  currency: 'USD',
});
const ACCOUNT_PARAM = /<param name="customer account" value="([A-Za-z0-9-]+)"\/>/;
const CARD_SAFETY = /digits requested while|key was pressed while/;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() => clearTimeout(timer));
}

function sessionIdOf(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as { sessionId?: unknown; session?: { sessionId?: unknown } };
  if (typeof p.session?.sessionId === 'string') return p.session.sessionId;
  return typeof p.sessionId === 'string' ? p.sessionId : undefined;
}

const HOOKED_ROLES = ['begin', 'getKey', 'insert', 'validate', 'end', 'abort'] as const;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const calls = options.calls ?? 200;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 50, calls));
  const seed = options.seed ?? 1;
  const deadlineMs = options.deadlineMs ?? 5000;
  const validationTimeoutMs = options.validationTimeoutMs ?? 1000;
  // SMA invocation faults have no Connect counterpart (see sandbox/connect/soak-call.ts).
  const kinds = options.telephony === 'connect' ? options.kinds.filter((k) => k !== 'sma-duplicate' && k !== 'sma-slow') : options.kinds;
  const plans = planCalls({ calls, seed, kinds, ...(options.faultRate !== undefined ? { faultRate: options.faultRate } : {}) });
  const byAccount = new Map(plans.map((p) => [p.account, p]));
  const rnd = seededRandom(seed ^ 0x5eed);

  const requestFault = (plan: CallPlan | undefined): RequestFault | undefined => {
    switch (plan?.fault) {
      case 'validation-500':
        return { kind: 'http-500' };
      case 'validation-timeout':
        return { kind: 'slow' };
      case 'validation-malformed':
        return plan.malformed ? { kind: 'malformed', variant: plan.malformed } : undefined;
      case 'validation-reset':
        return { kind: 'reset' };
      case 'validation-echo-disguised':
        return plan.echo ? { kind: 'echo-disguised', disguise: plan.echo } : undefined;
      default:
        return undefined;
    }
  };
  const service = await startFaultyValidationServer({
    faultFor: ({ body }) => requestFault(byAccount.get(ACCOUNT_PARAM.exec(body)?.[1] ?? '')),
    slowMs: validationTimeoutMs + 1000,
    closeConnections: options.kinds.includes('validation-tls'),
  });

  const savedEnv = { timeout: process.env.VALIDATION_TIMEOUT_MS, connect: process.env.VALIDATION_CONNECT_TIMEOUT_MS };
  process.env.VALIDATION_TIMEOUT_MS = String(validationTimeoutMs);
  process.env.VALIDATION_CONNECT_TIMEOUT_MS = String(Math.min(500, validationTimeoutMs));
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'soak-sandbox-'));
  const sandbox = await Sandbox.start({
    dataDir,
    ephemeral: true,
    validationUrl: service.url,
    validationCaPem: service.caPem,
    telephony: options.telephony ?? 'chime',
  });
  const { runPlannedConnectCall } = await import('../connect/soak-call');
  const started = Date.now();
  try {
    sandbox.emulator.deadlineMs = deadlineMs;
    // One hook per role dispatches to the hook of the session the payload belongs to.
    const sessionHooks = new Map<string, () => Promise<void>>();
    for (const role of HOOKED_ROLES) {
      sandbox.stageHooks.set(role, async (payload) => {
        const id = sessionIdOf(payload);
        const hook = id ? sessionHooks.get(`${role}:${id}`) : undefined;
        if (hook) {
          sessionHooks.delete(`${role}:${id}`);
          await hook();
        }
      });
    }

    const results: Array<{
      plan: CallPlan;
      result: Omit<CallResult, 'call' | 'executionArn'> | undefined;
      error?: string;
      sessionId: string;
      call?: EmulatedCall;
    }> = [];
    const outcomes: Record<string, number> = {};
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < plans.length) {
        const plan = plans[next] as CallPlan;
        next += 1;
        const sessionId = randomUUID();
        const armTls = (): void => service.armConnectionFault('tls-wrong-cert', 3);
        const planned = sandbox.connect
          ? runPlannedConnectCall(sandbox, plan, sessionId, sessionHooks, { fields: FIELDS(plan.account), armTls }).then((r) => ({
              result: r.result,
              call: undefined,
            }))
          : runPlannedCall(sandbox, plan, sessionId, sessionHooks, { deadlineMs, random: () => rnd.next(), armTls });
        const ran = await planned.catch((err: unknown) => ({ result: undefined, call: undefined, error: err instanceof Error ? err.message : String(err) }));
        results.push({ plan, sessionId, ...ran });
        const state = ran.result?.outcome ?? 'harness-error';
        outcomes[state] = (outcomes[state] ?? 0) + 1;
        options.progress?.(results.length, plans.length, outcomes);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));

    // Settle: every workflow finished and no task token waiting, within a bound.
    const settleBy = Date.now() + (options.settleMs ?? 30_000);
    while ((sandbox.sfn.runningCount() > 0 || sandbox.sfn.pendingTaskTokens() > 0) && Date.now() < settleBy) await sleep(100);
    for (const call of sandbox.emulator.activeCalls()) await withTimeout(call.hangUpCaller(), 5000);
    for (const contact of sandbox.connect?.emulator.activeContacts() ?? []) contact.hangUpCaller();
    await sandbox.recorder?.flush();
    const wallMs = Date.now() - started;
    const problems: string[] = [];

    const bySession = new Map(
      results.map((r) => [
        r.sessionId,
        `${r.plan.fault} → ${r.result?.outcome ?? 'harness-error'}${r.result?.error ? ` (${r.result.error})` : ''}${r.call && r.call.injected.length > 0 ? `, SMA retries: ${r.call.injected.join(' ')}` : ''}`,
      ]),
    );
    const running = sandbox.sfn.executions().filter((e) => e.status === 'RUNNING');
    const stuckSessions = running.length + sandbox.sfn.pendingTaskTokens();
    for (const e of running.slice(0, 10)) problems.push(`stuck: execution ${e.name} still RUNNING`);

    // End and Abort leave tombstones (no card data) that refuse late seals; anything else is left card data.
    const vault = (await sandbox.dynamo.scanAll(VAULT_TABLE)).filter((item) => !isTombstone(item));
    for (const item of vault.slice(0, 20))
      problems.push(
        `vault item left for session ${item.sessionId?.S ?? '?'} (attributes ${Object.keys(item).sort().join(' ')}): ${bySession.get(item.sessionId?.S ?? '') ?? 'unknown'}`,
      );

    const incomplete = await auditProblems(
      results.filter((r) => r.result !== undefined).map((r) => r.sessionId),
      started,
    );
    problems.push(...incomplete.details.slice(0, 20).map((d) => `${d.text}: ${bySession.get(d.sessionId) ?? 'unknown'}`));

    const allCalls = sandbox.emulator.allCalls();
    const artifacts = await collectArtifacts(
      sandbox,
      allCalls,
      // What the agent received, without the harness's own measurements: a latency of 737 ms is not the
      // security code 737, and the scan reads short sentinels as whole values.
      results.map((r) => (r.result ? { ...r.result, call: undefined, lastKeyToOutcomeMs: undefined } : { error: r.error })),
    );
    const hits = findSentinels(artifacts, { long: Object.values(SOAK_CARDS), short: [SOAK_EXPIRY, SOAK_CVV, SOAK_CVV_AMEX] });
    problems.push(...hits.slice(0, 10).map((h) => `card data: ${h}`));

    const chargesPerAccount = new Map<string, number>();
    for (const charge of service.charges()) chargesPerAccount.set(charge.account, (chargesPerAccount.get(charge.account) ?? 0) + 1);
    const doubleCharged = [...chargesPerAccount.entries()].filter(([, n]) => n > 1);
    problems.push(...doubleCharged.slice(0, 10).map(([account, n]) => `double charge: ${account} approved ${n} times`));

    const violations = [
      ...allCalls.flatMap((c) => c.violations.filter((v) => CARD_SAFETY.test(v)).map((v) => `${c.transactionId}: ${v}`)),
      // Every violation the Connect emulator records is about card safety (prompts, keys, logging).
      ...(sandbox.connect?.emulator.contacts() ?? []).flatMap((c) => c.violations.map((v) => `${c.initialContactId}: ${v}`)),
    ];
    problems.push(...violations.slice(0, 10));
    for (const r of results.filter((x) => x.result === undefined).slice(0, 10))
      problems.push(`call ${r.plan.index} (${r.plan.fault}) did not complete: ${r.error ?? 'unknown'}`);

    const byFault: Record<string, Record<string, number>> = {};
    for (const r of results) {
      const row = (byFault[r.plan.fault] ??= {});
      const state = r.result?.outcome ?? 'harness-error';
      row[state] = (row[state] ?? 0) + 1;
    }
    const smaInvocationFaults: Record<string, number> = {};
    for (const c of allCalls) for (const f of c.injected) smaInvocationFaults[f] = (smaInvocationFaults[f] ?? 0) + 1;
    const stageMs: Record<string, Percentiles> = {};
    for (const role of HOOKED_ROLES) stageMs[role] = percentiles(sandbox.stageTimings.filter((t) => t.role === role).map((t) => t.ms));
    stageMs.smaHandler = percentiles(allCalls.flatMap((c) => c.invocations.filter((i) => i.error === undefined).map((i) => i.durationMs)));

    return {
      ...(sandbox.connect ? { telephony: 'connect' as const } : {}),
      calls,
      concurrency,
      seed,
      wallMs,
      deadlineMs,
      validationTimeoutMs,
      byOutcome: outcomes,
      byFault,
      droppedCalls: allCalls.filter((c) => c.status === 'dropped').length,
      smaInvocationFaults,
      validationFaultsServed: service.served(),
      stageMs,
      lastKeyToOutcomeMs: percentiles(results.map((r) => r.result?.lastKeyToOutcomeMs ?? Number.NaN)),
      stuckSessions,
      vaultItemsLeft: vault.length,
      incompleteAuditChains: incomplete.count,
      cardDigitsFound: hits.length,
      doubleCharges: doubleCharged.length,
      detailsMaskedSessions: incomplete.detailsMasked,
      cardSafetyViolations: violations.length,
      problems,
    };
  } finally {
    sandbox.stageHooks.clear();
    await sandbox.close();
    await service.close();
    // A temp directory made here goes with the run; a given one is kept for inspection.
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    for (const [key, value] of [
      ['VALIDATION_TIMEOUT_MS', savedEnv.timeout],
      ['VALIDATION_CONNECT_TIMEOUT_MS', savedEnv.connect],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** One call as the plan says: stage hooks and emulator faults for this call only, then the session. */
async function runPlannedCall(
  sandbox: Sandbox,
  plan: CallPlan,
  sessionId: string,
  hooks: Map<string, () => Promise<void>>,
  ctx: { deadlineMs: number; random: () => number; armTls: () => void },
): Promise<{ result: CallResult; call: EmulatedCall }> {
  const timeoutMs = 120_000;
  const faults: EmulatorFaults = { random: ctx.random };
  if (plan.fault === 'sma-duplicate') faults.duplicateInvocationRate = 0.3;
  if (plan.fault === 'sma-slow') Object.assign(faults, { slowInvocationRate: 0.15, handlerDelayMs: ctx.deadlineMs + 200 });
  if (plan.fault === 'recording-pause-fails') faults.pauseRecordingFails = true;
  if (plan.fault === 'agent-no-answer') faults.agentNoAnswerOnRebridge = true;
  const call = await sandbox.emulator.placeCall(new ScriptedCaller(plan.keys), undefined, undefined, faults);
  await call.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on', timeoutMs);

  const hangUp = async (): Promise<void> => {
    await withTimeout(call.hangUpCaller(), 5000);
  };
  const hang: Partial<Record<FaultKind, string>> = { 'hangup-begin': 'begin', 'hangup-insert': 'insert', 'hangup-validate': 'validate', 'hangup-end': 'end' };
  const hangRole = hang[plan.fault as FaultKind];
  if (hangRole) hooks.set(`${hangRole}:${sessionId}`, hangUp);
  if (plan.fault === 'validation-tls') hooks.set(`validate:${sessionId}`, async () => ctx.armTls());
  if (plan.aws) {
    const { operation, count, errorType, stage } = plan.aws;
    const engine = operation.startsWith('kms:') ? sandbox.kms : sandbox.dynamo;
    hooks.set(`${stage}:${sessionId}`, async () => engine.injectFault(operation, count, errorType));
  }
  try {
    const { executionArn } = await sandbox.requestSession(call, { formId: 'card-payment', fields: FIELDS(plan.account) }, sessionId);
    const ended = await sandbox.sessionOutcome(executionArn, timeoutMs);
    const outcomeAt = Date.now();
    const lastKey = call.lastKeyAt;
    await call.waitFor((c) => c.status !== 'active' || c.attributes.stage === 'bridged' || c.attributes.stage === 'ended', 30_000).catch(() => undefined);
    if (call.status === 'active') await withTimeout(call.hangUpCaller(), 5000);
    await withTimeout(call.ended(), 10_000);
    return {
      call,
      result: {
        ...ended,
        sessionId: ended.sessionId || sessionId,
        executionArn,
        call,
        ...(lastKey !== undefined ? { lastKeyToOutcomeMs: outcomeAt - lastKey } : {}),
      },
    };
  } finally {
    for (const role of HOOKED_ROLES) hooks.delete(`${role}:${sessionId}`);
  }
}

/**
 * Sessions whose audit trail is not whole: the verifier's findings (gaps, broken links, altered records,
 * a stream without its closing event, an outcome record its final event does not bind) plus sessions with
 * no stream at all or without `data.destroyed`.
 */
function lastType(stored: Array<{ stream: string; seq: number; text: string }>, stream: string): string {
  const last = stored.filter((s) => s.stream === stream).sort((a, b) => b.seq - a.seq)[0];
  try {
    return last ? (JSON.parse(last.text) as AuditRecord).event.type : 'nothing';
  } catch {
    return 'an unreadable record';
  }
}

async function auditProblems(
  sessionIds: string[],
  since: number,
): Promise<{ count: number; details: Array<{ sessionId: string; text: string }>; detailsMasked: number }> {
  const { s3Client } = await import('../../lambdas/shared/clients');
  const source = s3ObjectSource(await s3Client(), AUDIT_BUCKET);
  const window = { from: new Date(since - 3600_000), to: new Date(Date.now() + 60_000) };
  const stored = await readStoredRecords(source, window);
  const report = verifyStreams(stored, { now: new Date(Date.now() + 24 * 3600_000), openGraceMs: 0 });
  // Each finished session's outcome record must be the one its final event binds (edited, missing, extra or doubled records).
  const outcomes = await readStoredOutcomes(source, window);
  report.findings.push(...verifyOutcomeBindings(stored, outcomes, { allStreams: new Set(stored.map((r) => r.stream)), window }));
  const bad = new Map<string, string>();
  for (const f of report.findings)
    if (!bad.has(f.stream))
      bad.set(f.stream, `audit chain of ${f.stream}: ${f.kind} at ${f.seq}${f.kind === 'incomplete' ? ` after ${lastType(stored, f.stream)}` : ''}`);
  const types = new Map<string, Set<string>>();
  let detailsMasked = 0;
  for (const s of stored) {
    try {
      const r = JSON.parse(s.text) as AuditRecord;
      if (r.event.type === 'submitted' && Number(r.event.details?.detailsMasked ?? 0) > 0) detailsMasked += 1;
      const set = types.get(s.stream) ?? new Set<string>();
      set.add(r.event.type);
      types.set(s.stream, set);
    } catch {
      // Reported by the verifier as unreadable.
    }
  }
  for (const id of sessionIds) {
    const stream = streamOf({ sessionId: id });
    const seen = types.get(stream);
    if (!seen) bad.set(stream, `audit chain of ${stream}: no events`);
    else if (!seen.has('data.destroyed') && !bad.has(stream)) bad.set(stream, `audit chain of ${stream}: no data.destroyed event`);
  }
  return { count: bad.size, details: [...bad.entries()].map(([stream, text]) => ({ sessionId: stream, text })), detailsMasked };
}
