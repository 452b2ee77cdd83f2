/**
 * The console's pure session view model: call state and session events in, what the agent's screen shows
 * out. Each test folds a sequence of inputs as the console would receive them.
 */
import { amountOf, initialView, reduce, screen, type ViewInput, type ViewState } from '../../web/src/session-view';

const CALL = 'call-1';
const S1 = 'session-1';
const S2 = 'session-2';
const FIELDS = { 'customer name': 'Joe Smith', 'charge amount': '14.55', currency: 'usd' };
const at = '2026-11-29T22:00:00.000Z';

const progress = [
  { field: 'pan' as const, label: 'Card number', state: 'waiting' as const, attempts: 0 },
  { field: 'exp' as const, label: 'Expiry date', state: 'waiting' as const, attempts: 0 },
  { field: 'cvv' as const, label: 'Security code', state: 'waiting' as const, attempts: 0 },
];

function fold(inputs: ViewInput[], from: ViewState = initialView()): ViewState {
  return inputs.reduce(reduce, from);
}

const started = (sessionId = S1): ViewInput => ({
  type: 'session.started',
  view: { sessionId, interactionId: CALL, progress },
  formId: 'card-payment',
  fields: FIELDS,
});
const push = (message: Record<string, unknown>): ViewInput => ({ type: 'push', message: { at, ...message } as never });
const outcome = (status: string, details: string, extra: Record<string, unknown> = {}, sessionId = S1): ViewInput =>
  push({ type: 'session.outcome', sessionId, status, details, ...extra });
/** The server's call state, asked for at `askedAt` (the view's input count when the request left). */
const callState = (askedAt: number, connected: boolean | undefined): ViewInput => ({
  type: 'call.state',
  interactionId: CALL,
  askedAt,
  ...(connected !== undefined ? { connected } : {}),
  parties: 2,
  caller: '•••1234',
});

function declinedSession(): ViewState {
  return fold([
    { type: 'call.selected', interactionId: CALL },
    callState(0, true),
    started(),
    push({ type: 'card.captured', sessionId: S1, brand: 'visa', last4: '0002' }),
    outcome('declined', 'do not honour', { transactionId: 'T-1' }),
  ]);
}

