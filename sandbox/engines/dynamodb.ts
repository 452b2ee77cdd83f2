/**
 * The sandbox's DynamoDB: dynalite 4 on loopback (in memory, or persistent under `dataDir`), with
 * the tables the product needs created up front, every request counted per operation, and faults
 * injectable. Dynalite never enforces TTL, so `sweepExpired` plays the part of the TTL backstop and
 * `scanAll` lets the no-leak test read everything stored.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import dynalite from 'dynalite';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { closeServer } from './aws-json-server';
import { FaultPlan, OperationCounter, statusForErrorType, type FaultInjection, type RequestCounter } from './request-counter';
import { internalClientConfig, internalMarker } from './internal-client';

export interface TableSpec {
  name: string;
  /** Name of the string partition key. */
  partitionKey: string;
  /** Name of the string sort key, when the table has one. */
  sortKey?: string;
}

export interface DynamoEngineOptions {
  /** LevelDB directory; in memory when absent. */
  dataDir?: string;
  tables: TableSpec[];
  port?: number;
  /** Told of every request's operation as it is counted (the child-process host forwards these). */
  onCount?: (operation: string) => void;
}

export type RawItem = Record<string, AttributeValue>;

export interface DynamoEngine extends RequestCounter, FaultInjection {
  endpoint: string;
  /** Deletes items whose TTL attribute (epoch seconds) is before `nowEpochSeconds`, like the TTL backstop. Returns how many. */
  sweepExpired(tableName: string, attribute?: string, nowEpochSeconds?: number): Promise<number>;
  /** Every item of a table as stored (DynamoDB attribute-value form). Not counted as product requests. */
  scanAll(tableName: string): Promise<RawItem[]>;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** Bounds paging loops; far above anything a sandbox stores. */
const MAX_PAGES = 100_000;

function sendFault(res: ServerResponse, errorType: string): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${errorType}`, message: 'Injected fault from the local engine.' });
  res.writeHead(statusForErrorType(errorType), {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amz-crc32': String(crc32(body)),
  });
  res.end(body);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDynamo(options: DynamoEngineOptions): Promise<DynamoEngine> {
  const counter = new OperationCounter();
  const faults = new FaultPlan('dynamodb');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.dataDir === undefined ? {} : { path: options.dataDir }) });

  // Keep idle keep-alive sockets open longer than any pause between a client's requests: a server that
  // closes a socket just as a pooled client reuses it makes the client see ECONNRESET under load.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;

  // Put the counter and the fault plan in front of dynalite's own request handler.
  const [serve] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (!serve) throw new Error('dynalite did not register a request handler; check the dynalite version.');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers['x-sandbox-internal'] !== '1') {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = `dynamodb:${target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : 'Unknown'}`;
      counter.add(operation);
      options.onCount?.(operation);
      const injected = faults.take(operation);
      if (injected !== undefined) {
        req.resume();
        sendFault(res, injected);
        return;
      }
    }
    serve(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sdk = await import('@aws-sdk/client-dynamodb');
  const client: DynamoDBClient = new sdk.DynamoDBClient(internalClientConfig(endpoint));
  client.middlewareStack.use(internalMarker);
  const keyNames = new Map<string, string[]>();

  const keysOf = async (tableName: string): Promise<string[]> => {
    const known = keyNames.get(tableName);
    if (known) return known;
    const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: tableName }));
    const names = (Table?.KeySchema ?? []).map((k) => k.AttributeName).filter((n): n is string => typeof n === 'string');
    keyNames.set(tableName, names);
    return names;
  };

  const ensureTable = async (spec: TableSpec): Promise<void> => {
    try {
      await client.send(new sdk.DescribeTableCommand({ TableName: spec.name }));
    } catch (err) {
      if (!(err instanceof sdk.ResourceNotFoundException)) throw err;
      await client.send(
        new sdk.CreateTableCommand({
          TableName: spec.name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: spec.partitionKey, AttributeType: 'S' },
            ...(spec.sortKey ? [{ AttributeName: spec.sortKey, AttributeType: 'S' as const }] : []),
          ],
          KeySchema: [
            { AttributeName: spec.partitionKey, KeyType: 'HASH' },
            ...(spec.sortKey ? [{ AttributeName: spec.sortKey, KeyType: 'RANGE' as const }] : []),
          ],
        }),
      );
    }
    for (let attempt = 0; attempt < 500; attempt += 1) {
      const { Table } = await client.send(new sdk.DescribeTableCommand({ TableName: spec.name }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await sleep(10);
    }
    throw new Error('A sandbox table did not become ACTIVE in time.');
  };

  try {
    for (const spec of options.tables) await ensureTable(spec);
  } catch (err) {
    client.destroy();
    await closeServer(server);
    throw err;
  }

  const scanAll = async (tableName: string): Promise<RawItem[]> => {
    const items: RawItem[] = [];
    let start: RawItem | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await client.send(new sdk.ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(result.Items ?? []));
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return items;
  };

  const sweepExpired = async (tableName: string, attribute = 'expiresAt', nowEpochSeconds = Math.floor(Date.now() / 1000)): Promise<number> => {
    const keys = await keysOf(tableName);
    const now = { ':now': { N: String(nowEpochSeconds) } };
    let deleted = 0;
    let start: RawItem | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await client.send(
        new sdk.ScanCommand({
          TableName: tableName,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': attribute },
          ExpressionAttributeValues: now,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of result.Items ?? []) {
        const key = Object.fromEntries(keys.map((k) => [k, item[k]!]));
        try {
          // Conditional, like the TTL process: an item whose expiry moved on meanwhile is kept.
          await client.send(
            new sdk.DeleteItemCommand({
              TableName: tableName,
              Key: key,
              ConditionExpression: '#ttl < :now',
              ExpressionAttributeNames: { '#ttl': attribute },
              ExpressionAttributeValues: now,
            }),
          );
          deleted += 1;
        } catch (err) {
          if (!(err instanceof sdk.ConditionalCheckFailedException)) throw err;
        }
      }
      start = result.LastEvaluatedKey;
      if (!start) break;
    }
    return deleted;
  };

  return {
    endpoint,
    counts: () => counter.counts(),
    resetCounts: () => counter.resetCounts(),
    injectFault: (operation, count, errorType) => faults.injectFault(operation, count, errorType),
    clearFaults: () => faults.clearFaults(),
    sweepExpired,
    scanAll,
    close: async () => {
      client.destroy();
      await closeServer(server);
    },
  };
}
