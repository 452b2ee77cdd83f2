/**
 * Reading the audit trail back for the compliance CLI: list the day partitions in a time window, fetch
 * the stored records (a few at a time), and hand them to the chain verifier or the pull filter.
 * Works on any S3 endpoint — the deployed bucket with the caller's credentials, or the sandbox's S3.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { daysBetween, digestDayPrefix, eventDayPrefix, outcomeDayPrefix, parseEventKey, parseOutcomeKey } from './audit-layout';
import { verifyOutcomeBindings, type StoredOutcome } from './outcome-binding';
import { hourOf, verifyDigests, type DigestReport, type StoredDigest } from './digest-chain';
import type { KeyObject } from 'node:crypto';
import { verifyStreams, type AuditRecord, type Finding, type StoredRecord, type VerifyReport } from './hash-chain';
import { s3Sdk } from '../shared/sdk';

export interface ObjectSource {
  /** Keys under a prefix, with their stored time when known. */
  list(prefix: string): Promise<Array<{ key: string; storedAt?: Date }>>;
  /** The object's text. */
  read(key: string): Promise<string>;
  /** How many versions (delete markers included) each key under a prefix has; absent where the store cannot say. */
  listVersions?(prefix: string): Promise<Array<{ key: string; versions: number }>>;
}

export type ProgressFn = (done: number, total: number) => void;

export function s3ObjectSource(s3: S3Client, bucket: string): ObjectSource {
  return {
    async list(prefix) {
      const { ListObjectsV2Command } = await s3Sdk();
      const found: Array<{ key: string; storedAt?: Date }> = [];
      let token: string | undefined;
      // Bounded: 100,000 pages of 1,000 keys is far beyond one day of sessions.
      for (let page = 0; page < 100_000; page += 1) {
        const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const o of out.Contents ?? []) if (o.Key) found.push({ key: o.Key, ...(o.LastModified ? { storedAt: o.LastModified } : {}) });
        if (!out.IsTruncated || !out.NextContinuationToken) break;
        token = out.NextContinuationToken;
      }
      return found;
    },
    async listVersions(prefix) {
      const { ListObjectVersionsCommand } = await s3Sdk();
      const counts = new Map<string, number>();
      let keyMarker: string | undefined;
      let versionMarker: string | undefined;
      for (let page = 0; page < 100_000; page += 1) {
        const out = await s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
        for (const v of [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])]) if (v.Key) counts.set(v.Key, (counts.get(v.Key) ?? 0) + 1);
        if (!out.IsTruncated) break;
        keyMarker = out.NextKeyMarker;
        versionMarker = out.NextVersionIdMarker;
      }
      return [...counts].map(([key, versions]) => ({ key, versions }));
    },
    async read(key) {
      const { GetObjectCommand } = await s3Sdk();
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    },
  };
}

/** Runs `work` over `items` with at most `limit` at once, keeping order in the result. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>, progress?: ProgressFn): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      out[i] = await work(items[i] as T);
      done += 1;
      progress?.(done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export interface Window {
  from: Date;
  to: Date;
}

/**
 * Every stored event record of the streams that began in the window's days. A day earlier is included
 * so a session that started just before `from` is read whole (its stream lives under its first day).
 */
export async function readStoredRecords(source: ObjectSource, window: Window, progress?: ProgressFn, concurrency = 16): Promise<StoredRecord[]> {
  const from = new Date(window.from.getTime() - 24 * 3600 * 1000);
  const listed: Array<{ key: string; storedAt?: Date }> = [];
  for (const day of daysBetween(from, window.to)) listed.push(...(await source.list(eventDayPrefix(day))));
  const located = listed.flatMap((o) => {
    const where = parseEventKey(o.key);
    return where ? [{ ...o, ...where }] : [];
  });
  const objects = await mapLimited(located, concurrency, async (o) => ({ ...o, text: await source.read(o.key) }), progress);
  return objects.flatMap((o) => splitBatch(o.key, o.stream, o.seq, o.text, o.storedAt));
}

