/**
 * Finance API in AWS (API Gateway HTTP API route `GET /api/outcomes`, Cognito JWT authorizer): adapts the
 * proxy event to the shared finance routes (finance-api.ts), reading outcome records from the audit
 * bucket's outcomes/ prefix. Only a token carrying viewOutcomes (the Cognito group) gets them; the role
 * this function runs as can read that prefix and nothing else.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { identityFromClaims } from '../agent-api/auth';
import { s3Client } from '../shared/clients';
import { EnvReader } from '../shared/config';
import { createLogger } from '../shared/logging';
import { s3ObjectSource } from './audit-reader';
import { AUDIT_ENV } from './audit-config';
import { handleFinanceRequest, roleOf } from './finance-api';

const logger = createLogger('finance-api');
const env = new EnvReader(process.env);
const bucket = env.required(AUDIT_ENV.bucket);
env.done();

async function handle(event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> {
  const identity = identityFromClaims(event.requestContext.authorizer?.jwt?.claims as Record<string, unknown> | undefined);
  const url = new URL(`https://finance.invalid${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`);
  try {
    const res = (await handleFinanceRequest(
      { method: event.requestContext.http.method, url, identity },
      { outcomes: async () => s3ObjectSource(await s3Client(), bucket), now: () => new Date() },
    )) ?? {
      status: 404,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ error: 'not-found', reason: `${url.pathname} is not a finance route`, problems: [] }),
    };
    logger.info('finance request', { route: event.routeKey, status: res.status, agentId: identity?.userId, role: roleOf(identity) });
    const binary = Buffer.isBuffer(res.body);
    return { statusCode: res.status, headers: res.headers, body: binary ? res.body.toString('base64') : String(res.body), isBase64Encoded: binary };
  } catch (err) {
    const name = err instanceof Error ? err.name : 'UnknownError';
    logger.error('finance request failed', { route: event.routeKey, error: name });
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: JSON.stringify({ error: 'internal-error', reason: `the finance API failed (${name}); try again`, problems: [] }),
    };
  }
}

export const handler = middy(handle);
