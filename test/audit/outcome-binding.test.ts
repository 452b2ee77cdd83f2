/**
 * Outcome records bound to the audit chain (issue 14 item 8), attacked with the audit writer's rights in
 * the sandbox's engines (S3 that plays the write-once bucket policy, so an edit is a delete and a fresh
 * conditional put, as an insider without Object Lock in the way would do it): an edited amount, a removed
 * record, an added or copied record and a removed final event each fail `verify` naming the session; an
 * untouched trail verifies clean. Sessions are closed the way End and Abort close them: the record is
 * prepared first, its hash goes into the final event, then the record is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { appendAuditEvents, listChainHeads, type AuditWriterDeps } from '../../lambdas/audit/audit-writer';
import { eventKey, outcomeKey } from '../../lambdas/audit/audit-layout';
import { s3ObjectSource, verifyWindow, type ObjectSource } from '../../lambdas/audit/audit-reader';
import { OUTCOME_BINDING_DETAIL, outcomeRecordHash } from '../../lambdas/audit/outcome-binding';
import { outcomeBinding, prepareOutcome, writeOutcomeRecord, type OutcomeRecord } from '../../lambdas/audit/outcomes';
import type { Finding } from '../../lambdas/audit/hash-chain';
import { sessionEvent, type SessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';
import type { FinalStatus } from '../../lambdas/shared/session/contract';
import { startS3, type S3Engine } from '../../sandbox/engines/s3';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';

const BUCKET = 'secure-ivr-audit';
const HEADS = 'AuditChainTable';
const ENV = { AUDIT_BUCKET: BUCKET, AUDIT_CHAIN_TABLE: HEADS };
const AT = new Date('2026-11-22T10:00:00Z');
const DAY = '2026-11-22';
const WINDOW = { from: new Date('2026-11-22T00:00:00Z'), to: new Date('2026-11-23T00:00:00Z') };
// Within the two hours an unfinished stream may still be running: no finding here may rely on the grace period.
const NOW = new Date('2026-11-22T10:05:00Z');

let dir: string;
let s3Engine: S3Engine;
let ddbEngine: DynamoEngine;
let s3: S3Client;
let ddb: DynamoDBDocumentClient;
let deps: AuditWriterDeps;
let source: ObjectSource;
const logged: string[] = [];
const logger = { error: (message: string) => void logged.push(message) };

const event = (type: SessionEventType, sessionId: string, details?: Record<string, string | boolean>): SessionEvent =>
  sessionEvent(type, { sessionId, component: 'test', actor: { kind: 'system', id: 'test' } }, true, AT, details);

/** A session as the stages write it: Begin, GetKey, then End (or Abort) in one batch bound to its outcome record. */
async function closedSession(sessionId: string, status: FinalStatus, amount = '14.55'): Promise<OutcomeRecord> {
  await appendAuditEvents(deps, [event('begin.requested', sessionId), event('session.begun', sessionId)]);
  await appendAuditEvents(deps, [event('field.captured', sessionId, { field: 'pan' })]);
  const prepared = prepareOutcome(
    ENV,
    {
      outcome: { sessionId, transactionId: `T-${sessionId}`, status, details: status === 'accepted' ? 'Approved' : 'Declined - do not honour' },
      at: AT,
      formId: 'card-payment',
      agentId: 'alice',
      workgroup: 'payments',
      fields: { amount, currency: 'USD' },
    },
    logger,
  );
  if (!prepared) throw new Error('no audit bucket in the test environment');
  const final: SessionEventType = status === 'aborted' ? 'session.aborted' : 'session.ended';
  await appendAuditEvents(deps, [
    event('outcome', sessionId, { outcome: status }),
    event('data.destroyed', sessionId),
    event(final, sessionId, { outcome: status, ...outcomeBinding(prepared) }),
  ]);
  await writeOutcomeRecord(s3, BUCKET, prepared.record);
  return prepared.record;
}

