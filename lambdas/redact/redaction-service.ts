/**
 * The redaction service's domain: the request/result contract that chat and email pipelines use
 * (EventBridge detail, HTTP JSON body), and one function that redacts a request and writes its audit
 * event. Handlers (handler.ts, http.ts) only adapt events to it.
 */
import { maskCardNumbers } from '../shared/card/card-detector';
import { ConversationError, parseConversation, redactConversation, type ConversationMessage } from './conversation';
import type { AuditSink, RedactionAuditEvent } from './audit';
import { MimeRedactionStream, type AttachmentReport } from './mime/mime-redactor';
import { HtmlRedactionStream } from './html-redactor';
import { tallyTotal, type RedactionTally, type Redactor } from './redactor';

/** EventBridge `source` and `detail-type` of a redaction request. */
export const REQUEST_SOURCE = 'secure-ivr.redaction';
export const REQUEST_DETAIL_TYPE = 'Redaction Requested';

/** `application/x-ndjson`: a chat transcript as messages `{ participant, time, text }` (conversation.ts). */
export type RedactionContentType = 'text/plain' | 'text/html' | 'message/rfc822' | 'application/x-ndjson';

/** The detail of a redaction request event, and the body of the HTTP route. */
export interface RedactionRequest {
  channel: 'chat' | 'email';
  /** @default 'text/plain' for chat, 'message/rfc822' for email */
  contentType?: RedactionContentType;
  /** The message for text/plain and text/html. */
  text?: string;
  /** The raw RFC 5322 message for message/rfc822. */
  mime?: string;
  /** The messages of a chat transcript for application/x-ndjson (one participant's split numbers are joined). */
  messages?: ConversationMessage[];
  /** How `mime` is carried in JSON: base64 keeps 8-bit messages byte-exact. @default 'utf8' */
  mimeEncoding?: 'utf8' | 'base64';
  /** The caller's reference (conversation or message id), echoed back and audited. */
  correlationId?: string;
}

/** The redacted message: the request with its text or mime replaced, plus what was done. */
export interface RedactionResult {
  channel: 'chat' | 'email';
  contentType: RedactionContentType;
  text?: string;
  mime?: string;
  messages?: ConversationMessage[];
  mimeEncoding?: 'utf8' | 'base64';
  correlationId?: string;
  redaction: { total: number; counts: RedactionTally; attachments: AttachmentReport[] };
}

/** A request does not follow the contract; the message names every problem, never a value. */
export class RedactionRequestError extends Error {
  public constructor(public readonly problems: string[]) {
    super(`The redaction request is invalid: ${problems.join('; ')}. See RedactionRequest in lambdas/redact/redaction-service.ts.`);
    this.name = 'RedactionRequestError';
  }
}

/** Largest message accepted in one request (Lambda's synchronous payload limit is 6 MB). */
export const MAX_MESSAGE_BYTES = 6 * 1024 * 1024;

const CONTENT_TYPES: readonly RedactionContentType[] = ['text/plain', 'text/html', 'message/rfc822', 'application/x-ndjson'];

