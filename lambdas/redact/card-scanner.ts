/**
 * The default filter: a hand-written, single-pass scanner that finds card numbers in text and masks
 * every digit with `#`, keeping separators and everything around them.
 *
 * Why not a regular expression: a scanner makes the linear-time guarantee obvious (each character is
 * looked at a bounded number of times), it can apply the Luhn check before deciding, and it is several
 * times faster than a regex-with-callback on chat text full of timestamps and order numbers.
 *
 * What counts as a card number (documented in README.md):
 * - a run of digit groups joined by 1–3 separator characters (space, no-break space, `-`, `‐`, `‑`, `–`);
 *   a line break is never a separator, so a number never spans two lines;
 * - inside a run, a candidate is a window of consecutive whole groups holding 13–19 digits that passes
 *   the Luhn check: either one group of 13–19 digits, or several groups of 3–8 digits each
 *   (4-4-4-4, 4-6-5, 4-4-4-4-3, 8-8, …); the longest passing window from the leftmost start wins;
 * - a group is a maximal digit run, so digits never split a longer number (a 20-digit run is not a card).
 */
import { luhnValid } from '../shared/card/card-rules';

export const CARD_MIN_DIGITS = 13;
export const CARD_MAX_DIGITS = 19;
const MULTI_GROUP_MIN = 3;
const MULTI_GROUP_MAX = 8;
const MAX_SEPARATOR_RUN = 3;
/** A multi-group window holds at most 19 / 3 groups; one more lets a window end on the last group. */
const WINDOW_GROUPS = Math.ceil(CARD_MAX_DIGITS / MULTI_GROUP_MIN) + 1;

