/**
 * Redaction benchmark, side by side: secure-ivr's redactor and two redactors from npm — `redact-pii`
 * (SyncRedactor) and `@openredaction/openredaction` (OpenRedaction.detect) — each in its default
 * configuration, on the same labelled corpus (events/redact/redaction-corpus.jsonl, written by
 * scripts/redaction-corpus/generate-corpus.ts) and the same generated large files.
 *
 * Per redactor:
 * - recall on card numbers: a card counts as caught when no 7 or more consecutive digits of it are
 *   left in the output (digits of every script read as digits, so full-width leftovers count);
 * - precision on near misses: TP / (TP + FP), where a false positive is a near-miss line the
 *   redactor reports or marks as a card (ours: the card filter counted something; redact-pii: its
 *   CREDIT_CARD_NUMBER token; openredaction: a CREDIT_CARD detection). Also the share of near-miss
 *   lines left byte-identical (the peers also redact phone numbers and more, by design);
 * - F1;
 * - MB/s on a large chat log (~50 MB) and a large MIME email (~20 MB), generated here and never
 *   committed. Ours streams them as the Lambda and CLI do (64 KiB chunks, MIME parsed). The peers are
 *   not streaming or MIME-aware and are 2–4 orders of magnitude slower, so they run on the first
 *   PEER_SAMPLE bytes of the same files (the MB/s is per byte they actually processed).
 * Three timed runs each, after three warm-up passes (V8 needs a few passes over the MIME path's many
 * functions before it runs at its steady speed; a warm Lambda container or a long CLI run is there);
 * min / median / max are printed, of wall time and of the process's CPU time (the machine is shared:
 * the load average is printed with the figures).
 * Also secure-ivr on worker threads (lambdas/redact/parallel.ts, `redact --jobs N`): the chat log as
 * text in and text out as above, and as UTF-8 bytes in and out as the CLI reads and writes them (beside
 * the same bytes path on one thread); the MIME email with its parts on the workers. Its output is the
 * serial output (tested), so only speed is shown.
 * Also the peak RSS of `redact --conversation` streaming a 20 MB and a 200 MB transcript in a child
 * process (bench/redact-conversation-child.ts): similar figures mean memory is bounded by the window.
 *
 * Run alone: `npx tsx bench/redact.ts`; `npm run bench` (bench/run.ts) calls benchRedaction().
 */
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { normaliseDigits } from '../lambdas/shared/card/card-detector';
import { HtmlRedactionStream } from '../lambdas/redact/html-redactor';
import { MimeRedactionStream } from '../lambdas/redact/mime/mime-redactor';
import { loadRedactionConfig } from '../lambdas/redact/redaction-config';
import { ParallelRedactor, workerBoot } from '../lambdas/redact/parallel';
import { LineRedactionStream, Redactor, type RedactionTally } from '../lambdas/redact/redactor';
import { utf8Filter } from '../bin/commands/redact';
import { availableParallelism } from 'node:os';
import defaultConfig from '../config/redaction.json';
import { LAYOUTS, makeCardNumber } from '../scripts/redaction-corpus/card-layouts';

const CORPUS = join(__dirname, '../events/redact/redaction-corpus.jsonl');
const CHUNK = 64 * 1024;
const CHAT_BYTES = 50 * 1024 * 1024;
const EMAIL_TEXT_BYTES = 14 * 1024 * 1024;
const PEER_SAMPLE = 256 * 1024;
const RUNS = 3;
const WARMUPS = 3;
/** Worker threads for the parallel rows. */
const JOBS = 2;
/** Transcript sizes for the --conversation memory check (similar peak RSS = memory bounded by the window). */
const CONVERSATION_SIZES = [20 * 1024 * 1024, 200 * 1024 * 1024];

interface CorpusEntry {
  id: string;
  kind: 'card' | 'near-miss';
  category: string;
  text: string;
  cards: string[];
  html?: boolean;
}

