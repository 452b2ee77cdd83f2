import { MAX_PATTERN_COST, patternCost } from '../../../lambdas/redact/pattern/pattern-checks';
import { compilePattern, type CompiledPattern } from '../../../lambdas/redact/pattern/pattern-matcher';
import { parsePattern } from '../../../lambdas/redact/pattern/pattern-parser';

/** The Secure Input reference's US Social Security number expression, as printed. */
const SEED_SSN = String.raw`^(?!000)([0-6]\d{2}|7([0-6]\d|7[012]))([-]?)(?!00)\d\d\3(?!0000)\d{4}$`;

function compiled(source: string, flags = ''): CompiledPattern {
  const result = compilePattern(source, flags);
  if (!result.ok) throw new Error(`expected the pattern to compile: ${JSON.stringify(result.problems)}`);
  return result.pattern;
}

function matches(pattern: CompiledPattern, text: string): string[] {
  const out: string[] = [];
  pattern.findAll(text, (start, end) => out.push(text.slice(start, end)));
  return out;
}

/** What JavaScript's own RegExp finds, line by line semantics (`m`), for comparison. */
function jsMatches(source: string, flags: string, text: string): string[] {
  return [...text.matchAll(new RegExp(source, `${flags}gm`))].map((m) => m[0]);
}

