/**
 * Redaction configuration: its JSON shape, and the one place it is checked. Loading compiles every
 * additional rule with the linear-time matcher and refuses the whole configuration, naming every
 * rule and every problem at once, when anything is wrong — a redaction service must not start with
 * a rule silently dropped.
 */
import { readFile } from 'node:fs/promises';
import { compilePattern, type CompiledPattern } from './pattern/pattern-matcher';

/** Id under which the default card-number filter is counted in audit events. */
export const DEFAULT_FILTER_ID = 'default-card-number';
/** Id under which expiry dates and security codes next to a card number are counted. */
export const CARD_CONTEXT_ID = 'card-expiry-security-code';
/** Default window within which consecutive chat messages of one participant are read together. */
export const DEFAULT_CONVERSATION_WINDOW_SECONDS = 120;
const MAX_CONVERSATION_WINDOW_SECONDS = 3600;

export type ReplacementConfig = { strategy: 'mask-digits' } | { strategy: 'mask-all' } | { strategy: 'fixed'; text: string };

export interface RedactionRuleConfig {
  /** Short kebab-case id, reported in audit events. */
  id: string;
  description?: string;
  /** A pattern in the supported JavaScript-style syntax (README.md). */
  pattern: string;
  /** `i` for case-insensitive; `m` is accepted and implied. @default '' */
  flags?: string;
  /** @default { strategy: 'mask-digits' } */
  replacement?: ReplacementConfig;
  /** @default true */
  enabled?: boolean;
}

export interface RedactionConfigDocument {
  /** Free text for people reading the file. */
  $comment?: string | string[];
  /**
   * The seed's "Redact Using Default Expression": card numbers masked with `#`.
   * `expiryAndSecurityCode` (@default true): also mask an expiry date or security code written next
   * to a card number.
   */
  defaultFilter: { enabled: boolean; expiryAndSecurityCode?: boolean };
  /** Chat transcripts: messages of one participant this close together are read as one text. @default { windowSeconds: 120 } */
  conversation?: { windowSeconds: number };
  /** The seed's "Additional Redaction Expression"s, applied in order after the default filter. */
  additionalRules: RedactionRuleConfig[];
}

export interface CompiledRule {
  id: string;
  pattern: CompiledPattern;
  replacement: ReplacementConfig;
}

export interface RedactionConfig {
  defaultFilter: boolean;
  /** Mask expiry dates and security codes next to a card number (only with the default filter). */
  cardContext: boolean;
  conversationWindowSeconds: number;
  rules: CompiledRule[];
}

