/**
 * Streaming redaction of an email (RFC 5322 / MIME). The message is read line by line and written
 * back as it goes, so memory stays bounded whatever its size:
 * - header blocks are passed through, except Subject, which is decoded (RFC 2047), redacted and
 *   re-encoded only when something changed;
 * - multipart bodies are followed by their boundaries, nested messages (message/rfc822) are entered;
 * - text/plain and text/html parts that are not attachments are decoded (transfer encoding, then
 *   charset), redacted (HTML through the markup-preserving redactor) and encoded back the same way;
 * - everything else is an attachment: passed through byte for byte and reported (name, type, size).
 * Preambles and epilogues are redacted as plain text.
 */
import { HtmlRedactionStream } from '../html-redactor';
import { LineRedactionStream, type RedactionTally, type Redactor } from '../redactor';
import { charsetKind, encodeText, encodeUtf8Parts, TextPartDecoder, Utf8PairJoiner, Utf8StreamDecoder, type CharsetKind } from './charsets';
import { decodeEncodedWords, encodeHeaderField, headerBytesToText, parseStructured } from './headers';
import {
  Base64Decoder,
  Base64Encoder,
  IdentityCodec,
  QuotedPrintableDecoder,
  QuotedPrintableEncoder,
  transferEncoding,
  type ByteCodec,
} from './transfer-encodings';

export interface AttachmentReport {
  /** The attachment's file name, itself redacted (a name can hold a card number); null when none. */
  filename: string | null;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
}

/** Longest header block held before it is passed through unparsed. */
const MAX_HEADER_BLOCK = 256 * 1024;
/** Longest line fragment held while waiting for its line break. */
const MAX_LINE_FRAGMENT = 1024 * 1024;
/** Longest block of a plain-text part decoded, redacted and encoded at once. */
const TEXT_PIECE = 16 * 1024;
/** Header fields whose text is redacted. */
const REDACTED_HEADERS = new Set(['subject', 'thread-topic']);

interface TextSink {
  write(text: string): string;
  /** write, with the output in parts. */
  writeTo(text: string, emit: (part: string) => void): void;
  end(): string;
}

/** How a text part is encoded, all a TextPart needs besides the redactor. */
export interface TextPartSpec {
  encoding: ReturnType<typeof transferEncoding>;
  charset: CharsetKind;
  html: boolean;
  eol: string;
}

/** Output another thread is still producing (a text part redacted there), in order after all output before it. */
export interface DeferredOutput {
  deferred: AsyncIterable<Buffer>;
}

/**
 * Where a text part is redacted when not here: `write` hands on the part's raw body (and returns no
 * output), `end` returns the part's whole output as deferred output. Used by ParallelRedactor.redactMime.
 */
export interface RemoteTextPart {
  write(raw: string): '';
  end(): DeferredOutput;
}

/** One leaf part being rewritten: transfer-decode → charset-decode → redact → encode back. */
export class TextPart {
  private readonly decoder: ByteCodec;
  private readonly encoder: ByteCodec;
  private readonly chars: TextPartDecoder;
  private readonly sink: TextSink;

  private readonly charset: CharsetKind;
  private readonly html: boolean;
  /** UTF-8 without a transfer encoding: the raw bytes are the text's own (writeBytes skips binary strings). */
  private readonly plainUtf8: boolean;
  /** UTF-8 output: a surrogate pair cut between two outputs of the sink is encoded whole. */
  private readonly pairs = new Utf8PairJoiner();
  private utf8: Utf8StreamDecoder | undefined;

  public constructor({ encoding, charset, html, eol }: TextPartSpec, redactor: Redactor, tally: RedactionTally) {
    this.charset = charset;
    this.html = html;
    this.plainUtf8 = encoding === 'identity' && charset === 'utf-8';
    this.decoder = encoding === 'base64' ? new Base64Decoder() : encoding === 'quoted-printable' ? new QuotedPrintableDecoder() : new IdentityCodec();
    this.encoder = encoding === 'base64' ? new Base64Encoder(eol) : encoding === 'quoted-printable' ? new QuotedPrintableEncoder() : new IdentityCodec();
    this.chars = new TextPartDecoder(charset);
    this.sink = html ? new HtmlRedactionStream(redactor, tally) : new LineRedactionStream(redactor, tally);
  }

