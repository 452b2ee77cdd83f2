/**
 * How a session ends, in words the agent can read: the result line for the desktop and the reason
 * for an abort. Reasons come from error names only; a Step Functions Cause is quoted only for our
 * own refusal, whose message is built from field names.
 */
import type { AbortInput, EndInput, SessionOutcome } from '../shared/session/contract';

const MAX_DETAILS = 200;

/** Removes what the result line reserves (`|`, CR, LF) and caps the length. */
export function cleanDetails(text: string): string {
  return text.replace(/[|\r\n]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_DETAILS);
}

/** `transactionId|ApprovalValue|ApprovalResult\n` */
export function formatResultLine(transactionId: string, value: string, details: string): string {
  return `${transactionId}|${value}|${cleanDetails(details)}\n`;
}

export function endOutcome(input: Pick<EndInput, 'session' | 'capture' | 'validation'>): SessionOutcome {
  const { session, capture, validation } = input;
  const card = capture.status === 'captured' ? { last4: capture.last4, brand: capture.brand } : {};
  if (capture.status !== 'captured') {
    const details = cleanDetails(capture.reason);
    return { sessionId: session.sessionId, transactionId: session.transactionId, status: 'declined', details, resultLine: formatResultLine(session.transactionId, 'declined', details) };
  }
  if (!validation) {
    const details = 'no reply from the validation service';
    return { sessionId: session.sessionId, transactionId: session.transactionId, status: 'declined', details, resultLine: formatResultLine(session.transactionId, 'declined', details), ...card };
  }
  const details = cleanDetails(validation.details);
  return {
    sessionId: session.sessionId,
    transactionId: session.transactionId,
    status: validation.outcome,
    details,
    resultLine: formatResultLine(session.transactionId, validation.outcome, details),
    ...card,
  };
}

const ABORT_REASONS: Record<string, string> = {
  // The agent API fails GetKey's task token with this name (AGENT_CANCELLED) when the agent cancels.
  AgentCancelled: 'cancelled by the agent; no payment was taken',
  CallerHungUp: 'caller hung up; no payment was taken',
  RecordingPauseFailed: 'call recording could not be paused, so no card details were requested',
  TelephonyFailed: 'the call could not be switched to the secure IVR',
  'States.Timeout': 'the secure session timed out',
  VaultCryptoError: 'card data could not be protected; no payment was taken',
  VaultItemNotFoundError: 'card data was no longer available',
  TelephonyFailedError: 'the call could not be switched to the secure IVR',
};

export function abortReason(error: AbortInput['error']): string {
  const name = error?.Error ?? 'UnknownError';
  if (name === 'SessionRequestRefused' && typeof error.Cause === 'string') {
    try {
      const parsed = JSON.parse(error.Cause) as { errorMessage?: unknown };
      if (typeof parsed.errorMessage === 'string') return cleanDetails(parsed.errorMessage);
    } catch {
      return cleanDetails(error.Cause);
    }
  }
  return ABORT_REASONS[name] ?? `secure session failed (${name.replace(/[^A-Za-z0-9.]/g, '').slice(0, 60)})`;
}
