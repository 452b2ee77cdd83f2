/**
 * Linear-time matcher for additional redaction rules: the checked pattern is compiled to a Thompson
 * NFA and run as a Pike VM (every live NFA state advanced in lock-step, one character at a time), so
 * matching costs O(text length × program size) whatever the pattern and the input. Thread priority
 * gives the same leftmost-first matches a backtracking JavaScript RegExp would report.
 *
 * Semantics (README.md): matching works on UTF-16 code units; a line feed ends every match (no match
 * spans two lines), `^`/`$` match at line starts/ends; lookarounds are bounded (≤ 32 characters,
 * no unbounded quantifier) and are evaluated by direct set-of-ends evaluation on their small syntax tree.
 */
import { CharSet, isWordCode } from './char-set';
import { checkPattern, expandBackreferences, firstSet, maxLength, minLength, type PatternProblem } from './pattern-checks';
import { parsePattern, PatternSyntaxProblem, type PatternNode } from './pattern-parser';

/** Largest compiled program accepted: keeps per-character cost bounded. */
export const MAX_PROGRAM_SIZE = 5000;
export const MAX_PATTERN_LENGTH = 1000;
export const SUPPORTED_FLAGS = ['i', 'm'] as const;

const OP_CHAR = 0;
const OP_SPLIT = 1;
const OP_JMP = 2;
const OP_ASSERT = 3;
const OP_LOOK = 4;
const OP_MATCH = 5;

const LF = 10;
const CR = 13;

type AssertKind = (PatternNode & { kind: 'assert' })['what'];
const ASSERT_CODES: Record<AssertKind, number> = { 'line-start': 0, 'line-end': 1, 'word-boundary': 2, 'not-word-boundary': 3 };

interface LookSpec {
  body: PatternNode;
  ahead: boolean;
  negate: boolean;
  min: number;
  max: number;
}

export interface CompiledPattern {
  /** Calls `onMatch` for each non-overlapping leftmost-first match, in order. */
  findAll(text: string, onMatch: (start: number, end: number) => void): void;
  /** False only when `text` holds no run of the pattern's characters long enough for a match (a quick test). */
  mayMatch(text: string): boolean;
}

export type CompileResult = { ok: true; pattern: CompiledPattern } | { ok: false; problems: PatternProblem[] };

export interface CompileOptions {
  /**
   * How runs of the pattern's characters are found before the VM runs: 'sampled' (default) reads
   * every minimum-match-th character and widens around the hits when every character a match can
   * hold is a BMP character outside the surrogates, else uses a regular expression; 'regexp' always
   * uses the regular expression (the reference the differential tests compare with). Same runs either way.
   */
  runFinder?: 'sampled' | 'regexp';
}

