/**
 * The caller's keypad in the emulator. A script of keys (`0`–`9`, `#`, `*`; `w` lets the current prompt
 * time out; `h` hangs up) or an interactive source such as the browser keypad page.
 */

export type CallerKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '#' | '*' | 'w' | 'h';

export const KEY_PATTERN = /^[0-9#*wh]*$/;

/** What the caller does when a prompt waits for input. */
export interface KeySource {
  /** The next key, or 'w' when the caller keys nothing more before the prompt times out. */
  next(): Promise<CallerKey>;
  /**
   * Told by the call when a digit-collecting action opens and closes, and who hears a key pressed while
   * none is open. A source without it (a script) only ever keys into prompts.
   */
  listenOutsidePrompts?(listener: KeyListener): void;
}

/** The call's side of a keypad that can be pressed at any time. */
export interface KeyListener {
  /** A key pressed while no digit-collecting action listens: heard by whoever is bridged, never kept. */
  keyOutsidePrompt(key: CallerKey): void;
}

/** Keys from a script; when the script runs out the caller stays silent (every prompt times out). */
export class ScriptedCaller implements KeySource {
  private index = 0;

  public constructor(private readonly keys: string) {
    if (!KEY_PATTERN.test(keys)) throw new Error('Caller keys may only be 0-9, #, *, w (wait for the time-out) and h (hang up)');
  }

  public next(): Promise<CallerKey> {
    const key = this.keys[this.index];
    if (key === undefined) return Promise.resolve('w');
    this.index += 1;
    return Promise.resolve(key as CallerKey);
  }

  /** Keys not yet used. */
  public remaining(): string {
    return this.keys.slice(this.index);
  }
}

/**
 * Keys pushed one by one (the keypad page). As on a real call, keys are collected only while a
 * digit-collecting action runs: a key pressed outside one goes to the call's listener (the agent and the
 * recording hear it) and is not type-ahead for a later prompt; keys a prompt did not use are dropped
 * when it closes.
 */
export class InteractiveCaller implements KeySource {
  private readonly queue: CallerKey[] = [];
  private waiting: ((key: CallerKey) => void) | undefined;
  private listener: KeyListener | undefined;
  private collecting = false;

  public listenOutsidePrompts(listener: KeyListener): void {
    this.listener = listener;
  }

  /** Called by the call when a digit-collecting action opens (true) or closes (false). */
  public setCollecting(open: boolean): void {
    this.collecting = open;
    if (!open) this.queue.length = 0;
  }

  public press(key: CallerKey): void {
    if (!this.collecting && this.listener) {
      this.listener.keyOutsidePrompt(key);
      return;
    }
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(key);
    } else {
      this.queue.push(key);
    }
  }

  /** Interactive prompts time out after the prompt's own limit, handled by the emulator. */
  public next(): Promise<CallerKey> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Gives up a pending wait (the prompt timed out): the wait resolves as 'w'. */
  public cancelWait(): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve('w');
    }
  }
}
