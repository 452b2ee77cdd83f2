/**
 * Encrypts a value as Amazon Connect's "Store customer input" block does: the AWS Encryption SDK with a
 * raw RSA keyring holding the certificate's public key, key namespace "AmazonConnect", key name = the
 * security key id, OAEP SHA-512 (admin guide, encrypt-data). Tests and the flow emulator use it to make
 * the ciphertext the capture function receives.
 */
import { buildClient, CommitmentPolicy, RawRsaKeyringNode } from '@aws-crypto/client-node';
import { X509Certificate } from 'node:crypto';

const client = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);

export async function encryptAsConnect(plaintext: string, keyId: string, certificatePem: string): Promise<string> {
  const publicKey = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyring = new RawRsaKeyringNode({ keyName: keyId, keyNamespace: 'AmazonConnect', rsaKey: { publicKey }, oaepHash: 'sha512' });
  const { result } = await client.encrypt(keyring, Buffer.from(plaintext, 'utf8'));
  return result.toString('base64');
}
