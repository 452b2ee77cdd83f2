/**
 * A worker thread of ParallelRedactor (parallel.ts): redacts each block written to one of its slots
 * (UTF-16 or UTF-8) with a line stream that starts empty, writes the output into the slot's output area
 * in the same encoding, and answers with its length, the text the stream still holds (lines a number or
 * a card's expiry could still continue from) and the counts. It reads and writes in pieces, so it never
 * makes a large string. Matched text never leaves it except masked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Utf8PairJoiner, Utf8StreamDecoder } from './mime/charsets';
import { TextPart } from './mime/mime-redactor';
import { movable, PIECE, type BlockReply, type BlockRequest, type PartReply, type PartRequest, type WorkerSetup } from './parallel';
import { loadRedactionConfig } from './redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from './redactor';

const setup = workerData as WorkerSetup;
const redactor = new Redactor(loadRedactionConfig(setup.config));
const inputs = setup.inputs.map((b) => Buffer.from(b));
const outputs = setup.outputs.map((b) => Buffer.from(b));

function redactBlock(request: BlockRequest): { reply: BlockReply; transfer: ArrayBuffer[] } {
  const tally: RedactionTally = {};
  const stream = new LineRedactionStream(redactor, tally);
  const input = inputs[request.slot] as Buffer;
  const output = outputs[request.slot] as Buffer;
  const { encoding } = request;
  let written = 0;
  let overflow: string[] | undefined;
  // In UTF-8 a surrogate pair cut between two parts is kept whole (each half alone would be U+FFFD).
  const pairs = new Utf8PairJoiner();
  const emit = (part: string): void => {
    const text = encoding === 'utf8' ? pairs.next(part) : part;
    if (text === '') return;
    if (overflow === undefined) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; count exactly only near the end of the area.
      const room = output.length - written;
      const need = encoding === 'utf16le' ? text.length * 2 : text.length * 3 <= room ? 0 : Buffer.byteLength(text, 'utf8');
      if (need <= room) {
        written += output.write(text, written, encoding);
        return;
      }
      overflow = [];
    }
    overflow.push(text);
  };
  // The stream's output goes to the slot part by part (writeTo), so no joined string is made and flattened.
  if (encoding === 'utf16le') {
    for (let from = 0; from < request.length; from += PIECE * 2)
      stream.writeTo(input.toString('utf16le', from, Math.min(request.length, from + PIECE * 2)), emit);
  } else {
    const decoder = new Utf8StreamDecoder();
    for (let from = 0; from < request.length; from += PIECE) stream.writeTo(decoder.write(input.subarray(from, Math.min(request.length, from + PIECE))), emit);
    stream.writeTo(decoder.end(), emit);
  }
  let rest = '';
  if (request.final) emit(stream.end());
  else rest = stream.held();
  emit(pairs.rest());
  if (overflow === undefined) return { reply: { id: request.id, outLength: written, rest, tally }, transfer: [] };
  const extra = Buffer.from(overflow.join(''), encoding);
  const bytes = new Uint8Array(extra.length);
  bytes.set(extra);
  return { reply: { id: request.id, outLength: written, overflow: bytes, rest, tally }, transfer: [bytes.buffer] };
}

/** Email text parts open here, with their counts. */
const parts = new Map<number, { part: TextPart; tally: RedactionTally }>();

function partStep(request: PartRequest): { reply: PartReply; transfer: ArrayBuffer[] } {
  if (request.op === 'part-open') {
    const tally: RedactionTally = {};
    parts.set(request.part, { part: new TextPart(request.spec, redactor, tally), tally });
    return { reply: { part: request.part, out: new Uint8Array(0), done: false }, transfer: [] };
  }
  const open = parts.get(request.part);
  if (open === undefined) throw new Error('unknown part');
  let out: Buffer;
  if (request.op === 'part-write') out = open.part.writeBytes(request.bytes);
  else {
    out = open.part.endBytes();
    parts.delete(request.part);
  }
  const bytes = movable(out);
  const done = request.op === 'part-end';
  return { reply: { part: request.part, out: bytes, done, ...(done ? { tally: open.tally } : {}) }, transfer: [bytes.buffer as ArrayBuffer] };
}

parentPort?.on('message', (request: BlockRequest | PartRequest) => {
  if ('op' in request) {
    let answer: { reply: PartReply; transfer: ArrayBuffer[] };
    try {
      answer = partStep(request);
    } catch (error) {
      parts.delete(request.part);
      answer = { reply: { part: request.part, error: error instanceof Error ? error.name : 'Error' }, transfer: [] };
    }
    parentPort?.postMessage(answer.reply, answer.transfer);
    return;
  }
  let answer: { reply: BlockReply; transfer: ArrayBuffer[] };
  try {
    answer = redactBlock(request);
  } catch (error) {
    answer = { reply: { id: request.id, error: error instanceof Error ? error.name : 'Error' }, transfer: [] };
  }
  parentPort?.postMessage(answer.reply, answer.transfer);
});
