import { MimeRedactionStream, type AttachmentReport } from '../../../lambdas/redact/mime/mime-redactor';
import type { RedactionTally, Redactor } from '../../../lambdas/redact/redactor';

/** Redacts a raw email with MimeRedactionStream in chunks of `chunkSize` bytes (one thread). */
export function redactEmail(
  redactor: Redactor,
  input: Buffer,
  chunkSize = input.length,
): { out: Buffer; tally: RedactionTally; attachments: AttachmentReport[] } {
  const tally: RedactionTally = {};
  const stream = new MimeRedactionStream(redactor, tally);
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += Math.max(1, chunkSize)) parts.push(stream.write(input.subarray(i, i + Math.max(1, chunkSize))));
  parts.push(stream.end());
  return { out: Buffer.concat(parts), tally, attachments: stream.attachments };
}
