/**
 * middy error boundary for the SMA handler. Whatever went wrong, the caller hears an apology and is
 * given back to the agent, recording is resumed if it was paused, and the session is failed so the
 * workflow aborts and destroys its data. A malformed event gets no actions and a clear log line.
 * Only the error's name is logged: a message could, by mistake, quote input.
 */
import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import { actions, findLeg, MalformedSmaEventError, SCHEMA_VERSION, type Participant, type SmaAction, type SmaEvent, type SmaResponse } from './contract';
import { decodeIvr, readState, withoutSession, writeState } from './call-state';
import { promptsFor } from '../capture/prompts';
import { SESSION_ERROR, type SessionErrorName } from '../../shared/session/contract';
import type { IvrConfig } from './ivr';

export interface ErrorBoundaryOptions {
  logger: Logger;
  failSession(sessionId: string, error: SessionErrorName, cause: string): Promise<boolean>;
  /** The agent endpoint, when the configuration can be read. */
  agentEndpoint(): IvrConfig | undefined;
  describe(error: unknown): string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The parts of a possibly malformed event the recovery may rely on: participants that are objects with a
 * string CallId, and only string attributes. Anything else would make the recovery throw or answer with a
 * response the service refuses (found by test/fuzz).
 */
function usableEvent(v: unknown): SmaEvent | undefined {
  if (!isRecord(v) || !isRecord(v.CallDetails) || !Array.isArray(v.CallDetails.Participants)) return undefined;
  const details = v.CallDetails;
  const participants = (details.Participants as unknown[]).filter((p): p is Participant => isRecord(p) && typeof p.CallId === 'string' && p.CallId !== '');
  const attrs = isRecord(details.TransactionAttributes)
    ? Object.fromEntries(Object.entries(details.TransactionAttributes).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : undefined;
  return {
    ...(v as unknown as SmaEvent),
    CallDetails: {
      ...(details as unknown as SmaEvent['CallDetails']),
      Participants: participants,
      ...(attrs ? { TransactionAttributes: attrs } : { TransactionAttributes: undefined }),
    },
  };
}

/** The safe response for an event that failed: end any session, resume recording, back to the agent. */
export async function recoveryResponse(raw: unknown, failSession: ErrorBoundaryOptions['failSession'], ivrConfig: IvrConfig | undefined): Promise<SmaResponse> {
  const event = usableEvent(raw);
  if (!event) return { SchemaVersion: SCHEMA_VERSION, Actions: [] };
  const state = readState(event.CallDetails.TransactionAttributes);
  const legA = findLeg(event, 'LEG-A');
  if (!state.sessionId || !legA || legA.Status === 'Disconnected')
    return { SchemaVersion: SCHEMA_VERSION, Actions: [], TransactionAttributes: writeState(state) };
  await failSession(state.sessionId, SESSION_ERROR.telephonyFailed, 'the secure IVR hit an internal error').catch(() => false);
  const ivr = state.ivr ?? decodeIvr(undefined);
  const list: SmaAction[] = [];
  if (state.rec === 'paused') list.push(actions.resumeCallRecording(legA.CallId));
  list.push(
    actions.speak(legA.CallId, {
      Text: promptsFor(ivr.language).unavailable,
      LanguageCode: ivr.language,
      VoiceId: ivr.voice,
      Engine: ivr.engine,
      TextType: 'text',
    }),
  );
  const legB = findLeg(event, 'LEG-B');
  const rec = state.rec === 'paused' ? 'on' : state.rec;
  if (legB !== undefined && legB.Status !== 'Disconnected' && state.stage === 'separating') {
    // The agent is still on the line: no prompt was played, just stay bridged.
    return { SchemaVersion: SCHEMA_VERSION, Actions: [], TransactionAttributes: writeState(withoutSession({ ...state, rec }, 'bridged')) };
  }
  if (ivrConfig) {
    list.push(actions.callAndBridge(ivrConfig.callerIdNumber ?? legA.To ?? '', ivrConfig.agentEndpoint, ivrConfig.agentRingSeconds));
    return { SchemaVersion: SCHEMA_VERSION, Actions: list, TransactionAttributes: writeState(withoutSession({ ...state, rec }, 'rebridging')) };
  }
  // Without a readable configuration there is no agent to call back: keep the caller's leg up with the apology.
  return { SchemaVersion: SCHEMA_VERSION, Actions: list, TransactionAttributes: writeState(withoutSession({ ...state, rec }, 'ended')) };
}

export function smaErrorBoundary(options: ErrorBoundaryOptions): middy.MiddlewareObj<unknown, SmaResponse> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof MalformedSmaEventError) {
        options.logger.error('malformed sma event', { problem: error.message });
      } else {
        options.logger.error('sma handler failed', { error: options.describe(error) });
      }
      request.response = await recoveryResponse(request.event, options.failSession, options.agentEndpoint());
    },
  };
}
