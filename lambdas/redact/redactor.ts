/**
 * Applies a loaded redaction configuration to text: the card-number detector first (shared with
 * the rest of the product: lambdas/shared/card/card-detector.ts) together with the expiry dates
 * and security codes written next to each card (card-context.ts), then each additional rule in
 * configuration order, each on the previous one's output. Counts per rule id go into a tally the
 * caller owns; the matched text is never kept or returned anywhere else.
 */
import { digitValue, findCardNumberDetails, isGapCharacter, mayHoldCardNumber } from '../shared/card/card-detector';
import { cardContextDigits, contextReaches } from './card-context';
import { CARD_CONTEXT_ID, DEFAULT_FILTER_ID, type CompiledRule, type RedactionConfig, type ReplacementConfig } from './redaction-config';

/** Matches per rule id, for audit events. */
export type RedactionTally = Record<string, number>;

export function addToTally(tally: RedactionTally, id: string, count: number): void {
  if (count > 0) tally[id] = (tally[id] ?? 0) + count;
}

export function tallyTotal(tally: RedactionTally): number {
  return Object.values(tally).reduce((sum, n) => sum + n, 0);
}

/** Replaces every decimal digit (any script) of `text` with `#`, leaving all other characters as they are. */
export function maskDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, '#');
}

function replace(match: string, replacement: ReplacementConfig): string {
  switch (replacement.strategy) {
    case 'mask-digits':
      return maskDigits(match);
    case 'mask-all':
      return match.replace(/\S/g, '#');
    case 'fixed':
      return replacement.text;
  }
}

function applyRule(text: string, rule: CompiledRule, tally: RedactionTally): string {
  const parts: string[] = [];
  let last = 0;
  rule.pattern.findAll(text, (start, end) => {
    parts.push(text.slice(last, start), replace(text.slice(start, end), rule.replacement));
    last = end;
  });
  if (parts.length === 0) return text;
  addToTally(tally, rule.id, parts.length / 2);
  parts.push(text.slice(last));
  return parts.join('');
}

/** Sorted, non-overlapping [start, end) ranges of `text` to replace, one `#` per range. */
export type MaskRanges = Array<[number, number]>;

