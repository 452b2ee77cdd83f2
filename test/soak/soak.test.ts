/**
 * A small bounded soak in the test suite: 20 calls, 8 at once, every fault kind in the mix, through a
 * fresh sandbox. Whatever the faults did to each payment, afterwards nothing may be stuck, no vault item
 * left, no audit chain incomplete, no card digit anywhere, and no card prompt heard by agent or recording.
 * `npm run soak` runs the full-size version.
 */
import { FAULT_KINDS } from '../../sandbox/faults/fault-plan';
import { runSoak, type SoakReport } from '../../sandbox/faults/soak-runner';

let report: SoakReport;

beforeAll(async () => {
  report = await runSoak({ calls: 20, concurrency: 8, kinds: FAULT_KINDS, seed: 7, faultRate: 0.8, deadlineMs: 3000, settleMs: 20_000 });
}, 240_000);

describe('a bounded soak with random faults', () => {
  it('completes every call with a final state', () => {
    expect(Object.values(report.byOutcome).reduce((a, b) => a + b, 0)).toBe(20);
    expect(report.byOutcome['harness-error'] ?? 0).toBe(0);
    expect(report.byOutcome.failed ?? 0).toBe(0);
  });

  it('actually injected faults', () => {
    expect(Object.keys(report.byFault).filter((f) => f !== 'none').length).toBeGreaterThanOrEqual(5);
  });

  it('leaves no stuck session, vault item, incomplete audit chain, card digit (normalised), double charge or audible card prompt', () => {
    expect({
      stuckSessions: report.stuckSessions,
      vaultItemsLeft: report.vaultItemsLeft,
      incompleteAuditChains: report.incompleteAuditChains,
      cardDigitsFound: report.cardDigitsFound,
      doubleCharges: report.doubleCharges,
      cardSafetyViolations: report.cardSafetyViolations,
      problems: report.problems,
    }).toEqual({ stuckSessions: 0, vaultItemsLeft: 0, incompleteAuditChains: 0, cardDigitsFound: 0, doubleCharges: 0, cardSafetyViolations: 0, problems: [] });
  });
});

describe('a soak where the validation service echoes the card data in disguise (security review 1)', () => {
  let echo: SoakReport;

  beforeAll(async () => {
    echo = await runSoak({ calls: 8, concurrency: 4, kinds: ['validation-echo-disguised'], seed: 11, faultRate: 1, deadlineMs: 3000, settleMs: 20_000 });
  }, 240_000);

  it('served the disguised echoes and still finds no card data, normalised, anywhere, and no double charge', () => {
    const echoes = Object.entries(echo.validationFaultsServed)
      .filter(([k]) => k.startsWith('echo-disguised:'))
      .reduce((n, [, v]) => n + v, 0);
    expect(echoes).toBeGreaterThan(0);
    // The audit trail records, per session, that details were masked (a count, never the text).
    expect(echo.detailsMaskedSessions).toBe(echoes);
    expect({ cardDigitsFound: echo.cardDigitsFound, doubleCharges: echo.doubleCharges, stuckSessions: echo.stuckSessions, problems: echo.problems }).toEqual({
      cardDigitsFound: 0,
      doubleCharges: 0,
      stuckSessions: 0,
      problems: [],
    });
  });
});
