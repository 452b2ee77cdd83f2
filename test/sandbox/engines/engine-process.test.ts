import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Process } from '../../../sandbox/engines/engine-process';
import type { S3Engine } from '../../../sandbox/engines/s3';

let engine: S3Engine;
let s3: S3Client;

beforeAll(async () => {
  engine = await startS3Process({ dataDir: mkdtempSync(join(tmpdir(), 's3-child-')), buckets: ['box'] });
  s3 = new S3Client({
    endpoint: engine.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
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

describe('DynamoDB engine in its own process', () => {
  // eslint-style local imports keep this block self-contained.
  const { startDynamoProcess } = jest.requireActual('../../../sandbox/engines/engine-process') as typeof import('../../../sandbox/engines/engine-process');
  const { DynamoDBClient, PutItemCommand } = jest.requireActual('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');

  it('serves the tables, mirrors counts, scans everything, sweeps expired items and takes faults', async () => {
    const dynamo = await startDynamoProcess({ tables: [{ name: 'Items', partitionKey: 'id' }] });
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      maxAttempts: 1,
    });
    try {
      await client.send(
        new PutItemCommand({ TableName: 'Items', Item: { id: { S: 'live' }, expiresAt: { N: String(Math.floor(Date.now() / 1000) + 3600) } } }),
      );
      await client.send(new PutItemCommand({ TableName: 'Items', Item: { id: { S: 'old' }, expiresAt: { N: '1' } } }));
      await new Promise((r) => setTimeout(r, 50));
      expect(dynamo.counts()).toMatchObject({ 'dynamodb:PutItem': 2 });
      expect(await dynamo.sweepExpired('Items')).toBe(1);
      expect((await dynamo.scanAll('Items')).map((i) => i.id?.S)).toEqual(['live']);
      dynamo.injectFault('PutItem', 1, 'ValidationException');
      await new Promise((r) => setTimeout(r, 50));
      await expect(client.send(new PutItemCommand({ TableName: 'Items', Item: { id: { S: 'x' } } }))).rejects.toMatchObject({ name: 'ValidationException' });
    } finally {
      client.destroy();
      await dynamo.close();
    }
  });
});
