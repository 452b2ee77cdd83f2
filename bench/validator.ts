/**
 * Validator throughput on loopback HTTPS: requests per second and p99 latency of
 *  - the validator client (createValidationClient + reply parsing, keep-alive, TLS 1.3) against a minimal
 *    fixed-reply HTTPS server running in a worker thread, so the figure is the client's own cost, and
 *  - the reference validation service (startValidationServer + TestGateway, fresh Idempotency-Key per
 *    request) driven by a plain keep-alive node:https client in this thread.
 * Bounded: 5,000 measured requests (after 300 warm-up) at concurrency 32, and at most 20 s per part.
 * Target (ARCHITECTURE.md): validator client ≥ 2,000 requests/s on loopback.
 *
 * Run alone: `npx tsx bench/validator.ts`; bench/run.ts calls benchValidator().
 */
import https from 'node:https';
import { Worker } from 'node:worker_threads';
import { makeLocalCertificates } from '../sandbox/tls/certificates';
import { startValidationServer } from '../lambdas/validation-service/server';
import { createValidationClient } from '../lambdas/validator/https-client';
import { decide } from '../lambdas/session/validate/validate';
import { buildSubmission, XML_DECLARATION } from '../lambdas/validator/xml-contract';

export interface ValidatorBenchResult {
  clientRps: number;
  clientP99Ms: number;
  serviceRps: number;
  serviceP99Ms: number;
  requests: number;
}

const REQUESTS = 5_000;
const WARMUP = 300;
const CONCURRENCY = 32;
const TIME_LIMIT_MS = 20_000;
const REPLY = `${XML_DECLARATION}<outcome value="accepted" details="Approved - authorisation code 123456"/>`;
const SUBMISSION = buildSubmission([
  { name: 'customer name', value: 'Bench' },
  { name: 'amount', value: '12.50' },
  { name: 'card number', value: '4111111111111111' },
  { name: 'expiry date', value: '1230' },
  { name: 'security code', value: '737' },
]);

/** The fixed-reply server, as plain JavaScript for a worker thread (its own event loop and core). */
const FIXED_REPLY_SERVER = `
const https = require('node:https');
const { parentPort, workerData } = require('node:worker_threads');
const server = https.createServer({ key: workerData.key, cert: workerData.cert, keepAliveTimeout: 30000 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(workerData.reply) });
    res.end(workerData.reply);
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
`;

interface Run {
  rps: number;
  p99Ms: number;
  completed: number;
}

/** Runs `one` with CONCURRENCY in flight until `count` complete or the time limit passes. */
async function drive(count: number, one: (i: number) => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + TIME_LIMIT_MS;
  const lane = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next;
      next += 1;
      const t0 = performance.now();
      await one(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  return { rps: latencies.length / seconds, p99Ms: p99, completed: latencies.length };
}

async function benchClient(certs: Awaited<ReturnType<typeof makeLocalCertificates>>): Promise<Run> {
  const worker = new Worker(FIXED_REPLY_SERVER, { eval: true, workerData: { key: certs.keyPem, cert: certs.certPem, reply: REPLY } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const client = createValidationClient({ url: `https://127.0.0.1:${port}/validate`, caPem: certs.caPem });
  try {
    const once = async (i: number): Promise<void> => {
      const decision = decide(await client.post(SUBMISSION, `bench-${i}`), 65_536);
      if (decision.outcome !== 'accepted') throw new Error('the fixed-reply server was not accepted; the benchmark is broken');
    };
    await drive(WARMUP, once);
    return await drive(REQUESTS, once);
  } finally {
    client.close();
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  }
}

async function benchService(certs: Awaited<ReturnType<typeof makeLocalCertificates>>): Promise<Run> {
  const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem } });
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: certs.caPem });
  const url = new URL(server.url);
  const body = Buffer.from(SUBMISSION);
  const once = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method: 'POST', agent, headers: { 'Content-Type': 'application/xml', 'Content-Length': body.length, 'Idempotency-Key': `svc-${i}` } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`the reference service answered ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  try {
    await drive(WARMUP, (i) => once(i + 1_000_000));
    return await drive(REQUESTS, once);
  } finally {
    agent.destroy();
    await server.close();
  }
}

export async function benchValidator(): Promise<ValidatorBenchResult> {
  const certs = await makeLocalCertificates();
  const client = await benchClient(certs);
  const service = await benchService(certs);
  return {
    clientRps: Math.round(client.rps),
    clientP99Ms: Number(client.p99Ms.toFixed(2)),
    serviceRps: Math.round(service.rps),
    serviceP99Ms: Number(service.p99Ms.toFixed(2)),
    requests: Math.min(client.completed, service.completed),
  };
}

if (require.main === module) {
  benchValidator().then(
    (r) => {
      process.stdout.write(
        `validator client   ${r.clientRps} req/s  p99 ${r.clientP99Ms} ms  (target ≥ 2000 req/s)\nreference service  ${r.serviceRps} req/s  p99 ${r.serviceP99Ms} ms\n(${r.requests} requests each, concurrency ${CONCURRENCY}, loopback HTTPS)\n`,
      );
    },
    (e: unknown) => {
      process.stderr.write(`bench/validator: ${e instanceof Error ? e.message : 'failed'}\n`);
      process.exitCode = 1;
    },
  );
}
