/**
 * The sandbox API's own routes over loopback HTTP: health, scripted calls and their refusals, and the
 * redaction route that mirrors the redaction Lambda's function URL.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../../sandbox/sandbox';
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
