/**
 * Chat transcripts as conversations: a list of messages `{ participant, time, text }` (JSON lines on
 * the command line, `messages` in the service). A card number typed over several messages ("4111
 * 1111" then "1111 1111") is found by reading the messages of one participant that follow each other
 * within a short window (configuration `conversation.windowSeconds`, default 120 s) as one text,
 * joined by spaces (so an expiry or code sent in the next message counts as next to the card); every part of such a number is masked in the message where it was typed.
 * Other participants' messages in between do not break the chain (an agent saying "go on" between
 * two halves changes nothing). Every other field of a message is kept as it is.
 */
import { addToTally, applyMask, type MaskRanges, type RedactionTally, type Redactor } from './redactor';
import { CARD_CONTEXT_ID, DEFAULT_FILTER_ID } from './redaction-config';

export interface ConversationMessage {
  participant: string;
  /** ISO 8601 date-time, or seconds (or milliseconds, when over 10^11) since the epoch. */
  time: string | number;
  text: string;
  [field: string]: unknown;
}

/** A message does not follow the contract; the message names every problem by position, never a value. */
export class ConversationError extends Error {
  public constructor(public readonly problems: string[]) {
    super(`The conversation is invalid: ${problems.join('; ')}. Each message needs participant (text), time (ISO 8601 or epoch seconds) and text.`);
    this.name = 'ConversationError';
  }
}

/** Most messages one conversation may hold. */
export const MAX_MESSAGES = 100_000;

/** Milliseconds since the epoch of a message time, or undefined when it cannot be read. */
export function messageTime(time: unknown): number | undefined {
  if (typeof time === 'number' && Number.isFinite(time) && time >= 0) return time > 1e11 ? time : time * 1000;
  if (typeof time === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(time)) {
    const ms = Date.parse(time);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** Checks a parsed list of messages; `label(i)` names a message in problems ("line 3", "messages[2]"). */
export function parseConversation(raw: unknown[], label: (index: number) => string): ConversationMessage[] {
  const problems: string[] = [];
  if (raw.length > MAX_MESSAGES) throw new ConversationError([`a conversation holds at most ${MAX_MESSAGES} messages`]);
  raw.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) {
      problems.push(`${label(i)} must be an object`);
      return;
    }
    const r = m as Record<string, unknown>;
    if (typeof r.participant !== 'string' || r.participant === '') problems.push(`${label(i)}: participant must be non-empty text`);
    if (messageTime(r.time) === undefined) problems.push(`${label(i)}: time must be an ISO 8601 date-time or epoch seconds`);
    if (typeof r.text !== 'string') problems.push(`${label(i)}: text must be text`);
  });
  if (problems.length > 0) throw new ConversationError(problems.slice(0, 20).concat(problems.length > 20 ? [`and ${problems.length - 20} more`] : []));
  return raw as ConversationMessage[];
}

/**
 * Redacts every message. Card numbers (and their expiry and code) are looked for in each chain of
 * one participant's messages less than `windowSeconds` apart; additional rules run per message.
 */
export function redactConversation(
  messages: readonly ConversationMessage[],
  redactor: Redactor,
  tally: RedactionTally,
  windowSeconds = redactor.conversationWindowSeconds,
): ConversationMessage[] {
  const windowMs = windowSeconds * 1000;
  // Chains: per participant, runs of their messages each within the window of the previous one.
  const chains: number[][] = [];
  const open = new Map<string, { chain: number[]; last: number }>();
  messages.forEach((m, i) => {
    const at = messageTime(m.time) ?? 0;
    const current = open.get(m.participant);
    if (current && Math.abs(at - current.last) <= windowMs) {
      current.chain.push(i);
      current.last = at;
    } else {
      const chain = [i];
      chains.push(chain);
      open.set(m.participant, { chain, last: at });
    }
  });

  const masks: MaskRanges[] = messages.map(() => []);
  for (const chain of chains) {
    const offsets: number[] = [];
    let joined = '';
    for (const i of chain) {
      if (offsets.length > 0) joined += ' ';
      offsets.push(joined.length);
      joined += (messages[i] as ConversationMessage).text;
    }
    const found = redactor.cardMask(joined);
    addToTally(tally, DEFAULT_FILTER_ID, found.cards);
    addToTally(tally, CARD_CONTEXT_ID, found.context);
    // Hand each masked digit back to the message it was typed in.
    let k = 0;
    for (const [start, end] of found.ranges) {
      while (k + 1 < chain.length && (offsets[k + 1] as number) <= start) k += 1;
      const base = offsets[k] as number;
      (masks[chain[k] as number] as MaskRanges).push([start - base, end - base]);
    }
  }
  return messages.map((m, i) => {
    const masked = applyMask(m.text, masks[i] as MaskRanges);
    const text = redactor.applyRules(masked, tally);
    return text === m.text ? m : { ...m, text };
  });
}

/** Reads JSON lines (blank lines skipped); problems name line numbers, never content. */
export function parseJsonLines(text: string): ConversationMessage[] {
  const raw: unknown[] = [];
  const lineOf: number[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      raw.push(JSON.parse(line));
      lineOf.push(i + 1);
    } catch {
      problems.push(`line ${i + 1} is not valid JSON`);
    }
  });
  if (problems.length > 0) throw new ConversationError(problems.slice(0, 20).concat(problems.length > 20 ? [`and ${problems.length - 20} more`] : []));
  return parseConversation(raw, (i) => `line ${lineOf[i] ?? i + 1}`);
}

/** One JSON object per line, each message's fields as they came. */
export function toJsonLines(messages: readonly ConversationMessage[]): string {
  return messages.map((m) => `${JSON.stringify(m)}\n`).join('');
}
