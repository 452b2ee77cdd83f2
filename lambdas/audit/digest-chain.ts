/**
 * Signed hourly digests of the audit trail, in the way CloudTrail's log file integrity validation works: every
 * hour a separate function lists the session chain heads written in that hour (stream, last number, hash),
 * adds the hash of the previous hour's digest and signs the whole with an asymmetric KMS key that only it may
 * sign with. A writer who rewrites, back-dates, inserts or removes a session after the fact cannot produce a
 * matching signed digest, and cannot remove a digest (Object Lock) without breaking the digest chain.
 *
 * What is signed: SHA-256 of the digest's canonical JSON without `signature`, sent to KMS Sign as a RAW
 * message with ECDSA_SHA_256 (so KMS signs SHA-256 of that 32-byte value; a verifier does the same with the
 * key's public half, offline). Pure: no clients, no clock.
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { GENESIS, recordHash, type AuditRecord, type Finding, type StoredRecord } from './hash-chain';

export const DIGEST_VERSION = 1;
export const DIGEST_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
const HOUR_MS = 3600 * 1000;
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/;

export interface DigestEntry {
  stream: string;
  /** The stream's last record number written in the hour. */
  seq: number;
  /** That record's hash. */
  hash: string;
}

export interface AuditDigest {
  v: typeof DIGEST_VERSION;
  /** `YYYY-MM-DDTHH` (UTC): objects whose stored time falls in this hour. */
  hour: string;
  start: string;
  end: string;
  /** Hash (SHA-256 hex) of the previous hour's digest text; GENESIS for the first digest. */
  previous: string;
  /** The previous hour, or null for the first digest. */
  previousHour: string | null;
  sessions: DigestEntry[];
  keyId: string;
  algorithm: typeof DIGEST_SIGNING_ALGORITHM;
  /** Base64 DER ECDSA signature. */
  signature: string;
}

export type UnsignedDigest = Omit<AuditDigest, 'signature'>;

export const hourOf = (d: Date): string => d.toISOString().slice(0, 13);
export const hourStart = (hour: string): Date => new Date(`${hour}:00:00.000Z`);
export const previousHourOf = (hour: string): string => hourOf(new Date(hourStart(hour).getTime() - HOUR_MS));
export const isHour = (s: string): boolean => HOUR.test(s);

/** The bytes handed to KMS Sign as a RAW message. */
export function digestSigningInput(digest: UnsignedDigest): Buffer {
  const { v, hour, start, end, previous, previousHour, sessions, keyId, algorithm } = digest;
  return createHash('sha256').update(canonicalJson({ v, hour, start, end, previous, previousHour, sessions, keyId, algorithm })).digest();
}

export function digestTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function buildDigest(hour: string, sessions: DigestEntry[], previous: { hour: string; text: string } | undefined, keyId: string): UnsignedDigest {
  const start = hourStart(hour);
  return {
    v: DIGEST_VERSION,
    hour,
    start: start.toISOString(),
    end: new Date(start.getTime() + HOUR_MS).toISOString(),
    previous: previous ? digestTextHash(previous.text) : GENESIS,
    previousHour: previous ? previous.hour : null,
    sessions: [...sessions].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0)),
    keyId,
    algorithm: DIGEST_SIGNING_ALGORITHM,
  };
}

export function publicKeyFromDer(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
}

export interface StoredDigest {
  key: string;
  hour: string;
  text: string;
}

export interface DigestCheckOptions {
  publicKey: KeyObject;
  /** Now: digests for hours that ended more than `lateMs` ago must exist. */
  now: Date;
  /** The first hour digests are expected for (the window's start, or when digests were switched on). */
  fromHour: string;
  /** How long after an hour's end its digest may still be missing, and a record may go undigested. @default 2 h */
  lateMs?: number;
}

export interface DigestReport {
  digests: number;
  /** Streams whose every record is covered by a digest. */
  coveredStreams: number;
  findings: Finding[];
}

function parseDigest(text: string): AuditDigest | undefined {
  try {
    const d = JSON.parse(text) as AuditDigest;
    if (typeof d !== 'object' || d === null || typeof d.signature !== 'string' || !Array.isArray(d.sessions) || typeof d.hour !== 'string') return undefined;
    return d;
  } catch {
    return undefined;
  }
}

/**
 * Checks the digest chain and signatures, then the stored records against them: every session a digest names
 * must still be there with that hash; every stored record must be covered by a digest once its hour is
 * digested; a session that first appears in a digest long after its own events is back-dated.
 */
