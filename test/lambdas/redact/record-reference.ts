/**
 * Records what the redactor makes of the differential inputs (differential-inputs.ts) into
 * fixtures/redaction-reference.json. It was run once on the code before the fast paths (the chunked
 * line stream, the scanner's quick skip, the matcher's sampled run finder) so the differential test
 * can hold today's code to the old outputs and tallies. Re-run it only when behaviour is meant to change:
 *   npx tsx test/lambdas/redact/record-reference.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlRedactionStream } from '../../../lambdas/redact/html-redactor';
import { MimeRedactionStream } from '../../../lambdas/redact/mime/mime-redactor';
import { parseRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from '../../../lambdas/redact/redactor';
import { htmlInputs, longInputs, mimeInputs, shortInputs } from './differential-inputs';

export interface ReferenceCase {
  output: string;
  /** SHA-256 of the output instead of the output, for long texts. */
  sha256?: string;
  tally: RedactionTally;
}

export interface Reference {
  short: ReferenceCase[];
  long: ReferenceCase[];
  html: ReferenceCase[];
  mime: ReferenceCase[];
}

export const REFERENCE_PATH = join(__dirname, 'fixtures/redaction-reference.json');

export const referenceRedactor = (): Redactor => new Redactor(parseRedactionConfig(readFileSync(join(__dirname, '../../../config/redaction.json'), 'utf8')));

export const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function lineStream(redactor: Redactor, text: string, chunk: number): { output: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new LineRedactionStream(redactor, tally);
  let output = '';
  for (let i = 0; i < text.length; i += chunk) output += stream.write(text.slice(i, i + chunk));
  return { output: output + stream.end(), tally };
}

function htmlStream(redactor: Redactor, text: string, chunk: number): { output: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new HtmlRedactionStream(redactor, tally);
  let output = '';
  for (let i = 0; i < text.length; i += chunk) output += stream.write(text.slice(i, i + chunk));
  return { output: output + stream.end(), tally };
}

function mimeStream(redactor: Redactor, raw: Buffer, chunk: number): { output: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new MimeRedactionStream(redactor, tally);
  const parts: Buffer[] = [];
  for (let i = 0; i < raw.length; i += chunk) parts.push(stream.write(raw.subarray(i, i + chunk)));
  parts.push(stream.end());
  return { output: Buffer.concat(parts).toString('latin1'), tally: { ...tally, attachments: stream.attachments.length } };
}

/** A tally with its keys in order (the order rules were counted in does not matter). */
export function sortedTally(tally: RedactionTally): RedactionTally {
  return Object.fromEntries(Object.entries(tally).sort((a, b) => a[0].localeCompare(b[0])));
}

export const run = { lineStream, htmlStream, mimeStream };

if (require.main === module) {
  const redactor = referenceRedactor();
  const same = (a: { output: string; tally: RedactionTally }, b: { output: string; tally: RedactionTally }, what: string): void => {
    if (a.output !== b.output || JSON.stringify(sortedTally(a.tally)) !== JSON.stringify(sortedTally(b.tally))) throw new Error(`${what}: chunkings disagree`);
  };
  const reference: Reference = {
    short: shortInputs().map((text, i) => {
      const tally: RedactionTally = {};
      const output = redactor.redact(text, tally);
      same({ output, tally }, lineStream(redactor, text, 1 << 16), `short ${i}`);
      same({ output, tally }, lineStream(redactor, text, 3), `short ${i}`);
      return { output, tally: sortedTally(tally) };
    }),
    long: longInputs().map((text, i) => {
      const r = lineStream(redactor, text, 1 << 16);
      same(r, lineStream(redactor, text, 4099), `long ${i}`);
      return { output: '', sha256: sha256(r.output), tally: sortedTally(r.tally) };
    }),
    html: htmlInputs().map((text, i) => {
      const r = htmlStream(redactor, text, 1 << 16);
      same(r, htmlStream(redactor, text, 5), `html ${i}`);
      return { output: r.output, tally: sortedTally(r.tally) };
    }),
    mime: mimeInputs().map((text, i) => {
      const raw = Buffer.from(text, 'latin1');
      const r = mimeStream(redactor, raw, 1 << 16);
      same(r, mimeStream(redactor, raw, 4096), `mime ${i}`);
      return { output: '', sha256: sha256(r.output), tally: sortedTally(r.tally) };
    }),
  };
  writeFileSync(REFERENCE_PATH, `${JSON.stringify(reference, null, 1)}\n`);
  console.log(`recorded ${reference.short.length} short, ${reference.long.length} long, ${reference.html.length} HTML, ${reference.mime.length} MIME cases`);
}
