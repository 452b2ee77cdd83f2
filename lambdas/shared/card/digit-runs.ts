/**
 * The deliberately broader rule beside the card-number detector (card-detector.ts), for text the product
 * does not control and shows or keeps: a log line, a validation service's reply details. There a number
 * that fails the detector's checks (a card keyed with one digit wrong, a service echoing a mangled or
 * truncated number) must not get through either, so any long run of digits counts, whatever it is.
 *
 * Digits and separators are read as the detector reads them (digitValue, isGapCharacter): digits in any
 * script (`４１１１`), and between them spaces of every kind (also zero-width), dashes, dots, slashes,
 * underscores and plus signs, so a disguise that keeps a number readable does not keep it out of reach.
 * Character references and inline markup are the detector's business only (it runs first everywhere).
 */
import { digitValue, isGapCharacter } from './card-detector';

/** The shortest run of digits masked: the shortest card number (13) less one wrongly keyed or dropped digit. */
export const LONG_DIGIT_RUN_MIN = 12;
/** Separator characters allowed in a row between two digits of one run (`4111 - 1111`, a space and a zero-width space). */
const MAX_GAP_CHARS = 3;

/** A run of digits in `text`: [start, end) in UTF-16 units, and its digits in ASCII. */
export interface DigitRun {
  start: number;
  end: number;
  digits: string;
}

/** Runs of at least LONG_DIGIT_RUN_MIN digits (any script), separators allowed between them, in order. Linear time. */
export function findLongDigitRuns(text: string): DigitRun[] {
  const runs: DigitRun[] = [];
  let start = -1;
  let end = -1;
  let digits = '';
  let gap = 0;
  const close = (): void => {
    if (digits.length >= LONG_DIGIT_RUN_MIN) runs.push({ start, end, digits });
    start = -1;
    digits = '';
    gap = 0;
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const width = cp > 0xffff ? 2 : 1;
    const value = digitValue(cp);
    if (value >= 0) {
      if (start < 0) start = i;
      digits += String(value);
      end = i + width;
      gap = 0;
    } else if (start >= 0 && cp <= 0xffff && isGapCharacter(cp) && gap < MAX_GAP_CHARS) {
      gap += 1;
    } else if (start >= 0) {
      close();
    }
    i += width;
  }
  if (start >= 0) close();
  return runs;
}

/** Replaces each long digit run with what `replace` makes of its digits; the rest of the text is unchanged. */
export function replaceLongDigitRuns(text: string, replace: (digits: string) => string): string {
  const runs = findLongDigitRuns(text);
  if (runs.length === 0) return text;
  let out = '';
  let last = 0;
  for (const run of runs) {
    out += text.slice(last, run.start) + replace(run.digits);
    last = run.end;
  }
  return out + text.slice(last);
}
