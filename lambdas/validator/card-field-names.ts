/**
 * The param names under which the card fields travel in the XML submission. Merchants' validation
 * services name them differently, so they are configurable (CARD_FIELD_NAMES, JSON
 * `{"pan":"…","exp":"…","cvv":"…"}`); the validator and the reference service read the same setting.
 */
import { CARD_FIELDS, type CardField } from '../shared/card/card-fields';

export type CardFieldNames = Record<CardField, string>;

export const DEFAULT_CARD_FIELD_NAMES: Readonly<CardFieldNames> = { pan: 'card number', exp: 'expiry date', cvv: 'security code' };

export type CardFieldNamesParse = { ok: true; names: CardFieldNames } | { ok: false; problem: string };

/** Reads CARD_FIELD_NAMES; a missing or blank value gives the defaults. Problems name the setting, not its value. */
export function parseCardFieldNames(raw: string | undefined, setting = 'CARD_FIELD_NAMES'): CardFieldNamesParse {
  if (raw === undefined || raw.trim() === '') return { ok: true, names: { ...DEFAULT_CARD_FIELD_NAMES } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, problem: `${setting} must be JSON like {"pan":"card number","exp":"expiry date","cvv":"security code"}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, problem: `${setting} must be a JSON object` };
  const record = parsed as Record<string, unknown>;
  const unknownKeys = Object.keys(record).filter((k) => k !== 'pan' && k !== 'exp' && k !== 'cvv');
  if (unknownKeys.length > 0) return { ok: false, problem: `${setting} may only have the keys pan, exp and cvv` };
  const names = { ...DEFAULT_CARD_FIELD_NAMES };
  for (const key of CARD_FIELDS) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.trim() === '' || value.length > 100 || /[\u0000-\u001f\u007f-\u009f]/.test(value)) {
      return { ok: false, problem: `${setting}.${key} must be a non-empty name of at most 100 printable characters` };
    }
    names[key] = value;
  }
  if (new Set([names.pan, names.exp, names.cvv]).size !== 3) return { ok: false, problem: `${setting} must give three different names` };
  return { ok: true, names };
}
