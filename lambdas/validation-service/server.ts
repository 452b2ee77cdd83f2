/**
 * The reference validation web service over node:https, as the sandbox runs it (loopback by default).
 * Reads at most the submission cap, then hands the request to handleValidationRequest.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { CardFieldNames } from '../validator/card-field-names';
import { buildReply, DEFAULT_MAX_REPLY_BYTES } from '../validator/xml-contract';
import { type PaymentGateway, TestGateway } from './gateway';
import { handleValidationRequest, ReplyCache } from './service';

export interface ValidationServerOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default 127.0.0.1 */
  host?: string;
  /** The server's key and certificate (PEM). */
  tls: { key: string; cert: string /** When set, clients must present a certificate signed by this CA. */; clientCaPem?: string };
  /** @default a TestGateway */
  gateway?: PaymentGateway;
  cardFieldNames?: CardFieldNames;
  /** Idempotency keys remembered. @default 10000 */
  rememberedReplies?: number;
  /** @default 65536 */
  maxBodyBytes?: number;
}

export interface RunningValidationServer {
  /** e.g. https://127.0.0.1:43123/validate */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startValidationServer(options: ValidationServerOptions): Promise<RunningValidationServer> {
  const gateway = options.gateway ?? new TestGateway();
  const replies = new ReplyCache(options.rememberedReplies ?? 10_000);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  const host = options.host ?? '127.0.0.1';

  const server = https.createServer(
    {
      key: options.tls.key,
      cert: options.tls.cert,
      minVersion: 'TLSv1.2',
      ...(options.tls.clientCaPem ? { ca: options.tls.clientCaPem, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        if (refused) return;
        size += chunk.length;
        if (size > maxBodyBytes) {
          refused = true;
          res.writeHead(413, { 'Content-Type': 'application/xml; charset=utf-8', Connection: 'close' });
          res.end(buildReply('declined', 'Declined - submission too large'));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (refused) return;
        void handleValidationRequest({ method: req.method ?? 'GET', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }, gateway, {
          replies,
          maxBodyBytes,
          ...(options.cardFieldNames ? { cardFieldNames: options.cardFieldNames } : {}),
        }).then((result) => {
          res.writeHead(result.status, result.headers);
          res.end(result.body);
        });
      });
    },
  );
  // Slow clients do not hold the sandbox's sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}/validate`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
