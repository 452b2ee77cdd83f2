/**
 * Chat transcripts as conversations: a list of messages `{ participant, time, text }` (JSON lines on
 * the command line, `messages` in the service). A card number typed over several messages ("4111
 * 1111" then "1111 1111") is found by reading the messages of one participant that follow each other
 * within a short window (configuration `conversation.windowSeconds`, default 120 s) as one text,
 * joined by spaces (so an expiry or code sent in the next message counts as next to the card); every part of such a number is masked in the message where it was typed.
 * Other participants' messages in between do not break the chain (an agent saying "go on" between
 * two halves changes nothing). Every other field of a message is kept as it is.
 * Messages are redacted as a stream (ConversationRedactionStream): only the chains that may still
 * grow are held, so memory depends on the window, not on the transcript's length.
 */
import { digitValue, MAX_GAP } from '../shared/card/card-detector';
import { AFTER_WINDOW } from './card-context';
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

/** What is wrong with one message (named by `label`), or nothing. Never quotes a value. */
export function messageProblems(m: unknown, label: string): string[] {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return [`${label} must be an object`];
  const r = m as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof r.participant !== 'string' || r.participant === '') problems.push(`${label}: participant must be non-empty text`);
  if (messageTime(r.time) === undefined) problems.push(`${label}: time must be an ISO 8601 date-time or epoch seconds`);
  if (typeof r.text !== 'string') problems.push(`${label}: text must be text`);
  return problems;
}

/** Checks a parsed list of messages; `label(i)` names a message in problems ("line 3", "messages[2]"). */
export function parseConversation(raw: unknown[], label: (index: number) => string): ConversationMessage[] {
  const problems: string[] = [];
  if (raw.length > MAX_MESSAGES) throw new ConversationError([`a conversation holds at most ${MAX_MESSAGES} messages`]);
  raw.forEach((m, i) => {
    problems.push(...messageProblems(m, label(i)));
  });
  if (problems.length > 0) throw new ConversationError(problems.slice(0, 20).concat(problems.length > 20 ? [`and ${problems.length - 20} more`] : []));
  return raw as ConversationMessage[];
}

/** Limits that keep a conversation stream's memory bounded whatever the transcript's length. */
export interface ConversationStreamLimits {
  /** Most characters of text one chain (one participant's run of messages) holds; a longer run starts a new chain. */
  maxChainChars: number;
  /** Most characters of text held waiting for output; beyond it the oldest open chain is closed early. */
  maxHeldChars: number;
}

export const CONVERSATION_STREAM_LIMITS: ConversationStreamLimits = { maxChainChars: 64 * 1024, maxHeldChars: 4 * 1024 * 1024 };

/**
 * Digit-free characters needed before a message boundary for a chain to be cut there: more than the
 * longest gap inside a number (MAX_GAP) and the expiry/code window after a card (AFTER_WINDOW), so no
 * number, expiry or code found in the whole chain can cross such a boundary.
 */
const SAFE_SPLIT_CLEAN = Math.max(MAX_GAP, AFTER_WINDOW) + 8;

/** A character that is or may encode a digit: a digit of any script, a surrogate, `&` (a reference). */
function digitLike(code: number): boolean {
  return digitValue(code) >= 0 || code === 0x26 || (code >= 0xd800 && code <= 0xdfff);
}

interface Entry {
  message: ConversationMessage;
  chain: Chain;
  out?: ConversationMessage;
}

interface Chain {
  entries: Entry[];
  participant: string;
  last: number;
  chars: number;
  closed: boolean;
}

/**
 * Redacts a conversation message by message as it arrives, in order, holding only the messages whose
 * chain may still grow: a participant's chain is open while their next message may come within the
 * window; it is closed (redacted) when they write again later than the window, or when any message comes
 * later than the window after its last one (times are read as mostly increasing). When a chain
 * reaches maxChainChars, or more than maxHeldChars are held (oldest chain first), its messages before
 * the last boundary that no number can cross (SAFE_SPLIT_CLEAN digit-free characters) are redacted and
 * given back, with the same result as whole; only a chain with no such boundary (digits at least every
 * few hundred characters for maxChainChars) is closed whole there, and a number split exactly at that
 * point could then be missed (documented limitation, as for over-long lines in text streams).
 * Messages are given back in input order as soon as every message before them is done.
 */
