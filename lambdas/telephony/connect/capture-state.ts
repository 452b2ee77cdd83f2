/**
 * Card entry's state between two invocations from the Connect flow. The flow carries it as an opaque
 * string (the function answers `state`, the flow passes `$.External.state` back): the Connect analogue
 * of the SMA handler's TransactionAttributes. It holds ids, counters and at most the brand and last four —
 * never card digits or ciphertext — and is checked on the way back in.
 */
import type { CaptureState } from '../capture/card-capture';
import type { IvrSettings } from '../../shared/session/contract';
import { CARD_FIELDS, type CardField } from '../../shared/card/card-fields';

export interface ConnectCaptureState extends CaptureState {
  /** When entry ended and the caller started waiting for the outcome (ms since the epoch). */
  heldSince?: number;
}

/** The state the flow handed back is missing or not one this function wrote. */
export class CaptureStateError extends Error {
  public constructor() {
    super('The capture state passed by the flow is missing or unreadable. Check that the flow passes $.External.state to every capture and status call.');
    this.name = 'CaptureStateError';
  }
}

const FIELDS: readonly CardField[] = CARD_FIELDS;
const ID = /^[A-Za-z0-9._:+-]{1,128}$/;

export function encodeCaptureState(s: ConnectCaptureState): string {
  const ivr = s.ivr;
  return JSON.stringify([
    s.sessionId,
    s.field,
    s.tries,
    s.brand ?? '',
    s.last4 ?? '',
    s.vaultRef ?? '',
    [ivr.language, ivr.voice, ivr.engine, ivr.attempts, ivr.fieldTimeoutSeconds, ivr.interDigitSeconds],
    s.heldSince ?? 0,
  ]);
}

export function decodeCaptureState(text: string | undefined): ConnectCaptureState {
  let v: unknown;
  try {
    v = JSON.parse(text ?? '');
  } catch {
    throw new CaptureStateError();
  }
  if (!Array.isArray(v) || v.length !== 8) throw new CaptureStateError();
  const [sessionId, field, tries, brand, last4, vaultRef, ivrRaw, heldSince] = v as unknown[];
  if (typeof sessionId !== 'string' || !ID.test(sessionId)) throw new CaptureStateError();
  if (!FIELDS.includes(field as CardField)) throw new CaptureStateError();
  if (typeof tries !== 'number' || !Number.isInteger(tries) || tries < 0 || tries > 10) throw new CaptureStateError();
  if (typeof brand !== 'string' || !/^[a-z]{0,20}$/.test(brand)) throw new CaptureStateError();
  if (typeof last4 !== 'string' || !/^(\d{4})?$/.test(last4)) throw new CaptureStateError();
  if (typeof vaultRef !== 'string' || vaultRef.length > 256) throw new CaptureStateError();
  if (typeof heldSince !== 'number' || !Number.isFinite(heldSince) || heldSince < 0) throw new CaptureStateError();
  if (!Array.isArray(ivrRaw) || ivrRaw.length !== 6) throw new CaptureStateError();
  const [language, voice, engine, attempts, fieldTimeoutSeconds, interDigitSeconds] = ivrRaw as unknown[];
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 120;
  if (
    typeof language !== 'string' ||
    typeof voice !== 'string' ||
    (engine !== 'standard' && engine !== 'neural') ||
    !whole(attempts) ||
    !whole(fieldTimeoutSeconds) ||
    !whole(interDigitSeconds)
  ) {
    throw new CaptureStateError();
  }
  const ivr: IvrSettings = { language, voice, engine, attempts, fieldTimeoutSeconds, interDigitSeconds };
  return {
    sessionId,
    field: field as CardField,
    tries,
    ivr,
    ...(brand ? { brand } : {}),
    ...(last4 ? { last4 } : {}),
    ...(vaultRef ? { vaultRef } : {}),
    ...(heldSince > 0 ? { heldSince } : {}),
  };
}
