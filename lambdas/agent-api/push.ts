/**
 * What the agent's console is told while a secure session runs, built from the session events: stage
 * changes, per-field progress, brand and last four once the card number is captured, and the outcome.
 *
 * Progress is field-level: SpeakAndGetDigits hands the IVR a field's digits only when the caller ends
 * the field, so the console learns "card number being keyed", then "card number captured, 16 digits".
 * A message carries counts and the last four at most — never a digit the caller keyed otherwise.
 */
import type { SessionEvent } from '../shared/session/events';
import { CARD_FIELDS, type CardField } from '../shared/card/card-fields';
import { maskCardNumbers } from '../shared/card/card-detector';

export const PUSH_STAGES = [
  'requested',
  'started',
  'separating',
  'agent-separated',
  'recording-paused',
  'capturing',
  'card-captured',
  'capture-declined',
  'recording-resumed',
  'validating',
  'ended',
] as const;
export type PushStage = (typeof PUSH_STAGES)[number];
export type PushField = CardField;

export type AgentPush =
  | { type: 'session.stage'; sessionId: string; stage: PushStage; at: string }
  | {
      type: 'field.progress';
      sessionId: string;
      field: PushField;
      state: 'prompted' | 'captured' | 'invalid' | 'restarted';
      attempt?: number;
      digitsEntered?: number;
      reason?: string;
      at: string;
    }
  | { type: 'card.captured'; sessionId: string; brand: string; last4: string; at: string }
  | { type: 'caller.hung-up'; sessionId: string; at: string }
  /**
   * The caller is pressing keys while bridged to the agent (the IVR's listener heard some): the console warns
   * the agent to have them wait for the secure prompt. Addressed by call; names the call's running session
   * when there is one. Carries no key and no count.
   */
  | CallerKeyingPush
  | {
      type: 'session.outcome';
      sessionId: string;
      status: 'accepted' | 'declined' | 'unknown' | 'aborted';
      details: string;
      transactionId?: string;
      brand?: string;
      last4?: string;
      error?: string;
      at: string;
    };

export interface CallerKeyingPush {
  type: 'caller-keying';
  interactionId: string;
  sessionId?: string;
  at: string;
}

/** The one builder of the caller-keying message: nothing but the call, the session if any, and the time. */
export function callerKeyingPush(interactionId: string, at: string, sessionId?: string): CallerKeyingPush {
  return { type: 'caller-keying', interactionId, ...(sessionId ? { sessionId } : {}), at };
}

const FIELDS = new Set<PushField>(CARD_FIELDS);
/** Free text from events can quote what a service said; no card number (shared detector) or card-length digit run passes. */
const clean = (text: unknown): string =>
  maskCardNumbers(String(text ?? ''))
    .text.replace(/\d{12,19}/g, '[card]')
    .slice(0, 200);
const LAST4 = /^\d{4}$/;

const STAGE_OF: Partial<Record<SessionEvent['type'], PushStage>> = {
  'begin.requested': 'requested',
  'session.begun': 'started',
  'capture.requested': 'separating',
  'agent.separated': 'agent-separated',
  'recording.paused': 'recording-paused',
  'capture.completed': 'card-captured',
  'capture.declined': 'capture-declined',
  'recording.resumed': 'recording-resumed',
  'fields.attached': 'validating',
  'session.ended': 'ended',
};

const FIELD_STATE: Partial<Record<SessionEvent['type'], 'prompted' | 'captured' | 'invalid' | 'restarted'>> = {
  'field.prompted': 'prompted',
  'field.captured': 'captured',
  'field.invalid': 'invalid',
  'field.restarted': 'restarted',
};

/** The messages one session event turns into (none for events the agent does not need). */
export function toPushes(event: SessionEvent): AgentPush[] {
  const { sessionId, at } = event;
  const d = event.details ?? {};
  const out: AgentPush[] = [];
  const stage = STAGE_OF[event.type];
  if (stage) out.push({ type: 'session.stage', sessionId, stage, at });
  const fieldState = FIELD_STATE[event.type];
  if (fieldState && FIELDS.has(d.field as PushField)) {
    const count = typeof d.digitsEntered === 'number' && Number.isInteger(d.digitsEntered) ? d.digitsEntered : undefined;
    const attempt = typeof d.attempt === 'number' ? d.attempt : typeof d.attempts === 'number' ? d.attempts : undefined;
    out.push({
      type: 'field.progress',
      sessionId,
      field: d.field as PushField,
      state: fieldState,
      ...(attempt !== undefined ? { attempt } : {}),
      ...(count !== undefined ? { digitsEntered: count } : {}),
      ...(fieldState === 'invalid' || fieldState === 'restarted' ? { reason: clean(d.reason) } : {}),
      at,
    });
    if (fieldState === 'prompted' && d.field === 'pan' && d.attempt === 1) out.unshift({ type: 'session.stage', sessionId, stage: 'capturing', at });
  }
  if (event.type === 'field.captured' && d.field === 'pan' && typeof d.last4 === 'string' && LAST4.test(d.last4)) {
    out.push({ type: 'card.captured', sessionId, brand: clean(d.brand ?? 'unknown'), last4: d.last4, at });
  }
  if (event.type === 'caller.hung-up') out.push({ type: 'caller.hung-up', sessionId, at });
  if (event.type === 'outcome') {
    const status = d.outcome === 'accepted' || d.outcome === 'declined' || d.outcome === 'unknown' ? d.outcome : 'aborted';
    out.push({
      type: 'session.outcome',
      sessionId,
      status,
      details: clean(d.details),
      ...(event.transactionId ? { transactionId: event.transactionId } : {}),
      ...(typeof d.last4 === 'string' && LAST4.test(d.last4) ? { last4: d.last4, brand: clean(d.brand ?? 'unknown') } : {}),
      at,
    });
  }
  if (event.type === 'session.aborted') {
    out.push({
      type: 'session.outcome',
      sessionId,
      status: 'aborted',
      details: clean(d.reason),
      ...(event.transactionId ? { transactionId: event.transactionId } : {}),
      ...(typeof d.error === 'string' ? { error: clean(d.error).replace(/[^A-Za-z0-9.]/g, '') } : {}),
      at,
    });
  }
  return out;
}
