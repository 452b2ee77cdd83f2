/**
 * Applies a loaded redaction configuration to text: the default card filter first, then each
 * additional rule in configuration order, each on the previous one's output. Counts per rule id go
 * into a tally the caller owns; the matched text is never kept or returned anywhere else.
 */
import { isCardSeparator, maskCardNumbers, maskDigits } from './card-scanner';
import { DEFAULT_FILTER_ID, type CompiledRule, type RedactionConfig, type ReplacementConfig } from './redaction-config';

/** Matches per rule id, for audit events. */
export type RedactionTally = Record<string, number>;

export function addToTally(tally: RedactionTally, id: string, count: number): void {
  if (count > 0) tally[id] = (tally[id] ?? 0) + count;
}

export function tallyTotal(tally: RedactionTally): number {
  return Object.values(tally).reduce((sum, n) => sum + n, 0);
}

function replace(match: string, replacement: ReplacementConfig): string {
  switch (replacement.strategy) {
    case 'mask-digits':
      return maskDigits(match);
    case 'mask-all':
      return match.replace(/\S/g, '#');
    case 'fixed':
      return replacement.text;
  }
}

function applyRule(text: string, rule: CompiledRule, tally: RedactionTally): string {
  const parts: string[] = [];
  let last = 0;
  rule.pattern.findAll(text, (start, end) => {
    parts.push(text.slice(last, start), replace(text.slice(start, end), rule.replacement));
    last = end;
  });
  if (parts.length === 0) return text;
  addToTally(tally, rule.id, parts.length / 2);
  parts.push(text.slice(last));
  return parts.join('');
}

export class Redactor {
  public constructor(private readonly config: RedactionConfig) {}

  /** Rule ids this redactor can report, in the order they run. */
  public ruleIds(): string[] {
    return [...(this.config.defaultFilter ? [DEFAULT_FILTER_ID] : []), ...this.config.rules.map((r) => r.id)];
  }

  /** Redacts a whole text (matches never span a line break). */
  public redact(text: string, tally: RedactionTally): string {
    let out = text;
    if (this.config.defaultFilter) {
      const masked = maskCardNumbers(out);
      addToTally(tally, DEFAULT_FILTER_ID, masked.count);
      out = masked.text;
    }
    for (const rule of this.config.rules) out = applyRule(out, rule, tally);
    return out;
  }
}

/** Longest text held back waiting for a line break before it is split at a safe point. */
export const MAX_PENDING_LINE = 1024 * 1024;

/**
 * Where an over-long unfinished line may be cut without cutting a card number: a space or tab with no
 * digit or separator beside it; failing that, the middle of a digit run of 40 or more (each half is
 * still too long to be part of a card); failing that, anywhere (documented limitation).
 */
export function safeCut(text: string): number {
  const from = Math.floor(text.length / 2);
  const digit = (i: number): boolean => {
    const c = text.charCodeAt(i);
    return c >= 48 && c <= 57;
  };
  for (let i = text.length - 2; i > from; i -= 1) {
    const c = text.charCodeAt(i);
    if ((c === 32 || c === 9) && !digit(i - 1) && !digit(i + 1) && !isCardSeparator(text.charCodeAt(i - 1)) && !isCardSeparator(text.charCodeAt(i + 1))) return i + 1;
  }
  let run = 0;
  for (let i = text.length - 1; i > from; i -= 1) {
    run = digit(i) ? run + 1 : 0;
    if (run >= 40) return i + 20;
  }
  return text.length;
}

/**
 * Redacts a text that arrives in chunks: complete lines are redacted as they arrive and the unfinished
 * last line is carried over, so a card number split across chunk boundaries is still found.
 */
export class LineRedactionStream {
  private pending = '';

  public constructor(
    private readonly redactor: Redactor,
    private readonly tally: RedactionTally,
    private readonly maxPending = MAX_PENDING_LINE,
  ) {}

  public write(chunk: string): string {
    this.pending += chunk;
    const nl = this.pending.lastIndexOf('\n');
    let out = '';
    if (nl >= 0) {
      out = this.redactor.redact(this.pending.slice(0, nl + 1), this.tally);
      this.pending = this.pending.slice(nl + 1);
    }
    while (this.pending.length > this.maxPending) {
      const cut = safeCut(this.pending);
      out += this.redactor.redact(this.pending.slice(0, cut), this.tally);
      this.pending = this.pending.slice(cut);
    }
    return out;
  }

  public end(): string {
    const out = this.pending === '' ? '' : this.redactor.redact(this.pending, this.tally);
    this.pending = '';
    return out;
  }
}
