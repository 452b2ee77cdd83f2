/**
 * The conformance checks behind `secure-ivr check-validator`: a documented series of test submissions
 * sent to any validation web service, and per check a pass / fail with the reason. They check the
 * contract (transport, reply shape, robustness, idempotency), never a particular outcome: a merchant's
 * service may accept or decline the test card as it likes.
 *
 * The card sent is the well-known test number 4111111111111111 (never a real card), expiry December two
 * years ahead, security code 737. Reply texts are never printed; reasons are built from fixed phrases,
 * numbers and error codes only.
 */
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { rootCertificates, type TLSSocket } from 'node:tls';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES } from './card-field-names';
import { maskEchoedCardData } from './details-guard';
import {
  buildSubmission,
  InvalidReplyError,
  type InvalidXmlCode,
  parseReply,
  type SubmissionParam,
  type ValidationReply,
  XML_DECLARATION,
} from './xml-contract';

export const CONFORMANCE_TEST_CARD = { pan: '4111111111111111', cvv: '737' } as const;
export const CONFORMANCE_MAX_REPLY_BYTES = 64 * 1024;
export const DEFAULT_MAX_REPLY_MS = 3_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;
export const UNKNOWN_PARAM_NAME = 'secure-ivr-conformance-unknown-param';
/** Every character XML escapes, in one form value. */
export const ESCAPED_VALUE = `O'Brien & <Sons> "Ltd"`;
export const REPLAYED_HEADER = 'idempotent-replayed';

export type CheckId =
  | 'tls'
  | 'http'
  | 'declaration'
  | 'well-formed'
  | 'allowed-values'
  | 'details'
  | 'card-echo'
  | 'unknown-param'
  | 'escaping'
  | 'idempotency'
  | 'reply-size'
  | 'reply-time';

export interface CheckSpec {
  id: CheckId;
  title: string;
  /** What the check requires, for --help. */
  requirement: string;
}

/** The checks, in the order they run and are reported. */
export const CHECKS: readonly CheckSpec[] = [
  {
    id: 'tls',
    title: 'TLS and certificate',
    requirement: 'https with TLS 1.2 or later; the certificate chain verifies against the public roots plus --ca and names the host',
  },
  {
    id: 'http',
    title: 'HTTP status and content type',
    requirement: 'the standard submission gets HTTP 2xx (no redirect) with Content-Type application/xml or text/xml',
  },
  { id: 'declaration', title: 'reply declaration', requirement: 'the reply starts with the XML declaration <?xml version="1.0" encoding="UTF-8"?>' },
  {
    id: 'well-formed',
    title: 'well-formed outcome',
    requirement: 'exactly one <outcome value="…" details="…"/> element; well-formed; no DOCTYPE; no entities beyond the five XML ones',
  },
  { id: 'allowed-values', title: 'allowed values', requirement: 'the outcome value is accepted or declined' },
  { id: 'details', title: 'no | in details', requirement: 'details contain no | (the result-line separator), no CR or LF' },
  {
    id: 'unknown-param',
    title: 'unknown param',
    requirement: `a submission with an extra param (${UNKNOWN_PARAM_NAME}) still gets HTTP 2xx and a well-formed outcome`,
  },
  {
    id: 'escaping',
    title: 'escaped characters',
    requirement: `a form value holding & < > " ' (escaped in the submission) still gets HTTP 2xx and a well-formed outcome`,
  },
  {
    id: 'idempotency',
    title: 'repeated idempotency key',
    requirement:
      'the standard submission sent again with the same Idempotency-Key gets the same outcome and details (ideally flagged Idempotent-Replayed: true)',
  },
  {
    id: 'card-echo',
    title: 'no card data in details',
    requirement:
      'no reply repeats the card number (or 6+ of its digits), the expiry or the security code, nor any Luhn-valid number, in any disguise: separators, no-break or zero-width spaces, other-script digits, character references',
  },
  { id: 'reply-size', title: 'reply size', requirement: `every reply is at most ${CONFORMANCE_MAX_REPLY_BYTES} bytes` },
  { id: 'reply-time', title: 'reply time', requirement: `every reply arrives within --max-time (default ${DEFAULT_MAX_REPLY_MS} ms)` },
];

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  reason: string;
}

