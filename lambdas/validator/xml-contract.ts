/**
 * The XML contract between secure-ivr and the merchant's validation web service, both directions:
 * the submission (`<params><param name value/>…</params>`) and the reply (`<outcome value details/>`, with an
 * optional `token` attribute: the gateway's reusable token for the stored card, see GATEWAY_TOKEN).
 * The result line shown to the desktop is built from the reply in lambdas/shared/session/result-line.ts.
 *
 * Replies, and submissions when the reference service reads them, are untrusted: a DOCTYPE (and with
 * it every custom entity) is refused before the parser sees the text, the size is capped, the text is
 * checked with XMLValidator before parsing (the parser alone is lenient), values are never coerced,
 * and the document must have exactly the expected shape: attributes and child elements are kept apart
 * (`<outcome><value>accepted</value></outcome>` is not an accepted outcome), nothing but whitespace,
 * comments and processing instructions may follow the root, every character and character reference
 * must be one XML 1.0 allows, and the declaration must say version 1.0. Errors carry a machine code and a fixed
 * message; never the text they were given, which may hold card data.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { WireOutcome } from '../shared/session/contract';
import { GATEWAY_TOKEN, gatewayTokenSyntaxProblem } from './gateway-token';

export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024;

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export interface SubmissionParam {
  name: string;
  value: string;
}

export interface ValidationReply {
  outcome: WireOutcome;
  details: string;
  /** The reply's `token` attribute as sent (entities decoded); the validator checks it (gatewayTokenProblem). */
  token?: string;
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
  | 'bad-param'
  | 'bad-declaration'
  | 'bad-character'
  | 'content-after-root';

const INVALID_REPLY_TEXT: Record<InvalidXmlCode, string> = {
  empty: 'the reply was empty',
  'too-large': 'the reply was larger than allowed',
  'no-declaration': 'the reply has no XML declaration',
  doctype: 'the reply contains a DOCTYPE, which is refused',
  entity: 'the reply uses an entity other than the five XML ones',
  malformed: 'the reply is not well-formed XML',
  'wrong-root': 'the reply root is not a single outcome element',
  'unexpected-content': 'the outcome element has content or attributes beyond value, details and token',
  'bad-outcome': 'the outcome value is neither accepted nor declined',
  'bad-param': 'a param element has no name or value attribute',
  'bad-declaration': 'the XML declaration is not version 1.0 with at most encoding and standalone',
  'bad-character': 'the reply holds a character or character reference that XML 1.0 does not allow',
  'content-after-root': 'the reply has content after its root element',
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

/** Builds a reply document (used by the reference service and by tests); a token that breaks GATEWAY_TOKEN is left out. */
export function buildReply(outcome: WireOutcome, details: string, token?: string): string {
  const safe = details.replace(/[\u0000-\u001f\u007f-\u009f|]/g, ' ');
  const tokenAttribute = token !== undefined && gatewayTokenSyntaxProblem(token) === undefined ? ` token="${escapeXmlAttribute(token)}"` : '';
  return `${XML_DECLARATION}<outcome value="${outcome}" details="${escapeXmlAttribute(safe)}"${tokenAttribute}/>`;
}

// Attributes carry a prefix no element name can have, so `<outcome><value>…</value></outcome>` never
// reads as the value attribute.
const ATTR = '@_';
const TEXT = '#text';
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
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
// XML 1.0 only: version first, then optionally encoding and standalone, nothing else.
const S = '[ \\t\\r\\n]';
const DECLARATION = new RegExp(
  `^<\\?xml${S}+version${S}*=${S}*(?:"1\\.0"|'1\\.0')(?:${S}+encoding${S}*=${S}*(?:"[A-Za-z][A-Za-z0-9._-]*"|'[A-Za-z][A-Za-z0-9._-]*'))?(?:${S}+standalone${S}*=${S}*(?:"(?:yes|no)"|'(?:yes|no)'))?${S}*\\?>`,
);
const DECLARED_ENCODING = /^<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']/;
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;
// An ampersand must start one of the five predefined entities or a character reference.
const BAD_AMPERSAND = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/;
const NAMED_REFERENCE = /&[A-Za-z_:][-A-Za-z0-9._:]*;/g;
const PREDEFINED = new Set(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;']);
// The validator accepts a raw `<` inside an attribute value; well-formed XML does not.
const LT_IN_ATTRIBUTE = /=\s*"[^"]*<|=\s*'[^']*</;
// Characters XML 1.0 does not allow at all (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates).
const ILLEGAL_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const CHAR_REFERENCE = /&#(x[0-9a-fA-F]+|[0-9]+);/g;
const XML_SPACE_ONLY = /^[ \t\r\n]*$/;

/** True when a code point is a Char of XML 1.0 (the production every character reference must name). */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

function hasIllegalReference(text: string): boolean {
  for (const match of text.matchAll(CHAR_REFERENCE)) {
    const ref = match[1] as string;
    const cp = ref.startsWith('x') ? Number.parseInt(ref.slice(1), 16) : Number.parseInt(ref, 10);
    if (!isXmlChar(cp)) return true;
  }
  return false;
}

/**
 * What follows the root element, with comments and processing instructions (legal there) removed.
 * Runs on text XMLValidator accepted, so tags are balanced; one linear pass over the markup.
 */
