/**
 * The telephony port the session stages talk to, and its first adapter: the Chime SDK SIP media
 * application, reached with UpdateSipMediaApplicationCall (the SMA handler receives it as
 * CALL_UPDATE_REQUESTED). A second adapter (Amazon Connect) implements the same interface.
 */
import type { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import type { CallUpdate, Outcome, SessionContext } from '../shared/session/contract';
import { encodeIvr } from '../sma/call-state';
import { voiceSdk } from '../shared/sdk';

export interface Telephony {
  /** Separate the caller from the agent and start card entry for the session. */
  beginCapture(session: SessionContext): Promise<void>;
  /**
   * Tell the caller the outcome, resume recording and bring the agent back.
   * Resolves false when the call no longer exists (the caller hung up).
   */
  finish(session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>, outcome: Outcome | 'aborted', reference: string): Promise<boolean>;
}

/** The call could not be reached or refused the request. */
export class TelephonyFailedError extends Error {
  public constructor(what: string) {
    super(`The telephony service could not ${what}. Check that the call is still connected and the SIP media application id is right.`);
    this.name = 'TelephonyFailedError';
  }
}

export class ChimeSmaTelephony implements Telephony {
  public constructor(
    private readonly client: () => Promise<ChimeSDKVoiceClient>,
    private readonly sipMediaApplicationId: string,
  ) {}

  public async beginCapture(session: SessionContext): Promise<void> {
    const sent = await this.update(session.callTransactionId, { op: 'secure-begin', sessionId: session.sessionId, ivr: encodeIvr(session.ivr) });
    if (!sent) throw new TelephonyFailedError('find the call to start card entry');
  }

  public finish(session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>, outcome: Outcome | 'aborted', reference: string): Promise<boolean> {
    return this.update(session.callTransactionId, { op: 'secure-end', sessionId: session.sessionId, outcome, reference });
  }

  private async update(transactionId: string, args: CallUpdate): Promise<boolean> {
    const { UpdateSipMediaApplicationCallCommand } = await voiceSdk();
    try {
      await (await this.client()).send(
        new UpdateSipMediaApplicationCallCommand({ SipMediaApplicationId: this.sipMediaApplicationId, TransactionId: transactionId, Arguments: { ...args } }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'NotFoundException') return false;
      throw new TelephonyFailedError('deliver the call update');
    }
  }
}