export interface ConformanceOptions {
  url: string;
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  cardFieldNames?: CardFieldNames;
  /** Extra form params sent with every submission (a service may require some). */
  extraParams?: readonly SubmissionParam[];
  maxReplyMs?: number;
  probeTimeoutMs?: number;
  /** Called as each check is decided, for progress output. */
  onResult?: (result: CheckResult, index: number, total: number) => void;
  now?: () => Date;
}

export interface ConformanceReport {
  passed: boolean;
  checks: CheckResult[];
}

type ProbeFailure = 'tls' | 'connect' | 'timeout' | 'too-large' | 'connection-lost';

export type ProbeResult =
  | { ok: true; status: number; headers: http.IncomingHttpHeaders; body: string; bytes: number; elapsedMs: number; tlsProtocol?: string; certDaysLeft?: number }
  | { ok: false; failure: ProbeFailure; code: string; elapsedMs: number; tlsProtocol?: string };

const TLS_ERROR = /CERT|SELF_SIGNED|SSL|TLS|UNABLE_TO|ALTNAME|HOSTNAME|EPROTO|ERR_OSSL/;

/** One POST with its own connection, a byte cap and a deadline; reports what happened, never throws. */
export function probe(options: ConformanceOptions, body: string, idempotencyKey: string): Promise<ProbeResult> {
  const url = new URL(options.url);
  const secure = url.protocol === 'https:';
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const payload = Buffer.from(body, 'utf8');
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let tlsProtocol: string | undefined;
    let certDaysLeft: number | undefined;
    let handshakeDone = false;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (failure: ProbeFailure, code: string): void =>
      finish({ ok: false, failure, code, elapsedMs: elapsed(), ...(tlsProtocol ? { tlsProtocol } : {}) });
    const requestOptions: https.RequestOptions = {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/xml; charset=utf-8',
        'Content-Length': String(payload.length),
        Accept: 'application/xml',
        'Idempotency-Key': idempotencyKey,
        'User-Agent': 'secure-ivr-check-validator',
      },
      ...(secure
        ? {
            minVersion: 'TLSv1.2' as const,
            ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}),
            ...(options.clientCertPem && options.clientKeyPem ? { cert: options.clientCertPem, key: options.clientKeyPem } : {}),
          }
        : {}),
    };
    const req = (secure ? https : http).request(url, requestOptions);
    const timer = setTimeout(() => {
      fail('timeout', `no complete reply within ${timeoutMs} ms`);
      req.destroy();
    }, timeoutMs);
    req.on('socket', (socket) => {
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        handshakeDone = true;
        if (secure) {
          const tls = socket as TLSSocket;
          tlsProtocol = tls.getProtocol() ?? undefined;
          const validTo = Date.parse(tls.getPeerCertificate().valid_to ?? '');
          if (Number.isFinite(validTo)) certDaysLeft = Math.floor((validTo - Date.now()) / 86_400_000);
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.name;
      if (TLS_ERROR.test(code)) fail('tls', code);
      else fail(handshakeDone ? 'connection-lost' : 'connect', code);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > CONFORMANCE_MAX_REPLY_BYTES) {
          fail('too-large', `more than ${CONFORMANCE_MAX_REPLY_BYTES} bytes`);
          req.destroy();
        } else chunks.push(chunk);
      });
      res.on('end', () =>
        finish({
          ok: true,
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          bytes: size,
          elapsedMs: elapsed(),
          ...(tlsProtocol ? { tlsProtocol } : {}),
          ...(certDaysLeft === undefined ? {} : { certDaysLeft }),
        }),
      );
      res.on('error', () => fail('connection-lost', 'the reply was cut off'));
    });
    req.end(payload);
  });
}

