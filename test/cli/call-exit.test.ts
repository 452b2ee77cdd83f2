import { EXIT_OUTCOME_UNKNOWN, exitCodeFor } from '../../bin/commands/call';

describe('secure-ivr call exit status', () => {
  it.each([
    [{ outcome: 'accepted' as const, error: undefined }, 0],
    [{ outcome: 'declined' as const, error: undefined }, 0],
    [{ outcome: 'aborted' as const, error: 'CallerHungUp' }, 3],
    [{ outcome: 'aborted' as const, error: 'SessionRequestRefused' }, 2],
    [{ outcome: 'failed' as const, error: undefined }, 1],
  ])('maps %j to %i', (summary, code) => {
    // Act
    const status = exitCodeFor(summary as Parameters<typeof exitCodeFor>[0]);

    // Assess
    expect(status).toBe(code);
  });

  it('security review 3: exits 4 for an unknown outcome, never 0 as a decline would', () => {
    // Act
    const status = exitCodeFor({ outcome: 'unknown' } as Parameters<typeof exitCodeFor>[0]);

    // Assess
    expect(status).toBe(EXIT_OUTCOME_UNKNOWN);
    expect(EXIT_OUTCOME_UNKNOWN).toBe(4);
  });
});
