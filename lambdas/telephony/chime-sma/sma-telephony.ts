/**
 * The Chime SDK SIP media application adapter of the telephony port, reached with
 * UpdateSipMediaApplicationCall (the SMA handler receives it as CALL_UPDATE_REQUESTED).
 */
import type { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import type { CallUpdate, FinalStatus, SessionContext } from '../../shared/session/contract';
import { voiceSdk } from '../../shared/sdk';
import { type Telephony, TelephonyFailedError } from '../port';
import { encodeIvr } from './call-state';

export class ChimeSmaTelephony implements Telephony {
  public constructor(
    private readonly client: () => Promise<ChimeSDKVoiceClient>,
    private readonly sipMediaApplicationId: string,
  ) {}

  public async beginCapture(session: SessionContext): Promise<void> {
    const sent = await this.update(session.callTransactionId, { op: 'secure-begin', sessionId: session.sessionId, ivr: encodeIvr(session.ivr) });
    if (!sent) throw new TelephonyFailedError('find the call to start card entry');
  }

  public finish(session: Pick<SessionContext, 'sessionId' | 'callTransactionId'>, outcome: FinalStatus, transactionId: string): Promise<boolean> {
    return this.update(session.callTransactionId, { op: 'secure-end', sessionId: session.sessionId, outcome, reference: transactionId });
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