export function verifyDigests(digests: StoredDigest[], stored: StoredRecord[], options: DigestCheckOptions): DigestReport {
  const findings: Finding[] = [];
  const late = options.lateMs ?? 2 * HOUR_MS;
  const byHour = new Map(digests.map((d) => [d.hour, d]));
  const valid: Array<{ at: StoredDigest; digest: AuditDigest }> = [];
  const digestFinding = (kind: Finding['kind'], d: { key: string; hour: string }, message: string): void => {
    findings.push({ kind, stream: '_digests', seq: 0, key: d.key, message: `${d.hour}: ${message}` });
  };

  for (const at of [...digests].sort((a, b) => (a.hour < b.hour ? -1 : 1))) {
    const digest = parseDigest(at.text);
    if (!digest || digest.hour !== at.hour) {
      digestFinding('digest-forged', at, 'the object is not a digest for this hour');
      continue;
    }
    const { signature, ...unsigned } = digest;
    let signed = false;
    try {
      signed = verifySignature('sha256', digestSigningInput(unsigned), options.publicKey, Buffer.from(signature, 'base64'));
    } catch {
      signed = false;
    }
    if (!signed) {
      digestFinding('digest-forged', at, 'the signature does not verify with the digest key: the digest was forged or changed');
      continue;
    }
    const before = byHour.get(previousHourOf(at.hour));
    if (before && digest.previous !== digestTextHash(before.text))
      digestFinding('digest-forged', at, "it does not link to the previous hour's digest as stored");
    valid.push({ at, digest });
  }

  // Every hour from the first expected one to the last that should be done by now has its digest.
  const lastDue = hourOf(new Date(options.now.getTime() - late - HOUR_MS));
  for (let h = options.fromHour; h <= lastDue; h = hourOf(new Date(hourStart(h).getTime() + HOUR_MS))) {
    if (!byHour.has(h))
      digestFinding('digest-missing', { key: '', hour: h }, 'there is no digest for this hour: it was removed or the digest function did not run');
  }

  // Stored records by stream and number.
  const streams = new Map<string, Map<number, { record?: AuditRecord; at: StoredRecord }>>();
  for (const s of stored) {
    let record: AuditRecord | undefined;
    try {
      record = JSON.parse(s.text) as AuditRecord;
    } catch {
      record = undefined;
    }
    const list = streams.get(s.stream) ?? new Map<number, { record?: AuditRecord; at: StoredRecord }>();
    list.set(s.seq, { ...(record ? { record } : {}), at: s });
    streams.set(s.stream, list);
  }

  const covered = new Map<string, number>();
  const firstDigested = new Map<string, string>();
  for (const { at, digest } of valid) {
    for (const entry of digest.sessions) {
      const records = streams.get(entry.stream);
      const hit = records?.get(entry.seq);
      if (!records || records.size === 0) {
        findings.push({
          kind: 'removed',
          stream: entry.stream,
          seq: entry.seq,
          key: at.key,
          message: `the ${digest.hour} digest signs this session (up to #${entry.seq}) but none of its records exist: it was removed`,
        });
        continue;
      }
      if (!hit) {
        findings.push({
          kind: 'removed',
          stream: entry.stream,
          seq: entry.seq,
          key: at.key,
          message: `the ${digest.hour} digest signs record #${entry.seq}, which no longer exists`,
        });
        continue;
      }
      if (!hit.record || hit.record.hash !== entry.hash || recordHash(hit.record) !== entry.hash) {
        findings.push({
          kind: 'digest-mismatch',
          stream: entry.stream,
          seq: entry.seq,
          key: hit.at.key,
          message: `the record differs from the one the ${digest.hour} digest signed: it was rewritten`,
        });
        continue;
      }
      covered.set(entry.stream, Math.max(covered.get(entry.stream) ?? 0, entry.seq));
      if (!firstDigested.has(entry.stream)) firstDigested.set(entry.stream, digest.hour);
    }
  }

  // Records stored in an hour whose digest is due must be covered; younger ones may not be digested yet.
  const dueUntil = hourStart(lastDue).getTime() + HOUR_MS;
  let fully = 0;
  for (const [stream, records] of streams) {
    const numbers = [...records.keys()].sort((a, b) => a - b);
    const last = numbers[numbers.length - 1] as number;
    const upTo = covered.get(stream) ?? 0;
    const first = records.get(numbers[0] as number)?.record;
    const firstAt = Date.parse(first?.event?.at ?? '');
    const digestedIn = firstDigested.get(stream);
    if (digestedIn !== undefined && Number.isFinite(firstAt) && hourStart(digestedIn).getTime() - firstAt > late) {
      findings.push({
        kind: 'back-dated',
        stream,
        seq: numbers[0] as number,
        key: records.get(numbers[0] as number)?.at.key ?? '',
        message: `the session's events say ${first?.event.at} but it first appears in the ${digestedIn} digest: it was written later than it claims`,
      });
    }
    if (upTo >= last) {
      fully += 1;
      continue;
    }
    const lastRecord = records.get(last);
    const lastAt = lastRecord?.at.storedAt?.getTime() ?? Date.parse(lastRecord?.record?.event?.at ?? '');
    if (Number.isFinite(lastAt) && lastAt >= dueUntil) continue;
    findings.push({
      kind: 'uncovered',
      stream,
      seq: upTo + 1,
      key: lastRecord?.at.key ?? '',
      message: upTo === 0 ? 'no signed digest covers this session' : `no signed digest covers records #${upTo + 1}–#${last}`,
    });
  }
  return { digests: valid.length, coveredStreams: fully, findings };
}
