/**
 * The console's session view model, pure: what the agent's screen shows, computed from the call state the
 * server reports and the session events pushed to the console (plus the agent's own clicks). No DOM, no
 * network, no clock: `reduce` folds an input into the state, `screen` says what to show. The rendering
 * (./session-render.ts) only copies the screen into the page, so every rule here has a unit test.
 *
 * Rules the agent relies on:
 * - Retry is offered only once the caller is back on the line with the agent (a push saying so, or the
 *   server's call state, read after the outcome, saying "connected"); while it starts the previous
 *   outcome stays visible; it is never offered once the caller hung up, nor for an unknown outcome (the
 *   card may have been charged: check with the gateway first) nor after an acceptance.
 * - Cancel says "returning the caller…" until the caller is back.
 * - The call summary follows the session: in the secure IVR, returning, connected, hung up.
 */
import type { AgentPush } from '../../lambdas/agent-api/push';
import { brandName, maskedValue, progressText, type FieldProgress } from './masking';

export type OutcomeStatus = 'accepted' | 'declined' | 'aborted' | 'unknown';
export type CardFieldId = FieldProgress['field'];

/** The field ids a form may use for the amount and its currency (as the finance records read them). */
export const AMOUNT_FIELD_IDS = ['charge amount', 'amount', 'payment amount'];
export const CURRENCY_FIELD_IDS = ['currency', 'currency code'];

export interface Outcome {
  status: OutcomeStatus;
  details: string;
  transactionId?: string;
  error?: string;
  brand?: string;
  last4?: string;
  /** The agent cancelled it. */
  cancelled: boolean;
}

export interface SessionState {
  sessionId: string;
  interactionId: string;
  formId: string;
  fields: Record<string, string>;
  phase: 'running' | 'cancelling' | 'finished';
  stage?: string;
  /** What the last action or event says, shown under the progress (e.g. a refusal). */
  note?: string;
  progress: FieldProgress[];
  /** Fields the agent asked to re-enter, not yet restarted by the IVR. */
  reenterAsked: CardFieldId[];
  brand?: string;
  last4?: string;
  outcome?: Outcome;
  /** The outcome of the session this one retries: kept on screen while the retry runs. */
  previous?: Outcome;
}

export interface CallState {
  interactionId: string;
  /** From the server's call state; undefined when the server cannot tell (AWS: the desktop knows). */
  connected?: boolean;
  parties?: number;
  caller?: string;
  /** The call was in the agent's list and then left it (the sandbox lists live calls only). */
  ended: boolean;
  hungUp: boolean;
  /** The server answered but cannot tell whether the caller is connected (AWS today: the desktop knows). */
  cannotTell?: boolean;
  /** Event number at which the call was last seen in the agent's list of live calls. */
  listedAt?: number;
}

export interface ViewState {
  /** Counts inputs; a call-state answer is trusted for "back on the line" only if asked after the outcome. */
  seq: number;
  call?: CallState;
  /** Party count the embedding desktop declared. */
  declaredParties?: number;
  session?: SessionState;
  /** Event number at which the current outcome arrived. */
  outcomeAt?: number;
  /** The caller is back with the agent after the session. */
  callerBack: boolean;
  retry: 'idle' | 'starting';
  retryRefusal?: string;
}

export interface StartedView {
  sessionId: string;
  interactionId: string;
  progress: Array<{ field: CardFieldId; label: string; state: FieldProgress['state']; attempts: number }>;
}

export interface PolledView {
  sessionId: string;
  status: string;
  running: boolean;
  details?: string;
  transactionId?: string;
  brand?: string;
  last4?: string;
}

/** Pushes the console may receive: today's, and the ones a newer server sends (tolerated, never required). */
export type LoosePush = AgentPush | { type: string; sessionId?: string; stage?: string; [key: string]: unknown };

