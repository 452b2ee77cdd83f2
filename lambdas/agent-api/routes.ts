/**
 * The agent API's routes, shared by the AWS HTTP API handler and the sandbox server (both thin
 * adapters): a method, a path, the signed-in agent and a parsed body in; a status and JSON body out.
 *
 *   GET  /api/me                          who am I, which rights
 *   GET  /api/forms                       forms assigned to my workgroups
 *   GET  /api/interactions                my calls (sandbox; empty where the directory cannot tell)
 *   GET  /api/interactions/:id            secure input history of a call (supervisors: any call)
 *   POST /api/sessions                    start {interactionId, formId, fields, parties?}
 *   GET  /api/sessions/:id                masked progress and outcome
 *   POST /api/sessions/:id/cancel         cancel before the card is submitted
 *   POST /api/sessions/:id/retry          same form and fields again after a decline or abort
 *   POST /api/sessions/:id/reenter        {field: pan|exp|cvv} ask the caller to key it again
 *   POST /api/sessions/:id/end            close a finished session
 */
import { AgentRequestRefusedError, type RefusalBody } from './errors';
import type { AgentIdentity, AgentService } from './agent-service';

export interface AgentRequest {
  method: string;
  path: string;
  /** Undefined when the request carried no valid token. */
  agent: AgentIdentity | undefined;
  body: unknown;
}

export interface AgentResponse {
  status: number;
  body: unknown;
}

const ID = '([A-Za-z0-9._:+-]{1,128})';
type Handler = (service: AgentService, agent: AgentIdentity, match: string[], body: unknown) => Promise<unknown> | unknown;

const ROUTES: Array<{ method: string; pattern: RegExp; status?: number; handler: Handler }> = [
  { method: 'GET', pattern: /^\/api\/me$/, handler: (s, a) => s.me(a) },
  { method: 'GET', pattern: /^\/api\/forms$/, handler: (s, a) => ({ forms: s.listForms(a) }) },
  { method: 'GET', pattern: /^\/api\/interactions$/, handler: async (s, a) => ({ interactions: await s.listInteractions(a) }) },
  { method: 'GET', pattern: new RegExp(`^/api/interactions/${ID}$`), handler: (s, a, m) => s.history(a, m[1] as string) },
  { method: 'POST', pattern: /^\/api\/sessions$/, status: 202, handler: (s, a, _m, b) => s.startSession(a, b) },
  { method: 'GET', pattern: new RegExp(`^/api/sessions/${ID}$`), handler: (s, a, m) => s.getSession(a, m[1] as string) },
  { method: 'POST', pattern: new RegExp(`^/api/sessions/${ID}/cancel$`), status: 202, handler: (s, a, m) => s.cancel(a, m[1] as string) },
  { method: 'POST', pattern: new RegExp(`^/api/sessions/${ID}/retry$`), status: 202, handler: (s, a, m, b) => s.retry(a, m[1] as string, b) },
  { method: 'POST', pattern: new RegExp(`^/api/sessions/${ID}/reenter$`), status: 202, handler: (s, a, m, b) => s.reenter(a, m[1] as string, b) },
  { method: 'POST', pattern: new RegExp(`^/api/sessions/${ID}/end$`), handler: (s, a, m) => s.end(a, m[1] as string) },
];

export function isAgentRoute(path: string): boolean {
  return path.startsWith('/api/');
}

const refusal = (status: number, body: RefusalBody): AgentResponse => ({ status, body });

/** Clients encode ids as path segments (`connect:<id>` arrives as `connect%3A<id>`); ids never hold `/`, so decoding cannot make a route. */
function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export async function routeAgentRequest(service: AgentService, raw: AgentRequest): Promise<AgentResponse> {
  const request = { ...raw, path: decodedPath(raw.path) };
  const matching = ROUTES.filter((r) => r.pattern.test(request.path));
  if (matching.length === 0) return refusal(404, { error: 'not-found', reason: `${request.path} is not an agent API route`, problems: [] });
  const route = matching.find((r) => r.method === request.method);
  if (!route) return refusal(405, { error: 'bad-request', reason: `${request.method} is not allowed on ${request.path}`, problems: [] });
  if (!request.agent) return refusal(401, { error: 'unauthenticated', reason: 'Sign in first', problems: [] });
  try {
    const match = route.pattern.exec(request.path) as RegExpExecArray;
    const body = await route.handler(service, request.agent, [...match], request.body);
    return { status: route.status ?? 200, body };
  } catch (err) {
    if (err instanceof AgentRequestRefusedError) return refusal(err.status, { error: err.code, reason: err.message, problems: err.problems });
    throw err;
  }
}
