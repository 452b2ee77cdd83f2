/**
 * Security review item 5, signed digests (as CloudTrail's log file integrity validation): the digest function's
 * code against the sandbox's S3 and KMS engines (real ECDSA P-256 signatures), then the verifier against each
 * way a writer might cheat after the fact: forge or drop a digest, remove a digested session, back-date one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync, sign } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { GetPublicKeyCommand, KMSClient, SignCommand, VerifyCommand } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { appendAuditEvents, type AuditWriterDeps } from '../../lambdas/audit/audit-writer';
import { s3ObjectSource, verifyDigestWindow, type ObjectSource } from '../../lambdas/audit/audit-reader';
import { digestSigningInput, hourOf, previousHourOf, publicKeyFromDer, type AuditDigest } from '../../lambdas/audit/digest-chain';
import { writeHourlyDigest } from '../../lambdas/audit/digest-writer';
import { sessionEvent, type SessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';
import { startS3, type S3Engine } from '../../sandbox/engines/s3';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';
import { startKms, type KmsEngine } from '../../sandbox/engines/kms';

const BUCKET = 'secure-ivr-audit';
const HEADS = 'AuditChainTable';
const DIGEST_KEY = 'alias/secure-ivr-audit-digest';

let dir: string;
let s3Engine: S3Engine;
let ddbEngine: DynamoEngine;
let kmsEngine: KmsEngine;
let s3: S3Client;
let kms: KMSClient;
let ddb: DynamoDBDocumentClient;
let writer: AuditWriterDeps;
let source: ObjectSource;
let publicKey: ReturnType<typeof publicKeyFromDer>;
let hours: string[];
const started = new Date();
const window = { from: new Date(started.getTime() - 24 * 3600 * 1000), to: new Date(started.getTime() + 3600 * 1000) };
/** Late enough that the hour the test started in is due its digest (2 h grace after the hour). */
const later = new Date(started.getTime() + 3 * 3600 * 1000);

const event = (type: SessionEventType, sessionId: string, at = new Date()): SessionEvent =>
  sessionEvent(type, { sessionId, component: 'test', actor: { kind: 'agent', id: 'alice' } }, true, at);

async function session(id: string, at?: Date): Promise<void> {
  await appendAuditEvents(writer, [event('begin.requested', id, at), event('session.begun', id, at)]);
  await appendAuditEvents(writer, [event('outcome', id, at), event('session.ended', id, at)]);
}

/** The digests the schedule would have written by now: the hour before the test and the hour(s) it ran in. */
async function digestAll(): Promise<void> {
  const current = hourOf(new Date());
  hours = [previousHourOf(hourOf(started)), hourOf(started), current].filter((h, i, all) => all.indexOf(h) === i);
  for (const hour of hours) await writeHourlyDigest({ s3, kms, bucket: BUCKET, keyId: DIGEST_KEY }, hour);
}

const hiding = (test: (key: string) => boolean): ObjectSource => ({
  ...source,
  list: async (prefix) => (await source.list(prefix)).filter((o) => !test(o.key)),
});
const replacing = (key: string, text: string): ObjectSource => ({ ...source, read: async (k) => (k === key ? text : source.read(k)) });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-digests-'));
  s3Engine = await startS3({ dataDir: dir, buckets: [BUCKET], conditionalWritesOnly: ['events/', 'digests/'].map((prefix) => ({ bucket: BUCKET, prefix })) });
  ddbEngine = await startDynamo({ tables: [{ name: HEADS, partitionKey: 'stream' }] });
  kmsEngine = await startKms({ keys: ['symmetric-key'], signingKeys: [DIGEST_KEY] });
  const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
  s3 = new S3Client({ endpoint: s3Engine.endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
  kms = new KMSClient({ endpoint: kmsEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: ddbEngine.endpoint, region: 'us-east-1', credentials }));
  writer = { ddb: async () => ddb, s3: async () => s3, bucket: BUCKET, chainTable: HEADS, now: () => new Date() };
  source = s3ObjectSource(s3, BUCKET);
  await session('honest-1');
  await session('honest-2');
  // Written now, but its events claim five hours ago.
  await session('back-dated', new Date(started.getTime() - 5 * 3600 * 1000));
  await digestAll();
  publicKey = publicKeyFromDer((await kms.send(new GetPublicKeyCommand({ KeyId: DIGEST_KEY }))).PublicKey as Uint8Array);
}, 60_000);

afterAll(async () => {
  s3.destroy();
  kms.destroy();
  ddb.destroy();
  await s3Engine.close();
  await ddbEngine.close();
  await kmsEngine.close();
  rmSync(dir, { recursive: true, force: true });
});

