/**
 * `npm run bench`: every benchmark, one after the other, with a printed report and a JSON copy in
 * bench-results/latest.json. Benchmarks measure; they never pass or fail a build.
 */
import '../sandbox/polyfills';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleSizes, initCost } from './lambda-bundles';
import { benchSandboxCalls } from './sandbox-calls';

const ROOT = join(__dirname, '..');
const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const line = (text = ''): void => void process.stdout.write(`${text}\n`);

async function optional<T>(name: string, load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    line(`  (${name} skipped: ${err instanceof Error ? err.message.split('\n')[0] : 'failed'})`);
    return undefined;
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const report: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };

  // `npm run bench -- redaction`: only the redaction comparison (a short run).
  if (process.argv.slice(2).includes('redaction')) {
    await redactionSection(report);
    finish(report);
    return;
  }
  // `npm run bench -- sandbox`: only the sandbox calls (200 at once) and the per-session requests and cost.
  if (process.argv.slice(2).includes('sandbox')) {
    await sandboxSection(report);
    finish(report);
    return;
  }
  // `npm run bench -- connect`: only the Amazon Connect capture function.
  if (process.argv.slice(2).includes('connect')) {
    await connectSection(report);
    finish(report);
    return;
  }
  // `npm run bench -- gateways`: only the payment gateway connectors against their fakes.
  if (process.argv.slice(2).includes('gateways')) {
    await gatewaysSection(report);
    finish(report);
    return;
  }

  line('== SMA handler latency per event (warm, in-process, no AWS call) ==');
  const child = spawnSync(process.execPath, [...process.execArgv, join(__dirname, 'sma-latency.ts')], { cwd: ROOT, encoding: 'utf8' });
  const latency = JSON.parse(child.stdout.trim().split('\n').pop() ?? '[]') as Array<{ event: string; p50Us: number; p99Us: number }>;
  for (const l of latency) line(`  ${l.event.padEnd(36)} p50 ${fmt(l.p50Us).padStart(6)} µs   p99 ${fmt(l.p99Us).padStart(6)} µs`);
  report.smaLatency = latency;

  line('\n== Lambda bundles (esbuild, ESM, minified, AWS SDK external) ==');
  const { sizes, outDir } = await bundleSizes();
  for (const s of sizes) line(`  ${s.name.padEnd(12)} ${fmt(s.bytes / 1024).padStart(7)} KB`);
  report.bundles = sizes;

  line('\n== SMA handler module init (fresh process, median of 9) ==');
  const init = initCost(join(outDir, 'sma.mjs'));
  line(`  SMA handler bundle  ${fmt(init.smaHandlerMs)} ms   one SDK client (DynamoDB) ${fmt(init.oneSdkClientMs)} ms   nothing ${fmt(init.bareMs, 2)} ms`);
  report.init = init;

  await sandboxSection(report);

  await redactionSection(report);

  const validator = await optional('validator', async () => (await import('./validator')).benchValidator());
  if (validator) {
    line('\n== Validator client and reference service (loopback HTTPS) ==');
    line(`  client   ${fmt(validator.clientRps, 0)} req/s   p99 ${fmt(validator.clientP99Ms, 2)} ms`);
    line(`  service  ${fmt(validator.serviceRps, 0)} req/s   p99 ${fmt(validator.serviceP99Ms, 2)} ms`);
    report.validator = validator;
  }

  await connectSection(report);

  await gatewaysSection(report);

  finish(report);
}

const spreadText = (s: { p50: number; p95: number; p99: number }): string => `p50 ${fmt(s.p50, 0)} ms   p95 ${fmt(s.p95, 0)} ms   p99 ${fmt(s.p99, 0)} ms`;

/** `--pace N`: callers key N times faster than a person (a stress figure); 1, a person's pace, by default. */
function pace(): number {
  const args = process.argv.slice(2);
  const at = args.indexOf('--pace');
  if (at < 0) return 1;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value < 1 || value > 20)
    throw new Error('--pace takes a number from 1 to 20 (how many times faster than a person the callers key).');
  return value;
}

