/**
 * `npx secure-ivr redact [--config FILE] [--format auto|text|html|eml] < message > redacted`
 * `npx secure-ivr redact --conversation [--window SECONDS] < transcript.jsonl > redacted.jsonl`
 *
 * Filters a chat transcript, an HTML fragment or an email (.eml) from stdin to stdout as a stream, with
 * the same redaction library the Lambda runs. A one-line summary (counts per rule, attachments seen —
 * never matched text) goes to stderr. Exit codes: 0 done, 2 bad usage, bad configuration or a bad
 * conversation line (named by number; nothing is written then), 1 failure.
 *
 * `--conversation` reads JSON lines `{ participant, time, text, … }` and writes them back with `text`
 * redacted; a card number one participant split over messages within the window is masked in every
 * part (lambdas/redact/conversation.ts).
 */
import { StringDecoder } from 'node:string_decoder';
import defaultConfig from '../../config/redaction.json';
import { ConversationError, parseJsonLines, redactConversation, toJsonLines } from '../../lambdas/redact/conversation';
import { HtmlRedactionStream } from '../../lambdas/redact/html-redactor';
import { looksLikeEmail, MimeRedactionStream } from '../../lambdas/redact/mime/mime-redactor';
import { loadRedactionConfig, readRedactionConfigFile, RedactionConfigError, type RedactionConfig } from '../../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor, tallyTotal, type RedactionTally } from '../../lambdas/redact/redactor';

export interface RedactIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Format = 'auto' | 'text' | 'html' | 'eml';
const FORMATS: readonly Format[] = ['auto', 'text', 'html', 'eml'];
/** Bytes looked at before deciding whether an `auto` input is an email. */
const SNIFF_BYTES = 64 * 1024;

const USAGE = `Usage: secure-ivr redact [--config FILE] [--format auto|text|html|eml] < message > redacted
       secure-ivr redact --conversation [--window SECONDS] [--config FILE] < transcript.jsonl > redacted.jsonl
  Masks card numbers, the expiry and security code next to them, and the configuration's additional
  rules in a chat transcript, HTML or an email.
  --config FILE     redaction configuration (default: config/redaction.json)
  --format F        auto (default: email when the input starts with mail headers), text, html or eml
  --conversation    input is JSON lines {participant, time, text}; numbers split over one participant's
                    messages are joined
  --window SECONDS  with --conversation: messages this close are read together (default: the
                    configuration's conversation.windowSeconds, 120)
`;

/** Largest transcript --conversation reads (it is read whole, to join messages). */
const MAX_CONVERSATION_BYTES = 512 * 1024 * 1024;

