/**
 * Secure input configuration: the forms an agent fills in (non-confidential fields) and how the IVR
 * behaves, the workgroups forms are assigned to, and who holds the secure input rights.
 * Parsed once from JSON (config/secure-ivr.json; in AWS the SSM parameter Begin and the agent API read, see config-source.ts) and
 * checked with every problem named; field values typed by agents are checked against the form before a
 * session starts, and an agent's access is worked out here so the agent API and Begin agree.
 */
import { containsCardNumber, digitValue, normaliseDigits } from '../card/card-detector';
import { compilePattern, type CompiledPattern } from '../../redact/pattern/pattern-matcher';
import type { IvrSettings } from './contract';

export interface FormField {
  id: string;
  displayName: string;
  required: boolean;
  pattern?: string;
  /** A sample value, shown as a placeholder and used by scripted calls that give no fields. */
  example?: string;
}

/** The card fields the IVR collects, in the order it asks for them. */
export const CARD_FIELDS = ['pan', 'exp', 'cvv'] as const;
export type CardFieldName = (typeof CARD_FIELDS)[number];

export interface FormDefinition {
  id: string;
  type: 'simple' | 'custom';
  title: string;
  description: string;
  ivr: IvrSettings;
  /** Card fields the caller keys (today always card number, expiry, security code). */
  cardFields: CardFieldName[];
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LANGUAGE = /^[a-z]{2,3}-[A-Z]{2}$/;

function checkIvr(where: string, raw: unknown, problems: string[]): IvrSettings {
  if (raw === undefined) return { ...DEFAULT_IVR };
  if (!isRecord(raw)) {
    problems.push(`${where}.ivr must be an object`);
    return { ...DEFAULT_IVR };
  }
  const ivr = { ...DEFAULT_IVR, ...raw } as IvrSettings;
  if (typeof ivr.language !== 'string' || !LANGUAGE.test(ivr.language)) problems.push(`${where}.ivr.language must be a Polly language code such as en-US`);
  if (typeof ivr.voice !== 'string' || !/^[A-Za-z]{2,20}$/.test(ivr.voice)) problems.push(`${where}.ivr.voice must be a Polly voice id such as Joanna`);
  if (ivr.engine !== 'standard' && ivr.engine !== 'neural') problems.push(`${where}.ivr.engine must be standard or neural`);
  const whole = (name: keyof IvrSettings, min: number, max: number): void => {
    const v = ivr[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) problems.push(`${where}.ivr.${name} must be a whole number from ${min} to ${max}`);
  };
  whole('attempts', 1, 5);
  whole('fieldTimeoutSeconds', 5, 60);
  whole('interDigitSeconds', 1, 15);
  return ivr;
}

/** Parses and checks the forms configuration; throws one error naming every problem. */
export function parseFormsConfig(raw: unknown): FormsConfig {
  const problems: string[] = [];
  if (!isRecord(raw) || !Array.isArray(raw.forms) || raw.forms.length === 0) throw new FormsConfigError(['"forms" must be a non-empty list']);
  const ids = new Set<string>();
  const forms = raw.forms.map((f, i): FormDefinition => {
    const where = `forms[${i}]`;
    if (!isRecord(f)) {
      problems.push(`${where} must be an object`);
      return { id: '', type: 'simple', title: '', description: '', ivr: { ...DEFAULT_IVR }, cardFields: [...CARD_FIELDS], fields: [], customAttributes: {} };
    }
    const id = typeof f.id === 'string' ? f.id : '';
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) problems.push(`${where}.id must be lower-case letters, digits and dashes`);
    else if (ids.has(id)) problems.push(`${where}.id "${id}" is used twice`);
    ids.add(id);
    if (f.type !== 'simple' && f.type !== 'custom') problems.push(`${where}.type must be simple or custom`);
    if (typeof f.title !== 'string' || f.title.trim() === '') problems.push(`${where}.title is required`);
    const fields: FormField[] = [];
    if (!Array.isArray(f.fields)) problems.push(`${where}.fields must be a list`);
    else {
      const fieldIds = new Set<string>();
      f.fields.forEach((field, j) => {
        const fw = `${where}.fields[${j}]`;
        if (!isRecord(field) || typeof field.id !== 'string' || field.id.trim() === '') {
          problems.push(`${fw}.id is required`);
          return;
        }
        if (fieldIds.has(field.id)) problems.push(`${fw}.id "${field.id}" is used twice`);
        fieldIds.add(field.id);
        if (field.pattern !== undefined) {
          const compiled = typeof field.pattern === 'string' ? compilePattern(field.pattern) : undefined;
          if (!compiled) problems.push(`${fw}.pattern must be text`);
          else if (!compiled.ok) problems.push(`${fw}.pattern is refused: ${compiled.problems.map((p) => `${p.message} (at ${p.at})`).join(', ')}`);
        }
        fields.push({
          id: field.id,
          displayName: typeof field.displayName === 'string' ? field.displayName : field.id,
          required: field.required === true,
          ...(typeof field.pattern === 'string' ? { pattern: field.pattern } : {}),
          ...(typeof field.example === 'string' ? { example: field.example } : {}),
        });
      });
    }
    return {
      id,
      type: f.type === 'custom' ? 'custom' : 'simple',
      title: typeof f.title === 'string' ? f.title : '',
      description: typeof f.description === 'string' ? f.description : '',
      ivr: checkIvr(where, f.ivr, problems),
      cardFields: checkCardFields(where, isRecord(f.ivr) ? f.ivr.cardFields : undefined, problems),
      fields,
      customAttributes: checkAttributes(where, f.customAttributes, problems),
    };
  });
  const config: FormsConfig = { forms };
  if (raw.workgroups !== undefined || raw.users !== undefined) {
    const users = checkUsers(raw.users, problems);
    config.users = users;
    config.workgroups = checkWorkgroups(raw.workgroups, ids, new Set(users.map((u) => u.id)), problems);
  }
  for (const key of Object.keys(raw)) if (!['forms', 'workgroups', 'users', '$schema'].includes(key)) problems.push(`"${key}" is not a known setting`);
  if (problems.length === 0) problems.push(...financeSeparationProblems(config));
  if (problems.length > 0) throw new FormsConfigError(problems);
  return config;
}

