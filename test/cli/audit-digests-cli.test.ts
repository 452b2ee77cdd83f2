/**
 * `secure-ivr audit verify --digest-key` (review item 5): fetches the digest key's public half from KMS (here the
 * sandbox's, through AWS_ENDPOINT_URL_KMS) and checks the signed hourly digests along with the chains.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, startKms, startS3, type DynamoEngine, type KmsEngine, type S3Engine } from '../../sandbox/engines';
import { appendAuditEvents } from '../../lambdas/audit/audit-writer';
import { hourOf, previousHourOf } from '../../lambdas/audit/digest-chain';
import { writeHourlyDigest } from '../../lambdas/audit/digest-writer';
import { sessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';
import { runAuditCommand } from '../../bin/commands/audit';
import { AUDIT_BUCKET } from '../../sandbox/sandbox';

const DIGEST_KEY = 'alias/secure-ivr-audit-digest';
let dataDir: string;
let s3engine: S3Engine;
let dynamo: DynamoEngine;
let kmsEngine: KmsEngine;
let s3: S3Client;
let kms: KMSClient;
let firstHour: string;
const savedEnv = { ...process.env };

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const out = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c.toString()), done()) });
  const err = new Writable({ write: (_c, _e, done) => done() });
  // From the first digested hour's day (yesterday just after midnight) to today.
  const code = await runAuditCommand(
    [...argv, '--from', firstHour.slice(0, 10), '--to', new Date().toISOString().slice(0, 10), '--data-dir', dataDir, '--quiet'],
    out,
    err,
  );
  return { code, out: chunks.join('') };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'audit-digest-cli-'));
  s3engine = await startS3({ dataDir: join(dataDir, 's3'), buckets: [AUDIT_BUCKET], conditionalWritesOnly: [{ bucket: AUDIT_BUCKET, prefix: 'events/' }] });
  dynamo = await startDynamo({ tables: [{ name: 'AuditChainTable', partitionKey: 'stream' }] });
  kmsEngine = await startKms({ dataDir: join(dataDir, 'kms'), keys: [], signingKeys: [DIGEST_KEY] });
  const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
  s3 = new S3Client({ region: 'us-east-1', endpoint: s3engine.endpoint, forcePathStyle: true, credentials });
  kms = new KMSClient({ region: 'us-east-1', endpoint: kmsEngine.endpoint, credentials });
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.endpoint, credentials }));
  const deps = { ddb: async () => ddb, s3: async () => s3, bucket: AUDIT_BUCKET, chainTable: 'AuditChainTable', now: () => new Date() };
  firstHour = previousHourOf(hourOf(new Date()));
  const steps: SessionEventType[] = ['begin.requested', 'session.begun', 'outcome', 'session.ended'];
  for (const session of ['cli-a', 'cli-b'])
    await appendAuditEvents(
      deps,
      steps.map((type) => sessionEvent(type, { sessionId: session, component: 'test', actor: { kind: 'system', id: 'test' } }, true, new Date())),
    );
  for (const hour of [firstHour, hourOf(new Date())]) await writeHourlyDigest({ s3, kms, bucket: AUDIT_BUCKET, keyId: DIGEST_KEY }, hour);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_KMS: kmsEngine.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
  });
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  s3.destroy();
  kms.destroy();
  await s3engine.close();
  await dynamo.close();
  await kmsEngine.close();
});

describe('audit verify --digest-key', () => {
  it('checks the signed digests and reports every session covered (exit 0)', async () => {
    // Act
    const res = await run(['verify', '--digest-key', DIGEST_KEY, '--digests-since', firstHour]);
    // Assess
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^OK: 8 records in 2 session chains .*; \d signed digests, 2 sessions covered; 0 problems$/m);
  });

  it('says when digests were not checked', async () => {
    // Act
    const res = await run(['verify']);
    // Assess
    expect(res.out).toContain('digests not checked (pass --digest-key)');
  });

  it('refuses a --digests-since that is not an hour (exit 2)', async () => {
    // Act
    const res = await run(['verify', '--digest-key', DIGEST_KEY, '--digests-since', 'yesterday']);
    // Assess
    expect(res.code).toBe(2);
  });
});
