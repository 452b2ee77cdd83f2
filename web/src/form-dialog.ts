/**
 * The Secure Input dialog's first two steps: choose a form (only those assigned to the agent's
 * workgroups), then fill its fields — checked here with the server's own rules before anything is sent.
 * Each field's error sits under it and is part of its description (aria-describedby); problems that
 * belong to no field are listed under the form. The waiting and outcome steps are the session view's.
 */
import type { FormView } from '../../lambdas/agent-api/agent-service';
import { checkFieldValues, type FormDefinition } from '../../lambdas/shared/session/forms';
import { $ } from './dom';
import { resetRenderedStep } from './session-render';

export interface FormDialog {
  /** Shows the form choice. */
  open(forms: FormView[]): void;
  /** Marks the fields a refusal names and says why. */
  showProblems(reason: string, problems: string[]): void;
  close(): void;
}

type FormStep = 'choose-form' | 'fill-form';

export function startFormDialog(hooks: { onSend(formId: string, fields: Record<string, string>): void; onClose(): void }): FormDialog {
  let forms: FormView[] = [];
  let chosenForm: FormView | undefined;

  function showFormStep(step: FormStep | undefined): void {
    $('dialog').hidden = step === undefined;
    for (const s of ['choose-form', 'fill-form', 'waiting', 'outcome'] as const) $(s).hidden = s !== step;
    resetRenderedStep();
    if (step) {
      const container = $(step === 'choose-form' ? 'form-choices' : 'fields');
      // At once (the step is visible now): a focus on a timer could land after the agent began typing
      // and send the rest of their text into the first field.
      container.querySelector<HTMLElement>('input, button, select')?.focus();
    }
  }

  function close(): void {
    showFormStep(undefined);
    hooks.onClose();
  }

  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-close]')) b.addEventListener('click', close);
  $('dialog').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && (!$('choose-form').hidden || !$('fill-form').hidden)) close();
  });

  $('choose-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = document.querySelector<HTMLInputElement>('input[name="form"]:checked')?.value;
    chosenForm = forms.find((f) => f.id === id);
    if (!chosenForm) return;
    renderFields(chosenForm, {});
    showFormStep('fill-form');
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
        // Each field's own error sits under it and is part of its description.
        const error = document.createElement('p');
        error.className = 'field-error';
        error.id = `${id}-error`;
        input.setAttribute('aria-describedby', `${hint.id} ${error.id}`);
        wrap.append(label, input, hint, error);
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
    for (const input of $('fields').querySelectorAll<HTMLInputElement>('input[data-field]'))
      if (input.value.trim() !== '') values[input.dataset.field as string] = input.value.trim();
    return values;
  }

  function showProblems(reason: string, problems: string[]): void {
    $('fill-error').textContent = reason;
    const unplaced: string[] = [];
    const byInput = new Map<HTMLInputElement, string[]>();
    const inputs = [...$('fields').querySelectorAll<HTMLInputElement>('input[data-field]')];
    for (const p of problems) {
      const input = inputs.find((i) => {
        const field = chosenForm?.fields.find((f) => f.id === i.dataset.field);
        return field !== undefined && p.startsWith(field.displayName);
      });
      if (input) byInput.set(input, [...(byInput.get(input) ?? []), p]);
      else unplaced.push(p);
    }
    for (const input of inputs) {
      const own = byInput.get(input) ?? [];
      input.setAttribute('aria-invalid', String(own.length > 0));
      const error = document.getElementById(`${input.id}-error`);
      if (error) error.textContent = own.join('; ');
    }
    $('fill-problems').replaceChildren(
      ...unplaced.map((p) => {
        const li = document.createElement('li');
        li.textContent = p;
        return li;
      }),
    );
    $('fields').querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
  }

  $('fill-form').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!chosenForm) return;
    const fields = readFields();
    const problems = checkFieldValues(asDefinition(chosenForm), fields);
    if (problems.length > 0) return showProblems('Check the form fields', problems);
    hooks.onSend(chosenForm.id, fields);
  });

  return {
    open(list) {
      forms = list;
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
      showFormStep('choose-form');
    },
    showProblems,
    close,
  };
}
