/**
 * The sandbox's stand-in for the agent API's API Gateway WebSocket API, so that pushes to the agent take
 * the deployed path end to end:
 * - each agent socket gets a connection id and runs the deployed route handler
 *   (lambdas/agent-api/ws-handler.ts): `$connect` records it under the agent in the connections table
 *   before the upgrade completes (as API Gateway does), `$default` answers messages, `$disconnect` forgets it;
 * - the session functions' push sink (AGENT_PUSH_TARGET=websocket, lambdas/agent-api/push-sink.ts) calls the
 *   Management API's PostToConnection at AGENT_WS_MANAGEMENT_ENDPOINT, the sandbox's HTTP server, which
 *   hands `POST /@connections/{id}` to `serve` here: 200 when the message went to the socket, 410
 *   GoneException (what API Gateway answers) when the connection is no longer open.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { handler as routeHandler } from '../../lambdas/agent-api/ws-handler';

/** API Gateway's limit on one WebSocket message (128 KB). */
const MAX_MESSAGE_BYTES = 128 * 1024;
const CONNECTION_PATH = /^\/@connections\/([^/]{1,128})$/;

interface Connection {
  userId: string;
  /** Unset until the upgrade completes; messages posted meanwhile wait in `queued`. */
  socket?: WebSocket;
  queued: string[];
}

export class ConnectionRefusedError extends Error {
  public constructor(statusCode: number) {
    super(`The $connect route refused the connection (status ${statusCode}); the socket is not opened.`);
    this.name = 'ConnectionRefusedError';
  }
}

export class LocalWebSocketGateway {
  private readonly connections = new Map<string, Connection>();
  /** Route handler calls still running: `close` waits for them, so none outlives the local DynamoDB. */
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  /** Runs a route on the deployed handler, tracked until it settles. */
  private route(event: Parameters<typeof routeHandler>[0]): ReturnType<typeof routeHandler> {
    const call = routeHandler(event);
    const tracked = call.catch(() => undefined).finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return call;
  }

  /**
   * Runs `$connect` for an authenticated agent and reserves a connection id. Call before completing the
   * upgrade, then `attach` the socket; a refusal throws ConnectionRefusedError and reserves nothing.
   */
  public async open(userId: string): Promise<string> {
    // Like API Gateway's ids: opaque base64 text, which must survive URL encoding in the Management API path.
    const connectionId = randomBytes(12).toString('base64');
    this.connections.set(connectionId, { userId, queued: [] });
    const answer = await this.route({ requestContext: { routeKey: '$connect', connectionId, authorizer: { userId } } }).catch((err: unknown) => {
      this.connections.delete(connectionId);
      throw err;
    });
    if (answer.statusCode !== 200) {
      this.connections.delete(connectionId);
      throw new ConnectionRefusedError(answer.statusCode);
    }
    return connectionId;
  }

  /** The upgraded socket of an opened connection: sends what was posted meanwhile, then routes its messages. */
  public attach(connectionId: string, socket: WebSocket): void {
    const connection = this.connections.get(connectionId);
    if (!connection) {
      socket.terminate();
      return;
    }
    const requestContext = { connectionId, authorizer: { userId: connection.userId } };
    connection.socket = socket;
    socket.on('message', (data) => {
      if (this.closed) return;
      void this.route({ requestContext: { ...requestContext, routeKey: '$default' }, body: String(data) })
        .then((answer) => {
          if (socket.readyState === 1 && answer.body) socket.send(answer.body);
        })
        .catch(() => undefined);
    });
    socket.on('close', () => {
      this.connections.delete(connectionId);
      // At shutdown the item is left to its TTL (or to the push sink, which drops it on 410 Gone).
      if (!this.closed) void this.route({ requestContext: { ...requestContext, routeKey: '$disconnect' } }).catch(() => undefined);
    });
    for (const text of connection.queued.splice(0)) socket.send(text);
  }

  /** Answers PostToConnection (`POST /@connections/{id}`); false when the request is not one. */
  public async serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    const match = CONNECTION_PATH.exec(path);
    if (!match || req.method !== 'POST') return false;
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(match[1] as string);
    } catch {
      return answer(res, 400, 'BadRequestException', 'The connection id is not valid URL encoding.');
    }
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_MESSAGE_BYTES) return answer(res, 413, 'PayloadTooLargeException', 'The message is larger than 128 KB.');
      chunks.push(chunk as Buffer);
    }
    const connection = this.connections.get(connectionId);
    if (!connection || (connection.socket && connection.socket.readyState !== 1)) return answer(res, 410, 'GoneException', 'The connection is no longer open.');
    const text = Buffer.concat(chunks).toString('utf8');
    if (connection.socket) connection.socket.send(text);
    else connection.queued.push(text);
    res.writeHead(200, { 'content-length': 0 });
    res.end();
    return true;
  }

  /** Ends every socket and waits for the route calls still running. */
  public async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.connections.values()) connection.socket?.terminate();
    this.connections.clear();
    await Promise.all([...this.running]);
  }
}

/** An error the way the Management API (REST-JSON) reports one, so the SDK raises the named exception. */
function answer(res: ServerResponse, status: number, type: string, message: string): true {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}
