/**
 * Parser for the restricted regular-expression syntax that additional redaction rules are written in
 * (JavaScript syntax, a documented subset: see lambdas/redact/README.md). It builds a small syntax tree
 * that the safety checks inspect and the linear-time matcher compiles. Problems are reported with the
 * offset in the pattern, never with the pattern text, so messages can be logged safely.
 */
import { CharSet, DIGIT, DOT, SPACE, WORD } from './char-set';

export type PatternNode =
  | { kind: 'empty'; at: number }
  | { kind: 'char'; set: CharSet; at: number }
  | { kind: 'seq'; items: PatternNode[]; at: number }
  | { kind: 'alt'; options: PatternNode[]; at: number }
  | { kind: 'repeat'; body: PatternNode; min: number; max: number; lazy: boolean; at: number }
  | { kind: 'group'; body: PatternNode; index: number | null; at: number }
  | { kind: 'assert'; what: 'line-start' | 'line-end' | 'word-boundary' | 'not-word-boundary'; at: number }
  | { kind: 'look'; body: PatternNode; ahead: boolean; negate: boolean; at: number }
  | { kind: 'backref'; index: number; at: number };

/** The largest finite count a `{n,m}` quantifier may use: bigger counts blow up the compiled program. */
export const MAX_COUNT = 100;

export class PatternSyntaxProblem extends Error {
  public constructor(
    message: string,
    public readonly at: number,
  ) {
    super(message);
    this.name = 'PatternSyntaxProblem';
  }
}

export interface ParsedPattern {
  root: PatternNode;
  groupCount: number;
}

