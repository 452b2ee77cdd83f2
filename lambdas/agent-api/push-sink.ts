/**
 * The agent's live view as a session event sink. Each event becomes zero or more push messages
 * (push.ts) that a publisher delivers to the session's agent:
 * - `local` (sandbox): an in-process hub the sandbox's WebSocket server registers on globalThis;
 * - `websocket` (AWS): API Gateway WebSocket connections of the agent, found in the connections table,
 *   reached with PostToConnection; gone connections are removed.
 * Nothing is loaded until the first event, so functions that never push pay nothing at start.
 */
import type { SessionEvent, SessionEventSink } from '../shared/session/events';
import { toPushes, type AgentPush } from './push';
import { dynamoLib } from '../shared/sdk';
import { documentClient } from '../shared/clients';
import { getCallAgent, sessionIdsOnCall, sessionOwner } from '../shared/session/session-store';

export const PUSH_ENV = {
  target: 'AGENT_PUSH_TARGET',
  connectionsTable: 'AGENT_CONNECTIONS_TABLE',
  managementEndpoint: 'AGENT_WS_MANAGEMENT_ENDPOINT',
  sessionTable: 'SESSION_TABLE',
} as const;

export interface PushPublisher {
  publish(sessionId: string, messages: AgentPush[]): Promise<void>;
  /** Messages about a call rather than a session (the caller keying while bridged), to the call's agent. */
  publishToCall?(callTransactionId: string, messages: AgentPush[]): Promise<void>;
}

/** A push is a courtesy to the agent's screen: it must never hold up the caller's IVR for long. */
export const PUSH_TIME_LIMIT_MS = 1000;

export class PushTimedOutError extends Error {
  public constructor() {
    super(`Pushing progress to the agent took longer than ${PUSH_TIME_LIMIT_MS} ms; the agent's screen catches up from the session record.`);
    this.name = 'PushTimedOutError';
  }
}

export class AgentPushSink implements SessionEventSink {
  public constructor(
    private readonly publisher: PushPublisher,
    private readonly timeLimitMs = PUSH_TIME_LIMIT_MS,
  ) {}

  public emit(event: SessionEvent): Promise<void> {
    return this.emitBatch([event]);
  }

