import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Process } from '../../../sandbox/engines/s3-process';
import type { S3Engine } from '../../../sandbox/engines/s3';

let engine: S3Engine;
let s3: S3Client;

beforeAll(async () => {
  engine = await startS3Process({ dataDir: mkdtempSync(join(tmpdir(), 's3-child-')), buckets: ['box'] });
  s3 = new S3Client({ endpoint: engine.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await engine?.close();
});

describe('S3 engine in its own process', () => {
  it('stores and serves objects, and mirrors its request counts to the parent', async () => {
    engine.resetCounts();
    await s3.send(new PutObjectCommand({ Bucket: 'box', Key: 'a.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'box', Key: 'a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
    // Counts arrive over IPC just after the response; give the message a moment.
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.counts()).toMatchObject({ 's3:PutObject': 1, 's3:GetObject': 1 });
  });

  it('lists every stored object with its body', async () => {
    const all = await engine.listAllObjects();
    expect(all.find((o) => o.key === 'a.txt')?.body.toString()).toBe('hello');
  });

  it('applies an injected fault to the next request (a non-retryable one, so the SDK shows it)', async () => {
    engine.injectFault('PutObject', 1, 'AccessDenied');
    await new Promise((r) => setTimeout(r, 50));
    await expect(s3.send(new PutObjectCommand({ Bucket: 'box', Key: 'b.txt', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3.send(new PutObjectCommand({ Bucket: 'box', Key: 'b.txt', Body: 'x' }))).resolves.toBeDefined();
  });
});