export type ViewInput =
  | { type: 'call.selected'; interactionId: string; declaredParties?: number }
  /** The server's answer about the call; `askedAt` is `state.seq` when the request was sent. */
  | { type: 'call.state'; interactionId: string; askedAt: number; connected?: boolean; callerConnected?: boolean; parties?: number; caller?: string }
  /** The agent's list of live calls (sandbox: complete; AWS: empty, which tells nothing). */
  | { type: 'calls.listed'; askedAt: number; interactionIds: string[] }
  | { type: 'session.started'; view: StartedView; formId: string; fields: Record<string, string> }
  | { type: 'session.polled'; view: PolledView }
  | { type: 'push'; message: LoosePush }
  | { type: 'cancel.requested' }
  | { type: 'cancel.refused'; reason: string }
  | { type: 'retry.requested' }
  | { type: 'retry.refused'; reason: string }
  | { type: 'reenter.requested'; field: CardFieldId }
  | { type: 'reenter.refused'; reason: string }
  | { type: 'session.closed' };

export const initialView = (): ViewState => ({ seq: 0, callerBack: false, retry: 'idle' });

const FIELD_ORDER: CardFieldId[] = ['pan', 'exp', 'cvv'];
/** How servers before the `unknown` outcome worded a request that was sent but got no reply. */
export const UNKNOWN_DECLINE = /no reply from the validation service|payment status unknown|outcome unknown/i;
const UNKNOWN_DETAILS = 'payment status unknown: check with the gateway before taking another payment';

const STAGE_TEXT: Record<string, string> = {
  requested: 'Request received…',
  started: 'Secure session opened…',
  separating: 'Moving the caller to the secure IVR…',
  'agent-separated': 'You are off the line; the caller is in the secure IVR.',
  'recording-paused': 'Call recording paused.',
  capturing: 'Caller is keying card details.',
  'card-captured': 'Card details captured; validating…',
  'capture-declined': 'Card entry did not succeed.',
  'recording-resumed': 'Call recording resumed.',
  validating: 'Validating the card…',
  ended: 'Secure session ended.',
};

/** Push types and stages by which a newer server says the caller is back with the agent. */
const BACK_TYPES = new Set(['caller.returned', 'caller.back', 'agent.reconnected', 'call.reconnected']);
const BACK_STAGES = new Set(['agent-reconnected', 'caller-returned', 'reconnected', 'rebridged']);

function outcomeStatus(status: unknown, details: string): OutcomeStatus {
  if (status === 'accepted' || status === 'declined' || status === 'aborted' || status === 'unknown') {
    // Older servers report "no reply" as declined; the card may have been charged all the same.
    if (status === 'declined' && UNKNOWN_DECLINE.test(details)) return 'unknown';
    return status;
  }
  return 'aborted';
}

function withSession(state: ViewState, sessionId: string | undefined, change: (s: SessionState) => Partial<SessionState>): ViewState {
  const s = state.session;
  if (!s || (sessionId !== undefined && s.sessionId !== sessionId)) return state;
  return { ...state, session: { ...s, ...change(s) } };
}

function setField(s: SessionState, field: string, change: (p: FieldProgress) => FieldProgress): FieldProgress[] {
  return s.progress.map((p) => (p.field === field ? change(p) : p));
}

/** Fields after `field` are asked again in order: back to waiting, digits forgotten. */
function resetAfter(progress: FieldProgress[], field: string): FieldProgress[] {
  const at = FIELD_ORDER.indexOf(field as CardFieldId);
  return progress.map((p) => {
    if (FIELD_ORDER.indexOf(p.field) <= at) return p;
    const { digitsEntered: _d, reason: _r, ...rest } = p;
    return { ...rest, state: 'waiting' };
  });
}

