/**
 * Worker thread of the redaction benchmark's machine check (bench/redact.ts, benchThreadsAlone): redacts
 * the text it was started with through a line stream, in 64 Ki chunks, each time it is asked, and
 * answers with the length of the output. No input is copied in and no output is copied out, so two of
 * these side by side show the most two threads redact on this machine at the moment, with nothing of
 * ParallelRedactor's coordination. Run by bench/redact.ts, not by hand.
 */
import { parentPort, workerData } from 'node:worker_threads';
import defaultConfig from '../config/redaction.json';
import { loadRedactionConfig } from '../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor } from '../lambdas/redact/redactor';

const CHUNK = 64 * 1024;
const text = (workerData as { text: string }).text;
const redactor = new Redactor(loadRedactionConfig(defaultConfig));

parentPort?.on('message', () => {
  const stream = new LineRedactionStream(redactor, {});
  let length = 0;
  for (let i = 0; i < text.length; i += CHUNK)
    stream.writeTo(text.slice(i, i + CHUNK), (part) => {
      length += part.length;
    });
  length += stream.end().length;
  parentPort?.postMessage(length);
});
