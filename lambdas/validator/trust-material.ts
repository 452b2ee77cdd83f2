/**
 * Where the validator's TLS trust material comes from in AWS: the merchant's private CA bundle from a
 * Secrets Manager secret or an SSM parameter, and the optional client certificate (mutual TLS) from a
 * Secrets Manager secret holding `{"certPem":"…","keyPem":"…"}`. The handler loads it once per cold
 * start; this module only fetches and checks, through the readers it is given.
 *
 * Errors name the setting that points at the bad material, never the material itself (a private key).
 */
import { ssmSdk } from '../shared/sdk';

export interface TrustSources {
  /** Secret whose SecretString is the CA bundle (PEM), or JSON `{"caPem":"…"}`. */
  caSecretArn?: string;
  /** SSM parameter (name or ARN; SecureString or String) holding the CA bundle (PEM). */
  caParameter?: string;
  /** Secret whose SecretString is JSON `{"certPem":"…","keyPem":"…"}`. */
  clientCertSecretArn?: string;
}

export interface TrustMaterial {
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

/** How secrets and parameters are read: SDK calls in the handler, plain functions in tests. */
export interface TrustReaders {
  secretString(secretId: string): Promise<string | undefined>;
  parameterValue(name: string): Promise<string | undefined>;
}

/** Trust material is configured but could not be read or is not what it should be. */
export class TrustMaterialError extends Error {
  public constructor(
    public readonly setting: string,
    problem: string,
  ) {
    super(`The validator's TLS trust material from ${setting} ${problem}. Check the secret or parameter and the function's permissions.`);
    this.name = 'TrustMaterialError';
  }
}

export const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
export const PEM_PRIVATE_KEY = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** The PEM in a secret string: the string itself, or one named field of a JSON object. */
function pemFrom(raw: string, field: string): string | undefined {
  const text = raw.trim();
  if (!text.startsWith('{')) return raw;
  try {
    const value = (JSON.parse(text) as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

async function read(setting: string, fetch: () => Promise<string | undefined>): Promise<string> {
  let value: string | undefined;
  try {
    value = await fetch();
  } catch (err) {
    // The SDK error's name (AccessDeniedException, ResourceNotFoundException…) is safe and actionable.
    throw new TrustMaterialError(setting, `could not be read (${err instanceof Error ? err.name : 'unknown error'})`);
  }
  if (value === undefined || value.trim() === '') throw new TrustMaterialError(setting, 'is empty (binary secrets are not supported)');
  return value;
}

/** Fetches the configured sources (in parallel) and checks each is the PEM it should be. */
export async function loadTrustMaterial(sources: TrustSources, readers: TrustReaders, settings: Record<keyof TrustSources, string>): Promise<TrustMaterial> {
  const ca = async (): Promise<string | undefined> => {
    if (sources.caSecretArn !== undefined) {
      const pem = pemFrom(await read(settings.caSecretArn, () => readers.secretString(sources.caSecretArn as string)), 'caPem');
      if (pem === undefined || !PEM_CERTIFICATE.test(pem))
        throw new TrustMaterialError(settings.caSecretArn, 'does not hold PEM certificates (plain PEM or JSON {"caPem":"…"})');
      return pem;
    }
    if (sources.caParameter !== undefined) {
      const pem = await read(settings.caParameter, () => readers.parameterValue(sources.caParameter as string));
      if (!PEM_CERTIFICATE.test(pem)) throw new TrustMaterialError(settings.caParameter, 'does not hold PEM certificates');
      return pem;
    }
    return undefined;
  };
  const client = async (): Promise<{ certPem: string; keyPem: string } | undefined> => {
    if (sources.clientCertSecretArn === undefined) return undefined;
    const setting = settings.clientCertSecretArn;
    const raw = await read(setting, () => readers.secretString(sources.clientCertSecretArn as string));
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const { certPem, keyPem } = record;
    if (typeof certPem !== 'string' || !PEM_CERTIFICATE.test(certPem) || typeof keyPem !== 'string' || !PEM_PRIVATE_KEY.test(keyPem)) {
      throw new TrustMaterialError(setting, 'must be JSON {"certPem":"<PEM certificate>","keyPem":"<PEM private key>"}');
    }
    return { certPem, keyPem };
  };
  const [caPem, clientPair] = await Promise.all([ca(), client()]);
  return {
    ...(caPem === undefined ? {} : { caPem }),
    ...(clientPair === undefined ? {} : { clientCertPem: clientPair.certPem, clientKeyPem: clientPair.keyPem }),
  };
}

/** Readers backed by the validator's lazily loaded Secrets Manager and SSM clients. */
export function sdkTrustReaders(): TrustReaders {
  return {
    async secretString(secretId) {
      const [{ secretsManagerClient }, { GetSecretValueCommand }] = await Promise.all([import('./aws-clients'), import('@aws-sdk/client-secrets-manager')]);
      const out = await (await secretsManagerClient()).send(new GetSecretValueCommand({ SecretId: secretId }));
      return out.SecretString;
    },
    async parameterValue(name) {
      const [{ ssmClient }, { GetParameterCommand }] = await Promise.all([import('./aws-clients'), ssmSdk()]);
      const out = await (await ssmClient()).send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter?.Value;
    },
  };
}