class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseArgs(argv: string[]): { configPath?: string; format: Format; help: boolean; conversation: boolean; window?: number } {
  let configPath: string | undefined;
  let format: Format = 'auto';
  let help = false;
  let conversation = false;
  let window: number | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[(i += 1)];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (name === '--config') configPath = value();
    else if (name === '--format') {
      const f = value();
      if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
      format = f as Format;
    } else if (name === '--conversation') conversation = true;
    else if (name === '--window') {
      const w = Number(value());
      if (!Number.isFinite(w) || w < 0 || w > 3600) throw new UsageError('--window must be 0 to 3600 seconds');
      window = w;
    } else if (name === '--help' || name === '-h') help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(arg.slice(0, 40))}`);
  }
  if (window !== undefined && !conversation) throw new UsageError('--window needs --conversation');
  if (conversation && format !== 'auto') throw new UsageError('--format cannot be used with --conversation');
  return { ...(configPath !== undefined ? { configPath } : {}), format, help, conversation, ...(window !== undefined ? { window } : {}) };
}

interface ByteFilter {
  write(chunk: Buffer): Buffer | string;
  end(): Buffer | string;
}

function textFilter(stream: { write(text: string): string; end(): string }): ByteFilter {
  const decoder = new StringDecoder('utf8');
  return {
    write: (chunk) => stream.write(decoder.write(chunk)),
    end: () => stream.write(decoder.end()) + stream.end(),
  };
}

function write(out: NodeJS.WritableStream, data: Buffer | string): Promise<void> {
  if (data.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    if (out.write(data)) resolve();
    else out.once('drain', resolve);
  });
}

export async function runRedactCommand(argv: string[], io: RedactIo): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(argv);
  } catch (error) {
    io.stderr.write(`secure-ivr redact: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let config: RedactionConfig;
  try {
    config = options.configPath === undefined ? loadRedactionConfig(defaultConfig) : await readRedactionConfigFile(options.configPath);
  } catch (error) {
    if (error instanceof RedactionConfigError) {
      io.stderr.write(`secure-ivr redact: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const redactor = new Redactor(config);
  const tally: RedactionTally = {};
  if (options.conversation) return runConversation(redactor, tally, options.window, io);
  let mime: MimeRedactionStream | undefined;
  let filter: ByteFilter | undefined;
  const choose = (head: Buffer): ByteFilter => {
    const format = options.format === 'auto' ? (looksLikeEmail(head.toString('latin1')) ? 'eml' : 'text') : options.format;
    if (format === 'eml') {
      mime = new MimeRedactionStream(redactor, tally);
      return mime;
    }
    return textFilter(format === 'html' ? new HtmlRedactionStream(redactor, tally) : new LineRedactionStream(redactor, tally));
  };

  try {
    let head: Buffer[] = [];
    let headBytes = 0;
    for await (const raw of io.stdin) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer);
      if (filter === undefined) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) continue;
        const all = Buffer.concat(head);
        head = [];
        filter = choose(all);
        await write(io.stdout, filter.write(all));
        continue;
      }
      await write(io.stdout, filter.write(chunk));
    }
    if (filter === undefined) {
      const all = Buffer.concat(head);
      filter = choose(all);
      await write(io.stdout, filter.write(all));
    }
    await write(io.stdout, filter.end());
  } catch (error) {
    io.stderr.write(`secure-ivr redact: the input could not be redacted (${(error as Error).name}).\n`);
    return 1;
  }
  summary(io, tally, (mime as MimeRedactionStream | undefined)?.attachments ?? []);
  return 0;
}

async function runConversation(redactor: Redactor, tally: RedactionTally, window: number | undefined, io: RedactIo): Promise<number> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const raw of io.stdin) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer);
    size += chunk.length;
    if (size > MAX_CONVERSATION_BYTES) {
      io.stderr.write(`secure-ivr redact: the transcript is larger than ${MAX_CONVERSATION_BYTES} bytes; split it by conversation.\n`);
      return 2;
    }
    chunks.push(chunk);
  }
  let out: string;
  try {
    const messages = parseJsonLines(Buffer.concat(chunks).toString('utf8'));
    out = toJsonLines(redactConversation(messages, redactor, tally, window));
  } catch (error) {
    if (error instanceof ConversationError) {
      io.stderr.write(`secure-ivr redact: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`secure-ivr redact: the input could not be redacted (${(error as Error).name}).\n`);
    return 1;
  }
  await write(io.stdout, out);
  summary(io, tally, []);
  return 0;
}

function summary(io: RedactIo, tally: RedactionTally, attachments: Array<{ filename: string | null; contentType: string; size: number }>): void {
  const counts = Object.entries(tally).map(([id, n]) => `${id}: ${n}`);
  io.stderr.write(
    `secure-ivr redact: ${tallyTotal(tally)} redaction(s)${counts.length > 0 ? ` (${counts.join(', ')})` : ''}` +
      `${attachments.length > 0 ? `; attachments left as they are: ${attachments.map((a) => `${a.filename ?? '(unnamed)'} [${a.contentType}, ${a.size} bytes]`).join(', ')}` : ''}\n`,
  );
}
