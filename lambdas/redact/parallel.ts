/**
 * Plain-text redaction on several cores, for large chat archives (`secure-ivr redact --jobs N`).
 * The output and the counts are exactly those of one LineRedactionStream over the whole text.
 *
 * Why that holds: a line stream's whole state is the text it holds back (LineRedactionStream.held), and
 * its output does not depend on how its input was cut. The text is cut into blocks at line breaks; each
 * block is redacted by a worker with a stream that starts empty. When the stream of block i ends holding
 * nothing, a stream over the whole text would also be empty there, so block i+1's worker output is what
 * it would have written. When it ends holding text (a card's expiry may still follow), that output is
 * thrown away and block i+1 is redacted again here, from the held text. Blocks are cut where a probe of
 * the last lines says nothing will be held, so that redo is rare; it only costs time, never correctness.
 *
 * Workers get the configuration document and load it themselves; blocks go out in order and outputs
 * come back in order. Memory: at most `workers × 2` blocks in flight, plus the one being gathered.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadRedactionConfig } from './redaction-config';
import { addToTally, LineRedactionStream, lineJoinCut, Redactor, type RedactionTally } from './redactor';

/**
 * A block sent to a worker: text that ends at a line break (or at the input's end), as bytes moved to
 * the worker rather than copied: UTF-8 (the CLI's input as read) or UTF-16 (a JS string's own units:
 * converting is a plain copy, much cheaper than cloning a string through postMessage).
 */
export interface BlockRequest {
  id: number;
  bytes: Uint8Array;
  encoding: 'utf8' | 'utf16le';
  /** The last block: the worker ends its stream. */
  final: boolean;
}

/** A worker's answer: output (in the request's encoding) and held-back text, or the name of the error that stopped it. */
export type BlockReply = { id: number; out: Uint8Array; rest: string; tally: RedactionTally; error?: undefined } | { id: number; error: string };

export interface ParallelOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Characters per block (default 1 Mi). */
  blockSize?: number;
  /**
   * Where a block may end (tests force bad cuts to exercise the redo path): `probe` (default) cuts
   * where a probe of the last lines holds nothing back; `any-line` at the last line break.
   */
  cutting?: 'probe' | 'any-line';
}

const DEFAULT_BLOCK = 1024 * 1024;
/** Line breaks tried, from the end of the gathered text, for a block's end. */
const CUT_TRIES = 64;
/** Characters before a candidate cut that the probe redacts. */
const PROBE_SPAN = 1024;

interface Pending {
  /** The block's text (kept in case it must be redone here). */
  text: () => string;
  final: boolean;
  reply: Promise<BlockReply>;
}

