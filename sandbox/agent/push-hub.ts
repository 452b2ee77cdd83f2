/**
 * The sandbox's end of the agent push: the session functions' push sink (AGENT_PUSH_TARGET=local)
 * publishes here, and the hub sends each message to the WebSocket connections of the session's agent.
 */
import type { WebSocket } from 'ws';
import type { AgentPush } from '../../lambdas/agent-api/push';
import type { PushPublisher } from '../../lambdas/agent-api/push-sink';

export class LocalPushHub implements PushPublisher {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly owners = new Map<string, string>();
  /** Every message published, for tests (bounded). */
  public readonly published: Array<{ agentId: string | undefined; message: AgentPush }> = [];

  public constructor(
    private readonly ownerOf: (sessionId: string) => Promise<string | undefined>,
    /** The agent a call was delivered to (the sandbox's interaction directory), for call-addressed messages. */
    private readonly callOwnerOf: (callTransactionId: string) => Promise<string | undefined> = async () => undefined,
  ) {}

  public sessionStarted(agentId: string, sessionId: string): void {
    this.owners.set(sessionId, agentId);
  }

  public add(agentId: string, socket: WebSocket): void {
    const set = this.sockets.get(agentId) ?? new Set<WebSocket>();
    set.add(socket);
    this.sockets.set(agentId, set);
    socket.on('close', () => set.delete(socket));
  }

  public async publish(sessionId: string, messages: AgentPush[]): Promise<void> {
    let owner = this.owners.get(sessionId);
    if (!owner) {
      owner = await this.ownerOf(sessionId);
      if (owner) this.owners.set(sessionId, owner);
    }
    this.send(owner, messages);
  }

  public async publishToCall(callTransactionId: string, messages: AgentPush[]): Promise<void> {
    this.send(await this.callOwnerOf(callTransactionId), messages);
  }

  private send(owner: string | undefined, messages: AgentPush[]): void {
    for (const message of messages) {
      if (this.published.length > 5000) this.published.splice(0, 1000);
      this.published.push({ agentId: owner, message });
      if (!owner) continue;
      const text = JSON.stringify(message);
      for (const socket of this.sockets.get(owner) ?? []) if (socket.readyState === 1) socket.send(text);
    }
  }

  public closeAll(): void {
    for (const set of this.sockets.values()) for (const s of set) s.terminate();
    this.sockets.clear();
  }
}
