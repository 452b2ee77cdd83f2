/**
 * What the keypad page says about the caller's line, from the sandbox's call view. Pure, so each case is
 * unit tested: once the caller has talked to the agent, being off the agent's line is the automated
 * payment line (on the way in or on the way back), never "Connecting…".
 */
export interface CallerLine {
  status: 'active' | 'ended' | 'dropped';
  agentOnLine: boolean;
  recording: 'off' | 'recording' | 'paused';
}

export function callerStatus(view: CallerLine, talkedToAgent: boolean): string {
  if (view.status !== 'active') return 'Call ended.';
  if (view.agentOnLine) return 'Talking to the agent.';
  if (view.recording === 'paused') return 'Secure payment line — the agent cannot hear you and recording is paused.';
  return talkedToAgent ? 'Automated payment line — you will be put back through to the agent.' : 'Connecting…';
}
