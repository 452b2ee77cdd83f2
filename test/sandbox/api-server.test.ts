/**
 * The sandbox API's own routes over loopback HTTP: health, scripted calls and their refusals, the
 * redaction route that mirrors the redaction Lambda's function URL, and the agent WebSocket run as
 * API Gateway runs it (the deployed route handler, PostToConnection answered for the push sink).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import { AGENT_CONNECTIONS_TABLE, Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';

let sandbox: Sandbox;
let api: ApiServer;

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'api-server-')), ephemeral: true });
  api = await startApiServer(sandbox, 0);
}, 60_000);

afterAll(async () => {
  await api?.close();
  await sandbox?.close();
});

describe('sandbox API', () => {
  it('reports its health', async () => {
    const res = await fetch(`${api.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('runs a scripted call and answers with the outcome only', async () => {
    const res = await fetch(`${api.url}/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: '4111111111111111#1230#737#' }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ outcome: 'accepted', last4: '1111' });
    expect(JSON.stringify(body)).not.toContain('4111111111111111');
  });

  it.each([
    ['keys outside the keypad', { keys: '41x1' }, 400, 'keys must be up to 200 of 0-9 # * w h'],
    ['fields that are not text', { keys: '1#', fields: { amount: 5 } }, 400, 'fields must map field ids to text'],
  ])('refuses a call request with %s, naming the problem', async (_label, body, status, problem) => {
    const res = await fetch(`${api.url}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { problems: string[] }).problems).toContain(problem);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await fetch(`${api.url}/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ problems: ['the body is not valid JSON'] });
  });

  it('redacts a chat message on /redact, keeping separators and order numbers', async () => {
    const res = await fetch(`${api.url}/redact`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'card 4111-1111-1111-1111, order 1234567890123',
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('####-####-####-####');
    expect(text).toContain('1234567890123');
    expect(text).not.toContain('4111-1111-1111-1111');
  });

  it('answers anything but POST on /redact with 405', async () => {
    const res = await fetch(`${api.url}/redact`);
    expect(res.status).toBe(405);
  });
});

describe('the agent WebSocket, run as API Gateway runs it', () => {
  const management = (): ApiGatewayManagementApiClient => new ApiGatewayManagementApiClient({ endpoint: api.url, maxAttempts: 1 });

  it("records the agent's connection with the deployed $connect route and delivers PostToConnection to the socket", async () => {
    // Prepare
    const users = (await (await fetch(`${api.url}/auth/users`)).json()) as { users: Array<{ id: string }> };
    const userId = users.users[0]?.id as string;
    const signIn = await fetch(`${api.url}/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: userId }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const socket = new WebSocket(`${api.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(token)}`);
    const delivered = new Promise<string>((resolve) =>
      socket.on('message', (data) => {
        if (String(data).includes('"session.stage"')) resolve(String(data));
      }),
    );
    await new Promise((resolve) => socket.once('open', resolve));
    const items = await sandbox.dynamo.scanAll(AGENT_CONNECTIONS_TABLE);
    const mine = items.find((i) => i.sessionId?.S === `agent#${userId}`);
    const connectionId = mine?.connections?.SS?.[0] as string;
    const push = { type: 'session.stage', sessionId: 's-ws', stage: 'capturing', at: '2026-11-30T01:00:00.000Z' };
    // Act
    await management().send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(push)) }));
    // Assess
    expect(mine?.connections?.SS).toHaveLength(1);
    expect(JSON.parse(await delivered)).toEqual(push);
    socket.close();
  });

  it('answers 410 GoneException for a connection that is not open, as the push sink expects', async () => {
    await expect(management().send(new PostToConnectionCommand({ ConnectionId: 'Gone0cOFvHcCIhw=', Data: Buffer.from('{}') }))).rejects.toMatchObject({
      name: 'GoneException',
    });
  });

  it('refuses a PostToConnection that is not signed with the sandbox credentials', async () => {
    const res = await fetch(`${api.url}/@connections/${encodeURIComponent('Gone0cOFvHcCIhw=')}`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
  });
});
