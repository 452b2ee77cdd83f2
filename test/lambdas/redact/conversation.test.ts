import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runRedactCommand } from '../../../bin/commands/redact';
import {
  ConversationError,
  ConversationRedactionStream,
  parseJsonLines,
  redactConversation,
  type ConversationMessage,
} from '../../../lambdas/redact/conversation';
import { redactHttp } from '../../../lambdas/redact/http';
import { loadRedactionConfig, parseRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { parseRedactionRequest, redactRequest, RedactionRequestError, type RedactionDeps } from '../../../lambdas/redact/redaction-service';
import { Redactor, type RedactionTally } from '../../../lambdas/redact/redactor';

const EVENTS = join(__dirname, '../../../events/redact');
const redactor = new Redactor(parseRedactionConfig(readFileSync(join(__dirname, '../../../config/redaction.json'), 'utf8')));
const at = (s: number): string => new Date(Date.UTC(2026, 10, 20, 10, 0, s)).toISOString();

async function cli(argv: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runRedactCommand(argv, { stdin: Readable.from([Buffer.from(input)]), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('conversations: numbers split over one participant’s messages', () => {
  it('masks every part of a number typed over two messages, even with the agent speaking in between', () => {
    // Prepare
    const messages: ConversationMessage[] = [
      { participant: 'customer', time: at(0), text: 'card 4111 1111' },
      { participant: 'agent', time: at(5), text: 'go on' },
      { participant: 'customer', time: at(10), text: '1111 1111 thanks' },
    ];
    const tally: RedactionTally = {};
    // Act
    const out = redactConversation(messages, redactor, tally);
    // Assess
    expect(out.map((m) => m.text)).toEqual(['card #### ####', 'go on', '#### #### thanks']);
    expect(tally['default-card-number']).toBe(1);
  });

  it('masks a number typed over four messages and the expiry and code sent after it', () => {
    // Prepare
    const parts = ['5555', '5555', '5555', '4444', 'exp 12/30', 'cvv 737'];
    const messages = parts.map((text, i) => ({ participant: 'c', time: 1_795_000_000 + i * 3, text }));
    // Act
    const out = redactConversation(messages, redactor, {});
    // Assess
    expect(out.map((m) => m.text)).toEqual(['####', '####', '####', '####', 'exp ##/##', 'cvv ###']);
  });

  it('does not join messages further apart than the window, nor messages of different participants', () => {
    // Prepare
    const messages: ConversationMessage[] = [
      { participant: 'customer', time: at(0), text: '4111 1111' },
      { participant: 'customer', time: at(0).replace('10:00', '10:10'), text: '1111 1111' },
      { participant: 'a', time: at(0), text: '4111 1111' },
      { participant: 'b', time: at(1), text: '1111 1111' },
    ];
    // Act
    const out = redactConversation(messages, redactor, {});
    // Assess
    expect(out.map((m) => m.text)).toEqual(['4111 1111', '1111 1111', '4111 1111', '1111 1111']);
  });

  it('takes the window from the configuration, and a wider one joins more', () => {
    // Prepare
    const messages: ConversationMessage[] = [
      { participant: 'c', time: 0, text: '4111 1111' },
      { participant: 'c', time: 300, text: '1111 1111' },
    ];
    const wide = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true }, conversation: { windowSeconds: 600 }, additionalRules: [] }));
    // Act / Assess
    expect(redactConversation(messages, redactor, {}).map((m) => m.text)).toEqual(['4111 1111', '1111 1111']);
    expect(redactConversation(messages, wide, {}).map((m) => m.text)).toEqual(['#### ####', '#### ####']);
  });

  it('keeps a lone security code and near misses in messages with no card near them', () => {
    // Prepare
    const messages: ConversationMessage[] = [
      { participant: 'agent', time: 0, text: 'the branch code is 737' },
      { participant: 'agent', time: 5, text: 'order 1234567812345678, phone 555-867-5309' },
    ];
    // Act
    const out = redactConversation(messages, redactor, {});
    // Assess
    expect(out).toEqual(messages);
  });

  it('holds only the open window of messages while streaming, however long the conversation', () => {
    // Prepare: 20 000 messages, one every 10 s, two customers each typing cards over two messages
    const stream = new ConversationRedactionStream(redactor, {});
    let maxHeld = 0;
    let given = 0;
    const texts: string[] = [];
    // Act
    for (let i = 0; i < 20_000; i += 1) {
      const text = i % 2 === 0 ? '4111 1111' : '1111 1111';
      for (const m of stream.push({ participant: `c${Math.floor(i / 2) % 2}`, time: i * 70, text })) texts.push(m.text);
      maxHeld = Math.max(maxHeld, stream.held);
      given = texts.length;
    }
    for (const m of stream.end()) texts.push(m.text);
    // Assess: each pair is joined (70 s apart, within 120 s) and nothing older than the window is held
    expect(given).toBeGreaterThan(19_990);
    expect(maxHeld).toBeLessThanOrEqual(4);
    expect(texts).toHaveLength(20_000);
    expect(texts.every((t) => t === '#### ####')).toBe(true);
  });

  it('closes the oldest chain when too much is held, so one participant talking non-stop cannot grow memory', () => {
    // Prepare: one participant every second for 2 000 messages (the chain never times out), tight limits
    const stream = new ConversationRedactionStream(redactor, {}, 120, { maxChainChars: 100_000, maxHeldChars: 2_000 });
    let maxHeld = 0;
    const texts: string[] = [];
    // Act
    for (let i = 0; i < 2_000; i += 1) {
      for (const m of stream.push({ participant: 'bot', time: i, text: i === 1000 ? 'card 4111 1111 1111 1111 ok' : `status line ${i}` })) texts.push(m.text);
      maxHeld = Math.max(maxHeld, stream.held);
    }
    for (const m of stream.end()) texts.push(m.text);
    // Assess
    expect(maxHeld).toBeLessThan(200);
    expect(texts).toHaveLength(2_000);
    expect(texts[1000]).toBe('card #### #### #### #### ok');
  });

  it('cuts an over-long chain only where no number can cross, so a number split at the limit is still masked', () => {
    // Prepare: one participant non-stop; a card split over two messages right where the chain is full
    const small = { maxChainChars: 2_000, maxHeldChars: 1_000_000 };
    const messages: ConversationMessage[] = [];
    for (let i = 0; i < 200; i += 1) messages.push({ participant: 'c', time: i, text: `talking about things, nothing else ${'x'.repeat(i % 50)}` });
    messages.push({ participant: 'c', time: 200, text: 'card 4111 1111' }, { participant: 'c', time: 201, text: '1111 1111 cvv 737' });
    for (let i = 0; i < 100; i += 1) messages.push({ participant: 'c', time: 202 + i, text: 'and more talk' });
    for (let at = 0; at < 60; at += 1) {
      // Act: the same conversation with the chain's limit reached at every message around the card
      const stream = new ConversationRedactionStream(redactor, {}, 120, { ...small, maxChainChars: small.maxChainChars + at * 30 });
      const out: string[] = [];
      for (const m of messages) for (const r of stream.push(m)) out.push(r.text);
      for (const r of stream.end()) out.push(r.text);
      // Assess
      expect(out).toHaveLength(messages.length);
      expect(out[200]).toBe('card #### ####');
      expect(out[201]).toBe('#### #### cvv ###');
    }
  });

  it('gives the same result as one pass when messages come out of time order within the window', () => {
    // Prepare: the second half is stamped 10 s before the first
    const messages: ConversationMessage[] = [
      { participant: 'c', time: 100, text: '4111 1111' },
      { participant: 'c', time: 90, text: '1111 1111' },
    ];
    // Act / Assess
    expect(redactConversation(messages, redactor, {}).map((m) => m.text)).toEqual(['#### ####', '#### ####']);
  });

  it('refuses a bad line with its line number and no content: not JSON, no participant, bad time, no text', () => {
    // Prepare
    const input = [
      '{"participant":"a","time":0,"text":"ok"}',
      '{not json 4111111111111111',
      '{"time":0,"text":"x"}',
      '{"participant":"a","time":"yesterday","text":"x"}',
      '{"participant":"a","time":0}',
    ].join('\n');
    // Act
    let error: unknown;
    try {
      parseJsonLines(input);
    } catch (e) {
      error = e;
    }
    // Assess: a JSON problem is reported first, without any content
    expect(error).toBeInstanceOf(ConversationError);
    expect((error as ConversationError).problems).toEqual(['line 2 is not valid JSON']);
    expect(() =>
      parseJsonLines(
        input
          .split('\n')
          .filter((_l, i) => i !== 1)
          .join('\n'),
      ),
    ).toThrow(
      new ConversationError([
        'line 2: participant must be non-empty text',
        'line 3: time must be an ISO 8601 date-time or epoch seconds',
        'line 4: text must be text',
      ]),
    );
    expect((error as Error).message).not.toContain('4111');
  });
});

