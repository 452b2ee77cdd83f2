import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appendAuditEvents, AuditObjectExistsError, type AuditWriterDeps } from '../../lambdas/audit/audit-writer';
import { splitBatch } from '../../lambdas/audit/audit-reader';
import { parseEventKey } from '../../lambdas/audit/audit-layout';
import { verifyStreams, type StoredRecord } from '../../lambdas/audit/hash-chain';
import { sessionEvent, type SessionEvent, type SessionEventType } from '../../lambdas/shared/session/events';

const ddbMock = mockClient(DynamoDBDocumentClient);
const s3Mock = mockClient(S3Client);

/** A chain-head table and a bucket in memory, with DynamoDB's conditional-update semantics. */
function store() {
  const heads = new Map<string, { seq: number; hash: string; day: string }>();
  const objects = new Map<string, string>();
  let updates = 0;
  ddbMock.on(GetCommand).callsFake(async (input: { Key: { stream: string } }) => ({ Item: heads.get(input.Key.stream) }));
  ddbMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    updates += 1;
    const stream = (input.Key as { stream: string }).stream;
    const values = input.ExpressionAttributeValues as Record<string, unknown>;
    // Let racing writers read the old head before this update lands; the check-and-set itself is atomic.
    await new Promise((r) => setImmediate(r));
    const head = heads.get(stream);
    const ok = input.ConditionExpression === 'attribute_not_exists(seq)' ? head === undefined : head?.seq === values[':prevSeq'];
    if (!ok) throw Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
    heads.set(stream, { seq: values[':seq'] as number, hash: values[':hash'] as string, day: head?.day ?? (values[':day'] as string) });
    return {};
  });
  // S3's conditional write: If-None-Match: * on an existing key is refused.
  s3Mock.on(PutObjectCommand).callsFake(async (input: { Key: string; Body: string; IfNoneMatch?: string }) => {
    if (input.IfNoneMatch === '*' && objects.has(input.Key)) throw Object.assign(new Error('precondition'), { name: 'PreconditionFailed' });
    objects.set(input.Key, input.Body);
    return {};
  });
  const stored = (): StoredRecord[] =>
    [...objects].flatMap(([key, text]) => {
      const at = parseEventKey(key) as { stream: string; seq: number };
      return splitBatch(key, at.stream, at.seq, text);
    });
  return { heads, objects, stored, updates: () => updates };
}

const deps: AuditWriterDeps = {
  ddb: async () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
  s3: async () => new S3Client({ region: 'us-east-1' }),
  bucket: 'audit',
  chainTable: 'heads',
  now: () => new Date('2026-11-22T10:00:00Z'),
};

const event = (type: SessionEventType, sessionId = 's-1'): SessionEvent =>
  sessionEvent(type, { sessionId, component: 'test', actor: { kind: 'system', id: 'test' } }, true, new Date('2026-11-22T10:00:00Z'));

beforeEach(() => {
  ddbMock.reset();
  s3Mock.reset();
});

describe('audit writer: one write-once object per batch (review item 5)', () => {
  it('stores an invocation batch as ONE object, written with If-None-Match: *', async () => {
    // Prepare: an empty store behind the mocks
    store();
    // Act
    await appendAuditEvents(deps, [event('begin.requested'), event('session.begun'), event('capture.requested')]);
    // Assess
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toMatchObject({ Key: 'events/day=2026-11-22/stream=s-1/00000001.json', IfNoneMatch: '*' });
    expect(String(puts[0]?.args[0].input.Body).trim().split('\n')).toHaveLength(3);
  });

  it('attack: a batch whose key is already taken overwrites nothing and fails loudly', async () => {
    // Prepare: someone put an object where the next batch belongs.
    const s = store();
    s.objects.set('events/day=2026-11-22/stream=s-1/00000001.json', 'planted\n');
    // Act
    const err = await appendAuditEvents(deps, [event('begin.requested')]).catch((e: unknown) => e);
    // Assess
    expect(err).toBeInstanceOf(AuditObjectExistsError);
    expect(s.objects.get('events/day=2026-11-22/stream=s-1/00000001.json')).toBe('planted\n');
  });
});

describe('audit writer: batches', () => {
  it('appends a batch with one head update and stores every event as its own link', async () => {
    // Prepare
    const s = store();
    // Act
    await appendAuditEvents(deps, [event('begin.requested'), event('session.begun'), event('capture.requested')]);
    // Assess
    expect(s.updates()).toBe(1);
    expect(s.heads.get('s-1')?.seq).toBe(3);
    const report = verifyStreams(s.stored(), { now: new Date('2026-11-22T10:00:00Z') });
    expect(report.findings).toEqual([]);
    expect(report.records).toBe(3);
  });

  it('keeps one unbroken chain when writers race on the same session', async () => {
    // Prepare
    const s = store();
    // Act: three writers at once, the way the SMA handler and two stages can overlap.
    await Promise.all([
      appendAuditEvents(deps, [event('field.prompted'), event('field.captured')]),
      appendAuditEvents(deps, [event('fields.attached')]),
      appendAuditEvents(deps, [event('outcome'), event('data.destroyed'), event('session.ended')]),
    ]);
    // Assess
    const report = verifyStreams(s.stored(), { now: new Date('2026-11-22T10:00:00Z') });
    expect(report.findings).toEqual([]);
    expect(report.records).toBe(6);
    expect(s.heads.get('s-1')?.seq).toBe(6);
    // Contention was real: at least one writer lost a claim and retried.
    expect(s.updates()).toBeGreaterThan(3);
  });

  it('writes each session of a mixed batch to its own chain', async () => {
    const s = store();
    await appendAuditEvents(deps, [event('begin.requested', 'a'), event('begin.requested', 'b'), event('session.begun', 'a')]);
    expect(s.heads.get('a')?.seq).toBe(2);
    expect(s.heads.get('b')?.seq).toBe(1);
  });

  it('writes nothing for an empty batch', async () => {
    const s = store();
    await appendAuditEvents(deps, []);
    expect(s.updates()).toBe(0);
    expect(s.objects.size).toBe(0);
  });
});
