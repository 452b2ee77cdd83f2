/**
 * The telephony port the session stages talk to. The stages never know which service carries the
 * call: the Chime SDK SIP media application adapter (lambdas/telephony/chime-sma) implements it today,
 * and an Amazon Connect adapter implements the same interface.
 */
import type { FinalStatus, SessionContext } from '../shared/session/contract';

export interface Telephony {
  /** Separate the caller from the agent and start card entry for the session. */
  beginCapture(session: SessionContext): Promise<void>;
  /**
   * Tell the caller the outcome, resume recording and bring the agent back.
   * `transactionId` is the payment reference the caller hears. Resolves false when the call no longer
   * exists (the caller hung up).
   */
  finish(session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>, outcome: FinalStatus, transactionId: string): Promise<boolean>;
}

/** The call could not be reached or refused the request. */
export class TelephonyFailedError extends Error {
  public constructor(what: string) {
    super(`The telephony service could not ${what}. Check that the call is still connected and the SIP media application id is right.`);
    this.name = 'TelephonyFailedError';
  }
}
