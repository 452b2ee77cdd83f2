/**
 * Child process of the redaction benchmark's memory check: runs `secure-ivr redact --conversation`
 * on its stdin (output discarded) and prints its own peak resident set size as one JSON line on
 * stderr, after the command's summary. Run by bench/redact.ts, not by hand.
 */
import { Writable } from 'node:stream';
import { runRedactCommand } from '../bin/commands/redact';

const discard = new Writable({
  write(_chunk, _encoding, done): void {
    done();
  },
});

runRedactCommand(['--conversation'], { stdin: process.stdin, stdout: discard, stderr: process.stderr }).then(
  (code) => {
    const cpu = process.cpuUsage();
    process.stderr.write(`${JSON.stringify({ code, maxRssKiB: process.resourceUsage().maxRSS, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${JSON.stringify({ error: error instanceof Error ? error.name : 'failed' })}\n`);
    process.exitCode = 1;
  },
);
