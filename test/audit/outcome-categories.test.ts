/**
 * Outcome categories for finance (lambdas/audit/outcome-categories.ts): accepted, declined by the
 * gateway, not completed and unknown kept apart, stable categories with their free text, and the
 * day-by-day series with every day of the range.
 */
import { categoryOf, dailySeries, daysOf, formatMinor, minorUnits, resultOf, summarizeCategories } from '../../lambdas/audit/outcome-categories';

describe('categoryOf', () => {
  it.each([
    [{ outcome: 'accepted', details: 'Approved' }, 'accepted', 'accepted'],
    [{ outcome: 'declined', details: 'Declined - do not honour' }, 'gateway-declined', 'declined'],
    [{ outcome: 'declined', details: 'card details not accepted: no entry before the time limit (3 attempts)' }, 'card-entry-failed', 'not-completed'],
    [
      {
        outcome: 'declined',
        details:
          'connection to the validation service was lost before a complete reply - validation outcome unknown - the payment may have been processed; check with the payment gateway before retrying',
      },
      'status-unknown',
      'unknown',
    ],
    [{ outcome: 'declined', details: 'no reply from the validation service' }, 'status-unknown', 'unknown'],
    [{ outcome: 'unknown', details: 'payment status unknown: check with the gateway before taking another payment' }, 'status-unknown', 'unknown'],
    [{ outcome: 'declined', details: 'validation service refused the connection; the payment was not sent' }, 'validation-service-failed', 'not-completed'],
    [{ outcome: 'declined', details: 'validation service answered with HTTP status 500' }, 'validation-service-failed', 'not-completed'],
    [
      { outcome: 'declined', details: 'card data is no longer available (the session expired or was ended); start a new secure session' },
      'system-error',
      'not-completed',
    ],
    [{ outcome: 'aborted', details: 'cancelled by the agent; no payment was taken', error: 'AgentCancelled' }, 'agent-cancelled', 'not-completed'],
    [{ outcome: 'aborted', details: 'caller hung up; no payment was taken', error: 'CallerHungUp' }, 'caller-hung-up', 'not-completed'],
    [{ outcome: 'aborted', details: 'caller hung up; no payment was taken' }, 'caller-hung-up', 'not-completed'],
    [{ outcome: 'aborted', details: 'Secure input refused: check the form fields', error: 'SessionRequestRefused' }, 'request-refused', 'not-completed'],
    [{ outcome: 'aborted', details: 'the secure session timed out', error: 'States.Timeout' }, 'timed-out', 'not-completed'],
    [{ outcome: 'aborted', details: 'secure session failed (Boom)', error: 'Boom' }, 'system-error', 'not-completed'],
  ])('puts %j in %s (%s)', (record, category, result) => {
    expect(categoryOf(record)).toBe(category);
    expect(resultOf(record)).toBe(result);
  });
});

describe('summarizeCategories', () => {
  it('counts every result apart, keeps the free text per category, and lists only gateway declines as declines', () => {
    // Prepare
    const records = [
      { outcome: 'accepted', details: 'Approved' },
      { outcome: 'declined', details: 'Declined - do not honour' },
      { outcome: 'declined', details: 'Declined - do not honour' },
      { outcome: 'declined', details: 'Declined - insufficient funds' },
      { outcome: 'aborted', details: 'caller hung up; no payment was taken', error: 'CallerHungUp' },
      { outcome: 'aborted', details: 'cancelled by the agent; no payment was taken', error: 'AgentCancelled' },
      { outcome: 'declined', details: 'no reply from the validation service' },
    ];
    // Act
    const summary = summarizeCategories(records);
    // Assess
    expect(summary.results).toEqual({ accepted: 1, declined: 3, 'not-completed': 2, unknown: 1 });
    expect(summary.categories.map((c) => [c.id, c.count])).toEqual([
      ['accepted', 1],
      ['gateway-declined', 3],
      ['caller-hung-up', 1],
      ['agent-cancelled', 1],
      ['status-unknown', 1],
    ]);
    expect(summary.categories[1]?.details).toEqual([
      { text: 'Declined - do not honour', count: 2 },
      { text: 'Declined - insufficient funds', count: 1 },
    ]);
    expect(summary.declinesByReason).toEqual([
      { reason: 'Declined - do not honour', count: 2 },
      { reason: 'Declined - insufficient funds', count: 1 },
    ]);
  });

  it('gives an empty window zero of every result and no categories', () => {
    expect(summarizeCategories([])).toEqual({ results: { accepted: 0, declined: 0, 'not-completed': 0, unknown: 0 }, categories: [], declinesByReason: [] });
  });
});

describe('dailySeries', () => {
  it('has a point for every day of the range, empty days included, with accepted amounts per currency', () => {
    // Prepare
    const records = [
      { at: '2026-11-02T10:00:00.000Z', outcome: 'accepted', details: 'ok', amount: '14.55', currency: 'USD' },
      { at: '2026-11-02T11:00:00.000Z', outcome: 'accepted', details: 'ok', amount: '0.45', currency: 'USD' },
      { at: '2026-11-02T12:00:00.000Z', outcome: 'accepted', details: 'ok', amount: '3', currency: 'EUR' },
      { at: '2026-11-04T09:00:00.000Z', outcome: 'declined', details: 'Declined - do not honour', amount: '9.99', currency: 'USD' },
      { at: '2026-11-09T09:00:00.000Z', outcome: 'accepted', details: 'outside the range', amount: '1.00', currency: 'USD' },
    ];
    // Act
    const series = dailySeries(records, '2026-11-01', '2026-11-04');
    // Assess
    expect(series.map((p) => p.day)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04']);
    expect(series[0]).toEqual({ day: '2026-11-01', results: { accepted: 0, declined: 0, 'not-completed': 0, unknown: 0 }, acceptedMinor: {} });
    expect(series[1]?.results.accepted).toBe(3);
    expect(formatMinor(series[1]?.acceptedMinor.USD ?? -1)).toBe('15.00');
    expect(formatMinor(series[1]?.acceptedMinor.EUR ?? -1)).toBe('3.00');
    expect(series[3]?.results.declined).toBe(1);
    expect(series[3]?.acceptedMinor).toEqual({});
  });

  it('refuses malformed days and bad amounts without throwing', () => {
    expect(daysOf('2026-11-01', 'yesterday')).toEqual([]);
    expect(daysOf('2026-11-03', '2026-11-01')).toEqual([]);
    expect(minorUnits('1e5')).toBe(0);
    expect(minorUnits(undefined)).toBe(0);
    expect(formatMinor(123_4567)).toBe('123.4567');
  });
});
