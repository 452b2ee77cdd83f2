/**
 * Redaction on several cores, for large chat archives and emails (`secure-ivr redact --jobs N`). The
 * output and the counts are exactly those of one LineRedactionStream (plain text) or one
 * MimeRedactionStream (email) over the whole input.
 *
 * Plain text: a line stream's whole state is the text it holds back (LineRedactionStream.held), and its
 * output does not depend on how its input was cut. The text is cut into blocks at line breaks; each
 * block is redacted by a worker with a stream that starts empty. When the stream of block i ends holding
 * nothing, a stream over the whole text would also be empty there, so block i+1's worker output is what
 * it would have written. When it ends holding text (a card's expiry may still follow), that output is
 * thrown away and block i+1 is redacted again here, from the held text. Blocks are cut where a probe of
 * the last lines says nothing will be held, so that redo is rare; it only costs time, never correctness.
 *
 * Email (redactMime): this thread parses the message; a text part that travels as plain UTF-8 takes
 * the block path above, other text and HTML parts go whole to one worker (TextPart there), attachments
 * pass through here; outputs are put back in order.
 *
 * Workers get the configuration document and load it themselves. Blocks go through shared memory:
 * 2 × workers slots (an input and an output area each) that every worker can read, written and read in
 * place, so no large string or buffer is made or collected per block, and this thread, which only
 * gathers, cuts and copies, leaves the cores to the workers. A block goes to the worker with the fewest
 * bytes unanswered. Memory: the slots, about 8 × blockSize bytes each (17 MiB for 2 workers at the
 * default 512 Ki), plus the blocks in flight kept for a redo and the one being gathered; an email is
 * read at most 64 MiB ahead of its output.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MimeRedactionStream, type AttachmentReport, type DeferredOutput, type RemoteTextPart, type TextPartSpec } from './mime/mime-redactor';
import { loadRedactionConfig } from './redaction-config';
import { addToTally, LineRedactionStream, lineJoinCut, Redactor, type RedactionTally } from './redactor';

/** How a block's text is held in a slot: UTF-16 code units (a JS string's own; copying is a plain copy) or UTF-8 (the CLI's input as read). */
export type SlotEncoding = 'utf16le' | 'utf8';

/** What each worker is started with. */
export interface WorkerSetup {
  config: unknown;
  /** Per slot: the input area and the output area. */
  inputs: SharedArrayBuffer[];
  outputs: SharedArrayBuffer[];
}

/** A block written to a slot: text ending at a line break (or at the input's end). */
export interface BlockRequest {
  id: number;
  slot: number;
  /** Bytes of input in the slot. */
  length: number;
  encoding: SlotEncoding;
  /** The last block: the worker ends its stream. */
  final: boolean;
}

/**
 * A worker's answer: the output is in the slot's output area (`outLength` bytes, then `overflow` when it
 * did not fit), with the text its stream still holds and the counts; or the name of the error that stopped it.
 */
export type BlockReply =
  | { id: number; outLength: number; overflow?: Uint8Array; rest: string; tally: RedactionTally; error?: undefined }
  | { id: number; error: string };

/** A text part of an email redacted by a worker: opened, written (its raw body, as bytes moved there), ended. */
export type PartRequest =
  | { op: 'part-open'; part: number; spec: TextPartSpec }
  | { op: 'part-write'; part: number; bytes: Uint8Array }
  | { op: 'part-end'; part: number };

/** A worker's output for a part (raw bytes, moved back); the last one has the counts. */
export type PartReply = { part: number; out: Uint8Array; done: boolean; tally?: RedactionTally; error?: undefined } | { part: number; error: string };

export interface ParallelOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Characters (or bytes) per block (default 512 Ki). */
  blockSize?: number;
  /**
   * Where a block may end (tests force bad cuts to exercise the redo path): `probe` (default) cuts
   * where a probe of the last lines holds nothing back; `any-line` at the last line break.
   */
  cutting?: 'probe' | 'any-line';
}

