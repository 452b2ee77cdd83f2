import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2, EventBridgeEvent } from 'aws-lambda';
import { s3AuditSink, type AuditSink, type RedactionAuditEvent } from '../../../lambdas/redact/audit';
import { redactHttp } from '../../../lambdas/redact/http';
import { parseRedactionConfig } from '../../../lambdas/redact/redaction-config';
import {
  parseRedactionRequest,
  redactRequest,
  RedactionRequestError,
  type RedactionDeps,
  type RedactionResult,
} from '../../../lambdas/redact/redaction-service';
import { Redactor } from '../../../lambdas/redact/redactor';
import { captureLogs, type LogCapture } from '../../../sandbox/log-capture';

const SENTINEL = '4111111111111111';
const SENTINEL_SPACED = '4111 1111 1111 1111';
const EVENTS = join(__dirname, '../../../events/redact');
const redactor = new Redactor(parseRedactionConfig(readFileSync(join(__dirname, '../../../config/redaction.json'), 'utf8')));

function deps(events: RedactionAuditEvent[]): RedactionDeps {
  const audit: AuditSink = { write: async (event) => void events.push(event) };
  return { redactor, audit, clock: () => new Date('2026-11-20T10:00:00Z'), newId: () => 'audit-1' };
}

function noCardIn(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toContain(SENTINEL);
  expect(text).not.toContain(SENTINEL_SPACED);
  expect(text).not.toContain('4111-1111-1111-1111');
}

describe('redaction service', () => {
  it('redacts a chat request and writes an audit event with counts and rule ids only', async () => {
    // Prepare
    const events: RedactionAuditEvent[] = [];
    const request = parseRedactionRequest({ channel: 'chat', text: `pay with ${SENTINEL_SPACED} and ssn 123-45-6789`, correlationId: 'conv-1' });
    // Act
    const result = await redactRequest(request, 'eventbridge', deps(events));
    // Assess
    expect(result).toEqual({
      channel: 'chat',
      contentType: 'text/plain',
      text: 'pay with #### #### #### #### and ssn ###-##-####',
      correlationId: 'conv-1',
      redaction: { total: 2, counts: { 'default-card-number': 1, 'us-ssn': 1 }, attachments: [] },
    });
    expect(events).toEqual([
      {
        type: 'redaction.completed',
        id: 'audit-1',
        at: '2026-11-20T10:00:00.000Z',
        source: 'eventbridge',
        channel: 'chat',
        contentType: 'text/plain',
        correlationId: 'conv-1',
        bytesIn: 48,
        bytesOut: 48,
        counts: { 'default-card-number': 1, 'us-ssn': 1 },
        total: 2,
        rules: ['default-card-number', 'card-expiry-security-code', 'us-ssn'],
        attachments: [],
      },
    ]);
    noCardIn(events);
  });

  it('redacts the sample email event (base64 MIME) and reports its attachment', async () => {
    // Prepare
    const event = JSON.parse(readFileSync(join(EVENTS, 'email-event.json'), 'utf8')) as EventBridgeEvent<string, unknown>;
    const events: RedactionAuditEvent[] = [];
    // Act
    const result = await redactRequest(parseRedactionRequest(event.detail), 'eventbridge', deps(events));
    // Assess
    const mime = Buffer.from(result.mime ?? '', 'base64').toString('latin1');
    expect(result.mimeEncoding).toBe('base64');
    expect(mime).toContain('Please charge my Visa #### #### #### ####');
    expect(result.redaction.attachments).toEqual([{ filename: 'receipt-################.pdf', contentType: 'application/pdf', size: 860 }]);
    expect(events[0]?.attachments).toEqual(result.redaction.attachments);
    noCardIn(events);
  });

  it('masks a card number used as a correlation id', () => {
    // Act
    const request = parseRedactionRequest({ channel: 'chat', text: 'x', correlationId: SENTINEL });
    // Assess
    expect(request.correlationId).toBe('################');
  });

  it('refuses a request that breaks the contract, naming every problem and no value', () => {
    // Prepare
    let error: unknown;
    // Act
    try {
      parseRedactionRequest({ channel: 'fax', contentType: 'image/png', text: 5, correlationId: `bad id ${SENTINEL_SPACED}` });
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(RedactionRequestError);
    expect((error as RedactionRequestError).problems).toHaveLength(4);
    noCardIn((error as Error).message);
  });

  it('writes one audit object per redaction to S3 under a dated key', async () => {
    // Prepare
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const sink = s3AuditSink(async () => new S3Client({ region: 'eu-west-1' }), 'audit-bucket');
    const events: RedactionAuditEvent[] = [];
    await redactRequest(parseRedactionRequest({ channel: 'chat', text: SENTINEL }), 'http', deps(events));
    // Act
    await sink.write(events[0] as RedactionAuditEvent);
    // Assess
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input?.Bucket).toBe('audit-bucket');
    expect(input?.Key).toBe('redaction-audit/2026/11/20/audit-1.json');
    expect(JSON.parse(String(input?.Body))).toEqual(events[0]);
    noCardIn(input);
    s3.restore();
  });
});

