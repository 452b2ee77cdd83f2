import { abortReason, cleanDetails, endOutcome, formatResultLine } from '../../../lambdas/session/outcome';
import type { CallUpdate, SessionContext } from '../../../lambdas/shared/session/contract';
import { AGENT_CANCELLED } from '../../../lambdas/agent-api/agent-service';

const session: SessionContext = {
  sessionId: 's-1',
  callTransactionId: 'call-1',
  transactionId: 'SIV-20261122-ABCDEF',
  agentId: 'agent-7',
  formId: 'card-payment',
  ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
};

describe('result line', () => {
  it('is transactionId|ApprovalValue|ApprovalResult with a newline, pipes and line breaks removed from the details', () => {
    expect(formatResultLine('SIV-1', 'accepted', 'ok|auth 123\r\nthanks')).toBe('SIV-1|accepted|ok auth 123 thanks\n');
  });

  it('caps the details at 200 characters', () => {
    expect(cleanDetails('x'.repeat(500))).toHaveLength(200);
  });
});

describe('End outcome', () => {
  it('reports an accepted validation with the last four digits', () => {
    const outcome = endOutcome({
      session,
      capture: { status: 'captured', vaultRef: 'v', brand: 'visa', last4: '1111' },
      validation: { outcome: 'accepted', details: 'Approved', resultLine: '', transactionId: session.transactionId },
    });
    expect(outcome).toEqual({ sessionId: 's-1', transactionId: 'SIV-20261122-ABCDEF', status: 'accepted', details: 'Approved', resultLine: 'SIV-20261122-ABCDEF|accepted|Approved\n', last4: '1111', brand: 'visa' });
  });

  it('reports a capture that ran out of attempts as declined with its reason', () => {
    const outcome = endOutcome({ session, capture: { status: 'declined', reason: 'card details not accepted: card has expired (3 attempts)' } });
    expect(outcome.status).toBe('declined');
    expect(outcome.resultLine).toBe('SIV-20261122-ABCDEF|declined|card details not accepted: card has expired (3 attempts)\n');
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

  it('passes on our own refusal message, which is built from field names only', () => {
    expect(abortReason({ Error: 'SessionRequestRefused', Cause: JSON.stringify({ errorMessage: 'Secure session refused: Amount is required' }) })).toBe('Secure session refused: Amount is required');
  });

  it('explains a cancel under the very error name the agent API fails the session with', () => {
    expect(abortReason({ Error: AGENT_CANCELLED, Cause: 'the agent cancelled the secure session' })).toBe('cancelled by the agent; no payment was taken');
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
