/**
 * The XML contract between secure-ivr and the merchant's validation web service, both directions:
 * the submission (`<params><param name value/>…</params>`) and the reply (`<outcome value details/>`).
 * The result line shown to the desktop is built from the reply in lambdas/shared/session/result-line.ts.
 *
 * Replies, and submissions when the reference service reads them, are untrusted: a DOCTYPE (and with
 * it every custom entity) is refused before the parser sees the text, the size is capped, the text is
 * checked with XMLValidator before parsing (the parser alone is lenient), values are never coerced,
 * and the document must have exactly the expected shape. Errors carry a machine code and a fixed
 * message; never the text they were given, which may hold card data.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Outcome } from '../shared/session/contract';

export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024;

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export interface SubmissionParam {
  name: string;
  value: string;
}

export interface ValidationReply {
  outcome: Outcome;
  details: string;
}

/** A parameter cannot be sent: it holds characters that XML 1.0 cannot carry or that we refuse. */
export class SubmissionRejectedError extends Error {
  public constructor(public readonly paramName: string) {
    super(`The field "${paramName}" contains control characters and cannot be sent to the validation service. Remove them from the form value and try again.`);
    this.name = 'SubmissionRejectedError';
  }
}

export type InvalidXmlCode =
  | 'empty'
  | 'too-large'
  | 'no-declaration'
  | 'doctype'
  | 'entity'
  | 'malformed'
  | 'wrong-root'
  | 'unexpected-content'
  | 'bad-outcome'
  | 'bad-param';

const INVALID_REPLY_TEXT: Record<InvalidXmlCode, string> = {
  empty: 'the reply was empty',
  'too-large': 'the reply was larger than allowed',
  'no-declaration': 'the reply has no XML declaration',
  doctype: 'the reply contains a DOCTYPE, which is refused',
  entity: 'the reply uses an entity other than the five XML ones',
  malformed: 'the reply is not well-formed XML',
  'wrong-root': 'the reply root is not a single outcome element',
  'unexpected-content': 'the outcome element has content or attributes beyond value and details',
  'bad-outcome': 'the outcome value is neither accepted nor declined',
  'bad-param': 'a param element has no name or value attribute',
};

/** The validation service's reply (or a submission, on the service side) broke the contract. */
export class InvalidReplyError extends Error {
  public constructor(public readonly code: InvalidXmlCode) {
    super(`The validation service sent an invalid reply: ${INVALID_REPLY_TEXT[code]}. Ask the service's owner to follow the secure-ivr XML contract.`);
    this.name = 'InvalidReplyError';
  }
}

/** A submission received by the reference service broke the contract (same checks, other direction). */
export class InvalidSubmissionError extends Error {
  public constructor(public readonly code: InvalidXmlCode) {
    super(`The submission is not valid: ${INVALID_REPLY_TEXT[code].replace('the reply', 'the submission')}.`);
    this.name = 'InvalidSubmissionError';
  }
}

// C0 controls (tab, CR and LF included: no form value needs them), DEL, C1 controls, lone surrogates
// and the two non-characters XML 1.0 forbids. Any of them is refused rather than silently changed.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for a double-quoted XML attribute value. */
export function escapeXmlAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A param name safe to quote in an error message: names come from configuration, never from the caller. */
function printableName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}

/** Builds the submission document. Throws SubmissionRejectedError (naming the field, never its value). */
export function buildSubmission(params: readonly SubmissionParam[]): string {
  const parts: string[] = [XML_DECLARATION, '<params>'];
  for (const { name, value } of params) {
    if (FORBIDDEN_CHARS.test(name) || FORBIDDEN_CHARS.test(value)) throw new SubmissionRejectedError(printableName(name));
    parts.push(`<param name="${escapeXmlAttribute(name)}" value="${escapeXmlAttribute(value)}"/>`);
  }
  parts.push('</params>');
  return parts.join('');
}

/** Builds a reply document (used by the reference service and by tests). */
export function buildReply(outcome: Outcome, details: string): string {
  const safe = details.replace(/[\u0000-\u001f\u007f-\u009f|]/g, ' ');
  return `${XML_DECLARATION}<outcome value="${outcome}" details="${escapeXmlAttribute(safe)}"/>`;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Keep every value a string exactly as sent: no number coercion, no trimming.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Decodes numeric character references; named HTML entities never get here (refused below).
  htmlEntities: true,
  isArray: (_name, jPath) => jPath === 'params.param',
});

