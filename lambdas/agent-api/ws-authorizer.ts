/**
 * WebSocket $connect authorizer: browsers cannot set headers on a WebSocket, so the console passes its
 * Cognito token as `?token=`; it is verified against the user pool's JWKS and the agent's id becomes the
 * connection's context. Any failure denies the connection.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createLogger } from '../shared/logging';
import { cognitoKeys, verifyCognitoToken, type CognitoSettings } from './auth';
import type { KeyResolver } from './jwt';
import { AGENT_ENV } from './runtime';

const logger = createLogger('agent-ws-authorizer');
let settings: CognitoSettings | undefined;
let keys: KeyResolver | undefined;

const policy = (effect: 'Allow' | 'Deny', resource: string, userId?: string): APIGatewayAuthorizerResult => ({
  principalId: userId ?? 'anonymous',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
  ...(userId ? { context: { userId } } : {}),
});

export const handler = async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
  settings ??= {
    region: process.env.AWS_REGION ?? '',
    userPoolId: process.env[AGENT_ENV.userPoolId] ?? '',
    clientIds: (process.env[AGENT_ENV.userPoolClientIds] ?? '').split(',').filter((s) => s !== ''),
  };
  keys ??= cognitoKeys(settings);
  const token = event.queryStringParameters?.token ?? '';
  try {
    const agent = await verifyCognitoToken(token, settings, keys);
    return policy('Allow', event.methodArn, agent.userId);
  } catch (err) {
    logger.warn('websocket connection denied', { error: err instanceof Error ? err.name : 'UnknownError' });
    return policy('Deny', event.methodArn);
  }
};
