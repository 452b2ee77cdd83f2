/**
 * The Chime SDK Voice REST endpoint the sandbox needs: UpdateSipMediaApplicationCall, reached by the
 * real ChimeSDKVoiceClient through AWS_ENDPOINT_URL_CHIME_SDK_VOICE. Requests are counted for the
 * per-session AWS request figures.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SmaEmulator } from './emulator';

export interface VoiceEndpoint {
  endpoint: string;
  counts(): Record<string, number>;
  resetCounts(): void;
  close(): Promise<void>;
}

const PATH = /^\/sip-media-applications\/([^/]+)\/calls\/([^/?]+)$/;
const MAX_BODY = 64 * 1024;

function reply(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVoiceEndpoint(emulator: SmaEmulator, port = 0): Promise<VoiceEndpoint> {
  const counts: Record<string, number> = {};
  const server = createServer((req, res) => {
    void (async () => {
      const match = PATH.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        reply(res, 404, { Message: 'Only UpdateSipMediaApplicationCall is served by the sandbox' }, 'NotFoundException');
        return;
      }
      counts['chime:UpdateSipMediaApplicationCall'] = (counts['chime:UpdateSipMediaApplicationCall'] ?? 0) + 1;
      const body = await readBody(req);
      let args: Record<string, string> | undefined;
      try {
        const parsed = JSON.parse(body ?? '') as { Arguments?: unknown };
        if (typeof parsed.Arguments === 'object' && parsed.Arguments !== null && Object.values(parsed.Arguments).every((v) => typeof v === 'string')) {
          args = parsed.Arguments as Record<string, string>;
        }
      } catch {
        args = undefined;
      }
      if (!args || Object.keys(args).length > 20) {
        reply(res, 400, { Message: 'Arguments must map at most 20 strings to strings' }, 'BadRequestException');
        return;
      }
      const smaId = decodeURIComponent(match[1] as string);
      const transactionId = decodeURIComponent(match[2] as string);
      if (!emulator.updateCall(smaId, transactionId, args)) {
        reply(res, 404, { Message: 'No such call on this SIP media application' }, 'NotFoundException');
        return;
      }
      reply(res, 202, { SipMediaApplicationResponse: { TransactionId: transactionId } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    counts: () => ({ ...counts }),
    resetCounts: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
