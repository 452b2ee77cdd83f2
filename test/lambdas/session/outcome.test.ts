import { abortOutcome, abortReason, endOutcome, NO_VALIDATION_REPLY } from '../../../lambdas/session/outcome';
import { CONNECT_ERROR } from '../../../lambdas/telephony/connect/connect-session';
import type { CallUpdate, SessionContext } from '../../../lambdas/shared/session/contract';
import { SESSION_ERROR } from '../../../lambdas/shared/session/contract';

const session: SessionContext = {
  sessionId: 's-1',
  callTransactionId: 'call-1',
  transactionId: 'SIV-20261122-ABCDEF',
  agentId: 'agent-7',
  formId: 'card-payment',
  ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
};

describe('End outcome', () => {
  it('reports an accepted validation with the last four digits', () => {
    const outcome = endOutcome({
      session,
      capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' },
      validation: { outcome: 'accepted', details: 'Approved', transactionId: session.transactionId },
    });
    expect(outcome).toEqual({
      sessionId: 's-1',
      transactionId: 'SIV-20261122-ABCDEF',
      status: 'accepted',
      details: 'Approved',
      resultLine: 'SIV-20261122-ABCDEF|accepted|Approved\n',
      last4: '1111',
      brand: 'visa',
    });
  });

  it('reports a capture that ran out of attempts as declined with its reason', () => {
    const outcome = endOutcome({ session, capture: { status: 'declined', reason: 'card details not accepted: card has expired (3 attempts)' } });
    expect(outcome.status).toBe('declined');
    expect(outcome.resultLine).toBe('SIV-20261122-ABCDEF|declined|card details not accepted: card has expired (3 attempts)\n');
  });
});

describe('End outcome details', () => {
  it('cleans the validation details once, with the same cleaner the result line uses', () => {
    const outcome = endOutcome({
      session,
      capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' },
      validation: { outcome: 'declined', details: 'Declined|do not\r\nhonour', transactionId: session.transactionId },
    });
    expect(outcome.details).toBe('Declineddo nothonour');
    expect(outcome.resultLine).toBe(`${session.transactionId}|declined|Declineddo nothonour\n`);
  });

  it('reports a captured card with no validation result as declined, keeping the last four', () => {
    const outcome = endOutcome({ session, capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' } });
    expect(outcome).toMatchObject({ status: 'declined', details: NO_VALIDATION_REPLY, last4: '1111' });
  });
});

describe('Abort outcome', () => {
  it('is aborted with the reason and the error name when no decision was made', () => {
    const outcome = abortOutcome({ session, error: { Error: 'CallerHungUp', Cause: 'x' } }, 's-1');
    expect(outcome).toEqual({
      sessionId: 's-1',
      transactionId: session.transactionId,
      status: 'aborted',
      details: 'caller hung up; no payment was taken',
      error: 'CallerHungUp',
      resultLine: `${session.transactionId}|aborted|caller hung up; no payment was taken\n`,
    });
  });

  it('keeps the validation service\u2019s decision and the last four when End failed after it answered', () => {
    const outcome = abortOutcome(
      {
        session,
        capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' },
        validation: { outcome: 'accepted', details: 'Approved', transactionId: session.transactionId },
        error: { Error: 'Lambda.Unknown' },
      },
      's-1',
    );
    expect(outcome).toMatchObject({ status: 'accepted', last4: '1111', error: 'Lambda.Unknown' });
    expect(outcome.details).toBe('Approved; the session then closed with an error: secure session failed (Lambda.Unknown)');
    expect(outcome.resultLine).toBe(`${session.transactionId}|accepted|${outcome.details}\n`);
  });

  it('has no result line when the session never got a payment reference', () => {
    const outcome = abortOutcome({ error: { Error: 'SessionRequestRefused', Cause: '{"errorMessage":"refused"}' } }, 's-2');
    expect(outcome).toEqual({ sessionId: 's-2', status: 'aborted', details: 'refused', error: 'SessionRequestRefused' });
  });
});

describe('Abort reasons', () => {
  it.each([
    ['CallerHungUp', 'caller hung up; no payment was taken'],
    ['RecordingPauseFailed', 'call recording could not be paused, so no card details were requested'],
    ['States.Timeout', 'the secure session timed out'],
    ['AgentCancelled', 'cancelled by the agent; no payment was taken'],
  ])('explains %s', (name, text) => {
    expect(abortReason({ Error: name, Cause: 'anything' })).toBe(text);
  });

  it('explains the Connect flow key failing (FlowKeyFailed, the name the capture function fails GetKey with) in words an agent can act on', () => {
    const reason = abortReason({ Error: CONNECT_ERROR.flowKeyFailed, Cause: 'the stored customer input could not be decrypted (StoredInputDecryptError)' });
    expect(reason).toBe(
      'the secure input key of the Amazon Connect flow failed (expired or not matching), so no card details could be taken; no payment was taken. Tell your administrator to rotate the flow key',
    );
    expect(reason).not.toMatch(/secure session failed \(/);
  });

  it('passes on our own refusal message, which is built from field names only', () => {
    expect(abortReason({ Error: 'SessionRequestRefused', Cause: JSON.stringify({ errorMessage: 'Secure session refused: Amount is required' }) })).toBe(
      'Secure session refused: Amount is required',
    );
  });

  it('explains a cancel under the very error name the agent API fails the session with', () => {
    expect(abortReason({ Error: SESSION_ERROR.agentCancelled, Cause: 'the agent cancelled the secure session' })).toBe(
      'cancelled by the agent; no payment was taken',
    );
  });

  it('never quotes the cause of an unexpected error', () => {
    const reason = abortReason({ Error: 'Lambda.Unknown', Cause: 'card 4111111111111111 leaked' });
    expect(reason).toBe('secure session failed (Lambda.Unknown)');
  });
});

describe('call updates', () => {
  it('include the agent\u2019s re-enter request, which the SMA handler acts on', () => {
    // Prepare: typed as the contract's CallUpdate (tsc fails if the variant is missing)
    const update: CallUpdate = { op: 'secure-reenter', sessionId: 's-1', field: 'exp' };
    // Assess: every value is a string, as UpdateSipMediaApplicationCall Arguments must be
    expect(Object.values(update).every((v) => typeof v === 'string')).toBe(true);
    expect(update.op).toBe('secure-reenter');
  });
});
