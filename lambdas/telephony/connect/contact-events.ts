/**
 * What the instance's contact events (EventBridge "Amazon Connect Contact Event") tell secure-ivr:
 * - CONNECTED_TO_AGENT: which agent the contact was routed to. It is recorded as the call's owner (the
 *   session store's `call#<id>#agent`, as the Chime IVR records the answering agent leg), so only that
 *   agent can start secure input on it (the agent API) or send its caller into the secure flow (the claim).
 * - DISCONNECTED: a caller who hangs up inside the secure-input flow ends the flow, and no function is
 *   invoked any more. The session on that call, if it is still taking card details, is failed with
 *   CallerHungUp, so Abort destroys whatever was sealed at once instead of when GetKey times out.
 */
import { createLogger } from '../../shared/logging';
import { EnvReader } from '../../shared/config';
import { ENV, SESSION_ERROR } from '../../shared/session/contract';
import { sessionEvent, type SessionEvent } from '../../shared/session/events';
import { emitSafely, eventSinkFor } from '../../shared/session/event-sinks';
import { markCallHungUp, type SessionRecord } from '../../shared/session/session-store';
import { connectCallId } from './connect-telephony';
import { connectUserIdOf } from './contact-owner';

/** The parts of a contact event this reads (EventBridge `detail`). */
export interface ContactEventDetail {
  eventType?: string;
  contactId?: string;
  previousContactId?: string;
  initialContactId?: string;
  channel?: string;
  /** CONNECTED_TO_AGENT: the agent the contact is connected with. */
  agentInfo?: { agentArn?: string };
}

export interface HangUpDeps {
  sessionIdsOnCall(callId: string): Promise<string[]>;
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  recordHangUp(sessionId: string): Promise<void>;
  /** Records the agent a contact was routed to (the Connect user id from the agent ARN). */
  recordCallOwner(callId: string, connectUserId: string): Promise<void>;
  /** Notes the hang-up on the call itself, for a claim still opening a session there. */
  markCallHungUp(callId: string): Promise<void>;
  /** SendTaskFailure; false when no token was waiting (entry already over, or not begun). */
  failCapture(sessionId: string, error: string, cause: string): Promise<boolean>;
  emit(event: SessionEvent): Promise<void>;
  now(): Date;
}

/** Statuses in which the caller is (or is about to be) keying card details. */
const TAKING_CARD = new Set(['requested', 'separating', 'capturing']);
const ID = /^[A-Za-z0-9._:+-]{1,128}$/;

/** Handles one contact event; returns the sessions it ended. */
export async function onContactEvent(detail: ContactEventDetail, deps: HangUpDeps): Promise<string[]> {
  if (detail.eventType === 'CONNECTED_TO_AGENT' && (detail.channel === undefined || detail.channel === 'VOICE')) {
    const agent = connectUserIdOf(detail.agentInfo?.agentArn);
    if (agent !== undefined && typeof detail.contactId === 'string' && ID.test(detail.contactId))
      await deps.recordCallOwner(connectCallId(detail.contactId), agent);
    return [];
  }
  if (detail.eventType !== 'DISCONNECTED' || (detail.channel !== undefined && detail.channel !== 'VOICE')) return [];
  // The session is keyed on the agent's contact: the disconnected contact itself or the one it was transferred from.
  const calls = [detail.contactId, detail.previousContactId].filter((id): id is string => typeof id === 'string' && ID.test(id)).map(connectCallId);
  const ended: string[] = [];
  for (const callId of calls) {
    // First on the call, then the sessions: a claim that creates its session after this look finds the mark.
    await deps.markCallHungUp(callId);
    const ids = await deps.sessionIdsOnCall(callId);
    const latest = ids[ids.length - 1];
    if (!latest) continue;
    const session = await deps.getSession(latest);
    if (!session || !TAKING_CARD.has(session.status)) continue;
    await deps.recordHangUp(latest);
    const failed = await deps.failCapture(latest, SESSION_ERROR.callerHungUp, 'the caller hung up during the secure input flow');
    await deps.emit(
      sessionEvent(
        'caller.hung-up',
        { sessionId: latest, callTransactionId: callId, component: 'connect-contact-events', actor: { kind: 'caller', id: 'caller' } },
        true,
        deps.now(),
        { stage: session.status },
      ),
    );
    if (failed) ended.push(latest);
  }
  return ended;
}

const logger = createLogger('connect-contact-events');
let live: HangUpDeps | undefined;

async function liveDeps(): Promise<HangUpDeps> {
  const r = new EnvReader(process.env);
  const tableName = r.required(ENV.sessionTable);
  r.done();
  const [{ documentClient, sfnClient }, store, { sfnSdk }] = await Promise.all([
    import('../../shared/clients'),
    import('../../shared/session/session-store'),
    import('../../shared/sdk'),
  ]);
  const now = (): Date => new Date();
  const deps = async () => ({ ddb: await documentClient(), tableName, now });
  const sink = eventSinkFor(logger);
  return {
    now,
    sessionIdsOnCall: async (callId) => store.sessionIdsOnCall(await deps(), callId),
    getSession: async (id) => store.getSession(await deps(), id),
    recordHangUp: async (id) => store.recordProgress(await deps(), id, { hungUp: true }),
    markCallHungUp: async (callId) => markCallHungUp(await deps(), callId),
    // A voice contact has the customer and the agent; the agent's user id is kept as the endpoint reached.
    recordCallOwner: async (callId, connectUserId) =>
      store.recordCallAgent(await deps(), { callTransactionId: callId, agentLegCallId: connectUserId, endpoint: connectUserId, parties: 2 }),
    failCapture: async (id, error, cause) => {
      const token = await store.takeTaskToken(await deps(), id);
      if (!token) return false;
      const { SendTaskFailureCommand } = await sfnSdk();
      await (await sfnClient()).send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      return true;
    },
    emit: (event) => emitSafely(sink, event, logger),
  };
}

export const handler = async (event: { detail?: ContactEventDetail }): Promise<{ ended: number }> => {
  live ??= await liveDeps();
  const ended = await onContactEvent(event?.detail ?? {}, live);
  if (ended.length > 0) logger.info('caller hung up in the secure flow', { sessions: ended.length });
  return { ended: ended.length };
};
