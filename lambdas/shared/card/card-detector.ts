/**
 * The one card-number detector of the product: finds card numbers in free text as people really
 * type, paste and encode them, and masks them without changing anything else. Every place where free
 * text enters (redaction of chat and email, form fields, validation details, log masking, ids) uses
 * this module, so "what counts as a card number" is decided once.
 *
 * What is found (README, "The default filter: what is a card number"):
 * - digits in any script: every Unicode decimal digit (\p{Nd}: ASCII, full-width, Arabic-Indic, …,
 *   also astral ones), and numeric character references to them (`&#52;`, `&#x34;`);
 * - grouped in any way (groups of any size, 1 to 19 digits), groups joined by gaps made of: one or
 *   more spaces (also no-break, thin, ideographic and zero-width spaces, word joiners), dashes
 *   (`-` `‐` `‑` `–` `—` `−`), `.` `/` `_` `+` `·`, `%20` (and the percent-encoded forms of those
 *   separators) in URLs, character references to any of these (`&nbsp;`, `&#8203;`), and inline
 *   HTML tags (`<b>`, `</span>`, `<wbr>`, `<font color="…">`; digits inside a tag are not card digits);
 *   with `lineBreaks`, also line breaks, `<br>`, `<p>`/`<div>` boundaries and `>` quote markers
 *   after a line break (emails, joined chat messages). A gap is at most MAX_GAP characters long;
 * - a candidate is a window of whole consecutive groups holding 13–19 digits whose length is one of
 *   its brand's lengths (brand from card-rules.ts) and which passes Luhn (card-rules.ts); a number of
 *   an unknown brand counts only when it stands alone as 16 digits typed 4-4-4-4 or unbroken. In one
 *   run of groups, the longest such window from the leftmost group wins, then the search goes on
 *   after it. A window that is only part of its run must be grouped like one number (regularWindow);
 *   the digits of a valid IBAN and postal tracking runs (20+ digits from a 9, in fours) are skipped.
 *
 * Linear time: a card needs at least 13 consecutive characters that are digits, separators or
 * markup, so plain text is sampled every 13th character and only the neighbourhood of a sample that
 * could belong to a number, or of a `<` / `&`, is parsed; every character is parsed a bounded number
 * of times and a window holds at most 19 groups. Operation counts are exposed for the tests
 * (`scanCost`) so linearity is asserted without clocks.
 */
import { detectBrand, luhnValid, type CardBrand } from './card-rules';

/** A card number found in a text: [start, end) in UTF-16 units of the original text, and its ASCII digits. */
export interface CardMatch {
  start: number;
  end: number;
  digits: string;
}

/** A found card number with where each of its digits is written ([starts[i], ends[i]) per digit). */
export interface CardMatchDetail extends CardMatch {
  digitStarts: Int32Array;
  digitEnds: Int32Array;
}

export interface CardDetectOptions {
  /**
   * Let a number continue across line breaks (`\n`, `\r\n`, `<br>`, `</p><p>`, `> ` quote markers).
   * On for email bodies and joined chat messages. @default false
   */
  lineBreaks?: boolean;
  /**
   * Parse every sampled stretch in full, without the quick skip of stretches too short to hold a
   * card (the reference the differential tests compare the quick skip with). Same results either way.
   * @default false
   */
  exhaustive?: boolean;
}

export const CARD_DETECT_MIN_DIGITS = 13;
export const CARD_DETECT_MAX_DIGITS = 19;
/** Longest gap (in characters) between two digit groups of one number. */
export const MAX_GAP = 256;
/** Longest inline tag accepted inside a number. */
const MAX_TAG = 200;
const STRIDE = CARD_DETECT_MIN_DIGITS;

/** Card lengths per brand (ISO/IEC 7812 ranges as the networks publish them), 13 digits at least. */
const BRAND_LENGTHS: Record<CardBrand, readonly number[]> = {
  visa: [13, 16, 19],
  mastercard: [16],
  amex: [15],
  discover: [16, 17, 18, 19],
  diners: [14, 15, 16, 17, 18, 19],
  jcb: [16, 17, 18, 19],
  unionpay: [16, 17, 18, 19],
  maestro: [13, 14, 15, 16, 17, 18, 19],
  unknown: [16],
};

// ---------------------------------------------------------------------------------------------
// Character classes

// Class 0 is any other character (the default of the class table below).
const K_DIGIT = 1;
const K_SEP = 2;
const K_PCT = 3;
const K_AMP = 4;
const K_LT = 5;
const K_EOL = 6;
const K_HIGH = 7;
const K_LOW = 8;
/** `>`: a quote marker after a line break (only with lineBreaks). */
const K_GT = 9;

