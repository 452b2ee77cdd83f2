/** The console's DOM helpers: find an element by id (a missing one is a page bug, so it throws). */
export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

/** Sets an element's text and, when it changes, nothing else (no HTML is ever parsed). */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}