function checkCardFields(where: string, raw: unknown, problems: string[]): CardFieldName[] {
  if (raw === undefined) return [...CARD_FIELDS];
  // The IVR asks for all three in this order; other sets would need a change to the IVR, so they are refused.
  if (!Array.isArray(raw) || raw.length !== CARD_FIELDS.length || raw.some((v, i) => v !== CARD_FIELDS[i])) {
    problems.push(`${where}.ivr.cardFields must be ["pan", "exp", "cvv"]: the IVR collects card number, expiry and security code`);
  }
  return [...CARD_FIELDS];
}

function checkAttributes(where: string, raw: unknown, problems: string[]): Record<string, string> {
  if (raw === undefined) return {};
  if (!isRecord(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    problems.push(`${where}.customAttributes must map names to text`);
    return {};
  }
  if (Object.keys(raw).length > 20) problems.push(`${where}.customAttributes may hold at most 20 entries`);
  return { ...(raw as Record<string, string>) };
}

const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

function checkRights(where: string, raw: unknown, problems: string[]): Right[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${where}.rights must be a list`);
    return [];
  }
  const rights: Right[] = [];
  raw.forEach((r, i) => {
    if (typeof r === 'string' && (RIGHTS as readonly string[]).includes(r)) rights.push(r as Right);
    else problems.push(`${where}.rights[${i}] must be one of ${RIGHTS.join(', ')}`);
  });
  return rights;
}

const AGENT_ENDPOINT = /^(?:\+[1-9][0-9]{6,14}|[A-Za-z0-9._-]{1,36})$/;

function checkEndpoints(where: string, raw: unknown, problems: string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.some((e) => typeof e !== 'string' || !AGENT_ENDPOINT.test(e))) {
    problems.push(`${where}.endpoints must be a list of E.164 numbers or SIP user parts`);
    return undefined;
  }
  return [...new Set(raw as string[])];
}

function checkUsers(raw: unknown, problems: string[]): UserEntry[] {
  if (!Array.isArray(raw)) {
    problems.push('"users" must be a list when workgroups are configured');
    return [];
  }
  const seen = new Set<string>();
  const users: UserEntry[] = [];
  raw.forEach((u, i) => {
    const where = `users[${i}]`;
    if (!isRecord(u) || typeof u.id !== 'string' || !USER_ID.test(u.id)) {
      problems.push(`${where}.id must be a user name (letters, digits, . _ @ -)`);
      return;
    }
    if (seen.has(u.id)) problems.push(`${where}.id "${u.id}" is used twice`);
    seen.add(u.id);
    const endpoints = checkEndpoints(where, u.endpoints, problems);
    users.push({ id: u.id, name: typeof u.name === 'string' && u.name.trim() !== '' ? u.name : u.id, rights: checkRights(where, u.rights, problems), ...(endpoints ? { endpoints } : {}) });
  });
  const owners = new Map<string, string>();
  for (const user of users) {
    for (const endpoint of user.endpoints ?? []) {
      if (owners.has(endpoint)) problems.push(`users "${owners.get(endpoint)}" and "${user.id}" share an agent endpoint; each endpoint must reach one user`);
      owners.set(endpoint, user.id);
    }
  }
  return users;
}

function checkWorkgroups(raw: unknown, formIds: Set<string>, userIds: Set<string>, problems: string[]): Workgroup[] {
  if (!Array.isArray(raw)) {
    problems.push('"workgroups" must be a list');
    return [];
  }
  const seen = new Set<string>();
  const groups: Workgroup[] = [];
  raw.forEach((g, i) => {
    const where = `workgroups[${i}]`;
    if (!isRecord(g) || typeof g.id !== 'string' || !/^[a-z0-9][a-z0-9-]{0,62}$/.test(g.id)) {
      problems.push(`${where}.id must be lower-case letters, digits and dashes`);
      return;
    }
    if (seen.has(g.id)) problems.push(`${where}.id "${g.id}" is used twice`);
    seen.add(g.id);
    const list = (name: 'forms' | 'members', known: Set<string>, what: string): string[] => {
      const v = g[name];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
        problems.push(`${where}.${name} must be a list of ${what} ids`);
        return [];
      }
      for (const x of v as string[]) if (!known.has(x)) problems.push(`${where}.${name} names ${what} "${x}", which is not defined`);
      return [...(v as string[])];
    };
    groups.push({
      id: g.id,
      name: typeof g.name === 'string' && g.name.trim() !== '' ? g.name : g.id,
      forms: list('forms', formIds, 'form'),
      members: list('members', userIds, 'user'),
      rights: checkRights(where, g.rights, problems),
    });
  });
  return groups;
}

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

/** Finance users read outcomes and nothing else: a user whose rights mix viewOutcomes with an agent right is refused. */
function financeSeparationProblems(config: FormsConfig): string[] {
  const problems: string[] = [];
  for (const user of config.users ?? []) {
    const rights = agentAccess(config, user.id).rights;
    if (!rights.has('viewOutcomes')) continue;
    const mixed = [...rights].filter((r) => r !== 'viewOutcomes');
    if (mixed.length > 0) problems.push(`user "${user.id}" holds viewOutcomes together with ${mixed.join(', ')}; a finance user may read outcomes and nothing else, so use a separate user`);
  }
  return problems;
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