/** One stored object (a batch of JSON lines named by its first number) as the records it holds. */
export function splitBatch(key: string, stream: string, firstSeq: number, text: string, storedAt?: Date): StoredRecord[] {
  const lines = text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
  if (lines.length === 0) lines.push('');
  return lines.map((line, i) => ({ key, stream, seq: firstSeq + i, text: line, ...(storedAt ? { storedAt } : {}) }));
}

/** Streams with at least one event inside the window (the whole stream is verified, not a slice). */
function streamsInWindow(stored: StoredRecord[], window: Window): Set<string> {
  const keep = new Set<string>();
  for (const s of stored) {
    try {
      const at = Date.parse((JSON.parse(s.text) as AuditRecord).event.at);
      if (at >= window.from.getTime() && at < window.to.getTime()) keep.add(s.stream);
    } catch {
      // An unreadable record keeps its stream in scope so the verifier reports it.
      keep.add(s.stream);
    }
  }
  return keep;
}

export async function verifyWindow(
  source: ObjectSource,
  window: Window,
  options: { now: Date; heads?: ReadonlyMap<string, { seq: number; hash: string }>; openGraceMs?: number; progress?: ProgressFn },
): Promise<VerifyReport> {
  const stored = await readStoredRecords(source, window, options.progress);
  const keep = streamsInWindow(stored, window);
  // A head whose session has no object at all is in scope too: that is a session removed whole.
  for (const stream of options.heads?.keys() ?? []) if (!stored.some((s) => s.stream === stream)) keep.add(stream);
  const report = verifyStreams(
    stored.filter((s) => keep.has(s.stream)),
    {
      now: options.now,
      ...(options.heads ? { heads: options.heads } : {}),
      ...(options.openGraceMs !== undefined ? { openGraceMs: options.openGraceMs } : {}),
    },
  );
  const outcomes = await readStoredOutcomes(source, window, options.progress);
  report.findings.push(
    ...verifyOutcomeBindings(
      stored.filter((s) => keep.has(s.stream)),
      outcomes,
      { allStreams: new Set(stored.map((s) => s.stream)), window },
    ),
  );
  report.findings.push(...(await overwrittenKeys(source, window, keep)));
  return report;
}

/**
 * Every stored outcome object of the window's days, a day either side: a session's record is filed under
 * the day it ended, which may follow the day its chain began (and the window's end).
 */
export async function readStoredOutcomes(source: ObjectSource, window: Window, progress?: ProgressFn, concurrency = 16): Promise<StoredOutcome[]> {
  const day = 24 * 3600 * 1000;
  const keys: string[] = [];
  for (const d of daysBetween(new Date(window.from.getTime() - day), new Date(window.to.getTime() + day)))
    keys.push(...(await source.list(outcomeDayPrefix(d))).map((o) => o.key));
  return mapLimited(keys, concurrency, async (key) => ({ key, text: await source.read(key) }), progress);
}

/** Keys with more than one version: in a write-once trail, each is an overwrite (or a deletion). */
async function overwrittenKeys(source: ObjectSource, window: Window, streams: ReadonlySet<string>): Promise<Finding[]> {
  if (!source.listVersions) return [];
  const findings: Finding[] = [];
  const from = new Date(window.from.getTime() - 24 * 3600 * 1000);
  for (const day of daysBetween(from, window.to)) {
    for (const { key, versions } of await source.listVersions(eventDayPrefix(day))) {
      const where = parseEventKey(key);
      if (versions <= 1 || !where || !streams.has(where.stream)) continue;
      findings.push({
        kind: 'overwritten',
        stream: where.stream,
        seq: where.seq,
        key,
        message: `the object has ${versions} versions: it was written over after it was first stored`,
      });
    }
    // Outcome records are write-once too: a second version is an edited (or deleted) finance record.
    for (const { key, versions } of await source.listVersions(outcomeDayPrefix(day))) {
      const where = parseOutcomeKey(key);
      if (versions <= 1 || !where) continue;
      findings.push({
        kind: 'overwritten',
        stream: where.name,
        seq: 0,
        key,
        message: `the outcome record has ${versions} versions: it was written over (or deleted) after it was first stored`,
      });
    }
  }
  return findings;
}

