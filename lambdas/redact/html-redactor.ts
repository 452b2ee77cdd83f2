/**
 * Redacts HTML (an email's text/html part) as a stream without breaking its markup: only text nodes,
 * attribute values, comments and script/style contents are redacted; tag and attribute names are
 * passed through byte for byte. A text node or attribute value is decoded (entities, so
 * `4111&nbsp;1111…` is seen as the card number it shows) before redaction and re-escaped only when
 * something in it changed, so untouched markup stays identical.
 *
 * Card numbers are looked for across text nodes: consecutive text and tags are collected into a
 * segment, which is cut only at a tag that can never stand inside a number (a table cell, a list
 * item, … — see `tagJoinsNumbers`), at comments and scripts; the card detector reads the segment as
 * written (inline tags like `<b>`/`<span>`/`<wbr>`, `<br>`, character references) and masks the
 * digits where they are written. Additional rules then run on each decoded text node.
 */
import { tagJoinsNumbers } from '../shared/card/card-detector';
import { CARD_CONTEXT_ID, DEFAULT_FILTER_ID } from './redaction-config';
import {
  addToTally,
  applyMask,
  MAX_PENDING_LINE,
  numberMayGoOn,
  safeCut,
  type CardMaskResult,
  type MaskRanges,
  type RedactionTally,
  type Redactor,
} from './redactor';

/** Longest piece of a chunk parsed at once (see write). */
const HTML_PIECE = 16 * 1024;
/** Longest tag held back while waiting for its `>`; beyond it the `<` is treated as text. */
const MAX_TAG = 64 * 1024;
/**
 * A segment longer than this is redacted early, before a line tag (`<p>`, `</p>`, `<br>`, `<div>`)
 * where no number and no card's expiry or code can continue (see flushIfSafe): a page of paragraphs is
 * otherwise one segment of up to 1 MiB, and strings that long cost several times more to make.
 */
const SEGMENT_SOFT = 32 * 1024;
const LINE_TAG = /^<\/?(?:p|br|div)\b/i;

const NAMED: Record<string, string> = {
  nbsp: '\u00a0',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  ndash: '\u2013',
  mdash: '\u2014',
  hyphen: '\u2010',
  dash: '\u2010',
  ensp: '\u2002',
  emsp: '\u2003',
  thinsp: '\u2009',
};

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([A-Za-z]{2,8}));?/g;

/**
 * Stands for an entity this module does not know (`&eacute;`…) while its text is redacted, so the
 * entity comes back exactly as written instead of being escaped to `&amp;eacute;`.
 */
const KEPT = '\ue000';

/** Decodes entities; unknown named ones become KEPT placeholders, their text pushed to `kept`. */
export function decodeEntities(text: string, kept: string[] = []): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (dec !== undefined || hex !== undefined) {
      const code = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    const value = NAMED[(name ?? '').toLowerCase()];
    if (value !== undefined && whole.endsWith(';')) return value;
    kept.push(whole);
    return KEPT;
  });
}

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n += 1;
  return n;
}

export function escapeHtml(text: string, attribute: boolean): string {
  let out = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u00a0/g, '&nbsp;');
  if (attribute) out = out.replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  return out;
}

type State = { kind: 'data' } | { kind: 'raw'; endTag: string };

export class HtmlRedactionStream {
  private buffer = '';
  private state: State = { kind: 'data' };
  /**
   * The segment: text nodes and number-joining tags not yet redacted, in order. It is held as the
   * few strings it is made of (mostly long slices of the input, since its items follow each other
   * there) and where each text node lies in it, not as one object per item: an email's HTML part has
   * a few items per line, and a segment lives long enough for items to be promoted out of V8's young generation.
   */
  private segParts: string[] = [];
  /** Length of the strings in segParts. */
  private segPartsLength = 0;
  /** [start, end) of each text node in the segment, flat. */
  private segTexts: number[] = [];
  /** The input being parsed by drain, and the open run [runStart, runEnd) of it that belongs to the segment (-1: none). */
  private input = '';
  private runStart = -1;
  private runEnd = -1;

  /** Segment length at which the next early redaction is tried (grows after a try that could not cut). */
  private retryAt: number;

