/**
 * The agent console: sign in, pick a call, Secure Input → choose a form (only those assigned) → fill
 * the fields (checked here with the server's own rules, and again by the server) → Send to IVR →
 * live masked progress → outcome → Close, Retry or Cancel. Transfer and conference are disabled while
 * a session runs. Embedded in a desktop as an iframe it announces its events with postMessage
 * (types in web/README.md) and accepts a token and the current call from its host. Opened directly in
 * AWS it signs the agent in through the Cognito hosted UI (authorization code + PKCE, ./sign-in.ts); the
 * sandbox keeps its local user picker.
 */
import type { AgentPush } from '../../lambdas/agent-api/push';
import type { FormView, InteractionHistory, SessionView } from '../../lambdas/agent-api/agent-service';
import type { InteractionInfo } from '../../lambdas/agent-api/interactions';
import { checkFieldValues, type FormDefinition } from '../../lambdas/shared/session/forms';
import { AgentApi, ApiRefusal } from './api';
import { brandName, maskedValue, progressText, type FieldProgress } from './masking';
import { beginSignIn, completeSignIn, logoutUrl, parseSignInConfig, readCallback, SignInConfigError, SignInError, type SignInConfig, withoutCallbackParams } from './sign-in';

interface Me {
  userId: string;
  name: string;
  workgroups: string[];
  rights: string[];
  canInitiate: boolean;
  canSupervise: boolean;
}

interface Running {
  sessionId: string;
  interactionId: string;
  formId: string;
  fields: Record<string, string>;
  status: string;
  finished: boolean;
  progress: Map<string, FieldProgress>;
  brand?: string;
  last4?: string;
  cancelling: boolean;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const api = new AgentApi();
let me: Me | undefined;
let forms: FormView[] = [];
let interactions: InteractionInfo[] = [];
let selected: string | undefined;
let declaredParties: number | undefined;
let chosenForm: FormView | undefined;
let running: Running | undefined;
let disconnect: (() => void) | undefined;
let pollTimer: number | undefined;
let listTimer: number | undefined;
/** From /config.json; the sandbox serves none, which means its local sign-in. */
let signIn: SignInConfig = { mode: 'local' };

// ------------------------------------------------------------------ embedding (postMessage)

const params = new URLSearchParams(window.location.search);
const embedded = window.parent !== window;
const parentOrigin = ((): string | undefined => {
  const explicit = params.get('parentOrigin');
  if (explicit) return explicit;
  if (!embedded || !document.referrer) return undefined;
  try {
    return new URL(document.referrer).origin;
  } catch {
    return undefined;
  }
})();

/** Tells the hosting desktop what happened; never to an unknown origin (messages name calls and outcomes). */
function announce(type: string, detail: Record<string, unknown>): void {
  if (!embedded || !parentOrigin) return;
  window.parent.postMessage({ source: 'secure-ivr-console', version: 1, type, ...detail }, parentOrigin);
}

window.addEventListener('message', (e: MessageEvent) => {
  if (!parentOrigin || e.origin !== parentOrigin || typeof e.data !== 'object' || e.data === null) return;
  const data = e.data as { type?: unknown; token?: unknown; interactionId?: unknown; parties?: unknown };
  if (data.type === 'secure-input.set-token' && typeof data.token === 'string') void useToken(data.token);
  if (data.type === 'secure-input.select-interaction' && typeof data.interactionId === 'string') {
    declaredParties = typeof data.parties === 'number' ? data.parties : undefined;
    void selectInteraction(data.interactionId);
  }
});

// ------------------------------------------------------------------ sign-in

async function loadUsers(): Promise<void> {
  const select = $<HTMLSelectElement>('username');
  try {
    const { users } = await api.request<{ users: Array<{ id: string; name: string }> }>('GET', '/auth/users');
    select.replaceChildren(...users.map((u) => new Option(`${u.name} (${u.id})`, u.id)));
  } catch {
    $('sign-in-error').textContent = 'Local sign-in is not available here; your desktop signs you in.';
  }
}

async function useToken(token: string): Promise<void> {
  api.setToken(token);
  sessionStorage.setItem('secure-ivr-token', token);
  try {
    me = await api.request<Me>('GET', '/api/me');
  } catch (err) {
    api.setToken(undefined);
    sessionStorage.removeItem('secure-ivr-token');
    $('sign-in-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Sign-in failed';
    return;
  }
  $('who').textContent = `Signed in as ${me.name} · ${me.workgroups.join(', ') || 'no workgroup'}`;
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  disconnect?.();
  disconnect = api.connect(onPush, (up) => {
    document.body.dataset.push = up ? 'connected' : 'disconnected';
  });
  announce('secure-input.ready', { userId: me.userId });
  await refreshInteractions();
  window.clearInterval(listTimer);
  listTimer = window.setInterval(() => void refreshInteractions(), 3000);
}

$('sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void (async () => {
    try {
      const { token } = await api.request<{ token: string }>('POST', '/auth/sign-in', { username: $<HTMLSelectElement>('username').value });
      await useToken(token);
    } catch (err) {
      $('sign-in-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Sign-in failed';
    }
  })();
});

