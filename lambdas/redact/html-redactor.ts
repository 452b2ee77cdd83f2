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
import { addToTally, applyMask, MAX_PENDING_LINE, safeCut, type MaskRanges, type RedactionTally, type Redactor } from './redactor';

/** Longest piece of a chunk parsed at once (see write). */
const HTML_PIECE = 16 * 1024;
/** Longest tag held back while waiting for its `>`; beyond it the `<` is treated as text. */
const MAX_TAG = 64 * 1024;

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

interface SegmentItem {
  kind: 'text' | 'tag';
  raw: string;
}

export class HtmlRedactionStream {
  private buffer = '';
  private state: State = { kind: 'data' };
  /** Text nodes and number-joining tags not yet redacted, in order. */
  private segment: SegmentItem[] = [];
  private segmentLength = 0;

  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
  ) {}

  public write(chunk: string): string {
    if (chunk.length <= HTML_PIECE) {
      this.buffer += chunk;
      return this.drain(false);
    }
    // In pieces, as if the chunk had arrived so (the result does not depend on the cutting): joining the
    // held text with a whole 64 KiB chunk would copy it outside V8's young generation.
    let out = '';
    for (let i = 0; i < chunk.length; i += HTML_PIECE) {
      this.buffer += chunk.slice(i, i + HTML_PIECE);
      out += this.drain(false);
    }
    return out;
  }

  public end(): string {
    let out = this.drain(true);
    const rest = this.buffer;
    this.buffer = '';
    if (this.state.kind === 'raw') out += this.flush() + this.plain(rest);
    else out += this.text(rest) + this.flush();
    return out;
  }

  /** Adds a text node to the segment; returns output when the segment had to be flushed. */
  private text(raw: string): string {
    if (raw === '') return '';
    this.segment.push({ kind: 'text', raw });
    this.segmentLength += raw.length;
    return this.segmentLength > MAX_PENDING_LINE ? this.flush() : '';
  }

  /** Redacts the segment: card numbers across its texts and tags, then the rules on each text node. */
  private flush(): string {
    if (this.segment.length === 0) return '';
    const items = this.segment;
    this.segment = [];
    this.segmentLength = 0;
    const whole = items.map((item) => item.raw).join('');
    const found = this.redactor.cardMask(whole);
    addToTally(this.tally, DEFAULT_FILTER_ID, found.cards);
    addToTally(this.tally, CARD_CONTEXT_ID, found.context);
    // Items nothing changes in (no masked digit, no possible rule match) are passed on as one slice of
    // the segment per run of them, not one string each.
    const parts: string[] = [];
    let kept = 0; // start of the run of unchanged items
    let offset = 0;
    let r = 0;
    for (const item of items) {
      const end = offset + item.raw.length;
      const local: MaskRanges = [];
      while (r < found.ranges.length && (found.ranges[r] as [number, number])[0] < end) {
        const [a, b] = found.ranges[r] as [number, number];
        local.push([a - offset, b - offset]);
        r += 1;
      }
      if (local.length > 0 || (item.kind === 'text' && this.rulesMayChange(item.raw))) {
        if (kept < offset) parts.push(whole.slice(kept, offset));
        const masked = applyMask(item.raw, local);
        parts.push(item.kind === 'text' ? this.rulesOnText(masked) : masked);
        kept = end;
      }
      offset = end;
    }
    if (kept === 0) return whole;
    if (kept < offset) parts.push(whole.slice(kept, offset));
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

  private drain(final: boolean): string {
    let out = '';
    for (;;) {
      const b = this.buffer;
      if (this.state.kind === 'raw') {
        const end = b.toLowerCase().indexOf(this.state.endTag);
        if (end < 0) {
          if (b.length > MAX_PENDING_LINE) {
            const cut = safeCut(b.slice(0, b.length - this.state.endTag.length));
            out += this.plain(b.slice(0, cut));
            this.buffer = b.slice(cut);
          }
          return out;
        }
        out += this.plain(b.slice(0, end));
        this.buffer = b.slice(end);
        this.state = { kind: 'data' };
        continue;
      }
      const lt = b.indexOf('<');
      if (lt < 0) {
        // Hold the text until its node ends; a partial entity at the end must not be cut either.
        if (b.length > MAX_PENDING_LINE) {
          const cut = safeCut(b);
          out += this.text(b.slice(0, cut));
          this.buffer = b.slice(cut);
        }
        return out;
      }
      if (lt > 0) {
        out += this.text(b.slice(0, lt));
        this.buffer = b.slice(lt);
        continue;
      }
      // The buffer starts with '<'.
      if (b.startsWith('<!--')) {
        const close = b.indexOf('-->', 4);
        if (close < 0) {
          if (!final && b.length <= MAX_PENDING_LINE) return out;
          out += `${this.flush()}<!--${this.plain(b.slice(4))}`;
          this.buffer = '';
          return out;
        }
        out += `${this.flush()}<!--${this.plain(b.slice(4, close))}-->`;
        this.buffer = b.slice(close + 3);
        continue;
      }
      if (b.length < 4 && !final && '<!--'.startsWith(b)) return out;
      if (b.length === 1 && !final) return out;
      // `<` not followed by a tag name, `/`, `!` or `?` is text (as in `a < b`).
      const tagEnd = b.length > 1 && /[A-Za-z/!?]/.test(b[1] as string) ? findTagEnd(b) : -2;
      if (tagEnd < 0) {
        if (tagEnd === -1 && !final && b.length <= MAX_TAG) return out;
        // Not a tag after all (or an absurd one): treat the '<' as text.
        out += this.text('<');
        this.buffer = b.slice(1);
        continue;
      }
      const tag = b.slice(0, tagEnd + 1);
      if (tagJoinsNumbers(tag, true)) {
        const rewritten = this.rewriteTag(tag);
        this.segment.push({ kind: 'tag', raw: rewritten });
        this.segmentLength += rewritten.length;
      } else out += this.flush() + this.rewriteTag(tag);
      this.buffer = b.slice(tagEnd + 1);
      const open = /^<(script|style|textarea|title)\b/i.exec(tag);
      if (open && !tag.endsWith('/>')) this.state = { kind: 'raw', endTag: `</${(open[1] as string).toLowerCase()}` };
    }
  }

  /** Redacts attribute values in one tag; names and punctuation are kept as they are. */
  private rewriteTag(tag: string): string {
    if (!/^<[A-Za-z]/.test(tag) || !tag.includes('=')) return tag;
    // Without `&` no value decodes to anything but its own text: nothing to redact when the tag as a whole holds nothing.
    if (!this.redactor.mayChange(tag)) return tag;
    return tag.replace(/(=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g, (whole, eq: string, dq?: string, sq?: string, bare?: string) => {
      if (dq !== undefined) return `${eq}"${this.textNode(dq, true)}"`;
      if (sq !== undefined) return `${eq}'${this.textNode(sq, true)}'`;
      if (bare !== undefined) {
        const redacted = this.textNode(bare, true);
        return redacted === bare ? whole : `${eq}"${redacted}"`;
      }
      return whole;
    });
  }
}

/** Index of the `>` that closes the tag at the start of `text`, skipping quoted values; -1 if not yet (-2: not a tag). */
function findTagEnd(text: string): number {
  let quote = 0;
  for (let i = 1; i < text.length && i <= MAX_TAG; i += 1) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) {
      if (i > 1) quote = c;
    } else if (c === 62) return i;
    else if (c === 60 && i === 1) return -2;
  }
  return -1;
}
