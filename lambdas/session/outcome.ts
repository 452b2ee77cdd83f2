/**
 * How a session ends, in words the agent can read: the one outcome module End and Abort share. It
 * turns the workflow's state into a SessionOutcome (status, cleaned details, result line, last four)
 * and explains an abort. Reasons come from error names only; a Step Functions Cause is quoted only for
 * our own refusal, whose message is built from field names.
 */
import type { AbortInput, EndInput, FinalStatus, SessionErrorName, SessionOutcome } from '../shared/session/contract';
import { SESSION_ERROR } from '../shared/session/contract';
import { cleanDetails, resultLine } from '../shared/session/result-line';

/** Details said when End has a captured card but no validation result in its input. */
export const NO_VALIDATION_REPLY = 'no reply from the validation service';

interface OutcomeParts {
  sessionId: string;
  transactionId?: string;
  status: FinalStatus;
  details: string;
  card?: { last4: string; brand: string };
  error?: string;
  /** The gateway's reusable token (already checked by the validator: never card data). */
  token?: string;
}

/** The one place a SessionOutcome is assembled: details cleaned once, the result line built from them. */
function outcomeOf(parts: OutcomeParts): SessionOutcome {
  const details = cleanDetails(parts.details);
  return {
    sessionId: parts.sessionId,
    ...(parts.transactionId !== undefined ? { transactionId: parts.transactionId } : {}),
    status: parts.status,
    details,
    ...(parts.error !== undefined ? { error: parts.error } : {}),
    ...(parts.transactionId !== undefined ? { resultLine: resultLine(parts.transactionId, parts.status, details) } : {}),
    ...(parts.card ?? {}),
    ...(parts.token !== undefined ? { token: parts.token } : {}),
  };
}

export function endOutcome(input: Pick<EndInput, 'session' | 'capture' | 'validation'>): SessionOutcome {
  const { session, capture, validation } = input;
  const base = { sessionId: session.sessionId, transactionId: session.transactionId };
  if (capture.status !== 'captured') return outcomeOf({ ...base, status: 'declined', details: capture.reason });
  const card = { last4: capture.last4, brand: capture.brand };
  if (!validation) return outcomeOf({ ...base, status: 'declined', details: NO_VALIDATION_REPLY, card });
  return outcomeOf({ ...base, status: validation.outcome, details: validation.details, card, ...(validation.token ? { token: validation.token } : {}) });
}

/**
 * Abort's outcome. A failure after the validation service answered (End failed) must not hide the
 * payment's decision: the agent, the caller and finance get it, with the failure added to its details.
 */
export function abortOutcome(input: Pick<AbortInput, 'session' | 'capture' | 'validation' | 'error'>, sessionId: string): SessionOutcome {
  const reason = abortReason(input.error);
  const error = input.error?.Error ?? 'UnknownError';
  const transactionId = input.session?.transactionId;
  const decided = input.validation;
  if (!decided) return outcomeOf({ sessionId, ...(transactionId ? { transactionId } : {}), status: 'aborted', details: reason, error });
  const card = input.capture?.status === 'captured' ? { last4: input.capture.last4, brand: input.capture.brand } : undefined;
  return outcomeOf({
    sessionId,
    ...(transactionId ? { transactionId } : {}),
    status: decided.outcome,
    details: `${decided.details}; the session then closed with an error: ${reason}`,
    error,
    ...(card ? { card } : {}),
    ...(decided.token ? { token: decided.token } : {}),
  });
}

/** A reason for every name in SESSION_ERROR (the compiler checks none is missing). */
const SESSION_ERROR_REASONS: Record<SessionErrorName, string> = {
  // The agent API (or GetKey) fails the task with this name when the agent cancels.
  [SESSION_ERROR.agentCancelled]: 'cancelled by the agent; no payment was taken',
  [SESSION_ERROR.callerHungUp]: 'caller hung up; no payment was taken',
  [SESSION_ERROR.recordingPauseFailed]: 'call recording could not be paused, so no card details were requested',
  [SESSION_ERROR.telephonyFailed]: 'the call could not be switched to the secure IVR',
  // Quoted from the Cause when it carries our message (abortReason); this is for a Cause that does not.
  [SESSION_ERROR.requestRefused]: 'the secure session request was refused',
};

const ABORT_REASONS: Record<string, string> = {
  ...SESSION_ERROR_REASONS,
  'States.Timeout': 'the secure session timed out',
  // Class names of errors a task may throw (lambdas/shared/errors.ts, lambdas/telephony/port.ts).
  VaultCryptoError: 'card data could not be protected; no payment was taken',
  VaultItemNotFoundError: 'card data was no longer available',
  TelephonyFailedError: 'the call could not be switched to the secure IVR',
  // The Connect capture function's name when the flow's secure input key failed: the caller's entry could
  // not be opened (a key pair that does not match) or the flow's certificate has expired.
  FlowKeyFailed:
    'the secure input key of the Amazon Connect flow failed (expired or not matching), so no card details could be taken; no payment was taken. Tell your administrator to rotate the flow key',
};

export function abortReason(error: AbortInput['error']): string {
  const name = error?.Error ?? 'UnknownError';
  if (name === SESSION_ERROR.requestRefused && typeof error.Cause === 'string') {
    try {
      const parsed = JSON.parse(error.Cause) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') return cleanDetails(parsed.errorMessage);
    } catch {
      return cleanDetails(error.Cause);
    }
  }
  return ABORT_REASONS[name] ?? `secure session failed (${name.replace(/[^A-Za-z0-9.]/g, '').slice(0, 60)})`;
}