function finish(state: ViewState, o: Omit<Outcome, 'cancelled'>): ViewState {
  const s = state.session;
  if (!s || s.phase === 'finished') return state;
  const cancelled = o.error === 'AgentCancelled' || (s.phase === 'cancelling' && o.status === 'aborted');
  const hungUp = o.error === 'CallerHungUp' || state.call?.hungUp === true;
  const outcome: Outcome = {
    ...o,
    status: outcomeStatus(o.status, o.details),
    cancelled,
    ...(o.last4 ? {} : s.last4 ? { last4: s.last4, brand: s.brand } : {}),
  };
  return {
    ...state,
    session: { ...s, phase: 'finished', outcome, reenterAsked: [], note: undefined },
    outcomeAt: state.seq,
    callerBack: false,
    call: state.call && hungUp ? { ...state.call, hungUp: true } : state.call,
  };
}

function onPush(state: ViewState, m: LoosePush): ViewState {
  const s = state.session;
  if (m.type === 'caller.hung-up' && s && m.sessionId === s.sessionId) {
    const call = state.call ? { ...state.call, hungUp: true, connected: false } : state.call;
    return { ...state, call, session: { ...s, stage: 'hung-up' } };
  }
  if (BACK_TYPES.has(m.type) || (m.type === 'session.stage' && BACK_STAGES.has(String(m.stage)))) {
    if (!s || m.sessionId === undefined || m.sessionId === s.sessionId) return { ...state, callerBack: s?.phase === 'finished' ? true : state.callerBack };
    return state;
  }
  if (!s || m.sessionId !== s.sessionId) return state;
  const p = m as AgentPush;
  switch (p.type) {
    case 'session.stage':
      return withSession(state, p.sessionId, () => ({ stage: p.stage }));
    case 'field.progress':
      return withSession(state, p.sessionId, (cur) => {
        let progress = setField(cur, p.field, (f) => {
          const next: FieldProgress = { ...f, state: p.state };
          if (p.attempt !== undefined) next.attempts = p.attempt;
          if (p.digitsEntered !== undefined) next.digitsEntered = p.digitsEntered;
          else if (p.state === 'prompted' || p.state === 'restarted') delete next.digitsEntered;
          if (p.reason !== undefined) next.reason = p.reason;
          else if (p.state !== 'invalid') delete next.reason;
          return next;
        });
        if (p.state === 'restarted' || p.state === 'prompted') progress = resetAfter(progress, p.field);
        const reenterAsked = p.state === 'restarted' ? cur.reenterAsked.filter((f) => f !== p.field) : cur.reenterAsked;
        return { progress, reenterAsked, stage: cur.stage === 'requested' || cur.stage === undefined ? 'capturing' : cur.stage };
      });
    case 'card.captured':
      return withSession(state, p.sessionId, () => ({ brand: p.brand, last4: p.last4 }));
    case 'session.outcome':
      return finish(state, {
        status: p.status as OutcomeStatus,
        details: p.details,
        ...(p.transactionId ? { transactionId: p.transactionId } : {}),
        ...(p.error ? { error: p.error } : {}),
        ...(p.last4 ? { last4: p.last4, brand: p.brand } : {}),
      });
    default:
      return state;
  }
}

