/**
 * The sandbox's calls as the agent API sees them: who the call was delivered to, whether caller and
 * agent are connected, and how many parties it has — two when bridged, more once someone is
 * conferenced in (a sandbox control, so the conference refusal can be tried). Also the caller's side
 * for the keypad page: the prompts spoken so far and the keys pressed (counted, never echoed).
 */
import type { InteractionDirectory, InteractionInfo } from '../../lambdas/agent-api/interactions';
import { InteractiveCaller, type CallerKey } from '../sma/caller';
import type { EmulatedCall, SmaEmulator } from '../sma/emulator';
import { AGENT_SIP_HEADER } from '../../lambdas/telephony/chime-sma/ivr';

interface CallMeta {
  agentId?: string;
  extraParties: number;
  caller?: InteractiveCaller;
  startedAt: string;
}

export interface CallerView {
  interactionId: string;
  status: 'active' | 'ended' | 'dropped';
  agentOnLine: boolean;
  recording: 'off' | 'recording' | 'paused';
  /** What the IVR said to the caller, oldest first. */
  prompts: string[];
  keysPressed: number;
}

const MAX_PROMPTS = 50;

export class SandboxInteractions implements InteractionDirectory {
  private readonly meta = new Map<string, CallMeta>();

  public constructor(
    private readonly emulator: SmaEmulator,
    /** Timing of keypad calls (a person: 1 = real time, so prompts time out as on a phone). @default the emulator's */
    private readonly options: { timingScale?: number } = {},
  ) {}

  /** A person at the keypad page calls in; the call is delivered to `agentId`. */
  public async placeCall(agentId: string | undefined): Promise<EmulatedCall> {
    const caller = new InteractiveCaller();
    // The call is delivered to the agent's desk, whose side names the agent on the answered leg, as an
    // SBC does in AWS: that is how the push channel finds the call's agent before any secure session.
    const call = await this.emulator.placeCall(
      caller,
      undefined,
      undefined,
      {},
      {
        ...(this.options.timingScale === undefined ? {} : { timingScale: this.options.timingScale }),
        ...(agentId ? { agentSipHeaders: { [AGENT_SIP_HEADER]: agentId } } : {}),
      },
    );
    this.meta.set(call.transactionId, { ...(agentId ? { agentId } : {}), extraParties: 0, caller, startedAt: new Date().toISOString() });
    return call;
  }

  public press(interactionId: string, keys: string): boolean {
    const meta = this.meta.get(interactionId);
    const call = this.emulator.call(interactionId);
    if (!meta?.caller || !call || call.status !== 'active') return false;
    for (const key of keys) {
      if (key === 'h') void call.hangUpCaller();
      else meta.caller.press(key as CallerKey);
    }
    return true;
  }

  /** Conferences another party in (or, with a negative change, drops one); returns the party count. */
  public changeParties(interactionId: string, change: number): number | undefined {
    const call = this.emulator.call(interactionId);
    if (call?.status !== 'active') return undefined;
    const meta = this.meta.get(interactionId) ?? { extraParties: 0, startedAt: new Date().toISOString() };
    meta.extraParties = Math.max(0, Math.min(5, meta.extraParties + change));
    this.meta.set(interactionId, meta);
    return this.partiesOf(call, meta);
  }

  public async describe(interactionId: string): Promise<InteractionInfo | undefined> {
    const call = this.emulator.call(interactionId);
    if (!call) return undefined;
    const meta = this.meta.get(interactionId);
    return this.info(call, meta);
  }

  public async listFor(agentId: string): Promise<InteractionInfo[]> {
    return this.emulator
      .activeCalls()
      .filter((c) => {
        const owner = this.meta.get(c.transactionId)?.agentId;
        return owner === undefined || owner === agentId;
      })
      .map((c) => this.info(c, this.meta.get(c.transactionId)));
  }

  public callerView(interactionId: string): CallerView | undefined {
    const call = this.emulator.call(interactionId);
    if (!call || !this.meta.get(interactionId)?.caller) return undefined;
    const prompts: string[] = [];
    for (const inv of call.invocations) {
      const actions =
        (inv.response as { Actions?: Array<{ Type: string; Parameters?: { Text?: string; SpeechParameters?: { Text?: string } } }> } | undefined)?.Actions ??
        [];
      for (const a of actions) {
        const text = a.Type === 'Speak' ? a.Parameters?.Text : a.Type === 'SpeakAndGetDigits' ? a.Parameters?.SpeechParameters?.Text : undefined;
        if (text && prompts[prompts.length - 1] !== text) prompts.push(text);
      }
    }
    return {
      interactionId,
      status: call.status,
      agentOnLine: call.agentBridged,
      recording: call.recordingState,
      prompts: prompts.slice(-MAX_PROMPTS),
      keysPressed: call.keys.length,
    };
  }

  private partiesOf(call: EmulatedCall, meta: CallMeta | undefined): number {
    return (call.callerConnected ? 1 : 0) + (call.agentBridged ? 1 : 0) + (meta?.extraParties ?? 0);
  }

  private info(call: EmulatedCall, meta: CallMeta | undefined): InteractionInfo {
    const from = (call.invocations[0]?.event.CallDetails.Participants[0]?.From ?? '').replace(/\D/g, '');
    return {
      interactionId: call.transactionId,
      connected: call.status === 'active' && call.callerConnected && call.agentBridged,
      callerConnected: call.status === 'active' && call.callerConnected,
      parties: this.partiesOf(call, meta),
      ...(meta?.agentId ? { agentId: meta.agentId } : {}),
      startedAt: meta?.startedAt ?? new Date(Date.now() - call.realDurationMs).toISOString(),
      ...(from ? { caller: `•••${from.slice(-4)}` } : {}),
    };
  }
}
