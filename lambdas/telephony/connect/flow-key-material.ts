/**
 * The flow security key's material: an RSA key pair and a self-signed X.509 certificate for its public
 * key. Connect takes the public key (AWS::Connect::SecurityKey / AssociateSecurityKey) and the flow block
 * takes the certificate; the private key goes only into the Secrets Manager secret the capture function
 * reads. Made by the flow-key custom resource at deploy time, and by the sandbox for its local flows.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

export interface FlowKeyMaterial {
  /** SubjectPublicKeyInfo PEM: what Connect's security key takes. */
  publicKeyPem: string;
  /** PKCS#8 PEM: only ever stored in the flow key secret. */
  privateKeyPem: string;
  certificatePem: string;
  notBefore: Date;
  notAfter: Date;
}

/** Connect accepts RSA keys of 2048 bits and more; 4096 is the deployed default. */
export async function generateFlowKeyMaterial(options: {
  now: Date;
  validDays: number;
  modulusBits?: 2048 | 3072 | 4096;
  commonName?: string;
}): Promise<FlowKeyMaterial> {
  if (!Number.isInteger(options.validDays) || options.validDays < 1 || options.validDays > 3650)
    throw new Error('The flow key validity must be a whole number of days from 1 to 3650.');
  const { publicKey, privateKey } = await generateRsa('rsa', {
    modulusLength: options.modulusBits ?? 4096,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: the top bit cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = new Date(options.now.getTime() - 5 * 60_000);
  const notAfter = new Date(options.now.getTime() + options.validDays * 86_400_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [{ name: 'commonName', value: options.commonName ?? 'secure-ivr flow key' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', keyEncipherment: true, dataEncipherment: true },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { publicKeyPem: publicKey, privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert), notBefore, notAfter };
}