/** Folds one input into the state. */
export function reduce(prev: ViewState, input: ViewInput): ViewState {
  const state: ViewState = { ...prev, seq: prev.seq + 1 };
  switch (input.type) {
    case 'call.selected': {
      const same = state.call?.interactionId === input.interactionId;
      return {
        ...state,
        call: same && state.call ? state.call : { interactionId: input.interactionId, ended: false, hungUp: false },
        declaredParties: input.declaredParties ?? (same ? state.declaredParties : undefined),
      };
    }
    case 'call.state': {
      const call = state.call;
      if (!call || call.interactionId !== input.interactionId) return state;
      const next: CallState = {
        ...call,
        ...(input.connected !== undefined ? { connected: input.connected } : {}),
        ...(input.parties !== undefined ? { parties: input.parties } : {}),
        ...(input.caller !== undefined ? { caller: input.caller } : {}),
        cannotTell: input.connected === undefined,
      };
      // The server says the caller has left the call: it has ended, whatever the agent's side shows.
      if (input.callerConnected === false) {
        next.ended = true;
        next.connected = false;
      }
      // A "connected" asked for after the outcome means the caller is back; an older answer does not.
      const back = input.connected === true && state.session?.phase === 'finished' && state.outcomeAt !== undefined && input.askedAt >= state.outcomeAt;
      return { ...state, call: next, callerBack: state.callerBack || back };
    }
    case 'calls.listed': {
      const call = state.call;
      if (!call) return state;
      if (input.interactionIds.includes(call.interactionId)) return { ...state, call: { ...call, listedAt: input.askedAt } };
      // Only a call that was listed and later is not counts as ended: an empty list (AWS) tells nothing.
      if (call.listedAt !== undefined && input.askedAt > call.listedAt) return { ...state, call: { ...call, ended: true, connected: false } };
      return state;
    }
    case 'session.started': {
      const previous = state.session?.outcome;
      const v = input.view;
      const session: SessionState = {
        sessionId: v.sessionId,
        interactionId: v.interactionId,
        formId: input.formId,
        fields: input.fields,
        phase: 'running',
        stage: 'requested',
        progress: v.progress.map((p) => ({ field: p.field, label: p.label, state: p.state, attempts: p.attempts })),
        reenterAsked: [],
        ...(previous ? { previous } : {}),
      };
      return { ...state, session, outcomeAt: undefined, callerBack: false, retry: 'idle', retryRefusal: undefined };
    }
    case 'session.polled': {
      const v = input.view;
      if (!state.session || state.session.sessionId !== v.sessionId) return state;
      if (v.running)
        return withSession(state, v.sessionId, (s) =>
          v.status === 'capturing' || v.status === 'validating' ? { stage: s.stage === 'requested' || s.stage === undefined ? v.status : s.stage } : {},
        );
      return finish(state, {
        status: v.status as OutcomeStatus,
        details: v.details ?? '',
        ...(v.transactionId ? { transactionId: v.transactionId } : {}),
        ...(v.last4 ? { last4: v.last4, brand: v.brand } : {}),
      });
    }
    case 'push':
      return onPush(state, input.message);
    case 'cancel.requested':
      return withSession(state, undefined, (s) => (s.phase === 'running' ? { phase: 'cancelling', note: undefined } : {}));
    case 'cancel.refused':
      return withSession(state, undefined, (s) => (s.phase === 'cancelling' ? { phase: 'running', note: input.reason } : {}));
    case 'retry.requested':
      return { ...state, retry: 'starting', retryRefusal: undefined };
    case 'retry.refused':
      return { ...state, retry: 'idle', retryRefusal: input.reason };
    case 'reenter.requested':
      return withSession(state, undefined, (s) => ({
        reenterAsked: s.reenterAsked.includes(input.field) ? s.reenterAsked : [...s.reenterAsked, input.field],
        note: undefined,
      }));
    case 'reenter.refused':
      return withSession(state, undefined, () => ({ note: input.reason }));
    case 'session.closed':
      return { ...state, session: undefined, outcomeAt: undefined, retry: 'idle', retryRefusal: undefined };
  }
}

// ------------------------------------------------------------------ what the screen shows

export interface ProgressRow {
  field: CardFieldId;
  label: string;
  stateText: string;
  stateClass: string;
  masked: string;
  /** The re-enter button's visible text and accessible name (which starts with the visible text). */
  reenter?: { text: string; name: string };
}

export interface OutcomeView {
  title: string;
  tone: 'ok' | 'bad' | 'unknown' | 'neutral';
  /** Label/value lines: card, amount, details, reference. */
  lines: Array<{ label: string; value: string }>;
}

export interface Screen {
  /** One line about the call under its heading. */
  summary: string;
  /** A secure session runs (or its caller is not back yet): transfer and conference stay disabled. */
  busy: boolean;
  step: 'waiting' | 'outcome' | undefined;
  stage: string;
  progress: ProgressRow[];
  cancel: { text: string; disabled: boolean };
  outcome?: OutcomeView;
  /** While a retry runs, the outcome it follows. */
  previous?: OutcomeView;
  /** What the caller is doing after the outcome ("returning the caller…", "back with you", "hung up"). */
  callerLine: string;
  retry: { shown: boolean; enabled: boolean; text: string; note: string };
  /** The Cancel (dismiss) button beside Retry. */
  dismissShown: boolean;
}