/**
 * First code point of every run of Unicode decimal digits outside ASCII (Unicode 15.1 as Node 20
 * knows it; runs are 10 long unless a length is given). Unicode guarantees each run is 0…9 in order.
 * A test compares this list with the runtime's \p{Nd}.
 */
const ND_RUNS: ReadonlyArray<number | [number, number]> = [
  0x660,
  0x6f0,
  0x7c0,
  0x966,
  0x9e6,
  0xa66,
  0xae6,
  0xb66,
  0xbe6,
  0xc66,
  0xce6,
  0xd66,
  0xde6,
  0xe50,
  0xed0,
  0xf20,
  0x1040,
  0x1090,
  0x17e0,
  0x1810,
  0x1946,
  0x19d0,
  0x1a80,
  0x1a90,
  0x1b50,
  0x1bb0,
  0x1c40,
  0x1c50,
  0xa620,
  0xa8d0,
  0xa900,
  0xa9d0,
  0xa9f0,
  0xaa50,
  0xabf0,
  0xff10,
  0x104a0,
  0x10d30,
  0x10d40,
  0x11066,
  0x110f0,
  0x11136,
  0x111d0,
  0x112f0,
  0x11450,
  0x114d0,
  0x11650,
  0x116c0,
  [0x116d0, 20],
  0x11730,
  0x118e0,
  0x11950,
  0x11bf0,
  0x11c50,
  0x11d50,
  0x11da0,
  0x11de0,
  0x11f50,
  0x16130,
  0x16a60,
  0x16ac0,
  0x16b50,
  0x16d70,
  0x1ccf0,
  [0x1d7ce, 50],
  0x1e140,
  0x1e2f0,
  0x1e4f0,
  0x1e5f1,
  0x1e950,
  0x1fbf0,
];

/** Single characters that may stand between digit groups. */
const SEPARATORS: readonly number[] = [
  0x20, 0x09, 0x2d, 0x2e, 0x2f, 0x5f, 0x2b, 0xa0, 0xad, 0xb7, 0x34f, 0x180e,
  // U+2000–U+200F: en/em/thin/hair/figure spaces, zero-width space, ZWNJ, ZWJ, LRM, RLM
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f,
  // dashes U+2010–U+2015, one-dot leader, narrow no-break space, medium math space, word joiner and invisibles, minus
  0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2024, 0x202f, 0x205f, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2212,
  // ideographic space, small and full-width dashes, dots, slashes, plus and low line, BOM / zero-width no-break space
  0x3000, 0x30fb, 0xfe58, 0xfe63, 0xff0b, 0xff0d, 0xff0e, 0xff0f, 0xff3f, 0xff65, 0xfeff,
];

const CLASS = new Uint8Array(0x10000);
/** Classes whose characters may stand inside a number as written (markup `&` `<` aside), without and with lineBreaks. */
const C0_PLAIN = new Uint8Array(16);
const C0_LINES = new Uint8Array(16);
const DIGIT_VALUE = new Uint8Array(0x10000);
const ASTRAL_DIGIT = new Map<number, number>();
for (let c = 48; c <= 57; c += 1) {
  CLASS[c] = K_DIGIT;
  DIGIT_VALUE[c] = c - 48;
}
for (const run of ND_RUNS) {
  const [first, length] = typeof run === 'number' ? [run, 10] : run;
  for (let i = 0; i < length; i += 1) {
    const cp = first + i;
    if (cp < 0x10000) {
      CLASS[cp] = K_DIGIT;
      DIGIT_VALUE[cp] = i % 10;
    } else ASTRAL_DIGIT.set(cp, i % 10);
  }
}
for (const c of SEPARATORS) CLASS[c] = K_SEP;
CLASS[0x25] = K_PCT;
CLASS[0x26] = K_AMP;
CLASS[0x3c] = K_LT;
CLASS[0x3e] = K_GT;
for (const c of [0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029]) CLASS[c] = K_EOL;
for (const k of [K_DIGIT, K_SEP, K_PCT, K_HIGH, K_LOW]) {
  C0_PLAIN[k] = 1;
  C0_LINES[k] = 1;
}
C0_LINES[K_EOL] = 1;
C0_LINES[K_GT] = 1;
for (let c = 0xd800; c <= 0xdbff; c += 1) CLASS[c] = K_HIGH;
for (let c = 0xdc00; c <= 0xdfff; c += 1) CLASS[c] = K_LOW;

