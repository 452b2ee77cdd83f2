/**
 * The agent console and the keypad page on the sandbox's Amazon Connect telephony, through the sandbox
 * API as the browser pages use it: the caller's contact reaches the signed-in agent, the agent's Send to
 * IVR leaves the request, the Secure Input quick connect (a sandbox control) transfers the caller into
 * the secure flow, the keypad presses keys, and the agent's session ends accepted with the caller back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../../sandbox/api-server';
import type { ConnectContact } from '../../../sandbox/connect/emulator';
import WebSocket from 'ws';
import type { AgentPush } from '../../../lambdas/agent-api/push';
import { collectArtifacts, findSentinels, findStoredCiphertext } from '../../helpers/leak-scan';
import { isTombstone } from '../../../lambdas/shared/vault';

let sandbox: Sandbox;
let api: ApiServer;
let token = '';
let socket: WebSocket | undefined;
const pushes: AgentPush[] = [];
const answers: unknown[] = [];

const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const out = { status: res.status, body: (await res.json()) as Record<string, unknown> };
  answers.push(out.body);
  return out;
}

/** The agent's push channel (the console's WebSocket), signed in as `token`. */
async function openPushes(): Promise<WebSocket> {
  const ws = new WebSocket(`${api.url.replace('http', 'ws')}/api/ws?token=${encodeURIComponent(token)}`);
  ws.on('message', (data) => pushes.push(JSON.parse(String(data)) as AgentPush));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

async function waitForPush(test: (p: AgentPush) => boolean): Promise<void> {
  for (let round = 0; round < 400; round += 1) {
    if (pushes.some(test)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the awaited push never came');
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'connect-console-')), ephemeral: true, telephony: 'connect' });
  api = await startApiServer(sandbox, 0);
  token = ((await request('POST', '/auth/sign-in', { username: 'alice' })).body.token as string) ?? '';
}, 60_000);

afterAll(async () => {
  socket?.close();
  await api?.close();
  await sandbox?.close();
});

