/**
 * The Amazon Connect adapter of the telephony port. On Connect the flow drives the call: the caller is
 * already in the secure-input flow (the claim started the session), and the flow's status function reads
 * the outcome from the session table, where End and Abort write it. So the port only confirms the call:
 * the agent stays on the call, on hold, and is never called back.
 */
import type { Outcome, SessionContext } from '../../shared/session/contract';
import { getSession, type SessionStoreDeps } from '../../shared/session/session-store';
import { type Telephony, TelephonyFailedError } from '../port';

/** Call ids of Connect sessions: `connect:<the agent's contact id>`. */
export const CONNECT_CALL_PREFIX = 'connect:';
export const isConnectCall = (callTransactionId: string): boolean => callTransactionId.startsWith(CONNECT_CALL_PREFIX);
export const connectCallId = (contactId: string): string => `${CONNECT_CALL_PREFIX}${contactId}`;

export class ConnectTelephony implements Telephony {
  public constructor(private readonly sessions: () => Promise<SessionStoreDeps>) {}

  /** The flow is already collecting: nothing to send, only check that the session is a Connect one. */
  public async beginCapture(session: SessionContext): Promise<void> {
    if (!isConnectCall(session.callTransactionId)) throw new TelephonyFailedError('start card entry on a call that is not an Amazon Connect contact');
  }

  /** The status function tells the caller; the call lives unless the caller hung up. */
  public async finish(
    session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>,
    _outcome: Outcome | 'aborted' | 'unknown',
    _reference: string,
  ): Promise<boolean> {
    const record = await getSession(await this.sessions(), session.sessionId);
    return record !== undefined && record.hungUpAt === undefined;
  }
}

/** Picks the adapter by the session's call id, so one deployment can serve Chime and Connect calls. */
export class TelephonyRouter implements Telephony {
  public constructor(
    private readonly chime: Telephony | undefined,
    private readonly connect: Telephony | undefined,
  ) {}

  public beginCapture(session: SessionContext): Promise<void> {
    return this.pick(session.callTransactionId).beginCapture(session);
  }

  public finish(session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>, outcome: Outcome | 'aborted', reference: string): Promise<boolean> {
    return this.pick(session.callTransactionId).finish(session, outcome, reference);
  }

  private pick(callTransactionId: string): Telephony {
    const adapter = isConnectCall(callTransactionId) ? this.connect : this.chime;
    if (!adapter) throw new TelephonyFailedError(`reach a ${isConnectCall(callTransactionId) ? 'Connect' : 'Chime'} call: that telephony is not deployed`);
    return adapter;
  }
}
