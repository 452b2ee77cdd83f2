/** Finance outcome records: what is kept, how they are totalled and exported. */
import { buildOutcomeRecord, outcomesCsv, summarizeOutcomes, type OutcomeRecord } from '../../lambdas/audit/outcomes';
import { parseWindow, roleAllows } from '../../lambdas/audit/finance-api';

const base = (o: Partial<OutcomeRecord>): OutcomeRecord => ({
  v: 1,
  at: '2026-11-20T10:00:00.000Z',
  sessionId: 's',
  formId: 'card-payment',
  agentId: 'alice',
  outcome: 'accepted',
  details: 'ok',
  ...o,
});

describe('finance outcome records', () => {
  it('keep amount, currency, brand and last four, and none of the form’s other fields', () => {
    // Act
    const record = buildOutcomeRecord({
      outcome: { sessionId: 's-1', transactionId: 'SIV-1', status: 'accepted', details: 'Approved', brand: 'visa', last4: '1111' },
      at: new Date('2026-11-20T10:00:00.000Z'),
      formId: 'card-payment',
      agentId: 'alice',
      workgroup: 'payments',
      fields: { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55', currency: 'usd' },
    });
    // Assess
    expect(record).toEqual({
      v: 1,
      at: '2026-11-20T10:00:00.000Z',
      sessionId: 's-1',
      transactionId: 'SIV-1',
      formId: 'card-payment',
      workgroup: 'payments',
      agentId: 'alice',
      amount: '14.55',
      currency: 'USD',
      brand: 'visa',
      last4: '1111',
      outcome: 'accepted',
      details: 'Approved',
    });
    expect(JSON.stringify(record)).not.toContain('343453422');
  });

  it('leave out an amount that is not a decimal number', () => {
    const record = buildOutcomeRecord({
      outcome: { sessionId: 's', status: 'declined', details: 'x' },
      at: new Date(),
      fields: { 'charge amount': '4111111111111111 oops' },
    });
    expect(record.amount).toBeUndefined();
  });

  it('total accepted amounts per currency without float drift and rank declines by reason', () => {
    // Prepare
    const records = [
      base({ amount: '0.10', currency: 'USD' }),
      base({ amount: '0.20', currency: 'USD' }),
      base({ amount: '5', currency: 'EUR', at: '2026-11-21T09:00:00.000Z' }),
      base({ outcome: 'declined', details: 'Declined - do not honour', amount: '9.99', currency: 'USD' }),
      base({ outcome: 'declined', details: 'Declined - do not honour' }),
      base({ outcome: 'aborted', details: 'caller hung up; no payment was taken', at: '2026-11-21T09:30:00.000Z' }),
    ];
    // Act
    const summary = summarizeOutcomes(records);
    // Assess
    expect(summary).toMatchObject({ sessions: 6, accepted: 3, declined: 2, aborted: 1, acceptanceRate: 0.5, acceptedAmounts: { EUR: '5.00', USD: '0.30' } });
    expect(summary.declinesByReason).toEqual([
      { reason: 'Declined - do not honour', count: 2 },
      { reason: 'caller hung up; no payment was taken', count: 1 },
    ]);
    expect(summary.perDay).toEqual([
      { day: '2026-11-20', accepted: 2, declined: 2, unknown: 0, aborted: 0, acceptedAmounts: { USD: '0.30' } },
      { day: '2026-11-21', accepted: 1, declined: 0, unknown: 0, aborted: 1, acceptedAmounts: { EUR: '5.00' } },
    ]);
  });

  it('export as CSV with a header, quoting, and formula-looking text defused', () => {
    // Act
    const csv = outcomesCsv([base({ details: '=HYPERLINK("x"), ok', transactionId: 'SIV-1' })]);
    // Assess
    expect(csv.split('\r\n')[0]).toBe('time,form,workgroup,agent,amount,currency,brand,last4,outcome,details,transactionId,sessionId,token,result,category');
    expect(csv.split('\r\n')[1]).toBe('2026-11-20T10:00:00.000Z,card-payment,,alice,,,,,accepted,"\'=HYPERLINK(""x""), ok",SIV-1,s,,accepted,accepted');
  });

  it('count an unknown outcome in its own column, never as a decline, with the amounts that may have been charged (security review 3)', () => {
    // Prepare
    const records = [
      base({
        outcome: 'unknown',
        details: 'payment status unknown: check with the gateway before taking another payment (timeout)',
        amount: '12.50',
        currency: 'USD',
        transactionId: 'SIV-U',
      }),
      base({ outcome: 'declined', details: 'Declined - do not honour' }),
    ];

    // Act
    const summary = summarizeOutcomes(records);
    const csv = outcomesCsv(records).split('\r\n');

    // Assess
    expect(summary).toMatchObject({ sessions: 2, accepted: 0, declined: 1, unknown: 1, aborted: 0, unknownAmounts: { USD: '12.50' } });
    expect(summary.declinesByReason).toEqual([{ reason: 'Declined - do not honour', count: 1 }]);
    expect(summary.perDay).toEqual([{ day: '2026-11-20', accepted: 0, declined: 1, unknown: 1, aborted: 0, acceptedAmounts: {} }]);
    expect(csv[1]).toMatch(/,unknown,.*,SIV-U,s,,unknown,status-unknown$/);
    expect(csv[2]).toMatch(/,declined,.*,s,,declined,gateway-declined$/);
  });
});

describe('the finance API rules', () => {
  it('lets the finance role read outcomes and its page only', () => {
    expect(roleAllows('finance', 'GET', '/api/outcomes')).toBe(true);
    expect(roleAllows('finance', 'GET', '/finance/')).toBe(true);
    expect(roleAllows('finance', 'GET', '/sessions/abc')).toBe(false);
    expect(roleAllows('finance', 'POST', '/api/outcomes')).toBe(false);
    expect(roleAllows('finance', 'GET', '/health')).toBe(false);
    expect(roleAllows(undefined, 'GET', '/health')).toBe(true);
  });

  it('reads a date window with an inclusive end day and refuses a reversed one', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(parseWindow('2026-11-01', '2026-11-02', now)).toEqual({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-11-03T00:00:00Z') });
    expect(parseWindow('2026-11-05', '2026-11-02', now)).toEqual({ problem: 'from must be before to' });
    expect(parseWindow('yesterday', undefined, now)).toEqual({ problem: 'from must be a date (YYYY-MM-DD) or an ISO 8601 time' });
  });
});
