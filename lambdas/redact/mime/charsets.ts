/**
 * Character sets of email text parts, both ways. Bodies travel as "binary strings" (one char per
 * byte, latin1) through the MIME layer; a text part is decoded to real text for redaction and encoded
 * back to its own charset so the rest of the part is unchanged. Charsets we cannot encode back are
 * handled transparently (byte per char): every ASCII-compatible charset keeps digits, spaces and
 * dashes as ASCII bytes, so card numbers are still found and masked in place.
 */

import { TextDecoder } from 'node:util';

export type CharsetKind = 'utf-8' | 'latin1' | 'windows-1252' | 'transparent';

export function charsetKind(label: string | undefined): CharsetKind {
  const name = (label ?? 'us-ascii').trim().toLowerCase().replace(/^"|"$/g, '');
  if (name === 'utf-8' || name === 'utf8') return 'utf-8';
  if (['us-ascii', 'ascii', 'iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'iso_8859-1', 'cp819'].includes(name)) return 'latin1';
  if (name === 'windows-1252' || name === 'cp1252') return 'windows-1252';
  return 'transparent';
}

/** Streaming decoder from bytes (as a binary string) to text. */
export class TextPartDecoder {
  private readonly decoder: TextDecoder | undefined;

  public constructor(kind: CharsetKind) {
    // ignoreBOM keeps a byte order mark in the text (and so in the part written back): redaction changes digits only.
    this.decoder = kind === 'utf-8' ? new TextDecoder('utf-8', { ignoreBOM: true }) : kind === 'windows-1252' ? new TextDecoder('windows-1252') : undefined;
  }

  public write(bytes: string, final = false): string {
    if (this.decoder === undefined) return bytes;
    return this.decoder.decode(Buffer.from(bytes, 'latin1'), { stream: !final });
  }
}

/**
 * Streaming UTF-8 decoder of byte chunks cut anywhere (inside characters too): the text a StringDecoder
 * gives, with invalid bytes read as U+FFFD the same way and a byte order mark kept, but decoded by the
 * runtime's vectorised decoder (about 40% less time than StringDecoder on text that is not all ASCII).
 */
export class Utf8StreamDecoder {
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  public write(bytes: Uint8Array): string {
    return this.decoder.decode(bytes, { stream: true });
  }

  public end(): string {
    return this.decoder.decode();
  }
}

/**
 * Consecutive texts as the UTF-8 bytes of their concatenation, without making it: each text is encoded
 * in place into a buffer sized for the worst case (one pass, where Buffer.from measures first, then
 * writes). With `pairs`, the texts continue a stream: a high surrogate carried from the texts before goes
 * first, and one the last text ends with stays carried for the next call unless `final`.
 */
export function encodeUtf8Parts(texts: string[], pairs?: Utf8PairJoiner, final = pairs === undefined): Buffer {
  const joiner = pairs ?? new Utf8PairJoiner();
  let units = 1;
  for (const t of texts) units += t.length;
  const out = Buffer.allocUnsafe(units * 3);
  let at = 0;
  for (const t of texts) at += out.write(joiner.next(t), at, 'utf8');
  if (final) at += out.write(joiner.rest(), at, 'utf8');
  return out.subarray(0, at);
}

/**
 * Keeps a surrogate pair whole when consecutive texts are encoded one by one: a text that ends with a
 * high surrogate gives it to the next one (encoded alone, each half would become U+FFFD).
 */
export class Utf8PairJoiner {
  private carry = '';

  /** The text to encode now. */
  public next(text: string): string {
    let t = this.carry === '' ? text : this.carry + text;
    this.carry = '';
    const last = t.charCodeAt(t.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.carry = t.slice(-1);
      t = t.slice(0, -1);
    }
    return t;
  }

  /** What is still carried, at the end. */
  public rest(): string {
    const r = this.carry;
    this.carry = '';
    return r;
  }
}

const CP1252_EXTRA: Record<number, number> = {};
{
  const decoder = new TextDecoder('windows-1252');
  for (let byte = 0x80; byte <= 0x9f; byte += 1) {
    const ch = decoder.decode(Uint8Array.of(byte)).charCodeAt(0);
    if (ch !== byte) CP1252_EXTRA[ch] = byte;
  }
}

/**
 * Text back to bytes (as a binary string). `fallback` renders a character the charset cannot hold
 * (only text from decoded HTML entities can hit this): a numeric reference for HTML, `?` otherwise.
 */
export function encodeText(text: string, kind: CharsetKind, fallback: (code: number) => string): string {
  // Two native passes (UTF-8, then one char per byte): quicker than encoding each run of non-ASCII alone.
  if (kind === 'utf-8') return Buffer.from(text, 'utf8').toString('latin1');
  if (kind === 'transparent' || !/[^\x00-\xff]/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 63;
    if (code <= 0xff) out += ch;
    else if (kind === 'windows-1252' && CP1252_EXTRA[code] !== undefined) out += String.fromCharCode(CP1252_EXTRA[code] as number);
    else out += fallback(code);
  }
  return out;
}
