/**
 * The call's state as kept in TransactionAttributes between SMA invocations (≤ 10 string keys, never
 * card data: at most the brand and last four once the number is captured).
 */
import type { IvrSettings } from '../../shared/session/contract';
import { CARD_FIELDS, type CardField } from '../../shared/card/card-fields';
import type { TransactionAttributes } from './contract';
import { DEFAULT_IVR } from '../../shared/session/forms';

export type Stage =
  /** Calling the agent for the first time. */
  | 'bridging'
  /** Caller and agent talking. */
  | 'bridged'
  /** Agent leg being hung up so the IVR can run on the caller's leg alone. */
  | 'separating'
  /** Waiting for PauseCallRecording to succeed before any card prompt. */
  | 'pausing'
  /** Collecting a card field. */
  | 'capturing'
  /** Card data handed over; caller on hold until the workflow reports the outcome. */
  | 'holding'
  /** Calling the agent back after a session. */
  | 'rebridging'
  /** The call is over. */
  | 'ended';

/**
 * `starting`: StartCallRecording was sent and its answer has not come back. The recording may already
 * be running, so it counts as recording: a secure session pauses it (and waits for the pause) first.
 */
export type RecordingState = 'off' | 'starting' | 'on' | 'paused';

export interface CallState {
  stage: Stage;
  rec: RecordingState;
  sessionId?: string;
  ivr?: IvrSettings;
  field?: CardField;
  /** Attempts used on the current field, or hold rounds while holding. */
  tries: number;
  brand?: string;
  last4?: string;
  vaultRef?: string;
}

const STAGES: readonly Stage[] = ['bridging', 'bridged', 'separating', 'pausing', 'capturing', 'holding', 'rebridging', 'ended'];

/** Compact encoding of IVR settings for one attribute value. */
export function encodeIvr(ivr: IvrSettings): string {
  return JSON.stringify([ivr.language, ivr.voice, ivr.engine, ivr.attempts, ivr.fieldTimeoutSeconds, ivr.interDigitSeconds]);
}

/** Decodes settings written by encodeIvr; anything unreadable falls back to the defaults. */
export function decodeIvr(text: string | undefined): IvrSettings {
  try {
    const v: unknown = JSON.parse(text ?? '');
    if (Array.isArray(v) && v.length === 6) {
      const [language, voice, engine, attempts, fieldTimeoutSeconds, interDigitSeconds] = v as unknown[];
      if (
        typeof language === 'string' &&
        typeof voice === 'string' &&
        (engine === 'standard' || engine === 'neural') &&
        [attempts, fieldTimeoutSeconds, interDigitSeconds].every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 120)
      ) {
        return {
          language,
          voice,
          engine,
          attempts: attempts as number,
          fieldTimeoutSeconds: fieldTimeoutSeconds as number,
          interDigitSeconds: interDigitSeconds as number,
        };
      }
    }
  } catch {
    // fall through to defaults
  }
  return { ...DEFAULT_IVR };
}

export function readState(attrs: TransactionAttributes | undefined): CallState {
  const a = attrs ?? {};
  const stage = STAGES.includes(a.stage as Stage) ? (a.stage as Stage) : 'bridging';
  const rec: RecordingState = a.rec === 'on' || a.rec === 'paused' || a.rec === 'starting' ? a.rec : 'off';
  const tries = Number.parseInt(a.tries ?? '0', 10);
  const [brand, last4] = (a.card ?? '').split(':');
  return {
    stage,
    rec,
    tries: Number.isInteger(tries) && tries >= 0 ? tries : 0,
    ...(a.sid ? { sessionId: a.sid } : {}),
    ...(a.ivr ? { ivr: decodeIvr(a.ivr) } : {}),
    ...(CARD_FIELDS.includes(a.field as CardField) ? { field: a.field as CardField } : {}),
    ...(brand && last4 && /^\d{4}$/.test(last4) ? { brand, last4 } : {}),
    ...(a.vref ? { vaultRef: a.vref } : {}),
  };
}

export function writeState(state: CallState): TransactionAttributes {
  const attrs: TransactionAttributes = { stage: state.stage, rec: state.rec, tries: String(state.tries) };
  if (state.sessionId) attrs.sid = state.sessionId;
  if (state.ivr) attrs.ivr = encodeIvr(state.ivr);
  if (state.field) attrs.field = state.field;
  if (state.brand && state.last4) attrs.card = `${state.brand}:${state.last4}`;
  if (state.vaultRef) attrs.vref = state.vaultRef;
  return attrs;
}

/** The state once a session is over: the call goes on, nothing of the session stays. */
export function withoutSession(state: CallState, stage: Stage): CallState {
  return { stage, rec: state.rec, tries: 0 };
}
