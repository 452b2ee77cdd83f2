/**
 * Agent API WebSocket (API Gateway WebSocket API): $connect (after the Lambda authorizer verified the
 * Cognito token) stores the connection under the agent; $disconnect removes it; $default answers
 * pings. Pushes are sent by the session functions' push sink (push-sink.ts), not from here.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createLogger } from '../shared/logging';
import { documentClient } from '../shared/clients';
import { agentTopic, PUSH_ENV } from './push-sink';
import { dynamoLib } from '../shared/sdk';

const logger = createLogger('agent-ws');
/** A connection lives at most 2 hours in API Gateway; the item follows it. */
const CONNECTION_SECONDS = 2 * 3600;

interface WsEvent {
  requestContext: { routeKey: string; connectionId: string; authorizer?: { userId?: string } };
  body?: string;
}

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResult> => {
  const table = process.env[PUSH_ENV.connectionsTable] ?? '';
  const { routeKey, connectionId } = event.requestContext;
  const userId = event.requestContext.authorizer?.userId;
  const ddb = await documentClient();
  const lib = await dynamoLib();
  if (routeKey === '$connect') {
    if (!userId) return { statusCode: 401, body: 'unauthenticated' };
    await ddb.send(
      new lib.UpdateCommand({
        TableName: table,
        Key: { sessionId: agentTopic(userId) },
        UpdateExpression: 'ADD connections :c SET expiresAt = :exp',
        ExpressionAttributeValues: { ':c': new Set([connectionId]), ':exp': Math.floor(Date.now() / 1000) + CONNECTION_SECONDS },
      }),
    );
    logger.info('agent connected', { agentId: userId });
    return { statusCode: 200, body: 'connected' };
  }
  if (routeKey === '$disconnect') {
    if (userId) {
      await ddb.send(
        new lib.UpdateCommand({
          TableName: table,
          Key: { sessionId: agentTopic(userId) },
          UpdateExpression: 'DELETE connections :c',
          ExpressionAttributeValues: { ':c': new Set([connectionId]) },
        }),
      );
    }
    return { statusCode: 200, body: 'bye' };
  }
  return { statusCode: 200, body: JSON.stringify({ type: 'pong' }) };
};
