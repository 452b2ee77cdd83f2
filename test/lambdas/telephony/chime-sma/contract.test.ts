/** The SMA contract parser bounds what an invocation may carry before any work is done on it. */
import { MAX_RECEIVED_DIGITS, MalformedSmaEventError, parseSmaEvent } from '../../../../lambdas/telephony/chime-sma/contract';
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
