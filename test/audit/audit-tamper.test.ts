/**
 * Security review item 5, the attack as the review ran it: with only the audit writer's permissions
 * (s3:PutObject on events/, UpdateItem on the chain-head table — what every session function holds), rewrite a
 * finished session's events (another agent, another outcome), recompute the chain, move the head, and see
 * whether `audit verify` still says OK. Run against the sandbox's S3 (which plays the bucket policy that
 * requires If-None-Match) and DynamoDB engines, with the product's own writer and reader.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { appendAuditEvents, listChainHeads, readChainHead, type AuditWriterDeps } from '../../lambdas/audit/audit-writer';
import { eventKey } from '../../lambdas/audit/audit-layout';
import { s3ObjectSource, verifyWindow, type ObjectSource } from '../../lambdas/audit/audit-reader';
import { sealRecord, type AuditRecord } from '../../lambdas/audit/hash-chain';
import { sessionEvent, type SessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';
import { startS3, type S3Engine } from '../../sandbox/engines/s3';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';

const BUCKET = 'secure-ivr-audit';
const HEADS = 'AuditChainTable';
const AT = new Date('2026-11-22T10:00:00Z');
const WINDOW = { from: new Date('2026-11-22T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') };
const NOW = new Date('2026-11-22T18:00:00Z');

let dir: string;
let s3Engine: S3Engine;
let ddbEngine: DynamoEngine;
let s3: S3Client;
let ddb: DynamoDBDocumentClient;
let deps: AuditWriterDeps;
let source: ObjectSource;

const event = (type: SessionEventType, sessionId: string, details?: Record<string, string>, actor = { kind: 'agent' as const, id: 'alice' }): SessionEvent =>
  sessionEvent(type, { sessionId, component: 'test', actor }, true, AT, details);

async function finishedSession(sessionId: string): Promise<void> {
  // Three invocations, three batches, as the stages write them.
  await appendAuditEvents(deps, [event('begin.requested', sessionId), event('session.begun', sessionId)]);
  await appendAuditEvents(deps, [event('outcome', sessionId, { outcome: 'declined' })]);
  await appendAuditEvents(deps, [event('data.destroyed', sessionId), event('session.ended', sessionId)]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audit-tamper-'));
  s3Engine = await startS3({ dataDir: dir, buckets: [BUCKET], conditionalWritesOnly: [{ bucket: BUCKET, prefix: 'events/' }] });
  ddbEngine = await startDynamo({ tables: [{ name: HEADS, partitionKey: 'stream' }] });
  s3 = new S3Client({
    endpoint: s3Engine.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
  ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: ddbEngine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }),
  );
  deps = { ddb: async () => ddb, s3: async () => s3, bucket: BUCKET, chainTable: HEADS, now: () => AT };
  source = s3ObjectSource(s3, BUCKET);
}, 60_000);

afterAll(async () => {
  s3.destroy();
  ddb.destroy();
  await s3Engine.close();
  await ddbEngine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an audit trail even its writer cannot rewrite (review item 5)', () => {
  it('attack: rewriting a finished session with the writer\u2019s permissions fails, the head move is caught, and verify is not fooled', async () => {
    // Prepare
    await finishedSession('victim');
    const head = await readChainHead(ddb, HEADS, 'victim');
    // Act 1: the attacker recomputes the whole chain with another agent and an accepted outcome…
    const forged: AuditRecord[] = [];
    let prev = '0'.repeat(64);
    const types: Array<[SessionEventType, Record<string, string>?]> = [
      ['begin.requested'],
      ['session.begun'],
      ['outcome', { outcome: 'accepted' }],
      ['data.destroyed'],
      ['session.ended'],
    ];
    types.forEach(([type, details], i) => {
      const record = sealRecord('victim', i + 1, prev, event(type, 'victim', details, { kind: 'agent', id: 'mallory' }));
      forged.push(record);
      prev = record.hash;
    });
    const body = forged.map((r) => `${JSON.stringify(r)}\n`).join('');
    const key = eventKey('2026-11-22', 'victim', 1);
    // …and tries to store it over the original batch, with and without If-None-Match.
    const conditional = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, IfNoneMatch: '*' })).catch((e: unknown) => e as Error);
    const plain = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })).catch((e: unknown) => e as Error);
    // Act 2: it moves the chain head to the forged chain's end (UpdateItem is in the writer's grant).
    await ddb.send(
      new UpdateCommand({
        TableName: HEADS,
        Key: { stream: 'victim' },
        UpdateExpression: 'SET #h = :h',
        ExpressionAttributeNames: { '#h': 'hash' },
        ExpressionAttributeValues: { ':h': prev },
      }),
    );
    const heads = await listChainHeads(ddb, HEADS, '2026-11-21', '2026-11-22');
    const report = await verifyWindow(source, WINDOW, { now: NOW, heads: new Map([...heads].map(([s, h]) => [s, { seq: h.seq, hash: h.hash }])) });
    // Assess
    expect(head?.seq).toBe(5);
    expect(conditional).toMatchObject({ name: 'PreconditionFailed' });
    expect(plain).toMatchObject({ name: 'AccessDenied' });
    const stored = await source.read(key);
    expect(stored).toContain('"id":"alice"');
    expect(stored).not.toContain('mallory');
    expect(report.findings.filter((f) => f.stream === 'victim').map((f) => f.kind)).toEqual(['altered']);
  });

  it('attack: a session whose objects are all gone is reported from its chain head (vanished), not silently skipped', async () => {
    // Prepare: the head of a session that was written, but whose objects the store no longer lists.
    await finishedSession('ghost');
    const hidden: ObjectSource = { ...source, list: async (prefix) => (await source.list(prefix)).filter((o) => !o.key.includes('stream=ghost/')) };
    delete (hidden as { listVersions?: unknown }).listVersions;
    const heads = await listChainHeads(ddb, HEADS, '2026-11-21', '2026-11-22');
    // Act
    const report = await verifyWindow(hidden, WINDOW, { now: NOW, heads: new Map([...heads].map(([s, h]) => [s, { seq: h.seq, hash: h.hash }])) });
    // Assess
    expect(report.findings.filter((f) => f.stream === 'ghost')).toEqual([expect.objectContaining({ kind: 'vanished' })]);
  });

  it('reports every key with more than one version as overwritten (S3 keeps the old one in a versioned bucket)', async () => {
    // Prepare: the deployed bucket is versioned; a key written twice there lists two versions.
    await finishedSession('twice');
    const versioned: ObjectSource = {
      ...source,
      listVersions: async (prefix) =>
        (await source.listVersions!(prefix)).map((v) => (v.key.includes('stream=twice/') && v.key.endsWith('00000003.json') ? { ...v, versions: 2 } : v)),
    };
    // Act
    const report = await verifyWindow(versioned, WINDOW, { now: NOW });
    // Assess
    expect(report.findings.filter((f) => f.stream === 'twice')).toEqual([
      expect.objectContaining({ kind: 'overwritten', seq: 3, key: eventKey('2026-11-22', 'twice', 3) }),
    ]);
  });

  it('stores one object per invocation batch: a five-event session is three objects', async () => {
    // Act
    await finishedSession('counted');
    const objects = await source.list('events/day=2026-11-22/stream=counted/');
    // Assess
    expect(objects.map((o) => o.key.split('/').pop())).toEqual(['00000001.json', '00000003.json', '00000004.json']);
  });
});
