/**
 * Whole calls through the sandbox: end-to-end time of one call, the AWS requests one session issues
 * per service (and so its cost), and many concurrent calls with, per call, the time from the caller's
 * last key to the outcome reaching the agent (the End stage's `session.outcome` push), the validation
 * service's own time for that call (its request received → reply sent), and the difference.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { agentTopic, PUSH_ENV } from '../lambdas/agent-api/push-sink';
import type { AgentPush } from '../lambdas/agent-api/push';
import { documentClient } from '../lambdas/shared/clients';
import { STATE } from '../lambdas/shared/session/contract';
import { AGENT_CONNECTIONS_TABLE, Sandbox } from '../sandbox/sandbox';
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

/** p50 / p95 / p99 of one series, in ms. */
export interface Spread {
  p50: number;
  p95: number;
  p99: number;
}

const spread = (values: number[]): Spread => ({ p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) });

/** One concurrent call's timings (ms), for anyone who wants more than percentiles. */
export interface CallLatency {
  /** Caller's last key → the `session.outcome` push reaching the agent's hub. */
  lastKeyToAgentMs: number;
  /** The validation service's own time for this call's request(s): request received → reply sent. */
  validationMs: number;
}

/** The machine the figures were taken on, so a reader can judge them. */
export interface MachineLoad {
  cpus: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export interface SandboxBench {
  startMs: number;
  machine: MachineLoad;
  sequential: { calls: number; p50Ms: number; p99Ms: number };
  concurrent: {
    calls: number;
    concurrency: number;
    wallMs: number;
    outcomes: Record<string, number>;
    /** Calls for which every figure was recorded (the others are counted, not guessed). */
    measured: number;
    /** Caller's last key → outcome at the agent, validation service included. */
    lastKeyToAgent: Spread;
    /** The validation service's own time per call. */
    validation: Spread;
    /** Per call: last key → outcome at the agent minus that call's validation service time. */
    lastKeyToAgentExcludingValidation: Spread;
    /** Caller's last key → the workflow's end (End stage done: audit and finance records written). */
    lastKeyToWorkflowEnd: Spread;
    /** The concurrent phase on the monotonic clock (µs, as CPU profiles' timestamps): to cut a profile to it. */
    monotonicWindowUs: [number, number];
    /**
     * Where the time after the last key goes, p50 / p99 per segment (from the execution's history):
     * last key → capture task done (SendTaskSuccess) → InfoInsert → Validate → End started → outcome at agent.
     */
    segments: Record<string, Spread>;
    /** CPU time of the sandbox and its engine processes over the concurrent phase, per call (ms). */
    cpuMsPerCall: { sandbox: number; engines: number };
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

/** CPU time (user + system, ms) of this process's children: the sandbox's engine processes. */
function childrenCpuMs(): number {
  const tick = 10; // USER_HZ is 100 on Linux.
  let total = 0;
  try {
    const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const pid of children) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    }
  } catch {
    return Number.NaN;
  }
  return total;
}

const ownCpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Times each request the validation service on `port` serves, keyed by its Idempotency-Key (the
 * session's transaction id): received (headers read) → reply sent (the response's last byte handed to
 * the socket). Uses Node's HTTP server diagnostics channels, so the service itself is not changed.
 */
function timeValidationRequests(port: number): { byKey: Map<string, number>; stop: () => void } {
  const byKey = new Map<string, number>();
  const started = new WeakMap<IncomingMessage, number>();
  type Message = { request: IncomingMessage; response: ServerResponse; socket: Socket };
  const onStart = (m: unknown): void => {
    const { request, socket } = m as Message;
    if (socket.localPort === port) started.set(request, performance.now());
  };
  const onFinish = (m: unknown): void => {
    const { request } = m as Message;
    const at = started.get(request);
    const key = request.headers['idempotency-key'];
    if (at === undefined || typeof key !== 'string') return;
    byKey.set(key, (byKey.get(key) ?? 0) + (performance.now() - at));
  };
  subscribe('http.server.request.start', onStart);
  subscribe('http.server.response.finish', onFinish);
  return {
    byKey,
    stop: () => {
      unsubscribe('http.server.request.start', onStart);
      unsubscribe('http.server.response.finish', onFinish);
    },
  };
}

/**
 * Stands in for API Gateway's Management API on loopback: the End stage's push sink (the deployed websocket
 * publisher) posts each message for the agent's one connection here, and the time each session's outcome
 * arrives is noted.
 */
class OutcomeArrivals {
  public readonly at = new Map<string, number>();
  public readonly connectionId = 'bench-agent-connection=';
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentPush;
      if (message.type === 'session.outcome' && !this.at.has(message.sessionId)) this.at.set(message.sessionId, Date.now());
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    });
  });

  public async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export async function benchSandboxCalls(options: { sequential?: number; concurrent?: number; rampMs?: number; scale?: number } = {}): Promise<SandboxBench> {
  // The agent's live view is on, as when the console runs: the End stage pushes the outcome through the
  // deployed publisher (session owner and connections read from DynamoDB, then PostToConnection).
  const arrivals = new OutcomeArrivals();
  Object.assign(process.env, {
    [PUSH_ENV.target]: 'websocket',
    [PUSH_ENV.connectionsTable]: AGENT_CONNECTIONS_TABLE,
    [PUSH_ENV.managementEndpoint]: await arrivals.start(),
  });
  const t0 = Date.now();
  const sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'bench-sandbox-')), ephemeral: true, storageInChildProcesses: true });
  const startMs = Date.now() - t0;
  try {
    // The scripted calls' agent has one open console connection.
    await (await documentClient()).send(
      new PutCommand({ TableName: AGENT_CONNECTIONS_TABLE, Item: { sessionId: agentTopic('agent-sandbox'), connections: new Set([arrivals.connectionId]) } }),
    );
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

    // Concurrent calls at a person's pace: the emulator runs in real time (prompts as long as they are
    // spoken, about 300 ms per key; a call takes about 45 s) and the calls start over a ramp as long as
    // one call, so that at the peak all of them are in progress together, as in a contact center, rather
    // than all keying in the same millisecond. `scale` below 1 compresses the calls (a stress figure).
    const concurrentCount = options.concurrent ?? 200;
    const scale = options.scale ?? 1;
    const rampMs = options.rampMs ?? 40_000 * scale;
    sandbox.emulator.timing.scale = scale;
    const validationTimes = sandbox.validation ? timeValidationRequests(sandbox.validation.port) : undefined;
    let inFlight = 0;
    let peak = 0;
    const loadAverageBefore = loadavg();
    const cpu0 = { own: ownCpuMs(), engines: childrenCpuMs() };
    const c0 = Date.now();
    const m0 = Number(process.hrtime.bigint() / 1000n);
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
    const monotonicWindowUs: [number, number] = [m0, Number(process.hrtime.bigint() / 1000n)];
    const cpuMsPerCall = {
      sandbox: (ownCpuMs() - cpu0.own) / concurrentCount,
      engines: (childrenCpuMs() - cpu0.engines) / concurrentCount,
    };
    const loadAverageAfter = loadavg();
    validationTimes?.stop();
    sandbox.emulator.timing.scale = 0;
    const outcomes: Record<string, number> = {};
    for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    const latencies: CallLatency[] = [];
    for (const r of results) {
      const lastKey = r.call.lastKeyAt;
      const atAgent = arrivals.at.get(r.sessionId);
      const validationMs = r.transactionId ? validationTimes?.byKey.get(r.transactionId) : undefined;
      if (lastKey === undefined || atAgent === undefined || validationMs === undefined) continue;
      latencies.push({ lastKeyToAgentMs: atAgent - lastKey, validationMs });
    }
    const segmentNames = ['last key → capture done', 'capture done → validate starts', 'validate', 'validate done → end starts', 'end starts → agent'];
    const segmentValues: number[][] = segmentNames.map(() => []);
    for (const r of results) {
      const lastKey = r.call.lastKeyAt;
      const atAgent = arrivals.at.get(r.sessionId);
      if (lastKey === undefined || atAgent === undefined) continue;
      const history = sandbox.sfn.history(r.executionArn);
      const at = (type: string, state: string): number | undefined => history.find((e) => e.type === type && e.stateName === state)?.timestamp;
      const points = [
        lastKey,
        at('TaskSucceeded', STATE.getKey),
        at('TaskScheduled', STATE.validate),
        at('TaskSucceeded', STATE.validate),
        at('TaskScheduled', STATE.end),
        atAgent,
      ];
      if (points.some((p) => p === undefined)) continue;
      for (let i = 0; i < segmentNames.length; i += 1) segmentValues[i]?.push((points[i + 1] as number) - (points[i] as number));
    }
    const segments = Object.fromEntries(segmentNames.map((name, i) => [name, spread(segmentValues[i] ?? [])]));
    const workflowEnd = results.map((r) => r.lastKeyToOutcomeMs ?? Number.NaN).filter(Number.isFinite);

    return {
      startMs,
      machine: { cpus: cpus().length, loadAverageBefore, loadAverageAfter },
      sequential: { calls: sequentialCount, p50Ms: percentile(seq, 50), p99Ms: percentile(seq, 99) },
      concurrent: {
        calls: concurrentCount,
        concurrency: peak,
        wallMs,
        outcomes,
        measured: latencies.length,
        lastKeyToAgent: spread(latencies.map((l) => l.lastKeyToAgentMs)),
        validation: spread(latencies.map((l) => l.validationMs)),
        lastKeyToAgentExcludingValidation: spread(latencies.map((l) => l.lastKeyToAgentMs - l.validationMs)),
        lastKeyToWorkflowEnd: spread(workflowEnd),
        monotonicWindowUs,
        segments,
        cpuMsPerCall,
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
    await arrivals.close();
    for (const name of [PUSH_ENV.target, PUSH_ENV.connectionsTable, PUSH_ENV.managementEndpoint]) delete process.env[name];
  }
}