/** The amount the form carries, with its currency, e.g. "14.55 USD"; undefined when the form has none. */
export function amountOf(fields: Record<string, string>): string | undefined {
  const pick = (ids: string[]): string | undefined => ids.map((id) => fields[id]?.trim()).find((v) => v !== undefined && v !== '');
  const amount = pick(AMOUNT_FIELD_IDS);
  if (!amount) return undefined;
  const currency = pick(CURRENCY_FIELD_IDS)?.toUpperCase();
  return currency ? `${amount} ${currency}` : amount;
}

export function outcomeView(o: Outcome, fields: Record<string, string>): OutcomeView {
  const amount = amountOf(fields);
  const lines: OutcomeView['lines'] = [];
  if (o.last4) lines.push({ label: 'Card', value: `${brandName(o.brand)} •••• ${o.last4}` });
  if (amount) {
    const charged = o.status === 'accepted' ? `${amount} charged` : o.status === 'unknown' ? `${amount}: may have been charged` : `${amount}: not charged`;
    lines.push({ label: 'Amount', value: charged });
  }
  let title: string;
  let tone: OutcomeView['tone'];
  let details = o.details;
  if (o.status === 'accepted') {
    title = 'Operation successful — card validated';
    tone = 'ok';
  } else if (o.status === 'declined') {
    title = 'Declined';
    tone = 'bad';
  } else if (o.status === 'unknown') {
    title = 'Payment status unknown';
    tone = 'unknown';
    details = UNKNOWN_DETAILS;
  } else if (o.cancelled) {
    title = 'Cancelled — no payment was taken';
    tone = 'neutral';
    details = 'You cancelled the secure session.';
  } else {
    title = 'Stopped — no payment was taken';
    tone = 'neutral';
  }
  if (details) lines.push({ label: 'Details', value: details });
  if (o.transactionId) lines.push({ label: 'Reference', value: o.transactionId });
  return { title, tone, lines };
}

function summaryLine(state: ViewState): string {
  const call = state.call;
  if (!call) return '';
  const s = state.session?.interactionId === call.interactionId ? state.session : undefined;
  const parties = call.parties ?? state.declaredParties;
  const partyText = parties !== undefined ? ` · ${parties} ${parties === 1 ? 'party' : 'parties'}${parties > 2 ? ' (conference)' : ''}` : '';
  const who = call.caller ? `Caller ${call.caller}` : 'This call';
  if (call.hungUp) return `${who} · the caller hung up · call ended`;
  if (call.ended) return `${who} · call ended`;
  // While the caller is in the secure IVR or on the way back, the party count says nothing useful.
  if (s && s.phase !== 'finished') return `${who} · ${s.phase === 'cancelling' ? 'cancelling: returning the caller to you…' : 'caller in the secure IVR'}`;
  if (s?.phase === 'finished' && !state.callerBack && !call.cannotTell) return `${who} · returning the caller to you…`;
  const line = call.connected === true || state.callerBack ? 'connected to you' : call.connected === false ? 'not connected' : 'status from your desktop';
  return `${who} · ${line}${partyText}`;
}

