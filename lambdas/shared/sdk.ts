/**
 * The AWS SDK modules, each imported on first use and then reused. Loading stays lazy (the SMA
 * handler's inbound-call path loads none of them), but a module is resolved once per container rather
 * than on every call: a dynamic import() is not free, and under a loader such as tsx it crosses threads.
 */
const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
};

export const dynamoLib = once(() => import('@aws-sdk/lib-dynamodb'));
export const dynamoSdk = once(() => import('@aws-sdk/client-dynamodb'));
export const kmsSdk = once(() => import('@aws-sdk/client-kms'));
export const sfnSdk = once(() => import('@aws-sdk/client-sfn'));
export const s3Sdk = once(() => import('@aws-sdk/client-s3'));
export const voiceSdk = once(() => import('@aws-sdk/client-chime-sdk-voice'));
export const ssmSdk = once(() => import('@aws-sdk/client-ssm'));
