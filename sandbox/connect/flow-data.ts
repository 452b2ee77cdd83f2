/**
 * The flow data a Connect flow reads through JSONPath (flow-language-concepts: values "may be defined
 * statically or dynamically"): `$.Attributes.<key>`, `$.External.<key>` (the last Lambda response),
 * `$.StoredCustomerInput`, and the contact's system values. A dynamic value is a single JSONPath
 * identifier; text prompts may also embed such identifiers, which are replaced by their values.
 */
export interface FlowData {
  ContactId: string;
  InitialContactId: string;
  PreviousContactId: string;
  Channel: 'VOICE';
  InstanceARN: string;
  InitiationMethod: 'INBOUND' | 'TRANSFER';
  Attributes: Record<string, string>;
  External: Record<string, unknown>;
  StoredCustomerInput?: string;
  CustomerEndpoint: { Address: string; Type: 'TELEPHONE_NUMBER' };
  SystemEndpoint: { Address: string; Type: 'TELEPHONE_NUMBER' };
  Queue: { ARN: string; Name: string } | null;
}

/** The roots a dynamic value may start from in the emulator. */
export const FLOW_DATA_ROOTS = [
  'Attributes',
  'External',
  'StoredCustomerInput',
  'ContactId',
  'InitialContactId',
  'PreviousContactId',
  'Channel',
  'InstanceARN',
  'InitiationMethod',
  'CustomerEndpoint',
  'SystemEndpoint',
  'Queue',
] as const;

const PATH = /^\$\.([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+)*)$/;
const EMBEDDED = /\$\.[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*/g;

/** The dynamic value's root when it is one, else undefined. */
export function dynamicRoot(value: string): string | undefined {
  return PATH.exec(value)?.[1];
}

/** Reads one JSONPath identifier; a missing value reads as the empty string, as an unset attribute does. */
export function readPath(data: FlowData, path: string): string {
  const m = PATH.exec(path);
  if (!m) return path;
  let node: unknown = (data as unknown as Record<string, unknown>)[m[1] as string];
  for (const part of (m[2] ?? '').split('.').filter(Boolean))
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  if (node === undefined || node === null) return '';
  return typeof node === 'string' ? node : JSON.stringify(node);
}

/** Resolves a parameter value: a whole JSONPath identifier, or text with embedded identifiers. */
export function resolveValue(data: FlowData, value: string, embedded = false): string {
  if (PATH.test(value)) return readPath(data, value);
  return embedded ? value.replace(EMBEDDED, (p) => readPath(data, p)) : value;
}

/** Resolves every string of a parameter object (prompts may embed identifiers). */
export function resolveParameters(data: FlowData, params: Record<string, unknown>): Record<string, unknown> {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return resolveValue(data, v, key === 'Text' || key === 'SSML');
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [resolveValue(data, k), walk(x, k)]));
    return v;
  };
  return walk(params, '') as Record<string, unknown>;
}
