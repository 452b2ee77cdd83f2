import { createHash, createHmac } from 'node:crypto';
import { createValidationClient } from '../../../lambdas/validator/https-client';
import { createSigV4Signer } from '../../../lambdas/validator/request-signer';
import { testCertificates } from '../../helpers/tls';
import { replyXml, type ReceivedRequest, startScriptedServer, XML_DECLARATION } from './test-server';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token' };
const BODY = `${XML_DECLARATION}<params><param name="amount" value="1.00"/></params>`;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** An independent SigV4 check of what the server received (AWS's documented algorithm, no SDK code). */
function expectedSignature(req: ReceivedRequest, host: string): { signature: string; credential: string; signedHeaders: string } {
  const auth = String(req.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) throw new Error('no SigV4 authorization header');
  const [, credential = '', signedHeaders = ''] = match;
  const [, date = '', region = '', service = ''] = credential.split('/');
  const amzDate = String(req.headers['x-amz-date']);
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${name === 'host' ? host : String(req.headers[name]).trim()}\n`)
    .join('');
  const canonicalRequest = [req.method, req.url.split('?')[0], '', canonicalHeaders, signedHeaders, sha256(req.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date), region), service), 'aws4_request');
  return { signature: createHmac('sha256', key).update(stringToSign).digest('hex'), credential, signedHeaders };
}

describe('SigV4 signing of submissions', () => {
  it('signs the POST for a Lambda function URL so that the signature verifies independently', async () => {
    // Prepare
    const certs = await testCertificates();
    const server = await startScriptedServer(certs, replyXml(`${XML_DECLARATION}<outcome value="accepted" details="ok"/>`));
    const client = createValidationClient({
      url: server.url,
      caPem: certs.caPem,
      signer: createSigV4Signer({ region: 'eu-west-1', credentials: CREDENTIALS }),
    });

    try {
      // Act
      const result = await client.post(BODY, 'txn-sig');

      // Assess
      expect(result).toMatchObject({ kind: 'reply', status: 200 });
      const received = server.received[0] as ReceivedRequest;
      const { signature, credential, signedHeaders } = expectedSignature(received, `127.0.0.1:${server.port}`);
      expect(credential).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/lambda\/aws4_request$/);
      expect(signedHeaders.split(';')).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'idempotency-key', 'content-type']));
      expect(String(received.headers.authorization)).toContain(`Signature=${signature}`);
      expect(received.headers['x-amz-security-token']).toBe('session-token');
    } finally {
      client.close();
      await server.close();
    }
  });

  it('sends nothing when signing fails, and says why', async () => {
    // Prepare
    const certs = await testCertificates();
    const server = await startScriptedServer(certs, replyXml('never'));
    const signer = createSigV4Signer({ region: 'eu-west-1', credentials: async () => Promise.reject(new Error('no credentials')) });
    const client = createValidationClient({ url: server.url, caPem: certs.caPem, signer });

    try {
      // Act
      const result = await client.post(BODY, 'txn-nosig');

      // Assess
      expect(result).toMatchObject({ kind: 'failed', code: 'signing', attempts: 0 });
      expect(server.received).toHaveLength(0);
    } finally {
      client.close();
      await server.close();
    }
  });
});