/** One redactor under test: redacts a corpus line and says whether it flagged a card in it. */
interface Contender {
  name: string;
  /** Why it could not run, when it could not. */
  unavailable?: string;
  line(entry: CorpusEntry): { out: string; flaggedCard: boolean };
  /** Redacts a large text as a whole (chat) or a raw message (MIME); returns bytes processed. */
  chat(text: string): number;
  mime(raw: Buffer): number;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface RedactorRow {
  name: string;
  unavailable?: string;
  cards: number;
  caught: number;
  recall: number;
  nearMisses: number;
  falsePositives: number;
  precision: number;
  f1: number;
  nearMissesUntouched: number;
  missedCategories: Record<string, number>;
  falsePositiveCategories: Record<string, number>;
  chatMbPerSecond?: Spread;
  /** MB per second of this process's CPU time (less disturbed by other work on a shared machine). */
  chatMbPerCpuSecond?: Spread;
  chatBytes?: number;
  mimeMbPerSecond?: Spread;
  mimeMbPerCpuSecond?: Spread;
  mimeBytes?: number;
}

/** Peak memory of `redact --conversation` streaming a generated transcript of a given size. */
export interface ConversationMemoryRow {
  inputBytes: number;
  maxRssMiB: number;
  cpuSeconds: number;
  wallSeconds: number;
  exitCode: number;
}

/** secure-ivr on worker threads, chat log only (MB/s of wall time; CPU time is the whole process's). */
export interface ParallelRow {
  workers: number;
  textWall: Spread;
  textCpu: Spread;
  bytesWall: Spread;
  bytesCpu: Spread;
  /** The same bytes in and out on one thread (UTF-8 decoding, line stream, UTF-8 encoding), as `redact` without --jobs. */
  serialBytesWall: Spread;
  serialBytesCpu: Spread;
  /** The MIME email, its text and HTML parts on the workers (redact --jobs on an .eml). */
  mimeWall: Spread;
  mimeCpu: Spread;
  /** Blocks redone on the main thread because the block before held text back. */
  redone: number;
  /**
   * Machine check: as many threads each redacting its share of the chat log on its own (no input copied
   * in, no output copied out, no coordination), MB/s of wall time for the whole log: the most that many
   * threads give on this machine at the moment, against which the rows above can be read.
   */
  aloneWall: Spread;
  /**
   * Share of the machine's CPU time that the hypervisor gave to other guests (steal, /proc/stat) while
   * these rows ran, in %; undefined where the system does not report it. A share above a few % means
   * the 2 cores were not both there for the whole run.
   */
  stealPercent?: number;
}

export interface RedactionBenchReport {
  parallel?: ParallelRow;
  conversationMemory?: ConversationMemoryRow[];
  corpus: { entries: number; cards: number; nearMisses: number };
  chatFileBytes: number;
  mimeFileBytes: number;
  loadAverage: number[];
  cpus: number;
  rows: RedactorRow[];
}

/** Deterministic pseudo-random numbers so every run sees the same text. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const LINES = [
  'Hi, I need help with order {order} placed on 2026-{mm}-{dd}.',
  'Sure! Can you confirm the phone number on the account?',
  "It's +1 (555) 867-{four}, the mobile one.",
  'Thanks. I see the order; the parcel left our warehouse on {mm}/{dd}.',
  'Can I pay the remaining balance now? My card is {card}',
  'For security please do not type card numbers in chat, I will send you a secure link.',
  'Tracking number 1Z999AA1{order}, reference {order}{four}.',
  'Anything else I can help with today?',
  'No, that is all. Have a nice day :)',
];

/** A chat log: timestamps, order numbers, phone numbers, and card numbers in many layouts. */
export function chatLog(bytes: number, seed = 42): string {
  const rand = rng(seed);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const plainLayouts = LAYOUTS.filter((l) => !l.lineBreaks && !l.html);
  const cards = Array.from({ length: 64 }, () => {
    const layout = plainLayouts[Math.floor(rand() * plainLayouts.length)] ?? (plainLayouts[0] as (typeof plainLayouts)[number]);
    return layout.render(makeCardNumber(rand), rand);
  });
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const template = LINES[i % LINES.length] as string;
    const card = rand() < 0.15 ? (cards[Math.floor(rand() * cards.length)] as string) : 'on file';
    const line =
      `[2026-11-${pad(1 + (i % 28), 2)} ${pad(i % 24, 2)}:${pad(i % 60, 2)}:${pad((i * 7) % 60, 2)}] ${i % 2 === 0 ? 'customer' : 'agent'}: ` +
      template
        .replace('{order}', String(100000 + Math.floor(rand() * 900000)))
        .replace('{mm}', pad(1 + Math.floor(rand() * 12), 2))
        .replace('{dd}', pad(1 + Math.floor(rand() * 28), 2))
        .replace('{four}', pad(Math.floor(rand() * 10000), 4))
        .replace('{card}', card) +
      '\n';
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

/** A large MIME email: a text part, an HTML part and a base64 attachment. */
export function mimeEmail(textBytes: number): string {
  const body = chatLog(textBytes, 7).replace(/\n/g, '\r\n');
  const html = `<html><body>${chatLog(textBytes / 4, 9)
    .split('\n')
    .map((l) => `<p class="line">${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`)
    .join('\r\n')}</body></html>`;
  const attachment = Buffer.alloc(3 * 1024 * 1024, 'PDF-ish binary 4111111111111111 ')
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return [
    'From: customer@example.com',
    'To: support@example.com',
    'Subject: Order questions',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    body,
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    html,
    '--b1',
    'Content-Type: application/pdf; name="statement.pdf"',
    'Content-Disposition: attachment; filename="statement.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    attachment,
    '--b1--',
    '',
  ].join('\r\n');
}

/** True when 7 or more consecutive digits of `card` are still in `out`. */
export function cardSurvives(out: string, card: string): boolean {
  const digits = normaliseDigits(out).digits;
  for (let i = 0; i + 7 <= card.length; i += 1) if (digits.includes(card.slice(i, i + 7))) return true;
  return false;
}

function ours(): Contender {
  const redactor = new Redactor(loadRedactionConfig(defaultConfig));
  return {
    name: 'secure-ivr',
    line: (entry) => {
      const tally: RedactionTally = {};
      let out: string;
      if (entry.html) {
        const stream = new HtmlRedactionStream(redactor, tally);
        out = stream.write(entry.text) + stream.end();
      } else out = redactor.redact(entry.text, tally);
      return { out, flaggedCard: (tally['default-card-number'] ?? 0) > 0 };
    },
    chat: (text) => {
      const stream = new LineRedactionStream(redactor, {});
      for (let i = 0; i < text.length; i += CHUNK) stream.write(text.slice(i, i + CHUNK));
      stream.end();
      return text.length;
    },
    mime: (raw) => {
      const stream = new MimeRedactionStream(redactor, {});
      for (let i = 0; i < raw.length; i += CHUNK) stream.write(raw.subarray(i, i + CHUNK));
      stream.end();
      return raw.length;
    },
  };
}

async function redactPii(): Promise<Contender> {
  const name = 'redact-pii 3.4.0';
  try {
    const { SyncRedactor } = await import('redact-pii');
    const redactor = new SyncRedactor();
    return {
      name,
      line: (entry) => {
        const out = redactor.redact(entry.text);
        return { out, flaggedCard: out.includes('CREDIT_CARD_NUMBER') };
      },
      chat: (text) => {
        const sample = text.slice(0, PEER_SAMPLE);
        redactor.redact(sample);
        return sample.length;
      },
      mime: (raw) => {
        const sample = raw.subarray(0, PEER_SAMPLE).toString('latin1');
        redactor.redact(sample);
        return sample.length;
      },
    };
  } catch (error) {
    return unavailable(name, error);
  }
}

async function openRedaction(): Promise<Contender> {
  const name = '@openredaction/openredaction 1.0.4';
  try {
    const { OpenRedaction } = await import('@openredaction/openredaction');
    const detector = new OpenRedaction();
    return {
      name,
      line: (entry) => {
        const result = detector.detect(entry.text);
        return { out: result.redacted, flaggedCard: result.detections.some((d) => /CARD/i.test(d.type)) };
      },
      chat: (text) => {
        const sample = text.slice(0, PEER_SAMPLE);
        detector.detect(sample);
        return sample.length;
      },
      mime: (raw) => {
        const sample = raw.subarray(0, PEER_SAMPLE).toString('latin1');
        detector.detect(sample);
        return sample.length;
      },
    };
  } catch (error) {
    return unavailable(name, error);
  }
}

function unavailable(name: string, error: unknown): Contender {
  const reason = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : 'failed to load';
  const fail = (): never => {
    throw new Error(reason);
  };
  return { name, unavailable: reason, line: fail, chat: fail, mime: fail };
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return { min: round(sorted[0] ?? 0), median: round(sorted[Math.floor(sorted.length / 2)] ?? 0), max: round(sorted[sorted.length - 1] ?? 0) };
}

function throughput(run: () => number): { wall: Spread; cpu: Spread } {
  for (let w = 0; w < WARMUPS; w += 1) run(); // let the JIT settle before timing
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r += 1) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const bytes = run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpuStart);
    wall.push(bytes / 1e6 / seconds);
    cpu.push(bytes / 1e6 / ((used.user + used.system) / 1e6));
  }
  return { wall: spread(wall), cpu: spread(cpu) };
}

