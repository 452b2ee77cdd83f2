/**
 * The finance view over HTTP (the sandbox API serves it; an API Gateway route can adapt it the same way):
 *   GET /api/outcomes?from=…&to=…[&form=…][&workgroup=…][&agent=…][&format=csv]
 *                                               outcome records (JSON with a summary, or CSV), the
 *                                               filters applied here, on the server, to both formats
 *   GET /finance/ , /finance/<asset>            the finance page (web/finance)
 * and the role rule behind "finance users can read outcomes and nothing else": a request made as the
 * finance role is refused (403) on every other route, and only the finance role reads outcomes. The role
 * comes from the verified sign-in token (its viewOutcomes right, a Cognito group), never from a header.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { filterOutcomes, outcomesCsv, readOutcomes, summarizeOutcomes, type OutcomeFilter } from './outcomes';
import { summarizeCategories } from './outcome-categories';
import type { ObjectSource } from './audit-reader';
import type { AgentIdentity } from '../agent-api/agent-service';

export type ApiRole = 'agent' | 'finance';

/** What each restricted role may reach; roles not listed are not restricted here. */
const ROLE_ROUTES: Partial<Record<ApiRole, Array<{ method: string; path: RegExp }>>> = {
  finance: [
    { method: 'GET', path: /^\/api\/outcomes$/ },
    { method: 'GET', path: /^\/finance\/?$/ },
    { method: 'GET', path: /^\/finance\/[a-z0-9-]+\.(?:js|css|html)$/ },
  ],
};

/** The role of a signed-in caller, from its verified token: finance when the token carries viewOutcomes. */
export function roleOf(identity: AgentIdentity | undefined): ApiRole | undefined {
  if (!identity) return undefined;
  return identity.tokenRights?.includes('viewOutcomes') ? 'finance' : 'agent';
}

/** Why this caller may not read outcomes (401 without a token, 403 for anyone but finance), or undefined. */
export function outcomesRefusal(identity: AgentIdentity | undefined): FinanceResponse | undefined {
  if (!identity) return json(401, { error: 'unauthenticated', reason: 'Sign in first', problems: [] });
  if (roleOf(identity) !== 'finance')
    return json(403, { error: 'no-right', reason: 'payment outcomes are for finance users (the viewOutcomes right)', problems: [] });
  return undefined;
}

/** The refusal a finance user gets anywhere but the finance routes. */
export function financeOnlyRefusal(): FinanceResponse {
  return json(403, {
    error: 'no-right',
    reason: 'a finance user may read payment outcomes only',
    problems: ['the finance role may read payment outcomes only'],
  });
}

/** True for the outcomes API route (which needs a finance token). */
export const isOutcomesRoute = (path: string): boolean => path === '/api/outcomes';

/** True when the role may make this request. */
export function roleAllows(role: ApiRole | undefined, method: string, path: string): boolean {
  const routes = role ? ROLE_ROUTES[role] : undefined;
  if (!routes) return true;
  return routes.some((r) => r.method === method && r.path.test(path));
}

export interface FinanceResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const json = (status: number, body: unknown): FinanceResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});
const MAX_WINDOW_DAYS = 400;

/** Parses from/to (ISO dates or times); `to` defaults to now, `from` to 30 days before `to`. */
export function parseWindow(from: string | null | undefined, to: string | null | undefined, now: Date): { from: Date; to: Date } | { problem: string } {
  const parse = (s: string, end: boolean): Date | undefined => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      const d = new Date(`${s}T00:00:00.000Z`);
      if (end) d.setUTCDate(d.getUTCDate() + 1);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    const t = Date.parse(s);
    return /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(t) ? new Date(t) : undefined;
  };
  const toDate = to ? parse(to, true) : now;
  if (!toDate) return { problem: 'to must be a date (YYYY-MM-DD) or an ISO 8601 time' };
  const fromDate = from ? parse(from, false) : new Date(toDate.getTime() - 30 * 24 * 3600 * 1000);
  if (!fromDate) return { problem: 'from must be a date (YYYY-MM-DD) or an ISO 8601 time' };
  if (fromDate.getTime() >= toDate.getTime()) return { problem: 'from must be before to' };
  if (toDate.getTime() - fromDate.getTime() > MAX_WINDOW_DAYS * 24 * 3600 * 1000) return { problem: `the window may span at most ${MAX_WINDOW_DAYS} days` };
  return { from: fromDate, to: toDate };
}

