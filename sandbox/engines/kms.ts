/**
 * A local KMS endpoint for the sandbox (there is no KMS emulator on npm or Debian): the KMS JSON 1.1
 * protocol on loopback, enough of it for envelope encryption — GenerateDataKey(WithoutPlaintext),
 * Encrypt, Decrypt, DescribeKey, CreateKey — and for the audit trail's signed digests — Sign, Verify and
 * GetPublicKey on ECC_NIST_P256 SIGN_VERIFY keys (real ECDSA with node:crypto, DER signatures as KMS gives
 * them) — reached by the real `KMSClient` via endpoint override.
 *
 * Each key id gets its own 256-bit master key, kept in memory or, with `dataDir`, in a 0600 file so a
 * restarted sandbox can still open the items it sealed. A ciphertext blob is AES-256-GCM under the
 * master key with the encryption context (canonical JSON) as additional authenticated data, and it
 * names its key, so Decrypt needs no KeyId and a wrong context fails as `InvalidCiphertextException`,
 * as in AWS. This is a development stand-in, not a security boundary: the key file is plain.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign as ecSign,
  verify as ecVerify,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsServiceError, optionalString, requiredString, startAwsJsonServer } from './aws-json-server';
import type { FaultInjection, RequestCounter } from './request-counter';

export interface KmsEngineOptions {
  /** Where master keys are persisted; in memory when absent. */
  dataDir?: string;
  /** Key ids/ARNs/aliases that exist from the start. When given, no other key is created on first use. */
  keys?: string[];
  /** Asymmetric ECC_NIST_P256 SIGN_VERIFY keys that exist from the start (the audit digest key). */
  signingKeys?: string[];
  port?: number;
  region?: string;
  accountId?: string;
}

export interface KmsEngine extends RequestCounter, FaultInjection {
  endpoint: string;
  /** The ARN the engine reports for a key id, ARN or alias (creating the key if it may). */
  keyArn(keyRef: string): string;
  /** Disables or re-enables a key: a disabled key answers `DisabledException`, like AWS. */
  setKeyEnabled(keyRef: string, enabled: boolean): void;
  close(): Promise<void>;
}

interface MasterKey {
  id: string;
  arn: string;
  material: Buffer;
  createdAt: number;
  enabled: boolean;
  description: string;
  /** Present on an asymmetric SIGN_VERIFY key (material is then unused). */
  signing?: KeyObject;
}

interface StoredKeys {
  version: 1;
  keys: Array<{ id: string; arn: string; material: string; createdAt: number; description: string; signingPem?: string }>;
}

const ECDSA = 'ECDSA_SHA_256';
const MAX_SIGN_MESSAGE_BYTES = 4096;

const BLOB_MAGIC = Buffer.from('SIK1', 'ascii');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_PLAINTEXT_BYTES = 4096;
const KEY_FILE = 'kms-keys.json';

/** The encryption context exactly as the AAD binds it: keys sorted, so member order never matters. */
function canonicalContext(context: Record<string, string> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

function readContext(body: Record<string, unknown>): Record<string, string> | undefined {
  const value = body.EncryptionContext;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new AwsServiceError('ValidationException', 'EncryptionContext must map strings to strings.');
  }
  return value as Record<string, string>;
}

function readBlob(body: Record<string, unknown>, member: string): Buffer {
  const text = requiredString(body, member);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new AwsServiceError('SerializationException', `${member} must be base64.`);
  return Buffer.from(text, 'base64');
}

