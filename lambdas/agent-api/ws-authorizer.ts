/**
 * WebSocket $connect authorizer: browsers cannot set headers on a WebSocket, so the console passes its
 * Cognito token as `?token=`; it is verified with aws-jwt-verify against the user pool's key set (cached per
 * container, refetches bounded) and the agent's id becomes the connection's context. Any failure denies.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createLogger } from '../shared/logging';
import { cognitoTokenVerifier, type TokenVerifier } from './auth';
import { AGENT_ENV } from './runtime';

const logger = createLogger('agent-ws-authorizer');
let verify: TokenVerifier | undefined;

const policy = (effect: 'Allow' | 'Deny', resource: string, userId?: string): APIGatewayAuthorizerResult => ({
  principalId: userId ?? 'anonymous',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...(userId ? { context: { userId } } : {}),
});

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  try {
    verify ??= cognitoTokenVerifier({
      region: process.env.AWS_REGION ?? '',
      userPoolId: process.env[AGENT_ENV.userPoolId] ?? '',
      clientIds: (process.env[AGENT_ENV.userPoolClientIds] ?? '').split(',').filter((s) => s !== ''),
    });
    const agent = await verify(event.queryStringParameters?.token ?? '');
    return policy('Allow', event.methodArn, agent.userId);
  } catch (err) {
    logger.warn('websocket connection denied', { error: err instanceof Error ? err.name : 'UnknownError' });
    return policy('Deny', event.methodArn);
  }
};