async function throughputAsync(run: () => Promise<number>): Promise<{ wall: Spread; cpu: Spread }> {
  for (let w = 0; w < WARMUPS; w += 1) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r += 1) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const bytes = await run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpuStart);
    wall.push(bytes / 1e6 / seconds);
    cpu.push(bytes / 1e6 / ((used.user + used.system) / 1e6));
  }
  return { wall: spread(wall), cpu: spread(cpu) };
}

/** The machine's CPU time so far (clock ticks), in all and stolen by the hypervisor; undefined without /proc/stat. */
function machineTicks(): { total: number; steal: number } | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is counted in user already)
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] as number };
  } catch {
    return undefined;
  }
}

/**
 * The chat log on JOBS worker threads: text in 64 Ki chunks, output pieces counted (a consumer would
 * write them); and UTF-8 bytes in 64 KiB chunks, as the CLI reads stdin, beside one thread doing the same.
 */
export async function benchParallel(chat: string, raw: Buffer, workers = JOBS): Promise<ParallelRow> {
  const ticksBefore = machineTicks();
  const parallel = new ParallelRedactor(defaultConfig, { workers });
  const bytes = Buffer.from(chat, 'utf8');
  try {
    const text = await throughputAsync(async () => {
      async function* source(): AsyncGenerator<string> {
        for (let i = 0; i < chat.length; i += CHUNK) yield chat.slice(i, i + CHUNK);
      }
      for await (const part of parallel.redactStream(source(), {})) void part.length;
      return chat.length;
    });
    const byteRate = await throughputAsync(async () => {
      async function* source(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
      }
      for await (const part of parallel.redactBytes(source(), {})) void part.length;
      return bytes.length;
    });
    const mime = await throughputAsync(async () => {
      async function* source(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < raw.length; i += CHUNK) yield raw.subarray(i, i + CHUNK);
      }
      for await (const part of parallel.redactMime(source(), {})) void part.length;
      return raw.length;
    });
    const redactor = new Redactor(loadRedactionConfig(defaultConfig));
    const serialBytes = throughput(() => {
      // As the CLI's plain-text path does it.
      const filter = utf8Filter(new LineRedactionStream(redactor, {}));
      for (let i = 0; i < bytes.length; i += CHUNK) void filter.write(bytes.subarray(i, i + CHUNK)).length;
      void filter.end().length;
      return bytes.length;
    });
    const alone = await benchThreadsAlone(chat, workers);
    const ticksAfter = machineTicks();
    const stolen =
      ticksBefore !== undefined && ticksAfter !== undefined && ticksAfter.total > ticksBefore.total
        ? (ticksAfter.steal - ticksBefore.steal) / (ticksAfter.total - ticksBefore.total)
        : undefined;
    return {
      ...(stolen !== undefined ? { stealPercent: Math.round(stolen * 1000) / 10 } : {}),
      workers,
      aloneWall: alone.wall,
      textWall: text.wall,
      textCpu: text.cpu,
      bytesWall: byteRate.wall,
      bytesCpu: byteRate.cpu,
      serialBytesWall: serialBytes.wall,
      serialBytesCpu: serialBytes.cpu,
      mimeWall: mime.wall,
      mimeCpu: mime.cpu,
      redone: parallel.redone,
    };
  } finally {
    await parallel.close();
  }
}

