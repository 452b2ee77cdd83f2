/**
 * The rest of the card: an expiry date or a security code written next to a card number the
 * detector found ("4111… exp 12/30 cvv 737", "security code is 737", "4111… 12/30 737"). PCI DSS
 * forbids keeping the security code after authorisation, so it is masked with the number. A number
 * with no card number near it is never touched: a lone "737" stays.
 *
 * Looks only at a bounded window on each side of each card, never past another card, so the cost
 * stays linear: after the card, at most AFTER_WINDOW characters on the card's own line and the
 * CONTEXT_LINES lines after it ("card 4111…\nexp 12/30\ncvv 737" in an email); before the card,
 * BEFORE_WINDOW characters on its own line. Streams hold back the lines a card's window may still
 * reach (contextWindowEnd), so the result does not depend on how a stream was cut into chunks.
 * A number with no keyword counts only when nothing but spaces and `, ; : / . -` stand between it
 * and the card (or its expiry); on a later line it must also stand alone on its line ("737", not
 * "737 items in stock"). HTML tags and character references in the window are separators
 * (`<br>`, `<p>`, `<div>` break lines).
 * Digits of every script count (the detector's digitValue).
 */
import { digitValue as detectorDigitValue } from '../shared/card/card-detector';

/** The detector's digit test, bound once (it runs per character of every window). */
const digitValue = detectorDigitValue;

/** Characters after a card number searched for its expiry and security code. */
export const AFTER_WINDOW = 120;
/** Lines after the card's own line searched for its expiry and security code. */
export const CONTEXT_LINES = 2;
/** Longest HTML tag or character reference read as one separator. */
const MAX_MARKUP = 200;
/** Characters before a card number searched (only with a keyword: "cvv 737, card 4111…"). */
export const BEFORE_WINDOW = 60;

const EXPIRY_WORDS = new Set([
  'exp',
  'expiry',
  'expires',
  'expire',
  'expiration',
  'expiring',
  'valid',
  'thru',
  'through',
  'until',
  'end',
  'ablauf',
  'gültig',
  'vence',
  'mm',
  'yy',
  'mmyy',
  'date',
]);
const CODE_WORDS = new Set([
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'cid',
  'csc',
  'cav2',
  'ccv',
  'security',
  'sec',
  'code',
  'verification',
  'pin',
  'cvn',
  'digits',
  'back',
]);
/** Small words that may stand between a card, its expiry and its code without breaking the chain. */
const FILLER_WORDS = new Set([
  'and',
  'is',
  'my',
  'the',
  'its',
  'it',
  's',
  'with',
  'on',
  'of',
  'a',
  'date',
  'number',
  'no',
  'nr',
  'num',
  'at',
  'are',
  'und',
  'et',
  'y',
]);

interface Token {
  kind: 'num' | 'word' | 'sep';
  start: number;
  end: number;
  /** For numbers: ASCII digits; for words: lower-case text; for separators: the text. */
  value: string;
  /** For numbers: where each digit is written. */
  digitStarts?: number[];
  digitEnds?: number[];
  /** For separators: a line break (`\n`, `\r` not before `\n`, `<br>`, `<p>`, `<div>`, …). */
  eol?: boolean;
}

/** A line break at `i`: `\r\n` counts once (at its `\n`). */
function isLineBreakAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 0x0a || c === 0x2028 || c === 0x2029 || c === 0x85) return true;
  return c === 0x0d && text.charCodeAt(i + 1) !== 0x0a;
}

