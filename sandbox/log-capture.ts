/**
 * The sandbox's CloudWatch Logs. A handler logs as it does in Lambda, to stdout/stderr (Powertools log
 * lines and EMF metric documents, already masked by lambdas/shared/logging.ts); while a capture is on,
 * those lines go to <dir>/<service>.log and <dir>/metrics-<service>.log instead, written synchronously so
 * the no-leak scans (test/helpers/leak-scan.ts) read every line as soon as a call returns. Anything else
 * on the streams (the CLI's own output, a test runner's) passes through untouched.
 *
 * The streams belong to the process, so one capture is in charge at a time: a newer one takes over until
 * it stops, and the streams are restored when the last one stops.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface LogCapture {
  readonly dir: string;
  stop(): void;
}

type Write = NodeJS.WriteStream['write'];

const active: Capture[] = [];
let restore: (() => void) | undefined;

class Capture implements LogCapture {
  private readonly files = new Map<string, number>();

  public constructor(public readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Writes the log lines of `text` to their files; returns what is not a log line. */
  public take(text: string): string {
    if (!text.includes('{')) return text;
    const kept: string[] = [];
    const lines = text.split('\n');
    const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
    for (const line of lines) {
      const file = logFileFor(line);
      if (file) writeSync(this.fd(file), `${line}\n`);
      else kept.push(line);
    }
    if (kept.length === 0) return '';
    return trailing === undefined ? kept.join('\n') : `${kept.join('\n')}\n`;
  }

  public stop(): void {
    const at = active.indexOf(this);
    if (at >= 0) active.splice(at, 1);
    for (const fd of this.files.values()) closeSync(fd);
    this.files.clear();
    if (active.length === 0) {
      restore?.();
      restore = undefined;
    }
  }

  private fd(file: string): number {
    let fd = this.files.get(file);
    if (fd === undefined) {
      fd = openSync(join(this.dir, file), 'a');
      this.files.set(file, fd);
    }
    return fd;
  }
}

/** A Powertools log line goes to `<service>.log`, an EMF document to `metrics-<service>.log`; anything else stays. */
function logFileFor(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const { service, level, message, _aws } = doc as Record<string, unknown>;
  const name = typeof service === 'string' && service !== '' ? service.replace(/[^A-Za-z0-9_-]/g, '_') : 'unnamed';
  if (typeof _aws === 'object' && _aws !== null) return `metrics-${name}.log`;
  if (typeof service === 'string' && typeof level === 'string' && message !== undefined) return `${name}.log`;
  return undefined;
}

function divert(stream: NodeJS.WriteStream): () => void {
  const original = stream.write;
  const write = function (this: NodeJS.WriteStream, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const capture = active[active.length - 1];
    if (capture && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const rest = capture.take(text);
      if (rest === '') {
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') process.nextTick(done as () => void);
        return true;
      }
      if (rest !== text) return (original as (c: string, cb?: unknown) => boolean).call(this, rest, typeof encoding === 'function' ? encoding : callback);
    }
    return (original as (c: unknown, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, callback);
  };
  stream.write = write as Write;
  return () => {
    stream.write = original;
  };
}

/** Starts writing the handlers' log lines and metric documents into `dir` until `stop()`. */
export function captureLogs(dir: string): LogCapture {
  const capture = new Capture(dir);
  if (!restore) {
    const undo = [divert(process.stdout), divert(process.stderr)];
    restore = () => {
      for (const u of undo) u();
    };
  }
  active.push(capture);
  return capture;
}
