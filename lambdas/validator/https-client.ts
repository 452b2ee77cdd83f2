/**
 * The validator's HTTPS client for the validation web service, on node:https alone.
 *
 * Posture: TLS 1.2 or newer with certificate verification always on (an extra CA bundle may be added
 * to the public roots, never verification switched off), optional client certificate (mutual TLS),
 * plain http only to a loopback host (the sandbox), no redirects followed, a bounded reply size and
 * bounded time. A request is retried only when it provably never reached the service: the connection
 * was refused, the name did not resolve, or the connection (TCP and TLS handshake) did not complete in
 * time. Application data is only written after the handshake, so none of those can have delivered it.
 * Nothing is retried once the service may have seen the request: a payment must not be sent twice.
 *
 * A service behind IAM authentication (the reference service's function URL) gets each submission
 * signed once by an injected RequestSigner (SigV4); a signing failure sends nothing.
 *
 * Connections are kept alive between requests (a TLS handshake per payment would cap throughput). If
 * the service closes an idle connection just as it is reused, the request fails as 'connection-lost'
 * and is not retried: the validator reports the outcome as unknown rather than risk a double charge.
 */
import http from 'node:http';
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { Socket } from 'node:net';
import type { RequestSigner } from './request-signer';
import { DEFAULT_MAX_REPLY_BYTES } from './xml-contract';

export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
export const DEFAULT_TOTAL_TIMEOUT_MS = 10_000;
export const MAX_RETRIES = 2;
const DEFAULT_BACKOFF_MS = [100, 300];

export interface ValidationClientOptions {
  /** The validation service's URL: https, or http to a loopback host only. */
  url: string;
  /** Extra trusted CA certificates (PEM), added to Node's public roots. */
  caPem?: string;
  /** Client certificate and key (PEM) for services that require mutual TLS. */
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Time allowed for TCP connect plus TLS handshake, per attempt. @default 3000 */
  connectTimeoutMs?: number;
  /** Time allowed for the whole exchange, retries included. @default 10000 */
  timeoutMs?: number;
  /** Largest reply body read; a larger one is abandoned. @default 65536 */
  maxReplyBytes?: number;
  /** Retries when the request never reached the service (at most 2). @default 2 */
  retries?: number;
  /** Waits before retry n (ms). @default [100, 300] */
  backoffMs?: readonly number[];
  /** Reuse connections between requests. @default true */
  keepAlive?: boolean;
  /**
   * Signs each submission (e.g. SigV4 for a function URL with IAM auth); called once per post, so
   * retries carry the same signature.
   * @default - unsigned
   */
  signer?: RequestSigner;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export type FailureCode = 'refused' | 'dns' | 'connect-timeout' | 'timeout' | 'tls' | 'too-large' | 'connection-lost' | 'bad-request' | 'signing' | 'network';

export type ExchangeResult =
  | { kind: 'reply'; status: number; body: string; attempts: number }
  | { kind: 'failed'; reason: string; retryable: false; code: FailureCode; attempts: number };

export interface ValidationClient {
  /** POSTs one XML submission; never throws for network or reply problems. */
  post(body: string, idempotencyKey: string): Promise<ExchangeResult>;
  /** Closes pooled connections. */
  close(): void;
}

/** The CA bundle or the client certificate and key cannot make a TLS context (not PEM, key mismatch). */
export class TlsMaterialError extends Error {
  public constructor() {
    super('The validation service CA bundle or client certificate could not be loaded: check that they are PEM and that the key matches the certificate.');
    this.name = 'TlsMaterialError';
  }
}

/** The configured URL is not one we will send card data to. */
export class InsecureValidationUrlError extends Error {
  public constructor(problem: string) {
    super(`The validation service URL is refused: ${problem}.`);
    this.name = 'InsecureValidationUrlError';
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (LOOPBACK_NAMES.has(host)) return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}

/** Why a validation URL is unacceptable, or undefined when it is fine. Never quotes the URL itself. */
export function validationUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'it is not an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname) ? undefined : 'plain http is only allowed to a loopback address (127.0.0.0/8, ::1, localhost); use https';
  }
  return 'only https URLs are supported';
}

const REASONS: Record<FailureCode, string> = {
  refused: 'validation service refused the connection',
  dns: 'validation service host name could not be resolved',
  'connect-timeout': 'validation service could not be reached in time',
  timeout: 'validation service did not answer in time',
  tls: 'validation service could not be trusted (TLS certificate or handshake failed)',
  'too-large': 'validation service sent a reply larger than allowed',
  'connection-lost': 'connection to the validation service was lost before a complete reply',
  'bad-request': 'the request could not be formed (invalid idempotency key)',
  signing: 'the request could not be signed (no usable AWS credentials)',
  network: 'validation service could not be reached (network error)',
};

const TLS_ERROR = /CERT|SELF_SIGNED|SSL|TLS|UNABLE_TO|ALTNAME|HOSTNAME|EPROTO|ERR_OSSL/;
const HEADER_SAFE = /^[\x21-\x7e]{1,255}$/;

interface AttemptFailure {
  code: FailureCode;
  neverSent: boolean;
}

type AttemptResult = { kind: 'reply'; status: number; body: string } | { kind: 'failed'; failure: AttemptFailure };

/** Marks a request destroyed by our own timers or caps, so its error event is not classified again. */
class RequestAbandonedError extends Error {
  public constructor() {
    super('The request was abandoned before a reply came.');
    this.name = 'RequestAbandonedError';
  }
}

