/**
 * The agent console: sign in, pick a call, Secure Input → choose a form (only those assigned) → fill
 * the fields (checked here with the server's own rules, and again by the server) → Send to IVR →
 * live masked progress → outcome → Close, Retry or Cancel. Transfer and conference are disabled while
 * a session runs.
 *
 * This module wires the parts together: ./console-sign-in.ts (sign-in panel), ./embedding.ts (the
 * desktop host's postMessage channel), ./form-dialog.ts (choosing and filling the form), ./session-view.ts (the pure view model: call state and session
 * events in, what the screen shows out) and ./session-render.ts (writes that screen into the page). It
 * owns the network calls and timers, and turns each answer and push into a view-model input.
 */
import type { FormView, InteractionHistory, SessionView } from '../../lambdas/agent-api/agent-service';
import type { InteractionInfo } from '../../lambdas/agent-api/interactions';
import { AgentApi, ApiRefusal } from './api';
import { startSignIn, TOKEN_KEY, type SignInPanel } from './console-sign-in';
import { $ } from './dom';
import { parseOrigins, startEmbedding } from './embedding';
import { startFormDialog } from './form-dialog';
import { brandName } from './masking';
import { startCallerKeyingWarning } from './caller-keying';
import { renderSession } from './session-render';
import { initialView, reduce, screen, UNKNOWN_DECLINE, type CardFieldId, type LoosePush, type ViewInput, type ViewState } from './session-view';

interface Me {
  userId: string;
  name: string;
  workgroups: string[];
  rights: string[];
  canInitiate: boolean;
  canSupervise: boolean;
}

const api = new AgentApi();
let me: Me | undefined;
let view: ViewState = initialView();
let disconnect: (() => void) | undefined;
let sessionTimer: number | undefined;
let callTimer: number | undefined;
let listTimer: number | undefined;
let panel: SignInPanel | undefined;

const keyingWarning = startCallerKeyingWarning($('caller-keying'), window);

const embedding = startEmbedding(window, document, {
  setToken: (token) => void useToken(token),
  selectInteraction: (interactionId, parties) => void selectInteraction(interactionId, parties),
});

// ------------------------------------------------------------------ the view model loop

function dispatch(input: ViewInput): void {
  const before = view;
  view = reduce(view, input);
  const s = view.session;
  const finishedNow = s?.phase === 'finished' && (before.session?.sessionId !== s.sessionId || before.session.phase !== 'finished');
  render();
  if (finishedNow && s?.outcome) {
    const o = s.outcome;
    window.clearInterval(sessionTimer);
    embedding.announce('secure-input.outcome', {
      sessionId: s.sessionId,
      status: o.status,
      details: o.cancelled ? 'cancelled by the agent' : o.details,
      ...(o.transactionId ? { transactionId: o.transactionId } : {}),
      ...(o.error ? { error: o.error } : {}),
    });
    void loadHistory();
  }
}

function render(): void {
  const shown = screen(view);
  const stepChanged = renderSession(shown, { onReenter: (field) => void reenter(field) });
  renderControls(shown.busy);
  if (stepChanged && shown.step) {
    const target = shown.step === 'waiting' ? $('cancel-session') : $('close-session');
    // At once, not on a timer: a late focus would pull the caret away from whatever the agent is typing in.
    target.focus();
  }
  // After an outcome, ask the server about the call until the caller is back (or gone).
  const waitingForCaller =
    shown.step === 'outcome' && !view.callerBack && view.call?.hungUp !== true && view.call?.ended !== true && view.call?.cannotTell !== true;
  if (waitingForCaller && callTimer === undefined) callTimer = window.setInterval(() => void loadHistory(), 1000);
  if (!waitingForCaller && callTimer !== undefined) {
    window.clearInterval(callTimer);
    callTimer = undefined;
  }
}