describe('Retry', () => {
  it('is not offered right after a decline, while the caller is still being returned', () => {
    // Act
    const shown = screen(declinedSession());
    // Assess
    expect(shown.step).toBe('outcome');
    expect(shown.retry).toMatchObject({ shown: true, enabled: false });
    expect(shown.retry.note).toMatch(/once the caller is back/);
    expect(shown.callerLine).toBe('Returning the caller to you…');
  });

  it('ignores a "connected" answer that was asked for before the outcome arrived', () => {
    // Prepare
    const state = declinedSession();
    // Act: a list refresh sent before the outcome answers late
    const shown = screen(reduce(state, callState(2, true)));
    // Assess
    expect(shown.retry.enabled).toBe(false);
  });

  it('is offered once the server says the caller is connected again', () => {
    // Prepare
    const state = declinedSession();
    // Act
    const shown = screen(reduce(state, callState(state.seq, true)));
    // Assess
    expect(shown.retry).toMatchObject({ shown: true, enabled: true, text: 'Retry', note: '' });
    expect(shown.callerLine).toBe('The caller is back with you.');
    expect(shown.summary).toBe('Caller •••1234 · connected to you · 2 parties');
  });

  it('is offered when a newer server pushes that the caller is back', () => {
    // Act
    const shown = screen(reduce(declinedSession(), push({ type: 'caller.returned', sessionId: S1 })));
    // Assess
    expect(shown.retry.enabled).toBe(true);
  });

  it('shows progress while it starts and keeps the previous outcome visible during the retry', () => {
    // Prepare
    let state = declinedSession();
    state = reduce(state, callState(state.seq, true));
    // Act
    const starting = screen(reduce(state, { type: 'retry.requested' }));
    const running = screen(fold([{ type: 'retry.requested' }, started(S2)], state));
    // Assess
    expect(starting.retry).toMatchObject({ enabled: false, text: 'Starting retry…', note: 'Starting the retry…' });
    expect(starting.outcome?.title).toBe('Declined');
    expect(running.step).toBe('waiting');
    expect(running.previous?.title).toBe('Declined');
    expect(running.previous?.lines).toContainEqual({ label: 'Details', value: 'do not honour' });
  });

  it('keeps the outcome and says why when the server refuses the retry', () => {
    // Prepare
    let state = declinedSession();
    state = reduce(state, callState(state.seq, true));
    // Act
    const shown = screen(fold([{ type: 'retry.requested' }, { type: 'retry.refused', reason: 'The call is no longer connected' }], state));
    // Assess
    expect(shown.outcome?.lines).toContainEqual({ label: 'Details', value: 'do not honour' });
    expect(shown.retry.note).toBe('The call is no longer connected');
    expect(shown.retry.enabled).toBe(true);
  });

  it('is never offered after the caller hung up', () => {
    // Act
    const hungUpDuring = screen(
      fold([
        { type: 'call.selected', interactionId: CALL },
        callState(0, true),
        started(),
        push({ type: 'caller.hung-up', sessionId: S1 }),
        outcome('aborted', 'caller hung up; no payment was taken', { error: 'CallerHungUp' }),
      ]),
    );
    let state = declinedSession();
    state = fold([callState(state.seq, true), { type: 'calls.listed', askedAt: state.seq, interactionIds: [CALL] }], state);
    const hungUpAfter = screen(reduce(state, { type: 'calls.listed', askedAt: state.seq + 5, interactionIds: [] }));
    // Assess
    expect(hungUpDuring.retry.shown).toBe(false);
    expect(hungUpDuring.callerLine).toMatch(/hung up/);
    expect(hungUpDuring.summary).toBe('Caller •••1234 · the caller hung up · call ended');
    expect(hungUpAfter.retry.shown).toBe(false);
    expect(hungUpAfter.summary).toBe('Caller •••1234 · call ended');
  });

  it('is never offered once the server says the caller left the call', () => {
    // Prepare
    const state = declinedSession();
    // Act
    const shown = screen(reduce(state, { type: 'call.state', interactionId: CALL, askedAt: state.seq, connected: false, callerConnected: false }));
    // Assess
    expect(shown.retry.shown).toBe(false);
    expect(shown.summary).toBe('Caller •••1234 · call ended');
    expect(shown.callerLine).toMatch(/hung up/);
  });

  it('is not offered after an acceptance, and an empty call list (AWS) says nothing about the call', () => {
    // Prepare
    let state = fold([
      { type: 'call.selected', interactionId: CALL },
      started(),
      outcome('accepted', 'approved', { transactionId: 'T-9', last4: '1111', brand: 'visa' }),
    ]);
    // Act
    state = reduce(state, { type: 'calls.listed', askedAt: state.seq, interactionIds: [] });
    const shown = screen(state);
    // Assess
    expect(shown.retry.shown).toBe(false);
    expect(shown.dismissShown).toBe(false);
    expect(shown.summary).not.toMatch(/ended/);
  });

  it('lets the agent retry where the server cannot tell whether the caller is connected', () => {
    // Prepare
    const state = fold([{ type: 'call.selected', interactionId: CALL, declaredParties: 2 }, started(), outcome('declined', 'do not honour')]);
    // Act
    const shown = screen(reduce(state, callState(state.seq, undefined)));
    // Assess
    expect(shown.retry.enabled).toBe(true);
    expect(shown.retry.note).toMatch(/desktop/);
  });
});

describe('the unknown outcome', () => {
  it('has its own look, says to check with the gateway, and disables Retry even with the caller back', () => {
    // Prepare
    let state = fold([{ type: 'call.selected', interactionId: CALL }, started(), outcome('unknown', 'no reply')]);
    state = reduce(state, callState(state.seq, true));
    // Act
    const shown = screen(state);
    // Assess
    expect(shown.outcome?.tone).toBe('unknown');
    expect(shown.outcome?.title).toBe('Payment status unknown');
    expect(shown.outcome?.lines).toContainEqual({ label: 'Details', value: 'payment status unknown: check with the gateway before taking another payment' });
    expect(shown.outcome?.lines).toContainEqual({ label: 'Amount', value: '14.55 USD: may have been charged' });
    expect(shown.retry).toMatchObject({ shown: true, enabled: false });
    expect(shown.retry.note).toMatch(/check with the gateway/);
  });

  it('is also how an older server\'s "no reply" decline is shown', () => {
    // Act
    const shown = screen(fold([{ type: 'call.selected', interactionId: CALL }, started(), outcome('declined', 'no reply from the validation service')]));
    // Assess
    expect(shown.outcome?.tone).toBe('unknown');
  });
});

describe('Cancel', () => {
  it('says "returning the caller…" from the click until the caller is back', () => {
    // Prepare
    const running = fold([
      { type: 'call.selected', interactionId: CALL },
      callState(0, true),
      started(),
      push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'prompted', attempt: 1 }),
    ]);
    // Act
    const clicked = screen(reduce(running, { type: 'cancel.requested' }));
    const ended = fold(
      [{ type: 'cancel.requested' }, outcome('aborted', 'cancelled by the agent; no payment was taken', { error: 'AgentCancelled' })],
      running,
    );
    const back = reduce(ended, callState(ended.seq, true));
    // Assess
    expect(clicked.cancel).toEqual({ text: 'Returning the caller…', disabled: true });
    expect(clicked.stage).toMatch(/returning the caller/);
    expect(clicked.summary).toMatch(/returning the caller/);
    expect(screen(ended).outcome?.title).toBe('Cancelled — no payment was taken');
    expect(screen(ended).callerLine).toBe('Returning the caller to you…');
    expect(screen(ended).busy).toBe(true);
    expect(screen(back).callerLine).toBe('The caller is back with you.');
    expect(screen(back).busy).toBe(false);
  });

  it('goes back to the running view with the reason when the server refuses', () => {
    // Prepare
    const running = fold([{ type: 'call.selected', interactionId: CALL }, started(), { type: 'cancel.requested' }]);
    // Act
    const shown = screen(reduce(running, { type: 'cancel.refused', reason: 'The card details were already submitted for validation; wait for the outcome' }));
    // Assess
    expect(shown.cancel.text).toBe('Cancel secure input');
    expect(shown.stage).toMatch(/already submitted/);
  });
});

