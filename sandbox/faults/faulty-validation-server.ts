/**
 * A misbehaving merchant validation service for the soak and the fault tests. It answers like the reference
 * service (same request handling, same test gateway) unless a fault applies:
 * - per request, chosen by `faultFor` from the submission: HTTP 500, a reply slower than the validator's
 *   time limit, a malformed or hostile reply (not XML, no declaration, DOCTYPE/XXE, billion laughs, an
 *   unknown outcome, an oversize or truncated body, details echoing the card number), a connection
 *   reset after the request was read, or an authorization whose reply echoes the card number, expiry and
 *   security code in disguise (other-script digits, odd separators, character references);
 * - per connection, armed with `armConnectionFault`: a TLS handshake with a certificate from another CA
 *   (the validator must refuse it), or a reset before the handshake.
 * Connection faults are taken by the next new connections, so the server can close every connection after
 * its reply (`closeConnections`) to make each request open a fresh one.
 */
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import { type LocalCertificates, makeLocalCertificates } from '../tls/certificates';
import { TestGateway, type PaymentGateway } from '../../lambdas/validation-service/gateway';
import { handleValidationRequest, ReplyCache } from '../../lambdas/validation-service/service';
import { buildReply, parseReply, parseSubmission, XML_DECLARATION } from '../../lambdas/validator/xml-contract';

export const MALFORMED_REPLIES = [
  'not-xml',
  'no-declaration',
  'doctype-xxe',
  'billion-laughs',
  'unknown-outcome',
  'oversize',
  'truncated',
  'echo-card',
] as const;
export type MalformedReply = (typeof MALFORMED_REPLIES)[number];

/** How an echoing service dresses the card data up (security review 1: each one passed the old filter). */
export const ECHO_DISGUISES = [
  'dots',
  'slashes',
  'no-break-spaces',
  'zero-width-spaces',
  'full-width',
  'arabic-indic',
  'char-refs',
  'double-escaped-refs',
] as const;
export type EchoDisguise = (typeof ECHO_DISGUISES)[number];

export type RequestFault =
  | { kind: 'http-500' }
  | { kind: 'slow' }
  | { kind: 'malformed'; variant: MalformedReply }
  | { kind: 'reset' }
  | { kind: 'echo-disguised'; disguise: EchoDisguise };
export type ConnectionFault = 'tls-wrong-cert' | 'reset-before-handshake';

export interface FaultyValidationServerOptions {
  /** Which fault (if any) a request gets; sees the raw submission. @default none */
  faultFor?: (request: { body: string; headers: IncomingHttpHeaders }) => RequestFault | undefined;
  /** How long a slow reply is held (real ms). Make it longer than the validator's time limit. @default 2000 */
  slowMs?: number;
  /** Send `Connection: close` with every reply, so connection faults reach the next request. @default false */
  closeConnections?: boolean;
  gateway?: PaymentGateway;
  /**
   * The service's certificates and the unrelated set served by the wrong-certificate fault (two sets
   * differing in their CA). Made fresh by default; tests pass shared ones, since RSA key generation is
   * the slow part of starting and a loaded machine can take seconds per set.
   */
  certificates?: { good: LocalCertificates; wrong: LocalCertificates };
}

/** One authorization the gateway approved, with the Idempotency-Key and the call's account it came with. */
export interface Charge {
  reference: string;
  account: string;
}

export interface FaultyValidationServer {
  url: string;
  /** The CA the validator must trust (the wrong-certificate fault uses another CA). */
  caPem: string;
  /** The next `count` new connections fail this way. */
  armConnectionFault(fault: ConnectionFault, count?: number): void;
  /** Faults served, by kind (`http-500`, `slow`, `malformed:<variant>`, `reset`, `tls-wrong-cert`, …). */
  served(): Record<string, number>;
  /** Every approved authorization, in order: a double charge is one account charged twice. */
  charges(): Charge[];
  close(): Promise<void>;
}

const PAN_PARAM = /<param name="(?:pan|card number|cardNumber)" value="(\d{12,19})"\/>/i;

