/** What the keypad page says about the caller's line (web/src/keypad-status.ts). */
import { callerStatus } from '../../web/src/keypad-status';

describe('the keypad page status', () => {
  it('says "Connecting…" only before the caller first talked to the agent', () => {
    expect(callerStatus({ status: 'active', agentOnLine: false, recording: 'off' }, false)).toBe('Connecting…');
    expect(callerStatus({ status: 'active', agentOnLine: false, recording: 'recording' }, true)).toBe(
      'Automated payment line — you will be put back through to the agent.',
    );
  });

  it('names the agent, the secure line and the end of the call', () => {
    expect(callerStatus({ status: 'active', agentOnLine: true, recording: 'recording' }, true)).toBe('Talking to the agent.');
    expect(callerStatus({ status: 'active', agentOnLine: false, recording: 'paused' }, true)).toMatch(/^Secure payment line/);
    expect(callerStatus({ status: 'ended', agentOnLine: false, recording: 'off' }, true)).toBe('Call ended.');
    expect(callerStatus({ status: 'dropped', agentOnLine: true, recording: 'recording' }, true)).toBe('Call ended.');
  });
});
