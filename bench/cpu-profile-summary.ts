/**
 * Where a sandbox process spends its time during the 200-call phase, from a V8 CPU profile: self time by
 * function and by file, and inclusive time, cut to the concurrent phase the benchmark recorded.
 *
 *   node --openssl-legacy-provider --import tsx --cpu-prof --cpu-prof-dir=prof bench/run.ts sandbox
 *   npx tsx bench/cpu-profile-summary.ts prof/CPU.<…>.cpuprofile [bench-results/latest.json] [rows]
 *
 * The engine processes write their own profiles into the same folder (they inherit --cpu-prof). A CPU
 * profile samples the thread's wall time: on a loaded machine a syscall that wakes another process
 * (writev on a loopback socket) shows time the thread spent preempted, not working.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  windowMs: [number, number];
  sampledMs: number;
  idleMs: number;
  selfByFunction: Array<[string, number]>;
  selfByFile: Array<[string, number]>;
  inclusive: Array<[string, number]>;
}

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*node_modules\//, 'nm:')
    .replace(`${process.cwd()}/`, '');

const frameName = (f: ProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;

const add = (m: Map<string, number>, key: string, ms: number): void => void m.set(key, (m.get(key) ?? 0) + ms);

/** Summarises the samples between `fromUs` and `toUs` (the profile's monotonic clock, µs). */
export function summarize(profile: CpuProfile, fromUs = profile.startTime, toUs = profile.endTime, rows = 25): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = nodes.get(profile.samples[i] as number);
    if (!node) continue;
    sampled += ms;
    if (node.callFrame.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    add(self, frameName(node.callFrame), ms);
    add(byFile, shortUrl(node.callFrame.url) || node.callFrame.functionName, ms);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const name = frameName((nodes.get(id) as ProfileNode).callFrame);
      if (!seen.has(name)) {
        seen.add(name);
        add(inclusive, name, ms);
      }
    }
  }
  const top = (m: Map<string, number>): Array<[string, number]> => [...m].sort((a, b) => b[1] - a[1]).slice(0, rows);
  return {
    windowMs: [(Math.max(fromUs, profile.startTime) - profile.startTime) / 1000, (Math.min(toUs, profile.endTime) - profile.startTime) / 1000],
    sampledMs: sampled,
    idleMs: idle,
    selfByFunction: top(self),
    selfByFile: top(byFile),
    inclusive: top(inclusive),
  };
}

function main(): void {
  const [profilePath, resultsPath, rowsText] = process.argv.slice(2);
  if (!profilePath) {
    process.stderr.write('usage: npx tsx bench/cpu-profile-summary.ts <file.cpuprofile> [bench-results/latest.json] [rows]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  let window: [number, number] | undefined;
  if (resultsPath) {
    const results = JSON.parse(readFileSync(resultsPath, 'utf8')) as { sandbox?: { concurrent?: { monotonicWindowUs?: [number, number] } } };
    window = results.sandbox?.concurrent?.monotonicWindowUs;
  }
  const s = summarize(profile, window?.[0], window?.[1], Number(rowsText ?? 25));
  const busy = s.sampledMs - s.idleMs;
  const out = (text: string): void => void process.stdout.write(`${text}\n`);
  out(
    `window ${s.windowMs[0].toFixed(0)}–${s.windowMs[1].toFixed(0)} ms: sampled ${s.sampledMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms, busy ${busy.toFixed(0)} ms`,
  );
  for (const [title, list] of [
    ['self time by function', s.selfByFunction],
    ['self time by file', s.selfByFile],
    ['inclusive time', s.inclusive],
  ] as const) {
    out(`\n## ${title}`);
    for (const [name, ms] of list) out(`${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / Math.max(busy, 1)).toFixed(1).padStart(5)}%  ${name}`);
  }
}

if (require.main === module) main();