describe('the call summary and progress', () => {
  it('never shows a raw interaction id, and says "caller in the secure IVR" only while the session runs', () => {
    // Prepare
    const selected = fold([{ type: 'call.selected', interactionId: CALL }]);
    const running = reduce(reduce(selected, callState(1, true)), started());
    const afterOutcome = reduce(running, outcome('accepted', 'approved'));
    // Act / Assess
    expect(screen(selected).summary).toBe('This call · status from your desktop');
    expect(screen(selected).summary).not.toContain(CALL);
    expect(screen(running).summary).toBe('Caller •••1234 · caller in the secure IVR');
    expect(screen(afterOutcome).summary).toBe('Caller •••1234 · returning the caller to you…');
    expect(screen(reduce(afterOutcome, callState(afterOutcome.seq, true))).summary).toBe('Caller •••1234 · connected to you · 2 parties');
  });

  it('after "Ask to re-enter" on the card number, shows the later fields as to be asked again, not "Caller is keying"', () => {
    // Prepare
    const keyingExpiry = fold([
      { type: 'call.selected', interactionId: CALL },
      started(),
      push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'prompted', attempt: 1 }),
      push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'captured', attempt: 1, digitsEntered: 16 }),
      push({ type: 'card.captured', sessionId: S1, brand: 'visa', last4: '1111' }),
      push({ type: 'field.progress', sessionId: S1, field: 'exp', state: 'prompted', attempt: 1 }),
    ]);
    // Act
    const asked = screen(reduce(keyingExpiry, { type: 'reenter.requested', field: 'pan' }));
    const restarted = screen(
      fold(
        [
          { type: 'reenter.requested', field: 'pan' },
          push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'restarted', reason: 'agent asked for the field again' }),
          push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'prompted', attempt: 1 }),
        ],
        keyingExpiry,
      ),
    );
    // Assess
    expect(screen(keyingExpiry).progress[1]?.stateText).toBe('Caller is keying');
    expect(asked.progress[0]?.stateText).toMatch(/Re-entry asked/);
    expect(asked.progress[1]?.stateText).toBe('To be asked again');
    expect(asked.progress[1]?.reenter).toBeUndefined();
    expect(restarted.progress[0]?.stateText).toBe('Caller is keying');
    expect(restarted.progress[1]?.stateText).not.toMatch(/keying/);
  });

  it('names each re-enter button with its visible text first (axe label-content-name-mismatch)', () => {
    // Act
    const shown = screen(
      fold([
        { type: 'call.selected', interactionId: CALL },
        started(),
        push({ type: 'field.progress', sessionId: S1, field: 'pan', state: 'prompted', attempt: 1 }),
      ]),
    );
    const button = shown.progress[0]?.reenter;
    // Assess
    expect(button?.text).toBe('Ask to re-enter');
    expect(button?.name.startsWith(button.text)).toBe(true);
  });

  it('writes the outcome as separate lines with the amount charged and the reference', () => {
    // Act
    const shown = screen(
      fold([
        { type: 'call.selected', interactionId: CALL },
        started(),
        outcome('accepted', 'approved', { transactionId: 'T-9', last4: '1111', brand: 'visa' }),
      ]),
    );
    // Assess
    expect(shown.outcome?.lines).toEqual([
      { label: 'Card', value: 'Visa •••• 1111' },
      { label: 'Amount', value: '14.55 USD charged' },
      { label: 'Details', value: 'approved' },
      { label: 'Reference', value: 'T-9' },
    ]);
  });

  it('ignores pushes for another session and reads an amount only from the amount fields', () => {
    // Prepare
    const state = fold([{ type: 'call.selected', interactionId: CALL }, started()]);
    // Act
    const after = reduce(state, outcome('accepted', 'approved', {}, 'someone-else'));
    // Assess
    expect(screen(after).step).toBe('waiting');
    expect(amountOf({ 'customer account': '343453422' })).toBeUndefined();
    expect(amountOf({ amount: '3.00' })).toBe('3.00');
  });
});
