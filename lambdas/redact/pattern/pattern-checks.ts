/**
 * Static checks on an additional redaction pattern, run when configuration loads.
 *
 * The matcher in pattern-matcher.ts is linear-time for any pattern it accepts, so these checks are not
 * what keeps redaction fast: they keep a configuration portable. A rule that a backtracking engine
 * (JavaScript's own RegExp, the engine a CCaaS vendor runs, an engineer's test tool) would run in
 * exponential or polynomial time is refused here, with a reason, so nobody copies it elsewhere and
 * takes down a chat pipeline. The checks gather every problem of a pattern rather than stopping at one.
 *
 * Refused: nested quantifiers, alternatives that overlap under a quantifier, adjacent unbounded
 * quantifiers over overlapping characters, unbounded quantifiers or nesting inside lookarounds,
 * backreferences other than to a small fixed group (which are expanded away), patterns that can
 * match empty text, and patterns whose cost (character positions once counted repetitions are
 * expanded: `[a-z]{1,40}` is 40) exceeds MAX_PATTERN_COST. That cost bounds the matcher's work per
 * text character: `(?:[a-z]{1,40}\s?){1,60}Z` (2,460 positions) took about 116 s per MB before this
 * limit and is refused now.
 *
 * Exported for every place that runs a configured pattern (redaction rules, form-field patterns).
 */
import { CharSet } from './char-set';
import type { PatternNode } from './pattern-parser';

export interface PatternProblem {
  message: string;
  at: number;
}

/** Most texts a group may capture for a backreference to it to be expanded away. */
export const MAX_BACKREF_TEXTS = 16;
/** Most alternatives the expansion of all backreferences may produce. */
const MAX_EXPANSIONS = 64;
/** Most characters a lookaround body may span. */
export const MAX_LOOK_LENGTH = 32;
/** Most character positions (after expanding counted repetitions) a pattern may have. */
export const MAX_PATTERN_COST = 500;

/**
 * Character positions of a pattern once counted repetitions are expanded (`a{3}` is 3, `a{1,40}` is
 * 40, `a+` is 1, alternatives add up, a lookaround counts its body): the most NFA threads the matcher
 * may advance per text character, i.e. its cost per character.
 */
export function patternCost(node: PatternNode): number {
  switch (node.kind) {
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((sum, item) => sum + patternCost(item), 0);
    case 'alt':
      return node.options.reduce((sum, option) => sum + patternCost(option), 0);
    case 'repeat':
      return (node.max === Infinity ? Math.max(node.min, 1) : node.max) * patternCost(node.body);
    case 'group':
    case 'look':
      return patternCost(node.body);
    default:
      return 0;
  }
}

export function minLength(node: PatternNode): number {
  switch (node.kind) {
    case 'empty':
    case 'assert':
    case 'look':
      return 0;
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((sum, item) => sum + minLength(item), 0);
    case 'alt':
      return Math.min(...node.options.map(minLength));
    case 'repeat':
      return node.min * minLength(node.body);
    case 'group':
      return minLength(node.body);
    case 'backref':
      return 0;
  }
}

export function maxLength(node: PatternNode): number {
  switch (node.kind) {
    case 'empty':
    case 'assert':
    case 'look':
      return 0;
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((sum, item) => sum + maxLength(item), 0);
    case 'alt':
      return Math.max(...node.options.map(maxLength));
    case 'repeat': {
      const body = maxLength(node.body);
      return body === 0 ? 0 : node.max * body;
    }
    case 'group':
      return maxLength(node.body);
    case 'backref':
      return Infinity;
  }
}

/** Characters that can be consumed first by a match of `node` (assertions ignored: they only narrow). */
export function firstSet(node: PatternNode): CharSet {
  switch (node.kind) {
    case 'empty':
    case 'assert':
    case 'look':
    case 'backref':
      return new CharSet([]);
    case 'char':
      return node.set;
    case 'seq': {
      let set = new CharSet([]);
      for (const item of node.items) {
        set = set.union(firstSet(item));
        if (minLength(item) > 0) break;
      }
      return set;
    }
    case 'alt':
      return node.options.reduce((set, option) => set.union(firstSet(option)), new CharSet([]));
    case 'repeat':
    case 'group':
      return firstSet(node.body);
  }
}

/** Union of every character `node` can consume anywhere. */
function allChars(node: PatternNode): CharSet {
  switch (node.kind) {
    case 'char':
      return node.set;
    case 'seq':
      return node.items.reduce((set, item) => set.union(allChars(item)), new CharSet([]));
    case 'alt':
      return node.options.reduce((set, option) => set.union(allChars(option)), new CharSet([]));
    case 'repeat':
    case 'group':
      return allChars(node.body);
    default:
      return new CharSet([]);
  }
}