describe('HTTP route (redactHttp)', () => {
  it('answers a JSON request with the redacted result', async () => {
    // Prepare
    const events: RedactionAuditEvent[] = [];
    // Act
    const response = await redactHttp(
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: 'chat', text: `card ${SENTINEL}` }) },
      deps(events),
    );
    // Assess
    expect(response.status).toBe(200);
    expect((JSON.parse(response.body) as RedactionResult).text).toBe('card ################');
    expect(events[0]?.source).toBe('http');
    noCardIn(response);
  });

  it('redacts a raw text/plain body and answers in kind with the counts in headers', async () => {
    // Act
    const response = await redactHttp(
      { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `card ${SENTINEL_SPACED}\n` },
      deps([]),
    );
    // Assess
    expect(response).toEqual({
      status: 200,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'x-redaction-total': '1',
        'x-redaction-counts': '{"default-card-number":1}',
      },
      body: 'card #### #### #### ####\n',
    });
  });

  it('redacts a raw message/rfc822 body', async () => {
    // Act
    const response = await redactHttp(
      { method: 'POST', headers: { 'content-type': 'message/rfc822' }, body: readFileSync(join(EVENTS, 'multipart-email.eml')) },
      deps([]),
    );
    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toContain('Please charge my Visa #### #### #### ####');
    expect(response.headers['x-redaction-total']).toBe('10');
  });

  const refusals: Array<[string, Parameters<typeof redactHttp>[0], number]> = [
    ['a GET', { method: 'GET', headers: {}, body: undefined }, 405],
    ['an unsupported media type', { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' }, 415],
    ['a body that is not JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"text": "${SENTINEL}"` }, 400],
    [
      'a request that breaks the contract',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'chat', text: SENTINEL, mime: SENTINEL }) },
      400,
    ],
    ['a body over 6 MB', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(6 * 1024 * 1024 + 1) }, 413],
  ];
  it.each(refusals)('refuses %s without echoing the body', async (_name, request, status) => {
    // Act
    const response = await redactHttp(request, deps([]));
    // Assess
    expect(response.status).toBe(status);
    noCardIn(response);
  });

  it('builds its own dependencies from the environment when mounted without any (the sandbox)', async () => {
    // Act
    const response = await redactHttp({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: `ssn 123-45-6789 card ${SENTINEL}` });
    // Assess
    expect(response.body).toBe('ssn ###-##-#### card ################');
  });

  it('answers 500 without details when redaction fails unexpectedly', async () => {
    // Prepare
    const failing: RedactionDeps = { ...deps([]), audit: { write: async () => Promise.reject(new Error(`boom ${SENTINEL}`)) } };
    // Act
    const response = await redactHttp({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: SENTINEL }, failing);
    // Assess
    expect(response).toEqual({ status: 500, headers: expect.any(Object), body: '{"error":"The message could not be redacted."}' });
  });
});