async function sandboxSection(report: Record<string, unknown>): Promise<void> {
  const speed = pace();
  line(`\n== Sandbox calls (200 concurrent on this machine, ${speed === 1 ? "at a person's pace" : `${speed}× a person's pace`}) ==`);
  const sandbox = await benchSandboxCalls({ scale: 1 / speed });
  const c = sandbox.concurrent;
  const m = sandbox.machine;
  line(
    `  machine                       ${m.cpus} CPUs; load average (1/5/15 min) before ${m.loadAverageBefore.map((l) => fmt(l, 2)).join(' ')}, after ${m.loadAverageAfter.map((l) => fmt(l, 2)).join(' ')}`,
  );
  line(`  sandbox start                 ${sandbox.startMs} ms`);
  line(`  one whole call (sequential)   p50 ${sandbox.sequential.p50Ms} ms   p99 ${sandbox.sequential.p99Ms} ms   (${sandbox.sequential.calls} calls)`);
  line(
    `  ${c.calls} calls, ${c.concurrency} at once at ${speed === 1 ? "a person's pace" : `${speed}× a person's pace`}   ${c.wallMs} ms wall; outcomes ${JSON.stringify(c.outcomes)}; violations ${c.violations}; measured ${c.measured}`,
  );
  line(`  last key → outcome at agent   ${spreadText(c.lastKeyToAgent)}   (validation service included)`);
  line(`  validation service's own time ${spreadText(c.validation)}   (request received → reply sent, per call)`);
  line(`  last key → outcome at agent   ${spreadText(c.lastKeyToAgentExcludingValidation)}   (validation service excluded, per call)`);
  line(`  last key → workflow end       ${spreadText(c.lastKeyToWorkflowEnd)}   (audit and finance records written)`);
  for (const [name, s] of Object.entries(c.segments)) line(`    ${name.padEnd(32)} p50 ${fmt(s.p50, 0).padStart(5)} ms   p99 ${fmt(s.p99, 0).padStart(5)} ms`);
  line(`  CPU per call                  sandbox ${fmt(c.cpuMsPerCall.sandbox)} ms, engine processes ${fmt(c.cpuMsPerCall.engines)} ms`);
  line('\n== AWS requests and cost of one secure session ==');
  for (const [op, n] of Object.entries(sandbox.perSession.requests).sort()) line(`  ${op.padEnd(40)} ${n}`);
  line(`  ${'Step Functions state transitions'.padEnd(40)} ${sandbox.perSession.transitions}`);
  line(`  ${'Lambda invocations (SMA / stages)'.padEnd(40)} ${sandbox.perSession.smaInvocations} / ${sandbox.perSession.stageInvocations}`);
  line(`  ${'log bytes'.padEnd(40)} ${sandbox.perSession.logBytes}`);
  for (const item of sandbox.perSession.cost) line(`  $ ${item.item.padEnd(38)} ${fmt(item.quantity, 4).padStart(10)}  $${item.usd.toFixed(8)}`);
  line(`  => AWS cost per secure session: $${sandbox.perSession.costUsd.toFixed(6)} (telephony minutes excluded)`);
  report.sandbox = sandbox;
}

async function connectSection(report: Record<string, unknown>): Promise<void> {
  const connect = await optional('connect capture', async () => (await import('./connect-capture')).benchConnectCapture());
  if (connect) {
    line('\n== Amazon Connect capture function (per field: decrypt + check + seal on the local KMS/DynamoDB engines) ==');
    for (const r of connect.perField)
      line(`  run ${r.run}   p50 ${fmt(r.p50Ms)} ms   p99 ${fmt(r.p99Ms)} ms   (decrypt alone p50 ${fmt(r.decryptP50Ms)} ms, RSA-4096)`);
    for (const b of connect.bundles) line(`  ${b.name.padEnd(16)} ${fmt(b.bytes / 1024).padStart(7)} KB`);
    line(`  capture bundle cold init ${fmt(connect.captureInitMs)} ms (nothing: ${fmt(connect.bareInitMs, 2)} ms)`);
    line('  AWS requests our Connect functions add to one session:');
    for (const [op, n] of Object.entries(connect.requestsPerSession)) line(`    ${op.padEnd(50)} ${n}`);
    line(
      `  => our Connect functions' cost per session: $${connect.ourCostPerSessionUsd.toFixed(6)} (plus the shared stages; Connect's own per-minute charges not counted)`,
    );
    report.connect = connect;
  }
}

async function gatewaysSection(report: Record<string, unknown>): Promise<void> {
  const gateways = await optional('gateways', async () => (await import('./gateways')).benchGateways());
  if (!gateways) return;
  line('\n== Payment gateway connectors against their local HTTPS fakes (approved test card, new TLS connection each) ==');
  for (const r of gateways.roundTrips)
    line(
      `  ${r.kind.padEnd(10)} p50 ${fmt(r.p50Ms, 2).padStart(7)} ms   p95 ${fmt(r.p95Ms, 2).padStart(7)} ms   p99 ${fmt(r.p99Ms, 2).padStart(7)} ms   (${r.calls} calls)`,
    );
  for (const b of gateways.bundles) line(`  bundle: ${b.name.padEnd(30)} ${fmt(b.bytes / 1024).padStart(8)} KB`);
  report.gateways = gateways;
}

async function redactionSection(report: Record<string, unknown>): Promise<void> {
  const redact = await import('./redact');
  const redaction = await optional('redaction', async () => redact.benchRedaction());
  if (redaction) {
    line('\n== Redaction: secure-ivr and two npm redactors on the same corpus and files ==');
    for (const l of redact.formatRedactionReport(redaction)) line(l);
    report.redaction = redaction;
  }
}

function finish(report: Record<string, unknown>): void {
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  line('\nreport written to bench-results/latest.json');
  setTimeout(() => process.exit(0), 100).unref();
}

void main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
