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
import { createSession, SessionAlreadyRunningError, type SessionStoreDeps } from '../../shared/session/session-store';

const ID = /^[A-Za-z0-9._:+-]{1,128}$/;
const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A payment reference a caller can read back: SIV-YYYYMMDD-XXXXXX (no 0/O or 1/I confusion). */
export function newTransactionId(now: Date): string {
  const bytes = randomBytes(6);
  const tail = Array.from(bytes, (b) => REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length]).join('');
  return `SIV-${now.toISOString().slice(0, 10).replace(/-/g, '')}-${tail}`;
}

/** Checks the request shape and content; returns every problem. */
export function checkRequest(raw: unknown, forms: FormsConfig): { request?: SessionRequest; problems: string[] } {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null) return { problems: ['the request is not an object'] };
  const r = raw as Record<string, unknown>;
  for (const key of ['sessionId', 'callTransactionId', 'agentId', 'formId'] as const) {
    if (typeof r[key] !== 'string' || !ID.test(r[key] as string)) problems.push(`${key} is missing or not a valid id`);
  }
  const fields = r.fields;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || Object.values(fields).some((v) => typeof v !== 'string')) {
    problems.push('fields must map field ids to text');
  }
  if (r.parties !== undefined && (typeof r.parties !== 'number' || !Number.isInteger(r.parties))) problems.push('parties must be a whole number');
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

export async function beginSession(deps: SessionStoreDeps, forms: FormsConfig, raw: unknown): Promise<SessionContext> {
  const { request, problems } = checkRequest(raw, forms);
  if (!request || problems.length > 0) throw new SessionRequestRefused(`Secure session refused: ${problems.join('; ')}`);
  const form = forms.forms.find((f) => f.id === request.formId);
  if (!form) throw new SessionRequestRefused('Secure session refused: unknown form');
  const workgroup = workgroupFor(forms, request.agentId, form.id);
  const context: SessionContext = {
    sessionId: request.sessionId,
    callTransactionId: request.callTransactionId,
    transactionId: newTransactionId(deps.now()),
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
