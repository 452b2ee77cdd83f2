/**
 * The result shown on the agent's desktop (the seed's EIC_SECURE_IVR_RESULT):
 * `transactionId|ApprovalValue|ApprovalResult\n`, and the one cleaner every outcome's details pass
 * through before anyone sees or stores them. End, Abort and the validator all use these two functions,
 * so a reply's details read the same on the screen, in the outcome record and in the audit trail.
 */
import { maskCardNumbers } from '../card/card-detector';
import { replaceLongDigitRuns } from '../card/digit-runs';
import type { FinalStatus } from './contract';

/** Longest ApprovalResult put on the result line; the desktop shows it in one line. */
export const RESULT_DETAILS_MAX_CHARS = 200;

// The details are a validation service's words, which the product does not control, and they reach the
// agent's screen, the outcome record and the audit trail. Every card number the shared detector finds (any
// digits, separators, character references) is masked; then, deliberately broader, any other run of 12 or
// more digits is removed (card/digit-runs.ts, digits and separators read as the detector reads them): a
// service that echoes a number mangled or cut short fails the detector's checks but must not get through.

/**
 * Details fit for the agent's screen and the result line: every `|` (the line's separator), CR and LF
 * removed, other control characters turned into spaces, then card numbers (shared detector) masked and
 * other long digit runs replaced (after the removals, so `4111|1111|…` cannot join into a number behind
 * them), runs of white space collapsed, trimmed, and at most RESULT_DETAILS_MAX_CHARS characters
 * (surrogate pairs kept whole).
 */
export function cleanDetails(details: string): string {
  const flat = details.replace(/[|\r\n]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const clean = replaceLongDigitRuns(maskCardNumbers(flat).text, () => '[number removed]')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = Array.from(clean);
  return chars.length > RESULT_DETAILS_MAX_CHARS ? chars.slice(0, RESULT_DETAILS_MAX_CHARS).join('').trimEnd() : clean;
}

/** `transactionId|ApprovalValue|ApprovalResult\n`, with every field free of `|`, CR and LF. */
export function resultLine(transactionId: string, status: FinalStatus, details: string): string {
  const id = transactionId.replace(/[|\r\n]/g, '');
  return `${id}|${status}|${cleanDetails(details)}\n`;
}