describe('secure-ivr redact --conversation', () => {
  it('redacts the sample transcript: a card split over messages, its expiry and code; keeps other fields and near misses', async () => {
    // Prepare
    const input = readFileSync(join(EVENTS, 'conversation.jsonl'), 'utf8');
    // Act
    const { code, stdout, stderr } = await cli(['--conversation'], input);
    // Assess
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ConversationMessage);
    expect(lines).toHaveLength(9);
    expect(lines[2]).toEqual({ participant: 'customer', time: '2026-11-20T10:03:20Z', text: "it's quicker, here: #### ####", channelId: 'web-1' });
    expect(lines[4]?.text).toBe('#### ####');
    expect(lines[5]?.text).toBe('exp ##/## cvv ###');
    expect(lines[6]?.text).toContain('order 1234567812345678');
    expect(lines[6]?.text).toContain('Code 737 is our branch');
    expect(lines[7]?.text).toBe('5555 5555');
    expect(stderr).toBe('secure-ivr redact: 3 redaction(s) (default-card-number: 1, card-expiry-security-code: 2)\n');
  });

  it('joins more with a wider --window', async () => {
    // Prepare
    const input = readFileSync(join(EVENTS, 'conversation.jsonl'), 'utf8');
    // Act
    const { code, stdout } = await cli(['--conversation', '--window', '1800'], input);
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('"text":"#### ####"');
    expect(stdout).toContain('#### #### (a new message');
  });

  it('stops at a bad line with exit code 2 naming it, having written every message before it redacted, nothing after', async () => {
    // Act
    const input = [
      '{"participant":"a","time":0,"text":"4111 1111"}',
      '{"participant":"a","time":5,"text":"1111 1111"}',
      '[1,2]',
      '{"participant":"a","time":9,"text":"5555 5555 5555 4444"}',
      '',
    ].join('\n');
    const { code, stdout, stderr } = await cli(['--conversation'], input);
    // Assess: the two messages before the bad line are out, joined and masked; the one after it is not
    expect(code).toBe(2);
    expect(
      stdout
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => (JSON.parse(l) as ConversationMessage).text),
    ).toEqual(['#### ####', '#### ####']);
    expect(stderr).toContain('line 3 must be an object');
    expect(stderr).toContain('the 2 message(s) before line 3 were redacted and written; nothing from line 3 on was');
    expect(stderr).not.toContain('4111');
    expect(stderr).not.toContain('5555');
  });

  it('names a line that is not JSON, and one with a bad time, by number', async () => {
    // Act
    const notJson = await cli(['--conversation'], '{"participant":"a","time":0,"text":"hi"}\n{"participant":\n');
    const badTime = await cli(['--conversation'], '\n{"participant":"a","time":"soon","text":"737"}\n');
    // Assess
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('line 2 is not valid JSON');
    expect(notJson.stdout).toBe('{"participant":"a","time":0,"text":"hi"}\n');
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('line 2: time must be');
    expect(badTime.stdout).toBe('');
  });

  it('streams a large transcript fed in small chunks: every split card masked, near misses kept, output in input order', async () => {
    // Prepare: 3000 rounds of a customer typing a card over two messages with the agent in between,
    // 30 s apart, and a near miss; a message without a newline at the end.
    const lines: string[] = [];
    for (let i = 0; i < 3000; i += 1) {
      const t = i * 30;
      lines.push(JSON.stringify({ participant: `c${i % 7}`, time: t, text: 'card 4111 1111', seq: i }));
      lines.push(JSON.stringify({ participant: 'agent', time: t + 1, text: `order ${100000 + i} ok`, seq: i }));
      lines.push(JSON.stringify({ participant: `c${i % 7}`, time: t + 2, text: '1111 1111 exp 12/30', seq: i }));
    }
    const input = lines.join('\n');
    const stdout = new PassThrough();
    const out: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    const bytes = Buffer.from(input);
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 997) chunks.push(bytes.subarray(i, i + 997));
    // Act
    const code = await runRedactCommand(['--conversation'], { stdin: Readable.from(chunks), stdout, stderr: new PassThrough() });
    // Assess
    expect(code).toBe(0);
    const got = Buffer.concat(out)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ConversationMessage & { seq: number });
    expect(got).toHaveLength(9000);
    got.forEach((m, k) => {
      expect(m.seq).toBe(Math.floor(k / 3));
      expect(m.text).toBe(k % 3 === 0 ? 'card #### ####' : k % 3 === 1 ? `order ${100000 + m.seq} ok` : '#### #### exp ##/##');
    });
  });
  it('refuses --window without --conversation and a window out of range', async () => {
    expect((await cli(['--window', '10'], '')).code).toBe(2);
    expect((await cli(['--conversation', '--window', '-1'], '')).code).toBe(2);
  });
});

