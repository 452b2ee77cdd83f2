/**
 * Throw-away X.509 certificates for the sandbox and the tests: a private CA, a server certificate for
 * localhost / 127.0.0.1 / ::1 signed by it, and a client certificate for mutual TLS.
 *
 * Node has no X.509 issuing API and a fresh machine may have no openssl, so certificates are built
 * with node-forge (pure JS); the RSA keys come from node:crypto, which is much faster than forge's own.
 * These certificates are for loopback use only: the CA key is discarded when the process ends.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface LocalCertificates {
  /** The private CA to trust (VALIDATION_CA_PEM in the sandbox). */
  caPem: string;
  /** The server's key and certificate (localhost, 127.0.0.1, ::1). */
  keyPem: string;
  certPem: string;
  /** A client key and certificate signed by the same CA, for mutual TLS. */
  clientKeyPem: string;
  clientCertPem: string;
}

export interface LocalCertificateOptions {
  /** Extra DNS names for the server certificate. @default [] */
  dnsNames?: string[];
  /** Validity in days. @default 7 */
  days?: number;
}

const generateRsa = promisify(generateKeyPair);

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
  privatePem: string;
}

async function rsaKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey), privatePem: privateKey };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the high bit of the first byte cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Backdated an hour so a slightly skewed clock still accepts it.
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 60 * 60 * 1000);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'secure-ivr local sandbox' },
  ]);
  return cert;
}

/** Makes a fresh CA, server certificate and client certificate (about 0.1–0.5 s, mostly RSA key generation). */
export async function makeLocalCertificates(options: LocalCertificateOptions = {}): Promise<LocalCertificates> {
  const days = options.days ?? 7;
  const [caKeys, serverKeys, clientKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair(), rsaKeyPair()]);

  const ca = newCertificate(caKeys.publicKey, 'secure-ivr local CA', days);
  ca.setIssuer(ca.subject.attributes);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = newCertificate(serverKeys.publicKey, 'localhost', days);
  server.setIssuer(ca.subject.attributes);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        ...(options.dnsNames ?? []).map((value) => ({ type: 2, value })),
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const client = newCertificate(clientKeys.publicKey, 'secure-ivr validator', days);
  client.setIssuer(ca.subject.attributes);
  client.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  client.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    keyPem: serverKeys.privatePem,
    certPem: forge.pki.certificateToPem(server),
    clientKeyPem: clientKeys.privatePem,
    clientCertPem: forge.pki.certificateToPem(client),
  };
}