const TAG = /^<\/?([A-Za-z][A-Za-z0-9:]*)\b[^<>\r\n]*>/;
const CHAR_REF = /^&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,30});?/;
const LINE_TAGS = new Set(['br', 'p', 'div', 'li', 'tr', 'td', 'th', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table']);

/** Length of an HTML tag or character reference at `i` (not past `to`), else 0; `eol` when it breaks a line. */
function markupAt(text: string, i: number, to: number): { length: number; eol: boolean } {
  const c = text.charCodeAt(i);
  if (c !== 0x3c && c !== 0x26) return { length: 0, eol: false };
  const head = text.slice(i, Math.min(to, i + MAX_MARKUP));
  if (c === 0x3c) {
    const m = TAG.exec(head);
    return m ? { length: m[0].length, eol: LINE_TAGS.has((m[1] as string).toLowerCase()) } : { length: 0, eol: false };
  }
  const m = CHAR_REF.exec(head);
  return { length: m ? m[0].length : 0, eol: false };
}

/** A letter or combining mark (ASCII answered without a regular expression). */
function isLetter(cp: number): boolean {
  if (cp < 128) return (cp | 0x20) >= 97 && (cp | 0x20) <= 122;
  return /[\p{L}\p{M}]/u.test(String.fromCodePoint(cp));
}

/**
 * True when `v` is one white-space character as regular expressions read `\s` (spaces, tabs, line
 * breaks, no-break and other Unicode spaces, the BOM): a lookup instead of a regular expression per token.
 */
export function isSpaceToken(v: string): boolean {
  if (v.length !== 1) return false;
  const c = v.charCodeAt(0);
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

const FILLER_PUNCTUATION = ',;:/.-\u2013\u2014';

/** A separator that may stand between a card and its expiry or code: white space or `,` `;` `:` `/` `.` `-` `–` `—`. */
export function isFillerSeparator(v: string): boolean {
  return isSpaceToken(v) || (v.length === 1 && FILLER_PUNCTUATION.includes(v));
}

/** Tokens of text[from, to), made only as far as they are asked for (most windows stop early). */
class Tokens {
  private readonly tokens: Token[] = [];
  private i: number;
  // The line breaks since the last word, number or punctuation: none, only plain ones, or some markup.
  private run: 'none' | 'text' | 'markup' = 'none';

  public constructor(
    private readonly text: string,
    from: number,
    private readonly to: number,
  ) {
    this.i = from;
  }

  /** The k-th token, or undefined past the end. */
  public at(k: number): Token | undefined {
    while (this.tokens.length <= k && this.i < this.to) this.step();
    return this.tokens[k];
  }

  public all(): Token[] {
    while (this.i < this.to) this.step();
    return this.tokens;
  }

  private step(): void {
    const text = this.text;
    const to = this.to;
    const tokens = this.tokens;
    let i = this.i;
    let run = this.run;
    {
      const cp = text.codePointAt(i) as number;
      const width = cp > 0xffff ? 2 : 1;
      if (digitValue(cp) >= 0) {
        const start = i;
        let value = '';
        const digitStarts: number[] = [];
        const digitEnds: number[] = [];
        while (i < to) {
          const c = text.codePointAt(i) as number;
          const v = digitValue(c);
          if (v < 0) break;
          const w = c > 0xffff ? 2 : 1;
          value += String(v);
          digitStarts.push(i);
          digitEnds.push(i + w);
          i += w;
        }
        tokens.push({ kind: 'num', start, end: i, value, digitStarts, digitEnds });
        run = 'none';
      } else if (isLetter(cp)) {
        const start = i;
        while (i < to) {
          const c = text.codePointAt(i) as number;
          if (!isLetter(c) && !(c >= 48 && c <= 57 && i > start)) break;
          i += c > 0xffff ? 2 : 1;
        }
        tokens.push({ kind: 'word', start, end: i, value: text.slice(start, i).toLowerCase() });
        run = 'none';
      } else {
        const start = i;
        const markup = markupAt(text, i, to);
        const isMarkup = markup.length > 0;
        let eol = isMarkup ? markup.eol : isLineBreakAt(text, start);
        if (eol) {
          // In HTML, `</p>\n<p>` or `<br>\n` is one line break; in plain text each break counts.
          const counts = run === 'none' || (run === 'text' && !isMarkup);
          run = run === 'markup' || isMarkup ? 'markup' : 'text';
          eol = counts;
        }
        i += isMarkup ? markup.length : width;
        const value = isMarkup ? ' ' : text.slice(start, i);
        tokens.push({ kind: 'sep', start, end: i, value, eol });
        if (!isMarkup && !markup.eol && !isLineBreakAt(text, start) && !isSpaceToken(value)) run = 'none';
      }
    }
    this.i = i;
    this.run = run;
  }
}

function tokenise(text: string, from: number, to: number): Token[] {
  return new Tokens(text, from, to).all();
}

const isMonth = (v: string): boolean => (v.length === 1 || v.length === 2) && Number(v) >= 1 && Number(v) <= 12;
const isYear = (v: string): boolean => v.length === 2 || (v.length === 4 && v.startsWith('20'));
const isMmYy = (v: string): boolean => v.length === 4 && isMonth(v.slice(0, 2)) && v.slice(0, 2) !== '00';
const isCode = (v: string): boolean => v.length === 3 || v.length === 4;

/**
 * False only when no expiry or code keyword can be a word of `text` (a quick test before tokenising).
 * A word is a keyword when it lower-cases to one; every character that lower-cases to a letter of a
 * keyword also case-folds to it, so a case-insensitive search for the keywords finds every such word
 * (and some that are not words, inside longer ones: then the window is tokenised as before).
 */
export function mayHoldKeyword(text: string): boolean {
  return KEYWORD_PATTERN.test(text);
}

const KEYWORD_PATTERN = new RegExp([...new Set([...EXPIRY_WORDS, ...CODE_WORDS])].join('|'), 'iu');

/** Separator text between two tokens, spaces dropped: '/', '-', '.', '' … */
function joiner(tokenAt: (k: number) => Token | undefined, from: number, to: number): string | undefined {
  let s = '';
  for (let t = from; t < to; t += 1) {
    const tok = tokenAt(t) as Token;
    if (tok.kind !== 'sep' || tok.eol === true) return undefined;
    if (!isSpaceToken(tok.value)) s += tok.value;
  }
  return s;
}

/**
 * On a line after the card's, a number without a keyword must stand alone on its line: after the
 * token at `k`, only spaces and punctuation, keywords or more numbers ("12/30 737") until the line ends.
 */
function aloneOnLine(tokens: Tokens, k: number): boolean {
  for (let t = k + 1; tokens.at(t) !== undefined; t += 1) {
    const tok = tokens.at(t) as Token;
    if (tok.kind === 'sep') {
      if (tok.eol === true) return true;
      if (!isFillerSeparator(tok.value)) return false;
    } else if (tok.kind === 'word') {
      if (!EXPIRY_WORDS.has(tok.value) && !CODE_WORDS.has(tok.value)) return false;
    } else return true;
  }
  return true;
}

/**
 * True when the after-window of a card ending at `cardEnd` may reach `cut` or beyond, so a stream
 * must not redact `text` up to `cut` before it has seen what follows (the window is AFTER_WINDOW
 * characters and ends at the line break that ends the CONTEXT_LINES-th line after the card's).
 */
export function contextReaches(text: string, cardEnd: number, cut: number): boolean {
  if (cut - cardEnd >= AFTER_WINDOW) return false;
  let lines = 0;
  for (const tok of tokenise(text, cardEnd, cut)) if (tok.eol === true && ++lines > CONTEXT_LINES) return false;
  return true;
}

/**
 * Offsets [start, end) of the digits of expiry dates and security codes written next to a card
 * number found at [cardStart, cardEnd). `limitBefore`/`limitAfter` keep the search off other cards.
 */
export function cardContextDigits(
  text: string,
  cardStart: number,
  cardEnd: number,
  limitBefore = 0,
  limitAfter = text.length,
): { ranges: Array<[number, number]>; items: number } {
  const out: Array<[number, number]> = [];
  let items = 0;
  const mask = (tok: Token, counts = true): void => {
    if (counts) items += 1;
    tok.digitStarts?.forEach((s, k) => out.push([s, tok.digitEnds?.[k] as number]));
  };

  // After the card: expiry and code, either with a keyword or right after the card (fillers only),
  // on the card's line and the CONTEXT_LINES lines after it.
  const after = new Tokens(text, cardEnd, Math.min(limitAfter, cardEnd + AFTER_WINDOW));
  let adjacent = true; // nothing but separators, fillers and keywords since the card (or its expiry), or a new line
  let expiryWord = false;
  let codeWord = false;
  let sawExpiry = false;
  let sawCode = false;
  let lines = 0;
  for (let t = 0; after.at(t) !== undefined; t += 1) {
    const tok = after.at(t) as Token;
    if (tok.kind === 'sep') {
      if (tok.eol) {
        lines += 1;
        if (lines > CONTEXT_LINES) break;
        adjacent = true;
        continue;
      }
      if (!isFillerSeparator(tok.value)) adjacent = false;
      continue;
    }
    if (tok.kind === 'word') {
      if (EXPIRY_WORDS.has(tok.value)) expiryWord = true;
      else if (CODE_WORDS.has(tok.value)) codeWord = true;
      else if (!FILLER_WORDS.has(tok.value)) {
        adjacent = false;
        expiryWord = false;
        codeWord = false;
      }
      continue;
    }
    // A number: MM/YY or MM/YYYY (two numbers joined by / - . or a space)?
    let next = t + 1;
    while (after.at(next)?.kind === 'sep') next += 1;
    if (after.at(next) === undefined) next = -1;
    const second = next >= 0 ? (after.at(next) as Token) : undefined;
    const glue = next >= 0 ? joiner((k) => after.at(k), t + 1, next) : undefined;
    if (
      !sawExpiry &&
      second?.kind === 'num' &&
      isMonth(tok.value) &&
      isYear(second.value) &&
      glue !== undefined &&
      ['/', '-', '.', '', '\\'].includes(glue) &&
      (glue !== '' || expiryWord)
    ) {
      if (expiryWord || (adjacent && (lines === 0 || aloneOnLine(after, next)))) {
        mask(tok);
        mask(second, false);
        sawExpiry = true;
        expiryWord = false;
        t = next;
        continue;
      }
    }
    if (!sawExpiry && expiryWord && isMmYy(tok.value)) {
      mask(tok);
      sawExpiry = true;
      expiryWord = false;
      continue;
    }
    if (!sawCode && isCode(tok.value) && (codeWord || (adjacent && (lines === 0 || aloneOnLine(after, t))))) {
      mask(tok);
      sawCode = true;
      codeWord = false;
      continue;
    }
    // Any other number ends the card's neighbourhood.
    break;
  }

  // Before the card: only a number announced by a keyword ("cvv 737, card 4111…"). Most windows hold
  // none of the keywords anywhere, even inside other words: then nothing is tokenised.
  const beforeFrom = Math.max(limitBefore, cardStart - BEFORE_WINDOW);
  const before = mayHoldKeyword(text.slice(beforeFrom, cardStart)) ? tokenise(text, beforeFrom, cardStart) : [];
  let lineStart = 0;
  before.forEach((tok, k) => {
    if (tok.kind === 'sep' && (tok.eol === true || /[\n\r\u2028\u2029\u0085]/.test(tok.value))) lineStart = k + 1;
  });
  for (let t = lineStart; t < before.length; t += 1) {
    const tok = before[t] as Token;
    if (tok.kind !== 'word') continue;
    const isCodeWord = CODE_WORDS.has(tok.value);
    const isExpiryWord = EXPIRY_WORDS.has(tok.value);
    if (!isCodeWord && !isExpiryWord) continue;
    // The first number after the keyword, with only separators, fillers or keywords between.
    for (let u = t + 1; u < before.length; u += 1) {
      const x = before[u] as Token;
      if (x.kind === 'sep') continue;
      if (x.kind === 'word') {
        if (FILLER_WORDS.has(x.value) || CODE_WORDS.has(x.value) || EXPIRY_WORDS.has(x.value)) continue;
        break;
      }
      const n2 = before.findIndex((y, k) => k > u && y.kind !== 'sep');
      const second = n2 >= 0 ? (before[n2] as Token) : undefined;
      const glue = n2 >= 0 ? joiner((k) => before[k], u + 1, n2) : undefined;
      if (isExpiryWord && second?.kind === 'num' && isMonth(x.value) && isYear(second.value) && glue !== undefined && ['/', '-', '.'].includes(glue)) {
        mask(x);
        mask(second, false);
      } else if (isExpiryWord && isMmYy(x.value)) mask(x);
      else if (isCodeWord && isCode(x.value)) mask(x);
      break;
    }
  }
  out.sort((a, b) => a[0] - b[0]);
  return { ranges: out, items };
}
