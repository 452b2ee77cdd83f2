/**
 * A caller hang-up on Amazon Connect. Once the caller leaves, the secure-input flow stops and calls no
 * function again, so the session would wait in GetKey until its time limit. Connect publishes contact
 * events to EventBridge (source `aws.connect`, detail-type `Amazon Connect Contact Event`); on
 * DISCONNECTED this function finds the session running on the call (the call's lock item names it)
 * and ends card entry at once: GetKey fails with CallerHungUp, so Abort destroys the data; when card
 * entry was already over (validating, waiting for the outcome) it only records the hang-up, so End
 * knows nobody is left to tell.
 *
 * Deploy with an EventBridge rule on those events for the instance (detail.eventType DISCONNECTED).
 */
import type { Context } from 'aws-lambda';
import { createLogger } from '../../shared/logging';
import { errorName } from '../../shared/errors';
import { documentClient, sfnClient } from '../../shared/clients';
import { dynamoLib, sfnSdk } from '../../shared/sdk';
import { sessionEvent } from '../../shared/session/events';
import { emitSafely, eventSinkFor } from '../../shared/session/event-sinks';
import { getSession, recordProgress, takeTaskToken, type SessionStoreDeps } from '../../shared/session/session-store';
import { callKeyOf } from './contract';
import { connectCallId } from './connect-telephony';

export interface ConnectContactEvent {
  source: 'aws.connect';
  'detail-type': 'Amazon Connect Contact Event';
  detail: { eventType: string; contactId: string; initialContactId?: string; previousContactId?: string; channel?: string; instanceArn?: string; disconnectReason?: string };
}

/** The ports the hang-up needs (tests and the sandbox pass the real ones over local engines). */
export interface HangUpDeps {
  store: () => Promise<SessionStoreDeps>;
  /** The session holding the call's lock, if any. */
  activeSession(store: SessionStoreDeps, callId: string): Promise<string | undefined>;
  failCapture(taskToken: string): Promise<void>;
  emit(sessionId: string, callId: string, stage: string): Promise<void>;
  /**
   * How long to wait for a session that is still being opened when the caller leaves (the claim
   * function starts it while the caller is already in the flow; Begin takes the call's lock and GetKey
   * leaves its token a moment later).
   */
  openingWaitMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export type HangUpResult = 'ignored' | 'no-session' | 'capture-ended' | 'recorded';

const ID = /^[A-Za-z0-9._:+-]{1,128}$/;

/** What a DISCONNECTED event means for the session on its call. */
export async function onContactEvent(raw: unknown, deps: HangUpDeps): Promise<HangUpResult> {
  const detail = (raw as Partial<ConnectContactEvent> | undefined)?.detail;
  if (!detail || detail.eventType !== 'DISCONNECTED' || typeof detail.contactId !== 'string' || !ID.test(detail.contactId)) return 'ignored';
  if (detail.channel !== undefined && detail.channel !== 'VOICE') return 'ignored';
  const optional = (v: unknown): string | undefined => (typeof v === 'string' && ID.test(v) ? v : undefined);
  const previous = optional(detail.previousContactId);
  const initial = optional(detail.initialContactId);
  const callId = connectCallId(callKeyOf({ contactId: detail.contactId, ...(previous ? { previousContactId: previous } : {}), ...(initial ? { initialContactId: initial } : {}) }));
  const store = await deps.store();
  // Only a transferred contact (the secure flow is a transfer) can have a session still being opened.
  const deadline = deps.now() + (previous ? deps.openingWaitMs : 0);
  for (;;) {
    const sessionId = await deps.activeSession(store, callId);
    if (sessionId) {
      const token = await takeTaskToken(store, sessionId);
      if (token) {
        await deps.failCapture(token);
        await deps.emit(sessionId, callId, 'capturing');
        return 'capture-ended';
      }
      const status = (await getSession(store, sessionId))?.status;
      if (status !== undefined && status !== 'requested') {
        // Card entry is over: the session runs on; End finds nobody to tell.
        await recordProgress(store, sessionId, { hungUp: true });
        await deps.emit(sessionId, callId, 'after-capture');
        return 'recorded';
      }
    }
    if (deps.now() >= deadline) return 'no-session';
    await deps.sleep(POLL_MS);
  }
}

const POLL_MS = 200;

const logger = createLogger('connect-contact-events');

export function liveHangUpDeps(env: NodeJS.ProcessEnv = process.env): HangUpDeps {
  const tableName = env.SESSION_TABLE ?? '';
  const sink = eventSinkFor(logger, env);
  return {
    store: async () => ({ ddb: await documentClient(), tableName, now: () => new Date() }),
    activeSession: async (store, callId) => {
      const { GetCommand } = await dynamoLib();
      // The call's lock item (session-store: `call#<call id>`) names the session that holds the call.
      const out = await store.ddb.send(new GetCommand({ TableName: store.tableName, Key: { sessionId: `call#${callId}` }, ConsistentRead: true }));
      const active = out.Item?.activeSessionId;
      const expiresAt = out.Item?.expiresAt;
      return typeof active === 'string' && (typeof expiresAt !== 'number' || expiresAt > Date.now() / 1000) ? active : undefined;
    },
    failCapture: async (taskToken) => {
      const { SendTaskFailureCommand } = await sfnSdk();
      await (await sfnClient()).send(new SendTaskFailureCommand({ taskToken, error: 'CallerHungUp', cause: 'the caller hung up before finishing card entry' }));
    },
    openingWaitMs: Number(env.CONNECT_HANGUP_OPENING_WAIT_MS ?? '10000'),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    emit: (sessionId, callId, stage) => emitSafely(sink, sessionEvent('caller.hung-up', { sessionId, callTransactionId: callId, component: 'connect-contact-events', actor: { kind: 'caller', id: 'caller' } }, true, new Date(), { stage }), logger),
  };
}

/** EventBridge target: one Amazon Connect contact event. */
export const handler = async (event: unknown, context?: Context): Promise<{ result: HangUpResult }> => {
  if (!SESSION_TABLE_SET()) throw new Error('SESSION_TABLE is not set');
  try {
    return { result: await onContactEvent(event, liveHangUpDeps()) };
  } catch (err) {
    // EventBridge retries a failed target; the name is enough to find the cause (no event in the log).
    logger.error('contact event not handled', { error: errorName(err), ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) });
    throw err;
  }
};

const SESSION_TABLE_SET = (): boolean => (process.env.SESSION_TABLE ?? '') !== '';