  public write(raw: string): string {
    if (this.html || raw.length <= TEXT_PIECE) return this.out(this.sink.write(this.chars.write(this.decoder.write(raw))));
    // A plain-text part is decoded, redacted and encoded in pieces (the codecs and the line stream are
    // streaming, so the result is the same): whole 64 KiB blocks would be copied outside V8's young generation.
    let out = '';
    for (let i = 0; i < raw.length; i += TEXT_PIECE) out += this.out(this.sink.write(this.chars.write(this.decoder.write(raw.slice(i, i + TEXT_PIECE)))));
    return out;
  }

  public end(): string {
    const text = this.sink.write(this.chars.write(this.decoder.end(), true)) + this.sink.end();
    return this.out(text) + this.outRest() + this.encoder.end();
  }

  /**
   * write, with the part's raw bytes in and its output bytes out (the same bytes). A UTF-8 part without
   * a transfer encoding is decoded and encoded straight, without the binary strings the MIME layer
   * carries (a worker of ParallelRedactor gets and returns bytes; the conversions took about a third of
   * an HTML part's time there).
   */
  public writeBytes(raw: Uint8Array): Buffer {
    if (!this.plainUtf8) return Buffer.from(this.write(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1')), 'latin1');
    this.utf8 ??= new Utf8StreamDecoder();
    // The sink's output parts are encoded one by one into one buffer (joined, they would be flattened first).
    const parts: string[] = [];
    this.sink.writeTo(this.utf8.write(raw), (part) => parts.push(part));
    return encodeUtf8Parts(parts, this.pairs);
  }

  /** end, for a part read with writeBytes. */
  public endBytes(): Buffer {
    if (!this.plainUtf8) return Buffer.from(this.end(), 'latin1');
    const parts: string[] = [];
    this.sink.writeTo(this.utf8?.end() ?? '', (part) => parts.push(part));
    parts.push(this.sink.end());
    return encodeUtf8Parts(parts, this.pairs, true);
  }

  private out(text: string): string {
    const whole = this.charset === 'utf-8' ? this.pairs.next(text) : text;
    if (whole === '') return '';
    return this.encoder.write(encodeText(whole, this.charset, (code) => (this.html ? `&#${code};` : '?')));
  }

  /** A high surrogate the last UTF-8 output ended with, encoded at the end (as U+FFFD). */
  private outRest(): string {
    const rest = this.pairs.rest();
    return rest === '' ? '' : this.encoder.write(encodeText(rest, 'utf-8', () => '?'));
  }
}

type Body =
  | { kind: 'text'; part: TextPart | RemoteTextPart }
  | { kind: 'attachment'; report: AttachmentReport; base64: boolean; b64chars: number }
  | { kind: 'plain'; stream: LineRedactionStream };

export class MimeRedactionStream {
  public readonly attachments: AttachmentReport[] = [];
  private pending = '';
  /** True while the pending fragment continues a line already passed on (never a boundary). */
  private midLine = false;
  private readonly boundaries: string[] = [];
  private mode: 'headers' | 'body' = 'headers';
  private headerLines: string[] = [];
  private headerBytes = 0;
  private body: Body | undefined;
  private eol = '\r\n';

  /** Output ready since the last write, as a binary string, after the segments. */
  private ready = '';
  /** Output ready since the last write that comes before deferred output. */
  private segments: Array<Buffer | DeferredOutput> = [];

  /**
   * @param remote where text parts are redacted when not here (ParallelRedactor.redactMime); returns
   *   undefined for a part that stays here
   */
  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
    private readonly remote?: (spec: TextPartSpec) => RemoteTextPart | undefined,
  ) {}

  /** Takes raw message bytes; returns the redacted bytes ready so far. */
  public write(chunk: Buffer): Buffer {
    this.feed(chunk);
    return this.take();
  }

  public end(): Buffer {
    this.finish();
    return this.take();
  }

  /** write, for a stream with remote parts: the output in order, parts still being redacted elsewhere as deferred output. */
  public writeSegments(chunk: Buffer): Array<Buffer | DeferredOutput> {
    this.feed(chunk);
    return this.takeSegments();
  }

  /** end, for a stream with remote parts. */
  public endSegments(): Array<Buffer | DeferredOutput> {
    this.finish();
    return this.takeSegments();
  }

  private take(): Buffer {
    if (this.segments.length > 0) throw new Error('MimeRedactionStream: a stream with remote text parts is read with writeSegments and endSegments');
    const out = Buffer.from(this.ready, 'latin1');
    this.ready = '';
    return out;
  }

  private takeSegments(): Array<Buffer | DeferredOutput> {
    const out = this.segments;
    if (this.ready !== '') out.push(Buffer.from(this.ready, 'latin1'));
    this.segments = [];
    this.ready = '';
    return out;
  }

  /** Appends output (each argument is evaluated, and may defer output, before it is appended). */
  private emit(text: string): void {
    if (text !== '') this.ready += text;
  }

  /** Output redacted elsewhere goes after everything ready so far. */
  private defer(output: DeferredOutput): void {
    if (this.ready !== '') this.segments.push(Buffer.from(this.ready, 'latin1'));
    this.ready = '';
    this.segments.push(output);
  }

  private feed(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    const p = this.pending;
    let start = 0;
    for (;;) {
      if (this.mode === 'body' && !this.midLine && !p.startsWith('--', start)) {
        // Inside a body only a line starting with `--` can change anything: hand every line before the
        // next such line (or before the unfinished last line) to the body in one block.
        const dash = p.indexOf('\n--', start);
        const blockEnd = dash >= 0 ? dash + 1 : p.lastIndexOf('\n') + 1;
        if (blockEnd > start) {
          this.emit(this.bodyData(p.slice(start, blockEnd)));
          start = blockEnd;
          continue;
        }
      }
      const nl = p.indexOf('\n', start);
      if (nl < 0) break;
      this.emit(this.line(p.slice(start, nl + 1)));
      start = nl + 1;
    }
    this.pending = p.slice(start);
    if (this.pending.length > MAX_LINE_FRAGMENT && this.mode === 'body') {
      this.emit(this.bodyData(this.pending));
      this.pending = '';
      this.midLine = true;
    }
  }

  private finish(): void {
    const last = this.pending;
    this.pending = '';
    if (last !== '') this.emit(this.line(last));
    if (this.mode === 'headers') this.emit(this.flushHeaders());
    this.emit(this.finishBody());
  }

  private line(raw: string): string {
    const continued = this.midLine;
    this.midLine = false;
    if (this.mode === 'headers') {
      const bare = raw.replace(/\r?\n$/, '');
      if (bare === '' || this.headerBytes + raw.length > MAX_HEADER_BLOCK) {
        const headers = this.flushHeaders();
        if (bare !== '') return headers + this.bodyData(raw);
        return headers + raw;
      }
      if (this.headerLines.length === 0) this.eol = raw.endsWith('\r\n') ? '\r\n' : '\n';
      this.headerLines.push(raw);
      this.headerBytes += raw.length;
      return '';
    }
    if (!continued && raw.startsWith('--') && this.boundaries.length > 0) {
      const bare = raw.replace(/[ \t]*\r?\n$/, '');
      for (let depth = this.boundaries.length - 1; depth >= 0; depth -= 1) {
        const boundary = `--${this.boundaries[depth] as string}`;
        if (bare === boundary || bare === `${boundary}--`) {
          const out = this.finishBody();
          this.boundaries.length = depth + 1;
          if (bare === boundary) {
            this.mode = 'headers';
          } else {
            // Epilogue of this multipart: plain text until an outer boundary.
            this.boundaries.length = depth;
            this.body = { kind: 'plain', stream: new LineRedactionStream(this.redactor, this.tally) };
          }
          return out + raw;
        }
      }
    }
    return this.bodyData(raw);
  }

  private bodyData(raw: string): string {
    const body = this.body;
    if (body === undefined) return raw;
    switch (body.kind) {
      case 'text':
        return body.part.write(raw);
      case 'plain':
        return body.stream.write(raw);
      case 'attachment': {
        if (body.base64) body.b64chars += countBase64Chars(raw);
        else body.report.size += raw.length;
        return raw;
      }
    }
  }

  private finishBody(): string {
    const body = this.body;
    this.body = undefined;
    if (body === undefined) return '';
    switch (body.kind) {
      case 'text': {
        const out = body.part.end();
        if (typeof out === 'string') return out;
        this.defer(out);
        return '';
      }
      case 'plain':
        return body.stream.end();
      case 'attachment':
        if (body.base64) body.report.size = Math.floor((body.b64chars * 3) / 4);
        this.attachments.push(body.report);
        return '';
    }
  }

  /** Ends a header block: rewrites redacted fields and decides how the body that follows is handled. */
  private flushHeaders(): string {
    const fields = groupFields(this.headerLines);
    this.headerLines = [];
    this.headerBytes = 0;
    this.mode = 'body';
    let out = '';
    const values: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      const name = colon > 0 ? field.slice(0, colon).trim() : '';
      const key = name.toLowerCase();
      const unfolded =
        colon > 0
          ? field
              .slice(colon + 1)
              .replace(/\r?\n[ \t]/g, ' ')
              .replace(/\r?\n$/, '')
              .trim()
          : '';
      if (key !== '' && values[key] === undefined) values[key] = unfolded;
      if (REDACTED_HEADERS.has(key)) out += this.redactField(name, unfolded, field);
      else if (key === 'content-type' || key === 'content-disposition') out += this.redactFileName(field);
      else out += field;
    }
    this.startBody(values);
    return out;
  }

