/**
 * Header helpers for the MIME redactor: RFC 2047 encoded-words (so a card number in an encoded
 * Subject is still found), structured header parameters (Content-Type, Content-Disposition, with
 * RFC 2231 `name*=`), and re-encoding of a changed Subject.
 */

import { TextDecoder } from 'node:util';

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** Raw header bytes (binary string) to text: UTF-8 when valid (RFC 6532), latin1 otherwise. */
export function headerBytesToText(raw: string): string {
  const bytes = Buffer.from(raw, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return raw;
  }
}

/** Decodes the encoded-words of an unfolded header value; whitespace between two words is dropped. */
export function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (_whole, charset: string, encoding: string, text: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    return decodeCharset(bytes, charset);
  });
}

/** A header field `Name: value` for `text`, folded with `eol`: plain when ASCII, UTF-8 B-words otherwise. */
export function encodeHeaderField(name: string, text: string, eol: string): string {
  if (/^[\x20-\x7e]*$/.test(text) && !text.includes('=?')) return `${name}: ${text}${eol}`;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    // 45 bytes of UTF-8 make a 60-character word body: each word stays under the 75-character limit.
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(chunk);
  return `${name}: ${words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${eol} `)}${eol}`;
}

export interface StructuredValue {
  value: string;
  params: Record<string, string>;
}

/** `type/subtype; a=b; c="d"` → lower-cased value and parameters (RFC 2231 `x*=charset''…` decoded). */
export function parseStructured(raw: string | undefined): StructuredValue {
  if (raw === undefined) return { value: '', params: {} };
  const [head, ...rest] = splitParams(raw);
  const params: Record<string, string> = {};
  const continued: Record<string, string[]> = {};
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    let val = part.slice(eq + 1).trim();
    if (val.startsWith('"') && val.endsWith('"') && val.length >= 2) val = val.slice(1, -1).replace(/\\(.)/g, '$1');
    const cont = /^([^*]+)\*(\d+)\*?$/.exec(key);
    if (cont) {
      (continued[cont[1] as string] ??= [])[Number(cont[2])] = val;
      continue;
    }
    if (key.endsWith('*')) params[key.slice(0, -1)] = decode2231(val);
    else params[key] = val;
  }
  for (const [key, pieces] of Object.entries(continued)) params[key] ??= decode2231(pieces.join(''));
  return { value: (head ?? '').trim().toLowerCase(), params };
}

function splitParams(raw: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] as string;
    if (ch === '"' && raw[i - 1] !== '\\') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

function decode2231(value: string): string {
  const m = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (!m) return value;
  const bytes = Buffer.from(
    (m[2] as string).replace(/%([0-9A-Fa-f]{2})/g, (_x, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  );
  return decodeCharset(bytes, m[1] || 'utf-8');
}