export function parseRedactionRequest(raw: unknown): RedactionRequest {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RedactionRequestError(['the request must be a JSON object']);
  const r = raw as Record<string, unknown>;
  if (r.channel !== 'chat' && r.channel !== 'email') problems.push('channel must be "chat" or "email"');
  const channel = r.channel === 'email' ? 'email' : 'chat';
  if (r.contentType !== undefined && !CONTENT_TYPES.includes(r.contentType as RedactionContentType))
    problems.push(`contentType must be one of ${CONTENT_TYPES.join(', ')}`);
  const contentType = (r.contentType as RedactionContentType | undefined) ?? (channel === 'email' && r.mime !== undefined ? 'message/rfc822' : 'text/plain');
  let messages: ConversationMessage[] | undefined;
  if (contentType === 'application/x-ndjson') {
    if (!Array.isArray(r.messages)) problems.push('messages must be a list of { participant, time, text } for application/x-ndjson');
    else {
      try {
        messages = parseConversation(r.messages, (i) => `messages[${i}]`);
      } catch (error) {
        if (!(error instanceof ConversationError)) throw error;
        problems.push(...error.problems);
      }
    }
    if (r.text !== undefined || r.mime !== undefined) problems.push('text and mime must be absent for application/x-ndjson (use messages)');
  } else if (contentType === 'message/rfc822') {
    if (typeof r.mime !== 'string') problems.push('mime must be the raw message text for message/rfc822');
    if (r.text !== undefined) problems.push('text must be absent for message/rfc822 (use mime)');
  } else {
    if (typeof r.text !== 'string') problems.push(`text must be the message text for ${contentType}`);
    if (r.mime !== undefined) problems.push(`mime must be absent for ${contentType} (use text)`);
  }
  if (r.mimeEncoding !== undefined && r.mimeEncoding !== 'utf8' && r.mimeEncoding !== 'base64') problems.push('mimeEncoding must be "utf8" or "base64"');
  if (r.correlationId !== undefined && (typeof r.correlationId !== 'string' || !/^[\w.:@/-]{1,128}$/.test(r.correlationId))) {
    problems.push('correlationId must be 1–128 letters, digits or . _ : @ / -');
  }
  const size =
    typeof r.text === 'string' ? r.text.length : typeof r.mime === 'string' ? r.mime.length : (messages ?? []).reduce((n, m) => n + m.text.length, 0);
  if (size > MAX_MESSAGE_BYTES) problems.push(`the message is larger than ${MAX_MESSAGE_BYTES} bytes`);
  if (problems.length > 0) throw new RedactionRequestError(problems);
  return {
    channel,
    contentType,
    ...(typeof r.text === 'string' ? { text: r.text } : {}),
    ...(typeof r.mime === 'string' ? { mime: r.mime } : {}),
    ...(messages !== undefined ? { messages } : {}),
    ...(r.mimeEncoding !== undefined ? { mimeEncoding: r.mimeEncoding as 'utf8' | 'base64' } : {}),
    ...(typeof r.correlationId === 'string' ? { correlationId: maskCardNumbers(r.correlationId).text } : {}),
  };
}

export interface RedactionDeps {
  redactor: Redactor;
  audit: AuditSink;
  clock: () => Date;
  newId: () => string;
}

/** Redacts one message in memory (requests are bounded); streams are used inside for MIME parsing. */
export function redactMessageBody(
  redactor: Redactor,
  request: RedactionRequest,
  tally: RedactionTally,
): { text?: string; mime?: string; messages?: ConversationMessage[]; attachments: AttachmentReport[] } {
  if (request.contentType === 'application/x-ndjson') {
    return { messages: redactConversation(request.messages ?? [], redactor, tally), attachments: [] };
  }
  if (request.contentType === 'message/rfc822') {
    const bytes = Buffer.from(request.mime ?? '', request.mimeEncoding === 'base64' ? 'base64' : 'utf8');
    const stream = new MimeRedactionStream(redactor, tally);
    const out = Buffer.concat([stream.write(bytes), stream.end()]);
    return { mime: out.toString(request.mimeEncoding === 'base64' ? 'base64' : 'utf8'), attachments: stream.attachments };
  }
  if (request.contentType === 'text/html') {
    const stream = new HtmlRedactionStream(redactor, tally);
    return { text: stream.write(request.text ?? '') + stream.end(), attachments: [] };
  }
  return { text: redactor.redact(request.text ?? '', tally), attachments: [] };
}

export async function redactRequest(request: RedactionRequest, source: RedactionAuditEvent['source'], deps: RedactionDeps): Promise<RedactionResult> {
  const tally: RedactionTally = {};
  const body = redactMessageBody(deps.redactor, request, tally);
  const contentType = request.contentType ?? 'text/plain';
  const result: RedactionResult = {
    channel: request.channel,
    contentType,
    ...(body.text !== undefined ? { text: body.text } : {}),
    ...(body.mime !== undefined ? { mime: body.mime, mimeEncoding: request.mimeEncoding ?? 'utf8' } : {}),
    ...(body.messages !== undefined ? { messages: body.messages } : {}),
    ...(request.correlationId !== undefined ? { correlationId: request.correlationId } : {}),
    redaction: { total: tallyTotal(tally), counts: tally, attachments: body.attachments },
  };
  await deps.audit.write({
    type: 'redaction.completed',
    id: deps.newId(),
    at: deps.clock().toISOString(),
    source,
    channel: request.channel,
    contentType,
    ...(request.correlationId !== undefined ? { correlationId: request.correlationId } : {}),
    bytesIn: request.messages ? textLength(request.messages) : (request.text ?? request.mime ?? '').length,
    bytesOut: body.messages ? textLength(body.messages) : (body.text ?? body.mime ?? '').length,
    counts: { ...tally },
    total: result.redaction.total,
    rules: deps.redactor.ruleIds(),
    attachments: body.attachments,
  });
  return result;
}

function textLength(messages: readonly ConversationMessage[]): number {
  return messages.reduce((n, m) => n + m.text.length, 0);
}