export interface PullFilter extends Window {
  sessionId?: string;
  agentId?: string;
}

/**
 * The records an assessor asked for: events inside the window, of one session and/or of the sessions one
 * agent requested, ordered by stream then position (the chain order).
 */
export async function pullRecords(source: ObjectSource, filter: PullFilter, progress?: ProgressFn): Promise<AuditRecord[]> {
  const stored = await readStoredRecords(source, filter, progress);
  const records: AuditRecord[] = [];
  for (const s of stored) {
    try {
      records.push(JSON.parse(s.text) as AuditRecord);
    } catch {
      // Unreadable objects are `verify`'s business; a pull returns what can be read.
    }
  }
  const agentStreams = new Set(records.filter((r) => r.event.actor?.kind === 'agent' && r.event.actor.id === filter.agentId).map((r) => r.stream));
  return records
    .filter((r) => {
      const at = Date.parse(r.event.at);
      if (!(at >= filter.from.getTime() && at < filter.to.getTime())) return false;
      if (filter.sessionId !== undefined && r.event.sessionId !== filter.sessionId) return false;
      if (filter.agentId !== undefined && !agentStreams.has(r.stream)) return false;
      return true;
    })
    .sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq));
}

export const AUDIT_CSV_COLUMNS = [
  'at',
  'type',
  'sessionId',
  'seq',
  'success',
  'actorKind',
  'actorId',
  'component',
  'requestId',
  'transactionId',
  'callTransactionId',
  'details',
  'prev',
  'hash',
] as const;

/** RFC 4180 field quoting; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula. */
export function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function auditCsvRow(r: AuditRecord): string {
  const e = r.event;
  const row = [
    e.at,
    e.type,
    e.sessionId,
    r.seq,
    e.success,
    e.actor?.kind,
    e.actor?.id,
    e.component,
    e.requestId,
    e.transactionId,
    e.callTransactionId,
    e.details ? JSON.stringify(e.details) : '',
    r.prev,
    r.hash,
  ];
  return row.map(csvField).join(',');
}

/** The stored hourly digests of the window's days. */
export async function readDigests(source: ObjectSource, window: Window): Promise<StoredDigest[]> {
  const found: StoredDigest[] = [];
  for (const day of daysBetween(window.from, window.to)) {
    for (const o of await source.list(digestDayPrefix(day))) {
      const hour = /([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2})\.json$/.exec(o.key)?.[1];
      if (hour) found.push({ key: o.key, hour, text: await source.read(o.key) });
    }
  }
  return found;
}

/**
 * Checks the signed digests of a window against the trail: signatures, the digest chain, hours without a
 * digest, and sessions removed, rewritten, back-dated or never covered. `fromHour`: the first hour a digest
 * is due for (digests were switched on then, or the window's start).
 */
export async function verifyDigestWindow(
  source: ObjectSource,
  window: Window,
  options: { publicKey: KeyObject; now: Date; fromHour?: string; lateMs?: number },
): Promise<DigestReport> {
  const [digests, stored] = await Promise.all([readDigests(source, window), readStoredRecords(source, window)]);
  const keep = streamsInWindow(stored, window);
  return verifyDigests(
    digests,
    stored.filter((s) => keep.has(s.stream)),
    {
      publicKey: options.publicKey,
      now: options.now,
      fromHour: options.fromHour ?? hourOf(window.from),
      ...(options.lateMs !== undefined ? { lateMs: options.lateMs } : {}),
    },
  );
}
