/**
 * Card entry as both telephony adapters run it: what one keyed entry means for a field (`#` ends it, `*`
 * restarts it), the field rules, sealing each valid field into the vault at once, attempts, progress and
 * events for the agent, and the text the caller hears next. The Chime SMA IVR turns the result into
 * SpeakAndGetDigits actions; the Connect capture function into the flow's next prompt.
 *
 * Pure apart from the ports in CaptureDeps. The digits of an entry live only in the call that checks and
 * seals them; nothing returned or emitted holds them (a count of keys, the brand and last four at most).
 */
import {
  checkCardNumber,
  checkExpiry,
  checkSecurityCode,
  detectBrand,
  lastFour,
  securityCodeLength,
  type CardBrand,
  type FieldCheck,
} from '../../shared/card/card-rules';
import type { CaptureResult, IvrSettings } from '../../shared/session/contract';
import { CARD_FIELDS, type CardField } from '../../shared/card/card-fields';
import type { ProgressUpdate } from '../../shared/session/session-store';
import type { EventDetailValue, SessionEventType } from '../../shared/session/events';
import { promptsFor } from './prompts';

export const FIELD_ORDER: readonly CardField[] = CARD_FIELDS;
/** Keys accepted for one entry: room for `*` restarts inside it. */
export const MAX_KEYS: Record<CardField, number> = { pan: 40, exp: 12, cvv: 12 };

export interface CaptureLog {
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/** The ports card entry needs; each adapter wires them to the vault, the session table and Step Functions. */
export interface CaptureDeps {
  now(): Date;
  log: CaptureLog;
  /** Encrypts and stores one field; returns the opaque vault reference. */
  /** `expectedVaultRef`: the item the earlier fields were sealed into; the seal must not land anywhere else. */
  sealField(sessionId: string, field: CardField, digits: string, expectedVaultRef?: string): Promise<string>;
  /** Completes GetKey (SendTaskSuccess); false when the token was already used. */
  completeCapture(sessionId: string, result: CaptureResult): Promise<boolean>;
  recordProgress(sessionId: string, update: ProgressUpdate): Promise<void>;
  /** One audit/progress event per step; never card data in details. */
  emit(type: SessionEventType, sessionId: string, success: boolean, details?: Record<string, EventDetailValue>): Promise<void>;
}

/** Where card entry stands: kept by the adapter between entries (never card data; last four at most). */
export interface CaptureState {
  sessionId: string;
  ivr: IvrSettings;
  field: CardField;
  /** Attempts used on the current field. */
  tries: number;
  brand?: string;
  last4?: string;
  vaultRef?: string;
}

export type PromptReason = 'first' | 'next' | 'retry' | 'restart' | 'no-input';

/** What to ask next for `state.field`. */
export interface FieldPrompt {
  text: string;
  /** Fewest keys that can make a valid entry (the security code's length depends on the brand). */
  minKeys: number;
  maxKeys: number;
}

export type EntryResult =
  /** Ask for `state.field` (again, or the next field). */
  | { kind: 'prompt'; state: CaptureState; prompt: FieldPrompt; result: 'valid' | 'invalid' | 'restart'; reason: string }
  /** Card entry is over (captured, or declined after the last attempt): `text` tells the caller to hold. */
  | { kind: 'finished'; state: CaptureState; captured: boolean; text: string; reason: string };

/** Digits keyed for one field: `#` ends the entry, `*` starts it again (only what follows the last `*` counts). */
export function cleanEntry(received: string | undefined): { digits: string; restarted: boolean } {
  const text = received ?? '';
  // A scan from the end: linear whatever the keys (a `/#+$/` regex backtracks on `###…x`).
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x23 /* # */) end -= 1;
  const raw = text.slice(0, end);
  const star = raw.lastIndexOf('*');
  return { digits: star >= 0 ? raw.slice(star + 1) : raw, restarted: star >= 0 };
}

export function checkField(field: CardField, digits: string, brand: CardBrand, now: Date): FieldCheck {
  switch (field) {
    case 'pan':
      return checkCardNumber(digits);
    case 'exp':
      return checkExpiry(digits, now);
    case 'cvv':
      return checkSecurityCode(digits, brand);
  }
}

export class CardCapture {
  public constructor(private readonly deps: CaptureDeps) {}

  /** The start of card entry: the first field with the introduction. */
  public start(sessionId: string, ivr: IvrSettings): Promise<{ state: CaptureState; prompt: FieldPrompt }> {
    const state: CaptureState = { sessionId, ivr, field: 'pan', tries: 0 };
    return this.prompt(state, 'first').then((prompt) => ({ state, prompt }));
  }

  /** The prompt for `state.field`, recorded as prompted. */
  public async prompt(state: CaptureState, why: PromptReason): Promise<FieldPrompt> {
    const prompts = promptsFor(state.ivr.language);
    const field = state.field;
    const lead =
      why === 'first'
        ? `${prompts.intro} `
        : why === 'retry'
          ? `${prompts.retry[field]} `
          : why === 'restart'
            ? `${prompts.restart} `
            : why === 'no-input'
              ? `${prompts.noInput} `
              : '';
    const minKeys = field === 'cvv' ? securityCodeLength((state.brand ?? 'unknown') as CardBrand) : field === 'exp' ? 4 : 1;
    await this.deps.emit('field.prompted', state.sessionId, true, { field, attempt: state.tries + 1 });
    return { text: `${lead}${prompts.ask[field]}`, minKeys, maxKeys: MAX_KEYS[field] };
  }