function contains(node: PatternNode, test: (n: PatternNode) => boolean): boolean {
  if (test(node)) return true;
  switch (node.kind) {
    case 'seq':
      return node.items.some((item) => contains(item, test));
    case 'alt':
      return node.options.some((option) => contains(option, test));
    case 'repeat':
    case 'group':
    case 'look':
      return contains(node.body, test);
    default:
      return false;
  }
}

/** Runs every check; returns all problems found (empty when the pattern is acceptable). */
export function checkPattern(root: PatternNode): PatternProblem[] {
  const problems: PatternProblem[] = [];
  const report = (message: string, at: number): void => {
    if (!problems.some((p) => p.message === message && p.at === at)) problems.push({ message, at });
  };

  const visit = (node: PatternNode, inLook: boolean): void => {
    switch (node.kind) {
      case 'repeat': {
        const repeated = node.max > 1;
        if (repeated && contains(node.body, (n) => n.kind === 'repeat' && n.max === Infinity)) {
          report('nested quantifiers: a repeated part contains an unbounded quantifier, which backtracks catastrophically', node.at);
        } else if (node.max === Infinity && contains(node.body, (n) => n.kind === 'repeat' && n.min !== n.max)) {
          report('nested quantifiers: an unbounded quantifier repeats a part of variable length, which backtracks catastrophically', node.at);
        }
        if (repeated) {
          const alt = findOverlappingAlternation(node.body);
          if (alt !== undefined)
            report('overlapping alternatives under a quantifier: two alternatives can start with the same character or one can match empty text', alt);
        }
        if (minLength(node.body) === 0 && node.max > 1) report('a quantifier repeats something that can match empty text', node.at);
        if (inLook && node.max === Infinity) report('an unbounded quantifier inside a lookaround', node.at);
        visit(node.body, inLook);
        return;
      }
      case 'seq':
        for (let i = 0; i + 1 < node.items.length; i += 1) {
          const a = node.items[i] as PatternNode;
          const b = node.items[i + 1] as PatternNode;
          if (a.kind === 'repeat' && b.kind === 'repeat' && a.max === Infinity && b.max === Infinity && allChars(a.body).intersects(firstSet(b.body))) {
            report('adjacent unbounded quantifiers over overlapping characters backtrack in polynomial time; merge them into one', b.at);
          }
        }
        node.items.forEach((item) => visit(item, inLook));
        return;
      case 'alt':
        node.options.forEach((option) => visit(option, inLook));
        return;
      case 'group':
        visit(node.body, inLook);
        return;
      case 'look':
        if (inLook) report('a lookaround inside a lookaround', node.at);
        if (maxLength(node.body) > MAX_LOOK_LENGTH) report(`a lookaround may span at most ${MAX_LOOK_LENGTH} characters`, node.at);
        visit(node.body, true);
        return;
      case 'backref':
        if (inLook) report('a backreference inside a lookaround', node.at);
        return;
      default:
        return;
    }
  };
  visit(root, false);
  if (minLength(root) === 0) report('the pattern can match empty text, so it would redact nothing while matching everywhere', 0);
  const cost = patternCost(root);
  if (cost > MAX_PATTERN_COST) {
    report(
      `the pattern is too costly to match: ${cost} character positions once its counted repetitions are expanded (at most ${MAX_PATTERN_COST}); use smaller counts`,
      0,
    );
  }
  return problems;
}

function findOverlappingAlternation(node: PatternNode): number | undefined {
  let found: number | undefined;
  contains(node, (n) => {
    if (found !== undefined || n.kind !== 'alt') return false;
    const sets = n.options.map(firstSet);
    for (let i = 0; i < n.options.length; i += 1) {
      if (minLength(n.options[i] as PatternNode) === 0) found = n.at;
      for (let j = i + 1; j < n.options.length; j += 1) if ((sets[i] as CharSet).intersects(sets[j] as CharSet)) found = n.at;
    }
    return found !== undefined;
  });
  return found;
}

/** Every text a quantifier-bounded node can match, or undefined when there are more than `limit`. */
function enumerate(node: PatternNode, limit: number): string[] | undefined {
  switch (node.kind) {
    case 'empty':
      return [''];
    case 'char':
      return node.set.size() > limit ? undefined : node.set.codes(limit).map((c) => String.fromCharCode(c));
    case 'seq': {
      let acc: string[] = [''];
      for (const item of node.items) {
        const next = enumerate(item, limit);
        if (next === undefined || acc.length * next.length > limit) return undefined;
        acc = acc.flatMap((a) => next.map((b) => a + b));
      }
      return acc;
    }
    case 'alt': {
      const out = new Set<string>();
      for (const option of node.options) {
        const texts = enumerate(option, limit);
        if (texts === undefined) return undefined;
        texts.forEach((t) => out.add(t));
        if (out.size > limit) return undefined;
      }
      return [...out];
    }
    case 'repeat': {
      if (node.max === Infinity) return undefined;
      const body = enumerate(node.body, limit);
      if (body === undefined) return undefined;
      const levels: string[][] = [];
      let level: string[] = [''];
      let total = 0;
      for (let count = 0; count <= node.max; count += 1) {
        if (count >= node.min) {
          levels.push(level);
          total += level.length;
        }
        if (total > limit) return undefined;
        if (count < node.max) {
          if (level.length * body.length > limit) return undefined;
          level = level.flatMap((a) => body.map((b) => a + b));
        }
      }
      // Keep the order the quantifier would try them in: greedy tries the most repetitions first.
      if (!node.lazy) levels.reverse();
      return [...new Set(levels.flat())];
    }
    case 'group':
      return enumerate(node.body, limit);
    default:
      // Assertions inside a captured group would make its text depend on context: not expanded.
      return undefined;
  }
}

