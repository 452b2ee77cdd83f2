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

let sandbox: Sandbox;
let api: ApiServer;
let token = '';

const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };

async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'connect-console-')), ephemeral: true, telephony: 'connect' });
  api = await startApiServer(sandbox, 0);
  token = ((await request('POST', '/auth/sign-in', { username: 'alice' })).body.token as string) ?? '';
}, 60_000);

afterAll(async () => {
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
    expect(await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`)).toMatchObject({ status: 202 });
  });

  it('refuses the quick connect on a contact that is over', async () => {
    const placed = await request('POST', '/sandbox/caller/calls', { agentId: 'alice' });
    const id = placed.body.interactionId as string;
    await request('POST', `/sandbox/caller/calls/${encodeURIComponent(id)}/hangup`);

    expect(await request('POST', `/sandbox/calls/${encodeURIComponent(id)}/quick-connect`)).toMatchObject({ status: 409, body: { error: 'not-connected' } });
  });
});
