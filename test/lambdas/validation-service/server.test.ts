import { X509Certificate } from 'node:crypto';
import https from 'node:https';
import { makeLocalCertificates } from '../../../sandbox/tls/certificates';
import { TestGateway } from '../../../lambdas/validation-service/gateway';
import { startValidationServer } from '../../../lambdas/validation-service/server';
import { createValidationClient } from '../../../lambdas/validator/https-client';
import { buildSubmission, parseReply } from '../../../lambdas/validator/xml-contract';
import { testCertificates, type LocalCertificates } from '../../helpers/tls';

const PAN = '4111111111111111';
const SUBMISSION = buildSubmission([
  { name: 'card number', value: PAN },
  { name: 'expiry date', value: '1230' },
  { name: 'security code', value: '737' },
]);

let certs: LocalCertificates;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  certs = await testCertificates();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('makeLocalCertificates', () => {
  it('issues a server certificate for localhost and the loopback addresses, signed by its CA', async () => {
    // Act
    const fresh = await makeLocalCertificates({ days: 1 });

    // Assess
    const ca = new X509Certificate(fresh.caPem);
    const server = new X509Certificate(fresh.certPem);
    const client = new X509Certificate(fresh.clientCertPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(client.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('example.com')).toBeUndefined();
  });
});

describe('startValidationServer', () => {
  it('serves the contract over HTTPS on 127.0.0.1 and remembers idempotency keys', async () => {
    // Prepare
    const gateway = new TestGateway();
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem }, gateway });
    cleanups.push(() => server.close());
    const client = createValidationClient({ url: server.url, caPem: certs.caPem });
    cleanups.push(() => client.close());

    // Act
    const first = await client.post(SUBMISSION, 'txn-1');
    const repeat = await client.post(SUBMISSION, 'txn-1');

    // Assess
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/validate$/);
    expect(first.kind === 'reply' && parseReply(first.body).outcome).toBe('accepted');
    expect(repeat).toEqual({ ...first, attempts: 1 });
    expect(gateway.authorizations).toBe(1);
  });

  it('requires a client certificate when given a client CA', async () => {
    // Prepare
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem, clientCaPem: certs.caPem } });
    cleanups.push(() => server.close());
    const anonymous = createValidationClient({ url: server.url, caPem: certs.caPem });
    const identified = createValidationClient({ url: server.url, caPem: certs.caPem, clientCertPem: certs.clientCertPem, clientKeyPem: certs.clientKeyPem });
    cleanups.push(
      () => anonymous.close(),
      () => identified.close(),
    );

    // Act
    const refused = await anonymous.post(SUBMISSION, 'txn-a');
    const served = await identified.post(SUBMISSION, 'txn-b');

    // Assess
    expect(refused.kind).toBe('failed');
    expect(served).toMatchObject({ kind: 'reply', status: 200 });
  });

  it('stops reading a submission over the cap and answers 413', async () => {
    // Prepare
    const gateway = new TestGateway();
    const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem }, gateway, maxBodyBytes: 2048 });
    cleanups.push(() => server.close());

    // Act
    const status = await new Promise<number>((resolve, reject) => {
      const req = https.request(server.url, { method: 'POST', ca: certs.caPem, headers: { 'Content-Type': 'application/xml' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('x'.repeat(100_000));
    });

    // Assess
    expect(status).toBe(413);
    expect(gateway.authorizations).toBe(0);
  });
});