describe('the redaction service in conversation mode', () => {
  const deps = (): RedactionDeps => ({ redactor, audit: { write: async () => undefined }, clock: () => new Date(0), newId: () => 'id' });

  it('redacts messages[] of an application/x-ndjson request and counts one card for a split number', async () => {
    // Prepare
    const request = parseRedactionRequest({
      channel: 'chat',
      contentType: 'application/x-ndjson',
      messages: [
        { participant: 'c', time: 0, text: '4111 1111' },
        { participant: 'c', time: 20, text: '1111 1111' },
      ],
    });
    // Act
    const result = await redactRequest(request, 'eventbridge', deps());
    // Assess
    expect(result.messages?.map((m) => m.text)).toEqual(['#### ####', '#### ####']);
    expect(result.redaction.counts).toEqual({ 'default-card-number': 1 });
    expect(JSON.stringify(result)).not.toContain('1111');
  });

  it('refuses a conversation request whose messages break the contract, naming each', () => {
    // Act / Assess
    expect(() => parseRedactionRequest({ channel: 'chat', contentType: 'application/x-ndjson', messages: [{ participant: '', time: 'x', text: 1 }] })).toThrow(
      RedactionRequestError,
    );
    expect(() => parseRedactionRequest({ channel: 'chat', contentType: 'application/x-ndjson', text: 'x' })).toThrow(/messages must be a list/);
  });

  it('answers an application/x-ndjson body over HTTP in kind', async () => {
    // Act
    const response = await redactHttp(
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-ndjson' },
        body: '{"participant":"c","time":0,"text":"4111 1111"}\n{"participant":"c","time":1,"text":"1111 1111"}\n',
      },
      deps(),
    );
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    expect(response.body).toBe('{"participant":"c","time":0,"text":"#### ####"}\n{"participant":"c","time":1,"text":"#### ####"}\n');
    expect(response.headers['x-redaction-total']).toBe('1');
  });

  it('answers 400 with the line number for a bad HTTP conversation body', async () => {
    // Act
    const response = await redactHttp({ method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: 'nope 4111111111111111\n' }, deps());
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({ error: 'The conversation is invalid.', problems: ['line 1 is not valid JSON'] });
  });
});
