/**
 * Structured JSON logging with Powertools Logger, with a last line of defence for card data: keys that
 * can carry digits are redacted, and any run of 12–19 digits in a string value is masked to its last
 * four. Handlers still log allow-listed fields only; this replacer is for the mistake nobody saw.
 *
 * In the sandbox SECURE_IVR_LOG_DIR is set and every logger writes JSON lines to <dir>/<service>.log,
 * so the no-leak tests can read everything that was logged.
 */
import { Console } from 'node:console';
import { mkdirSync, openSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';

const REDACTED_KEYS = new Set(['receiveddigits', 'digits', 'pan', 'cardnumber', 'card', 'cvv', 'cvc', 'securitycode', 'expiry', 'plaintext', 'body', 'payload', 'input', 'output']);
/**
 * A UUID (call, transaction and session ids) is matched whole first so that its digit groups are left
 * alone; any other run of 12–19 digits, spaced or dashed, is treated as a card number.
 */
const DIGIT_RUN = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d(?:[ -]?\d){11,18}/gi;

/** Masks digit runs long enough to be a card number, keeping the last four. */
export function maskDigitRuns(text: string): string {
  return text.replace(DIGIT_RUN, (run) => {
    if (run.length === 36 && run[8] === '-' && run[13] === '-') return run;
    const digits = run.replace(/\D/g, '');
    return `[card …${digits.slice(-4)}]`;
  });
}

export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && REDACTED_KEYS.has(key.toLowerCase())) return '[REDACTED]';
  if (typeof value === 'string') return maskDigitRuns(value);
  return value;
}

export function createLogger(serviceName: string): Logger {
  const logger = new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
  const dir = process.env.SECURE_IVR_LOG_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    // Synchronous appends: a test or the sandbox can read every line as soon as the call returns.
    const fd = openSync(join(dir, `${serviceName}.log`), 'a');
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writeSync(fd, chunk);
        done();
      },
    });
    // Powertools keeps its console on an instance field; pointing it at a file is the supported-by-shape way
    // to capture sandbox logs without touching the global console.
    (logger as unknown as { console: Console }).console = new Console({ stdout: stream, stderr: stream });
  }
  return logger;
}
