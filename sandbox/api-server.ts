/**
 * The sandbox's own HTTP API on loopback:
 * - health, scripted calls (what `secure-ivr call` uses when a sandbox is already running) and the raw
 *   session record;
 * - the agent API (`/api/*`, the same routes and handlers as the AWS HTTP API) behind a local sign-in
 *   (`POST /auth/sign-in`), and its WebSocket (`/api/ws?token=`) fed by the session functions' push sink;
 * - the agent console (`/console/`) and the caller keypad page (`/keypad/`) with their sandbox-only
 *   controls (`/sandbox/*`: place a call as the caller, press keys, conference a party in).
 * Request bodies are bounded and checked; every refusal is a JSON error with a reason.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import type { Sandbox } from './sandbox';
import { runAnyScriptedCall, summarizeCall } from './scripted-call';
import { KEY_PATTERN } from './sma/caller';
import { getSession } from '../lambdas/shared/session/session-store';
import { documentClient } from '../lambdas/shared/clients';
import { exampleFields } from '../lambdas/shared/session/forms';
import type { AgentService } from '../lambdas/agent-api/agent-service';
import { isAgentRoute, routeAgentRequest } from '../lambdas/agent-api/routes';
import { liveAgentService, loadSecureInputConfig } from '../lambdas/agent-api/runtime';
import { PUSH_ENV, registerLocalPushHub } from '../lambdas/agent-api/push-sink';
import { LocalAuth } from './agent/local-auth';
import { SandboxInteractions } from './agent/interactions';
import { ConnectInteractions } from './connect/interactions';
import type { InteractionDirectory } from '../lambdas/agent-api/interactions';
import { LocalPushHub } from './agent/push-hub';
import { loadWebAssets, type WebAsset } from './agent/web-assets';
import { financeOnlyRefusal, handleFinanceRequest, roleAllows, roleOf } from '../lambdas/audit/finance-api';

const MAX_BODY = 16 * 1024;
/** The redaction route takes whole emails; the service itself refuses anything over its own limit. */
const MAX_REDACT_BODY = 32 * 1024 * 1024;

/** Reads a raw request body up to `limit` bytes (RangeError beyond). */
async function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface CallRequestBody {
  keys: string;
  formId?: string;
  fields?: Record<string, string>;
}

export interface ApiServer {
  url: string;
  consoleUrl: string;
  keypadUrl: string;
  /** The agent side, for tests: interactions and the push hub. */
  interactions: SandboxInteractions;
  pushHub: LocalPushHub;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendAsset(res: ServerResponse, asset: WebAsset): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': asset.type,
    'content-length': asset.body.length,
    // Embeddable in a desktop on loopback; scripts and connections only from the sandbox itself.
    'content-security-policy':
      "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; img-src 'self' data:; style-src 'self'; frame-ancestors 'self' http://127.0.0.1:* http://localhost:*",
  });
  res.end(asset.body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Checks a call request; returns the problems (never echoing values). */
export function checkCallRequest(body: unknown): { ok: true; value: Required<CallRequestBody> } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (typeof body !== 'object' || body === null) return { ok: false, problems: ['the body must be a JSON object'] };
  const b = body as Record<string, unknown>;
  if (typeof b.keys !== 'string' || !KEY_PATTERN.test(b.keys) || b.keys.length > 200) problems.push('keys must be up to 200 of 0-9 # * w h');
  if (b.formId !== undefined && typeof b.formId !== 'string') problems.push('formId must be text');
  if (b.fields !== undefined && (typeof b.fields !== 'object' || b.fields === null || Object.values(b.fields).some((v) => typeof v !== 'string')))
    problems.push('fields must map field ids to text');
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      keys: b.keys as string,
      formId: (b.formId as string | undefined) ?? 'card-payment',
      fields: (b.fields as Record<string, string> | undefined) ?? {},
    },
  };
}

const bearer = (req: IncomingMessage): string | undefined => {
  const h = req.headers.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
};

export interface ApiServerOptions {
  /**
   * Desktop origins (besides the sandbox's own) whose frames may hand the console a token and a call —
   * the sandbox's counterpart of the stack's `consoleEmbeddingOrigins`, served to the console in /config.json.
   */
  embeddingOrigins?: string[];
}