const CODE_REASON: Record<InvalidXmlCode, string> = {
  empty: 'the reply body is empty',
  'too-large': 'the reply is too large to check',
  'no-declaration': 'no XML declaration',
  doctype: 'the reply contains a DOCTYPE',
  entity: 'the reply uses an entity other than &amp; &lt; &gt; &quot; &apos;',
  malformed: 'the reply is not well-formed XML',
  'wrong-root': 'the root element is not a single <outcome>',
  'unexpected-content': '<outcome> has content or attributes beyond value and details',
  'bad-outcome': 'the outcome value is neither accepted nor declined',
  'bad-param': 'the reply is not an outcome',
  'bad-declaration': 'the XML declaration is not version 1.0 (with at most encoding and standalone)',
  'bad-character': 'the reply holds a character or character reference XML 1.0 does not allow (such as &#0; or a lone surrogate)',
  'content-after-root': 'there is content after the <outcome> element',
};

interface ReplyVerdict {
  declaration: CheckResult['status'];
  declarationReason: string;
  /** Set when the reply is a contract outcome (judged with a declaration added if it had none). */
  reply?: ValidationReply;
  /** Why there is no reply, when there is none. */
  problem?: InvalidXmlCode;
}

/** Judges a reply body: declaration separately, then the rest as if the declaration were there. */
function judgeBody(body: string): ReplyVerdict {
  try {
    return { declaration: 'pass', declarationReason: 'present', reply: parseReply(body, CONFORMANCE_MAX_REPLY_BYTES) };
  } catch (err) {
    if (!(err instanceof InvalidReplyError)) throw err;
    if (err.code !== 'no-declaration') return { declaration: 'pass', declarationReason: 'present', problem: err.code };
    try {
      return {
        declaration: 'fail',
        declarationReason: CODE_REASON['no-declaration'],
        reply: parseReply(`${XML_DECLARATION}${body.trimStart()}`, CONFORMANCE_MAX_REPLY_BYTES),
      };
    } catch (again) {
      if (!(again instanceof InvalidReplyError)) throw again;
      return { declaration: 'fail', declarationReason: CODE_REASON['no-declaration'], problem: again.code === 'no-declaration' ? 'malformed' : again.code };
    }
  }
}

function probeProblem(p: ProbeResult): string {
  if (p.ok) return '';
  switch (p.failure) {
    case 'tls':
      return `TLS failed (${p.code})`;
    case 'connect':
      return `could not connect (${p.code})`;
    case 'timeout':
      return p.code;
    case 'too-large':
      return `reply ${p.code}`;
    case 'connection-lost':
      return `connection lost before a complete reply (${p.code})`;
    default: {
      const never: never = p.failure;
      return never;
    }
  }
}

const isXmlType = (p: Extract<ProbeResult, { ok: true }>): boolean => /^(application|text)\/xml\s*(;|$)/i.test(String(p.headers['content-type'] ?? ''));

/** A contract reply with 2xx, or why not: used by the robustness checks. */
function robust(p: ProbeResult): { ok: true } | { ok: false; reason: string } {
  if (!p.ok) return { ok: false, reason: probeProblem(p) };
  if (p.status < 200 || p.status >= 300) return { ok: false, reason: `HTTP ${p.status} (the validator shows only the status, not your details)` };
  const verdict = judgeBody(p.body);
  if (!verdict.reply) return { ok: false, reason: CODE_REASON[verdict.problem ?? 'malformed'] };
  if (verdict.declaration === 'fail') return { ok: false, reason: CODE_REASON['no-declaration'] };
  return { ok: true };
}

function futureExpiry(now: Date): string {
  return `12${String((now.getUTCFullYear() + 2) % 100).padStart(2, '0')}`;
}

