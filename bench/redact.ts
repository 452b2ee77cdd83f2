/**
 * Redaction throughput: MB/s of the redaction library on a large generated chat log (≥ 50 MB) and a
 * large MIME email (≥ 20 MB), against a plain single-regular-expression baseline doing the same job
 * the seed describes (one expression for card numbers, Luhn in the replace callback, digits → `#`).
 * Both sides get the same text; the library streams it in 64 KiB chunks as the Lambda and CLI do.
 * For the email the baseline runs over the raw message: it is MIME-blind (it would miss a card in a
 * quoted-printable or base64 part and may mask digits inside an attachment), while the library parses,
 * decodes, redacts and re-encodes each part — the email row compares cost, not equal work.
 *
 * Run alone: `npx tsx bench/redact.ts` (prints a table); `bench/run.ts` calls benchRedaction().
 */
import { luhnValid } from '../lambdas/shared/card/card-rules';
import { MimeRedactionStream } from '../lambdas/redact/mime/mime-redactor';
import { loadRedactionConfig } from '../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from '../lambdas/redact/redactor';

export interface RedactionBenchRow {
  name: string;
  mbPerSecond: number;
  baselineMbPerSecond: number;
  speedup: number;
  bytes: number;
}

const CHUNK = 64 * 1024;
const CHAT_BYTES = 52 * 1024 * 1024;
const EMAIL_TEXT_BYTES = 16 * 1024 * 1024;

/** The plain baseline: one regular expression for card numbers, Luhn-checked in the callback. */
const BASELINE_CARD = /\b(?:\d[ -]?){12,18}\d\b/g;
function baselineRedact(text: string): string {
  return text.replace(BASELINE_CARD, (match) => (luhnValid(match.replace(/[ -]/g, '')) ? match.replace(/\d/g, '#') : match));
}

/** Deterministic pseudo-random numbers so every run sees the same text. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const CARDS = ['4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005', '3782 822463 10005', '6011000990139424'];
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

function chatLog(bytes: number): string {
  const rand = rng(42);
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const template = LINES[i % LINES.length] as string;
    // About one line in 50 carries a card number, the rest are near-misses and chatter.
    const card = rand() < 0.15 ? (CARDS[Math.floor(rand() * CARDS.length)] as string) : 'on file';
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

function email(textBytes: number): string {
  const body = chatLog(textBytes).replace(/\n/g, '\r\n');
  const html = `<html><body>${chatLog(textBytes / 4)
    .split('\n')
    .map((l) => `<p class="line">${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`)
    .join('\r\n')}</body></html>`;
  const attachment = Buffer.alloc(3 * 1024 * 1024, 'PDF-ish binary 4111111111111111 ').toString('base64').replace(/.{76}/g, '$&\r\n');
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

function seconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Best of three: the machine is shared, the best run is the least disturbed one. */
function best(run: () => void): number {
  return Math.min(seconds(run), seconds(run), seconds(run));
}

export async function benchRedaction(): Promise<RedactionBenchRow[]> {
  const redactor = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true }, additionalRules: [] }));
  const rows: RedactionBenchRow[] = [];

  const chat = chatLog(CHAT_BYTES);
  const chatRun = (): void => {
    const tally: RedactionTally = {};
    const stream = new LineRedactionStream(redactor, tally);
    for (let i = 0; i < chat.length; i += CHUNK) stream.write(chat.slice(i, i + CHUNK));
    stream.end();
  };
  chatRun(); // warm-up: let the JIT settle before timing
  const chatMb = chat.length / 1e6;
  const chatTime = best(chatRun);
  const chatBase = best(() => baselineRedact(chat));
  rows.push(row('chat log, default card filter', chat.length, chatMb / chatTime, chatMb / chatBase));

  const raw = Buffer.from(email(EMAIL_TEXT_BYTES), 'utf8');
  const rawText = raw.toString('latin1');
  const emailRun = (): void => {
    const stream = new MimeRedactionStream(redactor, {});
    for (let i = 0; i < raw.length; i += CHUNK) stream.write(raw.subarray(i, i + CHUNK));
    stream.end();
  };
  emailRun();
  const emailMb = raw.length / 1e6;
  const emailTime = best(emailRun);
  const emailBase = best(() => baselineRedact(rawText));
  rows.push(row('email (MIME: text, HTML, attachment)', raw.length, emailMb / emailTime, emailMb / emailBase));
  return rows;
}

function row(name: string, bytes: number, mbPerSecond: number, baselineMbPerSecond: number): RedactionBenchRow {
  const round = (n: number): number => Math.round(n * 10) / 10;
  return { name, bytes, mbPerSecond: round(mbPerSecond), baselineMbPerSecond: round(baselineMbPerSecond), speedup: round(mbPerSecond / baselineMbPerSecond) };
}

function printTable(rows: RedactionBenchRow[]): void {
  const header = ['case', 'MB', 'MB/s', 'baseline MB/s', 'speedup'];
  const body = rows.map((r) => [r.name, (r.bytes / 1e6).toFixed(1), r.mbPerSecond.toFixed(1), r.baselineMbPerSecond.toFixed(1), `${r.speedup.toFixed(1)}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  body.forEach((b) => console.log(line(b)));
}

if (process.argv[1] !== undefined && /bench[\\/]redact\.ts$/.test(process.argv[1])) {
  benchRedaction().then(printTable, (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
