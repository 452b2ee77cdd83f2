/**
 * `secure-ivr audit` against a sandbox data directory: pull in both formats, verify a clean trail, and
 * name the location of an altered, deleted or reordered record (exit 1). The trail is written by the
 * real writer (chain heads in a local DynamoDB, objects in the local S3) without running whole calls.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { S3Client, PutObjectCommand, DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, startS3, type DynamoEngine, type S3Engine } from '../../sandbox/engines';
import { appendAuditEvent } from '../../lambdas/audit/audit-writer';
import { eventKey } from '../../lambdas/audit/audit-layout';
import { sessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';
import { runAuditCommand } from '../../bin/commands/audit';
import { SANDBOX_AUDIT_BUCKET } from '../../bin/commands/audit-source';
import { AUDIT_BUCKET } from '../../sandbox/sandbox';

const STEPS: SessionEventType[] = ['begin.requested', 'session.begun', 'recording.paused', 'field.captured', 'outcome', 'data.destroyed', 'session.ended'];
let dataDir: string;
let s3engine: S3Engine;
let dynamo: DynamoEngine;
let s3: S3Client;
let day: string;

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return { stream: new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) }), text: () => chunks.join('') };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await runAuditCommand([...argv, '--data-dir', dataDir], out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

const key = (session: string, seq: number): string => eventKey(day, session, seq);
const read = async (k: string): Promise<string> =>
  (await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: k }))).Body?.transformToString()) ?? '';
const put = (k: string, body: string) => s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: k, Body: body }));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
  s3engine = await startS3({ dataDir: join(dataDir, 's3'), buckets: [AUDIT_BUCKET] });
  dynamo = await startDynamo({ tables: [{ name: 'AuditChainTable', partitionKey: 'stream' }] });
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: s3engine.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }),
  );
  const deps = { ddb: async () => ddb, s3: async () => s3, bucket: AUDIT_BUCKET, chainTable: 'AuditChainTable', now: () => new Date() };
  for (const session of ['sess-a', 'sess-b', 'sess-c', 'sess-d']) {
    for (const type of STEPS) {
      const actor =
        type === 'begin.requested' ? { kind: 'agent' as const, id: session === 'sess-a' ? 'alice' : 'bob' } : { kind: 'system' as const, id: 'test' };
      await appendAuditEvent(deps, sessionEvent(type, { sessionId: session, component: 'test', actor }, true, new Date(), { last4: '1111', stage: 'x' }));
    }
  }
  day = new Date().toISOString().slice(0, 10);
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await s3engine?.close();
  await dynamo?.close();
});

describe('secure-ivr audit', () => {
  it('reads the same bucket the sandbox writes', () => {
    expect(SANDBOX_AUDIT_BUCKET).toBe(AUDIT_BUCKET);
  });

  it('verifies an untouched trail and exits 0', async () => {
    const { code, out } = await run(['verify']);
    expect(out).toMatch(/^OK: 28 records in 4 session chains from sandbox .*; 0 problems\n$/);
    expect(code).toBe(0);
  });

  it('pulls one agent’s sessions as JSON lines of verifiable records', async () => {
    // Act
    const { code, out } = await run(['pull', '--from', day, '--to', day, '--agent', 'alice']);
    const records = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; seq: number; hash: string });
    // Assess
    expect(code).toBe(0);
    expect(records.map((r) => `${r.stream}#${r.seq}`)).toEqual(STEPS.map((_, i) => `sess-a#${i + 1}`));
    expect(records.every((r) => /^[0-9a-f]{64}$/.test(r.hash))).toBe(true);
  });

  it('pulls one session as CSV with a header', async () => {
    const { code, out } = await run(['pull', '--from', day, '--to', day, '--session', 'sess-b', '--format', 'csv']);
    const lines = out.trim().split('\r\n');
    expect(code).toBe(0);
    expect(lines[0]).toBe('at,type,sessionId,seq,success,actorKind,actorId,component,requestId,transactionId,callTransactionId,details,prev,hash');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(STEPS);
  });

  it('refuses a pull without a window', async () => {
    const { code, err } = await run(['pull']);
    expect(code).toBe(2);
    expect(err).toContain('--from and --to are required');
  });

  it('names an altered, a deleted and a reordered record with their keys and exits 1', async () => {
    // Prepare: alter sess-a #3, delete sess-b #4, swap sess-c #2 and #3.
    await put(key('sess-a', 3), (await read(key('sess-a', 3))).replace('"success":true', '"success":false'));
    await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: key('sess-b', 4) }));
    const [two, three] = [await read(key('sess-c', 2)), await read(key('sess-c', 3))];
    await put(key('sess-c', 2), three);
    await put(key('sess-c', 3), two);
    // Act
    const { code, out } = await run(['verify']);
    // Assess
    expect(code).toBe(1);
    expect(out).toContain(`ALTERED  session sess-a  #3  ${key('sess-a', 3)}`);
    expect(out).toContain(`GAP  session sess-b  #4  ${key('sess-b', 5)}  record 4 is missing before this one`);
    expect(out).toContain(`REORDERED  session sess-c  #2  ${key('sess-c', 2)}`);
    expect(out).toContain(`MISPLACED  session sess-c  #3  ${key('sess-c', 3)}`);
    expect(out).not.toContain('sess-d');
    expect(out).toMatch(/FAILED: .* problems\n$/);
  });
});
