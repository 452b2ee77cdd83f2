/**
 * Reads the secure input configuration (config/secure-ivr.json, or the SSM parameter holding it) into a
 * FormsConfig. The shape is checked by config/secure-ivr.schema.json itself, through a compiled ajv
 * validator, so the schema editors use and the check the product runs are one definition. What a
 * schema cannot say is checked here: ids used twice, workgroups naming forms or users that do not
 * exist, and finance users holding agent rights. Every problem is gathered into one FormsConfigError
 * whose lines name the setting (`forms[0].ivr.attempts`) and what it must be.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import schema from '../../../config/secure-ivr.schema.json';
import { compilePattern } from '../../redact/pattern/pattern-matcher';
import { CARD_FIELDS } from '../card/card-fields';
import type { IvrSettings } from './contract';
import { agentAccess, DEFAULT_IVR, FormsConfigError, type FormDefinition, type FormsConfig, type Right, type UserEntry, type Workgroup } from './forms';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

let compiled: ValidateFunction | undefined;

/** Compiled on first use: a function that never reads the configuration pays nothing. */
function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
    addFormats(ajv, ['regex']);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** What a `pattern` in the schema means, in words; keyed by the pattern itself. */
const PATTERN_MEANING: Record<string, string> = {
  '^[a-z0-9][a-z0-9-]{0,62}$': 'must be lower-case letters, digits and dashes',
  '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$': 'must be a user name (letters, digits, . _ @ -)',
  '^[a-z]{2,3}-[A-Z]{2}$': 'must be a Polly language code such as en-US',
  '^[A-Za-z]{2,20}$': 'must be a Polly voice id such as Joanna',
  '\\S': 'is required and must not be blank',
};

/** Patterns of list items whose problem is said of the whole list (`users[0].endpoints must be …`). */
const LIST_PATTERN_MEANING: Record<string, string> = {
  '^(?:\\+[1-9][0-9]{6,14}|[A-Za-z0-9._-]{1,36})$': 'must be a list of E.164 numbers or SIP user parts',
};

/** `/forms/0/ivr/attempts` → `forms[0].ivr.attempts`; a top-level setting is quoted (`"forms"`). */
export function settingName(instancePath: string, child?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  if (parts.length === 1) return `"${parts[0]}"`;
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name === '' ? part : `${name}.${part}`), '');
}

const listText = (values: readonly unknown[]): string => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;

/** One readable line for one schema error; the wording comes from the schema's own constraints. */
function problemText(error: ErrorObject): string {
  const where = settingName(error.instancePath);
  const parent = (error.parentSchema ?? {}) as { minimum?: number; maximum?: number; description?: string; type?: string };
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${settingName(error.instancePath, String(params.missingProperty))} is required`;
    case 'dependentRequired':
      return `"${String(params.missingProperty)}" is required when "${String(params.property)}" is set`;
    case 'additionalProperties':
      return `${settingName(error.instancePath, String(params.additionalProperty))} is not a known setting`;
    case 'pattern': {
      const ofList = LIST_PATTERN_MEANING[String(params.pattern)];
      if (ofList !== undefined) return `${settingName(error.instancePath.replace(/\/\d+$/, ''))} ${ofList}`;
      return `${where} ${PATTERN_MEANING[String(params.pattern)] ?? 'does not have the expected form'}`;
    }
    case 'enum':
      return `${where} must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'const': {
      const allowed = params.allowedValue;
      const text = Array.isArray(allowed) ? listText(allowed) : JSON.stringify(allowed);
      return `${where} must be ${text}${parent.description ? `: ${parent.description}` : ''}`;
    }
    case 'minimum':
    case 'maximum':
      return `${where} must be a whole number from ${parent.minimum} to ${parent.maximum}`;
    case 'type': {
      if (params.type === 'integer' && parent.minimum !== undefined) return `${where} must be a whole number from ${parent.minimum} to ${parent.maximum}`;
      const words: Record<string, string> = { array: 'a list', object: 'an object', string: 'text', boolean: 'true or false', integer: 'a whole number' };
      return `${where} must be ${words[String(params.type)] ?? String(params.type)}`;
    }
    case 'minItems':
      return `${where} must be a non-empty list`;
    case 'maxProperties':
      return `${where} may hold at most ${String(params.limit)} entries`;
    case 'format':
      return params.format === 'regex' ? `${where} is not a valid regular expression` : `${where} must be a ${String(params.format)}`;
    default:
      return `${where} ${error.message ?? 'is not valid'}`;
  }
}

