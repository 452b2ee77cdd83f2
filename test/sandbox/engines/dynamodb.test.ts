import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../../sandbox/engines/dynamodb';

const TABLE = 'CardVault';

const documentClientFor = (engine: DynamoEngine, maxAttempts = 1): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' }, maxAttempts }),
  );

describe('local DynamoDB engine', () => {
  let engine: DynamoEngine;
  let ddb: DynamoDBDocumentClient;

  beforeEach(async () => {
    engine = await startDynamo({ tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
    ddb = documentClientFor(engine);
  });

  afterEach(async () => {
    ddb.destroy();
    await engine.close();
  });

  it('applies a conditional update once and refuses the second with ConditionalCheckFailedException', async () => {
    // Prepare
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 's1', vaultRef: 'ref-1' } }));
    const mark = () =>
      ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { sessionId: 's1' },
          UpdateExpression: 'SET submittedAt = :now',
          ConditionExpression: 'vaultRef = :ref AND attribute_not_exists(submittedAt)',
          ExpressionAttributeValues: { ':now': 'now', ':ref': 'ref-1' },
        }),
      );

    // Act
    await mark();
    const second = await mark().catch((err: Error) => err);

    // Assess
    expect(second).toMatchObject({ name: 'ConditionalCheckFailedException' });
    const { Item } = await ddb.send(new GetCommand({ TableName: TABLE, Key: { sessionId: 's1' } }));
    expect(Item).toEqual({ sessionId: 's1', vaultRef: 'ref-1', submittedAt: 'now' });
  });

  it('sweeps only the items whose TTL attribute is in the past, without counting its own requests', async () => {
    // Prepare
    const now = 1_900_000_000;
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'old', expiresAt: now - 1 } }));
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'fresh', expiresAt: now + 600 } }));
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'no-ttl' } }));
    engine.resetCounts();

    // Act
    const swept = await engine.sweepExpired(TABLE, 'expiresAt', now);

    // Assess
    expect(swept).toBe(1);
    const left = (await engine.scanAll(TABLE)).map((item) => item.sessionId?.S).sort();
    expect(left).toEqual(['fresh', 'no-ttl']);
    expect(engine.counts()).toEqual({});
  });

  it('returns every stored item in attribute-value form from scanAll', async () => {
    // Prepare
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'a', n: 1, nested: { k: 'v' } } }));

    // Act
    const items = await engine.scanAll(TABLE);

    // Assess
    expect(items).toEqual([{ sessionId: { S: 'a' }, n: { N: '1' }, nested: { M: { k: { S: 'v' } } } }]);
  });

  it('counts product requests per operation', async () => {
    // Prepare
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'a' } }));
    await ddb.send(new GetCommand({ TableName: TABLE, Key: { sessionId: 'a' } }));
    await ddb.send(new GetCommand({ TableName: TABLE, Key: { sessionId: 'a' } }));

    // Act
    const counted = engine.counts();

    // Assess
    expect(counted).toEqual({ 'dynamodb:GetItem': 2, 'dynamodb:PutItem': 1 });
  });

  it('fails the next injected calls with the injected DynamoDB error, then serves again', async () => {
    // Prepare
    engine.injectFault('dynamodb:PutItem', 1, 'ProvisionedThroughputExceededException');
    engine.injectFault('GetItem', 1, 'InternalServerError');

    // Act
    const put = await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'a' } })).catch((err: Error) => err);
    const get = await ddb.send(new GetCommand({ TableName: TABLE, Key: { sessionId: 'a' } })).catch((err: Error) => err);
    await ddb.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'a' } }));

    // Assess
    expect(put).toMatchObject({ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
    expect(get).toMatchObject({ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
    expect(engine.counts()).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:PutItem': 2 });
  });
});

describe('local DynamoDB engine with a data directory', () => {
  it('keeps items across a restart and does not recreate an existing table', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'dynamo-engine-'));
    try {
      const first = await startDynamo({ dataDir, tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
      const firstClient = documentClientFor(first);
      await firstClient.send(new PutCommand({ TableName: TABLE, Item: { sessionId: 'kept' } }));
      firstClient.destroy();
      await first.close();

      // Act
      const second = await startDynamo({ dataDir, tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
      const items = await second.scanAll(TABLE);
      await second.close();

      // Assess
      expect(items).toEqual([{ sessionId: { S: 'kept' } }]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