$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('secure-ivr-token');
  api.setToken(undefined);
  disconnect?.();
  // Signed in through the hosted UI: end the Cognito session too, or Sign in would come straight back.
  if (signIn.mode === 'cognito' && !embedded) window.location.assign(logoutUrl(signIn));
  else window.location.reload();
});

$('hosted-sign-in-button').addEventListener('click', () => {
  if (signIn.mode !== 'cognito') return;
  const config = signIn;
  const button = $<HTMLButtonElement>('hosted-sign-in-button');
  button.disabled = true;
  $('sign-in-error').textContent = '';
  void beginSignIn(config, { storage: sessionStorage, crypto: window.crypto }, window.location.search)
    .then((url) => window.location.assign(url))
    .catch(() => {
      button.disabled = false;
      $('sign-in-error').textContent = 'Sign-in could not start in this browser (session storage or Web Crypto unavailable).';
    });
});

/** Hosted sign-in: shows the button (or, embedded, says the desktop signs in) and finishes a redirect back here. Returns the id token if one was just obtained. */
async function prepareHostedSignIn(config: Extract<SignInConfig, { mode: 'cognito' }>): Promise<string | undefined> {
  $('sign-in-form').hidden = true;
  $('hosted-sign-in').hidden = embedded;
  if (embedded) $('sign-in-error').textContent = 'Your desktop signs you in.';
  const callback = readCallback(window.location.search);
  if (!callback) return undefined;
  // The code is single-use, but it should not linger in the address bar, history or a bookmark.
  history.replaceState(null, '', window.location.pathname + withoutCallbackParams(window.location.search));
  try {
    const tokens = await completeSignIn(config, callback, { storage: sessionStorage, fetch: (url, init) => fetch(url, init) });
    if (tokens.returnTo) history.replaceState(null, '', window.location.pathname + tokens.returnTo);
    return tokens.idToken;
  } catch (err) {
    $('sign-in-error').textContent = err instanceof SignInError ? err.message : 'Sign-in failed; press Sign in again.';
    return undefined;
  }
}

// ------------------------------------------------------------------ calls

async function refreshInteractions(): Promise<void> {
  try {
    interactions = (await api.request<{ interactions: InteractionInfo[] }>('GET', '/api/interactions')).interactions;
  } catch {
    return;
  }
  const list = $('interactions');
  list.replaceChildren(
    ...interactions.map((i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'call';
      b.dataset.interaction = i.interactionId;
      b.setAttribute('aria-current', String(i.interactionId === selected));
      const busy = running !== undefined && !running.finished && running.interactionId === i.interactionId;
      b.textContent = `Caller ${i.caller ?? ''} · ${busy ? 'in secure IVR' : i.connected ? 'connected' : 'not connected'} · ${i.parties ?? '?'} ${i.parties === 1 ? 'party' : 'parties'}`;
      b.addEventListener('click', () => void selectInteraction(i.interactionId));
      li.append(b);
      return li;
    }),
  );
  $('no-calls').hidden = interactions.length > 0;
  if (selected) renderSummary();
}

function currentInteraction(): InteractionInfo | undefined {
  return interactions.find((i) => i.interactionId === selected);
}

function renderSummary(): void {
  const i = currentInteraction();
  const parties = i?.parties ?? declaredParties;
  const inSecureIvr = running !== undefined && !running.finished && running.interactionId === selected;
  const line = inSecureIvr ? 'caller in the secure IVR' : i?.connected ? 'connected to you' : 'not connected';
  $('interaction-summary').textContent = i
    ? `Caller ${i.caller ?? ''} · ${line} · ${parties ?? '?'} ${parties === 1 ? 'party' : 'parties'}${parties && parties > 2 ? ' (conference)' : ''}`
    : `Interaction ${selected ?? ''}`;
  $('unconference').hidden = !(parties && parties > 2);
  renderControls();
}

