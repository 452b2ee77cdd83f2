/**
 * Streaming Content-Transfer-Encoding codecs (quoted-printable, base64, identity) on binary strings
 * (one char per byte). Decoders take the part's raw lines in order; encoders take decoded bytes and
 * produce lines no longer than RFC 2045 allows, in the part's own line-break style.
 */

export type TransferEncoding = 'identity' | 'quoted-printable' | 'base64';

export function transferEncoding(header: string | undefined): TransferEncoding {
  const name = (header ?? '').trim().toLowerCase();
  if (name === 'quoted-printable') return 'quoted-printable';
  if (name === 'base64') return 'base64';
  return 'identity';
}

export interface ByteCodec {
  write(input: string): string;
  end(): string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Quoted-printable decoder; input arrives as whole lines (with their line break). */
export class QuotedPrintableDecoder implements ByteCodec {
  private pending = '';

  public write(input: string): string {
    this.pending += input;
    const nl = this.pending.lastIndexOf('\n');
    if (nl < 0) return '';
    const lines = this.pending.slice(0, nl + 1);
    this.pending = this.pending.slice(nl + 1);
    return lines.replace(/[^\n]*\n/g, (line) => this.decodeLine(line));
  }

  public end(): string {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? '' : this.decodeLine(rest);
  }

  private decodeLine(line: string): string {
    // Most lines of a text part have nothing encoded: skip the escape pass for them.
    if (!line.includes('=') && !/[ \t]\r?\n?$/.test(line)) return line;
    const eol = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
    let body = line.slice(0, line.length - eol.length).replace(/[ \t]+$/, '');
    let hard = eol;
    if (body.endsWith('=')) {
      body = body.slice(0, -1);
      hard = '';
    }
    return (
      body.replace(/=(..)?/g, (whole, hex: string | undefined) => (hex !== undefined && HEX.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : whole)) + hard
    );
  }
}

/** Quoted-printable encoder: hard line breaks kept, lines soft-wrapped at 76 characters. */
export class QuotedPrintableEncoder implements ByteCodec {
  private pending = '';

  public write(input: string): string {
    this.pending += input;
    const nl = this.pending.lastIndexOf('\n');
    if (nl < 0) return '';
    const lines = this.pending.slice(0, nl + 1);
    this.pending = this.pending.slice(nl + 1);
    return lines.replace(/[^\n]*\n/g, (line) => encodeLine(line));
  }

  public end(): string {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? '' : encodeLine(rest);
  }
}

/** Lines that need no escaping: printable ASCII other than `=`, not ending in a space, short enough. */
const PLAIN_LINE = /^(?:[\x21-\x3c\x3e-\x7e][\x20-\x3c\x3e-\x7e]{0,74})?[\x21-\x3c\x3e-\x7e]?\r?\n?$/;

function encodeLine(line: string): string {
  if (line.length <= 78 && PLAIN_LINE.test(line)) return line;
  const eol = line.endsWith('\r\n') ? '\r\n' : line.endsWith('\n') ? '\n' : '';
  const body = line.slice(0, line.length - eol.length);
  const softBreak = eol === '' ? '\r\n' : eol;
  let out = '';
  let width = 0;
  for (let i = 0; i < body.length; i += 1) {
    const code = body.charCodeAt(i);
    const last = i === body.length - 1;
    let token: string;
    if ((code >= 33 && code <= 126 && code !== 61) || ((code === 32 || code === 9) && !last)) token = body[i] as string;
    else token = `=${code.toString(16).toUpperCase().padStart(2, '0')}`;
    if (width + token.length > 75) {
      out += `=${softBreak}`;
      width = 0;
    }
    out += token;
    width += token.length;
  }
  return out + eol;
}

/** Base64 decoder: ignores line breaks and anything outside the alphabet. */
export class Base64Decoder implements ByteCodec {
  private pending = '';

  public write(input: string): string {
    this.pending += input.replace(/[^A-Za-z0-9+/]/g, '');
    const usable = this.pending.length - (this.pending.length % 4);
    const out = Buffer.from(this.pending.slice(0, usable), 'base64').toString('latin1');
    this.pending = this.pending.slice(usable);
    return out;
  }

  public end(): string {
    const out = Buffer.from(this.pending, 'base64').toString('latin1');
    this.pending = '';
    return out;
  }
}

/** Base64 encoder: 76-character lines. */
export class Base64Encoder implements ByteCodec {
  private pending = '';

  public constructor(private readonly eol: string) {}

  public write(input: string): string {
    this.pending += input;
    const usable = this.pending.length - (this.pending.length % 57);
    if (usable === 0) return '';
    const encoded = Buffer.from(this.pending.slice(0, usable), 'latin1').toString('base64');
    this.pending = this.pending.slice(usable);
    return encoded.replace(/.{76}/g, (line) => line + this.eol);
  }

  public end(): string {
    if (this.pending === '') return '';
    const encoded = Buffer.from(this.pending, 'latin1').toString('base64');
    this.pending = '';
    return encoded + this.eol;
  }
}

export class IdentityCodec implements ByteCodec {
  public write(input: string): string {
    return input;
  }

  public end(): string {
    return '';
  }
}