function onPush(message: LoosePush): void {
  keyingWarning.onPush(message, view.call?.interactionId);
  dispatch({ type: 'push', message });
  const s = view.session;
  if (!s || message.sessionId !== s.sessionId) return;
  if (message.type === 'field.progress') {
    const m = message as Extract<LoosePush, { type: 'field.progress' }>;
    embedding.announce('secure-input.progress', {
      sessionId: s.sessionId,
      field: m.field,
      state: m.state,
      ...(m.digitsEntered !== undefined ? { digitsEntered: m.digitsEntered } : {}),
    });
  }
  if (message.type === 'card.captured') {
    const m = message as Extract<LoosePush, { type: 'card.captured' }>;
    embedding.announce('secure-input.card-captured', { sessionId: s.sessionId, brand: m.brand, last4: m.last4 });
  }
}

// ------------------------------------------------------------------ sign-in

function signedOut(reason: string): void {
  api.setToken(undefined);
  disconnect?.();
  disconnect = undefined;
  window.clearInterval(listTimer);
  window.clearInterval(sessionTimer);
  me = undefined;
  keyingWarning.clear();
  panel?.showSignedOut(reason);
}

api.onUnauthorized = () => {
  if (me) signedOut('You were signed out: your sign-in has expired or the service was restarted. Sign in again to continue.');
};

async function useToken(token: string): Promise<void> {
  api.setToken(token);
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    me = await api.request<Me>('GET', '/api/me');
  } catch (err) {
    api.setToken(undefined);
    sessionStorage.removeItem(TOKEN_KEY);
    panel?.showError(err instanceof ApiRefusal && err.status !== 401 ? err.refusal.reason : 'Your sign-in is no longer valid; sign in again.');
    return;
  }
  $('who').textContent = `Signed in as ${me.name} · ${me.workgroups.join(', ') || 'no workgroup'}`;
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  panel?.showError('');
  // Focus lands on the first thing to read, not on <body>.
  $('calls-title').focus();
  disconnect?.();
  disconnect = api.connect(onPush, (up) => {
    document.body.dataset.push = up ? 'connected' : 'disconnected';
  });
  embedding.announce('secure-input.ready', { userId: me.userId });
  await refreshInteractions();
  window.clearInterval(listTimer);
  listTimer = window.setInterval(() => void refreshInteractions(), 3000);
}

$('sign-out').addEventListener('click', () => {
  api.setToken(undefined);
  disconnect?.();
  panel?.signOut();
});

// ------------------------------------------------------------------ calls

let interactions: InteractionInfo[] = [];

async function refreshInteractions(): Promise<void> {
  const askedAt = view.seq;
  try {
    interactions = (await api.request<{ interactions: InteractionInfo[] }>('GET', '/api/interactions')).interactions;
  } catch {
    return;
  }
  const selected = view.call?.interactionId;
  const running = view.session && view.session.phase !== 'finished' ? view.session.interactionId : undefined;
  // Rows are kept and only their text changes: no flicker, no re-announcement, no button swapped under a click.
  const list = $('interactions');
  const existing = new Map([...list.querySelectorAll<HTMLButtonElement>('button.call')].map((b) => [b.dataset.interaction ?? '', b]));
  const rows = interactions.map((i) => {
    let b = existing.get(i.interactionId);
    if (!b) {
      b = document.createElement('button');
      b.type = 'button';
      b.className = 'call';
      b.dataset.interaction = i.interactionId;
      b.addEventListener('click', () => void selectInteraction(i.interactionId));
    }
    b.setAttribute('aria-current', String(i.interactionId === selected));
    const state = running === i.interactionId ? 'in secure IVR' : i.connected ? 'connected' : 'not connected';
    const text = `Caller ${i.caller ?? ''} · ${state} · ${i.parties ?? '?'} ${i.parties === 1 ? 'party' : 'parties'}`;
    if (b.textContent !== text) b.textContent = text;
    return b;
  });
  const same = rows.length === list.children.length && rows.every((b, k) => list.children[k]?.firstElementChild === b);
  if (!same) {
    list.replaceChildren(
      ...rows.map((b) => {
        const li = b.parentElement?.tagName === 'LI' ? b.parentElement : document.createElement('li');
        li.append(b);
        return li;
      }),
    );
  }
  $('no-calls').hidden = interactions.length > 0;
  const current = interactions.find((i) => i.interactionId === selected);
  if (current)
    dispatch({
      type: 'call.state',
      interactionId: current.interactionId,
      askedAt,
      ...(current.connected !== undefined ? { connected: current.connected } : {}),
      ...(current.callerConnected !== undefined ? { callerConnected: current.callerConnected } : {}),
      ...(current.parties !== undefined ? { parties: current.parties } : {}),
      ...(current.caller ? { caller: current.caller } : {}),
    });
  dispatch({ type: 'calls.listed', askedAt, interactionIds: interactions.map((i) => i.interactionId) });
}

