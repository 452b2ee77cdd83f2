/**
 * AWS SDK v3 clients, loaded only on the paths that use them (the SMA handler's inbound-call path
 * needs none) and built once per container. Endpoints come from the SDK's own service-specific
 * variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_KMS, …), which is how the sandbox points the
 * very same code at its local engines. A client is rebuilt if its endpoint variable changes, so a
 * process can host several sandboxes one after another.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import type { S3Client } from '@aws-sdk/client-s3';
import { dynamoLib, dynamoSdk, kmsSdk, s3Sdk, sfnSdk, voiceSdk } from './sdk';

interface Cached<T> {
  key: string;
  client: T;
}

const cache = new Map<string, Cached<unknown>>();

const endpointVar: Record<string, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  kms: 'AWS_ENDPOINT_URL_KMS',
  sfn: 'AWS_ENDPOINT_URL_SFN',
  voice: 'AWS_ENDPOINT_URL_CHIME_SDK_VOICE',
  s3: 'AWS_ENDPOINT_URL_S3',
};

async function cached<T>(service: string, build: (endpoint: string | undefined) => Promise<T>): Promise<T> {
  const endpoint = process.env[endpointVar[service] ?? ''] || process.env.AWS_ENDPOINT_URL || undefined;
  const key = `${endpoint ?? ''}|${process.env.AWS_REGION ?? ''}`;
  const hit = cache.get(service) as Cached<T> | undefined;
  if (hit && hit.key === key) return hit.client;
  const client = await build(endpoint);
  cache.set(service, { key, client });
  return client;
}

/** Retries stay short: the SMA handler must answer within 5 s, cold start included. */
const common = { maxAttempts: 3 } as const;

export function documentClient(): Promise<DynamoDBDocumentClient> {
  return cached('dynamodb', async () => {
    const [{ DynamoDBClient }, { DynamoDBDocumentClient: Doc }] = await Promise.all([dynamoSdk(), dynamoLib()]);
    return Doc.from(new DynamoDBClient({ ...common }), { marshallOptions: { removeUndefinedValues: true } });
  });
}

export function kmsClient(): Promise<KMSClient> {
  return cached('kms', async () => new (await kmsSdk()).KMSClient({ ...common }));
}

export function sfnClient(): Promise<SFNClient> {
  return cached('sfn', async () => new (await sfnSdk()).SFNClient({ ...common }));
}

export function voiceClient(): Promise<ChimeSDKVoiceClient> {
  return cached('voice', async () => new (await voiceSdk()).ChimeSDKVoiceClient({ ...common }));
}

export function s3Client(): Promise<S3Client> {
  // Local S3 engines serve buckets by path, not by virtual host.
  return cached('s3', async (endpoint) => new (await s3Sdk()).S3Client({ ...common, forcePathStyle: endpoint !== undefined }));
}