/** Parses, checks and compiles a pattern; never throws for a bad pattern, it returns every problem. */
export function compilePattern(source: string, flags = '', options: CompileOptions = {}): CompileResult {
  const problems: PatternProblem[] = [];
  for (const flag of flags) {
    if (!(SUPPORTED_FLAGS as readonly string[]).includes(flag)) problems.push({ message: `flag "${flag}" is not supported (only i; m is implied)`, at: 0 });
  }
  if (source.length === 0) problems.push({ message: 'the pattern is empty', at: 0 });
  if (source.length > MAX_PATTERN_LENGTH) problems.push({ message: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`, at: 0 });
  if (problems.length > 0) return { ok: false, problems };
  const ignoreCase = flags.includes('i');
  let root: PatternNode;
  try {
    root = parsePattern(source, ignoreCase).root;
  } catch (error) {
    if (error instanceof PatternSyntaxProblem) return { ok: false, problems: [{ message: error.message, at: error.at }] };
    throw error;
  }
  problems.push(...checkPattern(root));
  const expanded = expandBackreferences(root, ignoreCase);
  problems.push(...expanded.problems);
  if (problems.length > 0) return { ok: false, problems };
  const program = compile(expanded.root);
  if (program.size > MAX_PROGRAM_SIZE)
    return { ok: false, problems: [{ message: `the pattern compiles to more than ${MAX_PROGRAM_SIZE} steps; use smaller counted quantifiers`, at: 0 }] };
  return {
    ok: true,
    pattern: new PikeMatcher(program, firstSet(expanded.root), minLength(expanded.root), minDigits(expanded.root), options.runFinder !== 'regexp'),
  };
}

interface Program {
  size: number;
  op: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  sets: CharSet[];
  looks: LookSpec[];
}

function compile(root: PatternNode): Program {
  const op: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  const sets: CharSet[] = [];
  const looks: LookSpec[] = [];
  const emit = (code: number, x = 0, y = 0): number => {
    op.push(code);
    a.push(x);
    b.push(y);
    return op.length - 1;
  };
  const gen = (node: PatternNode): void => {
    switch (node.kind) {
      case 'empty':
        return;
      case 'char':
        sets.push(node.set);
        emit(OP_CHAR, sets.length - 1);
        return;
      case 'seq':
        node.items.forEach(gen);
        return;
      case 'group':
        gen(node.body);
        return;
      case 'assert':
        emit(OP_ASSERT, ASSERT_CODES[node.what]);
        return;
      case 'look':
        looks.push({ body: node.body, ahead: node.ahead, negate: node.negate, min: minLength(node.body), max: maxLength(node.body) });
        emit(OP_LOOK, looks.length - 1);
        return;
      case 'backref':
        // expandBackreferences removed every accepted backreference before compilation.
        throw new Error('unexpanded backreference');
      case 'alt': {
        const jumps: number[] = [];
        node.options.forEach((option, i) => {
          if (i < node.options.length - 1) {
            const split = emit(OP_SPLIT);
            a[split] = op.length;
            gen(option);
            jumps.push(emit(OP_JMP));
            b[split] = op.length;
          } else gen(option);
        });
        jumps.forEach((j) => (a[j] = op.length));
        return;
      }
      case 'repeat': {
        for (let i = 0; i < node.min; i += 1) gen(node.body);
        if (node.max === Infinity) {
          const loop = emit(OP_SPLIT);
          gen(node.body);
          emit(OP_JMP, loop);
          setSplit(loop, loop + 1, op.length, node.lazy);
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i += 1) {
          splits.push(emit(OP_SPLIT));
          gen(node.body);
        }
        splits.forEach((s) => setSplit(s, s + 1, op.length, node.lazy));
        return;
      }
    }
  };
  const setSplit = (at: number, body: number, exit: number, lazy: boolean): void => {
    a[at] = lazy ? exit : body;
    b[at] = lazy ? body : exit;
  };
  gen(root);
  emit(OP_MATCH);
  return { size: op.length, op: Uint8Array.from(op), a: Int32Array.from(a), b: Int32Array.from(b), sets, looks };
}

function assertionHolds(kind: number, text: string, pos: number): boolean {
  const n = text.length;
  switch (kind) {
    case 0:
      return pos === 0 || text.charCodeAt(pos - 1) === LF;
    case 1: {
      if (pos === n) return true;
      const c = text.charCodeAt(pos);
      return c === LF || (c === CR && (pos + 1 === n || text.charCodeAt(pos + 1) === LF));
    }
    default: {
      const before = pos > 0 && isWordCode(text.charCodeAt(pos - 1));
      const after = pos < n && isWordCode(text.charCodeAt(pos));
      return kind === 2 ? before !== after : before === after;
    }
  }
}

/** End positions of every way `node` matches at `pos` (bounded nodes only: lookaround bodies). */
function endsOf(node: PatternNode, text: string, pos: number): number[] {
  switch (node.kind) {
    case 'empty':
      return [pos];
    case 'char': {
      if (pos >= text.length) return [];
      const c = text.charCodeAt(pos);
      return c !== LF && node.set.has(c) ? [pos + 1] : [];
    }
    case 'seq': {
      let cur = [pos];
      for (const item of node.items) {
        cur = unique(cur.flatMap((p) => endsOf(item, text, p)));
        if (cur.length === 0) break;
      }
      return cur;
    }
    case 'alt':
      return unique(node.options.flatMap((option) => endsOf(option, text, pos)));
    case 'group':
      return endsOf(node.body, text, pos);
    case 'assert':
      return assertionHolds(ASSERT_CODES[node.what], text, pos) ? [pos] : [];
    case 'repeat': {
      let cur = [pos];
      const out = node.min === 0 ? [pos] : [];
      for (let k = 1; k <= node.max && cur.length > 0; k += 1) {
        cur = unique(cur.flatMap((p) => endsOf(node.body, text, p)));
        if (k >= node.min) out.push(...cur);
      }
      return unique(out);
    }
    default:
      // Nested lookarounds and backreferences are refused by the checks.
      return [];
  }
}

function unique(values: number[]): number[] {
  return values.length < 2 ? values : [...new Set(values)];
}

/** Fewest ASCII digits any match holds (a character class counts when it holds only digits). */
function minDigits(node: PatternNode): number {
  switch (node.kind) {
    case 'char': {
      const r = node.set.ranges;
      if (r.length === 0) return 0;
      for (let i = 0; i < r.length; i += 2) if ((r[i] ?? 0) < 48 || (r[i + 1] ?? 0) > 57) return 0;
      return 1;
    }
    case 'seq':
      return node.items.reduce((sum, item) => sum + minDigits(item), 0);
    case 'alt':
      return Math.min(...node.options.map(minDigits));
    case 'repeat':
      return node.min * minDigits(node.body);
    case 'group':
      return minDigits(node.body);
    default:
      return 0;
  }
}

/** The body as a fixed sequence of character sets (`000`, `[0-5]\d`), or null when it is anything else. */
function fixedSequence(node: PatternNode): CharSet[] | null {
  if (node.kind === 'char') return [node.set];
  if (node.kind === 'group') return fixedSequence(node.body);
  if (node.kind !== 'seq') return null;
  const sets: CharSet[] = [];
  for (const item of node.items) {
    const part = fixedSequence(item);
    if (part === null) return null;
    sets.push(...part);
  }
  return sets;
}

const FIXED = new WeakMap<LookSpec, CharSet[] | null>();

function lookHolds(look: LookSpec, text: string, pos: number): boolean {
  let found: boolean;
  let fixed = FIXED.get(look);
  if (fixed === undefined) {
    fixed = fixedSequence(look.body);
    FIXED.set(look, fixed);
  }
  if (fixed !== null) {
    // A fixed sequence (the common case, `(?!000)`): compare in place, nothing allocated.
    const start = look.ahead ? pos : pos - fixed.length;
    found = start >= 0 && start + fixed.length <= text.length;
    for (let k = 0; found && k < fixed.length; k += 1) {
      const c = text.charCodeAt(start + k);
      found = c !== LF && (fixed[k] as CharSet).has(c);
    }
  } else if (look.ahead) found = endsOf(look.body, text, pos).length > 0;
  else {
    found = false;
    for (let start = pos - look.max; start <= pos - look.min && !found; start += 1) {
      if (start >= 0 && endsOf(look.body, text, start).includes(pos)) found = true;
    }
  }
  return found !== look.negate;
}

class ThreadList {
  public readonly pcs: Int32Array;
  public readonly starts: Int32Array;
  public length = 0;
  public constructor(size: number) {
    this.pcs = new Int32Array(size);
    this.starts = new Int32Array(size);
  }
}

/** Longest run the native scan returns at once (see the PikeMatcher constructor). */
const RUN_FINDER_CAP = 4096;

class PikeMatcher implements CompiledPattern {
  private readonly firstAscii = new Uint8Array(128);

  public constructor(
    private readonly program: Program,
    private readonly first: CharSet,
    /** Shortest match: a match lies inside a run of at least this many alphabet characters. */
    minMatch: number,
    /** Fewest ASCII digits in a match: a run with fewer is skipped (an SSN rule skips "2026-11-29"). */
    private readonly minDigitCount = 0,
    sampled = true,
  ) {
    for (let c = 0; c < 128; c += 1) this.firstAscii[c] = first.has(c) ? 1 : 0;
    // Characters any match consists of (lookaround bodies excluded: they consume nothing).
    let alphabet = new CharSet([]);
    for (let pc = 0; pc < program.size; pc += 1) if (program.op[pc] === OP_CHAR) alphabet = alphabet.union(program.sets[program.a[pc] as number] as CharSet);
    // The runs of alphabet characters long enough to hold a match, found by the engine's native
    // character-class scan (a single class with a counted repeat: linear, never backtracks).
    const hex = (c: number): string => `\\u{${c.toString(16)}}`;
    const parts: string[] = [];
    for (let k = 0; k < alphabet.ranges.length; k += 2) {
      const lo = alphabet.ranges[k] as number;
      const hi = alphabet.ranges[k + 1] as number;
      parts.push(lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`);
    }
    // The repeat is capped: V8 (Node 22) overflows its stack on one unbounded run of megabytes when the
    // class holds astral ranges. A run that reaches the cap is extended by hand, one code point at a time.
    const least = Math.max(1, minMatch);
    this.runFinder = parts.length > 0 ? new RegExp(`[${parts.join('')}]{${least},${Math.max(least, RUN_FINDER_CAP)}}`, 'gu') : undefined;
    this.runCap = Math.max(least, RUN_FINDER_CAP);
    this.alphabet = alphabet;
    this.least = least;
    // When every alphabet character is one UTF-16 unit (no astral characters, no surrogates), runs are
    // found by sampling: code units and code points agree, so the runs are those the expression finds.
    const last = alphabet.ranges[alphabet.ranges.length - 1] ?? 0;
    let oneUnit = parts.length > 0 && last <= 0xffff;
    for (let k = 0; k < alphabet.ranges.length && oneUnit; k += 2)
      if ((alphabet.ranges[k] as number) <= 0xdfff && (alphabet.ranges[k + 1] as number) >= 0xd800) oneUnit = false;
    if (sampled && oneUnit) {
      this.inAlphabet = new Uint8Array(0x10000);
      for (let k = 0; k < alphabet.ranges.length; k += 2) this.inAlphabet.fill(1, alphabet.ranges[k] as number, (alphabet.ranges[k + 1] as number) + 1);
    }
  }

  private readonly runFinder: RegExp | undefined;
  private readonly runCap: number;
  private readonly alphabet: CharSet;
  private readonly least: number;
  /** Membership of every code unit in the alphabet, when runs are found by sampling. */
  private readonly inAlphabet: Uint8Array | undefined;
  /** End of the run nextSampledRun found last. */
  private sampledRunEnd = 0;

  /**
   * Start of the first maximal run of at least `least` alphabet characters, holding at least
   * minDigitCount ASCII digits, at or after `from` (where no run continues from before), its end in
   * sampledRunEnd; -1 when none. Reads every least-th
   * character: a run that long always contains one of them. Each character is read at most twice.
   */
  private nextSampledRun(text: string, from: number): number {
    const t = this.inAlphabet as Uint8Array;
    const least = this.least;
    const n = text.length;
    const minDigits = this.minDigitCount;
    for (let p = from + least - 1; p < n; p += least) {
      let c = text.charCodeAt(p);
      if (t[c] === 0) continue;
      // Widen to the whole run, counting its ASCII digits (a run with fewer than minDigitCount is skipped).
      let digits = c >= 48 && c <= 57 ? 1 : 0;
      let s = p;
      while (s > from && t[(c = text.charCodeAt(s - 1))] === 1) {
        if (c >= 48 && c <= 57) digits += 1;
        s -= 1;
      }
      let e = p + 1;
      while (e < n && t[(c = text.charCodeAt(e))] === 1) {
        if (c >= 48 && c <= 57) digits += 1;
        e += 1;
      }
      if (e - s >= least && digits >= minDigits) {
        this.sampledRunEnd = e;
        return s;
      }
      // The character at e is outside the alphabet: the next run starts after it.
      p = e;
      from = e;
    }
    return -1;
  }

  public mayMatch(text: string): boolean {
    if (this.runFinder === undefined) return false;
    if (this.inAlphabet === undefined) return true;
    return this.nextSampledRun(text, 0) >= 0;
  }

  public findAll(text: string, onMatch: (start: number, end: number) => void): void {
    // A match is a stretch of alphabet characters at least minMatch long: the VM runs only inside
    // such runs (an SSN rule never looks at a timestamp "10:03:05" or a word), still linear.
    const finder = this.runFinder;
    if (finder === undefined) return;
    const sampled = this.inAlphabet !== undefined;
    let scratch: Scratch | undefined;
    finder.lastIndex = 0;
    let after = 0;
    for (;;) {
      let runStart: number;
      let i: number;
      if (sampled) {
        runStart = this.nextSampledRun(text, after);
        if (runStart < 0) break;
        i = this.sampledRunEnd;
        after = i;
      } else {
        const run = finder.exec(text);
        if (run === null) break;
        runStart = run.index;
        i = runStart + run[0].length;
        if (run[0].length >= this.runCap) {
          while (i < text.length) {
            const cp = text.codePointAt(i) as number;
            if (!this.alphabet.has(cp)) break;
            i += cp > 0xffff ? 2 : 1;
          }
          finder.lastIndex = i;
        }
      }
      if (this.minDigitCount > 0) {
        let digits = 0;
        for (let k = runStart; k < i && digits < this.minDigitCount; k += 1) {
          const c = text.charCodeAt(k);
          if (c >= 48 && c <= 57) digits += 1;
        }
        if (digits < this.minDigitCount) continue;
      }
      const size = this.program.size;
      scratch ??= {
        clist: new ThreadList(size),
        nlist: new ThreadList(size),
        marks: new Int32Array(size).fill(-1),
        stack: new Int32Array(size * 2 + 2),
        generation: 0,
      };
      let from = runStart;
      while (from < i) {
        const found = this.search(text, from, scratch, i);
        if (found === null) break;
        onMatch(found[0], found[1]);
        // Accepted patterns never match empty text, so the search always moves forward.
        from = Math.max(found[1], found[0] + 1);
      }
    }
  }

  private canStart(code: number): boolean {
    return code < 128 ? this.firstAscii[code] === 1 : this.first.has(code);
  }

  /** Leftmost-first match starting in [from, limit), as [start, end), or null. */
  private search(text: string, from: number, scratch: Scratch, limit: number): [number, number] | null {
    const p = this.program;
    const n = text.length;
    let { clist, nlist } = scratch;
    const { marks, stack } = scratch;
    let generation = scratch.generation + 1;
    clist.length = 0;
    let matchStart = -1;
    let matchEnd = -1;

    const add = (list: ThreadList, pc0: number, pos: number, start: number): void => {
      let top = 0;
      stack[top++] = pc0;
      while (top > 0) {
        const pc = stack[--top] as number;
        if (marks[pc] === generation) continue;
        marks[pc] = generation;
        switch (p.op[pc]) {
          case OP_JMP:
            stack[top++] = p.a[pc] as number;
            break;
          case OP_SPLIT:
            stack[top++] = p.b[pc] as number;
            stack[top++] = p.a[pc] as number;
            break;
          case OP_ASSERT:
            if (assertionHolds(p.a[pc] as number, text, pos)) stack[top++] = pc + 1;
            break;
          case OP_LOOK:
            if (lookHolds(p.looks[p.a[pc] as number] as LookSpec, text, pos)) stack[top++] = pc + 1;
            break;
          default:
            list.pcs[list.length] = pc;
            list.starts[list.length] = start;
            list.length += 1;
        }
      }
    };

    let pos = from;
    for (;;) {
      if (matchStart < 0) {
        if (clist.length === 0) {
          while (pos < limit && !this.canStart(text.charCodeAt(pos))) pos += 1;
          if (pos >= limit) {
            scratch.generation = generation + 1;
            return null;
          }
          generation += 1;
        }
        // No match may start at or after the limit (it would lie in a later run).
        if (pos < limit) add(clist, 0, pos, pos);
      }
      if (clist.length === 0) {
        if (matchStart >= 0) break;
        // The start thread died on an assertion here: try the next position.
        pos += 1;
        continue;
      }
      const code = pos < n ? text.charCodeAt(pos) : -1;
      generation += 1;
      nlist.length = 0;
      for (let i = 0; i < clist.length; i += 1) {
        const pc = clist.pcs[i] as number;
        if (p.op[pc] === OP_MATCH) {
          matchStart = clist.starts[i] as number;
          matchEnd = pos;
          break; // lower-priority threads lose to this match
        }
        if (code >= 0 && code !== LF && (p.sets[p.a[pc] as number] as CharSet).has(code)) add(nlist, pc + 1, pos + 1, clist.starts[i] as number);
      }
      const swap = clist;
      clist = nlist;
      nlist = swap;
      if (pos >= n) break;
      pos += 1;
      if (clist.length === 0 && matchStart >= 0) break;
    }
    scratch.generation = generation + 1;
    return matchStart >= 0 ? [matchStart, matchEnd] : null;
  }
}

interface Scratch {
  clist: ThreadList;
  nlist: ThreadList;
  marks: Int32Array;
  stack: Int32Array;
  generation: number;
}
