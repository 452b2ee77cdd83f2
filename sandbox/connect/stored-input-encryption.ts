/**
 * What Amazon Connect does to a "Store customer input" value when the block carries InputEncryption
 * (admin guide, encrypt-data; participant-actions-getparticipantinput): the digits are encrypted with
 * the AWS Encryption SDK to the public key of the certificate given in the block, under a raw RSA
 * keyring whose namespace is "AmazonConnect" and whose key name is the flow security key's id, RSA-OAEP
 * with SHA-512. The stored value is the base64 of the Encryption SDK message.
 *
 * The decrypting side that public code shows (buildClient(FORBID_ENCRYPT_ALLOW_DECRYPT)) tells that
 * Connect writes messages with a non-committing algorithm suite; the emulator does the same (the SDK's
 * default non-committing suite, signed with ECDSA P-384), so a capture function that insists on
 * committing suites fails here as it would against Connect.
 *
 * Also makes the sandbox's flow security key: an RSA key pair and a self-signed certificate, as the
 * stack's custom resource makes one for the instance.
 */
import { X509Certificate, createPublicKey, generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { buildClient, CommitmentPolicy, RawRsaKeyringNode } from '@aws-crypto/client-node';

export const CONNECT_KEY_NAMESPACE = 'AmazonConnect';

/** Why Connect would refuse to encrypt with the block's key; never holds the input. */
export class StoredInputKeyError extends Error {
  public constructor(reason: 'unknown-key-id' | 'certificate-unreadable' | 'certificate-expired' | 'certificate-not-yet-valid' | 'key-mismatch') {
    const text: Record<typeof reason, string> = {
      'unknown-key-id': 'the EncryptionKeyId names no security key of the instance',
      'certificate-unreadable': 'the Key is not a readable X.509 certificate',
      'certificate-expired': 'the certificate has expired; rotate the flow security key',
      'certificate-not-yet-valid': 'the certificate is not valid yet',
      'key-mismatch': "the certificate's public key is not the security key named by EncryptionKeyId",
    };
    super(`Stored customer input cannot be encrypted: ${text[reason]}.`);
    this.name = 'StoredInputKeyError';
  }
}

export interface SecurityKey {
  /** The id Connect gives the uploaded key (AssociationId); the keyring's key name. */
  keyId: string;
  /** The uploaded public key (SPKI PEM). */
  publicKeyPem: string;
}

const encryptClient = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

const spki = (pem: string): string => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();

/**
 * Encrypts one stored input as Connect does. Checks first what Connect checks: the key id is one of the
 * instance's security keys, the certificate is readable, within its validity, and carries that key.
 */
export async function encryptStoredInput(
  input: string,
  encryption: { keyId: string; certificatePem: string },
  instanceKeys: readonly SecurityKey[],
  now: Date,
): Promise<string> {
  const registered = instanceKeys.find((k) => k.keyId === encryption.keyId);
  if (!registered) throw new StoredInputKeyError('unknown-key-id');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(encryption.certificatePem);
  } catch {
    throw new StoredInputKeyError('certificate-unreadable');
  }
  if (new Date(cert.validTo).getTime() < now.getTime()) throw new StoredInputKeyError('certificate-expired');
  if (new Date(cert.validFrom).getTime() > now.getTime()) throw new StoredInputKeyError('certificate-not-yet-valid');
  const publicKeyPem = cert.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  if (publicKeyPem !== spki(registered.publicKeyPem)) throw new StoredInputKeyError('key-mismatch');
  const keyring = new RawRsaKeyringNode({
    keyName: encryption.keyId,
    keyNamespace: CONNECT_KEY_NAMESPACE,
    rsaKey: { publicKey: publicKeyPem },
    oaepHash: 'sha512',
  });
  const { result } = await encryptClient.encrypt(keyring, Buffer.from(input, 'utf8'));
  return Buffer.from(result).toString('base64');
}

export interface FlowSecurityKeyMaterial {
  keyId: string;
  /** PKCS#8 PEM: what the stack keeps in Secrets Manager for the capture function. */
  privateKeyPem: string;
  publicKeyPem: string;
  /** Self-signed X.509 certificate (PEM) that the flow's InputEncryption.Key carries. */
  certificatePem: string;
  notAfter: Date;
}

const generateRsa = promisify(generateKeyPair);

/** Makes an RSA key pair and a self-signed certificate for a flow security key. */
export async function makeFlowSecurityKey(
  options: { keyId?: string; days?: number; notBefore?: Date; modulusLength?: number } = {},
): Promise<FlowSecurityKeyMaterial> {
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: options.modulusLength ?? 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60 * 1000);
  const notAfter = new Date(notBefore.getTime() + (options.days ?? 365) * 24 * 60 * 60 * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    { name: 'commonName', value: 'secure-ivr flow security key' },
    { name: 'organizationName', value: 'secure-ivr local sandbox' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', keyEncipherment: true, dataEncipherment: true, critical: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return {
    keyId: options.keyId ?? `sandbox-${randomBytes(8).toString('hex')}`,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
    certificatePem: forge.pki.certificateToPem(cert),
    notAfter,
  };
}
