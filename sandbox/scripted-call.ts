/**
 * One whole call through the sandbox, as `secure-ivr call` runs it: the caller dials in and is bridged
 * to the agent, the agent asks for a secure session with the form's fields, the caller keys the script,
 * and once the outcome is back the caller hangs up. Used by the CLI, the tests and the benchmarks.
 */
import { ScriptedCaller } from './sma/caller';
import type { CallResult, Sandbox, SessionAsk } from './sandbox';

export interface ScriptedCallOptions extends SessionAsk {
  /** Caller keys: 0-9 # * ; w lets the current prompt time out; h hangs up. */
  keys: string;
  /** How long to wait for the call to reach each point. @default 60000 */
  timeoutMs?: number;
}

export async function runScriptedCall(sandbox: Sandbox, options: ScriptedCallOptions): Promise<CallResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const caller = new ScriptedCaller(options.keys);
  const call = await sandbox.placeCall(caller);
  // The agent asks for a session once talking to the caller (and the recording is running).
  await call.waitFor((c) => c.attributes.stage === 'bridged' && (c.attributes.rec === 'on' || !process.env.RECORDING_BUCKET), timeoutMs);
  const { sessionId, executionArn } = await sandbox.requestSession(call, options);
  const ended = await sandbox.sessionOutcome(executionArn, timeoutMs);
  const outcomeAt = Date.now();
  const lastKey = call.lastKeyAt;
  // Let the call settle: the agent is called back, or the caller has gone.
  await call.waitFor((c) => c.status !== 'active' || c.attributes.stage === 'bridged' || c.attributes.stage === 'ended', timeoutMs).catch(() => undefined);
  if (call.status === 'active') await call.hangUpCaller();
  await call.ended();
  return {
    ...ended,
    sessionId: ended.sessionId || sessionId,
    executionArn,
    call,
    ...(lastKey !== undefined ? { lastKeyToOutcomeMs: outcomeAt - lastKey } : {}),
  };
}

/** What a scripted call reports to whoever ran it (the CLI's --json and the sandbox API): no card data. */
export interface CallSummary {
  sessionId: string;
  outcome: CallResult['outcome'];
  details: string;
  last4: string | null;
  transactionId: string | null;
  resultLine: string | null;
  error: string | null;
}

/** A scripted call on whichever telephony the sandbox runs (Chime SMA, or Amazon Connect). */
export async function runAnyScriptedCall(sandbox: Sandbox, options: ScriptedCallOptions): Promise<Omit<CallResult, 'call' | 'executionArn'>> {
  if (!sandbox.connect) return runScriptedCall(sandbox, options);
  const { runConnectScriptedCall } = await import('./connect/connect-call');
  return runConnectScriptedCall(sandbox, sandbox.connect, options);
}

export function summarizeCall(result: Omit<CallResult, 'call' | 'executionArn'>): CallSummary {
  return {
    sessionId: result.sessionId,
    outcome: result.outcome,
    details: result.details,
    last4: result.last4 ?? null,
    transactionId: result.transactionId ?? null,
    resultLine: result.resultLine ?? null,
    error: result.error ?? null,
  };
}
