/**
 * A loopback HTTP server speaking the AWS JSON protocols (1.0 / 1.1): the operation comes from the
 * `X-Amz-Target: <Prefix>.<Operation>` header, the body is JSON, and errors use the AWS JSON error
 * shape `{ "__type", "message" }`, so the real SDK v3 clients parse them into named exceptions.
 * The KMS and Step Functions engines are built on it; it counts every request and applies faults.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultPlan, OperationCounter, statusForErrorType } from './request-counter';

/** An error the engine answers with, as the real service would. Messages never carry request values. */
export class AwsServiceError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly status: number = statusForErrorType(type),
  ) {
    super(message);
    this.name = type;
  }
}

export type JsonOperation = (body: Record<string, unknown>) => unknown;

export interface AwsJsonServerOptions {
  /** Prefix of the counted operation names, e.g. `kms` for `kms:Decrypt`. */
  service: string;
  /** The X-Amz-Target prefix, e.g. `TrentService`. */
  targetPrefix: string;
  /** `1.0` or `1.1`: the content type the service answers with. */
  jsonVersion: '1.0' | '1.1';
  operations: Record<string, JsonOperation>;
  port?: number;
  /** Requests above this are refused (the largest AWS JSON payloads here are ~256 KB). */
  maxBodyBytes?: number;
}

export interface AwsJsonServer {
  endpoint: string;
  counter: OperationCounter;
  faults: FaultPlan;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, contentType: string, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID() });
  res.end(text);
}

/** Starts listening on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  const counter = new OperationCounter();
  const faults = new FaultPlan(options.service);
  const contentType = `application/x-amz-json-${options.jsonVersion}`;
  const limit = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const fail = (res: ServerResponse, err: AwsServiceError): void => send(res, err.status, contentType, { __type: err.type, message: err.message });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const [prefix, operationName] = target.split('.', 2);
    const body = await readBody(req, limit);
    if (req.method !== 'POST' || prefix !== options.targetPrefix || !operationName) {
      fail(res, new AwsServiceError('UnknownOperationException', 'The operation is not supported by this local engine.'));
      return;
    }
    const operation = `${options.service}:${operationName}`;
    counter.add(operation);
    const injected = faults.take(operation);
    if (injected !== undefined) {
      fail(res, new AwsServiceError(injected, 'Injected fault from the local engine.'));
      return;
    }
    const handler = Object.hasOwn(options.operations, operationName) ? options.operations[operationName] : undefined;
    if (!handler) {
      fail(res, new AwsServiceError('UnknownOperationException', 'The operation is not supported by this local engine.'));
      return;
    }
    if (body === undefined) {
      fail(res, new AwsServiceError('ValidationException', 'The request body is too large.'));
      return;
    }
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      fail(res, new AwsServiceError('SerializationException', 'The request body is not valid JSON.'));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(res, new AwsServiceError('SerializationException', 'The request body must be a JSON object.'));
      return;
    }
    try {
      send(res, 200, contentType, await handler(parsed as Record<string, unknown>));
    } catch (err) {
      // Anything unexpected is the engine's fault: answer like an internal service error, never echo it.
      fail(res, err instanceof AwsServiceError ? err : new AwsServiceError('InternalFailure', 'The local engine failed to serve the request.', 500));
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, contentType, { __type: 'InternalFailure', message: 'The local engine failed to serve the request.' });
      else res.destroy();
    });
  });
  // Idle keep-alive sockets outlive any pause between a pooled client's requests (see dynamodb.ts).
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 61_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counter,
    faults,
    close: () => closeServer(server),
  };
}

/**
 * Closes a server without waiting for idle keep-alive connections of SDK clients to time out. Requests
 * already being served get up to `graceMs` to finish first: a write the engine has started is completed
 * (or refused) instead of cut off half-way, and nothing runs on after the engine says it is closed.
 */
export function closeServer(server: Server, graceMs = 2_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close((err) => {
      clearTimeout(cut);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/** Reads an optional string member of a request body, refusing any other type. */
export function optionalString(body: Record<string, unknown>, member: string): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsServiceError('ValidationException', `${member} must be a string.`);
  return value;
}

export function requiredString(body: Record<string, unknown>, member: string): string {
  const value = optionalString(body, member);
  if (value === undefined || value === '') throw new AwsServiceError('ValidationException', `${member} is required.`);
  return value;
}
