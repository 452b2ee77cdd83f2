/**
 * What the agent API knows about a call ("interaction") before it starts a secure session: who answered
 * it, whether the agent is connected to the caller and how many parties the call has. All of it comes from
 * the server, never from the desktop: the sandbox answers from its SMA emulator; in AWS the IVR records the
 * agent leg when its bridge answers (session-store `call#<id>#agent`) and StoredInteractions reads it,
 * binding the call to the one configured user that endpoint (or the answering SBC's agent header) names.
 */
import type { FormsConfig } from '../shared/session/forms';
import { getCallAgent, type CallAgentRecord, type SessionStoreDeps } from '../shared/session/session-store';
import { ownerOfConnectAgent } from '../telephony/connect/contact-owner';
import { isConnectCall } from '../telephony/connect/connect-telephony';

export interface InteractionInfo {
  interactionId: string;
  /** True when caller and agent are connected; undefined when unknown. */
  connected?: boolean;
  /** True while the caller is on the line (the agent may be away: separated, or being called back). */
  callerConnected?: boolean;
  /** Parties on the call (caller, agent, anyone conferenced in); undefined when unknown. */
  parties?: number;
  /** The agent the call was delivered to; undefined when the server cannot tell (then nobody may act on it). */
  agentId?: string;
  startedAt?: string;
  /** The caller's number, masked for display (last four digits). */
  caller?: string;
}

export interface InteractionDirectory {
  describe(interactionId: string): Promise<InteractionInfo | undefined>;
  /** The calls delivered to an agent now (empty when the directory cannot tell). */
  listFor(agentId: string): Promise<InteractionInfo[]>;
}

/**
 * The user a recorded agent leg belongs to: the configured user the SBC's agent header names, else the one
 * user whose endpoints include the endpoint the bridge reached. Anything else (no match, an unknown name)
 * is undefined: the call has no known owner.
 */
export function ownerOfAgentLeg(config: FormsConfig, leg: Pick<CallAgentRecord, 'endpoint' | 'agentHeader'>): string | undefined {
  const users = config.users ?? [];
  if (leg.agentHeader !== undefined) return users.find((u) => u.id === leg.agentHeader)?.id;
  if (leg.endpoint === undefined) return undefined;
  const reached = users.filter((u) => u.endpoints?.includes(leg.endpoint as string));
  return reached.length === 1 ? reached[0]?.id : undefined;
}

/** AWS: the IVR's record of the answered agent leg, from the session table. */
export class StoredInteractions implements InteractionDirectory {
  public constructor(
    private readonly config: FormsConfig,
    private readonly store: SessionStoreDeps,
  ) {}

  public async describe(interactionId: string): Promise<InteractionInfo | undefined> {
    const leg = await getCallAgent(this.store, interactionId);
    if (!leg) return undefined;
    // A Connect contact's owner is the Connect user its contact events named (telephony/connect/contact-owner.ts),
    // bound to a configured user exactly as the flow's claim binds it.
    const agentId =
      isConnectCall(interactionId) && leg.endpoint !== undefined ? ownerOfConnectAgent(this.config, leg.endpoint) : ownerOfAgentLeg(this.config, leg);
    return { interactionId, connected: leg.connected, parties: leg.parties, startedAt: leg.answeredAt, ...(agentId ? { agentId } : {}) };
  }

  /** The table is keyed by call, not by agent: the desktop names the call (and the server checks it). */
  public async listFor(): Promise<InteractionInfo[]> {
    return [];
  }
}
