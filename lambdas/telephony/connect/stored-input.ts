/**
 * Decrypting one "Store customer input" value: Amazon Connect encrypts the caller's keys with the AWS
 * Encryption SDK under the flow security key's certificate (admin guide, encrypt-data), so it opens with
 * the raw RSA keyring, key namespace "AmazonConnect", key name = the security key id, OAEP with SHA-512.
 * Connect writes non-committing messages, hence FORBID_ENCRYPT_ALLOW_DECRYPT: this module only decrypts.
 *
 * The clear value is returned to the caller (the capture function) and kept nowhere; errors name the
 * failure, never the value or the ciphertext.
 */
// The decrypt client and the RSA keyring alone: the whole client-node would also bundle the KMS and
// DynamoDB keyrings and their SDK clients.
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
import { RawRsaKeyringNode } from '@aws-crypto/raw-rsa-keyring-node';
import { X509Certificate, createPrivateKey } from 'node:crypto';

export const KEY_NAMESPACE = 'AmazonConnect';
/** Keys a caller can press for one field are far fewer; anything larger is not Connect's stored input. */
const MAX_CIPHERTEXT_BASE64 = 16_384;

/** One slot of the flow security key (the current one, or the previous one while rotating). */
export interface FlowKey {
  keyId: string;
  /** PKCS#8 or PKCS#1 PEM (checked when the secret is read). */
  privateKeyPem: string;
  /** End of the certificate's validity: past it, Connect's flow can no longer use the key. */
  notAfter: Date;
}

/** The stored input could not be opened with any current flow key (wrong key, or not Connect's ciphertext). */
export class StoredInputDecryptError extends Error {
  public constructor() {
    super(
      'The stored customer input could not be decrypted with the flow security key. Check that the flow and the capture function use the same key pair (see the FlowKey secret and the security key id).',
    );
    this.name = 'StoredInputDecryptError';
  }
}

/** Every flow key's certificate has expired: the flow key must be rotated. */
export class FlowKeyExpiredError extends Error {
  public constructor() {
    super(
      'The flow security key certificate has expired, so stored customer input is refused. Rotate the flow key (cdk deploy rotates it into the second key slot).',
    );
    this.name = 'FlowKeyExpiredError';
  }
}

/** The flow key secret cannot be read as a key pair. */
export class FlowKeyUnreadableError extends Error {
  public constructor(what: string) {
    super(`The flow key secret is not usable: ${what}. Re-deploy to regenerate the flow key.`);
    this.name = 'FlowKeyUnreadableError';
  }
}

const client = buildDecrypt(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

function keyringFor(key: FlowKey): RawRsaKeyringNode {
  return new RawRsaKeyringNode({ keyName: key.keyId, keyNamespace: KEY_NAMESPACE, rsaKey: { privateKey: key.privateKeyPem }, oaepHash: 'sha512' });
}

/** Reads the flow key secret's JSON (`{keys:[{keyId, privateKeyPem, certificatePem | notAfter}]}`). */
export function parseFlowKeys(secretString: string): FlowKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new FlowKeyUnreadableError('it is not JSON');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new FlowKeyUnreadableError('it lists no keys');
  return keys.map((k: unknown, i) => {
    const entry = k as { keyId?: unknown; privateKeyPem?: unknown; certificatePem?: unknown; notAfter?: unknown };
    if (typeof entry.keyId !== 'string' || entry.keyId === '') throw new FlowKeyUnreadableError(`key ${i} has no key id`);
    if (typeof entry.privateKeyPem !== 'string') throw new FlowKeyUnreadableError(`key ${i} has no private key`);
    try {
      if (createPrivateKey(entry.privateKeyPem).asymmetricKeyType !== 'rsa') throw new Error('not RSA');
    } catch {
      throw new FlowKeyUnreadableError(`key ${i} is not a PEM RSA private key`);
    }
    let notAfter: Date;
    if (typeof entry.certificatePem === 'string') notAfter = new Date(new X509Certificate(entry.certificatePem).validTo);
    else if (typeof entry.notAfter === 'string') notAfter = new Date(entry.notAfter);
    else throw new FlowKeyUnreadableError(`key ${i} has neither a certificate nor an expiry`);
    if (Number.isNaN(notAfter.getTime())) throw new FlowKeyUnreadableError(`key ${i} has an unreadable expiry`);
    return { keyId: entry.keyId, privateKeyPem: entry.privateKeyPem, notAfter };
  });
}

/**
 * Opens one stored value (base64 Encryption SDK message). Keys whose certificate has expired are not
 * used: if none is left, FlowKeyExpiredError. A value no key opens: StoredInputDecryptError.
 */
export async function decryptStoredInput(ciphertextBase64: string, keys: readonly FlowKey[], now: Date): Promise<string> {
  const live = keys.filter((k) => k.notAfter.getTime() > now.getTime());
  if (live.length === 0) throw new FlowKeyExpiredError();
  if (ciphertextBase64.length === 0 || ciphertextBase64.length > MAX_CIPHERTEXT_BASE64 || !/^[A-Za-z0-9+/=\r\n]+$/.test(ciphertextBase64))
    throw new StoredInputDecryptError();
  const message = Buffer.from(ciphertextBase64, 'base64');
  for (const key of live) {
    try {
      const { plaintext } = await client.decrypt(keyringFor(key), message);
      return plaintext.toString('utf8');
    } catch {
      // The next slot may hold the key this value was encrypted under (rotation).
    }
  }
  throw new StoredInputDecryptError();
}
