import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  createValidationClient,
  InsecureValidationUrlError,
  isLoopbackHost,
  type ValidationClient,
  type ValidationClientOptions,
  validationUrlProblem,
} from '../../../lambdas/validator/https-client';
import { otherCertificates, testCertificates, type LocalCertificates } from '../../helpers/tls';
import { replyXml, type ScriptedServer, startScriptedServer, XML_DECLARATION } from './test-server';

const ACCEPTED = `${XML_DECLARATION}<outcome value="accepted" details="ok"/>`;
const SUBMISSION = `${XML_DECLARATION}<params><param name="card number" value="4111111111111111"/></params>`;

let certs: LocalCertificates;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  certs = await testCertificates();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(script: Parameters<typeof startScriptedServer>[1], options?: Parameters<typeof startScriptedServer>[2]): Promise<ScriptedServer> {
  const s = await startScriptedServer(certs, script, options);
  cleanups.push(() => s.close());
  return s;
}

function client(options: ValidationClientOptions): ValidationClient {
  const c = createValidationClient({ sleep: async () => undefined, ...options });
  cleanups.push(() => c.close());
  return c;
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('validation URL policy', () => {
  it.each(['https://pay.example.com/validate', 'http://127.0.0.1:8080/v', 'http://127.10.0.1/v', 'http://localhost/v', 'http://[::1]:9/v'])(
    'accepts %s',
    (url) => {
      // Act
      const problem = validationUrlProblem(url);

      // Assess
      expect(problem).toBeUndefined();
    },
  );

  it.each(['http://pay.example.com/validate', 'http://10.0.0.1/v', 'http://128.0.0.1/v', 'http://localhost.example.com/v', 'ftp://127.0.0.1/v', 'not a url'])(
    'refuses %s',
    (url) => {
      // Act
      const problem = validationUrlProblem(url);

      // Assess
      expect(problem).toEqual(expect.any(String));
    },
  );

  it('refuses to build a client for plain http to a non-loopback host, with a clear error', () => {
    // Act
    const act = (): ValidationClient => createValidationClient({ url: 'http://pay.example.com/validate' });

    // Assess
    expect(act).toThrow(InsecureValidationUrlError);
    expect(act).toThrow(/loopback/);
  });

  it('recognises only 127.0.0.0/8, ::1 and localhost as loopback', () => {
    // Act
    const verdicts = ['127.0.0.1', '127.255.255.254', 'localhost', '[::1]', '127.0.0', '127.0.0.256', '10.0.0.1', 'example.com'].map(isLoopbackHost);

    // Assess
    expect(verdicts).toEqual([true, true, true, true, false, false, false, false]);
  });

  it('never switches certificate verification off in the validator sources', () => {
    // Prepare
    const lambdas = join(__dirname, '../../../lambdas');
    const files = [
      'validator/https-client.ts',
      'session/validate/handler.ts',
      'session/validate/validate.ts',
      'validator/xml-contract.ts',
      'validator/trust-material.ts',
      'validator/request-signer.ts',
      'validator/conformance.ts',
    ];
    const sources = files.map((f) => readFileSync(join(lambdas, f), 'utf8')).join('\n');

    // Act
    const disabled = /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED/.test(sources);

    // Assess
    expect(disabled).toBe(false);
  });
});

describe('createValidationClient', () => {
  it('posts the XML with the content type and the idempotency key and returns the reply', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED));
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-123');

    // Assess
    expect(result).toEqual({ kind: 'reply', status: 200, body: ACCEPTED, attempts: 1 });
    expect(s.received).toHaveLength(1);
    expect(s.received[0]).toMatchObject({ method: 'POST', body: SUBMISSION });
    expect(s.received[0]?.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(s.received[0]?.headers['idempotency-key']).toBe('txn-123');
  });

  it('reuses the connection for a second request and still works', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED));
    const c = client({ url: s.url, caPem: certs.caPem });
    await c.post(SUBMISSION, 'txn-1');

    // Act
    const second = await c.post(SUBMISSION, 'txn-2');

    // Assess
    expect(second.kind).toBe('reply');
    expect(s.received.map((r) => r.headers['idempotency-key'])).toEqual(['txn-1', 'txn-2']);
  });

  it('refuses a server whose certificate is not trusted when no CA is configured, without retrying', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED));
    const c = client({ url: s.url });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'tls', retryable: false, attempts: 1 });
    expect(s.received).toHaveLength(0);
  });

  it('refuses a server certificate signed by a different CA than the configured one', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED));
    const c = client({ url: s.url, caPem: (await otherCertificates()).caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'tls' });
    expect(s.received).toHaveLength(0);
  });

  it('refuses a certificate whose names do not match the host', async () => {
    // Prepare: the certificate names localhost, 127.0.0.1 and ::1; 127.0.0.2 is the same machine but another name.
    const s = await server(replyXml(ACCEPTED), { host: '127.0.0.2' });
    const c = client({ url: `https://127.0.0.2:${s.port}/validate`, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'tls' });
    expect(s.received).toHaveLength(0);
  });

  it('presents the client certificate to a service that requires mutual TLS', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED), { requireClientCert: true });
    const c = client({ url: s.url, caPem: certs.caPem, clientCertPem: certs.clientCertPem, clientKeyPem: certs.clientKeyPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'reply', status: 200 });
    expect(s.received).toHaveLength(1);
  });

  it('fails without retrying when a mutual-TLS service gets no client certificate', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED), { requireClientCert: true });
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'tls', retryable: false, attempts: 1 });
    expect(s.received).toHaveLength(0);
  });

  it('does not follow a redirect: the 302 is returned and nothing else is requested', async () => {
    // Prepare
    const s = await server((_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' });
      res.end();
    });
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'reply', status: 302, attempts: 1 });
    expect(s.received).toHaveLength(1);
  });

  it('returns a 500 as a reply without retrying it', async () => {
    // Prepare
    const s = await server(replyXml('oops', 500));
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'reply', status: 500, attempts: 1 });
    expect(s.received).toHaveLength(1);
  });

  it('abandons a reply that grows past the cap while streaming', async () => {
    // Prepare
    const s = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.write(XML_DECLARATION);
      for (let i = 0; i < 64; i += 1) res.write('x'.repeat(1024));
      res.end();
    });
    const c = client({ url: s.url, caPem: certs.caPem, maxReplyBytes: 4096 });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'too-large', attempts: 1 });
  });

  it('abandons a reply whose declared length is over the cap', async () => {
    // Prepare
    const s = await server((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml', 'Content-Length': String(70_000) });
      res.end('x'.repeat(70_000));
    });
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'too-large' });
  });

  it('gives up on a slow reply at the total timeout and does not retry it', async () => {
    // Prepare: the server reads the request and never answers.
    const s = await server(() => undefined);
    const c = client({ url: s.url, caPem: certs.caPem, timeoutMs: 200, connectTimeoutMs: 150 });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'timeout', retryable: false, attempts: 1 });
    expect(s.received).toHaveLength(1);
  });

  it('retries a refused connection twice with backoff, then fails', async () => {
    // Prepare
    const port = await closedPort();
    const waits: number[] = [];
    const c = client({ url: `https://127.0.0.1:${port}/validate`, caPem: certs.caPem, sleep: async (ms) => void waits.push(ms) });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'refused', retryable: false, attempts: 3 });
    expect(waits).toEqual([100, 300]);
  });

  it('retries a connection whose TLS handshake never completes, since nothing was sent', async () => {
    // Prepare: a TCP listener that accepts and stays silent.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          silent.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    );
    const { port } = silent.address() as AddressInfo;
    const c = client({ url: `https://127.0.0.1:${port}/validate`, caPem: certs.caPem, connectTimeoutMs: 100, timeoutMs: 5_000 });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'connect-timeout', attempts: 3 });
    expect(sockets).toHaveLength(3);
  });

  it('talks plain http to a loopback service (the sandbox)', async () => {
    // Prepare
    const plain = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(ACCEPTED);
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          plain.close(() => resolve());
          plain.closeAllConnections();
        }),
    );
    const { port } = plain.address() as AddressInfo;
    const c = client({ url: `http://127.0.0.1:${port}/validate` });

    // Act
    const result = await c.post(SUBMISSION, 'txn-1');

    // Assess
    expect(result).toMatchObject({ kind: 'reply', status: 200, body: ACCEPTED });
  });

  it('refuses an idempotency key that is not a safe header value, before connecting', async () => {
    // Prepare
    const s = await server(replyXml(ACCEPTED));
    const c = client({ url: s.url, caPem: certs.caPem });

    // Act
    const result = await c.post(SUBMISSION, 'txn\r\nX-Evil: 1');

    // Assess
    expect(result).toMatchObject({ kind: 'failed', code: 'bad-request', attempts: 0 });
    expect(s.received).toHaveLength(0);
  });
});