/** The configuration cannot be used; the message names every problem, never the rule's pattern text. */
export class RedactionConfigError extends Error {
  public constructor(public readonly problems: string[]) {
    super(`Redaction configuration is invalid: ${problems.join('; ')}. Fix the configuration; nothing was redacted with it.`);
    this.name = 'RedactionConfigError';
  }
}

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const MAX_RULES = 50;
const MAX_FIXED_TEXT = 64;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks and compiles a parsed configuration document; throws RedactionConfigError with every problem. */
export function loadRedactionConfig(raw: unknown): RedactionConfig {
  const problems: string[] = [];
  if (!isRecord(raw)) throw new RedactionConfigError(['the configuration must be a JSON object']);
  const known = new Set(['$comment', 'defaultFilter', 'conversation', 'additionalRules']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push(`unknown setting "${key.slice(0, 40)}"`);

  let defaultFilter = true;
  let cardContext = true;
  if (raw.defaultFilter !== undefined) {
    const f = raw.defaultFilter;
    if (!isRecord(f) || typeof f.enabled !== 'boolean')
      problems.push('defaultFilter must be { "enabled": true | false, "expiryAndSecurityCode"?: true | false }');
    else {
      defaultFilter = f.enabled;
      for (const key of Object.keys(f))
        if (key !== 'enabled' && key !== 'expiryAndSecurityCode') problems.push(`unknown defaultFilter setting "${key.slice(0, 40)}"`);
      if (f.expiryAndSecurityCode !== undefined && typeof f.expiryAndSecurityCode !== 'boolean')
        problems.push('defaultFilter.expiryAndSecurityCode must be true or false');
      else if (f.expiryAndSecurityCode === false) cardContext = false;
    }
  }
  let conversationWindowSeconds = DEFAULT_CONVERSATION_WINDOW_SECONDS;
  if (raw.conversation !== undefined) {
    const c = raw.conversation;
    if (
      !isRecord(c) ||
      typeof c.windowSeconds !== 'number' ||
      !Number.isFinite(c.windowSeconds) ||
      c.windowSeconds < 0 ||
      c.windowSeconds > MAX_CONVERSATION_WINDOW_SECONDS
    ) {
      problems.push(`conversation must be { "windowSeconds": 0 to ${MAX_CONVERSATION_WINDOW_SECONDS} }`);
    } else conversationWindowSeconds = c.windowSeconds;
  }

  const rules: CompiledRule[] = [];
  const rulesRaw = raw.additionalRules ?? [];
  if (!Array.isArray(rulesRaw)) problems.push('additionalRules must be a list');
  else {
    if (rulesRaw.length > MAX_RULES) problems.push(`at most ${MAX_RULES} additional rules are supported`);
    const seen = new Set<string>([DEFAULT_FILTER_ID, CARD_CONTEXT_ID]);
    rulesRaw.forEach((rule: unknown, index) => {
      const compiled = loadRule(rule, index, seen, problems);
      if (compiled) rules.push(compiled);
    });
  }
  if (problems.length > 0) throw new RedactionConfigError(problems);
  return { defaultFilter, cardContext: defaultFilter && cardContext, conversationWindowSeconds, rules };
}

function loadRule(rule: unknown, index: number, seen: Set<string>, problems: string[]): CompiledRule | undefined {
  if (!isRecord(rule)) {
    problems.push(`additional rule #${index + 1} must be an object`);
    return undefined;
  }
  const id = typeof rule.id === 'string' && ID.test(rule.id) ? rule.id : undefined;
  const name = id ? `rule "${id}"` : `additional rule #${index + 1}`;
  if (!id) problems.push(`${name} needs an id of lower-case letters, digits and dashes (at most 64)`);
  else if (seen.has(id)) problems.push(`${name} uses an id that is already taken`);
  else seen.add(id);
  if (rule.description !== undefined && typeof rule.description !== 'string') problems.push(`${name}: description must be text`);
  if (rule.enabled !== undefined && typeof rule.enabled !== 'boolean') problems.push(`${name}: enabled must be true or false`);
  const replacement = loadReplacement(rule.replacement, name, problems);
  if (typeof rule.pattern !== 'string') {
    problems.push(`${name}: pattern must be text`);
    return undefined;
  }
  if (rule.flags !== undefined && typeof rule.flags !== 'string') {
    problems.push(`${name}: flags must be text`);
    return undefined;
  }
  const result = compilePattern(rule.pattern, typeof rule.flags === 'string' ? rule.flags : '');
  if (!result.ok) {
    for (const problem of result.problems) problems.push(`${name}: ${problem.message} (at character ${problem.at + 1} of the pattern)`);
    return undefined;
  }
  if (!id || !replacement || rule.enabled === false) return undefined;
  return { id, pattern: result.pattern, replacement };
}

function loadReplacement(raw: unknown, name: string, problems: string[]): ReplacementConfig | undefined {
  if (raw === undefined) return { strategy: 'mask-digits' };
  if (!isRecord(raw)) {
    problems.push(`${name}: replacement must be an object with a strategy`);
    return undefined;
  }
  switch (raw.strategy) {
    case 'mask-digits':
    case 'mask-all':
      return { strategy: raw.strategy };
    case 'fixed':
      if (typeof raw.text !== 'string' || raw.text.length > MAX_FIXED_TEXT || /[0-9\r\n]/.test(raw.text)) {
        problems.push(`${name}: a fixed replacement needs text of at most ${MAX_FIXED_TEXT} characters without digits or line breaks`);
        return undefined;
      }
      return { strategy: 'fixed', text: raw.text };
    default:
      problems.push(`${name}: replacement strategy must be mask-digits, mask-all or fixed`);
      return undefined;
  }
}

/**
 * Reads a configuration file: the document as parsed (for worker threads, which load it again) and the
 * loaded configuration. JSON syntax errors become RedactionConfigError too.
 */
export async function readRedactionConfigDocument(path: string): Promise<{ document: unknown; config: RedactionConfig }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new RedactionConfigError(['the configuration file cannot be read']);
  }
  const document = parseJson(text);
  return { document, config: loadRedactionConfig(document) };
}

export function parseRedactionConfig(text: string): RedactionConfig {
  return loadRedactionConfig(parseJson(text));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new RedactionConfigError(['the configuration is not valid JSON']);
  }
}