function literal(text: string, at: number): PatternNode {
  const items: PatternNode[] = [...text].map((ch) => ({ kind: 'char', set: new CharSet([ch.charCodeAt(0), ch.charCodeAt(0)]), at }));
  if (items.length === 0) return { kind: 'empty', at };
  return items.length === 1 ? (items[0] as PatternNode) : { kind: 'seq', items, at };
}

/**
 * Rewrites backreferences away. A backreference is accepted only when its group is matched exactly
 * once before it (not inside a quantifier, an alternative or a lookaround) and can capture at most
 * MAX_BACKREF_TEXTS texts: then the pattern is the alternation, over each text the group can capture,
 * of the pattern with both the group and the reference replaced by that text. The seed's US SSN
 * expression, `([-]?) … \3`, is of this kind. Anything else is refused with a problem.
 */
export function expandBackreferences(root: PatternNode, ignoreCase: boolean): { root: PatternNode; problems: PatternProblem[] } {
  const problems: PatternProblem[] = [];
  if (!contains(root, (n) => n.kind === 'backref')) return { root, problems };

  const groups = new Map<number, { node: PatternNode & { kind: 'group' }; fixed: boolean }>();
  const collect = (node: PatternNode, fixed: boolean): void => {
    switch (node.kind) {
      case 'group':
        if (node.index !== null) groups.set(node.index, { node, fixed });
        collect(node.body, fixed);
        return;
      case 'seq':
        node.items.forEach((item) => collect(item, fixed));
        return;
      case 'alt':
        node.options.forEach((option) => collect(option, false));
        return;
      case 'repeat':
      case 'look':
        collect(node.body, false);
        return;
      default:
        return;
    }
  };
  collect(root, true);

  const texts = new Map<number, string[]>();
  contains(root, (n) => {
    if (n.kind !== 'backref') return false;
    const group = groups.get(n.index);
    if (group === undefined) {
      problems.push({ message: `backreference \\${n.index} refers to a group that does not exist`, at: n.at });
      return false;
    }
    if (!group.fixed || group.node.at > n.at || contains(group.node.body, (m) => m.kind === 'backref')) {
      problems.push({
        message: `backreference \\${n.index} is refused: its group must be matched exactly once before it (not optional, repeated, inside an alternative or a lookaround)`,
        at: n.at,
      });
      return false;
    }
    if (ignoreCase) {
      problems.push({ message: `backreference \\${n.index} is refused with the i flag`, at: n.at });
      return false;
    }
    const captured = enumerate(group.node.body, MAX_BACKREF_TEXTS);
    if (captured === undefined) {
      problems.push({ message: `backreference \\${n.index} is refused: its group can capture more than ${MAX_BACKREF_TEXTS} different texts`, at: n.at });
      return false;
    }
    texts.set(n.index, captured);
    return false;
  });
  if (problems.length > 0) return { root, problems };

  let combos: Array<Map<number, string>> = [new Map()];
  for (const [index, values] of texts) {
    combos = combos.flatMap((combo) => values.map((v) => new Map(combo).set(index, v)));
    if (combos.length > MAX_EXPANSIONS) {
      return { root, problems: [{ message: `backreferences expand to more than ${MAX_EXPANSIONS} alternatives`, at: 0 }] };
    }
  }
  const substitute = (node: PatternNode, combo: Map<number, string>): PatternNode => {
    switch (node.kind) {
      case 'group':
        if (node.index !== null && combo.has(node.index)) return { ...node, body: literal(combo.get(node.index) ?? '', node.at) };
        return { ...node, body: substitute(node.body, combo) };
      case 'backref':
        return literal(combo.get(node.index) ?? '', node.at);
      case 'seq':
        return { ...node, items: node.items.map((item) => substitute(item, combo)) };
      case 'alt':
        return { ...node, options: node.options.map((option) => substitute(option, combo)) };
      case 'repeat':
      case 'look':
        return { ...node, body: substitute(node.body, combo) };
      default:
        return node;
    }
  };
  const options = combos.map((combo) => substitute(root, combo));
  return { root: options.length === 1 ? (options[0] as PatternNode) : { kind: 'alt', options, at: 0 }, problems };
}