async function selectInteraction(interactionId: string): Promise<void> {
  selected = interactionId;
  $('interaction').hidden = false;
  $('interaction-title').textContent = 'Call';
  $('call-error').textContent = '';
  renderSummary();
  for (const b of document.querySelectorAll<HTMLButtonElement>('button.call')) b.setAttribute('aria-current', String(b.dataset.interaction === interactionId));
  await loadHistory();
}

async function loadHistory(): Promise<void> {
  if (!selected) return;
  try {
    const h = await api.request<InteractionHistory>('GET', `/api/interactions/${encodeURIComponent(selected)}`);
    $('history-summary').textContent = `Used ${h.secureInputUses} time${h.secureInputUses === 1 ? '' : 's'}: ${h.outcomes.accepted} accepted, ${h.outcomes.declined} declined, ${h.outcomes.aborted} cancelled or stopped${h.outcomes.running ? `, ${h.outcomes.running} running` : ''}.`;
    $('history').replaceChildren(
      ...h.sessions.map((s) => {
        const li = document.createElement('li');
        li.textContent = `${new Date(s.createdAt).toLocaleTimeString()} · ${s.formId} · ${s.status}${s.last4 ? ` · ${brandName(s.brand)} •••• ${s.last4}` : ''}${s.details ? ` · ${s.details}` : ''}${s.transactionId ? ` · ref ${s.transactionId}` : ''}`;
        return li;
      }),
    );
  } catch (err) {
    $('history-summary').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'History unavailable';
  }
}

/** Transfer and conference are not offered while a secure session runs (the Secure Input button neither). */
function renderControls(): void {
  const busy = running !== undefined && !running.finished;
  const secure = $<HTMLButtonElement>('secure-input');
  secure.disabled = busy || !me?.canInitiate;
  secure.title = !me?.canInitiate ? 'You do not hold the Initiate Secure Input right' : busy ? 'A secure session is running' : '';
  for (const id of ['transfer', 'conference', 'unconference']) {
    const b = $<HTMLButtonElement>(id);
    b.disabled = busy;
    b.setAttribute('aria-disabled', String(busy));
  }
  $('controls-note').textContent = busy ? 'Transfer and conference are unavailable while secure input runs.' : !me?.canInitiate ? 'You may not start secure input (Initiate Secure Input right missing).' : '';
  announce('secure-input.controls', { transferEnabled: !busy, conferenceEnabled: !busy });
}

$('transfer').addEventListener('click', () => {
  $('controls-note').textContent = 'Transfer is handled by your telephony desktop (not simulated in the sandbox).';
});

async function changeParties(method: 'POST' | 'DELETE'): Promise<void> {
  if (!selected) return;
  try {
    const { parties } = await api.request<{ parties: number }>(method, `/sandbox/calls/${encodeURIComponent(selected)}/parties`);
    $('controls-note').textContent = parties > 2 ? `Conference: ${parties} parties on the call.` : `${parties} parties on the call.`;
  } catch (err) {
    $('call-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Conference is not available here';
  }
  await refreshInteractions();
}
$('conference').addEventListener('click', () => void changeParties('POST'));
$('unconference').addEventListener('click', () => void changeParties('DELETE'));

// ------------------------------------------------------------------ the secure input dialog

type Step = 'choose-form' | 'fill-form' | 'waiting' | 'outcome';

function showStep(step: Step | undefined): void {
  $('dialog').hidden = step === undefined;
  for (const s of ['choose-form', 'fill-form', 'waiting', 'outcome'] as const) $(s).hidden = s !== step;
  const focusTarget: Record<Step, string> = { 'choose-form': 'form-choices', 'fill-form': 'fields', waiting: 'cancel-session', outcome: 'close-session' };
  if (step) {
    const container = $(focusTarget[step]);
    const target = container.matches('button') ? container : container.querySelector<HTMLElement>('input, button, select');
    window.setTimeout(() => target?.focus(), 0);
  }
}

function closeDialog(): void {
  showStep(undefined);
  $('secure-input').focus();
}

for (const b of document.querySelectorAll<HTMLButtonElement>('[data-close]')) b.addEventListener('click', closeDialog);
$('dialog').addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !$('choose-form').hidden) closeDialog();
  if (e.key === 'Escape' && !$('fill-form').hidden) closeDialog();
});

