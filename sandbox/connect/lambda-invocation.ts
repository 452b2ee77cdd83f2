/**
 * How a Connect flow calls a Lambda function (interactions-invokelambdafunction; admin guide,
 * connect-lambda-functions): the event `{Name:'ContactFlowEvent', Details:{ContactData, Parameters}}`
 * with the contact's data and attributes and the block's resolved LambdaInvocationAttributes; a time
 * limit of InvocationTimeLimitSeconds (at most 8 s) after which the flow takes the error branch (the
 * function keeps running, so its side effects still happen); and the response checked against
 * ResponseValidation: STRING_MAP wants a flat object of strings, JSON any JSON object. Responses above
 * 32 KB are refused as Connect refuses them.
 */
export type ConnectLambdaHandler = (event: ConnectFlowEvent, context: unknown) => Promise<unknown>;

export interface ConnectEndpoint {
  Address: string;
  Type: 'TELEPHONE_NUMBER';
}

export interface ConnectContactData {
  Attributes: Record<string, string>;
  Channel: 'VOICE';
  ContactId: string;
  CustomerEndpoint: ConnectEndpoint | null;
  InitialContactId: string;
  InitiationMethod: 'INBOUND' | 'OUTBOUND' | 'TRANSFER' | 'CALLBACK' | 'API';
  InstanceARN: string;
  PreviousContactId: string;
  Queue: { ARN: string; Name: string } | null;
  SystemEndpoint: ConnectEndpoint | null;
  MediaStreams: { Customer: { Audio: Record<string, string> } };
}

export interface ConnectFlowEvent {
  Name: 'ContactFlowEvent';
  Details: { ContactData: ConnectContactData; Parameters: Record<string, string> };
}

export const MAX_RESPONSE_BYTES = 32 * 1024;

export type LambdaOutcome =
  | { ok: true; external: Record<string, unknown> }
  | { ok: false; reason: 'timeout' | 'function-error' | 'invalid-response' | 'unknown-function'; detail: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a function's response as ResponseValidation says; returns why it is refused, or nothing. */
export function checkLambdaResponse(response: unknown, responseType: 'STRING_MAP' | 'JSON'): string | undefined {
  if (!isRecord(response)) return 'the function must return a JSON object';
  const size = Buffer.byteLength(JSON.stringify(response), 'utf8');
  if (size > MAX_RESPONSE_BYTES) return `the response is ${size} bytes; Connect takes at most ${MAX_RESPONSE_BYTES}`;
  if (responseType === 'STRING_MAP') {
    const nested = Object.entries(response)
      .filter(([, v]) => typeof v !== 'string')
      .map(([k]) => k);
    if (nested.length > 0) return `STRING_MAP responses hold only string values (not: ${nested.join(', ')})`;
  }
  return undefined;
}

/**
 * Invokes a function as Connect does. `limitMs` is the real time allowed (InvocationTimeLimitSeconds,
 * possibly scaled by the emulator for soaks); a later answer is thrown away.
 */
export async function invokeAsConnect(
  handler: ConnectLambdaHandler | undefined,
  event: ConnectFlowEvent,
  limitMs: number,
  responseType: 'STRING_MAP' | 'JSON',
  functionName: string,
): Promise<LambdaOutcome> {
  if (!handler) return { ok: false, reason: 'unknown-function', detail: 'no function with that ARN is associated with the instance' };
  let timer: NodeJS.Timeout | undefined;
  const started = Date.now();
  const context = {
    functionName,
    awsRequestId: `${started}-${Math.random().toString(16).slice(2)}`,
    getRemainingTimeInMillis: () => Math.max(0, limitMs - (Date.now() - started)),
  };
  const run = (async () => handler(JSON.parse(JSON.stringify(event)) as ConnectFlowEvent, context))().then(
    (value) => ({ kind: 'value' as const, value }),
    (err: unknown) => ({ kind: 'error' as const, name: err instanceof Error ? err.name : 'Error' }),
  );
  const deadline = new Promise<{ kind: 'timeout' }>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), limitMs);
  });
  try {
    const first = await Promise.race([run, deadline]);
    if (first.kind === 'timeout') return { ok: false, reason: 'timeout', detail: `no answer within ${limitMs} ms` };
    if (first.kind === 'error') return { ok: false, reason: 'function-error', detail: `the function failed (${first.name})` };
    const value = first.value === undefined || first.value === null ? {} : JSON.parse(JSON.stringify(first.value));
    const problem = checkLambdaResponse(value, responseType);
    if (problem) return { ok: false, reason: 'invalid-response', detail: problem };
    return { ok: true, external: value as Record<string, unknown> };
  } finally {
    clearTimeout(timer);
  }
}