/** Replaces each range with one `#` (a range is one digit, whatever its width or encoding). */
export function applyMask(text: string, ranges: MaskRanges): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let last = 0;
  for (let r = 0; r < ranges.length; ) {
    const [start, end] = ranges[r] as [number, number];
    r += 1;
    if (start < last) continue;
    // Ranges that follow each other without a gap (a group of digits) become one run of `#`.
    let to = end;
    let count = 1;
    while (r < ranges.length && (ranges[r] as [number, number])[0] === to) {
      to = (ranges[r] as [number, number])[1];
      count += 1;
      r += 1;
    }
    parts.push(text.slice(last, start), count < HASHES.length ? (HASHES[count] as string) : '#'.repeat(count));
    last = to;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** '', '#', '##', … (the usual runs of masked digits, made once). */
const HASHES = Array.from({ length: 33 }, (_, n) => '#'.repeat(n));

export interface CardMaskResult {
  ranges: MaskRanges;
  cards: number;
  /** Expiry dates and security codes found next to the cards. */
  context: number;
  /** Where each card number starts and ends, in order (streams use them to hold back a card's context). */
  cardSpans: Array<[number, number]>;
}

export class Redactor {
  public constructor(private readonly config: RedactionConfig) {}

  /** Rule ids this redactor can report, in the order they run. */
  public ruleIds(): string[] {
    const card = this.config.defaultFilter ? [DEFAULT_FILTER_ID, ...(this.config.cardContext ? [CARD_CONTEXT_ID] : [])] : [];
    return [...card, ...this.config.rules.map((r) => r.id)];
  }

  /** Seconds within which consecutive chat messages of one participant are read as one text. */
  public get conversationWindowSeconds(): number {
    return this.config.conversationWindowSeconds;
  }

  /**
   * Where the card numbers (and, when configured, their expiry dates and security codes) are
   * written in `text`: one range per digit. Numbers may run across line breaks.
   */
  public cardMask(text: string): CardMaskResult {
    if (!this.config.defaultFilter) return { ranges: [], cards: 0, context: 0, cardSpans: [] };
    const cards = findCardNumberDetails(text, { lineBreaks: true });
    if (cards.length === 0) return { ranges: [], cards: 0, context: 0, cardSpans: [] };
    const ranges: MaskRanges = [];
    let context = 0;
    cards.forEach((card, i) => {
      for (let d = 0; d < card.digitStarts.length; d += 1) ranges.push([card.digitStarts[d] as number, card.digitEnds[d] as number]);
      if (this.config.cardContext) {
        const found = cardContextDigits(text, card.start, card.end, i > 0 ? (cards[i - 1]?.end ?? 0) : 0, cards[i + 1]?.start ?? text.length);
        ranges.push(...found.ranges);
        context += found.items;
      }
    });
    if (context > 0) ranges.sort((a, b) => a[0] - b[0]);
    return { ranges, cards: cards.length, context, cardSpans: cards.map((c) => [c.start, c.end]) };
  }

  /** True when expiry dates and security codes next to a card are masked too. */
  public get masksCardContext(): boolean {
    return this.config.defaultFilter && this.config.cardContext;
  }

  /**
   * Where a stream may cut `text`, at or before `cut` (an offset just after a line break where no
   * number runs across, see lineJoinCut), so that the expiry and code window of every card before
   * the cut ends before it; with `found` (the card mask of text[0, cut)) reused when the cut stays.
   * -1 when no such cut is found within the last lines (the caller then waits for more text).
   */
  public contextSafeCut(text: string, cut: number): { cut: number; found: CardMaskResult } {
    let found = this.cardMask(text.slice(0, cut));
    if (!this.masksCardContext) return { cut, found };
    let at = cut;
    for (let c = found.cardSpans.length - 1; c >= 0 && at > 0; c -= 1) {
      const [start, end] = found.cardSpans[c] as [number, number];
      if (end > at) continue;
      if (!contextReaches(text, end, at)) break;
      at = lineJoinCut(text.slice(0, start));
    }
    if (at === cut) return { cut, found };
    found = at > 0 ? this.cardMask(text.slice(0, at)) : { ranges: [], cards: 0, context: 0, cardSpans: [] };
    return { cut: at, found };
  }

  /** Masks card numbers (and their expiry and code) only, counting them. */
  public redactCards(text: string, tally: RedactionTally): string {
    return this.applyCardMask(text, this.cardMask(text), tally);
  }

  /** Applies a card mask computed on `text`, counting what it masks. */
  public applyCardMask(text: string, found: CardMaskResult, tally: RedactionTally): string {
    addToTally(tally, DEFAULT_FILTER_ID, found.cards);
    addToTally(tally, CARD_CONTEXT_ID, found.context);
    return applyMask(text, found.ranges);
  }

  /**
   * False only when redacting `text` certainly changes nothing: it cannot hold a card number and no
   * additional rule can match in it (quick tests, for the many short texts of HTML attributes and nodes).
   */
  public mayChange(text: string): boolean {
    if (this.config.defaultFilter && mayHoldCardNumber(text)) return true;
    return this.rulesMayMatch(text);
  }

  /** False only when no additional rule can match in `text`. */
  public rulesMayMatch(text: string): boolean {
    for (const rule of this.config.rules) if (rule.pattern.mayMatch(text)) return true;
    return false;
  }

  /** True when additional rules are configured. */
  public hasRules(): boolean {
    return this.config.rules.length > 0;
  }

  /** Applies the additional rules only. */
  public applyRules(text: string, tally: RedactionTally): string {
    let out = text;
    for (const rule of this.config.rules) out = applyRule(out, rule, tally);
    return out;
  }

  /** Redacts a whole text: cards (across line breaks too), then the additional rules (line by line). */
  public redact(text: string, tally: RedactionTally): string {
    return this.applyRules(this.redactCards(text, tally), tally);
  }
}

/** Longest text held back waiting for a line break before it is split at a safe point. */
export const MAX_PENDING_LINE = 1024 * 1024;

/**
 * Where an over-long unfinished line may be cut without cutting a card number: a space or tab with no
 * digit or separator beside it; failing that, the middle of a digit run of 40 or more (each half is
 * still too long to be part of a card); failing that, anywhere (documented limitation).
 */
export function safeCut(text: string): number {
  const from = Math.floor(text.length / 2);
  const digit = (i: number): boolean => digitish(text.charCodeAt(i));
  for (let i = text.length - 2; i > from; i -= 1) {
    const c = text.charCodeAt(i);
    if ((c === 32 || c === 9) && !digit(i - 1) && !digit(i + 1) && !isGapCharacter(text.charCodeAt(i - 1)) && !isGapCharacter(text.charCodeAt(i + 1)))
      return i + 1;
  }
  let run = 0;
  for (let i = text.length - 1; i > from; i -= 1) {
    run = digit(i) ? run + 1 : 0;
    if (run >= 40) return i + 20;
  }
  return text.length;
}

/**
 * True when a number written before the end of `text` could go on after it: the last character that is
 * not a gap, a percent-escaped separator or a complete tag may belong to a number (a digit, a
 * reference, markup). Looks back at most 1,024 characters; beyond that it answers true. `whole`:
 * `text` starts where the text starts (false: it is only the end of a longer text).
 */
export function numberMayGoOn(text: string, whole = true): boolean {
  let j = text.length - 1;
  for (let steps = 0; steps < 1024; steps += 1) {
    if (j < 0) return !whole; // the start of the text: of the whole text, nothing runs on from before it

    const c = text.charCodeAt(j);
    if (isGapCharacter(c)) j -= 1;
    else if (percentEscapeEndsAt(text, j)) j -= 3;
    else if (c === 0x3e) {
      // A complete tag (`</p>`, `<b>`): inline and line tags stand between the groups of a number.
      const lt = text.lastIndexOf('<', j);
      if (lt < 0 || j - lt > 200) return true;
      j = lt - 1;
    } else return digitish(c);
  }
  return true;
}

/** True when text[at - 2, at] is a percent escape (`%2D`): it may stand for a separator inside a number. */
function percentEscapeEndsAt(text: string, at: number): boolean {
  return at >= 2 && text.charCodeAt(at - 2) === 0x25 && isHexDigit(text.charCodeAt(at - 1)) && isHexDigit(text.charCodeAt(at));
}

function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** A character that may be (the end or start of) a digit as written: a digit, a reference, a tag, a surrogate. */
function digitish(c: number): boolean {
  return digitOf(c) >= 0 || c === 0x3b || c === 0x3e || c === 0x26 || c === 0x3c || c === 0x25 || (c >= 0xd800 && c <= 0xdfff);
}

/** Longest piece of a chunk a line stream redacts at once (see LineRedactionStream.write). */
export const STREAM_PIECE = 16 * 1024;
/** Characters at the start of a piece searched for a line break to finish the carried-over lines at. */
const HEAD_SEARCH = 4096;
/** Characters before that line break in which no card may end (a card's expiry and code window is shorter). */
const HEAD_QUIET = 160;

/**
 * Offset just after a line break of `piece` (within its first HEAD_SEARCH characters) where a line
 * stream will most likely be able to cut: the line does not end in a digit or markup, and no stretch
 * of digits and separators holding 13 digits (a possible card), nor any markup, ends in the
 * HEAD_QUIET characters before. 0 when none. Only a guess of where to cut: the stream checks the cut
 * as always (lineJoinCut, contextSafeCut) and carries the lines over when it cannot cut there.
 */
export function headCut(piece: string): number {
  let digits = 0; // digits in the current stretch of digits and separators
  let loud = -HEAD_QUIET - 1; // last offset where a possible card or markup was seen
  const to = Math.min(HEAD_SEARCH, piece.length);
  for (let i = 0; i < to; i += 1) {
    const c = piece.charCodeAt(i);
    if (c === 0x0a) {
      if (i - loud > HEAD_QUIET) {
        let j = i - 1;
        while (j > 0 && (isGap(piece.charCodeAt(j)) || percentEscapeEndsAt(piece, j))) j -= isGap(piece.charCodeAt(j)) ? 1 : 3;
        if (j >= 0 && !digitish(piece.charCodeAt(j))) return i + 1;
      }
      continue;
    }
    if (digitOf(c) >= 0) {
      digits += 1;
      if (digits >= 13) loud = i;
    } else if (digitish(c)) loud = i;
    else if (!isGap(c)) digits = 0;
  }
  return 0;
}

// Module-level aliases of the detector's character tests (called per character in the loops above).
const isGap = isGapCharacter;
const digitOf = digitValue;

/** Line breaks looked at, from the end, for a place where no number can continue. */
const MAX_CUT_SEARCH = 64;

/**
 * Offset just after a line break of `text` where it can be cut without cutting a number that runs
 * across lines: the last non-gap character before the break is not a digit, or the first one after
 * it (quote markers skipped) is not. -1 when none of the last lines qualifies.
 */
export function lineJoinCut(text: string): number {
  let nl = text.lastIndexOf('\n');
  for (let tries = 0; nl >= 0 && tries < MAX_CUT_SEARCH; tries += 1, nl = nl > 0 ? text.lastIndexOf('\n', nl - 1) : -1) {
    let j = nl - 1;
    let skipped = 0;
    for (; j >= 0 && skipped <= 260; skipped += 1) {
      if (isGapCharacter(text.charCodeAt(j))) j -= 1;
      else if (percentEscapeEndsAt(text, j))
        j -= 3; // `%2D`, `%20`: a separator as a URL writes it
      else break;
    }
    if (j < 0 || skipped > 260 || !digitish(text.charCodeAt(j))) return nl + 1;
    let k = nl + 1;
    skipped = 0;
    while (k < text.length && skipped <= 260 && (isGapCharacter(text.charCodeAt(k)) || text.charCodeAt(k) === 0x3e)) {
      k += 1;
      skipped += 1;
    }
    if (k < text.length && (skipped > 260 || !digitish(text.charCodeAt(k)))) return nl + 1;
  }
  return -1;
}

/**
 * Redacts a text that arrives in chunks: complete lines are redacted as they arrive, except the last
 * lines that a number could still run across into the next chunk (lineJoinCut), which are carried
 * over with the unfinished last line.
 */
export class LineRedactionStream {
  private pending = '';

  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
    private readonly maxPending = MAX_PENDING_LINE,
  ) {}

  public write(chunk: string): string {
    let out = '';
    this.writeTo(chunk, (text) => {
      out += text;
    });
    return out;
  }

  /**
   * The same as write, with the output given to `emit` in parts (each a flat or sliced string, none
   * empty) instead of joined: a caller that copies the output elsewhere (a buffer, a worker's slot)
   * then copies each part once, where a joined string is first flattened, which copies it again.
   */
  public writeTo(chunk: string, emit: (text: string) => void): void {
    // A chunk is redacted in pieces as if it had arrived in smaller chunks (the result does not depend
    // on the cutting): strings of 64 Ki characters or more are allocated outside V8's young generation,
    // so joining and copying whole chunks costs several times what the same work costs in pieces.
    if (chunk.length <= STREAM_PIECE) {
      this.writePiece(chunk, emit);
      return;
    }
    for (let i = 0; i < chunk.length; ) {
      let end = i + STREAM_PIECE;
      if (end >= chunk.length) end = chunk.length;
      else {
        // End the piece at a line break where the stream can cut (headCut), when there is one near.
        const x = headCut(chunk.slice(end - HEAD_SEARCH / 2, end + HEAD_SEARCH / 2));
        if (x > 0) end = end - HEAD_SEARCH / 2 + x;
      }
      this.writePiece(chunk.slice(i, end), emit);
      i = end;
    }
  }

  private writePiece(chunk: string, emit: (text: string) => void): void {
    if (this.pending !== '' && chunk.length > HEAD_SEARCH) {
      // Joining the carried-over lines with the whole piece would copy the piece. Instead the carried
      // lines are finished with the first lines of the piece (as if the piece had arrived cut there),
      // at a line break where the text can usually be cut; the rest of the piece then needs no copy.
      const x = headCut(chunk);
      if (x > 0) {
        this.writeLines(chunk.slice(0, x), emit);
        this.writeLines(chunk.slice(x), emit);
        return;
      }
    }
    this.writeLines(chunk, emit);
  }

  private writeLines(chunk: string, emit: (text: string) => void): void {
    this.pending = this.pending === '' ? chunk : this.pending + chunk;
    const joinCut = lineJoinCut(this.pending);
    if (joinCut > 0) {
      // Lines that a card's expiry and code may still continue into stay pending too.
      const { cut, found } = this.redactor.contextSafeCut(this.pending, joinCut);
      if (cut > 0) {
        const head = this.pending.slice(0, cut);
        const out = this.redactor.applyRules(this.redactor.applyCardMask(head, found, this.tally), this.tally);
        this.pending = this.pending.slice(cut);
        if (out !== '') emit(out);
      }
    }
    while (this.pending.length > this.maxPending) {
      const at = safeCut(this.pending);
      const out = this.redactor.redact(this.pending.slice(0, at), this.tally);
      this.pending = this.pending.slice(at);
      if (out !== '') emit(out);
    }
  }

  public end(): string {
    const out = this.pending === '' ? '' : this.redactor.redact(this.pending, this.tally);
    this.pending = '';
    return out;
  }

  /**
   * The text written but not yet redacted (the last lines, which a number or a card's expiry and code
   * may still continue from). It is the stream's whole state: a new stream written this text first
   * continues exactly as this one would.
   */
  public held(): string {
    return this.pending;
  }
}
