/**
 * Secure input configuration: the forms an agent fills in (non-confidential fields) and how the IVR
 * behaves, the workgroups forms are assigned to, and who holds the secure input rights.
 * Parsed once from JSON (config/secure-ivr.json; in AWS the SSM parameter Begin and the agent API read,
 * see config-source.ts) by forms-config.ts, against config/secure-ivr.schema.json; field values typed by
 * agents are checked against the form before a session starts, and an agent's access is worked out here
 * so the agent API and Begin agree. No schema validator is loaded here: the SMA handler and the token
 * checks import this module and stay small.
 */
import { containsCardNumber, digitValue, normaliseDigits } from '../card/card-detector';
import { compilePattern, type CompiledPattern } from '../../redact/pattern/pattern-matcher';
import type { IvrSettings } from './contract';
import type { CardField } from '../card/card-fields';

export interface FormField {
  id: string;
  displayName: string;
  required: boolean;
  pattern?: string;
  /** A sample value, shown as a placeholder and used by scripted calls that give no fields. */
  example?: string;
}

export interface FormDefinition {
  id: string;
  type: 'simple' | 'custom';
  title: string;
  description: string;
  ivr: IvrSettings;
  /** Card fields the caller keys (today always card number, expiry, security code). */
  cardFields: CardField[];
  fields: FormField[];
  /** Free name → value pairs for integrations (shown to nobody, passed to nothing card-related). */
  customAttributes: Record<string, string>;
}

/**
 * Rights, as in the contact-center administrator's vocabulary. `viewOutcomes` makes a finance user: they
 * read payment outcomes and nothing else, so it is never combined with an agent right.
 */
export const RIGHTS = ['secureInput', 'initiateSecureInput', 'superviseSecureInput', 'viewOutcomes'] as const;
export type Right = (typeof RIGHTS)[number];

/**
 * Rights the signed sign-in token itself carries, as Cognito groups of the same name (`cognito:groups`):
 * the server trusts them only from a verified token, never from a request header or body. The sandbox's
 * local sign-in puts a configured user's token rights into its token; in AWS the user pool group does.
 */
export const TOKEN_RIGHTS = ['viewOutcomes'] as const satisfies readonly Right[];
export type TokenRight = (typeof TOKEN_RIGHTS)[number];

export interface Workgroup {
  id: string;
  name: string;
  /** Form ids assigned to the workgroup. */
  forms: string[];
  /** User ids. */
  members: string[];
  /** Rights every member holds. */
  rights: Right[];
}

export interface UserEntry {
  id: string;
  name: string;
  /** Rights this user holds on their own, on top of their workgroups'. */
  rights: Right[];
  /**
   * The agent endpoints (E.164 numbers or SIP user parts) that reach this user alone: when the IVR's bridge
   * answers on one of them, the call belongs to this user (security review item 6).
   */
  endpoints?: string[];
}

export interface FormsConfig {
  forms: FormDefinition[];
  /** Absent in a forms-only file: then Begin checks no rights (the agent API refuses everyone). */
  workgroups?: Workgroup[];
  users?: UserEntry[];
}

/** What one signed-in user may do. */
export interface AgentAccess {
  userId: string;
  known: boolean;
  name: string;
  rights: Set<Right>;
  workgroups: string[];
  /** Forms assigned to any of the user's workgroups, in configuration order. */
  forms: FormDefinition[];
}

export class FormsConfigError extends Error {
  public constructor(problems: string[]) {
    super(`Forms configuration is invalid: ${problems.join('; ')}`);
    this.name = 'FormsConfigError';
  }
}

export const DEFAULT_IVR: IvrSettings = { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 };

/**
 * What a user may do: rights come from the user entry and every workgroup they belong to (as an
 * administrator grants them to a workgroup or to a single user); forms come from their workgroups.
 */
export function agentAccess(config: FormsConfig, userId: string): AgentAccess {
  const user = config.users?.find((u) => u.id === userId);
  const groups = (config.workgroups ?? []).filter((g) => g.members.includes(userId));
  const rights = new Set<Right>(user?.rights ?? []);
  for (const g of groups) for (const r of g.rights) rights.add(r);
  const formIds = new Set(groups.flatMap((g) => g.forms));
  return {
    userId,
    known: user !== undefined,
    name: user?.name ?? userId,
    rights,
    workgroups: groups.map((g) => g.id),
    forms: config.forms.filter((f) => formIds.has(f.id)),
  };
}

/** The rights among `rights` that a sign-in token carries (see TOKEN_RIGHTS). */
export function tokenRightsOf(rights: Iterable<Right>): TokenRight[] {
  const held = new Set(rights);
  return TOKEN_RIGHTS.filter((r) => held.has(r));
}

/**
 * The workgroup a session with this form is started under: the first of the user's workgroups (in
 * configuration order) that has the form assigned. Undefined without workgroups or without such a group.
 */
export function workgroupFor(config: FormsConfig, userId: string, formId: string): string | undefined {
  return (config.workgroups ?? []).find((g) => g.members.includes(userId) && g.forms.includes(formId))?.id;
}

/**
 * Why this user may not start a session with this form, or undefined when they may. Only meaningful
 * when the configuration has workgroups; a forms-only configuration grants nothing to check.
 */
