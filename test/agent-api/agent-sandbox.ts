/**
 * A sandbox with its API server for agent API tests: sign in as a configured user, place a keypad
 * call, press keys and wait for a session to reach a state — all over loopback HTTP.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from '../../sandbox/sandbox';
import { startApiServer, type ApiServer } from '../../sandbox/api-server';
import { keyIntoPrompts } from '../helpers/keypad';

export interface AgentSandbox {
  sandbox: Sandbox;
  api: ApiServer;
  signIn(username: string): Promise<string>;
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  placeCall(agentId: string): Promise<string>;
  press(interactionId: string, keys: string): Promise<void>;
  waitForSession(token: string, sessionId: string, test: (view: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };
export const VISA = '4111111111111111';
export const DECLINE = '4000000000000002';

export async function startAgentSandbox(): Promise<AgentSandbox> {
  const sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'agent-api-')), ephemeral: true });
  const api = await startApiServer(sandbox, 0);
  const call: AgentSandbox['call'] = async (method, path, body, token) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    sandbox,
    api,
    call,
    signIn: async (username) => {
      const res = await call('POST', '/auth/sign-in', { username });
      if (res.status !== 200) throw new Error(`sign-in failed for ${username}`);
      return res.body.token as string;
    },
    placeCall: async (agentId) => {
      const res = await call('POST', '/sandbox/caller/calls', { agentId });
      const id = res.body.interactionId as string;
      await sandbox.emulator.call(id)?.waitFor((c) => c.agentBridged, 10_000);
      return id;
    },
    press: async (interactionId, keys) => {
      const placed = sandbox.emulator.call(interactionId);
      if (!placed) throw new Error('no such call');
      // A person keys into the prompt they hear: keys outside a prompt are not type-ahead.
      await keyIntoPrompts(placed, keys, async (key) => {
        const res = await call('POST', `/sandbox/caller/calls/${interactionId}/keys`, { keys: key });
        if (res.status !== 202) throw new Error('key not accepted');
      });
    },
    waitForSession: async (token, sessionId, test, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await call('GET', `/api/sessions/${sessionId}`, undefined, token);
        if (res.status === 200 && test(res.body)) return res.body;
        if (Date.now() > deadline) throw new Error(`session did not reach the awaited state (last status ${String(res.body.status)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: async () => {
      await api.close();
      await sandbox.close();
    },
  };
}

/** Every string a push message carries outside ids and timestamps. */
export function pushStrings(message: Record<string, unknown>): string[] {
  return Object.entries(message)
    .filter(([k]) => !['sessionId', 'at', 'transactionId'].includes(k))
    .flatMap(([, v]) => (typeof v === 'string' ? [v] : []));
}