describe('console and keypad on Amazon Connect', () => {
  it('runs a whole session from the console: Send to IVR, the Secure Input quick connect, keys on the keypad, the outcome', async () => {
    const placed = await request('POST', '/sandbox/caller/calls', { agentId: 'alice' });
    expect(placed).toMatchObject({ status: 201, body: { telephony: 'connect' } });
    const id = placed.body.interactionId as string;
    expect(id).toMatch(/^connect:/);
    const listed = await request('GET', '/api/interactions');
    expect(listed.body.interactions).toEqual(expect.arrayContaining([expect.objectContaining({ interactionId: id, connected: true, parties: 2 })]));

    const started = await request('POST', '/api/sessions', { interactionId: id, formId: 'card-payment', fields: FIELDS });
    expect(started.status).toBe(202);
    const sessionId = started.body.sessionId as string;
    expect(await request('POST', `/sandbox/calls/${encodeURIComponent(id)}/quick-connect`)).toMatchObject({ status: 202 });

    const contact = sandbox.connect!.emulator.contact(id.slice('connect:'.length)) as ConnectContact;
    for (const [field, keys] of [
      ['pan', '4111111111111111#'],
      ['exp', '1230#'],
      ['cvv', '737#'],
    ] as const) {
      await contact.waitFor((c) => c.awaitingInput?.endsWith(`-${field}`) === true, 20_000);
      expect((await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/keys`, { keys })).status).toBe(202);
    }
    await contact.waitFor((c) => c.flowRuns.at(-1)?.state === 'returned', 30_000);

    const session = await request('GET', `/api/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ status: 'accepted' });
    const view = await request('GET', `/sandbox/caller/calls/${encodeURIComponent(id)}`);
    expect(view.body).toMatchObject({ status: 'active', agentOnLine: true, keysPressed: 16 + 4 + 3 + 3 });
    expect((view.body.prompts as string[]).at(-1)).toMatch(/accepted/);
    expect(contact.violations).toEqual([]);
    // The call's history, as the console asks for it (the id encoded as a path segment).
    expect(await request('GET', `/api/interactions/${encodeURIComponent(id)}`)).toMatchObject({
      status: 200,
      body: { interactionId: id, secureInputUses: 1, outcomes: { accepted: 1 } },
    });
    expect(await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`)).toMatchObject({ status: 202 });
  });

  it('asks the caller for the expiry again when the agent asks to re-enter it, tells the agent on the push channel, ends accepted, and leaves no card data anywhere', async () => {
    // Prepare: a Connect call with alice, the session under way, number and expiry keyed, the code being asked for
    socket ??= await openPushes();
    const placed = await request('POST', '/sandbox/caller/calls', { agentId: 'alice' });
    const id = placed.body.interactionId as string;
    const sessionId = (await request('POST', '/api/sessions', { interactionId: id, formId: 'card-payment', fields: FIELDS })).body.sessionId as string;
    await request('POST', `/sandbox/calls/${encodeURIComponent(id)}/quick-connect`);
    const contact = sandbox.connect!.emulator.contact(id.slice('connect:'.length)) as ConnectContact;
    const key = async (field: string, keys: string, occurrence = 1): Promise<void> => {
      await contact.waitFor(
        (c) =>
          c.awaitingInput?.endsWith(`-${field}`) === true && c.prompts.filter((p) => p.storesInput && p.actionId.endsWith(`-${field}`)).length === occurrence,
        20_000,
      );
      expect((await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/keys`, { keys })).status).toBe(202);
    };
    await key('pan', '4111111111111111#');
    await key('exp', '1230#');
    await contact.waitFor((c) => c.awaitingInput?.endsWith('-cvv') === true, 20_000);
    // Act: the agent asks for the expiry again while the caller is keying the code
    const reenter = await request('POST', `/api/sessions/${sessionId}/reenter`, { field: 'exp' });
    await key('cvv', '737#');
    await key('exp', '1131#', 2);
    await key('cvv', '737#', 2);
    await contact.waitFor((c) => c.flowRuns.at(-1)?.state === 'returned', 30_000);
    await waitForPush((p) => p.sessionId === sessionId && p.type === 'session.outcome');
    // Assess
    expect(reenter.status).toBe(202);
    expect(pushes.some((p) => p.sessionId === sessionId && p.type === 'field.progress' && p.field === 'exp' && p.state === 'restarted')).toBe(true);
    const cardPrompts = contact.prompts.filter((p) => p.storesInput);
    expect(cardPrompts.map((p) => p.actionId.replace(/^form\d+-/, ''))).toEqual(['pan', 'exp', 'cvv', 'exp', 'cvv']);
    expect(cardPrompts[3]?.text).toMatch(/^Starting again\. .*expiry date/);
    expect((await request('GET', `/api/sessions/${sessionId}`)).body).toMatchObject({ status: 'accepted', last4: '1111' });
    expect(contact.violations).toEqual([]);
    await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`);
    // Nothing keyed is kept: no card item in the vault, no sentinel anywhere (the two expiries and the code included)
    expect((await sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item))).toEqual([]);
    const artifacts = await collectArtifacts(sandbox, [], [...answers, ...pushes]);
    expect(findSentinels(artifacts, { long: ['4111111111111111'], short: ['1230', '1131', '737'] })).toEqual([]);
    expect(findStoredCiphertext(sandbox.connect!.emulator.contacts())).toEqual([]);
  });

  it('refuses at the agent API a request from another agent for the Connect call', async () => {
    // Prepare: alice's contact; carol may start secure input (the support workgroup), but not on alice's call
    const placed = await request('POST', '/sandbox/caller/calls', { agentId: 'alice' });
    const id = placed.body.interactionId as string;
    const carol = ((await request('POST', '/auth/sign-in', { username: 'carol' })).body.token as string) ?? '';
    // Act
    const res = await fetch(`${api.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${carol}` },
      body: JSON.stringify({ interactionId: id, formId: 'card-verify', fields: { 'customer name': 'Joe Smith' } }),
    });
    // Assess
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'not-your-interaction' });
    await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`);
  });

  it('refuses the quick connect on a contact that is over', async () => {
    const placed = await request('POST', '/sandbox/caller/calls', { agentId: 'alice' });
    const id = placed.body.interactionId as string;
    await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`);

    expect(await request('POST', `/sandbox/calls/${encodeURIComponent(id)}/quick-connect`)).toMatchObject({ status: 409, body: { error: 'not-connected' } });
  });
});
