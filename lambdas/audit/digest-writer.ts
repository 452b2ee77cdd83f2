/**
 * Writes one hour's signed digest (digest-chain.ts): finds the audit objects stored in that hour, takes each
 * session's last record written then, links to the previous hour's digest, has KMS sign it with the digest key
 * and stores it once (`If-None-Match: *`; a repeated run for the same hour finds it there and stops).
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { dayOf, digestKey, eventDayPrefix, parseEventKey } from './audit-layout';
import { s3ObjectSource } from './audit-reader';
import { buildDigest, DIGEST_SIGNING_ALGORITHM, digestSigningInput, hourStart, previousHourOf, type AuditDigest, type DigestEntry } from './digest-chain';
import type { AuditRecord } from './hash-chain';
import { kmsSdk, s3Sdk } from '../shared/sdk';

export interface DigestWriterDeps {
  s3: S3Client;
  kms: KMSClient;
  bucket: string;
  /** The asymmetric (ECC_NIST_P256, SIGN_VERIFY) digest key. */
  keyId: string;
}

export class DigestSigningError extends Error {
  public constructor() {
    super('KMS returned no signature for the audit digest; check the digest key and its policy.');
    this.name = 'DigestSigningError';
  }
}

const HOUR_MS = 3600 * 1000;
const notFound = (err: unknown): boolean => err instanceof Error && (err.name === 'NoSuchKey' || err.name === 'NotFound');

/** The chain heads written in `hour` (`YYYY-MM-DDTHH`): per session, its last record stored in that hour. */
export async function headsWrittenIn(s3: S3Client, bucket: string, hour: string): Promise<DigestEntry[]> {
  const source = s3ObjectSource(s3, bucket);
  const start = hourStart(hour).getTime();
  const end = start + HOUR_MS;
  // A session stays under the day it began, so yesterday's prefix can hold today's writes.
  const days = [dayOf(new Date(start - 24 * HOUR_MS).toISOString()), dayOf(hourStart(hour).toISOString())];
  const latest = new Map<string, { key: string; seq: number }>();
  for (const day of days) {
    for (const o of await source.list(eventDayPrefix(day))) {
      const at = o.storedAt?.getTime();
      const where = parseEventKey(o.key);
      if (!where || at === undefined || at < start || at >= end) continue;
      const best = latest.get(where.stream);
      if (!best || where.seq > best.seq) latest.set(where.stream, { key: o.key, seq: where.seq });
    }
  }
  const entries: DigestEntry[] = [];
  for (const [stream, { key }] of latest) {
    const lines = (await source.read(key)).split('\n').filter((l) => l.trim() !== '');
    try {
      const record = JSON.parse(lines[lines.length - 1] ?? '') as AuditRecord;
      if (typeof record.seq === 'number' && typeof record.hash === 'string') entries.push({ stream, seq: record.seq, hash: record.hash });
    } catch {
      // An unreadable object is not signed as if it were a record; `audit verify` reports it.
    }
  }
  return entries;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  const { GetObjectCommand } = await s3Sdk();
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/** Writes the digest of `hour`; returns it (or the one already stored for that hour). */
export async function writeHourlyDigest(deps: DigestWriterDeps, hour: string): Promise<AuditDigest> {
  const existing = await readText(deps.s3, deps.bucket, digestKey(hour));
  if (existing !== undefined) return JSON.parse(existing) as AuditDigest;
  const sessions = await headsWrittenIn(deps.s3, deps.bucket, hour);
  const previousHour = previousHourOf(hour);
  const previousText = await readText(deps.s3, deps.bucket, digestKey(previousHour));
  const unsigned = buildDigest(hour, sessions, previousText === undefined ? undefined : { hour: previousHour, text: previousText }, deps.keyId);
  const [{ SignCommand }, { PutObjectCommand }] = await Promise.all([kmsSdk(), s3Sdk()]);
  const signed = await deps.kms.send(
    new SignCommand({ KeyId: deps.keyId, Message: digestSigningInput(unsigned), MessageType: 'RAW', SigningAlgorithm: DIGEST_SIGNING_ALGORITHM }),
  );
  if (!signed.Signature) throw new DigestSigningError();
  const digest: AuditDigest = { ...unsigned, signature: Buffer.from(signed.Signature).toString('base64') };
  const body = `${JSON.stringify(digest)}\n`;
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: digestKey(hour),
        Body: body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  } catch (err) {
    // Another run wrote this hour first: that one stands.
    if (!(err instanceof Error && (err.name === 'PreconditionFailed' || err.name === 'ConditionalRequestConflict'))) throw err;
    const stored = await readText(deps.s3, deps.bucket, digestKey(hour));
    if (stored !== undefined) return JSON.parse(stored) as AuditDigest;
  }
  return digest;
}
