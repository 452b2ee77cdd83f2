/**
 * The synchronous HTTP route of the redaction service as a plain function, so the Lambda function
 * URL handler and the local sandbox mount the same code.
 *
 * POST with `application/json` (a RedactionRequest) answers JSON (a RedactionResult). POST with
 * `text/plain`, `text/html` or `message/rfc822` redacts the raw body and answers it in kind, with the
 * counts in `x-redaction-total` / `x-redaction-counts` headers. Errors answer JSON `{ error, problems? }`
 * and never echo the request.
 */
import { ConversationError, parseJsonLines, toJsonLines } from './conversation';
import { RedactionConfigError } from './redaction-config';
import { createRedactionDeps } from './redaction-deps';
import { MAX_MESSAGE_BYTES, parseRedactionRequest, redactRequest, RedactionRequestError, type RedactionDeps, type RedactionRequest } from './redaction-service';

export interface HttpRequest {
  method: string;
  headers: Record<string, string | undefined>;
  body: string | Buffer | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function json(status: number, value: unknown, extra: Record<string, string> = {}): HttpResponse {
  return { status, headers: { ...JSON_HEADERS, ...extra }, body: JSON.stringify(value) };
}

function header(headers: HttpRequest['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

let defaults: RedactionDeps | undefined;

/**
 * Redacts one HTTP request. `deps` defaults to dependencies built once from the environment
 * (createRedactionDeps), which is how the sandbox mounts the route.
 */
export async function redactHttp(req: HttpRequest, deps: RedactionDeps = (defaults ??= createRedactionDeps())): Promise<HttpResponse> {
  try {
    if (req.method.toUpperCase() !== 'POST') return json(405, { error: 'Use POST with the message to redact.' }, { allow: 'POST' });
    const body = req.body ?? '';
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (size > MAX_MESSAGE_BYTES) return json(413, { error: `The message is larger than ${MAX_MESSAGE_BYTES} bytes.` });
    const mediaType = (header(req.headers, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (mediaType === 'application/json') {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return json(400, { error: 'The body is not valid JSON.' });
      }
      const result = await redactRequest(parseRedactionRequest(raw), 'http', deps);
      return json(200, result);
    }
    if (mediaType === 'application/x-ndjson') {
      let messages;
      try {
        messages = parseJsonLines(text);
      } catch (error) {
        if (error instanceof ConversationError) return json(400, { error: 'The conversation is invalid.', problems: error.problems });
        throw error;
      }
      const result = await redactRequest({ channel: 'chat', contentType: 'application/x-ndjson', messages }, 'http', deps);
      return {
        status: 200,
        headers: {
          'content-type': 'application/x-ndjson; charset=utf-8',
          'cache-control': 'no-store',
          'x-redaction-total': String(result.redaction.total),
          'x-redaction-counts': JSON.stringify(result.redaction.counts),
        },
        body: toJsonLines(result.messages ?? []),
      };
    }
    if (mediaType === 'text/plain' || mediaType === 'text/html' || mediaType === 'message/rfc822') {
      const request: RedactionRequest =
        mediaType === 'message/rfc822'
          ? {
              channel: 'email',
              contentType: mediaType,
              mime: typeof body === 'string' ? body : body.toString('base64'),
              mimeEncoding: typeof body === 'string' ? 'utf8' : 'base64',
            }
          : { channel: header(req.headers, 'x-redaction-channel') === 'email' ? 'email' : 'chat', contentType: mediaType, text };
      const result = await redactRequest(request, 'http', deps);
      const out =
        result.mime !== undefined
          ? result.mimeEncoding === 'base64'
            ? Buffer.from(result.mime, 'base64').toString('utf8')
            : result.mime
          : (result.text ?? '');
      return {
        status: 200,
        headers: {
          'content-type': `${mediaType}; charset=utf-8`,
          'cache-control': 'no-store',
          'x-redaction-total': String(result.redaction.total),
          'x-redaction-counts': JSON.stringify(result.redaction.counts),
        },
        body: out,
      };
    }
    return json(415, { error: 'Send application/json (a RedactionRequest), text/plain, text/html, message/rfc822 or application/x-ndjson (a conversation).' });
  } catch (error) {
    if (error instanceof RedactionRequestError) return json(400, { error: 'The redaction request is invalid.', problems: error.problems });
    if (error instanceof RedactionConfigError) return json(500, { error: 'The redaction service is misconfigured.' });
    // Unexpected: say nothing about the input (it may hold card data).
    return json(500, { error: 'The message could not be redacted.' });
  }
}