  /** One publish per session for all of an invocation's events, bounded in time. */
  public async emitBatch(events: SessionEvent[]): Promise<void> {
    const bySession = new Map<string, AgentPush[]>();
    for (const event of events) {
      const messages = toPushes(event);
      if (messages.length > 0) bySession.set(event.sessionId, [...(bySession.get(event.sessionId) ?? []), ...messages]);
    }
    if (bySession.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PushTimedOutError()), this.timeLimitMs);
    });
    try {
      await Promise.race([Promise.all([...bySession].map(([sessionId, messages]) => this.publisher.publish(sessionId, messages))), limit]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The in-process hub the sandbox registers; the sink finds it at publish time. */
export const LOCAL_PUSH_HUB = Symbol.for('secure-ivr.agent-push-hub');
type HubHolder = { [LOCAL_PUSH_HUB]?: PushPublisher };

export function registerLocalPushHub(hub: PushPublisher | undefined): void {
  (globalThis as HubHolder)[LOCAL_PUSH_HUB] = hub;
}

class LocalPublisher implements PushPublisher {
  public async publish(sessionId: string, messages: AgentPush[]): Promise<void> {
    await (globalThis as HubHolder)[LOCAL_PUSH_HUB]?.publish(sessionId, messages);
  }

  public async publishToCall(callTransactionId: string, messages: AgentPush[]): Promise<void> {
    await (globalThis as HubHolder)[LOCAL_PUSH_HUB]?.publishToCall?.(callTransactionId, messages);
  }
}

/**
 * Connections table item (an EncryptedTable keyed by `sessionId`): one per agent, keyed `agent#<userId>`,
 * holding the set of that agent's open WebSocket connection ids.
 */
export const agentTopic = (userId: string): string => `agent#${userId}`;

/** Loaded once, on the first push. */
let managementApi: Promise<typeof import('@aws-sdk/client-apigatewaymanagementapi')> | undefined;

export class WebSocketPublisher implements PushPublisher {
  private readonly owners = new Map<string, string>();
  /** Built once per container: a client per publish would repeat its set-up on every IVR step. */
  private client: import('@aws-sdk/client-apigatewaymanagementapi').ApiGatewayManagementApiClient | undefined;

  public constructor(private readonly settings: { connectionsTable: string; sessionTable: string; managementEndpoint: string }) {}

  public async publish(sessionId: string, messages: AgentPush[]): Promise<void> {
    const ddb = await documentClient();
    let owner = this.owners.get(sessionId);
    if (!owner) {
      owner = await sessionOwner({ ddb, tableName: this.settings.sessionTable }, sessionId);
      if (owner === undefined) return;
      if (this.owners.size > 1000) this.owners.clear();
      this.owners.set(sessionId, owner);
    }
    await this.sendToAgent(owner, messages);
  }

  /**
   * The call's agent: whoever started the call's latest secure session, else the agent the answering SBC
   * named on the agent leg (`x-secure-ivr-agent`). A call with neither has no one to tell.
   */
  public async publishToCall(callTransactionId: string, messages: AgentPush[]): Promise<void> {
    const ddb = await documentClient();
    const store = { ddb, tableName: this.settings.sessionTable, now: () => new Date() };
    const latest = (await sessionIdsOnCall(store, callTransactionId)).at(-1);
    const owner = latest ? await sessionOwner(store, latest) : (await getCallAgent(store, callTransactionId))?.agentHeader;
    if (owner) await this.sendToAgent(owner, messages);
  }

  private async sendToAgent(owner: string, messages: AgentPush[]): Promise<void> {
    const [ddbLib, api] = await Promise.all([dynamoLib(), (managementApi ??= import('@aws-sdk/client-apigatewaymanagementapi'))]);
    const ddb = await documentClient();
    const key = { sessionId: agentTopic(owner) };
    const { Item } = await ddb.send(new ddbLib.GetCommand({ TableName: this.settings.connectionsTable, Key: key }));
    const connections = Item?.connections instanceof Set ? [...(Item.connections as Set<string>)] : [];
    if (connections.length === 0) return;
    this.client ??= new api.ApiGatewayManagementApiClient({ endpoint: this.settings.managementEndpoint });
    const client = this.client;
    await Promise.all(
      connections.map(async (connectionId) => {
        for (const message of messages) {
          try {
            await client.send(new api.PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(message)) }));
          } catch (err) {
            if (err instanceof Error && err.name === 'GoneException') {
              await ddb.send(
                new ddbLib.UpdateCommand({
                  TableName: this.settings.connectionsTable,
                  Key: key,
                  UpdateExpression: 'DELETE connections :c',
                  ExpressionAttributeValues: { ':c': new Set([connectionId]) },
                }),
              );
              return;
            }
            throw err;
          }
        }
      }),
    );
  }
}

/** The publisher a function's environment asks for (none unless AGENT_PUSH_TARGET is set). */
export function agentPushPublisher(env: NodeJS.ProcessEnv): PushPublisher | undefined {
  const target = env[PUSH_ENV.target];
  if (target === 'local') return new LocalPublisher();
  if (target === 'websocket') {
    const connectionsTable = env[PUSH_ENV.connectionsTable];
    const managementEndpoint = env[PUSH_ENV.managementEndpoint];
    const sessionTable = env[PUSH_ENV.sessionTable];
    if (!connectionsTable || !managementEndpoint || !sessionTable) return undefined;
    return new WebSocketPublisher({ connectionsTable, managementEndpoint, sessionTable });
  }
  return undefined;
}

/**
 * Sends call-addressed messages within the push time limit; false when nothing could be sent (no push target,
 * or it failed or timed out). Never throws: a push is a courtesy to the agent's screen.
 */
export async function publishToCall(publisher: PushPublisher | undefined, callTransactionId: string, messages: AgentPush[]): Promise<boolean> {
  if (!publisher?.publishToCall) return false;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PushTimedOutError()), PUSH_TIME_LIMIT_MS);
  });
  try {
    await Promise.race([publisher.publishToCall(callTransactionId, messages), limit]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** The push sinks a function's environment asks for (none unless AGENT_PUSH_TARGET is set). */
export function agentPushSinks(env: NodeJS.ProcessEnv): SessionEventSink[] {
  const publisher = agentPushPublisher(env);
  return publisher ? [new AgentPushSink(publisher)] : [];
}
