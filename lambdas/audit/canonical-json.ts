/**
 * Canonical JSON for hashing audit records: object keys sorted at every level, no whitespace, and
 * undefined members dropped, so the same record always hashes the same however it was built or parsed.
 */

export class NotCanonicalisableError extends Error {
  public constructor(what: string) {
    super(`An audit record cannot hold ${what}; only strings, finite numbers, booleans, null, arrays and plain objects are hashed.`);
    this.name = 'NotCanonicalisableError';
  }
}

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonicalisableError('a non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new NotCanonicalisableError(`a value of type ${typeof value}`);
  }
}