/** The query names of the page's filters, and the record field each one selects on. */
const FILTER_PARAMS: ReadonlyArray<[param: string, field: keyof OutcomeFilter]> = [
  ['form', 'formId'],
  ['workgroup', 'workgroup'],
  ['agent', 'agentId'],
];
// Ids of forms, workgroups and agents: printable, no control characters, bounded (records keep ≤ 128).
const FILTER_VALUE = /^[^\u0000-\u001f\u007f-\u009f]{1,128}$/;

/** The form / workgroup / agent filters of a request; an empty value means "all"; a bad one is a problem naming the parameter. */
export function parseOutcomeFilter(params: URLSearchParams): { filter: OutcomeFilter } | { problems: string[] } {
  const filter: OutcomeFilter = {};
  const problems: string[] = [];
  for (const [param, field] of FILTER_PARAMS) {
    const values = params.getAll(param);
    if (values.length > 1) problems.push(`${param} may be given once`);
    const value = values[0];
    if (value === undefined || value === '') continue;
    if (!FILTER_VALUE.test(value)) problems.push(`${param} must be 1 to 128 characters without control characters`);
    else filter[field] = value;
  }
  return problems.length > 0 ? { problems } : { filter };
}

/** The CSV's file name: the window's first and last day, then each filter (characters outside [A-Za-z0-9._-] as _). */
function csvFileName(window: { from: Date; to: Date }, filter: OutcomeFilter): string {
  const lastDay = new Date(window.to.getTime() - 1).toISOString().slice(0, 10);
  const parts = [`outcomes-${window.from.toISOString().slice(0, 10)}-${lastDay}`];
  for (const [param, field] of FILTER_PARAMS) {
    const value = filter[field];
    if (value !== undefined) parts.push(`${param}-${value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}`);
  }
  return `${parts.join('-')}.csv`;
}

const ASSET_TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * Serves the finance routes; undefined when the path is not one of them. Outcomes need a finance token
 * (`identity` is what the adapter verified); the page itself holds no data and is served to anyone.
 */
export async function handleFinanceRequest(
  req: { method: string; url: URL; identity: AgentIdentity | undefined },
  deps: { outcomes: () => Promise<ObjectSource>; webDir?: string; now: () => Date },
): Promise<FinanceResponse | undefined> {
  const { pathname, searchParams } = req.url;
  if (req.method === 'GET' && isOutcomesRoute(pathname)) {
    const refused = outcomesRefusal(req.identity);
    if (refused) return refused;
    const window = parseWindow(searchParams.get('from'), searchParams.get('to'), deps.now());
    const filtered = parseOutcomeFilter(searchParams);
    const problems = [...('problem' in window ? [window.problem] : []), ...('problems' in filtered ? filtered.problems : [])];
    if ('problem' in window || 'problems' in filtered) return json(400, { error: 'BadRequest', problems });
    const { filter } = filtered;
    const records = filterOutcomes(await readOutcomes(await deps.outcomes(), window), filter);
    if (searchParams.get('format') === 'csv') {
      const name = csvFileName(window, filter);
      return {
        status: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
        body: outcomesCsv(records),
      };
    }
    return json(200, {
      from: window.from.toISOString(),
      to: window.to.toISOString(),
      ...(Object.keys(filter).length > 0 ? { filter } : {}),
      summary: { ...summarizeOutcomes(records), ...summarizeCategories(records) },
      outcomes: records,
    });
  }
  if (deps.webDir === undefined) return undefined;
  if (req.method === 'GET' && (pathname === '/finance' || pathname === '/finance/')) return asset(deps.webDir, 'index.html');
  const file = /^\/finance\/([a-z0-9-]+\.(?:js|css|html))$/.exec(pathname);
  if (req.method === 'GET' && file) return asset(deps.webDir, file[1] as string);
  return undefined;
}

async function asset(dir: string, name: string): Promise<FinanceResponse> {
  try {
    const body = await readFile(join(dir, name));
    const type = ASSET_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
    return {
      status: 200,
      headers: {
        'content-type': type,
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'self'",
        'x-content-type-options': 'nosniff',
      },
      body,
    };
  } catch {
    return json(404, { error: 'NotFound', problems: ['no such page'] });
  }
}
