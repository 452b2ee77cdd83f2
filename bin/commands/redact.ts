/**
 * `npx secure-ivr redact [--config FILE] [--format auto|text|html|eml] < message > redacted`
 *
 * Filters a chat transcript, an HTML fragment or an email (.eml) from stdin to stdout as a stream, with
 * the same redaction library the Lambda runs. A one-line summary (counts per rule, attachments seen —
 * never matched text) goes to stderr. Exit codes: 0 done, 2 bad usage or bad configuration, 1 failure.
 */
import { StringDecoder } from 'node:string_decoder';
import defaultConfig from '../../config/redaction.json';
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
  Masks card numbers (and the configuration's additional rules) in a chat transcript, HTML or an email.
  --config FILE   redaction configuration (default: config/redaction.json)
  --format F      auto (default: email when the input starts with mail headers), text, html or eml
`;

class UsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function parseArgs(argv: string[]): { configPath?: string; format: Format; help: boolean } {
  let configPath: string | undefined;
  let format: Format = 'auto';
  let help = false;
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
    } else if (name === '--help' || name === '-h') help = true;
    else throw new UsageError(`unknown argument ${JSON.stringify(arg.slice(0, 40))}`);
  }
  return { ...(configPath !== undefined ? { configPath } : {}), format, help };
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
  const counts = Object.entries(tally).map(([id, n]) => `${id}: ${n}`);
  const attachments = (mime as MimeRedactionStream | undefined)?.attachments ?? [];
  io.stderr.write(
    `secure-ivr redact: ${tallyTotal(tally)} redaction(s)${counts.length > 0 ? ` (${counts.join(', ')})` : ''}` +
      `${attachments.length > 0 ? `; attachments left as they are: ${attachments.map((a) => `${a.filename ?? '(unnamed)'} [${a.contentType}, ${a.size} bytes]`).join(', ')}` : ''}\n`,
  );
  return 0;
}
