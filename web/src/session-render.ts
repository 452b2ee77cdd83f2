/**
 * Copies the session view model's screen (./session-view.ts) into the console's page: the call summary,
 * the waiting step with masked progress, the outcome with the caller's whereabouts and Retry. It decides
 * nothing; it only writes text, classes and disabled/hidden states, and moves focus when the step changes.
 */
import { $, setText } from './dom';
import type { OutcomeView, ProgressRow, Screen } from './session-view';

export interface RenderHooks {
  onReenter(field: ProgressRow['field']): void;
}

function outcomeLines(list: HTMLElement, view: OutcomeView | undefined): void {
  const items: HTMLElement[] = [];
  for (const line of view?.lines ?? []) {
    const dt = document.createElement('dt');
    dt.textContent = line.label;
    const dd = document.createElement('dd');
    dd.textContent = line.value;
    items.push(dt, dd);
  }
  list.replaceChildren(...items);
}

function renderProgress(rows: ProgressRow[], hooks: RenderHooks): void {
  const body = $('progress');
  // Rows are rebuilt only when something in them changed, so focus on a button is not lost needlessly.
  const key = JSON.stringify(rows);
  if (body.dataset.rendered === key) return;
  body.dataset.rendered = key;
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.reenter : undefined;
  body.replaceChildren(
    ...rows.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.field = p.field;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = p.label;
      const state = document.createElement('td');
      state.className = `state ${p.stateClass}`;
      state.textContent = p.stateText;
      const masked = document.createElement('td');
      masked.className = 'masked';
      masked.textContent = p.masked;
      const act = document.createElement('td');
      if (p.reenter) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = p.reenter.text;
        // The accessible name starts with the visible text (WCAG 2.5.3, axe label-content-name-mismatch).
        b.setAttribute('aria-label', p.reenter.name);
        b.dataset.reenter = p.field;
        b.addEventListener('click', () => hooks.onReenter(p.field));
        act.append(b);
      }
      tr.append(th, state, masked, act);
      return tr;
    }),
  );
  if (focused) body.querySelector<HTMLElement>(`[data-reenter="${focused}"]`)?.focus();
}

let shownStep: Screen['step'] | 'none' = 'none';

/** Writes the screen into the page. Returns true when the dialog's step changed (the caller moves focus). */
export function renderSession(screen: Screen, hooks: RenderHooks): boolean {
  setText($('interaction-summary'), screen.summary);
  if (screen.step) {
    $('waiting').hidden = screen.step !== 'waiting';
    $('outcome').hidden = screen.step !== 'outcome';
    $('dialog').hidden = false;
    for (const s of ['choose-form', 'fill-form']) $(s).hidden = true;
  }
  setText($('stage'), screen.stage);
  renderProgress(screen.progress, hooks);
  const cancel = $<HTMLButtonElement>('cancel-session');
  setText(cancel, screen.cancel.text);
  cancel.disabled = screen.cancel.disabled;

  const previous = $('previous-outcome');
  previous.hidden = screen.previous === undefined;
  if (screen.previous) {
    setText($('previous-title'), `Previous attempt: ${screen.previous.title}`);
    outcomeLines($('previous-lines'), screen.previous);
  }

  const text = $('outcome-text');
  text.className = `outcome ${screen.outcome?.tone ?? ''}`;
  setText(text, screen.outcome?.title ?? '');
  outcomeLines($('outcome-lines'), screen.outcome);
  setText($('caller-line'), screen.callerLine);
  const retry = $<HTMLButtonElement>('retry-session');
  retry.hidden = !screen.retry.shown;
  retry.disabled = !screen.retry.enabled;
  retry.setAttribute('aria-disabled', String(!screen.retry.enabled));
  setText(retry, screen.retry.text);
  setText($('retry-note'), screen.retry.note);
  $('dismiss-session').hidden = !screen.dismissShown;

  const changed = screen.step !== shownStep;
  shownStep = screen.step;
  return changed;
}

/** Forgets the step shown (after the dialog is closed by other means). */
export function resetRenderedStep(): void {
  shownStep = 'none';
}