// Per code unit, what it is to a stretch of a number as written, in one lookup (the sampler's loops
// read many characters each): 0 it cannot be inside a number (markup `&` `<` aside: parsed apart),
// 1 a digit, 2 a plain gap (a separator; a line break with lineBreaks), 3 anything else that may be
// (`%`, a surrogate; `>` with lineBreaks). One table per lineBreaks setting.
const S_DIGIT = 1;
const S_GAP = 2;
const S_OTHER = 3;
const STRETCH_PLAIN = new Uint8Array(0x10000);
const STRETCH_LINES = new Uint8Array(0x10000);
for (let c = 0; c < 0x10000; c += 1) {
  const k = CLASS[c] as number;
  const kind = k === K_DIGIT ? S_DIGIT : k === K_SEP || k === K_EOL ? S_GAP : S_OTHER;
  if (C0_PLAIN[k] === 1) STRETCH_PLAIN[c] = kind;
  if (C0_LINES[k] === 1) STRETCH_LINES[c] = kind;
}

/** Digit value of a code point, or -1. */
export function digitValue(cp: number): number {
  if (cp < 0x10000) return CLASS[cp] === K_DIGIT ? (DIGIT_VALUE[cp] as number) : -1;
  return ASTRAL_DIGIT.get(cp) ?? -1;
}

/** True for a character that may stand between two digit groups on its own (spaces, dashes, line breaks, …). */
export function isGapCharacter(code: number): boolean {
  const k = CLASS[code];
  return k === K_SEP || k === K_EOL;
}

/**
 * True when the whole of `tag` (`<b>`, `</span>`, `<br/>`) is a tag that may stand inside a number;
 * a tag for which this is false always ends a number, so text may be cut before it.
 */
export function tagJoinsNumbers(tag: string, lineBreaks = false): boolean {
  return tag.charCodeAt(0) === 0x3c && parseTag(tag, 0, lineBreaks) === tag.length;
}

function isSeparatorCodePoint(cp: number): boolean {
  return cp < 0x10000 && CLASS[cp] === K_SEP;
}

/** Named character references that stand for a separator (those that stand for a digit do not exist). */
const NAMED_SEPARATORS = new Set([
  'nbsp',
  'ensp',
  'emsp',
  'emsp13',
  'emsp14',
  'numsp',
  'puncsp',
  'thinsp',
  'hairsp',
  'zwsp',
  'zwj',
  'zwnj',
  'shy',
  'ndash',
  'mdash',
  'hyphen',
  'dash',
  'minus',
  'period',
  'sol',
  'lowbar',
  'plus',
  'nobreak',
  'mediumspace',
  'thickspace',
  'thinspace',
  'verythinspace',
  'negativethinspace',
  'lrm',
  'rlm',
  'middot',
  'centerdot',
]);

/** Inline HTML elements whose tags may stand inside a number. */
const INLINE_TAGS = new Set([
  'a',
  'abbr',
  'b',
  'bdi',
  'bdo',
  'big',
  'cite',
  'code',
  'del',
  'dfn',
  'em',
  'font',
  'i',
  'ins',
  'kbd',
  'mark',
  'nobr',
  'q',
  's',
  'samp',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'sup',
  'time',
  'tt',
  'u',
  'var',
  'wbr',
  'o:p',
]);
/** Tags that break a line: inside a number only with `lineBreaks`. */
const LINE_TAGS = new Set(['br', 'p', 'div']);

/** Percent-encoded separators accepted in URLs (upper or lower case hex). */
const PERCENT_SEPARATORS = ['%20', '%09', '%2d', '%2e', '%2f', '%5f', '%2b', '%c2%a0', '%e2%80%8b', '%e2%80%89', '%e2%80%af', '%e2%80%93', '%e2%80%94'];

// ---------------------------------------------------------------------------------------------
// Small parsers: each returns the length of what it recognised at `i` (0: nothing).

/** Result of parsing a character reference: its length and what it stands for. */
interface RefParse {
  length: number;
  /** Digit value 0–9, -1 for a separator, -2 for anything else. */
  value: number;
}
const NO_REF: RefParse = { length: 0, value: -2 };

function parseCharRef(text: string, i: number): RefParse {
  const n = text.length;
  if (text.charCodeAt(i + 1) === 0x23 /* # */) {
    let j = i + 2;
    const hex = (text.charCodeAt(j) | 0x20) === 0x78; /* x */
    if (hex) j += 1;
    const from = j;
    let cp = 0;
    while (j < n && j - from < 8) {
      const c = text.charCodeAt(j);
      const d = c >= 48 && c <= 57 ? c - 48 : hex && (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
      if (d < 0) break;
      cp = cp * (hex ? 16 : 10) + d;
      j += 1;
    }
    if (j === from) return NO_REF;
    if (text.charCodeAt(j) === 0x3b /* ; */) j += 1;
    if (cp > 0x10ffff) return { length: j - i, value: -2 };
    const v = digitValue(cp);
    return { length: j - i, value: v >= 0 ? v : isSeparatorCodePoint(cp) ? -1 : -2 };
  }
  let j = i + 1;
  while (j < n && j - i <= 20) {
    const c = text.charCodeAt(j) | 0x20;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57 && j > i + 1)) j += 1;
    else break;
  }
  if (j === i + 1 || text.charCodeAt(j) !== 0x3b) return NO_REF;
  const name = text.slice(i + 1, j).toLowerCase();
  return NAMED_SEPARATORS.has(name) ? { length: j + 1 - i, value: -1 } : NO_REF;
}

