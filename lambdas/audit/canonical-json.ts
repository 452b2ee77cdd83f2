/**
 * Canonical JSON for hashing audit records: the JSON Canonicalization Scheme, RFC 8785 (JCS), so an
 * assessor can recompute every hash of the audit chain with any JCS implementation.
 *
 * - no whitespace; object members sorted by their names compared as arrays of UTF-16 code units;
 * - strings as ECMAScript's JSON.stringify writes them (only `"`, `\` and controls below U+0020 escaped,
 *   \b \t \n \f \r in short form, the rest as \u00xx in lower case); a lone surrogate is refused, since
 *   JCS takes I-JSON input only and UTF-8 could not carry it;
 * - numbers as ECMAScript's Number-to-String (shortest round-trip form, -0 as 0); NaN and ±Infinity refused.
 * Beyond JCS, for records built in code: an `undefined` member is dropped and an `undefined` array
 * element becomes null, exactly as JSON.stringify treats them, so what is hashed is what is stored.
 */

export class NotCanonicalisableError extends Error {
  public constructor(what: string) {
    super(`An audit record cannot hold ${what}; only strings, finite numbers, booleans, null, arrays and plain objects are hashed.`);
    this.name = 'NotCanonicalisableError';
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** RFC 8785 canonical form of a JSON value; throws NotCanonicalisableError for anything JCS cannot hold. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) throw new NotCanonicalisableError('a string with a lone surrogate');
      return JSON.stringify(value);
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonicalisableError('a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      // `<` on strings compares UTF-16 code units, which is JCS's order.
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${canonicalJson(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new NotCanonicalisableError(`a value of type ${typeof value}`);
  }
}