function progressRows(s: SessionState): ProgressRow[] {
  const capturing = s.phase === 'running' && (s.stage === 'capturing' || s.progress.some((p) => p.state !== 'waiting'));
  return s.progress.map((p) => {
    const asked = s.reenterAsked.includes(p.field);
    const askedEarlier = s.reenterAsked.some((f) => FIELD_ORDER.indexOf(f) < FIELD_ORDER.indexOf(p.field));
    let stateText = progressText(p);
    let stateClass = `state-${p.state}`;
    let masked = maskedValue(p, s.last4) + (p.field === 'pan' && p.state === 'captured' && s.brand ? ` (${brandName(s.brand)})` : '');
    if (asked) {
      stateText = 'Re-entry asked: the caller keys it again after the current entry';
      stateClass = 'state-restarted';
    } else if (askedEarlier) {
      stateText = 'To be asked again';
      stateClass = 'state-waiting';
      masked = '';
    } else if (p.state === 'waiting' && p.attempts > 0) stateText = 'To be asked again';
    const row: ProgressRow = { field: p.field, label: p.label, stateText, stateClass, masked };
    if (capturing && p.state !== 'waiting' && !asked && !askedEarlier && s.phase === 'running') {
      row.reenter = { text: 'Ask to re-enter', name: `Ask to re-enter the ${p.label.toLowerCase()}` };
    }
    return row;
  });
}

/** What the console shows for this state. */
export function screen(state: ViewState): Screen {
  const s = state.session;
  const call = state.call;
  const hungUp = call?.hungUp === true || call?.ended === true || s?.outcome?.error === 'CallerHungUp';
  const base: Screen = {
    summary: summaryLine(state),
    busy: false,
    step: undefined,
    stage: '',
    progress: [],
    cancel: { text: 'Cancel secure input', disabled: true },
    callerLine: '',
    retry: { shown: false, enabled: false, text: 'Retry', note: '' },
    dismissShown: false,
  };
  if (!s) return base;
  if (s.phase !== 'finished') {
    const cancelling = s.phase === 'cancelling';
    const stage = s.stage === 'hung-up' ? 'The caller hung up.' : (STAGE_TEXT[s.stage ?? ''] ?? '');
    return {
      ...base,
      busy: true,
      step: 'waiting',
      stage: cancelling ? 'Cancelling… returning the caller to you once their current entry ends.' : (s.note ?? stage),
      progress: progressRows(s),
      cancel: {
        text: cancelling ? 'Returning the caller…' : 'Cancel secure input',
        disabled: cancelling || s.stage === 'validating' || s.stage === 'card-captured',
      },
      ...(s.previous ? { previous: outcomeView(s.previous, s.fields) } : {}),
    };
  }
  const o = s.outcome as Outcome;
  const back = state.callerBack && !hungUp;
  // Where the server cannot tell (and sends no push saying so), the agent's desktop shows the caller.
  const mayRetry = back || (call?.cannotTell === true && !hungUp);
  const callerLine = hungUp
    ? 'The caller hung up; the call has ended.'
    : back
      ? 'The caller is back with you.'
      : call?.cannotTell
        ? 'The caller is being returned to you; your desktop shows when they are back.'
        : 'Returning the caller to you…';
  let note = '';
  let enabled = false;
  const retryable = o.status === 'declined' || o.status === 'aborted' || o.status === 'unknown';
  if (o.status === 'unknown') note = 'Retry is not offered: check with the gateway whether the card was charged before taking another payment.';
  else if (hungUp) note = 'The caller hung up, so there is nothing to retry on this call.';
  else if (state.retry === 'starting') note = 'Starting the retry…';
  else if (!mayRetry) note = 'Retry becomes available once the caller is back with you.';
  else if (!back) {
    note = 'Retry once your desktop shows the caller back with you.';
    enabled = true;
  } else enabled = true;
  if (state.retryRefusal && state.retry === 'idle') note = state.retryRefusal;
  const starting = state.retry === 'starting';
  return {
    ...base,
    // Transfer and conference wait until the caller is back (or gone).
    busy: !back && !hungUp,
    step: 'outcome',
    outcome: outcomeView(o, s.fields),
    ...(s.previous ? { previous: outcomeView(s.previous, s.fields) } : {}),
    callerLine,
    retry: {
      shown: retryable && !hungUp,
      enabled: enabled && retryable && o.status !== 'unknown' && !starting,
      text: starting ? 'Starting retry…' : 'Retry',
      note,
    },
    dismissShown: o.status !== 'accepted',
  };
}
