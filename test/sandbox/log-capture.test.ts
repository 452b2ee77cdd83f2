/**
 * The sandbox's CloudWatch Logs stand-in: handler log lines and EMF documents written to stdout/stderr
 * land in per-service files, masked as the logger masks them; everything else stays on the stream.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../lambdas/shared/logging';
import { createMetrics, METRIC } from '../../lambdas/shared/metrics';
import { captureLogs } from '../../sandbox/log-capture';

const read = (dir: string, file: string): string => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : '');

describe('sandbox log capture', () => {
  it('files each logger by its service and each metric document beside it, masked as logged', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'log-capture-'));
    const logs = captureLogs(dir);
    // Act
    createLogger('capture-test').info('card seen', { note: 'pan 4111 1111 1111 1111 ok' });
    createLogger('capture-test').error('still here', { pan: '4111111111111111' });
    createMetrics('capture-metrics').count(METRIC.sessionsStarted);
    logs.stop();
    // Assess
    expect(readdirSync(dir).sort()).toEqual(['capture-test.log', 'metrics-capture-metrics.log']);
    const lines = read(dir, 'capture-test.log').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['card seen', 'still here']);
    expect(read(dir, 'capture-test.log')).not.toContain('4111');
    expect(read(dir, 'capture-test.log')).toContain('[card …1111]');
    expect(read(dir, 'metrics-capture-metrics.log')).toContain('"SessionsStarted"');
  });

  it('passes through output that is not a log line, and writes nothing once stopped', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'log-capture-'));
    const original = process.stdout.write;
    const passed: string[] = [];
    process.stdout.write = ((chunk: unknown) => {
      passed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const logs = captureLogs(dir);
      // Act
      process.stdout.write('plain progress text\n');
      process.stdout.write('{"not":"a log line"}\n');
      process.stdout.write(`${JSON.stringify({ level: 'INFO', message: 'm', service: 'mixed', timestamp: 't' })}\nafter\n`);
      logs.stop();
      process.stdout.write(`${JSON.stringify({ level: 'INFO', message: 'late', service: 'mixed', timestamp: 't' })}\n`);
    } finally {
      process.stdout.write = original;
    }
    // Assess
    expect(passed).toEqual(['plain progress text\n', '{"not":"a log line"}\n', 'after\n', expect.stringContaining('"late"')]);
    expect(read(dir, 'mixed.log')).toContain('"message":"m"');
    expect(read(dir, 'mixed.log')).not.toContain('late');
  });

  it('hands the streams to the newest capture and back when it stops', () => {
    // Prepare
    const outer = mkdtempSync(join(tmpdir(), 'log-capture-outer-'));
    const inner = mkdtempSync(join(tmpdir(), 'log-capture-inner-'));
    const first = captureLogs(outer);
    const second = captureLogs(inner);
    // Act
    createLogger('nested').info('to inner');
    second.stop();
    createLogger('nested').info('to outer');
    first.stop();
    // Assess
    expect(read(inner, 'nested.log')).toContain('to inner');
    expect(read(inner, 'nested.log')).not.toContain('to outer');
    expect(read(outer, 'nested.log')).toContain('to outer');
  });
});