/** The reply body for a malformed variant (status 200, as a broken service would send). */
export function malformedReply(variant: MalformedReply, submission: string): string {
  switch (variant) {
    case 'not-xml':
      return 'OK accepted';
    case 'no-declaration':
      return '<outcome value="accepted" details="Approved"/>';
    case 'doctype-xxe':
      return `${XML_DECLARATION}<!DOCTYPE outcome [<!ENTITY x SYSTEM "file:///etc/passwd">]><outcome value="accepted" details="&x;"/>`;
    case 'billion-laughs': {
      const entities = Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`).join('');
      return `${XML_DECLARATION}<!DOCTYPE outcome [<!ENTITY l0 "lol">${entities}]><outcome value="accepted" details="&l9;"/>`;
    }
    case 'unknown-outcome':
      return `${XML_DECLARATION}<outcome value="maybe" details="Pending"/>`;
    case 'oversize':
      return `${XML_DECLARATION}<outcome value="accepted" details="${'A'.repeat(70 * 1024)}"/>`;
    case 'truncated':
      return `${XML_DECLARATION}<outcome value="acc`;
    case 'echo-card': {
      // A buggy service echoing the card number back in the details: it must never reach the agent.
      const pan =
        PAN_PARAM.exec(submission)?.[1] ??
        (() => {
          try {
            return parseSubmission(submission).find((p) => /^\d{12,19}$/.test(p.value))?.value;
          } catch {
            return undefined;
          }
        })() ??
        '4111111111111111';
      return buildReply('accepted', `Approved for card ${pan}`);
    }
    default: {
      const unreachable: never = variant;
      return unreachable;
    }
  }
}

const FULL_WIDTH_ZERO = 0xff10;
const ARABIC_INDIC_ZERO = 0x0660;
const shift = (digits: string, zero: number): string => digits.replace(/\d/g, (d) => String.fromCodePoint(zero + Number(d)));
const groups = (digits: string, sep: string): string => (digits.match(/.{1,4}/g) ?? []).join(sep);

/** The card data written the way a disguise says (as XML attribute text, already escaped where needed). */
export function disguise(digits: string, how: EchoDisguise): string {
  switch (how) {
    case 'dots':
      return groups(digits, '.');
    case 'slashes':
      return groups(digits, '/');
    case 'no-break-spaces':
      return groups(digits, '&#160;');
    case 'zero-width-spaces':
      return digits.split('').join('&#8203;');
    case 'full-width':
      return shift(digits, FULL_WIDTH_ZERO);
    case 'arabic-indic':
      return shift(digits, ARABIC_INDIC_ZERO);
    case 'char-refs':
      return digits
        .split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join('');
    case 'double-escaped-refs':
      return digits
        .split('')
        .map((d) => `&amp;#x${d.charCodeAt(0).toString(16)};`)
        .join('');
    default: {
      const unreachable: never = how;
      return unreachable;
    }
  }
}

function cardOf(submission: string): { pan: string; exp: string; cvv: string } | undefined {
  try {
    const params = new Map(parseSubmission(submission).map((p) => [p.name, p.value]));
    const pan = [...params.values()].find((v) => /^\d{12,19}$/.test(v));
    const exp = params.get('expiry date') ?? params.get('exp') ?? '';
    const cvv = params.get('security code') ?? params.get('cvv') ?? '';
    return pan ? { pan, exp, cvv } : undefined;
  } catch {
    return undefined;
  }
}

/** An accepted reply whose details repeat the card number, expiry and security code in one disguise. */
export function echoingReply(submission: string, how: EchoDisguise, outcome: 'accepted' | 'declined', details: string): string {
  const card = cardOf(submission);
  if (!card) return buildReply(outcome, details);
  const echo = `${details} - card ${disguise(card.pan, how)} exp ${disguise(card.exp.slice(0, 2), how)}/${disguise(card.exp.slice(2), how)} cvv ${disguise(card.cvv, how)}`;
  // buildReply escapes `&`, which would spoil the character references: the details go in as they are.
  return `${XML_DECLARATION}<outcome value="${outcome}" details="${echo.replace(/[<>"|]/g, ' ')}"/>`;
}

export async function startFaultyValidationServer(options: FaultyValidationServerOptions = {}): Promise<FaultyValidationServer> {
  const { good, wrong } = options.certificates ?? {
    good: await makeLocalCertificates(),
    wrong: await makeLocalCertificates(),
  };
  const inner = options.gateway ?? new TestGateway();
  const approved: Array<{ reference: string }> = [];
  const accounts = new Map<string, string>();
  // Counts what the gateway approved, so a soak can prove no payment was charged twice.
  const gateway: PaymentGateway = {
    authorize: async (req) => {
      const result = await inner.authorize(req);
      if (result.approved) approved.push({ reference: req.reference });
      return result;
    },
  };
  const replies = new ReplyCache(10_000);
  const slowMs = options.slowMs ?? 2000;
  const served = new Map<string, number>();
  const count = (kind: string): void => void served.set(kind, (served.get(kind) ?? 0) + 1);
  const armed: ConnectionFault[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const handler: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 256 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = req.headers['idempotency-key'];
      const account = /<param name="customer account" value="([^"]*)"\/>/.exec(body)?.[1];
      if (typeof key === 'string' && account !== undefined) accounts.set(key, account);
      const fault = options.faultFor?.({ body, headers: req.headers });
      const close = options.closeConnections ? { Connection: 'close' } : {};
      const send = (status: number, text: string): void => {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(status, { 'Content-Type': 'application/xml; charset=utf-8', ...close });
        res.end(text);
      };
      if (fault?.kind === 'reset') {
        count('reset');
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'http-500') {
        count('http-500');
        send(500, buildReply('declined', 'Internal error'));
        return;
      }
      if (fault?.kind === 'malformed') {
        count(`malformed:${fault.variant}`);
        send(200, malformedReply(fault.variant, body));
        return;
      }
      const answer = (): void =>
        void handleValidationRequest({ method: req.method ?? 'GET', headers: req.headers, body }, gateway, { replies }).then((result) => {
          if (res.destroyed || res.writableEnded) return;
          let text = result.body;
          if (fault?.kind === 'echo-disguised' && result.status === 200) {
            count(`echo-disguised:${fault.disguise}`);
            const reply = parseReply(result.body);
            text = echoingReply(body, fault.disguise, reply.outcome, reply.details);
          }
          res.writeHead(result.status, { ...result.headers, ...close });
          res.end(text);
        });
      if (fault?.kind === 'slow') {
        count('slow');
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, slowMs);
        timers.add(timer);
        return;
      }
      answer();
    });
  };

  const tlsOptions = { minVersion: 'TLSv1.2' as const };
  const goodServer = https.createServer({ ...tlsOptions, key: good.keyPem, cert: good.certPem }, handler);
  const wrongServer = https.createServer({ ...tlsOptions, key: wrong.keyPem, cert: wrong.certPem }, handler);
  for (const s of [goodServer, wrongServer]) {
    // A refused handshake is expected here; keep it off the process's error path.
    s.on('tlsClientError', () => undefined);
    s.headersTimeout = 10_000;
    s.requestTimeout = 15_000;
  }
  const sockets = new Set<Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const fault = armed.shift();
    if (fault === 'reset-before-handshake') {
      count(fault);
      socket.destroy();
    } else if (fault === 'tls-wrong-cert') {
      count(fault);
      wrongServer.emit('connection', socket);
    } else {
      goodServer.emit('connection', socket);
    }
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(0, '127.0.0.1', () => {
      front.off('error', reject);
      resolve();
    });
  });
  const { port } = front.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}/validate`,
    caPem: good.caPem,
    armConnectionFault: (fault, n = 1) => {
      for (let i = 0; i < n; i += 1) armed.push(fault);
    },
    served: () => Object.fromEntries([...served.entries()].sort(([a], [b]) => a.localeCompare(b))),
    charges: () => approved.map(({ reference }) => ({ reference, account: accounts.get(reference) ?? '' })),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      goodServer.closeAllConnections();
      wrongServer.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