/** Length of an inline tag (or, with lineBreaks, a line-breaking tag) at `i`, else 0. */
function parseTag(text: string, i: number, lineBreaks: boolean, cost?: ScanCost): number {
  const n = text.length;
  let j = i + 1;
  if (text.charCodeAt(j) === 0x2f /* / */) j += 1;
  const nameStart = j;
  while (j < n && j - nameStart < 8) {
    const c = text.charCodeAt(j) | 0x20;
    if ((c >= 97 && c <= 122) || (j > nameStart && ((c >= 48 && c <= 57) || c === 0x3a)) /* : */) j += 1;
    else break;
  }
  if (cost) cost.parserSteps += j + 1 - i;
  if (j === nameStart) return 0;
  const name = text.slice(nameStart, j).toLowerCase();
  if (!INLINE_TAGS.has(name) && !(lineBreaks && LINE_TAGS.has(name))) return 0;
  let quote = 0;
  const c0 = text.charCodeAt(j);
  if (c0 !== 0x3e /* > */ && c0 !== 0x2f && c0 !== 0x20 && c0 !== 0x09 && c0 !== 0x0a && c0 !== 0x0d) return 0;
  const from = j;
  let closed = false;
  for (; j < n && j - i < MAX_TAG; j += 1) {
    const c = text.charCodeAt(j);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) {
      closed = true;
      break;
    } else if (c === 0x3c) break;
  }
  if (cost) cost.parserSteps += j + 1 - from;
  return closed ? j + 1 - i : 0;
}

