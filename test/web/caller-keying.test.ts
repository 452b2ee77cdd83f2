/** The console's caller-keying warning: shown for the call on screen, gone after a while or once the secure IVR has the caller. */
import { CALLER_KEYING_SHOW_MS, CALLER_KEYING_TEXT, startCallerKeyingWarning, type WarningElement } from '../../web/src/caller-keying';

function harness() {
  const element: WarningElement = { hidden: true, textContent: '' };
  const pending = new Map<number, { run: () => void; ms: number }>();
  let next = 0;
  const timers = {
    setTimeout: (run: () => void, ms: number) => {
      next += 1;
      pending.set(next, { run, ms });
      return next;
    },
    clearTimeout: (id: number | undefined) => {
      if (id !== undefined) pending.delete(id);
    },
  };
  const fire = () => {
    for (const [id, t] of [...pending]) {
      pending.delete(id);
      t.run();
    }
  };
  return { element, warning: startCallerKeyingWarning(element, timers), pending, fire };
}

const keying = (interactionId: string) => ({ type: 'caller-keying' as const, interactionId, at: '2026-11-30T00:00:00Z' });

describe('caller-keying warning', () => {
  it('shows the warning for the call on screen, and hides it a few seconds after the last report', () => {
    const h = harness();
    h.warning.onPush(keying('call-1'), 'call-1');
    expect(h.element.hidden).toBe(false);
    expect(h.element.textContent).toBe(CALLER_KEYING_TEXT);
    expect([...h.pending.values()].map((t) => t.ms)).toEqual([CALLER_KEYING_SHOW_MS]);
    h.fire();
    expect(h.element.hidden).toBe(true);
  });

  it('ignores a report about another call, or when no call is shown', () => {
    const h = harness();
    h.warning.onPush(keying('call-2'), 'call-1');
    h.warning.onPush(keying('call-2'), undefined);
    expect(h.element.hidden).toBe(true);
  });

  it('goes as soon as the secure IVR has the caller', () => {
    const h = harness();
    h.warning.onPush(keying('call-1'), 'call-1');
    h.warning.onPush({ type: 'session.stage', sessionId: 's', stage: 'agent-separated', at: 'x' }, 'call-1');
    expect(h.element.hidden).toBe(true);
    expect(h.pending.size).toBe(0);
  });

  it('a new report restarts the time it stays', () => {
    const h = harness();
    h.warning.onPush(keying('call-1'), 'call-1');
    h.warning.onPush(keying('call-1'), 'call-1');
    expect(h.pending.size).toBe(1);
  });
});
