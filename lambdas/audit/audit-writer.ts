/**
 * The audit-trail sink: appends each invocation's session events to their session's hash chain and stores
 * them as ONE object per stream and batch (JSON lines, keyed by the batch's first number) in the Object Lock
 * bucket. Several functions write to the same stream, sometimes at once, so the chain head (last sequence
 * and hash) lives in a DynamoDB item and is advanced with a conditional update: a writer claims numbers
 * n+1… only if the head is still at n, otherwise re-reads and tries again. The object is written after the
 * claim, with `If-None-Match: *` (which the bucket policy requires): not even a writer can replace an object
 * already there. If that write fails the chain shows a gap at those numbers, which `audit verify` reports —
 * the trail never silently hides a lost event.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SessionEvent, SessionEventSink } from '../shared/session/events';
import { dayOf, eventKey } from './audit-layout';
import { GENESIS, sealRecord, streamOf, type AuditRecord } from './hash-chain';
import { dynamoLib, s3Sdk } from '../shared/sdk';
import { documentClient, s3Client } from '../shared/clients';

export interface AuditWriterDeps {
  ddb: () => Promise<DynamoDBDocumentClient>;
  s3: () => Promise<S3Client>;
  bucket: string;
  chainTable: string;
  now: () => Date;
}

/** Chain heads are kept long enough for `audit verify` to detect a removed tail for a year and a bit. */
const HEAD_RETENTION_SECONDS = 400 * 24 * 3600;
/** Writers of one session are few (the SMA handler and one stage at a time); this bounds the retries. */
const MAX_CLAIMS = 12;

export class AuditChainContendedError extends Error {
  public constructor() {
    super('The audit chain head kept moving while this event was appended; the event was not written. Check for a runaway writer.');
    this.name = 'AuditChainContendedError';
  }
}

/** The batch's key already holds an object: someone wrote there outside the chain (or rewrote it). */
export class AuditObjectExistsError extends Error {
  public constructor() {
    super('An audit object already exists where this batch belongs; nothing was overwritten. Run audit verify on the session.');
    this.name = 'AuditObjectExistsError';
  }
}

export interface ChainHead {
  seq: number;
  hash: string;
  day: string;
}

export async function readChainHead(ddb: DynamoDBDocumentClient, table: string, stream: string): Promise<ChainHead | undefined> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: { stream }, ConsistentRead: true }));
  if (!Item || typeof Item.seq !== 'number' || typeof Item.hash !== 'string' || typeof Item.day !== 'string') return undefined;
  return { seq: Item.seq, hash: Item.hash, day: Item.day };
}

/** Every chain head whose stream began on a day from `fromDay` to `toDay` (a paged Scan; for `audit verify`). */
export async function listChainHeads(ddb: DynamoDBDocumentClient, table: string, fromDay: string, toDay: string): Promise<Map<string, ChainHead>> {
  const { ScanCommand } = await dynamoLib();
  const heads = new Map<string, ChainHead>();
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 100_000; page += 1) {
    const out = await ddb.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: '#d BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#d': 'day' },
        ExpressionAttributeValues: { ':from': fromDay, ':to': toDay },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of out.Items ?? []) {
      if (typeof item.stream === 'string' && typeof item.seq === 'number' && typeof item.hash === 'string' && typeof item.day === 'string')
        heads.set(item.stream, { seq: item.seq, hash: item.hash, day: item.day });
    }
    if (!out.LastEvaluatedKey) break;
    start = out.LastEvaluatedKey;
  }
  return heads;
}

/**
 * Claims the numbers of `records` (consecutive, one stream) in one conditional update that moves the
 * head from the number before the first to the last; false when another writer got there first.
 */
