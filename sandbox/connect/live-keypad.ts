/**
 * A person's keypad on a Connect contact (the sandbox's keypad page): each press goes to the contact at
 * once, so an input block collecting takes it and any other press is heard by whoever is bridged and
 * by running recordings (or buffered, when the flow enabled the touchtone buffer) — never held back
 * as type-ahead by the keypad itself.
 */
import type { CallerKey, KeySource } from '../sma/caller';
import type { ConnectContact } from './emulator';

export class LiveKeypad implements KeySource {
  private contact: ConnectContact | undefined;
  private pending: ((key: CallerKey) => void) | undefined;

  public attach(contact: ConnectContact): void {
    this.contact = contact;
  }

  public press(key: CallerKey): boolean {
    if (this.contact?.status !== 'active') return false;
    this.contact.press(key);
    return true;
  }

  /** Keys arrive through press(); the emulator's own wait only ends by the input time limit. */
  public next(): Promise<CallerKey> {
    this.pending?.('w');
    return new Promise((resolve) => {
      this.pending = resolve;
    });
  }

  public cancelWait(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.('w');
  }
}