/** The chat log cut at line breaks into `threads` shares, each redacted on its own worker thread at once (ParallelRow.aloneWall). */
async function benchThreadsAlone(chat: string, threads: number): Promise<{ wall: Spread; cpu: Spread }> {
  const boot = workerBoot(join(__dirname, `redact-alone-worker${extname(__filename)}`));
  const workers: Worker[] = [];
  let from = 0;
  for (let t = 1; t <= threads; t += 1) {
    const to = t === threads ? chat.length : chat.lastIndexOf('\n', Math.floor((chat.length * t) / threads)) + 1;
    workers.push(new Worker(boot, { eval: true, workerData: { text: chat.slice(from, to) } }));
    from = to;
  }
  try {
    return await throughputAsync(async () => {
      const lengths = await Promise.all(
        workers.map(
          (w) =>
            new Promise<number>((resolve, reject) => {
              w.once('message', resolve);
              w.once('error', reject);
              w.postMessage('run');
            }),
        ),
      );
      if (lengths.reduce((a, b) => a + b, 0) === 0) throw new Error('the machine check redacted nothing');
      return chat.length;
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function score(contender: Contender, corpus: CorpusEntry[]): RedactorRow {
  const row: RedactorRow = {
    name: contender.name,
    cards: 0,
    caught: 0,
    recall: 0,
    nearMisses: 0,
    falsePositives: 0,
    precision: 0,
    f1: 0,
    nearMissesUntouched: 0,
    missedCategories: {},
    falsePositiveCategories: {},
  };
  let untouched = 0;
  for (const entry of corpus) {
    const { out, flaggedCard } = contender.line(entry);
    if (entry.kind === 'card') {
      for (const card of entry.cards) {
        row.cards += 1;
        if (!cardSurvives(out, card)) row.caught += 1;
        else row.missedCategories[entry.category] = (row.missedCategories[entry.category] ?? 0) + 1;
      }
    } else {
      row.nearMisses += 1;
      if (flaggedCard) {
        row.falsePositives += 1;
        row.falsePositiveCategories[entry.category] = (row.falsePositiveCategories[entry.category] ?? 0) + 1;
      }
      if (out === entry.text) untouched += 1;
    }
  }
  row.recall = row.caught / Math.max(row.cards, 1);
  row.precision = row.caught / Math.max(row.caught + row.falsePositives, 1);
  row.f1 = (2 * row.precision * row.recall) / Math.max(row.precision + row.recall, 1e-9);
  row.nearMissesUntouched = untouched / Math.max(row.nearMisses, 1);
  return row;
}

/** Writes a JSON-lines transcript of about `bytes` to `path` (streamed: never held whole). */
async function writeTranscript(path: string, bytes: number): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(path);
  const chat = chatLog(4 * 1024 * 1024, 11).split('\n');
  let size = 0;
  let batch: string[] = [];
  for (let i = 0; size < bytes; i += 1) {
    const text = chat[i % chat.length] as string;
    const line = `${JSON.stringify({ participant: i % 3 === 1 ? 'agent' : `customer-${Math.floor(i / 300) % 50}`, time: 1_795_000_000 + i * 2, text, id: i })}\n`;
    batch.push(line);
    size += line.length;
    if (batch.length === 4096) {
      if (!out.write(batch.join(''))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      batch = [];
    }
  }
  out.write(batch.join(''));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

/** Runs `redact --conversation` in a child process on transcripts of each size; peak RSS per size. */
export async function benchConversationMemory(sizes = CONVERSATION_SIZES): Promise<ConversationMemoryRow[]> {
  const { mkdtempSync, rmSync, openSync, closeSync, statSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'secure-ivr-bench-'));
  const rows: ConversationMemoryRow[] = [];
  try {
    for (const bytes of sizes) {
      const file = join(dir, `transcript-${bytes}.jsonl`);
      await writeTranscript(file, bytes);
      const fd = openSync(file, 'r');
      const start = process.hrtime.bigint();
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'redact-conversation-child.ts')], { stdio: [fd, 'ignore', 'pipe'] });
      let err = '';
      child.stderr?.on('data', (c: Buffer) => {
        err += c.toString('utf8');
      });
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
      closeSync(fd);
      const last = JSON.parse(err.trim().split('\n').pop() ?? '{}') as { maxRssKiB?: number; cpuSeconds?: number };
      rows.push({
        inputBytes: statSync(file).size,
        maxRssMiB: Math.round((last.maxRssKiB ?? 0) / 1024),
        cpuSeconds: Math.round((last.cpuSeconds ?? 0) * 100) / 100,
        wallSeconds: Math.round(Number(process.hrtime.bigint() - start) / 1e7) / 100,
        exitCode: code,
      });
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function benchRedaction(): Promise<RedactionBenchReport> {
  const corpus = readFileSync(CORPUS, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as CorpusEntry);
  const contenders = [ours(), await redactPii(), await openRedaction()];
  const chat = chatLog(CHAT_BYTES);
  const raw = Buffer.from(mimeEmail(EMAIL_TEXT_BYTES), 'utf8');
  const rows: RedactorRow[] = [];
  for (const contender of contenders) {
    if (contender.unavailable !== undefined) {
      rows.push({ ...score({ ...contender, line: () => ({ out: '', flaggedCard: false }) }, []), unavailable: contender.unavailable });
      continue;
    }
    try {
      const row = score(contender, corpus);
      let chatBytes = 0;
      let mimeBytes = 0;
      const chatRate = throughput(() => (chatBytes = contender.chat(chat)));
      const mimeRate = throughput(() => (mimeBytes = contender.mime(raw)));
      row.chatMbPerSecond = chatRate.wall;
      row.chatMbPerCpuSecond = chatRate.cpu;
      row.mimeMbPerSecond = mimeRate.wall;
      row.mimeMbPerCpuSecond = mimeRate.cpu;
      row.chatBytes = chatBytes;
      row.mimeBytes = mimeBytes;
      rows.push(row);
    } catch (error) {
      rows.push({
        ...score({ ...contender, line: () => ({ out: '', flaggedCard: false }) }, []),
        unavailable: `failed while running: ${error instanceof Error ? error.message : 'unknown error'}`,
      });
    }
  }
  const parallel = availableParallelism() > 1 ? await benchParallel(chat, raw) : undefined;
  const cards = corpus.filter((e) => e.kind === 'card').reduce((n, e) => n + e.cards.length, 0);
  const { loadavg, cpus } = await import('node:os');
  const conversationMemory = await benchConversationMemory();
  return {
    ...(parallel !== undefined ? { parallel } : {}),
    conversationMemory,
    corpus: { entries: corpus.length, cards, nearMisses: corpus.filter((e) => e.kind === 'near-miss').length },
    chatFileBytes: chat.length,
    mimeFileBytes: raw.length,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    cpus: cpus().length,
    rows,
  };
}

const f3 = (n: number): string => n.toFixed(4);
const sp = (s: Spread | undefined): string => (s ? `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})` : 'n/a');

/** The report as printed by `npm run bench`. */
export function formatRedactionReport(report: RedactionBenchReport): string[] {
  const lines: string[] = [];
  lines.push(
    `  corpus: ${report.corpus.entries} lines, ${report.corpus.cards} card numbers, ${report.corpus.nearMisses} near misses (events/redact/redaction-corpus.jsonl)`,
  );
  lines.push(
    `  large files: chat ${(report.chatFileBytes / 1e6).toFixed(1)} MB, MIME ${(report.mimeFileBytes / 1e6).toFixed(1)} MB; ${WARMUPS} warm-up passes, then ${RUNS} timed runs, median (min–max) MB/s of wall time and of this process's CPU time`,
  );
  lines.push(
    `  machine: ${report.cpus} cores, load average ${report.loadAverage.join(' ')} during the run (a shared machine: wall-time figures shrink with the load)`,
  );
  const header = ['redactor', 'recall', 'precision', 'F1', 'near misses untouched', 'chat MB/s wall', 'chat MB/s CPU', 'MIME MB/s wall', 'MIME MB/s CPU'];
  const body = report.rows.map((r) =>
    r.unavailable !== undefined
      ? [r.name, `could not run: ${r.unavailable}`, '', '', '', '', '', '', '']
      : [
          r.name,
          `${f3(r.recall)} (${r.caught}/${r.cards})`,
          `${f3(r.precision)} (${r.falsePositives} FP)`,
          f3(r.f1),
          `${(r.nearMissesUntouched * 100).toFixed(1)} %`,
          sp(r.chatMbPerSecond),
          sp(r.chatMbPerCpuSecond),
          sp(r.mimeMbPerSecond),
          sp(r.mimeMbPerCpuSecond),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const fmt = (cells: string[]): string => `  ${cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}`;
  lines.push(fmt(header));
  for (const b of body) lines.push(fmt(b));
  const par = report.parallel;
  if (par !== undefined)
    lines.push(
      `  secure-ivr on ${par.workers} worker threads (redact --jobs ${par.workers}), chat log: text in and out ${sp(par.textWall)} MB/s wall (${sp(par.textCpu)} of process CPU); ` +
        `UTF-8 bytes in and out ${sp(par.bytesWall)} MB/s wall, against ${sp(par.serialBytesWall)} on one thread; blocks redone ${par.redone}`,
    );
  if (par !== undefined)
    lines.push(
      `  secure-ivr on ${par.workers} worker threads, MIME email (text and HTML parts on the workers): ${sp(par.mimeWall)} MB/s wall (${sp(par.mimeCpu)} of process CPU)`,
      `  machine check: ${par.workers} threads each redacting its share of the chat log on its own (no input or output, no coordination): ${sp(par.aloneWall)} MB/s wall, the most ${par.workers} threads give here now` +
        (par.stealPercent !== undefined ? `; CPU time stolen by the hypervisor during the worker-thread rows: ${par.stealPercent.toFixed(1)} %` : ''),
    );
  for (const c of report.conversationMemory ?? [])
    lines.push(
      `  secure-ivr redact --conversation, ${(c.inputBytes / 1e6).toFixed(0)} MB transcript: peak RSS ${c.maxRssMiB} MiB, ` +
        `${(c.inputBytes / 1e6 / Math.max(c.cpuSeconds, 1e-3)).toFixed(1)} MB/s CPU, ${(c.inputBytes / 1e6 / Math.max(c.wallSeconds, 1e-3)).toFixed(1)} MB/s wall (child process, tsx start-up included), exit ${c.exitCode}`,
    );
  for (const r of report.rows) {
    if (r.unavailable !== undefined) continue;
    if (r.chatBytes !== undefined && r.chatBytes < report.chatFileBytes)
      lines.push(
        `  ${r.name}: throughput measured on the first ${(r.chatBytes / 1024).toFixed(0)} KiB of each file (not streaming; too slow for the whole file)`,
      );
    const missed = Object.entries(r.missedCategories).sort((a, b) => b[1] - a[1]);
    if (missed.length > 0) lines.push(`  ${r.name} misses: ${missed.map(([c, n]) => `${c} ${n}`).join('; ')}`);
    const fps = Object.entries(r.falsePositiveCategories).sort((a, b) => b[1] - a[1]);
    if (fps.length > 0) lines.push(`  ${r.name} false positives: ${fps.map(([c, n]) => `${c} ${n}`).join('; ')}`);
  }
  return lines;
}

if (process.argv[1] !== undefined && /bench[\\/]redact\.ts$/.test(process.argv[1])) {
  benchRedaction().then(
    (report) => {
      for (const line of formatRedactionReport(report)) console.log(line);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
