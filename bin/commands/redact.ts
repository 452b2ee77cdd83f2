/**
 * `npx secure-ivr redact [--config FILE] [--format auto|text|html|eml] [--jobs N] < message > redacted`
 * `npx secure-ivr redact --conversation [--window SECONDS] < transcript.jsonl > redacted.jsonl`
 *
 * Filters a chat transcript, an HTML fragment or an email (.eml) from stdin to stdout as a stream, with
 * the same redaction library the Lambda runs. A one-line summary (counts per rule, attachments seen —
 * never matched text) goes to stderr. Exit codes: 0 done, 2 bad usage, bad configuration or a bad
 * conversation line (named by number; the messages before it are written, redacted, and nothing
 * after), 1 failure.
 *
 * `--conversation` reads JSON lines `{ participant, time, text, … }` and writes them back with `text`
 * redacted; a card number one participant split over messages within the window is masked in every
 * part (lambdas/redact/conversation.ts). It streams: only the open window of messages is held.
 */
import { StringDecoder } from 'node:string_decoder';
import defaultConfig from '../../config/redaction.json';
import { ConversationRedactionStream, messageProblems, toJsonLines, type ConversationMessage } from '../../lambdas/redact/conversation';
import { HtmlRedactionStream } from '../../lambdas/redact/html-redactor';
import { encodeUtf8Parts, Utf8PairJoiner, Utf8StreamDecoder } from '../../lambdas/redact/mime/charsets';
import { looksLikeEmail, MimeRedactionStream, type AttachmentReport } from '../../lambdas/redact/mime/mime-redactor';
import { ParallelRedactor } from '../../lambdas/redact/parallel';
import { loadRedactionConfig, readRedactionConfigDocument, RedactionConfigError, type RedactionConfig } from '../../lambdas/redact/redaction-config';
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

const USAGE = `Usage: secure-ivr redact [--config FILE] [--format auto|text|html|eml] [--jobs N] < message > redacted
       secure-ivr redact --conversation [--window SECONDS] [--config FILE] < transcript.jsonl > redacted.jsonl
  Masks card numbers, the expiry and security code next to them, and the configuration's additional
  rules in a chat transcript, HTML or an email.
  --config FILE     redaction configuration (default: config/redaction.json)
  --format F        auto (default: email when the input starts with mail headers), text, html or eml
  --jobs N          redact on N worker threads (1 to 16; default 1): plain text in blocks, an email's
                    text and HTML parts side by side. The output is the same as with 1; worth it for
                    large archives and emails (starting the workers takes about half a second;
                    input under 64 KiB stays on one thread)
  --conversation    input is JSON lines {participant, time, text}; numbers split over one participant's
                    messages are joined. Streams: memory holds only the messages of the window, and
                    output is written as it goes. A bad line (not JSON, or not a message) stops the
                    run with exit code 2 naming the line number: every message before it has been
                    redacted and written, nothing from that line on; fix it and run the whole
                    transcript again
  --window SECONDS  with --conversation: messages this close are read together (default: the
                    configuration's conversation.windowSeconds, 120)
`;

/** Longest line (one message) --conversation reads; the transcript itself may be of any length. */
const MAX_CONVERSATION_LINE = 8 * 1024 * 1024;