export async function startApiServer(sandbox: Sandbox, port: number, host = '127.0.0.1', options: ApiServerOptions = {}): Promise<ApiServer> {
  // Session functions run in this process: their push sink publishes to this server's hub.
  process.env[PUSH_ENV.target] = 'local';
  const config = await loadSecureInputConfig(process.env);
  const sessionStore = async () => ({ ddb: await documentClient(), tableName: process.env.SESSION_TABLE ?? '', now: () => new Date() });
  const pushHub = new LocalPushHub(
    async (sessionId) => (await getSession(await sessionStore(), sessionId))?.agentId,
    async (callTransactionId) => (await directory.describe(callTransactionId))?.agentId,
  );
  registerLocalPushHub(pushHub);
  const interactions = new SandboxInteractions(sandbox.emulator, { timingScale: sandbox.interactiveTimingScale });
  // With Connect telephony the keypad page places Connect contacts (ids `connect:<contact id>`).
  const connectCalls = sandbox.connect ? new ConnectInteractions(sandbox.connect, { timingScale: sandbox.interactiveTimingScale }) : undefined;
  const isConnectId = (id: string): boolean => connectCalls !== undefined && id.startsWith('connect:');
  const directory: InteractionDirectory = connectCalls
    ? {
        describe: (id) => (isConnectId(id) ? connectCalls.describe(id) : interactions.describe(id)),
        listFor: async (agentId) => [...(await connectCalls.listFor(agentId)), ...(await interactions.listFor(agentId))],
      }
    : interactions;
  const service: AgentService = liveAgentService(process.env, config, {
    interactions: directory,
    onSessionStarted: (agentId, sessionId) => pushHub.sessionStarted(agentId, sessionId),
  });
  const auth = new LocalAuth(config);
  const assets = await loadWebAssets();

  const sandboxRoutes = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'POST' && path === '/auth/sign-in') {
      const body = (await readJson(req)) as { username?: unknown } | undefined;
      const signed = auth.signIn(body?.username);
      if (!signed) send(res, 401, { error: 'unauthenticated', reason: 'No such user in the secure input configuration', problems: [] });
      else send(res, 200, { ...signed, me: service.me({ userId: signed.userId }) });
      return true;
    }
    if (method === 'GET' && path === '/auth/users') {
      send(res, 200, { users: auth.users() });
      return true;
    }
    if (method === 'POST' && path === '/sandbox/caller/calls') {
      const body = (await readJson(req)) as { agentId?: unknown } | undefined;
      const agentId = typeof body?.agentId === 'string' && auth.users().some((u) => u.id === body.agentId) ? body.agentId : undefined;
      const interactionId = connectCalls ? connectCalls.placeCall(agentId).interactionId : (await interactions.placeCall(agentId)).transactionId;
      send(res, 201, { interactionId, agentId: agentId ?? null, telephony: connectCalls ? 'connect' : 'chime' });
      return true;
    }
    const caller = /^\/sandbox\/caller\/calls\/((?:connect(?::|%3A))?[A-Za-z0-9-]{1,64})(\/keys|\/hangup)?$/.exec(path);
    if (caller) {
      const id = decodeURIComponent(caller[1] as string);
      const calls = isConnectId(id) && connectCalls ? connectCalls : interactions;
      if (method === 'GET' && !caller[2]) {
        const view = calls.callerView(id);
        if (view) send(res, 200, view);
        else send(res, 404, { error: 'not-found', reason: 'no such keypad call', problems: [] });
        return true;
      }
      if (method === 'POST' && caller[2] === '/keys') {
        const body = (await readJson(req)) as { keys?: unknown } | undefined;
        const keys = body?.keys;
        if (typeof keys !== 'string' || keys.length === 0 || keys.length > 40 || !/^[0-9#*]+$/.test(keys)) {
          send(res, 400, { error: 'bad-request', reason: 'keys must be 1 to 40 of 0-9 # *', problems: [] });
        } else if (!calls.press(id, keys)) send(res, 409, { error: 'not-connected', reason: 'the call is over', problems: [] });
        else send(res, 202, { pressed: keys.length });
        return true;
      }
      if (method === 'POST' && caller[2] === '/hangup') {
        send(res, calls.press(id, 'h') ? 202 : 409, { hungUp: true });
        return true;
      }
    }
    // The agent's "Secure Input" quick connect on a Connect contact (in AWS: the CCP or Streams addConnection).
    const quick = /^\/sandbox\/calls\/(connect(?::|%3A)[A-Za-z0-9-]{1,64})\/quick-connect$/.exec(path);
    if (quick && method === 'POST') {
      const id = decodeURIComponent(quick[1] as string);
      if (!connectCalls)
        send(res, 404, { error: 'not-found', reason: 'the sandbox does not run Amazon Connect telephony (start it with --telephony connect)', problems: [] });
      else if (!connectCalls.quickConnect(id))
        send(res, 409, { error: 'not-connected', reason: 'the contact is over or already in the secure-input flow', problems: [] });
      else send(res, 202, { transferred: true });
      return true;
    }
    const parties = /^\/sandbox\/calls\/([A-Za-z0-9-]{1,64})\/parties$/.exec(path);
    if (parties && (method === 'POST' || method === 'DELETE')) {
      const count = interactions.changeParties(parties[1] as string, method === 'POST' ? 1 : -1);
      if (count === undefined) send(res, 404, { error: 'not-found', reason: 'no such active call', problems: [] });
      else send(res, 200, { parties: count });
      return true;
    }
    return false;
  };

  const financeDeps = {
    outcomes: async () =>
      (await import('../lambdas/audit/audit-reader')).s3ObjectSource(
        await (await import('../lambdas/shared/clients')).s3Client(),
        (await import('./sandbox')).AUDIT_BUCKET,
      ),
    webDir: join(__dirname, '..', 'web', 'finance'),
    now: () => new Date(),
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      try {
        // The caller's identity and role come from the signed token only (a finance user's token carries
        // viewOutcomes); a finance user reaches the outcomes API and the finance page and nothing else.
        const identity = await auth.verify(bearer(req));
        const writeFinance = (finance: { status: number; headers: Record<string, string>; body: string | Buffer }): void => {
          res.writeHead(finance.status, { ...SECURITY_HEADERS, ...finance.headers, 'content-length': Buffer.byteLength(finance.body) });
          res.end(finance.body);
        };
        if (!roleAllows(roleOf(identity), req.method ?? 'GET', url.pathname)) return writeFinance(financeOnlyRefusal());
        // Bundled scripts first: the finance page's script is built from web/src like the console's.
        const bundled = req.method === 'GET' ? assets.get(url.pathname) : undefined;
        if (bundled) return sendAsset(res, bundled);
        const finance = await handleFinanceRequest({ method: req.method ?? 'GET', url, identity }, financeDeps);
        if (finance) return writeFinance(finance);
        if (req.method === 'GET' && url.pathname === '/config.json')
          return send(res, 200, { signIn: { mode: 'local' }, embeddingOrigins: options.embeddingOrigins ?? [] });
        if (req.method === 'GET' && url.pathname === '/health')
          return send(res, 200, {
            status: 'ok',
            telephony: sandbox.connect ? 'connect' : 'chime',
            activeCalls: sandbox.emulator.activeCalls().length + (sandbox.connect?.emulator.activeContacts().length ?? 0),
          });
        if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/console' || url.pathname === '/keypad')) {
          res.writeHead(302, { location: url.pathname === '/keypad' ? '/keypad/' : '/console/' });
          return res.end();
        }
        const asset = req.method === 'GET' ? assets.get(url.pathname) : undefined;
        if (asset) return sendAsset(res, asset);
        if (url.pathname === '/redact') {
          // The same handler the redaction Lambda's function URL runs (lambdas/redact/http.ts).
          const { redactHttp } = await import('../lambdas/redact/http');
          const body = req.method === 'POST' ? await readRaw(req, MAX_REDACT_BODY) : undefined;
          const out = await redactHttp({ method: req.method ?? 'GET', headers: req.headers as Record<string, string | undefined>, body });
          res.writeHead(out.status, { ...SECURITY_HEADERS, ...out.headers });
          return res.end(out.body);
        }
        if (req.method === 'POST' && url.pathname === '/calls') {
          const checked = checkCallRequest(await readJson(req));
          if (!checked.ok) return send(res, 400, { error: 'BadRequest', problems: checked.problems });
          // Like `secure-ivr call`: no fields means the form's example values.
          const ask =
            Object.keys(checked.value.fields).length > 0
              ? checked.value
              : { ...checked.value, fields: exampleFields(await loadSecureInputConfig(process.env), checked.value.formId) };
          return send(res, 200, summarizeCall(await runAnyScriptedCall(sandbox, ask)));
        }
        const session = /^\/sessions\/([A-Za-z0-9._:+-]{1,128})$/.exec(url.pathname);
        if (req.method === 'GET' && session) {
          const record = await getSession(await sessionStore(), session[1] as string);
          return record ? send(res, 200, record) : send(res, 404, { error: 'NotFound', problems: ['no such session'] });
        }
        if (await sandboxRoutes(req, res, url)) return;
        if (isAgentRoute(url.pathname)) {
          const body = req.method === 'POST' ? await readJson(req) : undefined;
          const result = await routeAgentRequest(service, { method: req.method ?? 'GET', path: url.pathname, agent: identity, body });
          return send(res, result.status, result.body);
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

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  server.on('upgrade', (req, socket, head) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const agent = url.pathname === '/api/ws' ? await auth.verify(url.searchParams.get('token') ?? undefined) : undefined;
      if (!agent) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      // Pushes are session progress for agents; a finance user reads outcomes only.
      if (roleOf(agent) === 'finance') {
        socket.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        pushHub.add(agent.userId, ws);
        ws.on('message', () => ws.send(JSON.stringify({ type: 'pong' })));
        ws.send(JSON.stringify({ type: 'hello', userId: agent.userId }));
      });
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  const url = `http://${host}:${bound}`;
  return {
    url,
    consoleUrl: `${url}/console/`,
    keypadUrl: `${url}/keypad/`,
    interactions,
    pushHub,
    close: async () => {
      pushHub.closeAll();
      registerLocalPushHub(undefined);
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
