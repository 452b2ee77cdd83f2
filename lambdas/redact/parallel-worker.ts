/**
 * A worker thread of ParallelLineRedactor (parallel.ts): redacts the blocks it is sent (UTF-8 or UTF-16
 * bytes) with a line stream that starts empty, and answers each with the output in the same encoding
 * (moved back rather than copied), the text the stream still holds (lines a number or a card's expiry
 * could still continue from) and the counts. Matched text never leaves it except masked.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { movable, type BlockReply, type BlockRequest } from './parallel';
import { loadRedactionConfig } from './redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from './redactor';

const redactor = new Redactor(loadRedactionConfig((workerData as { config: unknown }).config));

parentPort?.on('message', (request: BlockRequest) => {
  let reply: BlockReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const tally: RedactionTally = {};
    const stream = new LineRedactionStream(redactor, tally);
    const { bytes, encoding } = request;
    let out = stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(encoding));
    let rest = '';
    if (request.final) out += stream.end();
    else rest = stream.held();
    const encoded = movable(Buffer.from(out, encoding));
    transfer = [encoded.buffer as ArrayBuffer];
    reply = { id: request.id, out: encoded, rest, tally };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.name : 'Error' };
  }
  parentPort?.postMessage(reply, transfer);
});