  /**
   * One entry for `state.field` (`undefined`: nothing keyed before the time limit). A valid field is sealed
   * before anything else happens; the last one completes GetKey. `endProgress` is written with the
   * progress once entry ends (e.g. the adapter resumed recording).
   */
  public async onEntry(state: CaptureState, received: string | undefined, endProgress: ProgressUpdate = {}): Promise<EntryResult> {
    const { sessionId, field, ivr } = state;
    const { digits, restarted } = cleanEntry(received);
    if (digits.length === 0 && restarted) {
      // An entry of only `*` uses an attempt like any other: restarts are bounded by the field's attempts.
      const tries = state.tries + 1;
      await this.deps.emit('field.restarted', sessionId, true, { field, attempt: tries });
      if (tries < ivr.attempts) {
        const next = { ...state, tries };
        return { kind: 'prompt', state: next, prompt: await this.prompt(next, 'restart'), result: 'restart', reason: '' };
      }
      return this.decline(state, `the entry was restarted without digits (${tries} attempts)`, endProgress);
    }

    const brand = (state.brand ?? 'unknown') as CardBrand;
    const check: FieldCheck = digits.length === 0 ? { ok: false, reason: 'no entry before the time limit' } : checkField(field, digits, brand, this.deps.now());
    if (!check.ok) {
      const tries = state.tries + 1;
      this.deps.log.info('card field invalid', { sessionId, field, attempt: tries, reason: check.reason });
      await this.deps.emit('field.invalid', sessionId, false, { field, attempt: tries, reason: check.reason, digitsEntered: digits.length });
      await this.deps.recordProgress(sessionId, { field: { name: field, progress: { status: 'invalid', attempts: tries } } });
      if (tries < ivr.attempts) {
        const next = { ...state, tries };
        return {
          kind: 'prompt',
          state: next,
          prompt: await this.prompt(next, digits.length === 0 ? 'no-input' : 'retry'),
          result: 'invalid',
          reason: check.reason,
        };
      }
      return this.decline(state, `${check.reason} (${tries} attempts)`, endProgress);
    }

    const vaultRef = await this.deps.sealField(sessionId, field, digits, state.vaultRef);
    const attempts = state.tries + 1;
    let next: CaptureState = { ...state, vaultRef, tries: 0 };
    const update: ProgressUpdate = { field: { name: field, progress: { status: 'captured', attempts } } };
    if (field === 'pan') {
      const detected = detectBrand(digits);
      next = { ...next, brand: detected, last4: lastFour(digits) };
      update.brand = detected;
      update.last4 = lastFour(digits);
    }
    const following = FIELD_ORDER[FIELD_ORDER.indexOf(field) + 1];
    const captured = { field, attempts, digitsEntered: digits.length, ...(update.brand ? { brand: update.brand, last4: update.last4 ?? '' } : {}) };
    if (!following) return this.complete(next, update, captured, endProgress);
    await this.deps.recordProgress(sessionId, update);
    this.deps.log.info('card field captured', { sessionId, field, attempts });
    // The agent's live view shows how many digits were keyed (a count, never the digits themselves).
    await this.deps.emit('field.captured', sessionId, true, captured);
    const asked = { ...next, field: following };
    return { kind: 'prompt', state: asked, prompt: await this.prompt(asked, 'next'), result: 'valid', reason: '' };
  }

  /** The text the caller hears once entry is over, before the outcome. */
  public holdText(ivr: IvrSettings, captured: boolean): string {
    const prompts = promptsFor(ivr.language);
    return `${captured ? prompts.captured : prompts.captureFailed} ${prompts.hold}`;
  }

  private async complete(
    state: CaptureState,
    update: ProgressUpdate,
    captured: Record<string, EventDetailValue>,
    endProgress: ProgressUpdate,
  ): Promise<EntryResult> {
    const { sessionId } = state;
    // The workflow waits on this token: hand it over first, and write the agent's progress alongside.
    const [completed] = await Promise.all([
      this.deps.completeCapture(sessionId, {
        status: 'captured',
        vaultRef: state.vaultRef as string,
        brand: state.brand ?? 'unknown',
        last4: state.last4 ?? '',
      }),
      this.deps.recordProgress(sessionId, { ...update, ...endProgress, status: 'validating' }),
    ]);
    this.deps.log.info('card field captured', { sessionId, field: state.field, attempts: captured.attempts });
    await this.deps.emit('field.captured', sessionId, true, captured);
    if (!completed) this.deps.log.warn('capture already reported', { sessionId });
    else await this.deps.emit('capture.completed', sessionId, true, { brand: state.brand ?? 'unknown', last4: state.last4 ?? '' });
    return { kind: 'finished', state, captured: true, text: this.holdText(state.ivr, true), reason: '' };
  }

  private async decline(state: CaptureState, reason: string, endProgress: ProgressUpdate): Promise<EntryResult> {
    const { sessionId } = state;
    await Promise.all([
      this.deps.completeCapture(sessionId, { status: 'declined', reason: `card details not accepted: ${reason}` }),
      this.deps.recordProgress(sessionId, { ...endProgress, status: 'validating' }),
    ]);
    await this.deps.emit('capture.declined', sessionId, false, { reason });
    return { kind: 'finished', state, captured: false, text: this.holdText(state.ivr, false), reason };
  }
}