const DEFAULT_BLOCK = 512 * 1024;
/** Slots (blocks in flight) per worker. */
const SLOTS = 2;
/** Input is gathered in pieces this long, and output yielded in pieces this long (characters or bytes). */
export const PIECE = 32 * 1024;
/** Line breaks tried, from the end of the gathered text, for a block's end. */
const CUT_TRIES = 64;
/** Characters before a candidate cut that the probe redacts. */
const PROBE_SPAN = 1024;
/**
 * What a byte of an email part sent whole to a worker costs there, in bytes of plain text on the block
 * path (measured on the benchmark email, one thread: the HTML part runs at about a third of plain
 * text's speed, a part with a transfer encoding at about half). The load that picks a worker counts them so.
 */
const HTML_COST = 3;
const ENCODED_COST = 2;
/** Email bytes parsed ahead of the output at most (parts wait in the workers' queues meanwhile). */
const READ_AHEAD = 64 * 1024 * 1024;

/** The operations the gatherer needs on one piece of input: a string or UTF-8 bytes. */
interface PieceKind<T> {
  encoding: SlotEncoding;
  /** Bytes a unit of length takes in a slot. */
  unit: number;
  length(piece: T): number;
  slice(piece: T, from: number, to?: number): T;
  /** Offset of the last line break at or before `at`, -1 when none. */
  lastBreak(piece: T, at: number): number;
  /** The text of consecutive pieces (decoded for bytes). */
  text(pieces: T[]): string;
  /** Copies the piece into `target` at byte `offset`. */
  copy(piece: T, target: Buffer, offset: number): void;
  /**
   * Where to cut gathered pieces that hold no line break to cut at, as [piece index, offset]: their end,
   * or for bytes the start of a character the end cuts (each block is decoded on its own).
   */
  charBoundary(pieces: T[]): [number, number];
}

const STRING_PIECES: PieceKind<string> = {
  encoding: 'utf16le',
  unit: 2,
  length: (p) => p.length,
  slice: (p, from, to) => p.slice(from, to),
  lastBreak: (p, at) => p.lastIndexOf('\n', at),
  text: (pieces) => pieces.join(''),
  copy: (p, target, offset) => {
    target.write(p, offset, 'utf16le');
  },
  // A surrogate pair cut here is whole again: the block before holds its unfinished line, so the next block is redone from it.
  charBoundary: (pieces) => [pieces.length, 0],
};

const BYTE_PIECES: PieceKind<Buffer> = {
  encoding: 'utf8',
  unit: 1,
  length: (p) => p.length,
  slice: (p, from, to) => p.subarray(from, to),
  lastBreak: (p, at) => p.lastIndexOf(0x0a, at),
  text: (pieces) => Buffer.concat(pieces).toString('utf8'),
  copy: (p, target, offset) => {
    target.set(p, offset);
  },
  charBoundary: (pieces) => {
    // Back over the continuation bytes at the end (at most 3) to the byte that starts their character.
    let index = pieces.length - 1;
    let at = (pieces[index]?.length ?? 0) - 1;
    for (let following = 0; index >= 0 && following < 4; ) {
      if (at < 0) {
        index -= 1;
        at = (pieces[index]?.length ?? 0) - 1;
        continue;
      }
      const b = (pieces[index] as Buffer)[at] as number;
      if ((b & 0xc0) !== 0x80) {
        const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return size > following + 1 ? [index, at] : [pieces.length, 0];
      }
      following += 1;
      at -= 1;
    }
    return [pieces.length, 0];
  },
};

/** One run of the block path: its input, where counts go, and how output is read out of a slot or made from redone text. */
interface RunJob<T> {
  kind: PieceKind<T>;
  source: AsyncIterable<T>;
  tally: RedactionTally;
  /** Input that comes before the source's (text a line stream held). */
  start: T[];
  read: (out: Buffer, from: number, to: number) => T;
  fromText: (text: string) => T[];
}

