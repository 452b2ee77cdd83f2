/**
 * Secure input forms: what an agent fills in (non-confidential fields) and how the IVR behaves.
 * Parsed once from JSON (config/forms.json, passed to functions as FORMS_JSON) and checked with every
 * problem named; field values typed by agents are checked against the form before a session starts.
 */
import { luhnValid } from '../card/card-rules';
import type { IvrSettings } from './contract';

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
  fields: FormField[];
}

export interface FormsConfig {
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
      return { id: '', type: 'simple', title: '', description: '', ivr: { ...DEFAULT_IVR }, fields: [] };
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
          try {
            new RegExp(String(field.pattern));
          } catch {
            problems.push(`${fw}.pattern is not a valid regular expression`);
          }
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
      fields,
    };
  });
  if (problems.length > 0) throw new FormsConfigError(problems);
  return { forms };
}

export const MAX_FIELD_LENGTH = 200;
const CARD_LIKE = /\d(?:[ -]?\d){12,18}/g;

/** True when text holds a digit run that passes Luhn: a card number typed where it must never be. */
export function looksLikeCardNumber(text: string): boolean {
  for (const match of text.matchAll(CARD_LIKE)) {
    if (luhnValid(match[0].replace(/\D/g, ''))) return true;
  }
  return false;
}

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
    else if (looksLikeCardNumber(value)) problems.push(`${field.displayName} looks like a card number; card details are taken only from the caller's keypad`);
    else if (field.pattern !== undefined && !new RegExp(field.pattern).test(value)) problems.push(`${field.displayName} is not in the expected format`);
  }
  return problems;
}