class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseArgs(argv: string[]): { configPath?: string; format: Format; help: boolean; conversation: boolean; window?: number; jobs: number } {
  let configPath: string | undefined;
  let jobs = 1;
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
    } else if (name === '--jobs') {
      const j = Number(value());
      if (!Number.isInteger(j) || j < 1 || j > 16) throw new UsageError('--jobs must be a whole number from 1 to 16');
      jobs = j;
    } else if (name === '--help' || name === '-h') help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(arg.slice(0, 40))}`);
  }
  if (window !== undefined && !conversation) throw new UsageError('--window needs --conversation');
  if (conversation && format !== 'auto') throw new UsageError('--format cannot be used with --conversation');
  if (jobs > 1 && (conversation || format === 'html')) throw new UsageError('--jobs applies to plain text and email only');
  return { ...(configPath !== undefined ? { configPath } : {}), format, help, conversation, ...(window !== undefined ? { window } : {}), jobs };
}

interface ByteFilter {
  write(chunk: Buffer): Buffer | string;
  end(): Buffer | string;
}

/**
 * UTF-8 in and out through a line or HTML stream: the stream's output parts are encoded one by one into
 * one buffer (writeTo; joined, they would be copied once more), a surrogate pair cut between two writes kept whole.
 */
export function utf8Filter(stream: Pick<LineRedactionStream | HtmlRedactionStream, 'writeTo' | 'end'>): { write(chunk: Buffer): Buffer; end(): Buffer } {
  const decoder = new Utf8StreamDecoder();
  const pairs = new Utf8PairJoiner();
  const encode = (text: string, end: boolean): Buffer => {
    const parts: string[] = [];
    stream.writeTo(text, (part) => parts.push(part));
    if (end) parts.push(stream.end());
    return encodeUtf8Parts(parts, pairs, end);
  };
  return { write: (chunk) => encode(decoder.write(chunk), false), end: () => encode(decoder.end(), true) };
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
  let document: unknown = defaultConfig;
  try {
    if (options.configPath === undefined) config = loadRedactionConfig(defaultConfig);
    else ({ config, document } = await readRedactionConfigDocument(options.configPath));
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
  const isText = (format: Format, head: Buffer): boolean => format === 'text' || (format === 'auto' && !looksLikeEmail(head.toString('latin1')));
  const choose = (head: Buffer): ByteFilter => {
    const format = options.format === 'auto' ? (looksLikeEmail(head.toString('latin1')) ? 'eml' : 'text') : options.format;
    if (format === 'eml') {
      mime = new MimeRedactionStream(redactor, tally);
      return mime;
    }
    return utf8Filter(format === 'html' ? new HtmlRedactionStream(redactor, tally) : new LineRedactionStream(redactor, tally));
  };

  try {
    let head: Buffer[] = [];
    let headBytes = 0;
    const input = io.stdin[Symbol.asyncIterator]();
    for (let next = await input.next(); !next.done; next = await input.next()) {
      const raw = next.value as Buffer | string;
      const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer);
      if (filter === undefined) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) continue;
        const all = Buffer.concat(head);
        head = [];
        if (options.jobs > 1) {
          const attachments: AttachmentReport[] = [];
          await runParallel(document, options.jobs, isText(options.format, all) ? 'text' : 'eml', all, input, tally, attachments, io);
          summary(io, tally, attachments);
          return 0;
        }
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

/** Plain text or an email on worker threads (lambdas/redact/parallel.ts): the head already read, then the rest of stdin. */
async function runParallel(
  document: unknown,
  jobs: number,
  format: 'text' | 'eml',
  head: Buffer,
  rest: AsyncIterator<Buffer | string>,
  tally: RedactionTally,
  attachments: AttachmentReport[],
  io: RedactIo,
): Promise<void> {
  const parallel = new ParallelRedactor(document, { workers: jobs });
  async function* source(): AsyncGenerator<Uint8Array> {
    yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next())
      yield typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
  }
  try {
    const output = format === 'text' ? parallel.redactBytes(source(), tally) : parallel.redactMime(source(), tally, attachments);
    for await (const out of output) await write(io.stdout, out);
  } finally {
    await parallel.close();
  }
}

async function runConversation(redactor: Redactor, tally: RedactionTally, window: number | undefined, io: RedactIo): Promise<number> {
  const stream = new ConversationRedactionStream(redactor, tally, window);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNo = 0;
  let written = 0;
  let ready: ConversationMessage[] = [];
  const emit = async (): Promise<void> => {
    const batch = ready;
    ready = [];
    written += batch.length;
    await write(io.stdout, toJsonLines(batch));
  };
  /** Takes one line; returns what is wrong with it (never its content), or undefined. */
  const take = (line: string): string | undefined => {
    lineNo += 1;
    if (line.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return `line ${lineNo} is not valid JSON`;
    }
    const problems = messageProblems(parsed, `line ${lineNo}`);
    if (problems.length > 0) return problems.join('; ');
    for (const m of stream.push(parsed as ConversationMessage)) ready.push(m);
    return undefined;
  };
  // A bad line stops the run: everything before it is redacted and written (nothing is lost or left
  // unredacted), nothing from it on is read, and the exit code is 2.
  const stop = async (problem: string): Promise<number> => {
    for (const m of stream.end()) ready.push(m);
    await emit();
    io.stderr.write(
      `secure-ivr redact: ${problem}. Stopped there: the ${written} message(s) before line ${lineNo} were redacted and written; nothing from line ${lineNo} on was. Each line must be a JSON object {participant, time, text}.\n`,
    );
    return 2;
  };
  try {
    for await (const raw of io.stdin) {
      pending += decoder.write(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : (raw as Buffer));
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
        const problem = take(pending.slice(start, nl));
        start = nl + 1;
        if (problem !== undefined) return await stop(problem);
      }
      pending = pending.slice(start);
      if (pending.length > MAX_CONVERSATION_LINE) {
        lineNo += 1;
        return await stop(`line ${lineNo} is longer than ${MAX_CONVERSATION_LINE} characters`);
      }
      await emit();
    }
    pending += decoder.end();
    const problem = take(pending);
    if (problem !== undefined) return await stop(problem);
    for (const m of stream.end()) ready.push(m);
    await emit();
  } catch (error) {
    io.stderr.write(`secure-ivr redact: the input could not be redacted (${(error as Error).name}).\n`);
    return 1;
  }
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