$('refresh-calls').addEventListener('click', () => void refreshInteractions());

async function selectInteraction(interactionId: string, parties?: number): Promise<void> {
  $('interaction').hidden = false;
  $('call-error').textContent = '';
  if (view.call?.interactionId !== interactionId) keyingWarning.clear();
  dispatch({ type: 'call.selected', interactionId, ...(parties !== undefined ? { declaredParties: parties } : {}) });
  const known = interactions.find((i) => i.interactionId === interactionId);
  if (known)
    dispatch({
      type: 'call.state',
      interactionId,
      askedAt: view.seq,
      ...(known.connected !== undefined ? { connected: known.connected } : {}),
      ...(known.parties !== undefined ? { parties: known.parties } : {}),
      ...(known.caller ? { caller: known.caller } : {}),
    });
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.call')) b.setAttribute('aria-current', String(b.dataset.interaction === interactionId));
  await loadHistory();
}

/** A past session's result as the console names it (an older server's "no reply" decline is unknown). */
function historyStatus(s: SessionView): string {
  if (s.running) return 'running';
  return s.status === 'declined' && UNKNOWN_DECLINE.test(s.details ?? '') ? 'unknown' : s.status;
}

function historyLine(s: SessionView): string {
  const words: Record<string, string> = { aborted: 'not completed', unknown: 'status unknown' };
  const status = historyStatus(s);
  const parts = [new Date(s.createdAt).toLocaleTimeString(), s.formId, words[status] ?? status];
  if (s.last4) parts.push(`${brandName(s.brand)} •••• ${s.last4}`);
  if (s.details) parts.push(s.details);
  if (s.transactionId) parts.push(`ref ${s.transactionId}`);
  return parts.join(' · ');
}

async function loadHistory(): Promise<void> {
  const id = view.call?.interactionId;
  if (!id) return;
  const askedAt = view.seq;
  try {
    const h = await api.request<InteractionHistory>('GET', `/api/interactions/${encodeURIComponent(id)}`);
    if (view.call?.interactionId !== id) return;
    dispatch({
      type: 'call.state',
      interactionId: id,
      askedAt,
      ...(h.connected !== undefined ? { connected: h.connected } : {}),
      ...(h.parties !== undefined ? { parties: h.parties } : {}),
    });
    const count = (status: string): number => h.sessions.filter((s) => historyStatus(s) === status).length;
    const counts = [
      `${count('accepted')} accepted`,
      `${count('declined')} declined`,
      ...(count('unknown') ? [`${count('unknown')} unknown`] : []),
      `${count('aborted')} cancelled or stopped`,
      ...(count('running') ? [`${count('running')} running`] : []),
    ];
    $('history-summary').textContent = `Used ${h.secureInputUses} time${h.secureInputUses === 1 ? '' : 's'}: ${counts.join(', ')}.`;
    $('history').replaceChildren(
      ...h.sessions.map((s) => {
        const li = document.createElement('li');
        li.textContent = historyLine(s);
        return li;
      }),
    );
  } catch (err) {
    // While the agent's own session is being opened its record may not exist yet, and the server then
    // refuses the history as if the call were someone else's: keep what is shown until the next answer.
    if (err instanceof ApiRefusal && err.refusal.error === 'not-your-interaction' && view.session?.interactionId === id) return;
    $('history-summary').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'History unavailable';
  }
}