  private redactField(name: string, value: string, raw: string): string {
    const text = decodeEncodedWords(headerBytesToText(value));
    const redacted = this.redactor.redact(text.replace(/[\r\n]/g, ' '), this.tally);
    if (redacted === text) return raw;
    return Buffer.from(encodeHeaderField(name, redacted, this.eol), 'utf8').toString('latin1');
  }

  /** An attachment's name is shown to the agent: redact the name parameters, never the boundary. */
  private redactFileName(field: string): string {
    return field.replace(
      /(\b(?:file)?name(?:\*\d*)?\*?\s*=\s*)("[^"]*"|[^;\s]+)/gi,
      (_whole, lead: string, value: string) => lead + this.redactor.redact(value, this.tally),
    );
  }

  private startBody(headers: Record<string, string>): void {
    const type = parseStructured(headers['content-type'] ?? 'text/plain');
    const disposition = parseStructured(headers['content-disposition']);
    const mediaType = type.value === '' ? 'text/plain' : type.value;
    const encoding = transferEncoding(headers['content-transfer-encoding']);
    if (mediaType.startsWith('multipart/') && type.params.boundary) {
      this.boundaries.push(type.params.boundary);
      // Preamble: plain text until the first boundary.
      this.body = { kind: 'plain', stream: new LineRedactionStream(this.redactor, this.tally) };
      return;
    }
    const attachment = disposition.value === 'attachment';
    if (mediaType === 'message/rfc822' && !attachment && encoding === 'identity') {
      this.mode = 'headers';
      return;
    }
    if ((mediaType === 'text/plain' || mediaType === 'text/html') && !attachment) {
      const spec: TextPartSpec = { encoding, charset: charsetKind(type.params.charset), html: mediaType === 'text/html', eol: this.eol };
      this.body = { kind: 'text', part: this.remote?.(spec) ?? new TextPart(spec, this.redactor, this.tally) };
      return;
    }
    const rawName = disposition.params.filename ?? type.params.name;
    const filename = rawName === undefined ? null : this.redactor.redact(decodeEncodedWords(headerBytesToText(rawName)), {});
    this.body = { kind: 'attachment', report: { filename, contentType: mediaType, size: 0 }, base64: encoding === 'base64', b64chars: 0 };
  }
}