$('secure-input').addEventListener('click', () => {
  void (async () => {
    $('call-error').textContent = '';
    try {
      forms = (await api.request<{ forms: FormView[] }>('GET', '/api/forms')).forms;
    } catch (err) {
      $('call-error').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Forms unavailable';
      return;
    }
    $('dialog-title').textContent = 'Select a Secure Input form';
    $('dialog-description').textContent = forms.length === 0 ? 'No form is assigned to your workgroups.' : '';
    $('form-choices').replaceChildren(
      ...forms.map((f, i) => {
        const div = document.createElement('div');
        div.className = 'choice';
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = 'form';
        input.id = `form-${f.id}`;
        input.value = f.id;
        input.checked = i === 0;
        input.style.minWidth = 'auto';
        const label = document.createElement('label');
        label.htmlFor = input.id;
        label.textContent = f.title;
        const p = document.createElement('p');
        p.className = 'hint';
        p.textContent = f.description;
        label.append(p);
        div.append(input, label);
        return div;
      }),
    );
    showStep('choose-form');
  })();
});

$('choose-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = document.querySelector<HTMLInputElement>('input[name="form"]:checked')?.value;
  chosenForm = forms.find((f) => f.id === id);
  if (!chosenForm) return;
  renderFields(chosenForm, {});
  showStep('fill-form');
});

function renderFields(form: FormView, values: Record<string, string>): void {
  $('dialog-title').textContent = form.title;
  $('dialog-description').textContent = form.description;
  $('fill-error').textContent = '';
  $('fill-problems').replaceChildren();
  $('fields').replaceChildren(
    ...form.fields.map((f, i) => {
      const wrap = document.createElement('div');
      const id = `field-${i}`;
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = `${f.displayName}${f.required ? ' (required)' : ''}`;
      const input = document.createElement('input');
      input.id = id;
      input.name = f.id;
      input.dataset.field = f.id;
      input.required = f.required;
      input.autocomplete = 'off';
      input.value = values[f.id] ?? '';
      if (f.example) input.placeholder = f.example;
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.id = `${id}-hint`;
      hint.textContent = f.example ? `For example ${f.example}` : '';
      input.setAttribute('aria-describedby', hint.id);
      wrap.append(label, input, hint);
      return wrap;
    }),
  );
}

function asDefinition(form: FormView): FormDefinition {
  return {
    id: form.id,
    type: form.type,
    title: form.title,
    description: form.description,
    ivr: { language: form.language, voice: '', engine: 'neural', attempts: 1, fieldTimeoutSeconds: 5, interDigitSeconds: 1 },
    cardFields: form.cardFields.map((c) => c.id),
    fields: form.fields.map((f) => ({ id: f.id, displayName: f.displayName, required: f.required, ...(f.pattern ? { pattern: f.pattern } : {}) })),
    customAttributes: {},
  };
}

function readFields(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const input of $('fields').querySelectorAll<HTMLInputElement>('input[data-field]')) if (input.value.trim() !== '') values[input.dataset.field as string] = input.value.trim();
  return values;
}

function showProblems(reason: string, problems: string[]): void {
  $('fill-error').textContent = reason;
  $('fill-problems').replaceChildren(
    ...problems.map((p) => {
      const li = document.createElement('li');
      li.textContent = p;
      return li;
    }),
  );
  if (!chosenForm) return;
  for (const input of $('fields').querySelectorAll<HTMLInputElement>('input[data-field]')) {
    const field = chosenForm.fields.find((f) => f.id === input.dataset.field);
    const bad = field !== undefined && problems.some((p) => p.startsWith(field.displayName));
    input.setAttribute('aria-invalid', String(bad));
  }
  $('fields').querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
}

$('fill-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (!chosenForm || !selected) return;
  const fields = readFields();
  const problems = checkFieldValues(asDefinition(chosenForm), fields);
  if (problems.length > 0) return showProblems('Check the form fields', problems);
  void start(chosenForm.id, fields);
});