function parsePercent(text: string, i: number): number {
  if (i + 2 >= text.length) return 0;
  for (const p of PERCENT_SEPARATORS) {
    if (i + p.length <= text.length && text.slice(i, i + p.length).toLowerCase() === p) return p.length;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The scanner

/** Counts of elementary steps of the last scans, for linear-time tests (never used for decisions). */
export interface ScanCost {
  /** Characters looked at by the sampler and the parsers. */
  steps: number;
  /** Digits compared while checking windows. */
  windowDigits: number;
  /** Characters examined by the tag, reference and percent parsers (including failed attempts). */
  parserSteps: number;
}

const EMPTY = new Int32Array(0);

/** A run's arrays (Scanner), kept between scans: a redaction stream scans many short texts, each of which would allocate them. */
interface RunArrays {
  dVal: Int32Array<ArrayBuffer>;
  dStart: Int32Array<ArrayBuffer>;
  dEnd: Int32Array<ArrayBuffer>;
  gFirst: Int32Array<ArrayBuffer>;
}
/** Arrays a finished scan left; a scan takes them on its first digit (a scan started inside another's callback makes its own). */
let spareArrays: RunArrays | undefined;

/** Called for each card number found; return `true` to stop scanning. */
type OnCard = (match: CardMatchDetail) => boolean | void;

class Scanner {
  // One run of digit groups: per digit its value and where it is written; per group its first digit.
  // Typed arrays reused across runs (grown when a run is longer); counts say how much is in use.
  // Allocated on the first digit: most texts scanned (a chat line, an HTML text node) hold none.
  private dVal = EMPTY;
  private dStart = EMPTY;
  private dEnd = EMPTY;
  private gFirst = EMPTY;
  private dCount = 0;
  private gCount = 0;
  /** Characters just before the run's first digit and just after its last, for the unknown-brand rule. */
  private runBefore = -1;
  private stopped = false;
  public readonly cost: ScanCost = { steps: 0, windowDigits: 0, parserSteps: 0 };

  public constructor(
    private readonly text: string,
    private readonly lineBreaks: boolean,
    private readonly onCard: OnCard,
    private readonly exhaustive = false,
  ) {}

  /** Per class: may a character of it be inside a number (without markup)? One table per lineBreaks setting. */

  public run(): void {
    const text = this.text;
    const n = text.length;
    const stretch = this.lineBreaks ? STRETCH_LINES : STRETCH_PLAIN;
    let sampled = 0; // samples taken, added to cost.steps once at the end
    let scanned = 0;
    let nextLt = text.indexOf('<');
    let nextAmp = text.indexOf('&');
    let nextPct = text.indexOf('%');
    let p = STRIDE - 1;
    while (!this.stopped) {
      if (nextLt >= 0 && nextLt < scanned) nextLt = text.indexOf('<', scanned);
      if (nextAmp >= 0 && nextAmp < scanned) nextAmp = text.indexOf('&', scanned);
      if (nextPct >= 0 && nextPct < scanned) nextPct = text.indexOf('%', scanned);
      // Markup (`<`, `&`, `%`) may put letters inside a number, where sampling cannot see it: parse around each.
      let m = nextLt < 0 ? nextAmp : nextAmp < 0 ? nextLt : Math.min(nextLt, nextAmp);
      if (nextPct >= 0 && (m < 0 || nextPct < m)) m = nextPct;
      let at: number;
      if (m >= 0 && m <= p && m < n) at = m;
      else {
        // Sample every STRIDE-th character up to the next markup (or the end) in one tight loop.
        const limit = m >= 0 && m < n ? m : n;
        while (p < limit && stretch[text.charCodeAt(p)] === 0) {
          p += STRIDE;
          sampled += 1;
        }
        if (p >= limit) {
          if (limit === n) break;
          continue; // p passed the markup at m: parse there first
        }
        sampled += 1;
        at = p;
        // The commonest hit in prose, a lone space between words: the quick skip below, without its set-up.
        if (
          !this.exhaustive &&
          CLASS[text.charCodeAt(p)] === K_SEP &&
          p + 1 < n &&
          CLASS[text.charCodeAt(p - 1)] === 0 &&
          CLASS[text.charCodeAt(p + 1)] === 0
        ) {
          this.cost.steps += 1;
          scanned = p + 2;
          p = scanned + STRIDE - 1;
          continue;
        }
      }
      let start = at;
      // While backing up, count the digits and note whether anything but digits, separators (and line
      // breaks, with lineBreaks) was passed: the quick skip below then reads on from `at` only.
      let digitsBefore = 0;
      let plain = true;
      while (start > scanned) {
        const kind = stretch[text.charCodeAt(start - 1)] as number;
        if (kind === 0) break;
        if (kind === S_DIGIT) digitsBefore += 1;
        else if (kind === S_OTHER) plain = false;
        start -= 1;
      }
      this.cost.steps += at - start;
      if (at === p && plain && !this.exhaustive) {
        // Quick skip: a stretch of plain digits and separators (and line breaks, with lineBreaks) that
        // ends at a character no number can continue past and holds fewer than 13 digits cannot hold
        // a card; scanFrom would parse it to the same end and find nothing (timestamps, phone numbers).
        const end = this.shortStretchEnd(at, digitsBefore);
        if (end >= 0) {
          this.cost.steps += end - start;
          scanned = end + 1;
          p = scanned + STRIDE - 1;
          continue;
        }
      }
      // A character that cannot continue a number may stop the parse before `at`: parse on past it.
      let stop = this.scanFrom(start);
      while (stop < at && !this.stopped) stop = this.scanFrom(stop + 1);
      scanned = Math.max(stop + 1, at + 1);
      p = scanned + STRIDE - 1;
    }
    this.cost.steps += sampled;
    if (this.dVal !== EMPTY && (spareArrays === undefined || spareArrays.dVal.length < this.dVal.length))
      spareArrays = { dVal: this.dVal, dStart: this.dStart, dEnd: this.dEnd, gFirst: this.gFirst };
  }

  /**
   * Where the stretch of digits and separators (and, with lineBreaks, line breaks) from `from` ends,
   * when it holds, with the `digitsBefore` digits of its part before `from`, fewer than CARD_DETECT_MIN_DIGITS digits and ends at the end of the text or at a
   * character that ends every number (scanFrom stops there whatever came before); otherwise -1.
   */
  private shortStretchEnd(from: number, digitsBefore: number): number {
    const text = this.text;
    const n = text.length;
    const stretch = this.lineBreaks ? STRETCH_LINES : STRETCH_PLAIN;
    let digits = digitsBefore;
    if (digits >= CARD_DETECT_MIN_DIGITS) return -1;
    let i = from;
    for (; i < n; i += 1) {
      const kind = stretch[text.charCodeAt(i)] as number;
      if (kind === S_DIGIT) {
        digits += 1;
        if (digits >= CARD_DETECT_MIN_DIGITS) return -1;
      } else if (kind !== S_GAP) break;
    }
    if (i === n) return n;
    const k = CLASS[text.charCodeAt(i)] as number;
    // Class 0 ends every number; without lineBreaks so do line breaks and `>`.
    return k === 0 || (!this.lineBreaks && (k === K_EOL || k === K_GT)) ? i : -1;
  }

  /** Parses runs from `i` until a character that cannot belong to a number; returns its offset. */
  private scanFrom(from: number): number {
    const text = this.text;
    const n = text.length;
    const lineBreaks = this.lineBreaks;
    let i = from;
    let gap = 0; // characters since the last digit (0: the previous element was a digit)
    let afterEol = false;
    let steps = 0; // added to cost.steps once at the end
    this.resetRun(i);
    while (i < n && !this.stopped) {
      const c = text.charCodeAt(i);
      const k = CLASS[c] as number;
      let len = 0;
      let value = -1;
      if (k === K_DIGIT) {
        value = DIGIT_VALUE[c] as number;
        len = 1;
      } else if (k === K_SEP) len = 1;
      else if (k === K_EOL) {
        if (!lineBreaks) break;
        len = 1;
        afterEol = true;
      } else if (k === K_HIGH) {
        const v = ASTRAL_DIGIT.get(text.codePointAt(i) as number);
        if (v === undefined) break;
        value = v;
        len = 2;
      } else if (k === K_PCT) {
        len = parsePercent(text, i);
        this.cost.parserSteps += 9;
        if (len === 0) break;
      } else if (k === K_AMP) {
        const ref = parseCharRef(text, i);
        this.cost.parserSteps += Math.max(ref.length, 22);
        if (ref.length === 0 || ref.value === -2) break;
        len = ref.length;
        value = ref.value;
      } else if (k === K_LT) {
        len = parseTag(text, i, lineBreaks, this.cost);
        if (len === 0) break;
      } else if (k === K_GT && afterEol) len = 1;
      else break;
      steps += len;
      if (value >= 0) {
        this.pushDigit(value, i, i + len, gap > 0);
        gap = 0;
        afterEol = false;
      } else if (this.dCount > 0) {
        gap += len;
        if (gap > MAX_GAP) {
          this.flushRun(i);
          gap = 0;
        }
      }
      i += len;
    }
    this.cost.steps += steps;
    this.flushRun(i);
    return i;
  }

  private resetRun(_at: number): void {
    this.dCount = 0;
    this.gCount = 0;
  }

  private pushDigit(value: number, start: number, end: number, newGroup: boolean): void {
    if (this.dVal === EMPTY && spareArrays !== undefined) {
      ({ dVal: this.dVal, dStart: this.dStart, dEnd: this.dEnd, gFirst: this.gFirst } = spareArrays);
      spareArrays = undefined;
    }
    if (this.dCount === this.dVal.length) {
      const grow = (a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> => {
        const b = new Int32Array(Math.max(64, a.length * 2));
        b.set(a);
        return b;
      };
      this.dVal = grow(this.dVal);
      this.dStart = grow(this.dStart);
      this.dEnd = grow(this.dEnd);
      this.gFirst = grow(this.gFirst);
    }
    if (this.dCount === 0) {
      this.runBefore = start;
      this.gFirst[this.gCount++] = 0;
    } else if (newGroup) this.gFirst[this.gCount++] = this.dCount;
    this.dVal[this.dCount] = value;
    this.dStart[this.dCount] = start;
    this.dEnd[this.dCount] = end;
    this.dCount += 1;
  }

  /** Checks every window of the current run, reports the cards, and starts a new run. */
  private flushRun(stopAt: number): void {
    const groups = this.gCount;
    const total = this.dCount;
    if (total >= CARD_DETECT_MIN_DIGITS && !this.stopped) {
      // The digits of a valid IBAN (`DE89 3704 0044 0532 0130 00`) are an account number, not a card;
      // 20 or more digits starting with 9 in groups of four are a postal tracking number (USPS 9400 1000 …).
      const ibanEnd = this.isTrackingNumber(groups, total) ? Number.MAX_SAFE_INTEGER : ibanEndAt(this.text, this.runBefore);
      let g = 0;
      while (g < groups && !this.stopped) {
        if ((this.dStart[this.gFirst[g] as number] as number) < ibanEnd) {
          g += 1;
          continue;
        }
        let best = -1;
        let digits = 0;
        for (let h = g; h < groups; h += 1) {
          digits += this.groupSize(h, groups);
          if (digits > CARD_DETECT_MAX_DIGITS) break;
          if (digits >= CARD_DETECT_MIN_DIGITS && this.accept(g, h, digits, groups, stopAt)) best = h;
        }
        if (best >= 0) {
          this.emit(this.gFirst[g] as number, best + 1 < groups ? (this.gFirst[best + 1] as number) : total);
          g = best + 1;
        } else g += 1;
      }
    }
    this.resetRun(stopAt);
  }

  /** Digits in group `g` of the current run (of `groups`). */
  private groupSize(g: number, groups: number): number {
    return (g + 1 < groups ? (this.gFirst[g + 1] as number) : this.dCount) - (this.gFirst[g] as number);
  }

  private isTrackingNumber(groups: number, total: number): boolean {
    if (total < 20 || this.dVal[0] !== 9 || groups < 5) return false;
    for (let g = 0; g + 1 < groups; g += 1) if ((this.gFirst[g + 1] as number) - (this.gFirst[g] as number) !== 4) return false;
    return true;
  }

  private windowDigits(first: number, end: number): string {
    let s = '';
    for (let d = first; d < end; d += 1) s += String.fromCharCode(48 + (this.dVal[d] as number));
    this.cost.windowDigits += end - first;
    return s;
  }

  private accept(g: number, h: number, length: number, groups: number, stopAt: number): boolean {
    const first = this.gFirst[g] as number;
    const end = h + 1 < groups ? (this.gFirst[h + 1] as number) : this.dCount;
    // Brand from the first six digits before any string work: most windows end here.
    const digits = this.windowDigits(first, end);
    const brand = detectBrand(digits);
    if (!BRAND_LENGTHS[brand].includes(length)) return false;
    if (brand === 'unknown' && !this.standsAlone(g, h, groups, stopAt)) return false;
    if ((g !== 0 || h !== groups - 1) && !this.regularWindow(g, h, groups)) return false;
    return luhnValid(digits);
  }

  /**
   * A window that is only part of its run of groups must look typed as one number: groups of 3 or
   * more digits, all the size of the first except a shorter last one (4-4-4-4, 4-4-4-4-3, 8-8), or
   * 4-6-5 / 4-6-4; or groups of 1 or 2 digits (a shorter last one allowed) that are all the groups of
   * that size there: the groups beside the window are of another size (`order 123456 41 11 11 …`).
   * An invoice reference `2022-633041 / 0975/068593`, or 16 digits out of a longer list of single
   * digits or pairs, is not cut into a card; a whole run may be grouped any way.
   */
  private regularWindow(g: number, h: number, groups: number): boolean {
    const first = this.groupSize(g, groups);
    const last = this.groupSize(h, groups);
    if (h - g === 2 && first === 4 && this.groupSize(g + 1, groups) === 6 && (last === 5 || last === 4)) return true;
    if (first <= 2) {
      for (let x = g; x <= h; x += 1) {
        const s = this.groupSize(x, groups);
        if (x < h ? s !== first : s > first) return false;
      }
      if (g > 0 && this.groupSize(g - 1, groups) === first) return false;
      return last < first || h + 1 >= groups || this.groupSize(h + 1, groups) !== first;
    }
    for (let x = g; x <= h; x += 1) {
      const s = this.groupSize(x, groups);
      if (s < 3) return false;
      if (x < h ? s !== first : s > first) return false;
    }
    return true;
  }

  /** An unknown brand's number must be the whole run, typed unbroken or 4-4-4-4, with no letter or digit glued on. */
  private standsAlone(g: number, h: number, groups: number, stopAt: number): boolean {
    if (g !== 0 || h !== groups - 1) return false;
    if (groups !== 1 && groups !== 4) return false;
    if (groups === 4)
      for (let x = 0; x < 4; x += 1) if ((x + 1 < groups ? (this.gFirst[x + 1] as number) : this.dCount) - (this.gFirst[x] as number) !== 4) return false;
    const before = this.runBefore > 0 ? this.text.charCodeAt(this.runBefore - 1) : 32;
    const lastEnd = this.dEnd[this.dCount - 1] as number;
    const after = lastEnd < this.text.length ? this.text.charCodeAt(lastEnd) : 32;
    void stopAt;
    return !isWordChar(before) && !isWordChar(after);
  }

  private emit(first: number, end: number): void {
    const digitStarts = this.dStart.slice(first, end);
    const digitEnds = this.dEnd.slice(first, end);
    let digits = '';
    for (let d = first; d < end; d += 1) digits += String.fromCharCode(48 + (this.dVal[d] as number));
    const match: CardMatchDetail = { start: digitStarts[0] as number, end: digitEnds[digitEnds.length - 1] as number, digits, digitStarts, digitEnds };
    if (this.onCard(match) === true) this.stopped = true;
  }
}

/** An ASCII letter or digit. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
}

/**
 * When the digits at `at` continue an IBAN (two capital letters glued before them, then up to 32
 * letters and digits in groups) that passes its ISO 13616 mod-97 check, the offset where the IBAN
 * ends; otherwise -1.
 */
export function ibanEndAt(text: string, at: number): number {
  const upper = (c: number): boolean => c >= 65 && c <= 90;
  if (at < 2 || !upper(text.charCodeAt(at - 1)) || !upper(text.charCodeAt(at - 2))) return -1;
  if (at >= 3 && /[A-Za-z0-9]/.test(text.charAt(at - 3))) return -1;
  let alnum = '';
  let end = at - 2;
  for (let i = at - 2; i < text.length && alnum.length < 34; i += 1) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || upper(c)) {
      alnum += text.charAt(i);
      end = i + 1;
    } else if (!(c === 32 && i + 1 < text.length && /[A-Z0-9]/.test(text.charAt(i + 1)))) break;
  }
  if (alnum.length < 15 || !/^[A-Z]{2}\d{2}/.test(alnum)) return -1;
  const rearranged = alnum.slice(4) + alnum.slice(0, 4);
  let rest = 0;
  for (const ch of rearranged) {
    const v = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1 ? end : -1;
}

/**
 * Scans `text` and calls `onCard` for each card number, in order (return `true` to stop).
 * Returns the operation counts of this scan.
 */
export function scanCardNumbers(text: string, onCard: OnCard, options: CardDetectOptions = {}): ScanCost {
  const scanner = new Scanner(text, options.lineBreaks === true, onCard, options.exhaustive === true);
  scanner.run();
  return scanner.cost;
}

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * Every decimal digit of `text` as an ASCII digit, with the UTF-16 offset where each is written:
 * Unicode decimal digits in any script (also astral) and numeric character references to them
 * (`&#52;`, `&#x34;`, with or without `;`).
 */
export function normaliseDigits(text: string): { digits: string; positions: number[] } {
  const positions: number[] = [];
  let digits = '';
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    const k = CLASS[c] as number;
    if (k === K_DIGIT) {
      digits += String.fromCharCode(48 + (DIGIT_VALUE[c] as number));
      positions.push(i);
      i += 1;
    } else if (k === K_HIGH) {
      const v = ASTRAL_DIGIT.get(text.codePointAt(i) as number);
      if (v !== undefined) {
        digits += String.fromCharCode(48 + v);
        positions.push(i);
      }
      i += 2;
    } else if (k === K_AMP) {
      const ref = parseCharRef(text, i);
      if (ref.length > 0 && ref.value >= 0) {
        digits += String.fromCharCode(48 + ref.value);
        positions.push(i);
      }
      // A reference to anything else stands for that character: its own digits are not digits of the text.
      i += ref.length > 0 ? ref.length : 1;
    } else i += 1;
  }
  return { digits, positions };
}

/**
 * False only when `text` cannot hold a card number: fewer than 13 decimal digits, no character
 * reference (`&`) and no surrogate (astral digits). A quick test before a full scan of short texts.
 */
export function mayHoldCardNumber(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const k = CLASS[text.charCodeAt(i)] as number;
    if (k === K_DIGIT) {
      digits += 1;
      if (digits >= CARD_DETECT_MIN_DIGITS) return true;
    } else if (k === K_AMP || k === K_HIGH || k === K_LOW) return true;
  }
  return false;
}