const check = (from: ObjectSource = source) => verifyDigestWindow(from, window, { publicKey, now: later, fromHour: hours[0] as string });
const digestKeyOf = (hour: string): string => `digests/day=${hour.slice(0, 10)}/${hour}.json`;

describe('the local KMS signs like KMS (review item 5)', () => {
  it('signs with ECDSA P-256, verifies, and hands out the public key that verifies offline; symmetric keys cannot sign', async () => {
    // Prepare
    const message = Buffer.from('digest');
    // Act
    const signed = await kms.send(new SignCommand({ KeyId: DIGEST_KEY, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }));
    const verified = await kms.send(
      new VerifyCommand({ KeyId: DIGEST_KEY, Message: message, Signature: signed.Signature, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    const tampered = await kms
      .send(new VerifyCommand({ KeyId: DIGEST_KEY, Message: Buffer.from('digesT'), Signature: signed.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }))
      .catch((e: unknown) => e as Error);
    const { verify } = await import('node:crypto');
    const wrongUsage = await kms
      .send(new SignCommand({ KeyId: 'symmetric-key', Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))
      .catch((e: unknown) => e as Error);
    // Assess
    expect(verified.SignatureValid).toBe(true);
    expect(tampered).toMatchObject({ name: 'KMSInvalidSignatureException' });
    expect(verify('sha256', message, publicKey, Buffer.from(signed.Signature as Uint8Array))).toBe(true);
    expect(wrongUsage).toMatchObject({ name: 'InvalidKeyUsageException' });
  });
});

describe('signed hourly digests (review item 5)', () => {
  it('signs each hour once, chained to the hour before, covering every session written in it', async () => {
    // Act
    const digests = await Promise.all(hours.map(async (h) => JSON.parse(await source.read(digestKeyOf(h))) as AuditDigest));
    const again = await writeHourlyDigest({ s3, kms, bucket: BUCKET, keyId: DIGEST_KEY }, hours[hours.length - 1] as string);
    const report = await check();
    // Assess
    expect(digests.flatMap((d) => d.sessions.map((e) => e.stream)).sort()).toEqual(['back-dated', 'honest-1', 'honest-2']);
    expect(digests[0]?.previousHour).toBeNull();
    expect(digests.slice(1).every((d, i) => d.previousHour === hours[i])).toBe(true);
    expect(again.signature).toBe(digests[digests.length - 1]?.signature);
    expect(report.findings.filter((f) => f.kind !== 'back-dated')).toEqual([]);
    expect(report.coveredStreams).toBe(3);
  });

  it('attack: a session written now with events dated hours ago is reported as back-dated', async () => {
    // Act
    const report = await check();
    // Assess
    expect(report.findings).toEqual([expect.objectContaining({ kind: 'back-dated', stream: 'back-dated' })]);
  });

  it('attack: a digest re-signed with another key (or edited) is reported as forged', async () => {
    // Prepare: the attacker edits the last digest to drop a session and signs it with a key of their own.
    const hour = hours[hours.length - 1] as string;
    const digest = JSON.parse(await source.read(digestKeyOf(hour))) as AuditDigest;
    const { signature: _old, ...unsigned } = { ...digest, sessions: digest.sessions.filter((e) => e.stream !== 'honest-1') };
    const forgedSignature = sign('sha256', digestSigningInput(unsigned), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).toString('base64');
    // Act
    const report = await check(replacing(digestKeyOf(hour), JSON.stringify({ ...unsigned, signature: forgedSignature })));
    // Assess
    expect(report.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['digest-forged']));
  });

  it('attack: a removed digest breaks the chain (digest-missing) and leaves its sessions uncovered', async () => {
    // Prepare
    const hour = hours[hours.length - 1] as string;
    // Act
    const report = await check(hiding((k) => k === digestKeyOf(hour)));
    // Assess
    expect(report.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['digest-missing', 'uncovered']));
  });

  it('attack: a session removed after it was digested is reported as removed', async () => {
    // Act
    const report = await check(hiding((k) => k.includes('stream=honest-2/')));
    // Assess
    expect(report.findings.filter((f) => f.stream === 'honest-2')).toEqual([expect.objectContaining({ kind: 'removed' })]);
  });

  it('attack: a record rewritten after it was digested no longer matches the signed hash', async () => {
    // Prepare: the last batch of honest-1 as another writer would have it.
    const keys = (await source.list('events/'))
      .map((o) => o.key)
      .filter((k) => k.includes('stream=honest-1/'))
      .sort();
    const last = keys[keys.length - 1] as string;
    const text = (await source.read(last)).replaceAll('"id":"alice"', '"id":"mallory"');
    // Act
    const report = await check(replacing(last, text));
    // Assess
    expect(report.findings.filter((f) => f.stream === 'honest-1').map((f) => f.kind)).toEqual(['digest-mismatch', 'uncovered']);
  });
});
