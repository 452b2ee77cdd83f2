/**
 * Configuration and clients shared by the session stage handlers, read once per container.
 */
import { EnvReader } from '../shared/config';
import { documentClient, voiceClient } from '../shared/clients';
import { ENV } from '../shared/session/contract';
import type { SessionStoreDeps } from '../shared/session/session-store';
import { ChimeSmaTelephony } from '../telephony/chime-sma/sma-telephony';
import type { Telephony } from '../telephony/port';
import { ConnectTelephony, TelephonyRouter } from '../telephony/connect/connect-telephony';
import { sessionEvent, type EventDetailValue, type SessionEvent, type SessionEventType } from '../shared/session/events';
import { emitSafely, eventSinkFor } from '../shared/session/event-sinks';

export interface StageDeps {
  sessions(): Promise<SessionStoreDeps>;
  vaultTable: string;
  telephony: Telephony;
  now: () => Date;
  /** Emits one session event from this stage (never throws). */
  emit(type: SessionEventType, base: EventBase, success: boolean, details?: Record<string, EventDetailValue>): Promise<void>;
  /** Emits several events of this stage together, in order (one audit-chain step; never throws). */
  emitAll(events: Array<{ type: SessionEventType; success: boolean; details?: Record<string, EventDetailValue> }>, base: EventBase): Promise<void>;
}

type EventBase = Pick<SessionEvent, 'sessionId' | 'actor'> & Partial<Pick<SessionEvent, 'callTransactionId' | 'transactionId' | 'requestId'>>;

interface StageLogger {
  info(message: string, attrs: Record<string, unknown>): void;
  error(message: string, attrs: Record<string, unknown>): void;
}

/** Builds the stage dependencies; `needs` lists the settings this stage cannot run without. */
export function stageDeps(
  env: NodeJS.ProcessEnv,
  needs: { sessions?: boolean; vault?: boolean; telephony?: boolean },
  component = 'session-stage',
  logger?: StageLogger,
): StageDeps {
  const r = new EnvReader(env);
  const sessionTable = needs.sessions ? r.required(ENV.sessionTable) : '';
  const vaultTable = needs.vault ? r.required(ENV.vaultTable) : '';
  const adapters = r.oneOf(ENV.telephonyAdapters, ['chime', 'connect', 'both'] as const, 'chime');
  const smaId = needs.telephony && adapters !== 'connect' ? r.required(ENV.smaId) : '';
  r.done();
  const now = (): Date => new Date();
  const log: StageLogger = logger ?? { info: () => undefined, error: () => undefined };
  const sink = eventSinkFor(log, env);
  const sessions = async (): Promise<SessionStoreDeps> => ({ ddb: await documentClient(), tableName: sessionTable, now });
  return {
    now,
    emit: (type, base, success, details) => emitSafely(sink, sessionEvent(type, { ...base, component }, success, now(), details), log),
    emitAll: (events, base) =>
      emitSafely(
        sink,
        events.map((e) => sessionEvent(e.type, { ...base, component }, e.success, now(), e.details)),
        log,
      ),
    vaultTable,
    sessions,
    // Each session's call id says which adapter carries it (Connect call ids start with "connect:").
    telephony: new TelephonyRouter(
      adapters !== 'connect' ? new ChimeSmaTelephony(voiceClient, smaId) : undefined,
      adapters !== 'chime' ? new ConnectTelephony(sessions) : undefined,
    ),
  };
}
