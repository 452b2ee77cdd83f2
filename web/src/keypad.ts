/**
 * The caller's side in the sandbox: call an agent, read what the IVR says, press keys. The page never
 * shows the keys pressed (only how many), as a phone keypad would not.
 */
import { callerStatus } from './keypad-status';

interface CallerView {
  interactionId: string;
  status: 'active' | 'ended' | 'dropped';
  agentOnLine: boolean;
  recording: 'off' | 'recording' | 'paused';
  prompts: string[];
  keysPressed: number;
}

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
let callId: string | undefined;
let timer: number | undefined;
let queue: Promise<unknown> = Promise.resolve();
/** Keys pressed on this page during the call: shown at once, not after the server's next answer. */
let pressed = 0;
/** The caller has talked to the agent on this call (so "not with the agent" is the payment line, not a new call). */
let talked = false;

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}

async function loadAgents(): Promise<void> {
  const res = await fetch('/auth/users');
  const { users } = (await res.json()) as { users: Array<{ id: string; name: string }> };
  $<HTMLSelectElement>('agent').replaceChildren(...users.map((u) => new Option(`${u.name} (${u.id})`, u.id)));
}

function render(view: CallerView): void {
  if (view.interactionId !== callId) return;
  if (view.agentOnLine) talked = true;
  const status = callerStatus(view, talked);
  if ($('call-status').textContent !== status) $('call-status').textContent = status;
  const list = $('prompts');
  if (list.children.length !== view.prompts.length) {
    list.replaceChildren(
      ...view.prompts.map((p) => {
        const li = document.createElement('li');
        li.textContent = p;
        return li;
      }),
    );
  }
  const over = view.status !== 'active';
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-key], #hang-up')) b.disabled = over;
  if (over) {
    // The call is over: the caller may place another one.
    window.clearInterval(timer);
    callId = undefined;
    delete document.body.dataset.callId;
    $<HTMLButtonElement>('call').disabled = false;
  }
}

function showPressed(): void {
  $('keys-pressed').textContent = `Keys pressed: ${pressed}`;
}

async function refresh(): Promise<void> {
  if (!callId) return;
  const res = await fetch(`/sandbox/caller/calls/${callId}`);
  if (res.ok) render((await res.json()) as CallerView);
}

function press(key: string): void {
  if (!callId) return;
  const id = callId;
  pressed += 1;
  showPressed();
  // Keys go one at a time and in order, as tones would.
  queue = queue.then(async () => {
    const res = await post(`/sandbox/caller/calls/${id}/keys`, { keys: key });
    if (!res.ok) $('keypad-error').textContent = 'The call is over.';
    await refresh();
  });
}

$('dial').addEventListener('submit', (e) => {
  e.preventDefault();
  void (async () => {
    const res = await post('/sandbox/caller/calls', { agentId: $<HTMLSelectElement>('agent').value });
    if (!res.ok) {
      $('keypad-error').textContent = 'Could not place the call.';
      return;
    }
    callId = ((await res.json()) as { interactionId: string }).interactionId;
    document.body.dataset.callId = callId;
    pressed = 0;
    talked = false;
    showPressed();
    $('prompts').replaceChildren();
    $('keypad-error').textContent = '';
    $('phone').hidden = false;
    $<HTMLButtonElement>('call').disabled = true;
    await refresh();
    timer = window.setInterval(() => void refresh(), 500);
    document.querySelector<HTMLButtonElement>('[data-key="1"]')?.focus();
  })();
});

for (const b of document.querySelectorAll<HTMLButtonElement>('[data-key]')) b.addEventListener('click', () => press(b.dataset.key as string));
document.addEventListener('keydown', (e) => {
  if (/^[0-9*#]$/.test(e.key) && callId && !(e.target instanceof HTMLSelectElement)) {
    e.preventDefault();
    press(e.key);
  }
});
$('hang-up').addEventListener('click', () => {
  if (callId) void post(`/sandbox/caller/calls/${callId}/hangup`).then(refresh);
});

void loadAgents();