/** Transfer and conference are not offered while a secure session runs (the Secure Input button neither). */
let lastControls = '';
function renderControls(busy: boolean): void {
  const secure = $<HTMLButtonElement>('secure-input');
  const sessionOpen = view.session !== undefined;
  secure.disabled = busy || sessionOpen || !me?.canInitiate || view.call?.hungUp === true || view.call?.ended === true;
  secure.title = !me?.canInitiate ? 'You do not hold the Initiate Secure Input right' : busy ? 'A secure session is running' : '';
  for (const id of ['transfer', 'conference', 'unconference']) {
    const b = $<HTMLButtonElement>(id);
    b.disabled = busy;
    b.setAttribute('aria-disabled', String(busy));
  }
  const parties = view.call?.parties ?? view.declaredParties;
  $('unconference').hidden = !(parties !== undefined && parties > 2);
  const running = view.session !== undefined && view.session.phase !== 'finished';
  $('controls-note').textContent = busy
    ? running
      ? 'Transfer and conference are unavailable while secure input runs.'
      : 'Transfer and conference are unavailable until the caller is back with you.'
    : !me?.canInitiate
      ? 'You may not start secure input (Initiate Secure Input right missing).'
      : '';
  const key = String(busy);
  if (key !== lastControls) {
    lastControls = key;
    embedding.announce('secure-input.controls', { transferEnabled: !busy, conferenceEnabled: !busy });
  }
}

$('transfer').addEventListener('click', () => {
  $('controls-note').textContent = 'Transfer is handled by your telephony desktop (not simulated in the sandbox).';
});