/** Parses `source`; `ignoreCase` folds letter case into every character set. */
export function parsePattern(source: string, ignoreCase: boolean): ParsedPattern {
  let pos = 0;
  let groupCount = 0;

  const fail = (message: string, at = pos): never => {
    throw new PatternSyntaxProblem(message, at);
  };
  const peek = (): string | undefined => source[pos];
  const charNode = (set: CharSet, at: number): PatternNode => ({ kind: 'char', set: ignoreCase ? set.caseFolded() : set, at });

  const parseAlternation = (): PatternNode => {
    const at = pos;
    const options: PatternNode[] = [parseSequence()];
    while (peek() === '|') {
      pos += 1;
      options.push(parseSequence());
    }
    return options.length === 1 ? (options[0] as PatternNode) : { kind: 'alt', options, at };
  };

  const parseSequence = (): PatternNode => {
    const at = pos;
    const items: PatternNode[] = [];
    while (pos < source.length && peek() !== '|' && peek() !== ')') {
      const atom = parseAtom();
      items.push(parseQuantifier(atom));
    }
    if (items.length === 0) return { kind: 'empty', at };
    return items.length === 1 ? (items[0] as PatternNode) : { kind: 'seq', items, at };
  };

  const parseQuantifier = (atom: PatternNode): PatternNode => {
    const at = pos;
    const c = peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(source.slice(pos));
      if (!m) return fail('a `{` must start a counted quantifier like {2}, {2,} or {2,5}; escape it as \\{ for a literal brace');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) fail('a counted quantifier has its maximum below its minimum');
      if (min > MAX_COUNT || (max !== Infinity && max > MAX_COUNT)) fail(`a counted quantifier may not exceed ${MAX_COUNT}`);
      pos += m[0].length - 1;
    } else return atom;
    pos += 1;
    if (atom.kind === 'assert' || atom.kind === 'look') fail('a quantifier cannot apply to an assertion or lookaround', at);
    if (atom.kind === 'empty') fail('a quantifier has nothing to repeat', at);
    let lazy = false;
    if (peek() === '?') {
      lazy = true;
      pos += 1;
    }
    if (peek() === '*' || peek() === '+' || peek() === '?' || peek() === '{')
      fail('two quantifiers in a row (possessive or doubled quantifiers are not supported)');
    return { kind: 'repeat', body: atom, min, max, lazy, at };
  };

  const parseAtom = (): PatternNode => {
    const at = pos;
    const c = source[pos] as string;
    pos += 1;
    switch (c) {
      case '(':
        return parseGroup(at);
      case '[':
        return charNode(parseClass(), at);
      case '.':
        return { kind: 'char', set: DOT, at };
      case '^':
        return { kind: 'assert', what: 'line-start', at };
      case '$':
        return { kind: 'assert', what: 'line-end', at };
      case '\\':
        return parseEscape(at);
      case '*':
      case '+':
      case '?':
        return fail('a quantifier has nothing to repeat', at);
      case '{':
        return fail('a `{` must follow something to repeat; escape it as \\{ for a literal brace', at);
      case ']':
      case '}':
        return fail(`an unescaped \`${c}\` is ambiguous; escape it`, at);
      default:
        return charNode(single(c.charCodeAt(0)), at);
    }
  };

  const parseGroup = (at: number): PatternNode => {
    let node: PatternNode;
    if (source.startsWith('?:', pos)) {
      pos += 2;
      node = { kind: 'group', body: parseAlternation(), index: null, at };
    } else if (source.startsWith('?=', pos) || source.startsWith('?!', pos)) {
      const negate = source[pos + 1] === '!';
      pos += 2;
      node = { kind: 'look', body: parseAlternation(), ahead: true, negate, at };
    } else if (source.startsWith('?<=', pos) || source.startsWith('?<!', pos)) {
      const negate = source[pos + 2] === '!';
      pos += 3;
      node = { kind: 'look', body: parseAlternation(), ahead: false, negate, at };
    } else if (source.startsWith('?<', pos)) {
      const m = /^\?<[A-Za-z_][A-Za-z0-9_]*>/.exec(source.slice(pos));
      if (!m) fail('a named group must look like (?<name>…)');
      pos += (m as RegExpExecArray)[0].length;
      groupCount += 1;
      const index = groupCount;
      node = { kind: 'group', body: parseAlternation(), index, at };
    } else if (peek() === '?') {
      return fail('this group syntax is not supported (inline flags, atomic groups and conditionals are not)', at);
    } else {
      groupCount += 1;
      const index = groupCount;
      node = { kind: 'group', body: parseAlternation(), index, at };
    }
    if (peek() !== ')') fail('a group is not closed with `)`', at);
    pos += 1;
    return node;
  };

  const classEscape = (): CharSet | number => {
    const c = source[pos];
    if (c === undefined) return fail('the pattern ends with a lone backslash');
    pos += 1;
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return DIGIT.negate();
      case 'w':
        return WORD;
      case 'W':
        return WORD.negate();
      case 's':
        return SPACE;
      case 'S':
        return SPACE.negate();
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 'f':
        return 12;
      case 'v':
        return 11;
      case '0':
        return 0;
      case 'x': {
        const m = /^[0-9A-Fa-f]{2}/.exec(source.slice(pos));
        if (!m) return fail('\\x must be followed by two hex digits');
        pos += 2;
        return parseInt(m[0], 16);
      }
      case 'u': {
        const m = /^[0-9A-Fa-f]{4}/.exec(source.slice(pos));
        if (!m) return fail('\\u must be followed by four hex digits (\\u{…} is not supported)');
        pos += 4;
        return parseInt(m[0], 16);
      }
      case 'p':
      case 'P':
        return fail('Unicode property escapes (\\p{…}) are not supported');
      case 'c':
        return fail('control escapes (\\cX) are not supported; use \\xHH');
      default:
        if (/[A-Za-z0-9]/.test(c)) return fail(`\\${c} is not a supported escape`, pos - 2);
        return c.charCodeAt(0);
    }
  };

  const parseEscape = (at: number): PatternNode => {
    const c = peek();
    if (c === 'b' || c === 'B') {
      pos += 1;
      return { kind: 'assert', what: c === 'b' ? 'word-boundary' : 'not-word-boundary', at };
    }
    if (c !== undefined && c >= '1' && c <= '9') {
      const m = /^\d{1,2}/.exec(source.slice(pos)) as RegExpExecArray;
      pos += m[0].length;
      return { kind: 'backref', index: Number(m[0]), at };
    }
    if (c === 'k') return fail('named backreferences (\\k<name>) are not supported', at);
    const e = classEscape();
    return charNode(typeof e === 'number' ? single(e) : e, at);
  };

  const parseClass = (): CharSet => {
    const start = pos - 1;
    let negate = false;
    if (peek() === '^') {
      negate = true;
      pos += 1;
    }
    let set = new CharSet([]);
    let first = true;
    while (pos < source.length && (peek() !== ']' || first)) {
      first = false;
      const low = classItem();
      if (peek() === '-' && source[pos + 1] !== ']' && pos + 1 < source.length) {
        pos += 1;
        const high = classItem();
        if (typeof low !== 'number' || typeof high !== 'number') return fail('a class range must run between two single characters');
        if (high < low) fail('a class range is out of order');
        set = set.union(new CharSet([low, high]));
      } else set = set.union(typeof low === 'number' ? single(low) : low);
    }
    if (peek() !== ']') fail('a character class is not closed with `]`', start);
    pos += 1;
    return negate ? (ignoreCase ? set.caseFolded() : set).negate() : set;
  };

  const classItem = (): CharSet | number => {
    const c = source[pos] as string;
    pos += 1;
    if (c === '\\') {
      if (peek() === 'b') {
        pos += 1;
        return 8;
      }
      return classEscape();
    }
    return c.charCodeAt(0);
  };

  const root = parseAlternation();
  if (pos < source.length) fail('an unmatched `)`');
  return { root, groupCount };
}

function single(code: number): CharSet {
  return new CharSet([code, code]);
}