export function initiateRefusal(config: FormsConfig, userId: string, formId: string): { code: 'no-right' | 'form-not-assigned'; reason: string } | undefined {
  const access = agentAccess(config, userId);
  if (!access.rights.has('secureInput') || !access.rights.has('initiateSecureInput')) {
    return { code: 'no-right', reason: 'you do not hold the Secure Input and Initiate Secure Input rights; ask your administrator' };
  }
  if (!access.forms.some((f) => f.id === formId)) return { code: 'form-not-assigned', reason: `form ${formId} is not assigned to any of your workgroups` };
  return undefined;
}

/** A form's example values (for scripted calls that give no fields); empty for an unknown form. */
export function exampleFields(config: FormsConfig, formId: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const f of config.forms.find((form) => form.id === formId)?.fields ?? []) if (f.example !== undefined) fields[f.id] = f.example;
  return fields;
}

export const MAX_FIELD_LENGTH = 200;
/** A form field never needs this many digits in a row (separators aside): card numbers start at 12. */
export const MAX_DIGITS_IN_A_ROW = 11;

const CHAR_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g;
const LETTER = /\p{L}/u;
// MM/YY or MM/YYYY as printed on a card (a slash: dates written with dashes are left alone).
const EXPIRY_LIKE = /(?<!\d)(?:0[1-9]|1[0-2])\s*\/\s*(?:20)?\d{2}(?!\d)/;
const CARD_WORD_THEN_DIGITS = /(?:cvv2?|cvc2?|cv2|csc|cid|security\s*code|exp(?:iry|iration)?(?:\s*date)?)[^\p{L}\d]{0,5}\d/iu;

/** The text as a reader sees it: character references decoded, NFKC, every decimal digit ASCII, format characters gone. */
function readable(text: string): string {
  return text
    .replace(CHAR_REFERENCE, (ref: string, hex: string | undefined, dec: string | undefined) => {
      const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : ref;
    })
    .normalize('NFKC')
    .replace(/\p{Nd}/gu, (d) => String(Math.max(0, digitValue(d.codePointAt(0) as number))))
    .replace(/\p{Cf}/gu, '');
}

/** The longest run of digits with no letter between them (spaces, punctuation and markup do not break a run). */
function longestDigitRun(text: string): number {
  const { positions } = normaliseDigits(text);
  let longest = positions.length > 0 ? 1 : 0;
  let run = longest;
  for (let i = 1; i < positions.length; i += 1) {
    // What lies between two digits, minus the rest of a character reference (its `x` is not a letter).
    const gap = text.slice((positions[i - 1] as number) + 1, positions[i]).replace(/^#?[xX]?[0-9a-fA-F]*;?/, '');
    run = LETTER.test(gap.normalize('NFKC')) ? 1 : run + 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * True when free text typed by an agent holds card data in any disguise: a card number found by the
 * shared detector (any digits, grouping, separators, character references); 12 or more digits in a
 * row once separators are removed; an expiry written MM/YY next to at least three other digits; or a
 * card word (CVV, CVC, security code, expiry…) followed by digits. Strict on purpose: no form field
 * needs any of these, and a false refusal costs the agent one edit.
 */
export function looksLikeCardData(text: string): boolean {
  if (containsCardNumber(text)) return true;
  if (longestDigitRun(text) > MAX_DIGITS_IN_A_ROW) return true;
  const seen = readable(text);
  const expiry = EXPIRY_LIKE.exec(seen);
  if (expiry && seen.replace(expiry[0], '').replace(/\D/g, '').length >= 3) return true;
  return CARD_WORD_THEN_DIGITS.test(seen);
}

/**
 * Whether a value matches a form field's pattern. Patterns went through the redaction rules' safety
 * checks when the configuration loaded, and run on the same linear-time matcher: a value costs time in
 * proportion to its length whatever the pattern (a backtracking RegExp took 1.4 s on 28 characters
 * for `^([A-Za-z]+ ?)+$`). A pattern that does not compile matches nothing.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  let compiled = COMPILED_PATTERNS.get(pattern);
  if (compiled === undefined) {
    const result = compilePattern(pattern);
    compiled = result.ok ? result.pattern : null;
    // Bounded by the configuration: patterns come from forms, never from requests.
    COMPILED_PATTERNS.set(pattern, compiled);
  }
  if (compiled === null) return false;
  let found = false;
  compiled.findAll(value, () => {
    found = true;
  });
  return found;
}

const COMPILED_PATTERNS = new Map<string, CompiledPattern | null>();

/**
 * Checks the agent's field values against the form. Problems name the field, never its value.
 */
export function checkFieldValues(form: FormDefinition, values: Record<string, string>): string[] {
  const problems: string[] = [];
  const known = new Set(form.fields.map((f) => f.id));
  for (const name of Object.keys(values)) if (!known.has(name)) problems.push(`field "${name}" is not on form ${form.id}`);
  for (const field of form.fields) {
    const value = values[field.id];
    if (value === undefined || value.trim() === '') {
      if (field.required) problems.push(`${field.displayName} is required`);
      continue;
    }
    if (typeof value !== 'string') problems.push(`${field.displayName} must be text`);
    else if (value.length > MAX_FIELD_LENGTH) problems.push(`${field.displayName} is longer than ${MAX_FIELD_LENGTH} characters`);
    else if (/[\u0000-\u001f\u007f]/.test(value)) problems.push(`${field.displayName} contains control characters`);
    else if (looksLikeCardData(value)) problems.push(`${field.displayName} looks like card details; card details are taken only from the caller's keypad`);
    else if (field.pattern !== undefined && !matchesPattern(field.pattern, value)) problems.push(`${field.displayName} is not in the expected format`);
  }
  return problems;
}