  /**
   * @param segmentSoft segment length from which it is redacted early where that is safe (Infinity:
   *   never; the differential test compares both)
   */
  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
    private readonly segmentSoft = SEGMENT_SOFT,
  ) {
    this.retryAt = segmentSoft;
  }

  public write(chunk: string): string {
    let out = '';
    this.writeTo(chunk, (text) => {
      out += text;
    });
    return out;
  }

  /**
   * The same as write, with the output given to `emit` in parts (none empty) instead of joined: a caller
   * that encodes the output (an email part) then copies each part once, where the joined output of a
   * piece is a string of many parts that is first flattened, often outside V8's young generation.
   */
  public writeTo(chunk: string, emit: (text: string) => void): void {
    const out = (text: string): void => {
      if (text !== '') emit(text);
    };
    // In pieces, as if the chunk had arrived so (the result does not depend on the cutting): joining the
    // held text with a whole 64 KiB chunk would copy it outside V8's young generation.
    if (chunk.length <= HTML_PIECE) {
      this.buffer += chunk;
      this.drain(false, out);
      return;
    }
    for (let i = 0; i < chunk.length; i += HTML_PIECE) {
      this.buffer += chunk.slice(i, i + HTML_PIECE);
      this.drain(false, out);
    }
  }

  public end(): string {
    let out = '';
    const emit = (text: string): void => {
      out += text;
    };
    this.drain(true, emit);
    const rest = this.buffer;
    this.buffer = '';
    if (this.state.kind === 'raw') out += this.flush() + this.plain(rest);
    else {
      this.input = rest;
      out += this.text(0, rest.length);
      out += this.flush();
      this.closeRun();
      this.input = '';
    }
    return out;
  }

  private get segmentLength(): number {
    return this.segPartsLength + (this.runStart >= 0 ? this.runEnd - this.runStart : 0);
  }

  /** Moves the open run of the input into segParts. */
  private closeRun(): void {
    if (this.runStart < 0) return;
    if (this.runEnd > this.runStart) {
      this.segParts.push(this.input.slice(this.runStart, this.runEnd));
      this.segPartsLength += this.runEnd - this.runStart;
    }
    this.runStart = -1;
    this.runEnd = -1;
  }

  /** Adds input[start, end) to the segment as it is written. */
  private extendRun(start: number, end: number): void {
    if (this.runStart >= 0 && this.runEnd !== start) this.closeRun();
    if (this.runStart < 0) this.runStart = start;
    this.runEnd = end;
  }

  /** Adds the text node input[start, end) to the segment; returns output when the segment had to be flushed. */
  private text(start: number, end: number): string {
    if (end <= start) return '';
    const at = this.segmentLength;
    this.extendRun(start, end);
    this.segTexts.push(at, at + end - start);
    return this.segmentLength > MAX_PENDING_LINE ? this.flush() : '';
  }

  /** Adds the number-joining tag input[start, end) to the segment, as rewritten (rewriteTag). */
  private tag(start: number, end: number, rewritten: string, tag: string): void {
    if (rewritten === tag) {
      this.extendRun(start, end);
      return;
    }
    this.closeRun();
    this.segParts.push(rewritten);
    this.segPartsLength += rewritten.length;
  }

  /** The last (up to) `length` characters of the segment. */
  private segmentTail(length: number): string {
    let tail = this.runStart >= 0 ? this.input.slice(Math.max(this.runStart, this.runEnd - length), this.runEnd) : '';
    for (let i = this.segParts.length - 1; i >= 0 && tail.length < length; i -= 1) {
      const part = this.segParts[i] as string;
      tail = part.slice(Math.max(0, part.length - (length - tail.length))) + tail;
    }
    return tail;
  }

  /**
   * Before a line tag: redacts the segment so far when it is long and the cut is safe, i.e. no number
   * can go on across it (the segment's last character that is not a gap or a tag cannot belong to one)
   * and no card before it has an expiry or code window that reaches it (Redactor.contextSafeCut, the
   * line stream's own test). A line tag starts a line, so nothing after it reads back across it either.
   * When a card's window reaches the cut, the next try waits until the segment has grown by half (the
   * test redacts the whole segment: so its cost stays linear in total).
   */
  private flushIfSafe(): string {
    const length = this.segmentLength;
    if (length < this.retryAt) return '';
    // A number may go on: try again at the next line tag (this test reads only the last characters).
    const tail = this.segmentTail(1024);
    if (numberMayGoOn(tail, tail.length === length)) return '';
    this.retryAt = length + Math.max(this.segmentSoft, length / 2);
    this.closeRun();
    const whole = this.segParts.length === 1 ? (this.segParts[0] as string) : this.segParts.join('');
    this.segParts = [whole];
    const { cut, found } = this.redactor.contextSafeCut(whole, whole.length);
    if (cut !== whole.length) return '';
    this.retryAt = this.segmentSoft;
    return this.flush(found);
  }

  /** Redacts the segment: card numbers across its texts and tags, then the rules on each text node. */
  private flush(known?: CardMaskResult): string {
    this.closeRun();
    if (this.segPartsLength === 0) {
      this.segParts = [];
      this.segTexts = [];
      return '';
    }
    const whole = this.segParts.length === 1 ? (this.segParts[0] as string) : this.segParts.join('');
    const texts = this.segTexts;
    this.segParts = [];
    this.segPartsLength = 0;
    this.segTexts = [];
    this.retryAt = this.segmentSoft;
    const found = known ?? this.redactor.cardMask(whole);
    addToTally(this.tally, DEFAULT_FILTER_ID, found.cards);
    addToTally(this.tally, CARD_CONTEXT_ID, found.context);
    // Stretches nothing changes in (no masked digit, no possible rule match) are passed on as one slice
    // of the segment per run of them. Tags between text nodes are one stretch (rules never run on tags).
    const ranges = found.ranges;
    const parts: string[] = [];
    let kept = 0; // start of the run of unchanged stretches
    let r = 0;
    const stretch = (start: number, end: number, isText: boolean): void => {
      let local: MaskRanges | undefined;
      while (r < ranges.length && (ranges[r] as [number, number])[0] < end) {
        const [a, b] = ranges[r] as [number, number];
        (local ??= []).push([a - start, b - start]);
        r += 1;
      }
      if (local === undefined && !(isText && this.rulesMayChange(whole.slice(start, end)))) return;
      if (kept < start) parts.push(whole.slice(kept, start));
      const raw = whole.slice(start, end);
      const masked = local === undefined ? raw : applyMask(raw, local);
      parts.push(isText ? this.rulesOnText(masked) : masked);
      kept = end;
    };
    let previous = 0;
    for (let t = 0; t < texts.length; t += 2) {
      const start = texts[t] as number;
      const end = texts[t + 1] as number;
      if (start > previous) stretch(previous, start, false);
      stretch(start, end, true);
      previous = end;
    }
    if (whole.length > previous) stretch(previous, whole.length, false);
    if (kept === 0) return whole;
    if (kept < whole.length) parts.push(whole.slice(kept));
    return parts.join('');
  }

  /** False only when rulesOnText certainly returns `raw` as it is. */
  private rulesMayChange(raw: string): boolean {
    return this.redactor.hasRules() && (raw.includes('&') || this.redactor.rulesMayMatch(raw));
  }

  /** The additional rules on one text node: decode, apply, re-escape only if changed. */
  private rulesOnText(raw: string): string {
    if (!this.rulesMayChange(raw)) return raw;
    const kept: string[] = [];
    const decoded = decodeEntities(raw, kept);
    const redacted = this.redactor.applyRules(decoded, this.tally);
    return redacted === decoded ? raw : this.reescape(redacted, decoded, kept, false);
  }

  private reescape(redacted: string, decoded: string, kept: string[], attribute: boolean): string {
    const escaped = escapeHtml(redacted, attribute);
    if (kept.length === 0) return escaped;
    // Put unknown entities back; if a rule swallowed a placeholder (or the text had its own), escape them as text.
    if (count(decoded, KEPT) !== kept.length || count(redacted, KEPT) !== kept.length) return escaped.split(KEPT).join('');
    let k = 0;
    return escaped.replace(/\ue000/g, () => kept[k++] ?? '');
  }

  /** A text node: decode, redact, re-escape only if changed. */
  private textNode(raw: string, attribute = false): string {
    if (raw === '') return raw;
    const kept: string[] = [];
    const decoded = decodeEntities(raw, kept);
    const redacted = this.redactor.redact(decoded, this.tally);
    if (redacted === decoded) return raw;
    return this.reescape(redacted, decoded, kept, attribute);
  }

  /** Comments and script/style contents: no entities there, redact as they are. */
  private plain(raw: string): string {
    return raw === '' ? raw : this.redactor.redact(raw, this.tally);
  }

  /** Parses the buffer from its start with a cursor; what is left unparsed stays in the buffer. */
  private drain(final: boolean, out: (text: string) => void): void {
    const b = this.buffer;
    this.input = b;
    let p = 0;
    for (;;) {
      if (this.state.kind === 'raw') {
        const end = b.slice(p).toLowerCase().indexOf(this.state.endTag);
        if (end < 0) {
          const rest = b.length - p;
          if (rest > MAX_PENDING_LINE) {
            const cut = safeCut(b.slice(p, b.length - this.state.endTag.length));
            out(this.plain(b.slice(p, p + cut)));
            p += cut;
          }
          break;
        }
        out(this.plain(b.slice(p, p + end)));
        p += end;
        this.state = { kind: 'data' };
        continue;
      }
      const lt = b.indexOf('<', p);
      if (lt < 0) {
        // Hold the text until its node ends; a partial entity at the end must not be cut either.
        if (b.length - p > MAX_PENDING_LINE) {
          const cut = safeCut(b.slice(p));
          out(this.text(p, p + cut));
          p += cut;
        }
        break;
      }
      if (lt > p) {
        out(this.text(p, lt));
        p = lt;
        continue;
      }
      // The input at p starts with '<'.
      const rest = b.length - p;
      if (b.startsWith('<!--', p)) {
        const close = b.indexOf('-->', p + 4);
        if (close < 0) {
          if (!final && rest <= MAX_PENDING_LINE) break;
          out(this.flush());
          out('<!--');
          out(this.plain(b.slice(p + 4)));
          p = b.length;
          break;
        }
        out(this.flush());
        out('<!--');
        out(this.plain(b.slice(p + 4, close)));
        out('-->');
        p = close + 3;
        continue;
      }
      if (rest < 4 && !final && '<!--'.startsWith(b.slice(p))) break;
      if (rest === 1 && !final) break;
      // `<` not followed by a tag name, `/`, `!` or `?` is text (as in `a < b`).
      const tagEnd = rest > 1 && tagStartChar(b.charCodeAt(p + 1)) ? findTagEnd(b, p) : -2;
      if (tagEnd < 0) {
        if (tagEnd === -1 && !final && rest <= MAX_TAG) break;
        // Not a tag after all (or an absurd one): treat the '<' as text.
        out(this.text(p, p + 1));
        p += 1;
        continue;
      }
      const tag = b.slice(p, tagEnd + 1);
      if (tagJoinsNumbers(tag, true)) {
        if (this.segmentLength >= this.retryAt && LINE_TAG.test(tag)) out(this.flushIfSafe());
        this.tag(p, tagEnd + 1, this.rewriteTag(tag), tag);
      } else {
        out(this.flush());
        out(this.rewriteTag(tag));
      }
      p = tagEnd + 1;
      const c = b.charCodeAt(p - tag.length + 1) | 0x20;
      if (c === 0x73 || c === 0x74) {
        // s or t: script, style, textarea or title
        const open = /^<(script|style|textarea|title)\b/i.exec(tag);
        if (open && !tag.endsWith('/>')) this.state = { kind: 'raw', endTag: `</${(open[1] as string).toLowerCase()}` };
      }
    }
    this.closeRun();
    this.input = '';
    this.buffer = p === 0 ? b : b.slice(p);
  }

  /** Redacts attribute values in one tag; names and punctuation are kept as they are. */
  private rewriteTag(tag: string): string {
    if (!/^<[A-Za-z]/.test(tag) || !tag.includes('=')) return tag;
    // Without `&` no value decodes to anything but its own text: nothing to redact when the tag as a whole holds nothing.
    if (!this.redactor.mayChange(tag)) return tag;
    const rewritten = tag.replace(/(=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g, (whole, eq: string, dq?: string, sq?: string, bare?: string) => {
      if (dq !== undefined) return `${eq}"${this.textNode(dq, true)}"`;
      if (sq !== undefined) return `${eq}'${this.textNode(sq, true)}'`;
      if (bare !== undefined) {
        const redacted = this.textNode(bare, true);
        return redacted === bare ? whole : `${eq}"${redacted}"`;
      }
      return whole;
    });
    return rewritten === tag ? tag : rewritten;
  }
}

/** A character that may follow `<` in a tag: a letter, `/`, `!` or `?`. */
function tagStartChar(c: number): boolean {
  return ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c === 0x2f || c === 0x21 || c === 0x3f;
}

/** Index in `text` of the `>` that closes the tag starting at `from`, skipping quoted values; -1 if not yet (-2: not a tag). */
function findTagEnd(text: string, from: number): number {
  let quote = 0;
  const to = Math.min(text.length, from + MAX_TAG + 1);
  for (let i = from + 1; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) {
      if (i > from + 1) quote = c;
    } else if (c === 62) return i;
    else if (c === 60 && i === from + 1) return -2;
  }
  return -1;
}
