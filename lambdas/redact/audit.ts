/**
 * Audit events for redactions: what was done (counts per rule id, attachments seen, sizes), never
 * what was matched. Sinks: the structured log (always), and an S3 object per event when an audit
 * bucket is configured.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AttachmentReport } from './mime/mime-redactor';
import type { RedactionTally } from './redactor';

export interface RedactionAuditEvent {
  type: 'redaction.completed';
  id: string;
  at: string;
  source: 'eventbridge' | 'http' | 'cli';
  channel: 'chat' | 'email';
  contentType: string;
  /** Caller's reference for the message (card numbers in it are masked). */
  correlationId?: string;
  bytesIn: number;
  bytesOut: number;
  /** Matches per rule id; rules that matched nothing are absent. */
  counts: RedactionTally;
  total: number;
  /** Ids of the rules that ran. */
  rules: string[];
  attachments: AttachmentReport[];
}

export interface AuditSink {
  write(event: RedactionAuditEvent): Promise<void>;
}

/** The log sink: one structured line per redaction, allow-listed fields only. */
export function logAuditSink(logger: Logger): AuditSink {
  return {
    write: async (event) => {
      logger.info('redaction audit', { audit: event });
    },
  };
}

/** One JSON object per event under `redaction-audit/YYYY/MM/DD/<id>.json`. */
export function s3AuditSink(client: () => Promise<S3Client>, bucket: string): AuditSink {
  return {
    write: async (event) => {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      const day = event.at.slice(0, 10).replace(/-/g, '/');
      await (await client()).send(
        // The audit bucket has Object Lock, which needs an integrity checksum on every write.
        new PutObjectCommand({
          Bucket: bucket,
          Key: `redaction-audit/${day}/${event.id}.json`,
          Body: JSON.stringify(event),
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          IfNoneMatch: '*',
        }),
      );
    },
  };
}

export function combineSinks(...sinks: AuditSink[]): AuditSink {
  return { write: async (event) => void (await Promise.all(sinks.map((sink) => sink.write(event)))) };
}
