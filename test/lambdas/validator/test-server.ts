/**
 * Scripted HTTPS servers on 127.0.0.1 for the validator client tests: each answers with whatever the
 * test says and records the requests it received (so tests can count them).
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalCertificates } from '../../helpers/tls';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ScriptedServer {
  url: string;
  port: number;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export type Script = (req: ReceivedRequest, res: ServerResponse) => void;

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Replies 200 with an XML body. */
export const replyXml =
  (body: string, status = 200): Script =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/xml' });
    res.end(body);
  };

export async function startScriptedServer(
  certs: LocalCertificates,
  script: Script,
  options: { requireClientCert?: boolean; host?: string } = {},
): Promise<ScriptedServer> {
  const received: ReceivedRequest[] = [];
  const server = https.createServer(
    {
      key: certs.keyPem,
      cert: certs.certPem,
      ...(options.requireClientCert ? { ca: certs.caPem, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const record = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        received.push(record);
        script(record, res);
      });
    },
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host}:${port}/validate`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