/** Redacts plain text like LineRedactionStream, with the work spread over worker threads. */
export class ParallelLineRedactor {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (reply: BlockReply) => void; reject: (error: Error) => void }>();
  private readonly redactor: Redactor;
  private readonly blockSize: number;
  private readonly cutting: 'probe' | 'any-line';
  private nextId = 0;
  private failure: Error | undefined;
  /** Blocks whose worker output was thrown away and redone here (the previous block held text back). */
  public redone = 0;

  /**
   * @param document the redaction configuration document (as read from JSON; checked here and in each worker)
   */
  public constructor(document: unknown, options: ParallelOptions = {}) {
    this.redactor = new Redactor(loadRedactionConfig(document));
    this.blockSize = options.blockSize ?? DEFAULT_BLOCK;
    this.cutting = options.cutting ?? 'probe';
    const file = join(__dirname, `parallel-worker${extname(__filename)}`);
    // Run as TypeScript (the CLI, the benchmark, the tests), the worker registers tsx's require hook first.
    const boot =
      extname(__filename) === '.ts'
        ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});require(${JSON.stringify(file)});`
        : `require(${JSON.stringify(file)});`;
    for (let i = 0; i < Math.max(1, options.workers ?? 2); i += 1) {
      const worker = new Worker(boot, { eval: true, workerData: { config: document } });
      worker.on('message', (reply: BlockReply) => {
        const w = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        w?.resolve(reply);
      });
      worker.on('error', (error) => this.fail(new Error(`a redaction worker failed (${error.name})`)));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`a redaction worker stopped with exit code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  /** Stops the workers. */
  public async close(): Promise<void> {
    this.failure ??= new Error('the parallel redactor is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Redacts a whole text (the tally receives the counts). */
  public async redact(text: string, tally: RedactionTally): Promise<string> {
    let out = '';
    for await (const part of this.redactStream(
      (async function* () {
        yield text;
      })(),
      tally,
    ))
      out += part;
    return out;
  }

  /**
   * Redacts text arriving in chunks; yields the output in order as blocks finish. `start` is text a
   * line stream already held (LineRedactionStream.held), so a stream can hand over mid-way.
   */
  public async *redactStream(source: AsyncIterable<string>, tally: RedactionTally, start = ''): AsyncGenerator<string> {
    const settle = this.settler(tally);
    const inFlight: Pending[] = [];
    // Chunks are joined once per block (a flat string), not appended one by one (a rope that every
    // search would flatten again).
    let chunks: string[] = start === '' ? [] : [start];
    let length = start.length;
    for await (const chunk of source) {
      chunks.push(chunk);
      length += chunk.length;
      if (length < this.blockSize) continue;
      let gathered = chunks.length === 1 ? (chunks[0] as string) : chunks.join('');
      while (gathered.length >= this.blockSize) {
        let cut = this.textBlockEnd(gathered);
        if (cut <= 0) {
          if (gathered.length < 4 * this.blockSize) break;
          cut = gathered.length; // no line break in sight: correct anyway, the next block may be redone
        }
        inFlight.push(this.sendText(gathered.slice(0, cut), false));
        gathered = gathered.slice(cut);
        while (inFlight.length >= this.inFlightLimit) yield asText(await settle(inFlight.shift() as Pending));
      }
      chunks = gathered === '' ? [] : [gathered];
      length = gathered.length;
    }
    inFlight.push(this.sendText(chunks.join(''), true));
    while (inFlight.length > 0) yield asText(await settle(inFlight.shift() as Pending));
  }

  /**
   * The same for UTF-8 bytes (the CLI): workers decode and encode too, so that work is spread as well.
   * Bytes that are not UTF-8 are read as U+FFFD, as Buffer#toString does.
   */
  public async *redactBytes(source: AsyncIterable<Uint8Array>, tally: RedactionTally, start = ''): AsyncGenerator<Buffer> {
    const settle = this.settler(tally);
    const inFlight: Pending[] = [];
    const toBuffer = (out: string | Buffer): Buffer => (typeof out === 'string' ? Buffer.from(out, 'utf8') : out);
    let gathered: Buffer[] = start === '' ? [] : [Buffer.from(start, 'utf8')];
    let length = gathered[0]?.length ?? 0;
    for await (const chunk of source) {
      gathered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      length += chunk.byteLength;
      if (length < this.blockSize) continue;
      let all = gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered, length);
      while (all.length >= this.blockSize) {
        let cut = this.byteBlockEnd(all);
        if (cut <= 0) {
          if (all.length < 4 * this.blockSize) break;
          cut = all.length;
        }
        inFlight.push(this.sendBytes(all.subarray(0, cut), false));
        all = all.subarray(cut);
        while (inFlight.length >= this.inFlightLimit) yield toBuffer(await settle(inFlight.shift() as Pending));
      }
      gathered = all.length > 0 ? [all] : [];
      length = all.length;
    }
    inFlight.push(this.sendBytes(gathered.length === 1 ? (gathered[0] as Buffer) : Buffer.concat(gathered, length), true));
    while (inFlight.length > 0) yield toBuffer(await settle(inFlight.shift() as Pending));
  }

  /** Blocks sent and not yet settled, at most. */
  private get inFlightLimit(): number {
    return this.workers.length * 2;
  }

  /**
   * Settles blocks in order: a worker's output stands when the block before ended holding nothing;
   * otherwise the block is redacted again here, from the text held back.
   */
  private settler(tally: RedactionTally): (block: Pending) => Promise<string | Buffer> {
    let carry = '';
    return async (block) => {
      const reply = await block.reply;
      if (reply.error !== undefined) throw new Error(`a redaction worker could not redact a block (${reply.error})`);
      if (carry === '') {
        for (const [id, n] of Object.entries(reply.tally)) addToTally(tally, id, n);
        carry = reply.rest;
        return Buffer.from(reply.out.buffer, reply.out.byteOffset, reply.out.byteLength);
      }
      this.redone += 1;
      const stream = new LineRedactionStream(this.redactor, tally);
      let out = stream.write(carry) + stream.write(block.text());
      if (block.final) out += stream.end();
      carry = block.final ? '' : stream.held();
      return out;
    };
  }

  /** Where a block of the gathered text can end, near blockSize: just after a line break where a stream holds nothing back. */
  private textBlockEnd(text: string): number {
    let nl = text.lastIndexOf('\n', this.blockSize - 1);
    for (let tries = 0; nl >= 0 && tries < CUT_TRIES; tries += 1, nl = nl > 0 ? text.lastIndexOf('\n', nl - 1) : -1) {
      const cut = nl + 1;
      if (this.quietBefore(text.slice(Math.max(0, cut - PROBE_SPAN), cut))) return cut;
    }
    return -1;
  }

  /** True when a line stream written `head` (text ending in a line break) holds nothing back. */
  private quietBefore(head: string): boolean {
    if (lineJoinCut(head) !== head.length) return false;
    if (this.cutting === 'any-line') return true;
    const probe = new LineRedactionStream(this.redactor, {});
    probe.write(head);
    return probe.held() === '';
  }

  /** textBlockEnd for UTF-8 bytes. */
  private byteBlockEnd(bytes: Buffer): number {
    let nl = bytes.lastIndexOf(0x0a, this.blockSize - 1);
    for (let tries = 0; nl >= 0 && tries < CUT_TRIES; tries += 1, nl = nl > 0 ? bytes.lastIndexOf(0x0a, nl - 1) : -1) {
      const cut = nl + 1;
      // A line break byte never stands inside a UTF-8 sequence; the probe starts at one too.
      const from = cut > PROBE_SPAN ? bytes.indexOf(0x0a, cut - PROBE_SPAN) + 1 : 0;
      if (this.quietBefore(bytes.toString('utf8', from, cut))) return cut;
    }
    return -1;
  }

  private sendText(text: string, final: boolean): Pending {
    const bytes = movable(Buffer.from(text, 'utf16le'));
    return { text: () => text, final, reply: this.post({ id: this.takeId(), bytes, encoding: 'utf16le', final }, [bytes.buffer as ArrayBuffer]) };
  }

  private sendBytes(bytes: Buffer, final: boolean): Pending {
    // The worker gets its own copy (moved, not cloned); the block stays here in case it must be redone.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return { text: () => bytes.toString('utf8'), final, reply: this.post({ id: this.takeId(), bytes: copy, encoding: 'utf8', final }, [copy.buffer]) };
  }

  private takeId(): number {
    this.nextId += 1;
    return this.nextId - 1;
  }

  private post(request: BlockRequest, transfer: ArrayBuffer[] = []): Promise<BlockReply> {
    const worker = this.workers[request.id % this.workers.length] as Worker;
    const reply = new Promise<BlockReply>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.waiting.set(request.id, { resolve, reject });
      worker.postMessage(request, transfer);
    });
    reply.catch(() => undefined); // awaited in order by the stream; a failure is rethrown there
    return reply;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}

/** A worker's UTF-16 output as a string (the settler's own redo is a string already). */
function asText(out: string | Buffer): string {
  return typeof out === 'string' ? out : out.toString('utf16le');
}

/** `bytes` as a Uint8Array that owns its whole ArrayBuffer (so moving the buffer moves nothing else). */
export function movable(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Uint8Array(bytes.buffer, 0, bytes.byteLength);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