/** UTF-8 output copied out of a slot (the slot is reused). */
const copyOut = (out: Buffer, from: number, to: number): Buffer => Buffer.from(out.subarray(from, to));
const utf8 = (text: string): Buffer[] => [Buffer.from(text, 'utf8')];

interface Pending<T> {
  /** The block as gathered (kept in case it must be redone here). */
  pieces: T[];
  final: boolean;
  slot: number;
  worker: number;
  reply: Promise<BlockReply>;
}

/** Redacts plain text as LineRedactionStream does and emails as MimeRedactionStream does, with the work spread over worker threads. */
export class ParallelRedactor {
  private readonly workers: Worker[] = [];
  /** Per slot: the input and output areas (shared with every worker). */
  private readonly inputs: Buffer[];
  private readonly outputs: Buffer[];
  private readonly freeSlots: number[] = [];
  /** Per worker: bytes sent to it and not yet answered (blocks and email parts), to pick the least busy one. */
  private readonly load: number[] = [];
  private readonly waiting = new Map<number, { resolve: (reply: BlockReply) => void; reject: (error: Error) => void }>();
  private readonly redactor: Redactor;
  private readonly blockSize: number;
  private readonly cutting: 'probe' | 'any-line';
  private nextId = 0;
  private nextPart = 0;
  /** Resolved when no run is using the slots. */
  private slotsFree: Promise<void> = Promise.resolve();
  /** Email text parts being redacted by workers: where each one's replies go. */
  private readonly parts = new Map<number, (reply: PartReply) => void>();
  private failure: Error | undefined;
  /** Blocks whose worker output was thrown away and redone here (the previous block held text back). */
  public redone = 0;