async function claim(ddb: DynamoDBDocumentClient, table: string, records: AuditRecord[], day: string, now: Date): Promise<boolean> {
  const { UpdateCommand } = await dynamoLib();
  const first = records[0] as AuditRecord;
  const last = records[records.length - 1] as AuditRecord;
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { stream: first.stream },
        UpdateExpression: 'SET seq = :seq, #h = :hash, #d = if_not_exists(#d, :day), updatedAt = :now, expiresAt = :exp',
        ConditionExpression: first.seq === 1 ? 'attribute_not_exists(seq)' : 'seq = :prevSeq',
        ExpressionAttributeNames: { '#h': 'hash', '#d': 'day' },
        ExpressionAttributeValues: {
          ':seq': last.seq,
          ':hash': last.hash,
          ':day': day,
          ':now': now.toISOString(),
          ':exp': Math.floor(now.getTime() / 1000) + HEAD_RETENTION_SECONDS,
          ...(first.seq === 1 ? {} : { ':prevSeq': first.seq - 1 }),
        },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Appends one stream's events, in order, as consecutive links; stores them once claimed. */
async function appendToStream(deps: AuditWriterDeps, ddb: DynamoDBDocumentClient, stream: string, events: SessionEvent[]): Promise<AuditRecord[]> {
  for (let attempt = 0; attempt < MAX_CLAIMS; attempt += 1) {
    const head = await readChainHead(ddb, deps.chainTable, stream);
    const day = head?.day ?? dayOf((events[0] as SessionEvent).at);
    const records: AuditRecord[] = [];
    let seq = head?.seq ?? 0;
    let prev = head?.hash ?? GENESIS;
    for (const event of events) {
      const record = sealRecord(stream, (seq += 1), prev, event);
      records.push(record);
      prev = record.hash;
    }
    if (!(await claim(ddb, deps.chainTable, records, day, deps.now()))) continue;
    const [{ PutObjectCommand }, s3] = await Promise.all([s3Sdk(), deps.s3()]);
    const body = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: eventKey(day, stream, (records[0] as AuditRecord).seq),
          Body: body,
          ContentType: 'application/x-ndjson',
          // Write once: the bucket policy refuses a PutObject without it, and S3 refuses it on an existing key.
          IfNoneMatch: '*',
          // Object Lock needs an integrity checksum on every write (the bucket's default retention applies).
          // Given precomputed, it travels as a header: no aws-chunked body with a trailing checksum.
          ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        }),
      );
    } catch (err) {
      if (err instanceof Error && (err.name === 'PreconditionFailed' || err.name === 'ConditionalRequestConflict')) throw new AuditObjectExistsError();
      throw err;
    }
    return records;
  }
  throw new AuditChainContendedError();
}

/**
 * Appends events to their streams' chains: per stream, one head read, one conditional update and one
 * object for the whole batch. Streams keep the order the events came in.
 */
export async function appendAuditEvents(deps: AuditWriterDeps, events: SessionEvent[]): Promise<AuditRecord[]> {
  if (events.length === 0) return [];
  const ddb = await deps.ddb();
  const byStream = new Map<string, SessionEvent[]>();
  for (const event of events) {
    const stream = streamOf(event);
    const list = byStream.get(stream) ?? [];
    list.push(event);
    byStream.set(stream, list);
  }
  const written = await Promise.all([...byStream].map(([stream, list]) => appendToStream(deps, ddb, stream, list)));
  return written.flat();
}

/** Appends one event to its stream and stores it; returns the sealed record. */
export async function appendAuditEvent(deps: AuditWriterDeps, event: SessionEvent): Promise<AuditRecord> {
  const [record] = await appendAuditEvents(deps, [event]);
  return record as AuditRecord;
}

export class AuditTrailSink implements SessionEventSink {
  public constructor(private readonly deps: AuditWriterDeps) {}

  public async emit(event: SessionEvent): Promise<void> {
    await appendAuditEvent(this.deps, event);
  }

  public async emitBatch(events: SessionEvent[]): Promise<void> {
    await appendAuditEvents(this.deps, events);
  }
}

/** The sink for a function whose environment names the audit bucket and chain table. */
export function auditSinkFor(config: { bucket: string; chainTable: string }): AuditTrailSink {
  return new AuditTrailSink({
    ddb: documentClient,
    s3: s3Client,
    bucket: config.bucket,
    chainTable: config.chainTable,
    now: () => new Date(),
  });
}