const read = async (key: string): Promise<string> =>
  (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';
/** What an insider does where there is no Object Lock: delete, then write anew the only way the policy allows. */
async function replace(key: string, body: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, IfNoneMatch: '*' }));
}
const findingsOf = (findings: Finding[], stream: string): Array<Pick<Finding, 'kind' | 'key'>> =>
  findings.filter((f) => f.stream === stream).map(({ kind, key }) => ({ kind, key }));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outcome-binding-'));
  s3Engine = await startS3({
    dataDir: dir,
    buckets: [BUCKET],
    conditionalWritesOnly: ['events/', 'outcomes/'].map((prefix) => ({ bucket: BUCKET, prefix })),
  });
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
  s3?.destroy();
  ddb?.destroy();
  await s3Engine?.close();
  await ddbEngine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outcome records bound to the audit chain', () => {
  it('binds each record by the hash of its canonical JSON in the final event, and an untouched trail verifies without a finding', async () => {
    // Prepare
    const accepted = await closedSession('clean-accepted', 'accepted');
    await closedSession('clean-declined', 'declined');
    await closedSession('clean-aborted', 'aborted');
    // Act
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    const last = (await read(eventKey(DAY, 'clean-accepted', 4))).trim().split('\n').pop() as string;
    // Assess
    expect(report.findings).toEqual([]);
    expect((JSON.parse(last) as { event: SessionEvent }).event.details?.[OUTCOME_BINDING_DETAIL]).toBe(outcomeRecordHash(accepted));
    expect(logged).toEqual([]);
  });

  it('attack: an edited amount fails verify naming the session and the record', async () => {
    // Prepare
    const record = await closedSession('edited', 'accepted', '14.55');
    const key = outcomeKey(DAY, 'edited');
    // Act
    await replace(key, `${JSON.stringify({ ...record, amount: '1455.00' })}\n`);
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(findingsOf(report.findings, 'edited')).toEqual([{ kind: 'outcome-altered', key }]);
  });

  it('attack: a removed outcome record fails verify (the final event still names its hash)', async () => {
    // Prepare
    await closedSession('dropped', 'declined');
    // Act
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: outcomeKey(DAY, 'dropped') }));
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(findingsOf(report.findings, 'dropped')).toEqual([{ kind: 'outcome-missing', key: eventKey(DAY, 'dropped', 4) }]);
  });

  it('attack: an outcome record added for a session that never ran, a copy filed under another day and a forged second record all fail verify', async () => {
    // Prepare
    const real = await closedSession('copied', 'accepted');
    await closedSession('doubled', 'accepted');
    const ghost: OutcomeRecord = { ...real, sessionId: 'ghost', transactionId: 'T-ghost' };
    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: outcomeKey(DAY, 'ghost'), Body: JSON.stringify(ghost), IfNoneMatch: '*' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: outcomeKey('2026-11-21', 'copied'), Body: JSON.stringify(real), IfNoneMatch: '*' }));
    const forged = { ...real, sessionId: 'doubled', amount: '99.00' };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: outcomeKey('2026-11-23', 'doubled'), Body: JSON.stringify(forged), IfNoneMatch: '*' }));
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(findingsOf(report.findings, 'ghost')).toEqual([{ kind: 'outcome-unbound', key: outcomeKey(DAY, 'ghost') }]);
    expect(findingsOf(report.findings, 'copied')).toEqual([{ kind: 'outcome-duplicate', key: outcomeKey(DAY, 'copied') }]);
    expect(findingsOf(report.findings, 'doubled')).toEqual([{ kind: 'outcome-unbound', key: outcomeKey('2026-11-23', 'doubled') }]);
  });

  it('attack: removing the last event of a finished session fails verify at once, without waiting for the open-session grace period', async () => {
    // Prepare
    await closedSession('cut-one', 'accepted');
    const key = eventKey(DAY, 'cut-one', 4);
    const lines = (await read(key)).trim().split('\n');
    // Act: the final batch is stored again without its last line (session.ended).
    await replace(key, `${lines.slice(0, -1).join('\n')}\n`);
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(lines).toHaveLength(3);
    expect(findingsOf(report.findings, 'cut-one')).toEqual([{ kind: 'tail-removed', key: outcomeKey(DAY, 'cut-one') }]);
    expect(report.findings.find((f) => f.stream === 'cut-one')?.message).toContain('finished (accepted)');
  });

  it('attack: removing the whole final batch and the outcome record is still caught, by the outcome record or by the chain head', async () => {
    // Prepare
    await closedSession('cut-batch', 'accepted');
    await closedSession('cut-all', 'accepted');
    // Act: End's whole batch goes; for cut-all its outcome record goes too.
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: eventKey(DAY, 'cut-batch', 4) }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: eventKey(DAY, 'cut-all', 4) }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: outcomeKey(DAY, 'cut-all') }));
    const withoutHeads = await verifyWindow(source, WINDOW, { now: NOW });
    const heads = await listChainHeads(ddb, HEADS, '2026-11-21', DAY);
    const withHeads = await verifyWindow(source, WINDOW, { now: NOW, heads: new Map([...heads].map(([s, h]) => [s, { seq: h.seq, hash: h.hash }])) });
    // Assess
    expect(findingsOf(withoutHeads.findings, 'cut-batch')).toEqual([{ kind: 'tail-removed', key: outcomeKey(DAY, 'cut-batch') }]);
    // Without the record, a chain ending on field.captured looks like a session still running: only the head tells.
    expect(findingsOf(withoutHeads.findings, 'cut-all')).toEqual([]);
    expect(findingsOf(withHeads.findings, 'cut-all').map((f) => f.kind)).toEqual(['truncated']);
  });

  it('reports a record beside a final event that binds nothing (added outside the session, or written before binding)', async () => {
    // Prepare: a session closed the old way: no hash in its final event.
    await appendAuditEvents(deps, [
      event('begin.requested', 'legacy'),
      event('outcome', 'legacy'),
      event('data.destroyed', 'legacy'),
      event('session.ended', 'legacy'),
    ]);
    const record: OutcomeRecord = {
      v: 1,
      at: AT.toISOString(),
      sessionId: 'legacy',
      formId: 'card-payment',
      agentId: 'alice',
      amount: '5.00',
      currency: 'USD',
      outcome: 'accepted',
      details: 'Approved',
    };
    await writeOutcomeRecord(s3, BUCKET, record);
    // Act
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(findingsOf(report.findings, 'legacy')).toEqual([{ kind: 'outcome-unbound', key: outcomeKey(DAY, 'legacy') }]);
  });

  it('reports an unreadable object among the outcome records', async () => {
    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: outcomeKey(DAY, 'garbage'), Body: 'not json', IfNoneMatch: '*' }));
    const report = await verifyWindow(source, WINDOW, { now: NOW });
    // Assess
    expect(findingsOf(report.findings, 'garbage')).toEqual([{ kind: 'unreadable', key: outcomeKey(DAY, 'garbage') }]);
  });
});