/** Every property name the schema defines, in the order the schema lists them (problems follow it). */
const PROPERTY_ORDER: ReadonlyMap<string, number> = (() => {
  const order = new Map<string, number>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) {
      if (isRecord(node.properties)) for (const key of Object.keys(node.properties)) if (!order.has(key)) order.set(key, order.size);
      Object.values(node).forEach(walk);
    }
  };
  walk(schema);
  return order;
})();

/** Sort key of an error: its setting's path, list positions by number and names in schema order. */
function position(error: ErrorObject): number[] {
  const params = error.params as Record<string, unknown>;
  const child = error.keyword === 'required' ? params.missingProperty : error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  const parts = [...error.instancePath.split('/').slice(1), ...(child !== undefined ? [String(child)] : [])];
  return parts.map((part) => (/^\d+$/.test(part) ? Number(part) : (PROPERTY_ORDER.get(part) ?? PROPERTY_ORDER.size)));
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** The schema's problems, one line each in the configuration's order, duplicates (a bound and the type on one value) merged. */
export function schemaProblems(raw: unknown): string[] {
  const validate = schemaValidator();
  if (validate(raw)) return [];
  const errors = [...(validate.errors ?? [])].sort((a, b) => compare(position(a), position(b)));
  return [...new Set(errors.map(problemText))];
}

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Ids used twice in a list (each named once, at its second use). */
function duplicates(list: unknown, where: (index: number) => string, problems: string[]): void {
  const seen = new Set<string>();
  (Array.isArray(list) ? list : []).forEach((item, i) => {
    const id = isRecord(item) ? text(item.id) : undefined;
    if (id === undefined) return;
    if (seen.has(id)) problems.push(`${where(i)}.id "${id}" is used twice`);
    seen.add(id);
  });
}

/** What the schema cannot express: unique ids and references between lists. Tolerates any shape. */
function crossReferenceProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  duplicates(raw.forms, (i) => `forms[${i}]`, problems);
  (Array.isArray(raw.forms) ? raw.forms : []).forEach((form, i) => {
    if (!isRecord(form)) return;
    duplicates(form.fields, (j) => `forms[${i}].fields[${j}]`, problems);
    // A field pattern runs on every value an agent types: it passes the redaction rules' safety checks
    // (bounded cost, linear-time matcher) or the configuration is refused.
    (Array.isArray(form.fields) ? form.fields : []).forEach((field, j) => {
      if (!isRecord(field) || typeof field.pattern !== 'string' || !validRegExp(field.pattern)) return;
      const compiled = compilePattern(field.pattern);
      if (!compiled.ok) problems.push(`forms[${i}].fields[${j}].pattern is refused: ${compiled.problems.map((p) => `${p.message} (at ${p.at})`).join(', ')}`);
    });
  });
  duplicates(raw.users, (i) => `users[${i}]`, problems);
  duplicates(raw.workgroups, (i) => `workgroups[${i}]`, problems);
  const formIds = new Set(
    records(raw.forms)
      .map((f) => text(f.id))
      .filter((id) => id !== undefined),
  );
  const userIds = new Set(
    records(raw.users)
      .map((u) => text(u.id))
      .filter((id) => id !== undefined),
  );
  // An endpoint reaches one user: the call owner is decided by it.
  const owners = new Map<string, string>();
  for (const user of records(raw.users)) {
    const id = text(user.id) ?? '';
    for (const endpoint of new Set(Array.isArray(user.endpoints) ? user.endpoints.filter((e): e is string => typeof e === 'string') : [])) {
      const owner = owners.get(endpoint);
      if (owner !== undefined && owner !== id) problems.push(`users "${owner}" and "${id}" share an agent endpoint; each endpoint must reach one user`);
      owners.set(endpoint, id);
    }
  }
  (Array.isArray(raw.workgroups) ? raw.workgroups : []).forEach((group, i) => {
    if (!isRecord(group)) return;
    const check = (name: 'forms' | 'members', known: Set<string | undefined>, what: string): void => {
      for (const id of Array.isArray(group[name]) ? group[name] : []) {
        if (typeof id === 'string' && !known.has(id)) problems.push(`workgroups[${i}].${name} names ${what} "${id}", which is not defined`);
      }
    };
    check('forms', formIds, 'form');
    check('members', userIds, 'user');
  });
  return problems;
}

