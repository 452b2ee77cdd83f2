/**
 * Quick throughput probe of secure-ivr's redactor alone (chat and MIME from bench/redact.ts), for
 * profiling the hot path without the peers and the conversation-memory child processes.
 *   npx tsx bench/redact-probe.ts [chat|mime|both] [runs]
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx bench/redact-probe.ts chat 3
 */
import { loadavg } from 'node:os';
import defaultConfig from '../config/redaction.json';
import { MimeRedactionStream } from '../lambdas/redact/mime/mime-redactor';
import { loadRedactionConfig } from '../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor } from '../lambdas/redact/redactor';
import { chatLog, mimeEmail } from './redact';

const CHUNK = Number(process.env.CHUNK ?? 64 * 1024);
const which = process.argv[2] ?? 'both';
const runs = Number(process.argv[3] ?? 3);
const redactor = new Redactor(loadRedactionConfig(defaultConfig));

function time(name: string, bytes: number, run: () => void): void {
  run();
  for (let r = 0; r < runs; r += 1) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    run();
    const s = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.cpuUsage(cpu);
    const c = (used.user + used.system) / 1e6;
    console.log(
      `${name}: ${(bytes / 1e6 / s).toFixed(1)} MB/s wall, ${(bytes / 1e6 / c).toFixed(1)} MB/s CPU, load ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
    );
  }
}

if (which !== 'mime') {
  const chat = chatLog(50 * 1024 * 1024);
  time('chat', chat.length, () => {
    const stream = new LineRedactionStream(redactor, {});
    for (let i = 0; i < chat.length; i += CHUNK) stream.write(chat.slice(i, i + CHUNK));
    stream.end();
  });
}
if (which !== 'chat') {
  const raw = Buffer.from(mimeEmail(14 * 1024 * 1024), 'utf8');
  time('mime', raw.length, () => {
    const stream = new MimeRedactionStream(redactor, {});
    for (let i = 0; i < raw.length; i += CHUNK) stream.write(raw.subarray(i, i + CHUNK));
    stream.end();
  });
}
