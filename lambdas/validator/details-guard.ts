/**
 * Masks card data that a validation service echoes back in its reply details, however it is dressed:
 * digits of any script (full-width, Arabic-Indic…), NFKC compatibility forms, numeric character
 * references (`&#52;`, `&#x34;`) left in the text, and anything between the digits (dots, slashes, double,
 * no-break or zero-width spaces). Only the validator can do this well: it alone knows, for the length of
 * one request, the card number, expiry and security code that were sent.
 *
 * What is compared: the details' digits, normalised, against the submitted card number (whole, even
 * with letters between its groups, and any 6 or more of its consecutive digits), the expiry (MMYY and
 * MM20YY) and the security code where they are whole digit groups (not the 737 inside `573712`), each
 * replaced (separators included) by `#`; then any other card
 * number the shared detector finds (lambdas/shared/card/card-detector.ts: Luhn, brand lengths, any
 * digits and separators), its digits replaced by `#`. The count of masked places is returned
 * for the audit trail; the text that was masked never is.
 */
import { digitValue, maskCardNumbers } from '../shared/card/card-detector';

export interface SubmittedCard {
  pan: string;
  /** MMYY. */
  exp: string;
  cvv?: string;
}

export interface GuardedDetails {
  /** The details with every echo of card data replaced by `#`. */
  text: string;
  /** How many separate places were masked (0 when the details were clean). */
  masked: number;
}

/** The shortest piece of the card number that counts as an echo of it. */
export const MIN_ECHOED_PAN_DIGITS = 6;

const LETTER = /\p{L}/u;
const CHAR_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/y;

/** The value of a Unicode decimal digit (general category Nd), or undefined for any other character. */
export function decimalDigitValue(ch: string): string | undefined {
  const value = digitValue(ch.codePointAt(0) as number);
  return value < 0 ? undefined : String(value);
}

interface DigitScan {
  /** Every digit found, as ASCII. */
  digits: string;
  /** Where each digit's source character (or character reference) starts and ends in the text. */
  starts: number[];
  ends: number[];
  /** True for a digit with a letter (or nothing) before it since the previous digit: a run starts there. */
  runStarts: boolean[];
}

/** One pass over the text: digits of any script and character references, with their places. */
function scanDigits(text: string): DigitScan {
  const digits: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const runStarts: boolean[] = [];
  let letterSince = true;
  let i = 0;
  while (i < text.length) {
    const start = i;
    let unit = '';
    if (text.charCodeAt(i) === 0x26 /* & */) {
      CHAR_REFERENCE.lastIndex = i;
      const ref = CHAR_REFERENCE.exec(text);
      if (ref) {
        const cp = ref[1] !== undefined ? Number.parseInt(ref[1], 16) : Number(ref[2]);
        unit = cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        i += ref[0].length;
      }
    }
    if (i === start) {
      const cp = text.codePointAt(i) as number;
      unit = String.fromCodePoint(cp);
      i += unit.length;
    }
    const code = unit.charCodeAt(0);
    // ASCII needs no normalisation: the common case stays cheap.
    for (const ch of unit.length === 1 && code < 0x80 ? unit : unit.normalize('NFKC')) {
      const digit = decimalDigitValue(ch);
      if (digit !== undefined) {
        digits.push(digit);
        starts.push(start);
        ends.push(i);
        runStarts.push(letterSince);
        letterSince = false;
      } else if (/[A-Za-z]/.test(ch) || (ch.charCodeAt(0) >= 0x80 && LETTER.test(ch))) {
        letterSince = true;
      }
    }
  }
  return { digits: digits.join(''), starts, ends, runStarts };
}

function markAll(marks: Uint8Array, haystack: string, needle: string, offset: number): void {
  if (needle.length === 0) return;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) marks.fill(1, offset + at, offset + at + needle.length);
}

/** True where digit i and the digit after it touch in the text (no other character between them). */
function touchesNext(scan: DigitScan, i: number): boolean {
  return i + 1 < scan.digits.length && (scan.starts[i + 1] as number) <= (scan.ends[i] as number);
}

/**
 * Marks the expiry or security code only where it is made of whole digit groups: `737`, `7 3 7`,
 * `11/28` are echoes, but the 737 inside an authorization code `573712` is another number.
 * A 3- or 4-digit value turns up inside unrelated codes and ids about once in a few hundred replies.
 */
function markWholeGroups(marks: Uint8Array, scan: DigitScan, run: string, needle: string, offset: number): void {
  if (needle.length === 0) return;
  for (let at = run.indexOf(needle); at >= 0; at = run.indexOf(needle, at + 1)) {
    const first = offset + at;
    const last = first + needle.length - 1;
    if ((first === 0 || !touchesNext(scan, first - 1)) && !touchesNext(scan, last)) marks.fill(1, first, last + 1);
  }
}

/**
 * Masks every echo of the submitted card data (and, unless `otherCards` is false, any other Luhn-valid
 * card number) in reply details.
 */
export function maskEchoedCardData(details: string, card: SubmittedCard, options: { otherCards?: boolean } = {}): GuardedDetails {
  const scan = scanDigits(details);
  const { digits } = scan;
  if (digits.length === 0) return { text: details, masked: 0 };
  const marks = new Uint8Array(digits.length);
  const pan = card.pan.replace(/\D/g, '');

  // The whole card number even with letters between its groups.
  markAll(marks, digits, pan, 0);

  const grams = new Set<string>();
  for (let i = 0; i + MIN_ECHOED_PAN_DIGITS <= pan.length; i += 1) grams.add(pan.slice(i, i + MIN_ECHOED_PAN_DIGITS));
  const exp = /^\d{4}$/.test(card.exp) ? [card.exp, `${card.exp.slice(0, 2)}20${card.exp.slice(2)}`] : [];
  const cvv = card.cvv !== undefined && /^\d{3,4}$/.test(card.cvv) ? card.cvv : '';

  for (let from = 0; from < digits.length; ) {
    let to = from + 1;
    while (to < digits.length && !scan.runStarts[to]) to += 1;
    const run = digits.slice(from, to);
    for (let i = 0; i + MIN_ECHOED_PAN_DIGITS <= run.length; i += 1) {
      if (grams.has(run.slice(i, i + MIN_ECHOED_PAN_DIGITS))) marks.fill(1, from + i, from + i + MIN_ECHOED_PAN_DIGITS);
    }
    for (const form of exp) markWholeGroups(marks, scan, run, form, from);
    markWholeGroups(marks, scan, run, cvv, from);
    from = to;
  }

  // Each marked stretch of one run becomes one masked span of the text, from its first digit's source to its last.
  const spans: Array<[number, number]> = [];
  for (let i = 0; i < marks.length; ) {
    if (marks[i] !== 1) {
      i += 1;
      continue;
    }
    let j = i;
    while (j + 1 < marks.length && marks[j + 1] === 1 && !scan.runStarts[j + 1]) j += 1;
    spans.push([scan.starts[i] as number, scan.ends[j] as number]);
    i = j + 1;
  }
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    const from = Math.max(start, at);
    parts.push(details.slice(at, from), '#'.repeat(Math.max(0, Array.from(details.slice(from, end)).length)));
    at = Math.max(at, end);
  }
  parts.push(details.slice(at));
  // Then any other card number, found by the product's one detector (Luhn, brand lengths, any disguise).
  if (options.otherCards === false) return { text: parts.join(''), masked: spans.length };
  const rest = maskCardNumbers(parts.join(''));
  return { text: rest.text, masked: spans.length + rest.count };
}
