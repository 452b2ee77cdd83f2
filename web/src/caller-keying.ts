/**
 * The agent's warning that the caller is pressing keys while still talking to them: tones the agent and
 * the recording hear, which is how a card number leaks on a live call. The IVR's own listener tells the
 * console (push `caller-keying`, which names the call and never a key); the warning stays a few seconds
 * after the last such push, and goes at once when the secure session takes the caller, or another call
 * is shown.
 */
import type { LoosePush } from './session-view';

export const CALLER_KEYING_TEXT = 'The caller is pressing keys: ask them to wait for the secure prompt';
/** How long the warning stays after the last keying the IVR reported. */
export const CALLER_KEYING_SHOW_MS = 8000;
/** Session stages at which the caller is with the secure IVR, away from the agent: the warning is over. */
const SECURE_STAGES = new Set(['agent-separated', 'recording-paused', 'capturing']);

export interface CallerKeyingWarning {
  /** Feed every push; `interactionId` is the call the console shows (undefined when none). */
  onPush(message: LoosePush, interactionId: string | undefined): void;
  /** Another call is shown, or the agent signed out. */
  clear(): void;
}

/** The part of the warning's element this module touches (the root type check has no DOM library). */
export interface WarningElement {
  hidden: boolean;
  textContent: string | null;
}

interface Timers {
  setTimeout(handler: () => void, ms: number): number;
  clearTimeout(id: number | undefined): void;
}

export function startCallerKeyingWarning(element: WarningElement, timers: Timers): CallerKeyingWarning {
  let timer: number | undefined;
  const clear = (): void => {
    timers.clearTimeout(timer);
    timer = undefined;
    element.hidden = true;
    element.textContent = '';
  };
  return {
    onPush(message, interactionId) {
      if (message.type === 'session.stage' && SECURE_STAGES.has(String(message.stage))) {
        clear();
        return;
      }
      if (message.type !== 'caller-keying' || interactionId === undefined || message.interactionId !== interactionId) return;
      element.textContent = CALLER_KEYING_TEXT;
      element.hidden = false;
      timers.clearTimeout(timer);
      timer = timers.setTimeout(clear, CALLER_KEYING_SHOW_MS);
    },
    clear,
  };
}
