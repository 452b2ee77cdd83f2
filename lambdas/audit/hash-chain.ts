/**
 * The audit hash chain. Every session is one stream; its events are numbered 1, 2, 3… and each record
 * carries the hash of the record before it (the first carries GENESIS). A record's hash is SHA-256 over
 * the canonical JSON of everything in it except the hash itself, so altering any field, removing a
 * record or swapping two records breaks the chain at a place `verifyStreams` can name.
 *
 * Pure: no clients, no clock. Storage layout and the writer live in audit-store.ts and audit-writer.ts.
 */
import { createHash } from 'node:crypto';
import type { SessionEvent } from '../shared/session/events';
import { canonicalJson } from './canonical-json';

export const AUDIT_RECORD_VERSION = 1;
/** The "previous hash" of a stream's first record. */
export const GENESIS = '0'.repeat(64);
/** Events that close a session's stream; a stream that stops elsewhere may have lost its tail. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set(['session.ended', 'session.aborted']);
/**
 * Telephony wrap-up that may follow the terminal event: on Amazon Connect the flow tells the caller the
 * outcome, then resumes recording and takes the agent off hold, after End or Abort has closed the session.
 * Only these may stand after it; the chain heads still catch a removed tail.
 */
export const WRAP_UP_EVENT_TYPES: ReadonlySet<string> = new Set(['recording.resumed', 'agent.reconnected']);

/** Whether a stream's events close the session: a terminal event followed by wrap-up events only. */
export function closesSession(types: readonly string[]): boolean {
  let i = types.length - 1;
  while (i >= 0 && WRAP_UP_EVENT_TYPES.has(types[i] as string)) i -= 1;
  return i >= 0 && TERMINAL_EVENT_TYPES.has(types[i] as string);
}

export interface AuditRecord {
  v: typeof AUDIT_RECORD_VERSION;
  /** The stream: the session id (or SYSTEM_STREAM for an event without one). */
  stream: string;
  /** 1-based position in the stream. */
  seq: number;
  /** Hash of record seq-1 (GENESIS for seq 1). */
  prev: string;
  event: SessionEvent;
  /** SHA-256 (hex) of the canonical JSON of { v, stream, seq, prev, event }. */
  hash: string;
}

/** Where events without a session id go (none are expected; kept rather than dropped). */
export const SYSTEM_STREAM = '_system';
const SAFE_STREAM = /^[A-Za-z0-9._:-]{1,128}$/;

