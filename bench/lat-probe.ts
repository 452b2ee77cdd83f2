import '../sandbox/polyfills';
import { benchSandboxCalls } from './sandbox-calls';
const [n, ramp, scale] = process.argv.slice(2).map(Number);
(async () => {
  const r = await benchSandboxCalls({ sequential: 3, concurrent: n ?? 50, rampMs: ramp ?? 10000, scale: scale ?? 0.25 });
  const c = r.concurrent;
  console.log(JSON.stringify({ load: r.machine.loadAverageBefore, wall: c.wallMs, outcomes: c.outcomes, measured: c.measured, all: c.lastKeyToAgent, excl: c.lastKeyToAgentExcludingValidation, val: c.validation, seg: c.segments, cpu: c.cpuMsPerCall }, null, 1));
  process.exit(0);
})();
