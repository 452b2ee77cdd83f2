/**
 * SMA handler latency per event, warm and in-process, for the events that need no AWS call (the
 * architecture's budget: p50 ≤ 10 µs, p99 ≤ 40 µs). Runs in its own process because the handler reads
 * its configuration once; `npx tsx bench/sma-latency.ts` prints JSON.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs } from '../sandbox/log-capture';

// The bridge's answer is not here: it records the answered agent leg in the session table (review item 6).
const EVENTS = [
  'new-inbound-call',
  'action-successful-start-recording',
  'call-update-secure-begin',
  'ringing',
  'hangup-leg-a-bridged',
  'action-interrupted-pause',
];
const WARMUP = 2_000;
const SAMPLES = 20_000;

export interface EventLatency {
  event: string;
  p50Us: number;
  p99Us: number;
}

async function main(): Promise<void> {
  // The handler's log lines go to files, as in the sandbox, so stdout carries only the JSON result.
  captureLogs(mkdtempSync(join(tmpdir(), 'bench-sma-logs-')));
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    SESSION_TABLE: 'SessionTable',
    VAULT_TABLE: 'CardVaultTable',
    VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/bench',
    AGENT_ENDPOINT_URI: '+15555550100',
    RECORDING_BUCKET: 'recordings',
  });
  const { handler } = await import('../lambdas/telephony/chime-sma/handler');
  const invoke = handler as unknown as (event: unknown, context: unknown) => Promise<unknown>;
  const context = { awsRequestId: 'bench' };
  const results: EventLatency[] = [];
  for (const name of EVENTS) {
    const event = JSON.parse(readFileSync(join(__dirname, '..', 'events', 'sma', `${name}.json`), 'utf8')) as unknown;
    for (let i = 0; i < WARMUP; i += 1) await invoke(event, context);
    const samples = new Float64Array(SAMPLES);
    for (let i = 0; i < SAMPLES; i += 1) {
      const start = process.hrtime.bigint();
      await invoke(event, context);
      samples[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
    samples.sort();
    results.push({ event: name, p50Us: samples[Math.floor(SAMPLES * 0.5)] as number, p99Us: samples[Math.floor(SAMPLES * 0.99)] as number });
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

if (require.main === module) void main();
