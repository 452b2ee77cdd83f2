/**
 * A local HTTPS server that records every request it receives (method, path, headers, raw body) and
 * answers through a route function, for the payment gateway fakes. The route may answer, hang after
 * reading the whole request (a timeout after send) or reset the connection after reading it, so the
 * connectors' "sent but unanswered" paths are driven by events, not sleeps.
 */
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export type FakeReply = { status: number; body: unknown; headers?: Record<string, string> } | { hang: true } | { reset: true };

export interface RecordingServer {
  /** e.g. https://127.0.0.1:43123 */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /** Resolves when the next request has been fully read (before it is answered). */
  nextRequest(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startRecordingServer(
  tls: { keyPem: string; certPem: string },
  route: (req: RecordedRequest) => FakeReply | Promise<FakeReply>,
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<(req: RecordedRequest) => void> = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: { ...req.headers },
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      for (const waiter of waiters.splice(0)) waiter(recorded);
      void Promise.resolve(route(recorded)).then((reply) => {
        if ('hang' in reply) {
          hanging.add(res);
          return;
        }
        if ('reset' in reply) {
          req.socket.destroy();
          return;
        }
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
        res.end(text);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    requests,
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * An object id shaped like a gateway's (`pi_3MtwBwLkdIwHu7ix28a3tqPa`): the prefix, then 24 base-62
 * characters. Letters make a long all-digit run, which a card-number scan could take for a card, as
 * rare as it is in real ids (24 hex characters hold 13 digits in a row about once in ninety).
 */
export function gatewayId(prefix: string): string {
  const bytes = randomBytes(24);
  let out = '';
  for (const byte of bytes) out += ID_ALPHABET[byte % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}
