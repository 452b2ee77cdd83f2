/**
 * The result shown on the agent's desktop (the seed's EIC_SECURE_IVR_RESULT):
 * `transactionId|ApprovalValue|ApprovalResult\n`, and the one cleaner every outcome's details pass
 * through before anyone sees or stores them. End, Abort and the validator all use these two functions,
 * so a reply's details read the same on the screen, in the outcome record and in the audit trail.
 */
import { maskCardNumbers } from '../card/card-detector';
import type { FinalStatus } from './contract';

/** Longest ApprovalResult put on the result line; the desktop shows it in one line. */
export const RESULT_DETAILS_MAX_CHARS = 200;

// Besides every card number the shared detector finds (any digits, separators, character references),
// any run of 12–19 digits, spaces or dashes allowed between them: a service that echoes a card number in
// its details must not get it onto the agent's screen.
const DIGIT_RUN = /\d(?:[ -]?\d){11,18}/g;

/**
 * Details fit for the agent's screen and the result line: every `|` (the line's separator), CR and LF
 * removed, other control characters turned into spaces, card numbers (shared detector) masked and other
 * card-length digit runs replaced, runs of
 * white space collapsed, trimmed, and at most RESULT_DETAILS_MAX_CHARS characters (surrogate pairs kept whole).
 */
export function cleanDetails(details: string): string {
  const clean = maskCardNumbers(details)
    .text.replace(/[|\r\n]/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(DIGIT_RUN, '[number removed]')
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
