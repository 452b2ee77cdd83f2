import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Operation, startS3, type S3Engine } from '../../../sandbox/engines/s3';

const BUCKET = 'audit-events';

describe('local S3 engine', () => {
  let dataDir: string;
  let engine: S3Engine;
  let s3: S3Client;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 's3-engine-'));
    engine = await startS3({ dataDir, buckets: [BUCKET] });
    s3 = new S3Client({
      endpoint: engine.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    s3.destroy();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores, returns and lists objects through the real S3 client with the sandbox credentials', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'day/2026-11-21/1.json', Body: '{"event":"begin"}', ContentType: 'application/json' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'day/2026-11-22/1.json', Body: '{"event":"end"}' }));

    // Act
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'day/2026-11-21/1.json' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'day/2026-11-22/' }));

    // Assess
    expect(await got.Body!.transformToString()).toBe('{"event":"begin"}');
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['day/2026-11-22/1.json']);
  });

  it('counts requests per S3 operation', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'x' }));
    await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a' }));

    // Act
    await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));

    // Assess
    expect(engine.counts()).toEqual({ 's3:GetObject': 1, 's3:ListObjectsV2': 1, 's3:PutObject': 1 });
  });

  it('returns every stored object with its body from listAllObjects, without counting requests', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k/1', Body: 'one' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k/2', Body: 'two' }));
    engine.resetCounts();

    // Act
    const objects = await engine.listAllObjects();

    // Assess
    expect(objects.map((o) => [o.bucket, o.key, o.body.toString()])).toEqual([
      [BUCKET, 'k/1', 'one'],
      [BUCKET, 'k/2', 'two'],
    ]);
    expect(engine.counts()).toEqual({});
  });

  it('fails the next injected call with the injected S3 error code', async () => {
    // Prepare
    engine.injectFault('PutObject', 1, 'SlowDown');

    // Act
    const failed = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'x' })).catch((err: Error) => err);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'x' }));

    // Assess
    expect(failed).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(engine.counts()['s3:PutObject']).toBe(2);
  });

  it('names REST requests after their S3 operations', () => {
    // Prepare
    const cases: Array<[string, string, Record<string, string>, string]> = [
      ['GET', '/', {}, 'ListBuckets'],
      ['PUT', '/b', {}, 'CreateBucket'],
      ['GET', '/b?list-type=2&prefix=x', {}, 'ListObjectsV2'],
      ['PUT', '/b/k', { 'x-amz-copy-source': '/b/j' }, 'CopyObject'],
      ['HEAD', '/b/k/deep', {}, 'HeadObject'],
      ['DELETE', '/b/k', {}, 'DeleteObject'],
      ['POST', '/b?delete', {}, 'DeleteObjects'],
      ['PUT', '/b?versioning', {}, 'PutBucketVersioning'],
    ];

    // Act
    const names = cases.map(([method, url, headers]) => s3Operation(method, url, headers));

    // Assess
    expect(names).toEqual(cases.map((c) => c[3]));
  });
});

describe('local S3 engine: conditional writes (review item 5)', () => {
  let dataDir: string;
  let engine: S3Engine;
  let s3: S3Client;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 's3-engine-'));
    engine = await startS3({ dataDir, buckets: [BUCKET], conditionalWritesOnly: [{ bucket: BUCKET, prefix: 'events/' }] });
    s3 = new S3Client({
      endpoint: engine.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    s3.destroy();
    await engine.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('attack: an If-None-Match write cannot replace an existing object (412), and the original stays', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/1.json', Body: 'original', IfNoneMatch: '*' }));
    // Act
    const err = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/1.json', Body: 'rewritten', IfNoneMatch: '*' }))
      .catch((e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } });
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'events/1.json' }));
    // Assess
    expect(err).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect(await got.Body!.transformToString()).toBe('original');
  });

  it('attack: a plain overwrite where the bucket policy requires If-None-Match is AccessDenied; elsewhere it is allowed', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/2.json', Body: 'original', IfNoneMatch: '*' }));
    // Act
    const err = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/2.json', Body: 'rewritten' })).catch((e: unknown) => e as { name: string });
    const elsewhere = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/2.json', Body: 'x' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'events/2.json' }));
    // Assess
    expect(err).toMatchObject({ name: 'AccessDenied' });
    expect(elsewhere.$metadata.httpStatusCode).toBe(200);
    expect(await got.Body!.transformToString()).toBe('original');
  });

  it('lets only one of two racing conditional writes of a new key win', async () => {
    // Act
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/3.json', Body: `writer ${n}`, IfNoneMatch: '*' }))),
    );
    // Assess
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('lists every object as its single latest version (ListObjectVersions)', async () => {
    // Prepare
    const { ListObjectVersionsCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'events/a.json', Body: 'a', IfNoneMatch: '*' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'other/b.json', Body: 'b' }));
    // Act
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: 'events/' }));
    // Assess
    expect(out.Versions?.map((v) => [v.Key, v.IsLatest])).toEqual([['events/a.json', true]]);
  });
});