/** A masked span [start, end) of the scanned text. */
export interface CardSpan {
  start: number;
  end: number;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Separator characters allowed between digit groups of one card number. */
export function isCardSeparator(code: number): boolean {
  return code === 32 || code === 45 || code === 0xa0 || code === 0x2010 || code === 0x2011 || code === 0x2013;
}

/** Shortest text a card number can occupy: 13 digits. */
const STRIDE = CARD_MIN_DIGITS;

function isCardChar(code: number): boolean {
  return (code >= 48 && code <= 57) || isCardSeparator(code);
}

/**
 * Finds the card numbers in `text`, calling `onSpan` for each in order.
 *
 * Any card number occupies at least 13 consecutive characters that are all digits or separators, so
 * it must cover one of every 13th position: the scanner samples those positions and only looks
 * around a sample that is a digit or a separator, expanding it to the whole digit/separator region.
 * Ordinary text is skipped 13 characters at a time. Each character is still read a bounded number of
 * times (regions never overlap; windows hold at most 19 digits and 7 groups): linear time.
 */
export function findCardNumbers(text: string, onSpan: (span: CardSpan) => void): void {
  const n = text.length;
  let scanned = 0; // everything before this offset has been examined
  let p = STRIDE - 1;
  while (p < n) {
    if (!isCardChar(text.charCodeAt(p))) {
      p += STRIDE;
      continue;
    }
    let s = p;
    while (s > scanned && isCardChar(text.charCodeAt(s - 1))) s -= 1;
    let e = p + 1;
    while (e < n && isCardChar(text.charCodeAt(e))) e += 1;
    if (e - s >= CARD_MIN_DIGITS) scanRegion(text, s, e, onSpan);
    scanned = e;
    // The next card must start after this region; sample 13 characters on from its end.
    p = e + STRIDE;
  }
}

/** Finds runs of digit groups inside a region of digits and separators and checks each for cards. */
function scanRegion(text: string, from: number, to: number, onSpan: (span: CardSpan) => void): void {
  let i = from;
  while (i < to) {
    while (i < to && !isDigit(text.charCodeAt(i))) i += 1;
    if (i >= to) return;
    // A run: digit groups joined by 1–3 separators. Count its digits first; most runs are too short.
    const runStart = i;
    let digits = 0;
    let runEnd = i;
    let j = i;
    for (;;) {
      while (j < to && isDigit(text.charCodeAt(j))) {
        j += 1;
        digits += 1;
      }
      runEnd = j;
      let k = j;
      while (k < to && k - j < MAX_SEPARATOR_RUN && isCardSeparator(text.charCodeAt(k))) k += 1;
      if (k > j && k < to && isDigit(text.charCodeAt(k))) {
        j = k;
        continue;
      }
      break;
    }
    if (digits >= CARD_MIN_DIGITS) scanRun(text, runStart, runEnd, onSpan);
    i = runEnd;
  }
}

/** Looks for card windows inside one run of digit groups, streaming its groups through a small ring. */
function scanRun(text: string, runStart: number, runEnd: number, onSpan: (span: CardSpan) => void): void {
  // Ring of the run's pending groups (start and end offsets): windows never need more.
  const gStart = new Int32Array(WINDOW_GROUPS);
  const gEnd = new Int32Array(WINDOW_GROUPS);
  let head = 0; // ring index of the oldest pending group
  let count = 0; // pending groups
  let pos = runStart;
  let runDone = false;

  const readGroup = (): void => {
    const start = pos;
    while (pos < runEnd && isDigit(text.charCodeAt(pos))) pos += 1;
    const slot = (head + count) % WINDOW_GROUPS;
    gStart[slot] = start;
    gEnd[slot] = pos;
    count += 1;
    while (pos < runEnd && !isDigit(text.charCodeAt(pos))) pos += 1;
    if (pos >= runEnd) runDone = true;
  };

  while (!runDone || count > 0) {
    while (!runDone && count < WINDOW_GROUPS) readGroup();
    const taken = longestWindow(text, gStart, gEnd, head, count);
    if (taken > 0) {
      const last = (head + taken - 1) % WINDOW_GROUPS;
      onSpan({ start: gStart[head] ?? 0, end: gEnd[last] ?? 0 });
      head = (head + taken) % WINDOW_GROUPS;
      count -= taken;
    } else {
      head = (head + 1) % WINDOW_GROUPS;
      count -= 1;
    }
  }
}

/** Number of groups in the longest Luhn-valid window starting at the oldest pending group (0 if none). */
function longestWindow(text: string, gStart: Int32Array, gEnd: Int32Array, head: number, count: number): number {
  let best = 0;
  let digits = '';
  for (let g = 0; g < count; g += 1) {
    const slot = (head + g) % WINDOW_GROUPS;
    const len = (gEnd[slot] ?? 0) - (gStart[slot] ?? 0);
    const single = g === 0 && len >= CARD_MIN_DIGITS && len <= CARD_MAX_DIGITS;
    // Groups of a multi-group window are 3–8 digits; a group that is not ends every window here.
    if (!single && (len < MULTI_GROUP_MIN || len > MULTI_GROUP_MAX)) break;
    digits += text.slice(gStart[slot], gEnd[slot]);
    if (digits.length > CARD_MAX_DIGITS) break;
    if (digits.length >= CARD_MIN_DIGITS && luhnValid(digits)) best = g + 1;
    if (single) break;
  }
  return best;
}

/** Replaces every ASCII digit of `text` with `#`, leaving all other characters as they are. */
export function maskDigits(text: string): string {
  return text.replace(DIGITS, '#');
}
const DIGITS = /[0-9]/g;

/** Masks every card number in `text`; returns the new text and how many numbers were masked. */
export function maskCardNumbers(text: string): { text: string; count: number } {
  let out = '';
  let last = 0;
  let count = 0;
  findCardNumbers(text, ({ start, end }) => {
    out += text.slice(last, start) + maskDigits(text.slice(start, end));
    last = end;
    count += 1;
  });
  if (count === 0) return { text, count };
  out += text.slice(last);
  return { text: out, count };
}