async function start(formId: string, fields: Record<string, string>, retryOf?: string): Promise<void> {
  if (!selected) return;
  const send = $<HTMLButtonElement>('send');
  send.disabled = true;
  try {
    const view = retryOf
      ? await api.request<SessionView>('POST', `/api/sessions/${encodeURIComponent(retryOf)}/retry`, {})
      : await api.request<SessionView>('POST', '/api/sessions', { interactionId: selected, formId, fields, ...(declaredParties ? { parties: declaredParties } : {}) });
    running = { sessionId: view.sessionId, interactionId: view.interactionId, formId, fields, status: view.status, finished: false, progress: new Map(), cancelling: false };
    for (const p of view.progress) running.progress.set(p.field, { field: p.field, label: p.label, state: p.state, attempts: p.attempts });
    announce('secure-input.started', { sessionId: view.sessionId, interactionId: view.interactionId, formId, ...(retryOf ? { retryOf } : {}) });
    $('stage').textContent = 'Moving the caller to the secure IVR…';
    renderProgress();
    renderControls();
    showStep('waiting');
    startPolling();
  } catch (err) {
    const refusal = err instanceof ApiRefusal ? err.refusal : { error: 'error', reason: 'The request failed; try again', problems: [] };
    announce('secure-input.refused', { interactionId: selected, code: refusal.error, reason: refusal.reason });
    if (retryOf || $('fill-form').hidden) {
      $('outcome-details').textContent = refusal.reason;
    } else showProblems(refusal.reason, refusal.problems);
  } finally {
    send.disabled = false;
  }
}

// ------------------------------------------------------------------ live progress

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

function onPush(message: AgentPush): void {
  if (!running || message.sessionId !== running.sessionId) return;
  switch (message.type) {
    case 'session.stage':
      $('stage').textContent = STAGE_TEXT[message.stage] ?? '';
      if (message.stage === 'capturing') running.status = 'capturing';
      if (message.stage === 'card-captured' || message.stage === 'validating') running.status = 'validating';
      break;
    case 'field.progress': {
      const p = running.progress.get(message.field);
      if (!p) break;
      p.state = message.state;
      if (message.attempt !== undefined) p.attempts = message.attempt;
      if (message.digitsEntered !== undefined) p.digitsEntered = message.digitsEntered;
      else if (message.state === 'prompted' || message.state === 'restarted') delete p.digitsEntered;
      if (message.reason !== undefined) p.reason = message.reason;
      if (message.state === 'prompted') running.status = 'capturing';
      announce('secure-input.progress', { sessionId: message.sessionId, field: message.field, state: message.state, ...(message.digitsEntered !== undefined ? { digitsEntered: message.digitsEntered } : {}) });
      break;
    }
    case 'card.captured':
      running.brand = message.brand;
      running.last4 = message.last4;
      announce('secure-input.card-captured', { sessionId: message.sessionId, brand: message.brand, last4: message.last4 });
      break;
    case 'caller.hung-up':
      $('stage').textContent = 'The caller hung up.';
      break;
    case 'session.outcome':
      finish(message.status, message.details, message.transactionId, message.error, message.last4 ?? running.last4, message.brand ?? running.brand);
      return;
  }
  renderProgress();
}

function renderProgress(): void {
  if (!running) return;
  const r = running;
  $('progress').replaceChildren(
    ...[...r.progress.values()].map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.field = p.field;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = p.label;
      const state = document.createElement('td');
      state.className = `state-${p.state}`;
      state.textContent = progressText(p);
      const masked = document.createElement('td');
      masked.className = 'masked';
      masked.textContent = maskedValue(p, r.last4) + (p.field === 'pan' && p.state === 'captured' && r.brand ? ` (${brandName(r.brand)})` : '');
      const act = document.createElement('td');
      if (p.state !== 'waiting' && !r.finished && r.status === 'capturing') {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = 'Ask to re-enter';
        b.setAttribute('aria-label', `Ask the caller to re-enter the ${p.label.toLowerCase()}`);
        b.addEventListener('click', () => void reenter(p.field));
        act.append(b);
      }
      tr.append(th, state, masked, act);
      return tr;
    }),
  );
}

async function reenter(field: string): Promise<void> {
  if (!running) return;
  try {
    await api.request('POST', `/api/sessions/${encodeURIComponent(running.sessionId)}/reenter`, { field });
    $('stage').textContent = 'The caller will be asked for that field again once they finish the current entry.';
  } catch (err) {
    $('stage').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Could not ask for re-entry';
  }
}