describe('pattern matcher', () => {
  describe("the seed's US SSN expression", () => {
    const valid = ['123-45-6789', '123456789', '001-01-0001', '699-99-9999', '700-12-3456', '772-12-3456', '078-05-1120'];
    const invalid = [
      '000-12-3456',
      '123-00-4567',
      '123-45-0000',
      '773-12-3456',
      '800-12-3456',
      '900-12-3456',
      '123-456789',
      '12345-6789',
      '123-45-678',
      '1234-56-7890',
      'abc-de-fghi',
    ];

    it.each(valid)('accepts %s as a whole line', (ssn) => {
      // Prepare
      const pattern = compiled(SEED_SSN);
      // Act
      const found = matches(pattern, ssn);
      // Assess
      expect(found).toEqual([ssn]);
    });

    it.each(invalid)('refuses %s', (text) => {
      // Prepare
      const pattern = compiled(SEED_SSN);
      // Act
      const found = matches(pattern, text);
      // Assess
      expect(found).toEqual([]);
    });

    it('anchors to lines, so it finds SSNs that are alone on their line in a longer text', () => {
      // Prepare
      const pattern = compiled(SEED_SSN);
      // Act
      const found = matches(pattern, 'ssn below\n123-45-6789\nmy ssn is 123-45-6789\r\n123456789\r\n');
      // Assess
      expect(found).toEqual(['123-45-6789', '123456789']);
    });
  });

  const equivalence: Array<[string, string, string]> = [
    [String.raw`\b\d{3}-\d{2}-\d{4}\b`, '', 'ssn 123-45-6789 and 1234-45-6789 and 123-45-67890'],
    ['a+?b', '', 'aaab ab b'],
    ['(?:cat|category)s?', 'i', 'Category CATS cat'],
    [String.raw`(?<=id:)\d+`, '', 'id:123 x:45 id:7'],
    [String.raw`(?<!\d)\d{4}(?!\d)`, '', '12345 1234 x9876y 55555'],
    [String.raw`[^\s@]+@[a-z]+\.com`, '', 'mail bob@example.com now'],
    ['x{2,3}', '', 'xxxxxxx'],
    [String.raw`\bpassword:\s?\S+`, 'i', 'Password: hunter2 and password:abc'],
    ['[A-Z]{2}\\d{2}(?: ?[A-Z0-9]{4}){2,7}', '', 'IBAN GB82 WEST 1234 5698 7654 32 end'],
    ['^Subject: .+$', '', 'Subject: hello\nnot Subject: x\nSubject: again'],
    ['(?<year>\\d{4})-\\d{2}', '', '2026-11 and 1999-01'],
    ['[\\u00e0-\\u00ff]+', 'i', 'Grüße ÀÉ'],
  ];
  it.each(equivalence)('finds what JavaScript RegExp finds for %s', (source, flags, text) => {
    // Prepare
    const pattern = compiled(source, flags);
    // Act
    const found = matches(pattern, text);
    // Assess
    expect(found).toEqual(jsMatches(source, flags, text));
  });

  it('never lets a match span a line break', () => {
    // Prepare
    const pattern = compiled(String.raw`\d{3}\s\d{3}`);
    // Act
    const found = matches(pattern, '123\n456 123 456');
    // Assess
    expect(found).toEqual(['456 123']);
  });

  const hostile: Array<[string, RegExp]> = [
    ['(a+)+$', /nested quantifiers/],
    ['(a|a)*b', /overlapping alternatives/],
    [String.raw`(\d+)*x`, /nested quantifiers/],
    [String.raw`(?:\w+\s?)+$`, /nested quantifiers/],
    [String.raw`(\d|\d\d)+x`, /overlapping alternatives/],
    [String.raw`\d+\d+x`, /adjacent unbounded quantifiers/],
    ['.*.*=', /adjacent unbounded quantifiers/],
    [String.raw`(\w+)\1`, /backreference/],
    [String.raw`(?:(a)|b)\1`, /backreference/],
    [String.raw`(?=\d+x)\d`, /unbounded quantifier inside a lookaround/],
    ['(?=(?!a)b)c', /lookaround inside a lookaround/],
    ['a*', /empty text/],
    ['(?:)+a', /empty text|nothing to repeat/],
    ['x{1000}', /may not exceed/],
    ['[a-', /not closed/],
    ['(?i)abc', /not supported/],
    [String.raw`\p{L}`, /not supported/],
    // Issue 11 item 9: accepted before, about 116 s per MB of text; its cost is 2,461 positions.
    [String.raw`(?:[a-z]{1,40}\s?){1,60}Z`, /too costly to match: 2461 character positions/],
    [String.raw`[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}`, /too costly/],
  ];
  it.each(hostile)('refuses %s with a reason', (source, reason) => {
    // Act
    const result = compilePattern(source);
    // Assess
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.message).join('\n')).toMatch(reason);
  });

  it('accepts patterns under the cost limit: the shipped SSN rule, and counts up to the limit', () => {
    // Act / Assess
    expect(patternCost(parsePattern(String.raw`\b(?!000)([0-6]\d{2}|7([0-6]\d|7[012]))([-]?)(?!00)\d\d\3(?!0000)\d{4}\b`, false).root)).toBeLessThan(40);
    const atLimit = `${'[a-z]{100}'.repeat(4)}[a-z]{99}!`;
    expect(patternCost(parsePattern(atLimit, false).root)).toBe(MAX_PATTERN_COST);
    expect(compilePattern(atLimit).ok).toBe(true);
    expect(compilePattern(`x${atLimit}`).ok).toBe(false);
    expect(compilePattern(String.raw`[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,4}`).ok).toBe(true);
  });

  it('refuses unsupported flags', () => {
    // Act
    const result = compilePattern('abc', 'gs');
    // Assess
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toHaveLength(2);
  });

  it('matches an accepted pattern over 5 MB of digits and returns every match', () => {
    // Prepare: every position starts a candidate, the case that makes backtracking engines crawl
    const pattern = compiled(String.raw`\d{3}-?\d{2}-?\d{4}x`);
    const text = `${'1'.repeat(5 * 1024 * 1024)}x`;
    // Act
    const found = matches(pattern, text);
    // Assess
    expect(found).toEqual(['111111111x']);
  });

  it('runs the seed SSN expression over 5 MB of near-miss digits and finds nothing', () => {
    // Prepare
    const pattern = compiled(SEED_SSN);
    const text = '123-45-678'.repeat(512 * 1024);
    // Act
    const found = matches(pattern, text);
    // Assess
    expect(found).toEqual([]);
  });

  it('runs a lazy, bounded pattern over 5 MB of adversarial text and finds the single match', () => {
    // Prepare
    const pattern = compiled('a[ab]{0,20}?c');
    const text = `${'ab'.repeat(2_500_000)}c`;
    // Act
    const found = matches(pattern, text);
    // Assess
    expect(found).toEqual(jsMatches('a[ab]{0,20}?c', '', text));
    expect(found[0]).toHaveLength(21);
  });
});
