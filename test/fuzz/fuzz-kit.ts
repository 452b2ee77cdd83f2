/**
 * Building blocks for the bounded fuzz tests: the run count (FUZZ_RUNS for a longer run on demand), a
 * seeded source (FUZZ_SEED to replay a failure) and structure-aware mutations of JSON values — drop a
 * field, change its type, blow it up, or swap in hostile strings.
 */
import { seededRandom, type SeededRandom } from '../../sandbox/faults/seeded-random';

export const PAN_SENTINEL = '4111111111111111';
export const CVV_SENTINEL = '737';

/** Cases per fuzz test: small in the suite, FUZZ_RUNS=20000 for a long run. */
export function fuzzRuns(defaultRuns: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : defaultRuns;
}

export function fuzzRandom(salt: number): { rnd: SeededRandom; seed: number } {
  const base = Number(process.env.FUZZ_SEED);
  const seed = (Number.isInteger(base) ? base : 20261121) ^ salt;
  return { rnd: seededRandom(seed), seed };
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  PAN_SENTINEL,
  `${PAN_SENTINEL}#`,
  CVV_SENTINEL,
  '0'.repeat(41),
  '*#*#',
  '-1',
  'NaN',
  '1e309',
  '__proto__',
  'constructor',
  '{"__proto__":{"polluted":true}}',
  '<script>alert(1)</script>',
  '"; DROP TABLE x; --',
  '\u0000\u0001\u0002',
  '\ud800',
  '😀'.repeat(50),
  '../../etc/passwd',
  '%s%s%s%n',
  '[1,2,3]',
  '{"a":',
];

/** A value of a random wrong-ish type, sometimes huge. */
export function randomValue(rnd: SeededRandom, depth = 0): unknown {
  switch (rnd.int(0, 11)) {
    case 0:
      return null;
    case 1:
      return rnd.int(-5, 5);
    case 2:
      return rnd.pick([Number.MAX_SAFE_INTEGER, -0, 1.5, 1e21]);
    case 3:
      return rnd.chance(0.5);
    case 4:
      return rnd.pick(HOSTILE_STRINGS);
    case 5:
      return 'x'.repeat(rnd.pick([1, 100, 10_000, 300_000]));
    case 6:
      return depth > 2 ? [] : Array.from({ length: rnd.int(0, 3) }, () => randomValue(rnd, depth + 1));
    case 7:
      return depth > 2
        ? {}
        : Object.fromEntries(
            Array.from({ length: rnd.int(0, 3) }, (_, i) => [rnd.pick(['Type', 'CallId', '__proto__', `k${i}`]), randomValue(rnd, depth + 1)]),
          );
    case 8:
      return String(rnd.int(0, 10 ** 6));
    case 9:
      return `${PAN_SENTINEL.slice(0, rnd.int(1, 16))}`;
    case 10:
      return undefined;
    default:
      return rnd.pick(HOSTILE_STRINGS) + rnd.pick(HOSTILE_STRINGS);
  }
}

type Json = unknown;

/** Every path (list of keys) to a value inside `value`. */
function paths(value: Json, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const p = [...prefix, Array.isArray(value) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

/** Applies 1–3 random mutations to a deep copy of `value`. */
export function mutate(value: Json, rnd: SeededRandom): Json {
  const copy = JSON.parse(JSON.stringify(value)) as Json;
  const rounds = rnd.int(1, 3);
  let root = copy;
  for (let r = 0; r < rounds; r += 1) {
    const all = paths(root);
    if (all.length === 0 || rnd.chance(0.05)) {
      root = randomValue(rnd);
      continue;
    }
    const path = rnd.pick(all);
    const parentPath = path.slice(0, -1);
    const key = path[path.length - 1] as string | number;
    let parent = root as Record<string | number, unknown>;
    for (const p of parentPath) parent = parent[p] as Record<string | number, unknown>;
    const op = rnd.int(0, 3);
    if (op === 0) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (op === 1) {
      parent[key] = randomValue(rnd);
    } else if (op === 2) {
      // Keep the type but make it odd: a neighbour's value, or a string version of it.
      const v = parent[key];
      parent[key] = typeof v === 'string' ? rnd.pick(HOSTILE_STRINGS) : typeof v === 'number' ? -v - 1 : JSON.stringify(v ?? null);
    } else if (!Array.isArray(parent)) {
      parent[rnd.pick(['Unexpected', '__proto__', 'constructor', 'ReceivedDigits'])] = randomValue(rnd);
    }
  }
  return root;
}

/** Text that is not quite JSON: cut, doubled or garbled. */
export function brokenJson(text: string, rnd: SeededRandom): string {
  switch (rnd.int(0, 3)) {
    case 0:
      return text.slice(0, rnd.int(0, Math.max(0, text.length - 1)));
    case 1:
      return text + text;
    case 2:
      return text.replace(/[{}[\]":,]/, () => rnd.pick(['', "'", '}', '\u0000']));
    default:
      return `\ufeff${text}`;
  }
}
