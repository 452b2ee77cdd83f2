/**
 * What the agent API knows about a call ("interaction") before it starts a secure session: whether
 * the agent is connected to the caller and how many parties the call has. The sandbox answers from its
 * SMA emulator. In AWS the Chime SMA offers no call query, so the embedding desktop declares the party
 * count (its CCaaS knows conferences) and the SMA handler refuses a call that is not bridged.
 */

export interface InteractionInfo {
  interactionId: string;
  /** True when caller and agent are connected; undefined when unknown. */
  connected?: boolean;
  /** True while the caller is on the line (the agent may be away: separated, or being called back). */
  callerConnected?: boolean;
  /** Parties on the call (caller, agent, anyone conferenced in); undefined when unknown. */
  parties?: number;
  /** The agent the call was delivered to, when known. */
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

/** AWS default: nothing is known here; the desktop's declaration and the SMA handler decide. */
export class DeclaredInteractions implements InteractionDirectory {
  public async describe(interactionId: string): Promise<InteractionInfo> {
    return { interactionId };
  }

  public async listFor(): Promise<InteractionInfo[]> {
    return [];
  }
}