async function changeParties(method: 'POST' | 'DELETE'): Promise<void> {
  const id = view.call?.interactionId;
  if (!id) return;
  try {
    const { parties } = await api.request<{ parties: number }>(method, `/sandbox/calls/${encodeURIComponent(id)}/parties`);
    $('controls-note').textContent = parties > 2 ? `Conference: ${parties} parties on the call.` : `${parties} parties on the call.`;
  } catch (err) {
    $('call-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Conference is not available here';
  }
  await refreshInteractions();
}
$('conference').addEventListener('click', () => void changeParties('POST'));
$('unconference').addEventListener('click', () => void changeParties('DELETE'));

// ------------------------------------------------------------------ the Secure Input dialog

const dialog = startFormDialog({
  onSend: (formId, fields) => void start(formId, fields),
  onClose: () => $('secure-input').focus(),
});

$('secure-input').addEventListener('click', () => {
  void (async () => {
    $('call-error').textContent = '';
    try {
      dialog.open((await api.request<{ forms: FormView[] }>('GET', '/api/forms')).forms);
    } catch (err) {
      $('call-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Forms unavailable';
    }
  })();
});

// ------------------------------------------------------------------ the secure session

function watchSession(sessionId: string): void {
  window.clearInterval(sessionTimer);
  let rounds = 0;
  // Pushes drive the screen; this poll only catches an outcome whose push was lost.
  sessionTimer = window.setInterval(() => {
    rounds += 1;
    if (view.session?.sessionId !== sessionId || view.session.phase === 'finished' || rounds > 600) return window.clearInterval(sessionTimer);
    void api
      .request<SessionView>('GET', `/api/sessions/${encodeURIComponent(sessionId)}`)
      .then((v) =>
        dispatch({
          type: 'session.polled',
          view: {
            sessionId: v.sessionId,
            status: v.status,
            running: v.running,
            ...(v.details !== undefined ? { details: v.details } : {}),
            ...(v.transactionId ? { transactionId: v.transactionId } : {}),
            ...(v.last4 ? { last4: v.last4, brand: v.brand } : {}),
          },
        }),
      )
      .catch(() => undefined);
  }, 2000);
}

function started(v: SessionView, formId: string, fields: Record<string, string>, retryOf?: string): void {
  // A server that answers a retry before the new session has its progress gets the form's fields as waiting.
  const progress = Array.isArray(v.progress)
    ? v.progress
    : (view.session?.progress ?? []).map((p) => ({ field: p.field, label: p.label, state: 'waiting' as const, attempts: 0 }));
  dispatch({
    type: 'session.started',
    view: { sessionId: v.sessionId, interactionId: v.interactionId ?? view.call?.interactionId ?? '', progress },
    formId,
    fields,
  });
  embedding.announce('secure-input.started', { sessionId: v.sessionId, interactionId: v.interactionId, formId, ...(retryOf ? { retryOf } : {}) });
  watchSession(v.sessionId);
  void loadHistory();
}

async function start(formId: string, fields: Record<string, string>): Promise<void> {
  const interactionId = view.call?.interactionId;
  if (!interactionId) return;
  const send = $<HTMLButtonElement>('send');
  send.disabled = true;
  try {
    const v = await api.request<SessionView>('POST', '/api/sessions', {
      interactionId,
      formId,
      fields,
      ...(view.declaredParties ? { parties: view.declaredParties } : {}),
    });
    started(v, formId, fields);
  } catch (err) {
    const refusal = err instanceof ApiRefusal ? err.refusal : { error: 'error', reason: 'The request failed; try again', problems: [] };
    embedding.announce('secure-input.refused', { interactionId, code: refusal.error, reason: refusal.reason });
    dialog.showProblems(refusal.reason, refusal.problems);
  } finally {
    send.disabled = false;
  }
}

async function retry(): Promise<void> {
  const s = view.session;
  if (s?.phase !== 'finished' || view.retry === 'starting') return;
  dispatch({ type: 'retry.requested' });
  try {
    const v = await api.request<SessionView>('POST', `/api/sessions/${encodeURIComponent(s.sessionId)}/retry`, {});
    started(v, s.formId, s.fields, s.sessionId);
  } catch (err) {
    const refusal = err instanceof ApiRefusal ? err.refusal : { error: 'error', reason: 'The retry could not start; try again', problems: [] };
    embedding.announce('secure-input.refused', { interactionId: s.interactionId, code: refusal.error, reason: refusal.reason });
    dispatch({ type: 'retry.refused', reason: refusal.reason });
  }
}

async function reenter(field: CardFieldId): Promise<void> {
  const s = view.session;
  if (!s) return;
  dispatch({ type: 'reenter.requested', field });
  try {
    await api.request('POST', `/api/sessions/${encodeURIComponent(s.sessionId)}/reenter`, { field });
  } catch (err) {
    dispatch({ type: 'reenter.refused', reason: err instanceof ApiRefusal ? err.refusal.reason : 'Could not ask for re-entry' });
  }
}

$('cancel-session').addEventListener('click', () => {
  const s = view.session;
  if (s?.phase !== 'running') return;
  dispatch({ type: 'cancel.requested' });
  void api.request('POST', `/api/sessions/${encodeURIComponent(s.sessionId)}/cancel`).catch((err: unknown) => {
    dispatch({ type: 'cancel.refused', reason: err instanceof ApiRefusal ? err.refusal.reason : 'Could not cancel' });
  });
});

async function endSession(): Promise<void> {
  const s = view.session;
  if (!s) return dialog.close();
  await api.request('POST', `/api/sessions/${encodeURIComponent(s.sessionId)}/end`).catch(() => undefined);
  embedding.announce('secure-input.closed', { sessionId: s.sessionId });
  dispatch({ type: 'session.closed' });
  dialog.close();
  void loadHistory();
}

$('close-session').addEventListener('click', () => void endSession());
$('dismiss-session').addEventListener('click', () => void endSession());
$('retry-session').addEventListener('click', () => void retry());

// ------------------------------------------------------------------ start

void (async () => {
  const deployed = (await fetch('/config.json')
    .then((r) => (r.ok ? r.json() : undefined))
    .catch(() => undefined)) as { webSocketUrl?: unknown; signIn?: unknown; embeddingOrigins?: unknown } | undefined;
  embedding.allow(parseOrigins(deployed?.embeddingOrigins));
  if (typeof deployed?.webSocketUrl === 'string') api.setSocketUrl(deployed.webSocketUrl);
  panel = await startSignIn(api, deployed, embedding.embedded, (token) => void useToken(token));
  const saved = panel.initialToken();
  if (saved) await useToken(saved);
  const interaction = new URLSearchParams(window.location.search).get('interaction');
  if (interaction && me) await selectInteraction(interaction);
})();