/** The stream of an event: its session id when that is safe in a storage key, otherwise a digest of it. */
export function streamOf(event: Pick<SessionEvent, 'sessionId'>): string {
  const id = event.sessionId;
  if (!id) return SYSTEM_STREAM;
  return SAFE_STREAM.test(id) && !id.startsWith('_') ? id : `_h-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const { v, stream, seq, prev, event } = record;
  return createHash('sha256').update(canonicalJson({ v, stream, seq, prev, event })).digest('hex');
}

export function sealRecord(stream: string, seq: number, prev: string, event: SessionEvent): AuditRecord {
  const body = { v: AUDIT_RECORD_VERSION, stream, seq, prev, event } as const;
  return { ...body, hash: recordHash(body) };
}

/** One stored object as the verifier sees it: where it is, what the location says, and its text. */
export interface StoredRecord {
  /** Storage key (or any location string an assessor can find again). */
  key: string;
  /** Stream and position according to the location (the key), not the content. */
  stream: string;
  seq: number;
  text: string;
  /** When the store knows it (S3 LastModified), for the open-stream grace period. */
  storedAt?: Date;
}

export type FindingKind =
  | 'altered'
  | 'unreadable'
  | 'misplaced'
  | 'gap'
  | 'reordered'
  | 'broken-link'
  | 'incomplete'
  | 'truncated'
  /** A key holds more than one version (or a delete marker): it was written over. */
  | 'overwritten'
  /** The writer's chain head names a session none of whose objects exist. */
  | 'vanished'
  /** Signed digests (digest-chain.ts): a bad signature, a broken or missing link, a session no digest covers… */
  | 'digest-forged'
  | 'digest-missing'
  | 'digest-mismatch'
  | 'uncovered'
  | 'back-dated'
  | 'removed'
  /** Outcome records bound to the chain (outcome-binding.ts): edited, missing, added or doubled… */
  | 'outcome-altered'
  | 'outcome-missing'
  | 'outcome-unbound'
  | 'outcome-duplicate'
  /** A finished session (its outcome record, or End's own events, say so) whose final event is gone. */
  | 'tail-removed';

export interface Finding {
  kind: FindingKind;
  stream: string;
  /** Position the finding is about (the record's location, or the first missing number for a gap). */
  seq: number;
  key: string;
  message: string;
}

export interface StreamSummary {
  stream: string;
  records: number;
  firstAt?: string;
  lastAt?: string;
  complete: boolean;
}

export interface VerifyOptions {
  /** Now, for deciding whether a stream without its closing event may still be open. */
  now: Date;
  /** A stream whose last event is younger than this may still be running. @default 2 hours */
  openGraceMs?: number;
  /** Chain heads kept by the writer (stream → last sequence and hash), when the verifier may read them. */
  heads?: ReadonlyMap<string, { seq: number; hash: string }>;
}

export interface VerifyReport {
  streams: StreamSummary[];
  records: number;
  findings: Finding[];
}

const DEFAULT_GRACE_MS = 2 * 3600 * 1000;

function parseRecord(text: string): AuditRecord | undefined {
  try {
    const r = JSON.parse(text) as AuditRecord;
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.hash !== 'string' ||
      typeof r.prev !== 'string' ||
      typeof r.seq !== 'number' ||
      typeof r.stream !== 'string' ||
      typeof r.event !== 'object'
    )
      return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/** Checks one stream's records (any order in, sorted by location here). */
function verifyStream(stream: string, stored: StoredRecord[], options: VerifyOptions, findings: Finding[]): StreamSummary {
  const sorted = [...stored].sort((a, b) => a.seq - b.seq);
  const hashes = new Map<string, number>();
  const parsed: Array<{ at: StoredRecord; record: AuditRecord | undefined; intact: boolean }> = [];
  for (const at of sorted) {
    const record = parseRecord(at.text);
    if (!record) {
      findings.push({ kind: 'unreadable', stream, seq: at.seq, key: at.key, message: 'the object is not an audit record' });
      parsed.push({ at, record, intact: false });
      continue;
    }
    const intact = recordHash(record) === record.hash;
    if (!intact)
      findings.push({
        kind: 'altered',
        stream,
        seq: at.seq,
        key: at.key,
        message: 'the content does not match its hash: the record was changed after it was written',
      });
    else if (record.stream !== stream || record.seq !== at.seq) {
      findings.push({
        kind: 'misplaced',
        stream,
        seq: at.seq,
        key: at.key,
        message: `the record is number ${record.seq} of stream ${record.stream} but is stored as number ${at.seq} of ${stream}`,
      });
    }
    if (intact) hashes.set(record.hash, record.seq);
    parsed.push({ at, record, intact });
  }
  // Gaps: every number from 1 to the last must be there.
  let expected = 1;
  for (const { at } of parsed) {
    if (at.seq > expected) {
      const missing = at.seq - 1 === expected ? `${expected}` : `${expected}–${at.seq - 1}`;
      findings.push({ kind: 'gap', stream, seq: expected, key: at.key, message: `record ${missing} is missing before this one` });
    }
    expected = at.seq + 1;
  }
  // Links: each intact record must name the hash of the record stored just before it.
  for (let i = 0; i < parsed.length; i += 1) {
    const cur = parsed[i];
    if (!cur?.record || !cur.intact) continue;
    const before = i === 0 ? undefined : parsed[i - 1];
    const wanted = cur.at.seq === 1 ? GENESIS : before && before.at.seq === cur.at.seq - 1 && before.record ? before.record.hash : undefined;
    if (wanted === undefined || wanted === cur.record.prev) continue;
    const linkedTo = hashes.get(cur.record.prev);
    if (linkedTo !== undefined) {
      findings.push({
        kind: 'reordered',
        stream,
        seq: cur.at.seq,
        key: cur.at.key,
        message: `the record follows number ${linkedTo}, not the record stored before it`,
      });
    } else if (before?.intact) {
      findings.push({ kind: 'broken-link', stream, seq: cur.at.seq, key: cur.at.key, message: 'the previous-hash does not match the record stored before it' });
    }
  }
  const last = parsed[parsed.length - 1];
  const lastEvent = last?.record?.event;
  const times = parsed.flatMap((p) => (p.record && typeof p.record.event.at === 'string' ? [p.record.event.at] : [])).sort();
  const complete = closesSession(parsed.flatMap((p) => (p.record ? [p.record.event.type] : [])));
  if (last && !complete && stream !== SYSTEM_STREAM) {
    const lastTime = Date.parse(lastEvent?.at ?? '') || last.at.storedAt?.getTime() || 0;
    if (options.now.getTime() - lastTime > (options.openGraceMs ?? DEFAULT_GRACE_MS)) {
      findings.push({
        kind: 'incomplete',
        stream,
        seq: last.at.seq,
        key: last.at.key,
        message: 'the stream stops without the session ending or aborting: its last records may have been removed',
      });
    }
  }
  const head = options.heads?.get(stream);
  if (head !== undefined && last && head.seq > last.at.seq) {
    findings.push({
      kind: 'truncated',
      stream,
      seq: last.at.seq + 1,
      key: last.at.key,
      message: `the writer's chain head is at ${head.seq} but the stream stops at ${last.at.seq}`,
    });
  } else if (head !== undefined && last?.record && head.seq === last.at.seq && head.hash !== last.record.hash) {
    findings.push({
      kind: 'altered',
      stream,
      seq: last.at.seq,
      key: last.at.key,
      message: "the last record's hash differs from the writer's chain head: the stream was rewritten",
    });
  }
  return {
    stream,
    records: parsed.length,
    ...(times[0] ? { firstAt: times[0] } : {}),
    ...(times.length > 0 ? { lastAt: times[times.length - 1] } : {}),
    complete,
  };
}

/** Verifies every stream found among the stored records; findings are ordered by stream then position. */
export function verifyStreams(stored: StoredRecord[], options: VerifyOptions): VerifyReport {
  const byStream = new Map<string, StoredRecord[]>();
  for (const s of stored) {
    const list = byStream.get(s.stream) ?? [];
    list.push(s);
    byStream.set(s.stream, list);
  }
  const findings: Finding[] = [];
  const streams = [...byStream.keys()].sort().map((stream) => verifyStream(stream, byStream.get(stream) ?? [], options, findings));
  for (const [stream, head] of [...(options.heads ?? new Map<string, { seq: number; hash: string }>())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!byStream.has(stream))
      findings.push({
        kind: 'vanished',
        stream,
        seq: 1,
        key: '',
        message: `the writer's chain head is at ${head.seq} but no object of the session exists: the whole session was removed`,
      });
  }
  return { streams, records: stored.length, findings };
}
