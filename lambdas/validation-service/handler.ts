/**
 * Lambda function URL adapter for the reference validation web service: event in, handleValidationRequest,
 * result out. The function URL terminates TLS. The idempotency memory lives as long as the execution
 * environment, which is enough for the validator's retries (seconds apart) but not a durable record.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EnvReader } from '../shared/config';
import { ENV } from '../shared/session/contract';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from '../validator/card-field-names';
import { DEFAULT_MAX_REPLY_BYTES } from '../validator/xml-contract';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { PaymentGateway } from './gateway';
import { selectGateway } from './gateways/select';
import { handleValidationRequest, ReplyCache } from './service';

export interface ServiceConfig {
  cardFieldNames: CardFieldNames;
  maxBodyBytes: number;
  rememberedReplies: number;
}

/** Reads and checks the environment; throws one ConfigurationError naming every problem. */
export function loadServiceConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const reader = new EnvReader(env);
  const names = parseCardFieldNames(env[ENV.cardFieldNames]);
  let cardFieldNames: CardFieldNames = { ...DEFAULT_CARD_FIELD_NAMES };
  if (names.ok) cardFieldNames = names.names;
  else reader.problem(names.problem);
  const maxBodyBytes = reader.integer('VALIDATION_MAX_BODY_BYTES', DEFAULT_MAX_REPLY_BYTES, 1024, 1024 * 1024);
  const rememberedReplies = reader.integer('VALIDATION_REMEMBERED_REPLIES', 10_000, 1, 1_000_000);
  reader.done();
  return { cardFieldNames, maxBodyBytes, rememberedReplies };
}

interface Runtime {
  config: ServiceConfig;
  gateway: PaymentGateway;
  replies: ReplyCache;
}

let runtime: Promise<Runtime> | undefined;

async function readSecret(name: string): Promise<string> {
  const reply = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: name }));
  return reply.SecretString ?? '';
}

function getRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const config = loadServiceConfig(process.env);
    const gateway = await selectGateway(process.env, { readSecret });
    return { config, gateway, replies: new ReplyCache(config.rememberedReplies) };
  })();
  // A failed start (secret missing or malformed) is tried again on the next request.
  runtime.catch(() => {
    runtime = undefined;
  });
  return runtime;
}

export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { config, gateway, replies } = await getRuntime();
  const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const result = await handleValidationRequest({ method: event.requestContext.http.method, headers: event.headers ?? {}, body }, gateway, {
    replies,
    cardFieldNames: config.cardFieldNames,
    maxBodyBytes: config.maxBodyBytes,
  });
  return { statusCode: result.status, headers: result.headers, body: result.body, isBase64Encoded: false };
};