describe('Lambda handler', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'redact-logs-'));
  let logs: LogCapture;
  beforeAll(() => {
    logs = captureLogs(logDir);
  });
  afterAll(() => logs.stop());
  type HandlerModule = typeof import('../../../lambdas/redact/handler');

  function loadHandler(env: Record<string, string>): HandlerModule {
    let loaded: HandlerModule | undefined;
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      jest.isolateModules(() => {
        loaded = jest.requireActual<HandlerModule>('../../../lambdas/redact/handler');
      });
    } finally {
      process.env = saved;
    }
    return loaded as HandlerModule;
  }

  async function logText(): Promise<string> {
    const file = join(logDir, 'redaction.log');
    // The log stream flushes asynchronously: give it a bounded number of turns.
    for (let i = 0; i < 50 && !(existsSync(file) && readFileSync(file, 'utf8').includes('redaction audit')); i += 1) await new Promise((r) => setImmediate(r));
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  it('redacts the sample EventBridge event, returns the redacted event and logs an audit line without the card', async () => {
    // Prepare
    const { handler } = loadHandler({});
    const event = JSON.parse(readFileSync(join(EVENTS, 'chat-event.json'), 'utf8')) as EventBridgeEvent<string, unknown>;
    // Act
    const result = (await handler(event)) as RedactionResult;
    // Assess
    expect(result.text).toBe('hi, my card is ####-####-####-#### and my order is 4471902');
    expect(result.correlationId).toBe('conv-7f3a/msg-12');
    const log = await logText();
    expect(log).toContain('"counts":{"default-card-number":1}');
    noCardIn(log);
    noCardIn(result);
  });

  it('answers the sample function URL request', async () => {
    // Prepare
    const { handler } = loadHandler({});
    const event = JSON.parse(readFileSync(join(EVENTS, 'function-url-event.json'), 'utf8')) as APIGatewayProxyEventV2;
    // Act
    const response = (await handler(event)) as { statusCode: number; body: string };
    // Assess
    expect(response.statusCode).toBe(200);
    expect((JSON.parse(response.body) as RedactionResult).text).toBe('card #### #### #### #### please');
  });

  it('rejects an EventBridge event that breaks the contract without throwing (a retry would not help)', async () => {
    // Prepare
    const { handler } = loadHandler({});
    const event = {
      id: 'e-1',
      'detail-type': 'Redaction Requested',
      source: 'secure-ivr.redaction',
      detail: { channel: 'chat', text: 42 },
    } as unknown as EventBridgeEvent<string, unknown>;
    // Act
    const result = await handler(event);
    // Assess
    expect(result).toEqual({ rejected: true, problems: ['text must be the message text for text/plain'] });
  });

  it('refuses to start with a hostile REDACTION_CONFIG, naming the rule', () => {
    // Prepare
    const config = JSON.stringify({ defaultFilter: { enabled: true }, additionalRules: [{ id: 'evil', pattern: '(a+)+$' }] });
    // Act
    const load = (): unknown => loadHandler({ REDACTION_CONFIG: config });
    // Assess
    expect(load).toThrow(/REDACTION_CONFIG is refused \(rule "evil": nested quantifiers/);
  });

  it('uses REDACTION_CONFIG when set (default filter off)', async () => {
    // Prepare
    const { handler } = loadHandler({ REDACTION_CONFIG: JSON.stringify({ defaultFilter: { enabled: false }, additionalRules: [] }) });
    const event = {
      id: 'e-2',
      'detail-type': 'Redaction Requested',
      source: 'secure-ivr.redaction',
      detail: { channel: 'chat', text: SENTINEL },
    } as unknown as EventBridgeEvent<string, unknown>;
    // Act
    const result = (await handler(event)) as RedactionResult;
    // Assess
    expect(result.text).toBe(SENTINEL);
    expect(result.redaction.total).toBe(0);
  });
});