const BOM = '\ufeff';
const DECLARATION_START = /^<\?xml[ \t\r\n]/;
const DECLARED_ENCODING = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/;
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;
// An ampersand must start one of the five predefined entities or a character reference.
const BAD_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const NAMED_REFERENCE = /&[A-Za-z_:][-A-Za-z0-9._:]*;/g;
const PREDEFINED = new Set(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;']);
// The validator accepts a raw `<` inside an attribute value; well-formed XML does not.
const LT_IN_ATTRIBUTE = /=\s*"[^"]*<|=\s*'[^']*</;

type ErrorFactory = (code: InvalidXmlCode) => Error;

/** Shared hardening for both documents: size, declaration, DOCTYPE, entities, well-formedness, parse. */
function parseHardened(body: string, maxBytes: number, fail: ErrorFactory): Record<string, unknown> {
  if (body.length === 0 || body.trim() === '') throw fail('empty');
  // Cheap check first: a UTF-16 code unit is at least one UTF-8 byte.
  if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) throw fail('too-large');
  const text = body.startsWith(BOM) ? body.slice(1) : body;
  if (!DECLARATION_START.test(text)) throw fail('no-declaration');
  const encoding = DECLARED_ENCODING.exec(text)?.[1];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw fail('malformed');
  if (DOCTYPE.test(text)) throw fail('doctype');
  if (BAD_AMPERSAND.test(text)) {
    const named = text.match(NAMED_REFERENCE) ?? [];
    throw fail(named.some((ref) => !PREDEFINED.has(ref)) ? 'entity' : 'malformed');
  }
  if (LT_IN_ATTRIBUTE.test(text)) throw fail('malformed');
  if (XMLValidator.validate(text) !== true) throw fail('malformed');
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch {
    throw fail('malformed');
  }
  if (typeof doc !== 'object' || doc === null) throw fail('malformed');
  const record = doc as Record<string, unknown>;
  if (!('?xml' in record)) throw fail('no-declaration');
  return record;
}

/** The single root element of a parsed document, or a refusal. */
function singleRoot(doc: Record<string, unknown>, expected: string, fail: ErrorFactory): Record<string, unknown> {
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  if (roots.length !== 1 || roots[0] !== expected) throw fail('wrong-root');
  const root = doc[expected];
  // An empty element with no attributes parses as ''.
  if (root === '') return {};
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw fail('wrong-root');
  return root as Record<string, unknown>;
}

const isOutcome = (v: unknown): v is Outcome => v === 'accepted' || v === 'declined';

/**
 * Parses and checks a reply. Returns the outcome and the details as sent (entities decoded); throws
 * InvalidReplyError with a machine code for anything else. The caller cleans details for display
 * (lambdas/shared/session/result-line.ts).
 */
export function parseReply(body: string, maxBytes: number = DEFAULT_MAX_REPLY_BYTES): ValidationReply {
  const fail = (code: InvalidXmlCode): Error => new InvalidReplyError(code);
  const outcome = singleRoot(parseHardened(body, maxBytes, fail), 'outcome', fail);
  for (const key of Object.keys(outcome)) if (key !== 'value' && key !== 'details') throw fail('unexpected-content');
  if (!isOutcome(outcome.value)) throw fail('bad-outcome');
  // A missing details attribute is read as no details: the outcome itself is unambiguous.
  const details = outcome.details;
  if (details !== undefined && typeof details !== 'string') throw fail('unexpected-content');
  return { outcome: outcome.value, details: details ?? '' };
}

/** Parses a submission (the reference service's side of the contract), with the same hardening. */
export function parseSubmission(body: string, maxBytes: number = DEFAULT_MAX_REPLY_BYTES): SubmissionParam[] {
  const fail = (code: InvalidXmlCode): Error => new InvalidSubmissionError(code);
  const root = singleRoot(parseHardened(body, maxBytes, fail), 'params', fail);
  for (const key of Object.keys(root)) if (key !== 'param') throw fail('unexpected-content');
  const list = root.param ?? [];
  if (!Array.isArray(list)) throw fail('unexpected-content');
  return list.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw fail('bad-param');
    const { name, value, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw fail('unexpected-content');
    if (typeof name !== 'string' || name === '' || typeof value !== 'string') throw fail('bad-param');
    return { name, value };
  });
}
