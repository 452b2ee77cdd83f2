/**
 * The sandbox's own HTTP API on loopback: health, scripted calls (what `secure-ivr call` uses when a
 * sandbox is already running) and the agent's view of a session. Request bodies are bounded and
 * checked; every refusal is a JSON error with a reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from './sandbox';
import { runScriptedCall } from './scripted-call';
import { KEY_PATTERN } from './sma/caller';
import { getSession } from '../lambdas/shared/session/session-store';
import { documentClient } from '../lambdas/shared/clients';

const MAX_BODY = 16 * 1024;

export interface CallRequestBody {
  keys: string;
  formId?: string;
  fields?: Record<string, string>;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Checks a call request; returns the problems (never echoing values). */
export function checkCallRequest(body: unknown): { ok: true; value: Required<CallRequestBody> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null) return { ok: false, problems: ['the body must be a JSON object'] };
  const b = body as Record<string, unknown>;
  if (typeof b.keys !== 'string' || !KEY_PATTERN.test(b.keys) || b.keys.length > 200) problems.push('keys must be up to 200 of 0-9 # * w h');
  if (b.formId !== undefined && typeof b.formId !== 'string') problems.push('formId must be text');
  if (b.fields !== undefined && (typeof b.fields !== 'object' || b.fields === null || Object.values(b.fields).some((v) => typeof v !== 'string'))) problems.push('fields must map field ids to text');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { keys: b.keys as string, formId: (b.formId as string | undefined) ?? 'card-payment', fields: (b.fields as Record<string, string> | undefined) ?? {} } };
}

export async function startApiServer(sandbox: Sandbox, port: number, host = '127.0.0.1'): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok', activeCalls: sandbox.emulator.activeCalls().length });
        if (req.method === 'POST' && url.pathname === '/calls') {
          const checked = checkCallRequest(await readJson(req));
          if (!checked.ok) return send(res, 400, { error: 'BadRequest', problems: checked.problems });
          const result = await runScriptedCall(sandbox, checked.value);
          return send(res, 200, {
            sessionId: result.sessionId,
            outcome: result.outcome,
            details: result.details,
            last4: result.last4 ?? null,
            transactionId: result.transactionId ?? null,
            resultLine: result.resultLine ?? null,
            error: result.error ?? null,
          });
        }
        const session = /^\/sessions\/([A-Za-z0-9._:+-]{1,128})$/.exec(url.pathname);
        if (req.method === 'GET' && session) {
          const record = await getSession({ ddb: await documentClient(), tableName: process.env.SESSION_TABLE ?? '', now: () => new Date() }, session[1] as string);
          return record ? send(res, 200, record) : send(res, 404, { error: 'NotFound', problems: ['no such session'] });
        }
        return send(res, 404, { error: 'NotFound', problems: [`${req.method} ${url.pathname} is not served`] });
      } catch (err) {
        const name = err instanceof Error ? err.name : 'UnknownError';
        if (name === 'SyntaxError') return send(res, 400, { error: 'BadRequest', problems: ['the body is not valid JSON'] });
        if (name === 'RangeError') return send(res, 413, { error: 'PayloadTooLarge', problems: ['the body is larger than 16 KB'] });
        return send(res, 500, { error: 'InternalError', problems: [`the sandbox failed (${name})`] });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return { url: `http://${host}:${bound}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