function classify(err: unknown, handshakeDone: boolean): AttemptFailure {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  // A TLS failure is not transient: retrying would only repeat it. With TLS 1.3 a refused client
  // certificate is reported after the client's side of the handshake, hence checked first.
  if (TLS_ERROR.test(code)) return { code: 'tls', neverSent: false };
  if (handshakeDone) return { code: 'connection-lost', neverSent: false };
  if (code === 'ECONNREFUSED') return { code: 'refused', neverSent: true };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'dns', neverSent: true };
  return { code: 'network', neverSent: false };
}

export function createValidationClient(options: ValidationClientOptions): ValidationClient {
  const problem = validationUrlProblem(options.url);
  if (problem !== undefined) throw new InsecureValidationUrlError(problem);
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  const retries = Math.min(Math.max(options.retries ?? MAX_RETRIES, 0), MAX_RETRIES);
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const keepAlive = options.keepAlive ?? true;

  // One TLS context for the client's lifetime. Passing `ca`/`cert`/`key` to the agent instead would put the
  // whole CA bundle into the agent's pool key, rebuilt on every request (measured ~5x slower).
  let secureContext: ReturnType<typeof createSecureContext> | undefined;
  try {
    secureContext = secure
      ? createSecureContext({
          minVersion: 'TLSv1.2',
          // `ca` replaces Node's roots, so the public roots are passed along with the extra bundle.
          ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}),
          ...(options.clientCertPem && options.clientKeyPem ? { cert: options.clientCertPem, key: options.clientKeyPem } : {}),
        })
      : undefined;
  } catch {
    // OpenSSL's message may quote the material; a fixed message says what to check instead.
    throw new TlsMaterialError();
  }
  const agent = secure ? new https.Agent({ keepAlive, minVersion: 'TLSv1.2', secureContext }) : new http.Agent({ keepAlive });
  const transport = secure ? https : http;

  const baseHeaders = (length: number, idempotencyKey: string): Record<string, string> => ({
    'Content-Type': 'application/xml; charset=utf-8',
    'Content-Length': String(length),
    Accept: 'application/xml',
    'Idempotency-Key': idempotencyKey,
    'User-Agent': 'secure-ivr-validator',
  });

  function attempt(body: Buffer, headers: Record<string, string>, deadlineAt: number): Promise<AttemptResult> {
    return new Promise((resolve) => {
      let settled = false;
      let handshakeDone = false;
      let connectTimer: NodeJS.Timeout | undefined;
      let totalTimer: NodeJS.Timeout | undefined;
      const finish = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(totalTimer);
        resolve(result);
      };
      const fail = (code: FailureCode, neverSent: boolean): void => finish({ kind: 'failed', failure: { code, neverSent } });

      const req = transport.request(url, {
        method: 'POST',
        agent,
        headers,
      });
      // Our own timers end the request; RequestAbandonedError marks the destroy as ours so 'error' ignores it.
      const abandon = (code: FailureCode, neverSent: boolean): void => {
        fail(code, neverSent);
        req.destroy(new RequestAbandonedError());
      };
      const connected = (): void => {
        handshakeDone = true;
        clearTimeout(connectTimer);
      };
      connectTimer = setTimeout(
        () => {
          if (!handshakeDone) abandon('connect-timeout', true);
        },
        Math.max(1, Math.min(connectTimeoutMs, deadlineAt - Date.now())),
      );
      totalTimer = setTimeout(() => abandon('timeout', false), Math.max(1, deadlineAt - Date.now()));

      req.on('socket', (socket: Socket) => {
        // A pooled keep-alive socket is already connected and its handshake long done.
        if (req.reusedSocket) connected();
        else socket.once(secure ? 'secureConnect' : 'connect', connected);
      });
      req.on('error', (err) => {
        if (err instanceof RequestAbandonedError) return;
        const failure = classify(err, handshakeDone);
        fail(failure.code, failure.neverSent);
      });
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxReplyBytes) {
          abandon('too-large', false);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxReplyBytes) abandon('too-large', false);
          else chunks.push(chunk);
        });
        res.on('end', () => finish({ kind: 'reply', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', () => fail('connection-lost', false));
        res.on('close', () => {
          if (!res.complete) fail('connection-lost', false);
        });
      });
      req.end(body);
    });
  }

  async function post(xml: string, idempotencyKey: string): Promise<ExchangeResult> {
    if (!HEADER_SAFE.test(idempotencyKey)) return { kind: 'failed', reason: REASONS['bad-request'], retryable: false, code: 'bad-request', attempts: 0 };
    const body = Buffer.from(xml, 'utf8');
    const deadlineAt = Date.now() + timeoutMs;
    let headers = baseHeaders(body.length, idempotencyKey);
    if (options.signer) {
      try {
        headers = { ...headers, ...(await options.signer({ method: 'POST', url, headers, body })) };
      } catch {
        return { kind: 'failed', reason: REASONS.signing, retryable: false, code: 'signing', attempts: 0 };
      }
    }
    let failure: AttemptFailure = { code: 'network', neverSent: false };
    let attempts = 0;
    while (attempts <= retries) {
      attempts += 1;
      const result = await attempt(body, headers, deadlineAt);
      if (result.kind === 'reply') return { ...result, attempts };
      failure = result.failure;
      const wait = backoff[attempts - 1] ?? backoff[backoff.length - 1] ?? 0;
      if (!failure.neverSent || attempts > retries || Date.now() + wait >= deadlineAt) break;
      await sleep(wait);
    }
    return { kind: 'failed', reason: REASONS[failure.code], retryable: false, code: failure.code, attempts };
  }

  return {
    post,
    close: () => agent.destroy(),
  };
}
