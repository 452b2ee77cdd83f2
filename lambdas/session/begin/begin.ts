/**
 * Begin: checks the agent's request server-side (rights, form assignment, party count, fields) and
 * opens the session, naming the workgroup the form was started under (finance outcomes report it).
 * Refusals are
 * SessionRequestRefused (lambdas/shared/errors.ts) with a reason the agent can read (they name fields, never values).
 */
import { randomBytes } from 'node:crypto';
import { SessionRequestRefused } from '../../shared/errors';
import type { SessionContext, SessionRequest } from '../../shared/session/contract';
import { checkFieldValues, initiateRefusal, workgroupFor, type FormsConfig } from '../../shared/session/forms';
import { isInteractionId, isSessionId, isUserId } from '../../shared/session/ids';
import { createSession, getSession, reservePaymentReference, SessionAlreadyRunningError, type SessionStoreDeps } from '../../shared/session/session-store';

const FORM_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Random symbols in a reference: 13 of 32 carry 65 bits, so references do not collide by chance. */
const REFERENCE_SYMBOLS = 13;
/** Fresh references tried before Begin gives up (a collision is already astronomically unlikely). */
const REFERENCE_ATTEMPTS = 5;

/** A payment reference a caller can read back: SIV-YYYYMMDD-XXXXXXXXXXXXX (no 0/O or 1/I confusion). */
export function newTransactionId(now: Date): string {
  // 256 is a multiple of 32, so `b % 32` keeps every symbol equally likely (5 random bits each).
  const bytes = randomBytes(REFERENCE_SYMBOLS);
  const tail = Array.from(bytes, (b) => REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length]).join('');
  return `SIV-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${tail}`;
}

/**
 * The session's payment reference: a fresh one reserved with a conditional write, or — for a resend
 * of an unknown outcome — the earlier session's, when that session is this agent's, on this call and
 * form, and really ended unknown.
 */
async function paymentReference(deps: SessionStoreDeps, request: SessionRequest, newReference: (now: Date) => string): Promise<string> {
  if (request.resendOf !== undefined) {
    const earlier = await getSession(deps, request.resendOf);
    const matches =
      earlier !== undefined &&
      earlier.status === 'unknown' &&
      earlier.callTransactionId === request.callTransactionId &&
      earlier.agentId === request.agentId &&
      earlier.formId === request.formId &&
      typeof earlier.transactionId === 'string';
    if (!matches) throw new SessionRequestRefused('Secure session refused: only a session of yours on this call whose payment status is unknown can be resent');
    return earlier.transactionId as string;
  }
  for (let attempt = 0; attempt < REFERENCE_ATTEMPTS; attempt += 1) {
    const reference = newReference(deps.now());
    if (await reservePaymentReference(deps, reference, request.sessionId)) return reference;
  }
  throw new PaymentReferenceUnavailableError();
}

/** No unused payment reference could be reserved. */
export class PaymentReferenceUnavailableError extends Error {
  public constructor() {
    super('No unused payment reference could be reserved. Try the secure session again.');
    this.name = 'PaymentReferenceUnavailableError';
  }
}

/** Checks the request shape and content; returns every problem. */
export function checkRequest(raw: unknown, forms: FormsConfig): { request?: SessionRequest; problems: string[] } {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) return { problems: ['the request is not an object'] };
  const r = raw as Record<string, unknown>;
  if (!isSessionId(r.sessionId)) problems.push('sessionId is missing or not a valid id');
  if (!isInteractionId(r.callTransactionId)) problems.push('callTransactionId is missing or not a valid id');
  if (!isUserId(r.agentId)) problems.push('agentId is missing or not a valid id');
  if (typeof r.formId !== 'string' || !FORM_ID.test(r.formId)) problems.push('formId is missing or not a valid id');
  const fields = r.fields;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.values(fields).some((v) => typeof v !== 'string')) {
    problems.push('fields must map field ids to text');
  }
  if (r.parties !== undefined && (typeof r.parties !== 'number' || !Number.isInteger(r.parties))) problems.push('parties must be a whole number');
  if (r.resendOf !== undefined && !isSessionId(r.resendOf)) problems.push('resendOf is not a valid session id');
  if (problems.length > 0) return { problems };
  const request = r as unknown as SessionRequest;
  if (request.parties !== undefined && request.parties > 2) problems.push('secure input is not available on a conference call');
  const form = forms.forms.find((f) => f.id === request.formId);
  if (!form) problems.push(`form ${request.formId} does not exist`);
  else {
    // Defence in depth: the agent API checks the same rights first; a request that reaches Step Functions
    // some other way is held to them too whenever the configuration assigns forms to workgroups.
    const refusal = forms.workgroups ? initiateRefusal(forms, request.agentId, form.id) : undefined;
    if (refusal) problems.push(refusal.reason);
    problems.push(...checkFieldValues(form, request.fields));
  }
  return { request, problems };
}

export async function beginSession(
  deps: SessionStoreDeps,
  forms: FormsConfig,
  raw: unknown,
  newReference: (now: Date) => string = newTransactionId,
): Promise<SessionContext> {
  const { request, problems } = checkRequest(raw, forms);
  if (!request || problems.length > 0) throw new SessionRequestRefused(`Secure session refused: ${problems.join('; ')}`);
  const form = forms.forms.find((f) => f.id === request.formId);
  if (!form) throw new SessionRequestRefused('Secure session refused: unknown form');
  const workgroup = workgroupFor(forms, request.agentId, form.id);
  const context: SessionContext = {
    sessionId: request.sessionId,
    callTransactionId: request.callTransactionId,
    transactionId: await paymentReference(deps, request, newReference),
    agentId: request.agentId,
    formId: form.id,
    ...(workgroup ? { workgroup } : {}),
    ivr: { ...form.ivr },
  };
  try {
    await createSession(deps, request, context);
  } catch (err) {
    if (err instanceof SessionAlreadyRunningError) throw new SessionRequestRefused(`Secure session refused: ${err.message}`);
    throw err;
  }
  return context;
}