  /**
   * @param document the redaction configuration document (as read from JSON; checked here and in each worker)
   */
  public constructor(document: unknown, options: ParallelOptions = {}) {
    this.redactor = new Redactor(loadRedactionConfig(document));
    this.blockSize = Math.max(PIECE, options.blockSize ?? DEFAULT_BLOCK);
    this.cutting = options.cutting ?? 'probe';
    const boot = workerBoot(join(__dirname, `parallel-worker${extname(__filename)}`));
    // A block is cut by 2 × blockSize at the latest (no line break in sight), and grows by at most a piece before that.
    const slotBytes = (2 * this.blockSize + PIECE) * 2;
    const count = Math.max(1, options.workers ?? 2);
    // Every worker sees every slot: a block goes to the least busy worker, in whichever slot is free.
    const setup: WorkerSetup = { config: document, inputs: [], outputs: [] };
    for (let s = 0; s < count * SLOTS; s += 1) {
      setup.inputs.push(new SharedArrayBuffer(slotBytes));
      setup.outputs.push(new SharedArrayBuffer(slotBytes));
      this.freeSlots.push(s);
    }
    this.inputs = setup.inputs.map((b) => Buffer.from(b));
    this.outputs = setup.outputs.map((b) => Buffer.from(b));
    for (let i = 0; i < count; i += 1) {
      const worker = new Worker(boot, { eval: true, workerData: setup });
      this.load.push(0);
      worker.on('message', (reply: BlockReply | PartReply) => {
        if ('part' in reply) {
          this.parts.get(reply.part)?.(reply);
          return;
        }
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
    const parts: string[] = [];
    for await (const part of this.redactStream(
      (async function* () {
        yield text;
      })(),
      tally,
    ))
      parts.push(part);
    return parts.join('');
  }

  /**
   * Redacts text arriving in chunks; yields the output in order, in pieces, as blocks finish. `start` is
   * text a line stream already held (LineRedactionStream.held), so a stream can hand over mid-way.
   */
  public redactStream(source: AsyncIterable<string>, tally: RedactionTally, start = ''): AsyncGenerator<string> {
    return this.run({
      kind: STRING_PIECES,
      source,
      tally,
      start: start === '' ? [] : [start],
      read: (out, from, to) => out.toString('utf16le', from, to),
      fromText: (text) => [text],
    });
  }

  /**
   * The same for UTF-8 bytes (the CLI): workers decode and encode too, so that work is spread as well.
   * Bytes that are not UTF-8 are read as U+FFFD, as a StringDecoder reads them (Utf8StreamDecoder).
   */
  public redactBytes(source: AsyncIterable<Uint8Array>, tally: RedactionTally, start = ''): AsyncGenerator<Buffer> {
    const bytes = (async function* () {
      for await (const chunk of source) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    })();
    return this.run({ kind: BYTE_PIECES, source: bytes, tally, start: start === '' ? [] : [Buffer.from(start, 'utf8')], read: copyOut, fromText: utf8 });
  }

  private async *run<T>(job: RunJob<T>): AsyncGenerator<T> {
    // One run at a time uses the slots (a slot is reused once its block has settled in this run's order).
    if (this.failure !== undefined) throw this.failure;
    let release: () => void = () => undefined;
    const previous = this.slotsFree;
    this.slotsFree = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      yield* this.runAlone(job);
    } finally {
      release();
    }
  }

  private async *runAlone<T>({ kind, source, tally, start, read, fromText }: RunJob<T>): AsyncGenerator<T> {
    const inFlight: Pending<T>[] = [];
    const limit = this.workers.length * SLOTS;
    let carry = '';
    /** Output of the next block in flight, in order: the worker's (when the block before held nothing back) or redone here. */
    const settle = async (): Promise<T[]> => {
      const block = inFlight.shift() as Pending<T>;
      const reply = await block.reply;
      if (reply.error !== undefined) throw new Error(`a redaction worker could not redact a block (${reply.error})`);
      // The slot is free once its output has been read below (nothing is awaited in between).
      queueMicrotask(() => this.freeSlots.push(block.slot));
      if (carry !== '') {
        // The previous block held text back: its state differs from the empty one the worker began with.
        this.redone += 1;
        const stream = new LineRedactionStream(this.redactor, tally);
        let out = stream.write(carry) + stream.write(kind.text(block.pieces));
        if (block.final) out += stream.end();
        carry = block.final ? '' : stream.held();
        return out === '' ? [] : fromText(out);
      }
      for (const [id, n] of Object.entries(reply.tally)) addToTally(tally, id, n);
      carry = reply.rest;
      const area = this.outputs[block.slot] as Buffer;
      const parts: T[] = [];
      // Output pieces are copied out of the slot (it is reused); pieces stay small (young generation).
      const step = PIECE * kind.unit;
      for (let from = 0; from < reply.outLength; from += step) parts.push(read(area, from, Math.min(reply.outLength, from + step)));
      if (reply.overflow !== undefined)
        parts.push(read(Buffer.from(reply.overflow.buffer, reply.overflow.byteOffset, reply.overflow.byteLength), 0, reply.overflow.byteLength));
      return parts;
    };

    let pieces: T[] = [];
    let length = 0;
    /** The chunk in pieces of at most PIECE (a whole text may arrive as one chunk). */
    function* split(chunk: T): Generator<T> {
      const n = kind.length(chunk);
      if (n <= PIECE) yield chunk;
      else for (let i = 0; i < n; i += PIECE) yield kind.slice(chunk, i, i + PIECE);
    }
    const all = (async function* () {
      yield* start;
      for await (const chunk of source) yield chunk;
    })();
    for await (const chunk of all) {
      for (const piece of split(chunk)) {
        pieces.push(piece);
        length += kind.length(piece);
        while (length >= this.blockSize) {
          // Taken a piece at a time, so when no line break is in sight the block is cut at under
          // 2 × blockSize + PIECE (the slot's size): correct anyway, the next block may be redone.
          const cut = this.blockEnd(kind, pieces);
          if (cut === undefined && length < 2 * this.blockSize) break;
          const [index, offset] = cut ?? kind.charBoundary(pieces);
          const block = pieces.slice(0, index);
          const rest = pieces.slice(index);
          if (offset > 0) {
            const cutPiece = rest.shift() as T;
            block.push(kind.slice(cutPiece, 0, offset));
            if (offset < kind.length(cutPiece)) rest.unshift(kind.slice(cutPiece, offset));
          }
          pieces = rest;
          length = 0;
          for (const p of pieces) length += kind.length(p);
          inFlight.push(this.send(kind, block, false));
          while (inFlight.length >= limit) for (const part of await settle()) yield part;
        }
      }
    }
    inFlight.push(this.send(kind, pieces, true));
    while (inFlight.length > 0) for (const part of await settle()) yield part;
  }

  /**
   * Where the block can end, near blockSize: [piece index, offset] just after a line break where a line
   * stream holds nothing back (a probe of the text before it); undefined when none of the last line
   * breaks before blockSize qualifies.
   */
  private blockEnd<T>(kind: PieceKind<T>, pieces: T[]): [number, number] | undefined {
    // The piece holding offset blockSize - 1.
    let index = 0;
    let at = this.blockSize - 1;
    while (index < pieces.length && at >= kind.length(pieces[index] as T)) {
      at -= kind.length(pieces[index] as T);
      index += 1;
    }
    let tries = 0;
    for (; index >= 0; index -= 1, at = index >= 0 ? kind.length(pieces[index] as T) - 1 : -1) {
      const piece = pieces[index] as T;
      for (let nl = kind.lastBreak(piece, at); nl >= 0; nl = nl > 0 ? kind.lastBreak(piece, nl - 1) : -1) {
        if (this.quietBefore(kind, pieces, index, nl + 1)) return [index, nl + 1];
        tries += 1;
        if (tries >= CUT_TRIES) return undefined;
      }
    }
    return undefined;
  }

  /** True when a line stream written the text before [index, offset] would hold nothing back there. */
  private quietBefore<T>(kind: PieceKind<T>, pieces: T[], index: number, offset: number): boolean {
    // The last PROBE_SPAN units before the cut, from at most the piece before.
    const own = kind.slice(pieces[index] as T, Math.max(0, offset - PROBE_SPAN), offset);
    const need = PROBE_SPAN - kind.length(own);
    const before = index > 0 && need > 0 ? pieces[index - 1] : undefined;
    let head = kind.text(before === undefined ? [own] : [kind.slice(before, Math.max(0, kind.length(before) - need)), own]);
    // Bytes may start inside a character: the probe starts after its first line break.
    if (kind.unit === 1) head = head.slice(head.indexOf('\n') + 1);
    if (lineJoinCut(head) !== head.length) return false;
    if (this.cutting === 'any-line') return true;
    const probe = new LineRedactionStream(this.redactor, {});
    probe.write(head);
    return probe.held() === '';
  }

  private send<T>(kind: PieceKind<T>, pieces: T[], final: boolean): Pending<T> {
    const id = this.nextId;
    this.nextId += 1;
    if (this.failure !== undefined) {
      const failed = Promise.reject(this.failure);
      failed.catch(() => undefined);
      return { pieces, final, slot: -1, worker: -1, reply: failed };
    }
    // At most workers × SLOTS blocks are in flight (one run at a time): a slot is free.
    const slot = this.freeSlots.pop() as number;
    const worker = this.leastBusy();
    const area = this.inputs[slot] as Buffer;
    let length = 0;
    for (const piece of pieces) {
      kind.copy(piece, area, length);
      length += kind.length(piece) * kind.unit;
    }
    this.load[worker] = (this.load[worker] as number) + length;
    const reply = new Promise<BlockReply>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.waiting.set(id, {
        resolve: (r) => {
          this.load[worker] = (this.load[worker] as number) - length;
          resolve(r);
        },
        reject,
      });
      (this.workers[worker] as Worker).postMessage({ id, slot, length, encoding: kind.encoding, final } satisfies BlockRequest);
    });
    reply.catch(() => undefined); // awaited in order by run; a failure is rethrown there
    return { pieces, final, slot, worker, reply };
  }