/** Runs every check against the service; resolves with the report, never throws for service behaviour. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const names = options.cardFieldNames ?? DEFAULT_CARD_FIELD_NAMES;
  const maxReplyMs = options.maxReplyMs ?? DEFAULT_MAX_REPLY_MS;
  const now = options.now ?? (() => new Date());
  const results: CheckResult[] = [];
  const record = (id: CheckId, status: CheckStatus, reason: string): void => {
    const spec = CHECKS.find((c) => c.id === id) as CheckSpec;
    const result = { id, title: spec.title, status, reason };
    results.push(result);
    options.onResult?.(result, results.length, CHECKS.length);
  };

  const card: SubmissionParam[] = [
    { name: names.pan, value: CONFORMANCE_TEST_CARD.pan },
    { name: names.exp, value: futureExpiry(now()) },
    { name: names.cvv, value: CONFORMANCE_TEST_CARD.cvv },
  ];
  const form = (customer: string): SubmissionParam[] => [
    { name: 'customer name', value: customer },
    { name: 'amount', value: '1.00' },
    { name: 'currency', value: 'USD' },
    ...(options.extraParams ?? []),
  ];
  const standard = buildSubmission([...form('secure-ivr conformance check'), ...card]);
  const runId = randomUUID();
  const probes: ProbeResult[] = [];
  const send = async (body: string, key: string): Promise<ProbeResult> => {
    const p = await probe(options, body, key);
    probes.push(p);
    return p;
  };

  // 1. The standard submission: transport and reply shape.
  const first = await send(standard, `conformance-${runId}-1`);
  const secure = new URL(options.url).protocol === 'https:';
  if (!secure) record('tls', 'fail', 'plain http: the validator sends card data only over https (http is allowed to loopback for the sandbox only)');
  else if (first.ok || (first.failure !== 'tls' && first.failure !== 'connect')) {
    if (first.tlsProtocol === undefined) record('tls', 'fail', probeProblem(first) || 'the TLS handshake did not complete');
    else {
      const days = first.ok ? first.certDaysLeft : undefined;
      const expiry =
        days === undefined ? '' : days < 30 ? `; certificate expires in ${days} days - renew it soon` : `; certificate valid for ${days} more days`;
      record('tls', 'pass', `${first.tlsProtocol}, certificate chain and host name verified${expiry}`);
    }
  } else {
    const hint =
      first.failure === 'tls' && /SELF_SIGNED|UNABLE_TO|CERT_UNTRUSTED|ISSUER/.test(first.code)
        ? ' - if the service uses a private CA, pass it with --ca FILE'
        : '';
    record('tls', 'fail', `${probeProblem(first)}${hint}`);
  }

  if (!first.ok && (first.failure === 'tls' || first.failure === 'connect')) {
    for (const spec of CHECKS.slice(1)) record(spec.id, 'skip', 'the service could not be reached securely');
    return { passed: false, checks: results };
  }

  const firstVerdict = first.ok ? judgeBody(first.body) : undefined;
  if (!first.ok) record('http', 'fail', probeProblem(first));
  else if (first.status >= 300 && first.status < 400) record('http', 'fail', `HTTP ${first.status}: redirects are not followed by the validator`);
  else if (first.status < 200 || first.status >= 300)
    record('http', 'fail', `HTTP ${first.status}: the validator declines any non-2xx reply without reading it`);
  else if (!isXmlType(first)) record('http', 'fail', `HTTP ${first.status} but Content-Type is not application/xml`);
  else record('http', 'pass', `HTTP ${first.status}, ${String(first.headers['content-type'])}`);

  if (!firstVerdict) {
    for (const id of ['declaration', 'well-formed', 'allowed-values', 'details'] as const) record(id, 'skip', probeProblem(first));
  } else {
    record('declaration', firstVerdict.declaration, firstVerdict.declarationReason);
    const problem = firstVerdict.problem;
    if (firstVerdict.reply) record('well-formed', 'pass', 'one <outcome> element with value and details');
    else if (problem === 'bad-outcome') record('well-formed', 'pass', 'one <outcome> element');
    else record('well-formed', 'fail', CODE_REASON[problem ?? 'malformed']);
    if (firstVerdict.reply) record('allowed-values', 'pass', `value is ${firstVerdict.reply.outcome}`);
    else if (problem === 'bad-outcome') record('allowed-values', 'fail', CODE_REASON['bad-outcome']);
    else record('allowed-values', 'skip', 'no well-formed outcome to check');
    if (!firstVerdict.reply) record('details', 'skip', 'no well-formed outcome to check');
    else {
      const details = firstVerdict.reply.details;
      const found = [details.includes('|') ? '|' : '', /[\r\n]/.test(details) ? 'CR/LF' : ''].filter((x) => x !== '');
      if (found.length > 0) record('details', 'fail', `details contain ${found.join(' and ')}: the result line uses | as its separator`);
      else record('details', 'pass', details === '' ? 'no details given' : `${details.length} characters, no | or line breaks`);
    }
  }

  // 2. Robustness: an unknown param, and values that need escaping.
  const unknown = robust(
    await send(buildSubmission([...form('secure-ivr conformance check'), { name: UNKNOWN_PARAM_NAME, value: 'ignore me' }, ...card]), `conformance-${runId}-2`),
  );
  record('unknown-param', unknown.ok ? 'pass' : 'fail', unknown.ok ? 'ignored: well-formed outcome' : unknown.reason);
  const escaped = robust(await send(buildSubmission([...form(ESCAPED_VALUE), ...card]), `conformance-${runId}-3`));
  record('escaping', escaped.ok ? 'pass' : 'fail', escaped.ok ? 'well-formed outcome for a value with & < > " \'' : escaped.reason);

  // 3. The first submission again, same key: a retry must never become a second payment.
  const again = await send(standard, `conformance-${runId}-1`);
  const firstReply = firstVerdict?.reply;
  const againReply = again.ok ? judgeBody(again.body).reply : undefined;
  if (!first.ok || !firstReply) record('idempotency', 'skip', 'the first reply was not a well-formed outcome');
  else if (!again.ok || !againReply)
    record('idempotency', 'fail', `the repeated request got no well-formed outcome (${again.ok ? `HTTP ${again.status}` : probeProblem(again)})`);
  else if (again.status !== first.status || againReply.outcome !== firstReply.outcome || againReply.details !== firstReply.details) {
    record('idempotency', 'fail', 'a repeated Idempotency-Key got a different reply: a validator retry could authorize the payment twice');
  } else {
    const flagged = String(again.headers[REPLAYED_HEADER] ?? '').toLowerCase() === 'true';
    record('idempotency', 'pass', flagged ? 'same reply, flagged Idempotent-Replayed: true' : 'same reply (tip: flag replays with Idempotent-Replayed: true)');
  }

  // 4. Card data echoed in any reply's details, compared as the validator masks it (normalised digits).
  const submitted = { pan: CONFORMANCE_TEST_CARD.pan, exp: futureExpiry(now()), cvv: CONFORMANCE_TEST_CARD.cvv };
  const replies = probes.flatMap((p) => (p.ok ? [judgeBody(p.body).reply] : [])).filter((r): r is ValidationReply => r !== undefined);
  const echoes = replies.filter((r) => maskEchoedCardData(r.details, submitted).masked > 0).length;
  if (replies.length === 0) record('card-echo', 'skip', 'no well-formed outcome to check');
  else if (echoes > 0)
    record(
      'card-echo',
      'fail',
      `${echoes} of ${replies.length} replies echo card data in their details (the validator masks it, but a service must never return card data)`,
    );
  else record('card-echo', 'pass', `none of ${replies.length} replies echo card data`);

  // 5. Limits over every reply.
  const tooLarge = probes.some((p) => !p.ok && p.failure === 'too-large');
  const largest = Math.max(0, ...probes.map((p) => (p.ok ? p.bytes : 0)));
  record(
    'reply-size',
    tooLarge ? 'fail' : 'pass',
    tooLarge ? `a reply was larger than ${CONFORMANCE_MAX_REPLY_BYTES} bytes` : `largest reply ${largest} bytes`,
  );
  const timedOut = probes.some((p) => !p.ok && p.failure === 'timeout');
  const slowest = Math.max(0, ...probes.map((p) => p.elapsedMs));
  if (timedOut) record('reply-time', 'fail', `a reply did not arrive within ${options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS} ms`);
  else record('reply-time', slowest <= maxReplyMs ? 'pass' : 'fail', `slowest reply ${slowest} ms (limit ${maxReplyMs} ms)`);

  return { passed: results.every((r) => r.status === 'pass'), checks: results };
}
