/**
 * Structured JSON logging with Powertools Logger, with a last line of defence for card data: keys that
 * can carry digits are redacted, and any card number the shared detector finds in a string value (in
 * any digits or disguise), or any other run of 12 or more digits, is masked to its last four. Handlers
 * still log allow-listed fields only; this replacer is for the mistake nobody saw.
 *
 * Lines go to stdout as in Lambda; the sandbox files them per service for its no-leak scans
 * (sandbox/log-capture.ts).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { findCardNumbers } from './card/card-detector';
import { replaceLongDigitRuns } from './card/digit-runs';

const REDACTED_KEYS = new Set([
  'receiveddigits',
  'digits',
  'pan',
  'cardnumber',
  'card',
  'cvv',
  'cvc',
  'securitycode',
  'expiry',
  'plaintext',
  'body',
  'payload',
  'input',
  'output',
]);
/**
 * A UUID (call, transaction and session ids) is left alone; in the text around it, every card number
 * the shared detector finds (any digits, grouping, separators, character references) is masked to its
 * last four. Then, deliberately broader, so is any other run of 12 or more digits (card/digit-runs.ts,
 * reading digits and separators as the detector does): a log message is text nobody checked, and a
 * card number keyed with a wrong digit fails the detector's Luhn check but is still card data.
 */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

function maskOutsideIds(text: string): string {
  let out = '';
  let last = 0;
  for (const match of findCardNumbers(text)) {
    out += `${text.slice(last, match.start)}[card …${match.digits.slice(-4)}]`;
    last = match.end;
  }
  out += text.slice(last);
  return replaceLongDigitRuns(out, (digits) => `[card …${digits.slice(-4)}]`);
}

/** Masks card numbers and digit runs long enough to be one, keeping the last four. */
export function maskDigitRuns(text: string): string {
  let out = '';
  let last = 0;
  for (const id of text.matchAll(UUID)) {
    out += maskOutsideIds(text.slice(last, id.index)) + id[0];
    last = (id.index as number) + id[0].length;
  }
  return out + maskOutsideIds(text.slice(last));
}

export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && REDACTED_KEYS.has(key.toLowerCase())) return '[REDACTED]';
  if (typeof value === 'string') return maskDigitRuns(value);
  return value;
}

export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, jsonReplacerFn: redactingReplacer });
}