  /** The worker with the fewest bytes sent and not yet answered. */
  private leastBusy(): number {
    let best = 0;
    for (let w = 1; w < this.load.length; w += 1) if ((this.load[w] as number) < (this.load[best] as number)) best = w;
    return best;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
    for (const deliver of this.parts.values()) deliver({ part: -1, error: this.failure.message });
    this.parts.clear();
  }

  /**
   * Redacts an email (raw bytes in chunks) exactly as MimeRedactionStream does, with its text and HTML
   * parts redacted by the workers (one part per worker at a time, parts spread over them), so the parts
   * of a multipart message (text and HTML alternatives, several messages inside one) are redacted at once
   * while this thread parses the rest and passes attachments through. Yields the output in order;
   * `attachments` receives the attachment reports. Input read ahead of the output is bounded (64 MiB).
   */
  public async *redactMime(source: AsyncIterable<Uint8Array>, tally: RedactionTally, attachments: AttachmentReport[] = []): AsyncGenerator<Buffer> {
    const blockInputs: Array<ItemQueue<Buffer>> = [];
    const stream = new MimeRedactionStream(this.redactor, tally, (spec) => this.remotePart(spec, tally, blockInputs));
    const queue: Array<Buffer | DeferredOutput> = [];
    let wake: (() => void) | undefined;
    let done = false;
    let failed: unknown;
    let ahead = 0; // bytes read and not yet yielded
    let resume: (() => void) | undefined;
    const push = (items: Array<Buffer | DeferredOutput>): void => {
      queue.push(...items);
      wake?.();
    };
    // The producer parses ahead while the consumer below waits for parts in order.
    const produce = (async () => {
      try {
        for await (const chunk of source) {
          if (failed !== undefined) break; // the output is no longer read
          ahead += chunk.byteLength;
          push(stream.writeSegments(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
          while (ahead > READ_AHEAD && failed === undefined) await new Promise<void>((r) => (resume = r));
        }
        if (failed === undefined) {
          push(stream.endSegments());
          attachments.push(...stream.attachments);
        }
      } catch (error) {
        failed = error;
      }
      done = true;
      wake?.();
    })();
    try {
      for (;;) {
        const item = queue.shift();
        if (item === undefined) {
          if (failed !== undefined) throw failed;
          if (done) break;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
          continue;
        }
        if (Buffer.isBuffer(item)) {
          ahead -= item.length;
          yield item;
        } else
          for await (const out of item.deferred) {
            ahead -= out.length;
            yield out;
          }
        if (ahead <= READ_AHEAD) resume?.();
      }
    } finally {
      failed ??= new Error('the output was not read to its end');
      resume?.();
      await produce;
      // A part cut short (an error, or output not read to its end) must not keep the slots.
      for (const input of blockInputs) input.close();
    }
  }

  /**
   * A plain UTF-8 text part redacted in blocks on every worker: its body goes into redactBytes' path as
   * it arrives (started at once, so blocks are redacted while the parser goes on), and the outputs are
   * kept in order until the stream reads them. The output is TextPart's: the part is UTF-8 line-stream
   * redaction, and TextPart's decoder and UTF-8 encoding back do what the block path does.
   */
  private blockPart(tally: RedactionTally, blockInputs: Array<ItemQueue<Buffer>>): RemoteTextPart {
    const input = new ItemQueue<Buffer>();
    blockInputs.push(input);
    const output = new ItemQueue<Buffer>();
    const redacted = this.run({ kind: BYTE_PIECES, source: input, tally, start: [], read: copyOut, fromText: utf8 });
    void (async () => {
      try {
        for await (const out of redacted) output.push(out);
        output.close();
      } catch (error) {
        output.close(error instanceof Error ? error : new Error('a redaction worker failed'));
      }
    })();
    return {
      write: (raw) => {
        if (raw !== '') input.push(Buffer.from(raw, 'latin1'));
        return '';
      },
      end: () => {
        input.close();
        return { deferred: output };
      },
    };
  }

  /** A text part of an email sent to a worker; its output comes back as deferred output, in order. */
  private remotePart(spec: TextPartSpec, tally: RedactionTally, blockInputs: Array<ItemQueue<Buffer>>): RemoteTextPart {
    // A plain UTF-8 part as it travels (no transfer encoding) is plain text: it is cut into blocks like
    // redactBytes' input, so one large part keeps every worker busy; other parts go whole to one worker.
    if (spec.encoding === 'identity' && spec.charset === 'utf-8' && !spec.html) return this.blockPart(tally, blockInputs);
    const part = this.nextPart;
    this.nextPart += 1;
    const index = this.leastBusy();
    const worker = this.workers[index] as Worker;
    const replies: PartReply[] = [];
    const sent: number[] = []; // load of each write not yet answered (answers come in order)
    const weight = spec.html ? HTML_COST : ENCODED_COST;
    let wake: (() => void) | undefined;
    this.parts.set(part, (reply) => {
      if (reply.error === undefined && sent.length > 0) this.load[index] = (this.load[index] as number) - (sent.shift() as number);
      replies.push(reply);
      wake?.();
    });
    const post = (request: PartRequest, transfer: ArrayBuffer[] = []): void => {
      if (this.failure !== undefined) throw this.failure;
      worker.postMessage(request, transfer);
    };
    sent.push(0);
    post({ op: 'part-open', part, spec });
    const parts = this.parts;
    return {
      write: (raw) => {
        const bytes = movable(Buffer.from(raw, 'latin1'));
        // Load in plain-text bytes: an HTML or encoded part costs a worker several times more per byte.
        const cost = bytes.byteLength * weight;
        sent.push(cost);
        this.load[index] = (this.load[index] as number) + cost;
        post({ op: 'part-write', part, bytes }, [bytes.buffer as ArrayBuffer]);
        return '';
      },
      end: () => {
        sent.push(0);
        post({ op: 'part-end', part });
        return {
          deferred: (async function* () {
            for (;;) {
              const reply = replies.shift();
              if (reply === undefined) {
                await new Promise<void>((r) => (wake = r));
                wake = undefined;
                continue;
              }
              if (reply.error !== undefined) throw new Error(`a redaction worker could not redact an email part (${reply.error})`);
              if (reply.out.byteLength > 0) yield Buffer.from(reply.out.buffer, reply.out.byteOffset, reply.out.byteLength);
              if (reply.done) {
                for (const [id, n] of Object.entries(reply.tally ?? {})) addToTally(tally, id, n);
                parts.delete(part);
                return;
              }
            }
          })(),
        };
      },
    };
  }
}

/**
 * The code a Worker is started with (`eval: true`) to run `file`: run as TypeScript (the CLI, the
 * benchmark, the tests), the worker registers tsx's require hook first.
 */
export function workerBoot(file: string): string {
  const load = `require(${JSON.stringify(file)});`;
  return extname(file) === '.ts' ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});${load}` : load;
}

/** `bytes` as a Uint8Array that owns its whole ArrayBuffer (so moving the buffer to another thread moves nothing else). */
export function movable(bytes: Buffer): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return new Uint8Array(bytes.buffer, 0, bytes.byteLength);
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** A queue read as an async iterable: items pushed in order, then closed (with an error, when one stopped it). */
class ItemQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  public push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  public close(error?: Error): void {
    this.closed = true;
    this.error = error;
    this.wake?.();
  }

  public async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.error !== undefined) throw this.error;
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }
}
