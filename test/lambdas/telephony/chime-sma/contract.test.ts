/** The SMA contract: the parser bounds what an invocation may carry before any work is done on it; action builders follow the documented shapes. */
import { MAX_RECEIVED_DIGITS, MalformedSmaEventError, actions, parseSmaEvent, type SmaAction } from '../../../../lambdas/telephony/chime-sma/contract';
import { checkResponse } from '../../../../sandbox/sma/response-check';
import { smaFixture } from '../../../helpers/fixtures';

function withDigits(digits: string): unknown {
  const event = smaFixture('action-successful-speak-and-get-digits') as unknown as { ActionData: { ReceivedDigits?: string } };
  event.ActionData.ReceivedDigits = digits;
  return event;
}

describe('security review 9: received digits are capped in the SMA contract parser', () => {
  it('accepts keys up to the cap', () => {
    // Act
    const event = parseSmaEvent(withDigits(`${'1'.repeat(MAX_RECEIVED_DIGITS - 1)}#`));

    // Assess
    expect(event.ActionData?.ReceivedDigits).toHaveLength(MAX_RECEIVED_DIGITS);
  });

  it.each([
    ['more keys than the cap', '1'.repeat(MAX_RECEIVED_DIGITS + 1)],
    ['a flood of restarts', '*'.repeat(100_000)],
    ['characters no keypad sends', '4111x'],
  ])('refuses %s without quoting them', (_label, digits) => {
    // Act
    let error: unknown;
    try {
      parseSmaEvent(withDigits(digits));
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(MalformedSmaEventError);
    expect((error as Error).message).toContain('ReceivedDigits');
    expect((error as Error).message).not.toContain('4111');
  });
});

describe('ReceiveDigits: the keying listener action has the documented shape (dg:listen-to-digits)', () => {
  it('carries CallId, InputDigitsRegex and both durations, and the emulator accepts it as the service would', () => {
    // Act
    const action = actions.receiveDigits('call-id-1', { pattern: '^[0-9#*]+$', interDigitMs: 1000, flushMs: 10_000 });
    // Assess
    expect(action).toEqual({
      Type: 'ReceiveDigits',
      Parameters: {
        CallId: 'call-id-1',
        InputDigitsRegex: '^[0-9#*]+$',
        InBetweenDigitsDurationInMilliseconds: 1000,
        FlushDigitsDurationInMilliseconds: 10_000,
      },
    });
    expect(checkResponse({ SchemaVersion: '1.0', Actions: [action] })).toMatchObject({ ok: true });
  });

  it('is refused by the emulator, as by the service, without its regex or durations', () => {
    const bad = [
      { Type: 'ReceiveDigits', Parameters: { CallId: 'c', InBetweenDigitsDurationInMilliseconds: 1000, FlushDigitsDurationInMilliseconds: 1000 } },
      { Type: 'ReceiveDigits', Parameters: { CallId: 'c', InputDigitsRegex: '.', FlushDigitsDurationInMilliseconds: 1000 } },
      { Type: 'ReceiveDigits', Parameters: { InputDigitsRegex: '.', InBetweenDigitsDurationInMilliseconds: 1000, FlushDigitsDurationInMilliseconds: 1000 } },
    ];
    for (const action of bad)
      expect(checkResponse({ SchemaVersion: '1.0', Actions: [action] })).toMatchObject({ ok: false, errorType: 'InvalidActionParameter' });
  });

  it('a new listener object for every call: changing one never changes the next', () => {
    const a = actions.receiveDigits('call-id-1', { pattern: '^1$', interDigitMs: 1, flushMs: 1 }) as Extract<SmaAction, { Type: 'ReceiveDigits' }>;
    a.Parameters.InputDigitsRegex = 'tampered';
    const b = actions.receiveDigits('call-id-1', { pattern: '^1$', interDigitMs: 1, flushMs: 1 }) as Extract<SmaAction, { Type: 'ReceiveDigits' }>;
    expect(b.Parameters.InputDigitsRegex).toBe('^1$');
  });
});