function startPolling(): void {
  window.clearInterval(pollTimer);
  let rounds = 0;
  pollTimer = window.setInterval(() => {
    rounds += 1;
    if (!running || running.finished || rounds > 600) return window.clearInterval(pollTimer);
    const id = running.sessionId;
    void api
      .request<SessionView>('GET', `/api/sessions/${encodeURIComponent(id)}`)
      .then((view) => {
        if (!running || running.sessionId !== id || running.finished) return;
        if (view.status === 'capturing' || view.status === 'validating') running.status = view.status;
        if (!view.running) finish(view.status as 'accepted' | 'declined' | 'aborted', view.details ?? '', view.transactionId, undefined, view.last4, view.brand);
      })
      .catch(() => undefined);
  }, 2000);
}

$('cancel-session').addEventListener('click', () => {
  if (!running || running.finished) return;
  const r = running;
  r.cancelling = true;
  $('stage').textContent = 'Cancelling… the caller is told once their current entry ends.';
  void api.request('POST', `/api/sessions/${encodeURIComponent(r.sessionId)}/cancel`).catch((err: unknown) => {
    r.cancelling = false;
    $('stage').textContent = err instanceof ApiRefusal ? err.refusal.reason : 'Could not cancel';
  });
});

function finish(status: 'accepted' | 'declined' | 'aborted', details: string, transactionId: string | undefined, error: string | undefined, last4: string | undefined, brand: string | undefined): void {
  if (!running || running.finished) return;
  running.finished = true;
  running.status = status;
  window.clearInterval(pollTimer);
  const text = $('outcome-text');
  const cancelled = error === 'AgentCancelled' || (running.cancelling && status === 'aborted');
  text.className = `outcome ${status === 'accepted' ? 'ok' : 'bad'}`;
  text.textContent =
    status === 'accepted' ? 'Operation successful — card validated' : status === 'declined' ? 'Declined' : cancelled ? 'Cancelled — no payment was taken' : 'Stopped — no payment was taken';
  const card = last4 ? `${brandName(brand)} •••• ${last4}. ` : '';
  $('outcome-details').textContent = `${card}${cancelled ? 'You cancelled the secure session; the caller is back with you.' : details}${transactionId ? ` Reference ${transactionId}.` : ''}`;
  $<HTMLButtonElement>('retry-session').hidden = status === 'accepted';
  $<HTMLButtonElement>('dismiss-session').hidden = status === 'accepted';
  announce('secure-input.outcome', { sessionId: running.sessionId, status, details: cancelled ? 'cancelled by the agent' : details, ...(transactionId ? { transactionId } : {}), ...(error ? { error } : {}) });
  renderControls();
  showStep('outcome');
  void loadHistory();
}

async function endSession(): Promise<void> {
  if (!running) return closeDialog();
  const id = running.sessionId;
  await api.request('POST', `/api/sessions/${encodeURIComponent(id)}/end`).catch(() => undefined);
  announce('secure-input.closed', { sessionId: id });
  running = undefined;
  renderControls();
  closeDialog();
  void loadHistory();
}

$('close-session').addEventListener('click', () => void endSession());
$('dismiss-session').addEventListener('click', () => void endSession());
$('retry-session').addEventListener('click', () => {
  if (!running) return;
  const { sessionId, formId, fields } = running;
  void start(formId, fields, sessionId);
});

// ------------------------------------------------------------------ start

void (async () => {
  const hashToken = new URLSearchParams(window.location.hash.slice(1)).get('id_token') ?? new URLSearchParams(window.location.hash.slice(1)).get('access_token');
  if (hashToken) history.replaceState(null, '', window.location.pathname + window.location.search);
  const deployed = (await fetch('/config.json').then((r) => (r.ok ? r.json() : undefined)).catch(() => undefined)) as { webSocketUrl?: unknown; signIn?: unknown } | undefined;
  if (typeof deployed?.webSocketUrl === 'string') api.setSocketUrl(deployed.webSocketUrl);
  try {
    signIn = parseSignInConfig(deployed?.signIn);
  } catch (err) {
    $('sign-in-form').hidden = true;
    $('sign-in-error').textContent = err instanceof SignInConfigError ? `${err.message}. Ask your administrator.` : 'Sign-in is not configured.';
  }
  let fresh: string | undefined;
  if (signIn.mode === 'cognito') fresh = await prepareHostedSignIn(signIn);
  else if (!$('sign-in-form').hidden) await loadUsers();
  const saved = hashToken ?? fresh ?? sessionStorage.getItem('secure-ivr-token');
  if (saved) await useToken(saved);
  const interaction = new URLSearchParams(window.location.search).get('interaction');
  if (interaction && me) await selectInteraction(interaction);
})();
