/**
 * Agent API (API Gateway HTTP API, JWT authorizer on every route): adapts the proxy event to the
 * shared routes. Bodies are bounded JSON; unexpected errors become a 500 with the error's name only.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger } from '../shared/logging';
import { financeOnlyRefusal, roleOf } from '../audit/finance-api';
import { identityFromClaims } from './auth';
import type { AgentService } from './agent-service';
import { StoredInteractions } from './interactions';
import { routeAgentRequest } from './routes';
import { AGENT_ENV, liveAgentService, liveSessionStore, loadSecureInputConfig } from './runtime';

const logger = createLogger('agent-api');
const MAX_BODY = 16 * 1024;
let service: Promise<AgentService> | undefined;

function json(status: number, body: unknown, origin: string | undefined): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(origin ? { 'access-control-allow-origin': origin } : {}) },
    body: JSON.stringify(body),
  };
}

export function parseBody(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'body' | 'isBase64Encoded'>): unknown {
  if (!event.body) return undefined;
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (text.length > MAX_BODY) throw new RangeError('body too large');
  return JSON.parse(text);
}

async function handle(event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> {
  const origin = process.env[AGENT_ENV.allowedOrigin];
  // Calls are bound to the agent who answered them by the IVR's record in the session table (review item 6).
  service ??= loadSecureInputConfig(process.env).then((config) =>
    liveAgentService(process.env, config, { interactions: new StoredInteractions(config, liveSessionStore(process.env)) }),
  );
  let body: unknown;
  try {
    body = parseBody(event);
  } catch (err) {
    const tooLarge = err instanceof RangeError;
    return json(
      tooLarge ? 413 : 400,
      { error: 'bad-request', reason: tooLarge ? 'the body is larger than 16 KB' : 'the body is not valid JSON', problems: [] },
      origin,
    );
  }
  const agent = identityFromClaims(event.requestContext.authorizer?.jwt?.claims as Record<string, unknown> | undefined);
  // A finance user (viewOutcomes in the verified token) reads outcomes through the finance function only.
  if (roleOf(agent) === 'finance') {
    const refused = financeOnlyRefusal();
    return {
      statusCode: refused.status,
      headers: { ...refused.headers, ...(origin ? { 'access-control-allow-origin': origin } : {}) },
      body: String(refused.body),
    };
  }
  try {
    const result = await routeAgentRequest(await service, { method: event.requestContext.http.method, path: event.rawPath, agent, body });
    logger.info('agent request', { method: event.requestContext.http.method, route: event.routeKey, status: result.status, agentId: agent?.userId });
    return json(result.status, result.body, origin);
  } catch (err) {
    const name = err instanceof Error ? err.name : 'UnknownError';
    logger.error('agent request failed', { route: event.routeKey, error: name });
    return json(500, { error: 'internal-error', reason: `the agent API failed (${name}); try again`, problems: [] }, origin);
  }
}

export const handler = middy(handle);