function contentAfterRoot(text: string): string {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) return '';
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      i = end < 0 ? text.length : end + 3;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    let j = lt + 1;
    let quote = '';
    for (; j < text.length; j += 1) {
      const c = text[j];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') break;
    }
    const closing = text[lt + 1] === '/';
    const selfClosing = !closing && text[j - 1] === '/';
    if (closing) depth -= 1;
    else if (!selfClosing) depth += 1;
    i = j + 1;
    if (depth === 0) return text.slice(i).replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '');
  }
  return '';
}

type ErrorFactory = (code: InvalidXmlCode) => Error;

interface Parsed {
  doc: Record<string, unknown>;
  text: string;
}

/** Shared hardening for both documents: size, declaration, DOCTYPE, entities, characters, well-formedness, parse. */
function parseHardened(body: string, maxBytes: number, fail: ErrorFactory): Parsed {
  if (body.length === 0 || body.trim() === '') throw fail('empty');
  // Cheap check first: a UTF-16 code unit is at least one UTF-8 byte.
  if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) throw fail('too-large');
  const text = body.startsWith(BOM) ? body.slice(1) : body;
  if (!DECLARATION_START.test(text)) throw fail('no-declaration');
  const encoding = DECLARED_ENCODING.exec(text)?.[1];
  if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw fail('malformed');
  if (!DECLARATION.test(text)) throw fail('bad-declaration');
  if (DOCTYPE.test(text)) throw fail('doctype');
  if (ILLEGAL_XML_CHAR.test(text)) throw fail('bad-character');
  if (BAD_AMPERSAND.test(text)) {
    const named = text.match(NAMED_REFERENCE) ?? [];
    throw fail(named.some((ref) => !PREDEFINED.has(ref)) ? 'entity' : 'malformed');
  }
  if (hasIllegalReference(text)) throw fail('bad-character');
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
  return { doc: record, text };
}

/** The single root element of a parsed document, or a refusal; nothing but whitespace may follow it. */
function singleRoot({ doc, text }: Parsed, expected: string, fail: ErrorFactory): Record<string, unknown> {
  const roots = Object.keys(doc).filter((k) => k !== '?xml');
  if (roots.length !== 1 || roots[0] !== expected) throw fail('wrong-root');
  const root = doc[expected];
  if (typeof root !== 'string' && (typeof root !== 'object' || root === null || Array.isArray(root))) throw fail('wrong-root');
  if (!XML_SPACE_ONLY.test(contentAfterRoot(text))) throw fail('content-after-root');
  // An empty element with no attributes parses as '' (or as its whitespace).
  if (typeof root === 'string') {
    if (!XML_SPACE_ONLY.test(root)) throw fail('unexpected-content');
    return {};
  }
  return root as Record<string, unknown>;
}

/**
 * The attributes of an element that must have no children and no text (whitespace aside); throws
 * `unexpected-content` for anything else, including attributes not in `allowed`.
 */
function attributesOnly(element: Record<string, unknown>, allowed: readonly string[], fail: ErrorFactory): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(element)) {
    if (key === TEXT && typeof value === 'string' && XML_SPACE_ONLY.test(value)) continue;
    if (!key.startsWith(ATTR) || !allowed.includes(key.slice(ATTR.length))) throw fail('unexpected-content');
    attributes[key.slice(ATTR.length)] = value;
  }
  return attributes;
}

const isOutcome = (v: unknown): v is WireOutcome => v === 'accepted' || v === 'declined';

/**
 * Parses and checks a reply. Returns the outcome and the details as sent (entities decoded); throws
 * InvalidReplyError with a machine code for anything else. The caller cleans details for display
 * (lambdas/shared/session/result-line.ts).
 */
export function parseReply(body: string, maxBytes: number = DEFAULT_MAX_REPLY_BYTES): ValidationReply {
  const fail = (code: InvalidXmlCode): Error => new InvalidReplyError(code);
  const outcome = attributesOnly(singleRoot(parseHardened(body, maxBytes, fail), 'outcome', fail), ['value', 'details', GATEWAY_TOKEN.attribute], fail);
  if (!isOutcome(outcome.value)) throw fail('bad-outcome');
  // A missing details attribute is read as no details: the outcome itself is unambiguous.
  const details = outcome.details;
  if (details !== undefined && typeof details !== 'string') throw fail('unexpected-content');
  const token = outcome[GATEWAY_TOKEN.attribute];
  if (token !== undefined && typeof token !== 'string') throw fail('unexpected-content');
  // The token is returned as sent: the validator checks it, so a bad token drops the token, never the outcome.
  return { outcome: outcome.value, details: details ?? '', ...(token !== undefined ? { token } : {}) };
}

/** Parses a submission (the reference service's side of the contract), with the same hardening. */
export function parseSubmission(body: string, maxBytes: number = DEFAULT_MAX_REPLY_BYTES): SubmissionParam[] {
  const fail = (code: InvalidXmlCode): Error => new InvalidSubmissionError(code);
  const root = singleRoot(parseHardened(body, maxBytes, fail), 'params', fail);
  for (const [key, value] of Object.entries(root)) {
    if (key === TEXT && typeof value === 'string' && XML_SPACE_ONLY.test(value)) continue;
    if (key !== 'param') throw fail('unexpected-content');
  }
  const list = root.param ?? [];
  if (!Array.isArray(list)) throw fail('unexpected-content');
  return list.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw fail('bad-param');
    const { name, value } = attributesOnly(item as Record<string, unknown>, ['name', 'value'], fail);
    if (typeof name !== 'string' || name === '' || typeof value !== 'string') throw fail('bad-param');
    return { name, value };
  });
}