/** Whether a pattern is a regular expression at all (the schema reports one that is not). */
function validRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Finance users read outcomes and nothing else: a user whose rights mix viewOutcomes with an agent right is refused. */
function financeSeparationProblems(config: FormsConfig): string[] {
  const problems: string[] = [];
  for (const user of config.users ?? []) {
    const rights = agentAccess(config, user.id).rights;
    if (!rights.has('viewOutcomes')) continue;
    const mixed = [...rights].filter((r) => r !== 'viewOutcomes');
    if (mixed.length > 0)
      problems.push(
        `user "${user.id}" holds viewOutcomes together with ${mixed.join(', ')}; a finance user may read outcomes and nothing else, so use a separate user`,
      );
  }
  return problems;
}

// The shapes below are what the schema has already accepted; the builders only fill in defaults.
interface RawField {
  id: string;
  displayName?: string;
  required?: boolean;
  pattern?: string;
  example?: string;
}
interface RawForm {
  id: string;
  type: 'simple' | 'custom';
  title: string;
  description?: string;
  ivr?: Partial<IvrSettings>;
  fields: RawField[];
  customAttributes?: Record<string, string>;
}
interface RawConfig {
  forms: RawForm[];
  workgroups?: Array<{ id: string; name?: string; forms?: string[]; members?: string[]; rights?: Right[] }>;
  users?: Array<{ id: string; name?: string; rights?: Right[]; endpoints?: string[] }>;
}

const named = (name: string | undefined, id: string): string => (name !== undefined && name.trim() !== '' ? name : id);

function build(raw: RawConfig): FormsConfig {
  const forms = raw.forms.map(
    (f): FormDefinition => ({
      id: f.id,
      type: f.type,
      title: f.title,
      description: f.description ?? '',
      ivr: { ...DEFAULT_IVR, ...f.ivr },
      cardFields: [...CARD_FIELDS],
      fields: f.fields.map((field) => ({
        id: field.id,
        displayName: field.displayName ?? field.id,
        required: field.required === true,
        ...(field.pattern !== undefined ? { pattern: field.pattern } : {}),
        ...(field.example !== undefined ? { example: field.example } : {}),
      })),
      customAttributes: { ...(f.customAttributes ?? {}) },
    }),
  );
  const config: FormsConfig = { forms };
  if (raw.users !== undefined)
    config.users = raw.users.map(
      (u): UserEntry => ({
        id: u.id,
        name: named(u.name, u.id),
        rights: [...(u.rights ?? [])],
        ...(u.endpoints ? { endpoints: [...new Set(u.endpoints)] } : {}),
      }),
    );
  if (raw.workgroups !== undefined) {
    config.workgroups = raw.workgroups.map(
      (g): Workgroup => ({ id: g.id, name: named(g.name, g.id), forms: [...(g.forms ?? [])], members: [...(g.members ?? [])], rights: [...(g.rights ?? [])] }),
    );
  }
  return config;
}

/** Parses and checks the configuration; throws one FormsConfigError naming every problem. */
export function parseFormsConfig(raw: unknown): FormsConfig {
  const problems = schemaProblems(raw);
  if (isRecord(raw)) problems.push(...crossReferenceProblems(raw));
  if (problems.length > 0) throw new FormsConfigError(problems);
  const config = build(raw as unknown as RawConfig);
  const finance = financeSeparationProblems(config);
  if (finance.length > 0) throw new FormsConfigError(finance);
  return config;
}