export class ConversationRedactionStream {
  private readonly windowMs: number;
  private readonly queue: Entry[] = [];
  private head = 0;
  private readonly open = new Map<string, Chain>();
  private heldChars = 0;

  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
    windowSeconds = redactor.conversationWindowSeconds,
    private readonly limits: ConversationStreamLimits = CONVERSATION_STREAM_LIMITS,
  ) {
    this.windowMs = windowSeconds * 1000;
  }

  /** Messages held (not yet given back). */
  public get held(): number {
    return this.queue.length - this.head;
  }

  /** Takes the next message (already checked: messageProblems); returns those ready, in order. */
  public push(message: ConversationMessage): ConversationMessage[] {
    const at = messageTime(message.time) ?? 0;
    for (const chain of this.open.values()) if (at - chain.last > this.windowMs) this.close(chain);
    let chain = this.open.get(message.participant);
    if (chain && Math.abs(at - chain.last) > this.windowMs) {
      this.close(chain);
      chain = undefined;
    } else if (chain && chain.chars + message.text.length > this.limits.maxChainChars) {
      // Too long: redact its messages up to the last boundary no number can cross; keep the rest open.
      if (!this.closePrefix(chain)) {
        this.close(chain);
        chain = undefined;
      }
    }
    if (chain === undefined) {
      chain = { entries: [], participant: message.participant, last: at, chars: 0, closed: false };
      this.open.set(message.participant, chain);
    }
    const entry: Entry = { message, chain };
    chain.entries.push(entry);
    chain.last = at;
    chain.chars += message.text.length + 1;
    this.queue.push(entry);
    this.heldChars += message.text.length;
    const ready: ConversationMessage[] = [];
    this.drainInto(ready);
    // Too much held: close the oldest open chains until it fits (each one lets the queue move on).
    for (let k = this.head; this.heldChars > this.limits.maxHeldChars && k < this.queue.length; k = Math.max(k + 1, this.head)) {
      const entry = this.queue[k] as Entry;
      if (entry.out === undefined && !this.closePrefix(entry.chain)) this.close(entry.chain);
      this.drainInto(ready);
    }
    this.compact();
    return ready;
  }

  /** Closes every chain; returns the rest of the messages, in order. */
  public end(): ConversationMessage[] {
    for (const chain of [...this.open.values()]) this.close(chain);
    const ready = this.drainInto([]);
    this.compact();
    return ready;
  }

  private drainInto(ready: ConversationMessage[]): ConversationMessage[] {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as Entry;
      if (entry.out === undefined) break;
      ready.push(entry.out);
      this.heldChars -= entry.message.text.length;
      this.queue[this.head] = undefined as unknown as Entry;
      this.head += 1;
    }
    return ready;
  }

  /** Drops the given-back entries from the front of the queue now and then (amortised linear). */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * Redacts the messages of an open chain before its last boundary with SAFE_SPLIT_CLEAN digit-free
   * characters before it, leaving the chain open with the rest; false when there is no such boundary.
   * What is found is the same as if the chain were redacted whole.
   */
  private closePrefix(chain: Chain): boolean {
    let clean = 0; // digit-free characters at the end of the joined text so far
    let split = -1;
    chain.entries.forEach((entry, i) => {
      if (i > 0 && clean >= SAFE_SPLIT_CLEAN) split = i;
      const text = entry.message.text;
      let j = text.length - 1;
      while (j >= 0 && !digitLike(text.charCodeAt(j))) j -= 1;
      clean = j < 0 ? clean + text.length + 1 : text.length - 1 - j + 1;
    });
    if (split < 0) return false;
    const head = chain.entries.slice(0, split);
    chain.entries = chain.entries.slice(split);
    chain.chars = chain.entries.reduce((n, e) => n + e.message.text.length + 1, 0);
    this.redactEntries(head);
    return true;
  }

  /** Redacts a chain: card numbers (and their expiry and code) across its messages, rules per message. */
  private close(chain: Chain): void {
    if (chain.closed) return;
    chain.closed = true;
    if (this.open.get(chain.participant) === chain) this.open.delete(chain.participant);
    this.redactEntries(chain.entries);
    chain.entries = [];
  }

  private redactEntries(entries: Entry[]): void {
    const offsets: number[] = [];
    const texts: string[] = [];
    let length = 0;
    for (const entry of entries) {
      offsets.push(length);
      texts.push(entry.message.text);
      length += entry.message.text.length + 1;
    }
    const found = this.redactor.cardMask(texts.join(' '));
    addToTally(this.tally, DEFAULT_FILTER_ID, found.cards);
    addToTally(this.tally, CARD_CONTEXT_ID, found.context);
    // Hand each masked digit back to the message it was typed in.
    const masks: MaskRanges[] = entries.map(() => []);
    let k = 0;
    for (const [start, end] of found.ranges) {
      while (k + 1 < offsets.length && (offsets[k + 1] as number) <= start) k += 1;
      const base = offsets[k] as number;
      (masks[k] as MaskRanges).push([start - base, end - base]);
    }
    entries.forEach((entry, i) => {
      const m = entry.message;
      const text = this.redactor.applyRules(applyMask(m.text, masks[i] as MaskRanges), this.tally);
      entry.out = text === m.text ? m : { ...m, text };
    });
  }
}

/**
 * Redacts every message (ConversationRedactionStream over the whole list): card numbers (and their
 * expiry and code) are looked for in each chain of one participant's messages less than
 * `windowSeconds` apart; additional rules run per message.
 */
export function redactConversation(
  messages: readonly ConversationMessage[],
  redactor: Redactor,
  tally: RedactionTally,
  windowSeconds = redactor.conversationWindowSeconds,
): ConversationMessage[] {
  const stream = new ConversationRedactionStream(redactor, tally, windowSeconds);
  const out: ConversationMessage[] = [];
  for (const m of messages) out.push(...stream.push(m));
  out.push(...stream.end());
  return out;
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