/** Card numbers in `text`, in order, with offsets into the original text and their ASCII digits. */
export function findCardNumbers(text: string, options: CardDetectOptions = {}): CardMatch[] {
  const found: CardMatch[] = [];
  scanCardNumbers(text, ({ start, end, digits }) => void found.push({ start, end, digits }), options);
  return found;
}

/** Card numbers with the position of every digit (what masking needs). */
export function findCardNumberDetails(text: string, options: CardDetectOptions = {}): CardMatchDetail[] {
  const found: CardMatchDetail[] = [];
  scanCardNumbers(text, (match) => void found.push(match), options);
  return found;
}

/** True when `text` holds at least one card number (stops at the first). */
export function containsCardNumber(text: string, options: CardDetectOptions = {}): boolean {
  let found = false;
  scanCardNumbers(
    text,
    () => {
      found = true;
      return true;
    },
    options,
  );
  return found;
}

/**
 * Replaces each digit of each card number with `mask` (one mask per digit, whatever its script or
 * encoding: `&#52;` becomes one `#`); every other character of the text stays as it is.
 */
export function maskCardNumbers(text: string, mask = '#', options: CardDetectOptions = {}): { text: string; count: number } {
  const parts: string[] = [];
  let last = 0;
  let count = 0;
  scanCardNumbers(
    text,
    (match) => {
      count += 1;
      for (let d = 0; d < match.digitStarts.length; d += 1) {
        parts.push(text.slice(last, match.digitStarts[d]), mask);
        last = match.digitEnds[d] as number;
      }
    },
    options,
  );
  if (count === 0) return { text, count };
  parts.push(text.slice(last));
  return { text: parts.join(''), count };
}
