/** The broader rule for untrusted text: long digit runs in any script, separators read as the detector reads them. */
import { findLongDigitRuns, LONG_DIGIT_RUN_MIN, replaceLongDigitRuns } from '../../../../lambdas/shared/card/digit-runs';

describe('long digit runs', () => {
  it.each([
    ['ASCII, unbroken', 'a 411111111111 b', '411111111111'],
    ['full-width', 'a ４１１１１１１１１１１１ b', '411111111111'],
    ['Arabic-Indic digits with spaces', 'a ٤١١١ ١١١١ ١١١١ b', '411111111111'],
    ['dots', 'a 4111.1111.1111 b', '411111111111'],
    ['slashes and underscores', 'a 4111/1111_1111 b', '411111111111'],
    ['zero-width spaces', 'a 4111\u200b1111\u200b1111 b', '411111111111'],
    ['up to three separators in a row', 'a 4111 - 1111 - 1111 b', '411111111111'],
  ])('finds a run of %s', (_label, text, digits) => {
    expect(findLongDigitRuns(text).map((r) => r.digits)).toEqual([digits]);
  });

  it.each([
    ['eleven digits', 'ref 12345678901'],
    ['digits split by a letter', 'a 411111 x 111111 b'],
    ['four separators in a row', 'a 411111 -  - 111111 b'],
    ['a comma', 'a 411111,111111 b'],
  ])('leaves %s alone', (_label, text) => {
    expect(findLongDigitRuns(text)).toEqual([]);
  });

  it('replaces each run whole, from its first digit to its last, keeping the separators around it', () => {
    expect(LONG_DIGIT_RUN_MIN).toBe(12);
    expect(replaceLongDigitRuns('x 1234 5678 9012 3456 7890 1234 5 y; z ４１１１.１１１１.１１１１.', (d) => `<${d.length}>`)).toBe('x <25> y; z <12>.');
  });
});
