/**
 * Lambda entry point of the redaction service. One function serves both routes, told apart by the
 * event's shape: an EventBridge event (detail = RedactionRequest; the returned RedactionResult is
 * the redacted event, delivered onward by the function's on-success destination) and a function URL
 * request (API Gateway v2 payload) for the synchronous route.
 *
 * Configuration is read and checked once at start-up (redaction-deps.ts): REDACTION_CONFIG (JSON, set by the
 * RedactionService construct, which checks it at synth time too) or the bundled default.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, EventBridgeEvent } from 'aws-lambda';
import { errorName } from '../shared/errors';
import { createLogger } from '../shared/logging';
import { redactHttp } from './http';
import { createRedactionDeps } from './redaction-deps';
import { parseRedactionRequest, redactRequest, RedactionRequestError, type RedactionDeps, type RedactionResult } from './redaction-service';

const logger = createLogger('redaction');
const deps = createRedactionDeps(process.env, logger);

export type RedactionEvent = EventBridgeEvent<string, unknown> | APIGatewayProxyEventV2;

/** Answer to an EventBridge request that does not follow the contract: retrying would not help. */
export interface RedactionRejected {
  rejected: true;
  problems: string[];
}

function isHttpEvent(event: RedactionEvent): event is APIGatewayProxyEventV2 {
  return typeof (event as APIGatewayProxyEventV2).requestContext?.http?.method === 'string';
}

export async function handleEventBridge(event: EventBridgeEvent<string, unknown>, d: RedactionDeps = deps): Promise<RedactionResult | RedactionRejected> {
  try {
    return await redactRequest(parseRedactionRequest(event.detail), 'eventbridge', d);
  } catch (error) {
    if (error instanceof RedactionRequestError) {
      logger.warn('redaction request rejected', { eventId: event.id, problems: error.problems });
      return { rejected: true, problems: error.problems };
    }
    // Unexpected: fail so the asynchronous invocation is retried and then sent to the failure destination.
    logger.error('redaction failed', { eventId: event.id, error: errorName(error) });
    throw new Error('Redaction failed; the event will be retried.');
  }
}

export async function handleFunctionUrl(event: APIGatewayProxyEventV2, d: RedactionDeps = deps): Promise<APIGatewayProxyStructuredResultV2> {
  const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  const response = await redactHttp({ method: event.requestContext.http.method, headers: event.headers ?? {}, body }, d);
  if (response.status >= 500) logger.error('redaction route failed', { status: response.status });
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

export async function handler(event: RedactionEvent): Promise<RedactionResult | RedactionRejected | APIGatewayProxyStructuredResultV2> {
  return isHttpEvent(event) ? handleFunctionUrl(event) : handleEventBridge(event);
}