export async function startKms(options: KmsEngineOptions = {}): Promise<KmsEngine> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const autoCreate = options.keys === undefined;
  const keys = new Map<string, MasterKey>();
  const keyFile = options.dataDir === undefined ? undefined : join(options.dataDir, KEY_FILE);

  /** Key id, key ARN, alias name and alias ARN all name one key; an alias stands for its own key here. */
  const resolveRef = (keyRef: string): { id: string; arn: string } => {
    const keyArn = /^arn:[^:]+:kms:[^:]*:[^:]*:key\/(.+)$/.exec(keyRef);
    if (keyArn) return { id: keyArn[1]!, arn: keyRef };
    const aliasArn = /^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/.exec(keyRef);
    if (aliasArn) return { id: aliasArn[1]!, arn: keyRef };
    if (keyRef.startsWith('alias/')) return { id: keyRef, arn: `arn:aws:kms:${region}:${accountId}:${keyRef}` };
    return { id: keyRef, arn: `arn:aws:kms:${region}:${accountId}:key/${keyRef}` };
  };

  const persist = (): void => {
    if (keyFile === undefined) return;
    const stored: StoredKeys = {
      version: 1,
      keys: [...keys.values()].map((k) => ({
        id: k.id,
        arn: k.arn,
        material: k.material.toString('base64'),
        createdAt: k.createdAt,
        description: k.description,
        ...(k.signing ? { signingPem: k.signing.export({ format: 'pem', type: 'pkcs8' }).toString() } : {}),
      })),
    };
    // Write then rename, so a crash never leaves a half-written key file behind.
    const temp = `${keyFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(stored), { mode: 0o600 });
    renameSync(temp, keyFile);
  };

  const create = (id: string, arn: string, description = '', signing = false): MasterKey => {
    const key: MasterKey = { id, arn, material: randomBytes(32), createdAt: Math.floor(Date.now() / 1000), enabled: true, description };
    if (signing) key.signing = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    keys.set(id, key);
    persist();
    return key;
  };

  if (options.dataDir !== undefined && keyFile !== undefined) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    let text: string | undefined;
    try {
      text = readFileSync(keyFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (text !== undefined) {
      const stored = JSON.parse(text) as StoredKeys;
      for (const k of stored.keys) {
        keys.set(k.id, {
          id: k.id,
          arn: k.arn,
          material: Buffer.from(k.material, 'base64'),
          createdAt: k.createdAt,
          enabled: true,
          description: k.description,
          ...(k.signingPem ? { signing: createPrivateKey(k.signingPem) } : {}),
        });
      }
    }
  }
  for (const keyRef of options.keys ?? []) {
    const { id, arn } = resolveRef(keyRef);
    if (!keys.has(id)) create(id, arn);
  }
  for (const keyRef of options.signingKeys ?? []) {
    const { id, arn } = resolveRef(keyRef);
    if (!keys.get(id)?.signing) create(id, arn, 'audit digest signing key', true);
  }

  const wrongUsage = (): AwsServiceError => new AwsServiceError('InvalidKeyUsageException', 'The key usage does not allow this operation.');
  /** A symmetric key for encryption operations (an asymmetric key refuses them, as in AWS). */
  const symmetric = (key: MasterKey): MasterKey => {
    if (key.signing) throw wrongUsage();
    return key;
  };
  const signingKey = (keyRef: string): { key: MasterKey; privateKey: KeyObject } => {
    const key = useKey(keyRef, false);
    if (!key.signing) throw wrongUsage();
    return { key, privateKey: key.signing };
  };
  const signInput = (body: Record<string, unknown>): Buffer => {
    if (optionalString(body, 'SigningAlgorithm') !== ECDSA)
      throw new AwsServiceError('ValidationException', 'SigningAlgorithm must be ECDSA_SHA_256 for this key.');
    const type = optionalString(body, 'MessageType') ?? 'RAW';
    if (type !== 'RAW') throw new AwsServiceError('ValidationException', 'The local engine signs RAW messages only.');
    const message = readBlob(body, 'Message');
    if (message.length < 1 || message.length > MAX_SIGN_MESSAGE_BYTES) throw new AwsServiceError('ValidationException', 'Message must be 1 to 4096 bytes.');
    return message;
  };

  /** The key to use for a request; created on first use unless the key set was fixed. */
  const useKey = (keyRef: string, mayCreate: boolean, requireEnabled = true): MasterKey => {
    const { id, arn } = resolveRef(keyRef);
    const existing = keys.get(id);
    if (existing) {
      if (requireEnabled && !existing.enabled) throw new AwsServiceError('DisabledException', 'The key is disabled.');
      return existing;
    }
    if (mayCreate && autoCreate) return create(id, arn);
    throw new AwsServiceError('NotFoundException', 'The key does not exist.');
  };

  const seal = (key: MasterKey, plaintext: Buffer, context: Record<string, string> | undefined): Buffer => {
    const id = Buffer.from(key.id, 'utf8');
    const header = Buffer.alloc(BLOB_MAGIC.length + 2);
    BLOB_MAGIC.copy(header);
    header.writeUInt16BE(id.length, BLOB_MAGIC.length);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.material, iv);
    cipher.setAAD(Buffer.concat([header, id, canonicalContext(context)]));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, id, iv, cipher.getAuthTag(), ct]);
  };

  const invalidCiphertext = (): AwsServiceError => new AwsServiceError('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid.');

  const unseal = (blob: Buffer, context: Record<string, string> | undefined, keyRef: string | undefined): { key: MasterKey; plaintext: Buffer } => {
    const fixed = BLOB_MAGIC.length + 2;
    if (blob.length < fixed || !blob.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) throw invalidCiphertext();
    const idLength = blob.readUInt16BE(BLOB_MAGIC.length);
    if (blob.length < fixed + idLength + IV_BYTES + TAG_BYTES) throw invalidCiphertext();
    const id = blob.subarray(fixed, fixed + idLength).toString('utf8');
    if (keyRef !== undefined && resolveRef(keyRef).id !== id)
      throw new AwsServiceError('IncorrectKeyException', 'The ciphertext was not encrypted under the given key.');
    const key = useKey(id, false);
    const ivStart = fixed + idLength;
    const iv = blob.subarray(ivStart, ivStart + IV_BYTES);
    const tag = blob.subarray(ivStart + IV_BYTES, ivStart + IV_BYTES + TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.material, iv);
      decipher.setAAD(Buffer.concat([blob.subarray(0, ivStart), canonicalContext(context)]));
      decipher.setAuthTag(tag);
      return { key, plaintext: Buffer.concat([decipher.update(blob.subarray(ivStart + IV_BYTES + TAG_BYTES)), decipher.final()]) };
    } catch {
      throw invalidCiphertext();
    }
  };

  const dataKeyBytes = (body: Record<string, unknown>): number => {
    const spec = optionalString(body, 'KeySpec');
    const count = body.NumberOfBytes;
    if (spec !== undefined && count !== undefined) throw new AwsServiceError('ValidationException', 'Give either KeySpec or NumberOfBytes, not both.');
    if (spec === 'AES_256') return 32;
    if (spec === 'AES_128') return 16;
    if (spec !== undefined) throw new AwsServiceError('ValidationException', 'KeySpec must be AES_256 or AES_128.');
    if (typeof count === 'number' && Number.isInteger(count) && count >= 1 && count <= 1024) return count;
    throw new AwsServiceError('ValidationException', 'KeySpec or NumberOfBytes (1-1024) is required.');
  };

  const generate = (body: Record<string, unknown>, withPlaintext: boolean): Record<string, unknown> => {
    const key = symmetric(useKey(requiredString(body, 'KeyId'), true));
    const plaintext = randomBytes(dataKeyBytes(body));
    const blob = seal(key, plaintext, readContext(body));
    const result: Record<string, unknown> = { KeyId: key.arn, CiphertextBlob: blob.toString('base64') };
    if (withPlaintext) result.Plaintext = plaintext.toString('base64');
    plaintext.fill(0);
    return result;
  };

  const metadata = (key: MasterKey): Record<string, unknown> => ({
    AWSAccountId: accountId,
    KeyId: key.id,
    Arn: key.arn,
    CreationDate: key.createdAt,
    Enabled: key.enabled,
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Description: key.description,
    ...(key.signing
      ? { KeyUsage: 'SIGN_VERIFY', KeySpec: 'ECC_NIST_P256', CustomerMasterKeySpec: 'ECC_NIST_P256', SigningAlgorithms: [ECDSA] }
      : { KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT', EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }),
    KeyManager: 'CUSTOMER',
    Origin: 'AWS_KMS',
    MultiRegion: false,
  });

  const server = await startAwsJsonServer({
    service: 'kms',
    targetPrefix: 'TrentService',
    jsonVersion: '1.1',
    port: options.port,
    operations: {
      GenerateDataKey: (body) => generate(body, true),
      GenerateDataKeyWithoutPlaintext: (body) => generate(body, false),
      Encrypt: (body) => {
        const key = symmetric(useKey(requiredString(body, 'KeyId'), true));
        const plaintext = readBlob(body, 'Plaintext');
        if (plaintext.length < 1 || plaintext.length > MAX_PLAINTEXT_BYTES)
          throw new AwsServiceError('ValidationException', 'Plaintext must be 1 to 4096 bytes.');
        return { KeyId: key.arn, CiphertextBlob: seal(key, plaintext, readContext(body)).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
      Decrypt: (body) => {
        const { key, plaintext } = unseal(readBlob(body, 'CiphertextBlob'), readContext(body), optionalString(body, 'KeyId'));
        const result = { KeyId: key.arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
        plaintext.fill(0);
        return result;
      },
      DescribeKey: (body) => ({ KeyMetadata: metadata(useKey(requiredString(body, 'KeyId'), true, false)) }),
      CreateKey: (body) => {
        const id = randomUUID();
        const spec = optionalString(body, 'KeySpec') ?? 'SYMMETRIC_DEFAULT';
        const usage = optionalString(body, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
        const signing = spec === 'ECC_NIST_P256' && usage === 'SIGN_VERIFY';
        if (!signing && (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT'))
          throw new AwsServiceError('UnsupportedOperationException', 'The local engine makes SYMMETRIC_DEFAULT or ECC_NIST_P256 SIGN_VERIFY keys only.');
        return { KeyMetadata: metadata(create(id, resolveRef(id).arn, optionalString(body, 'Description') ?? '', signing)) };
      },
      Sign: (body) => {
        const { key, privateKey } = signingKey(requiredString(body, 'KeyId'));
        const signature = ecSign('sha256', signInput(body), privateKey);
        return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: ECDSA };
      },
      Verify: (body) => {
        const { key, privateKey } = signingKey(requiredString(body, 'KeyId'));
        const ok = ecVerify('sha256', signInput(body), createPublicKey(privateKey), readBlob(body, 'Signature'));
        if (!ok) throw new AwsServiceError('KMSInvalidSignatureException', 'The signature is not valid for this message and key.');
        return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: ECDSA };
      },
      GetPublicKey: (body) => {
        const { key, privateKey } = signingKey(requiredString(body, 'KeyId'));
        const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
        return {
          KeyId: key.arn,
          PublicKey: der.toString('base64'),
          KeySpec: 'ECC_NIST_P256',
          CustomerMasterKeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: [ECDSA],
        };
      },
    },
  });

  return {
    endpoint: server.endpoint,
    counts: () => server.counter.counts(),
    resetCounts: () => server.counter.resetCounts(),
    injectFault: (operation, count, errorType) => server.faults.injectFault(operation, count, errorType),
    clearFaults: () => server.faults.clearFaults(),
    keyArn: (keyRef) => useKey(keyRef, true, false).arn,
    setKeyEnabled: (keyRef, enabled) => {
      const key = keys.get(resolveRef(keyRef).id);
      if (!key) throw new Error('No such key in the local KMS engine.');
      key.enabled = enabled;
    },
    close: () => server.close(),
  };
}