/** Base64 alphabet characters in `text` (padding and line breaks excluded). */
function countBase64Chars(text: string): number {
  // The engine's native scan counts what is not base64 (line breaks, padding: few) faster than a loop over every character.
  let other = 0;
  NOT_BASE64.lastIndex = 0;
  for (let m = NOT_BASE64.exec(text); m !== null; m = NOT_BASE64.exec(text)) other += m[0].length;
  return text.length - other;
}

const NOT_BASE64 = /[^A-Za-z0-9+/]+/g;

/** Groups header lines into fields (a field with its continuation lines), keeping the raw text. */
function groupFields(lines: string[]): string[] {
  const fields: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && fields.length > 0) fields[fields.length - 1] += line;
    else fields.push(line);
  }
  return fields;
}

/** True when `text` starts like an email: a header block with at least one usual message header. */
export function looksLikeEmail(text: string): boolean {
  const end = text.search(/\r?\n\r?\n/);
  const block = end < 0 ? text : text.slice(0, end);
  const lines = block.split(/\r?\n/);
  if (lines.length === 0 || !/^[A-Za-z0-9-]+:/.test(lines[0] ?? '')) return false;
  if (!lines.every((l) => /^[A-Za-z0-9-]+:/.test(l) || /^[ \t]/.test(l))) return false;
  return lines.some((l) => /^(from|to|subject|date|mime-version|content-type|received|message-id|return-path):/i.test(l));
}
