/**
 * Masks card data that a validation service echoes back in its reply details, however it is dressed:
 * digits of any script (full-width, Arabic-Indic…), NFKC compatibility forms, numeric character
 * references (`&#52;`, `&#x34;`) left in the text, and anything between the digits (dots, slashes, double,
 * no-break or zero-width spaces). Only the validator can do this well: it alone knows, for the length of
 * one request, the card number, expiry and security code that were sent.
 *
 * What is compared: the details' digits, normalised, against the submitted card number (whole, even
 * with letters between its groups, and any 6 or more of its consecutive digits), the expiry (MMYY and
 * MM20YY) and the security code; then any remaining digit run that passes the Luhn check as a card
 * number. Every match is replaced, separators included, by `#`. The count of masked places is returned
 * for the audit trail; the text that was masked never is.
 */
import { detectBrand, luhnValid } from '../shared/card/card-rules';

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
const CARD_MIN = 12;
const CARD_MAX = 19;

const ND = /\p{Nd}/u;
const LETTER = /\p{L}/u;
const DIGIT_VALUES = new Map<string, string>();
const CHAR_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));/y;

/** The value of a Unicode decimal digit (general category Nd), or undefined for any other character. */
export function decimalDigitValue(ch: string): string | undefined {
  if (ch >= '0' && ch <= '9') return ch;
  if (ch.charCodeAt(0) < 0x80 || !ND.test(ch)) return undefined;
  const known = DIGIT_VALUES.get(ch);
  if (known !== undefined) return known;
  // Unicode encodes every set of decimal digits as a contiguous 0–9 range, so the distance from the
  // start of the contiguous Nd block, modulo 10, is the value (blocks of sets sit back to back).
  const cp = ch.codePointAt(0) as number;
  let start = cp;
  while (start > 0 && cp - start < 100 && ND.test(String.fromCodePoint(start - 1))) start -= 1;
  const value = String((cp - start) % 10);
  // Bounded: Unicode has a few hundred decimal digits.
  DIGIT_VALUES.set(ch, value);
  return value;
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

/**
 * Marks card numbers by Luhn inside one run of digits: the whole run, or a branded 13–19 digit window.
 * Per-parity prefix sums make each window's check O(1), so a long hostile run costs linear time.
 */
function markLuhn(marks: Uint8Array, run: string, offset: number): void {
  if (run.length >= CARD_MIN && run.length <= CARD_MAX && luhnValid(run)) {
    marks.fill(1, offset, offset + run.length);
    return;
  }
  if (run.length <= CARD_MAX) return;
  const n = run.length;
  // plain[p][k] / doubled[p][k]: sums over positions < k with parity p of the digit / its Luhn double.
  const plain = [new Int32Array(n + 1), new Int32Array(n + 1)] as const;
  const doubled = [new Int32Array(n + 1), new Int32Array(n + 1)] as const;
  for (let i = 0; i < n; i += 1) {
    const d = run.charCodeAt(i) - 48;
    const dd = d * 2 > 9 ? d * 2 - 9 : d * 2;
    for (const p of [0, 1] as const) {
      plain[p][i + 1] = (plain[p][i] as number) + (i % 2 === p ? d : 0);
      doubled[p][i + 1] = (doubled[p][i] as number) + (i % 2 === p ? dd : 0);
    }
  }
  for (let from = 0; from + 13 <= n; from += 1) {
    for (let len = 13; len <= CARD_MAX && from + len <= n; len += 1) {
      const to = from + len;
      // The last digit is not doubled; every other one going left is.
      const keep = plain[(to - 1) % 2] as Int32Array;
      const dbl = doubled[to % 2] as Int32Array;
      const sum = (keep[to] as number) - (keep[from] as number) + (dbl[to] as number) - (dbl[from] as number);
      if (sum % 10 === 0 && detectBrand(run.slice(from, to)) !== 'unknown') marks.fill(1, offset + from, offset + to);
    }
  }
}

/** Masks every echo of the submitted card data (and any other Luhn-valid card number) in reply details. */
export function maskEchoedCardData(details: string, card: SubmittedCard): GuardedDetails {
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
    for (const form of exp) markAll(marks, run, form, from);
    markAll(marks, run, cvv, from);
    markLuhn(marks, run, from);
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
  if (spans.length === 0) return { text: details, masked: 0 };
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    const from = Math.max(start, at);
    parts.push(details.slice(at, from), '#'.repeat(Math.max(0, Array.from(details.slice(from, end)).length)));
    at = Math.max(at, end);
  }
  parts.push(details.slice(at));
  return { text: parts.join(''), masked: spans.length };
}
