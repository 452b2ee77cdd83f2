/**
 * The deployed push path (AGENT_PUSH_TARGET=websocket): the sink finds the session's agent and their
 * connections in DynamoDB (the local engine) and posts each message with the Management API client to a
 * loopback endpoint that answers as API Gateway does, 410 GoneException for a stale connection included.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines';
import { documentClient } from '../../lambdas/shared/clients';
import { agentPushSinks, agentTopic, PUSH_ENV } from '../../lambdas/agent-api/push-sink';
import { sessionEvent } from '../../lambdas/shared/session/events';
import type { AgentPush } from '../../lambdas/agent-api/push';

const SESSION_TABLE = 'SessionTable';
const CONNECTIONS_TABLE = 'AgentConnectionsTable';
// API Gateway connection ids are base64 text: '=', '+' and '/' must survive the request path.
const LIVE = 'Lx1+ab/Q9cIhw=';
const SECOND = 'Mk2aQZcOFvHcC=';
const STALE = 'Stale0cOFvHcCIhw=';
const BROKEN = 'Broken0FvHcCIhw=';

interface Posted {
  method: string;
  path: string;
  connectionId: string;
  authorization: string;
  message: AgentPush;
}

/** Answers PostToConnection like the Management API: 200, 410 GoneException, or a 500 for BROKEN. */
async function startManagementApi(): Promise<{ server: Server; endpoint: string; posted: Posted[] }> {
  const posted: Posted[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const path = req.url ?? '';
      const connectionId = decodeURIComponent(path.replace(/^\/@connections\//, ''));
      if (connectionId === STALE || connectionId === BROKEN) {
        const gone = connectionId === STALE;
        res.writeHead(gone ? 410 : 500, { 'content-type': 'application/json', 'x-amzn-errortype': gone ? 'GoneException' : 'InternalServerErrorException' });
        res.end(JSON.stringify({ message: gone ? 'Gone' : 'Internal error' }));
        return;
      }
      posted.push({
        method: req.method ?? '',
        path,
        connectionId,
        authorization: String(req.headers.authorization ?? ''),
        message: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentPush,
      });
      res.writeHead(200, { 'content-length': 0 });
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posted };
}

let dynamo: DynamoEngine;
let api: Awaited<ReturnType<typeof startManagementApi>>;
const env = (): NodeJS.ProcessEnv => ({
  [PUSH_ENV.target]: 'websocket',
  [PUSH_ENV.connectionsTable]: CONNECTIONS_TABLE,
  [PUSH_ENV.sessionTable]: SESSION_TABLE,
  [PUSH_ENV.managementEndpoint]: api.endpoint,
});
const at = new Date('2026-11-30T01:00:00Z');
const actor = { kind: 'caller' as const, id: 'caller' };

async function seed(sessionId: string, agentId: string, connections: string[]): Promise<void> {
  const ddb = await documentClient();
  await ddb.send(new PutCommand({ TableName: SESSION_TABLE, Item: { sessionId, agentId } }));
  // DynamoDB has no empty set: an agent whose last connection left keeps an item without the attribute.
  const item = { sessionId: agentTopic(agentId), ...(connections.length > 0 ? { connections: new Set(connections) } : {}) };
  await ddb.send(new PutCommand({ TableName: CONNECTIONS_TABLE, Item: item }));
}

async function connectionsOf(agentId: string): Promise<string[]> {
  const ddb = await documentClient();
  const { Item } = await ddb.send(new GetCommand({ TableName: CONNECTIONS_TABLE, Key: { sessionId: agentTopic(agentId) }, ConsistentRead: true }));
  return Item?.connections instanceof Set ? [...(Item.connections as Set<string>)].sort() : [];
}

beforeAll(async () => {
  dynamo = await startDynamo({
    tables: [
      { name: SESSION_TABLE, partitionKey: 'sessionId' },
      { name: CONNECTIONS_TABLE, partitionKey: 'sessionId' },
    ],
  });
  api = await startManagementApi();
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
});

afterAll(async () => {
  await new Promise<void>((resolve) => api.server.close(() => resolve()));
  await dynamo.close();
});

beforeEach(() => {
  api.posted.length = 0;
});

describe('the websocket push sink (the AWS path)', () => {
  it('is the only sink AGENT_PUSH_TARGET chooses, and none without its settings', () => {
    expect(agentPushSinks(env())).toHaveLength(1);
    expect(agentPushSinks({ ...env(), [PUSH_ENV.managementEndpoint]: '' })).toEqual([]);
    // The sandbox's former in-process target is gone: only the deployed path exists.
    expect(agentPushSinks({ ...env(), [PUSH_ENV.target]: 'local' })).toEqual([]);
    expect(agentPushSinks({})).toEqual([]);
  });

  it("posts every message, signed, to each of the session's agent's connections", async () => {
    // Prepare
    await seed('s-live', 'alice', [LIVE, SECOND]);
    const [sink] = agentPushSinks(env());
    // Act
    await sink?.emitBatch?.([
      sessionEvent('field.prompted', { sessionId: 's-live', component: 'sma-handler', actor }, true, at, { field: 'pan', attempt: 1 }),
      sessionEvent('field.captured', { sessionId: 's-live', component: 'sma-handler', actor }, true, at, {
        field: 'pan',
        attempts: 1,
        digitsEntered: 16,
        brand: 'visa',
        last4: '1111',
      }),
    ]);
    // Assess
    expect(new Set(api.posted.map((p) => p.connectionId))).toEqual(new Set([LIVE, SECOND]));
    expect(api.posted.every((p) => p.method === 'POST' && p.path.startsWith('/@connections/'))).toBe(true);
    expect(api.posted.every((p) => p.authorization.startsWith('AWS4-HMAC-SHA256 Credential=test/') && p.authorization.includes('/execute-api/'))).toBe(true);
    const toLive = api.posted.filter((p) => p.connectionId === LIVE).map((p) => p.message);
    expect(toLive).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'field.progress', sessionId: 's-live', field: 'pan', state: 'prompted' }),
        expect.objectContaining({ type: 'card.captured', sessionId: 's-live', brand: 'visa', last4: '1111' }),
      ]),
    );
    expect(JSON.stringify(api.posted.map((p) => p.message))).not.toMatch(/\d{12,}/);
  });

  it('removes a connection API Gateway answers 410 Gone for, and still reaches the live one', async () => {
    // Prepare
    await seed('s-stale', 'bob', [LIVE, STALE]);
    const [sink] = agentPushSinks(env());
    // Act
    await sink?.emit(sessionEvent('field.prompted', { sessionId: 's-stale', component: 'sma-handler', actor }, true, at, { field: 'exp', attempt: 1 }));
    // Assess
    expect(api.posted.map((p) => p.connectionId)).toEqual([LIVE]);
    expect(await connectionsOf('bob')).toEqual([LIVE]);
  });

  it('lets any other Management API failure reach the caller and keeps the connection', async () => {
    // Prepare
    await seed('s-broken', 'carol', [BROKEN]);
    const [sink] = agentPushSinks(env());
    // Act
    const pushing = sink?.emit(
      sessionEvent('field.prompted', { sessionId: 's-broken', component: 'sma-handler', actor }, true, at, { field: 'cvv', attempt: 1 }),
    );
    // Assess
    await expect(pushing).rejects.toMatchObject({ name: 'InternalServerErrorException' });
    expect(await connectionsOf('carol')).toEqual([BROKEN]);
  });

  it('sends nothing for a session nobody owns yet, or an agent with no open connection', async () => {
    // Prepare
    await seed('s-nobody-listening', 'dave', []);
    const [sink] = agentPushSinks(env());
    // Act
    await sink?.emit(sessionEvent('field.prompted', { sessionId: 's-unknown', component: 'sma-handler', actor }, true, at, { field: 'pan', attempt: 1 }));
    await sink?.emit(
      sessionEvent('field.prompted', { sessionId: 's-nobody-listening', component: 'sma-handler', actor }, true, at, { field: 'pan', attempt: 1 }),
    );
    // Assess
    expect(api.posted).toEqual([]);
  });
});
