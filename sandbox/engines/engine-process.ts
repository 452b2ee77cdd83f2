/**
 * Sandbox storage engines in child processes (see engine-host.ts), behind the same interfaces as the
 * in-process ones. Request counts are mirrored from the child as requests arrive, so `counts()` stays
 * synchronous; faults, reads of the whole store and closing go over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamoEngine, DynamoEngineOptions, RawItem } from './dynamodb';
import type { HostMessage, HostRequest } from './engine-host';
import { OperationCounter } from './request-counter';
import type { S3Engine, S3EngineOptions, StoredObject } from './s3';

export class EngineStartError extends Error {
  public constructor(kind: string, reason: string) {
    super(`The sandbox's ${kind} engine process did not start: ${reason}.`);
    this.name = 'EngineStartError';
  }
}

interface ChildEngine {
  endpoint: string;
  counter: OperationCounter;
  send(request: HostRequest): void;
  call<T>(method: 'listAllObjects' | 'scanAll' | 'sweepExpired', ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

async function startChild(kind: 's3' | 'dynamodb', options: object, startTimeoutMs: number): Promise<ChildEngine> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child: ChildProcess = fork(join(__dirname, 'engine-host.ts'), [], {
    // A sandbox run under `node --cpu-prof` profiles its engine processes too (where the time goes).
    execArgv: ['--openssl-legacy-provider', '--import', tsx, ...process.execArgv.filter((a) => a.startsWith('--cpu-prof'))],
    env: { ...process.env, SECURE_IVR_ENGINE_KIND: kind, SECURE_IVR_ENGINE_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const channel = (): { ref?: () => void; unref?: () => void } => (child.channel as { ref?: () => void; unref?: () => void } | undefined) ?? {};
  const counter = new OperationCounter();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new EngineStartError(kind, 'it did not report ready in time')), startTimeoutMs);
    child.once('exit', (code) => reject(new EngineStartError(kind, `it exited with code ${code}`)));
    child.on('message', (message: HostMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.endpoint);
      } else if (message.type === 'count') {
        counter.add(message.operation);
      } else if (message.type === 'result') {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (pending.size === 0) channel().unref?.();
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.value);
      }
    });
  });
  // The child must not keep the sandbox's process alive; it exits when its parent goes.
  child.unref();
  channel().unref?.();
  return {
    endpoint,
    counter,
    send: (request) => child.send(request),
    call: <T>(method: 'listAllObjects' | 'scanAll' | 'sweepExpired', ...args: unknown[]): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const id = (nextId += 1);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        channel().ref?.();
        child.send({ type: 'call', id, method, args });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || !child.connected) return resolve();
        // Hold the event loop until the child has gone, or whoever awaits this would never resume.
        child.ref();
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}

const common = (engine: ChildEngine) => ({
  endpoint: engine.endpoint,
  counts: () => engine.counter.counts(),
  resetCounts: () => engine.counter.resetCounts(),
  injectFault: (operation: string, count: number, errorType: string) => engine.send({ type: 'fault', operation, count, errorType }),
  clearFaults: () => engine.send({ type: 'clear-faults' }),
  close: () => engine.close(),
});

/** The S3 engine (s3rver) in a child process. */
export async function startS3Process(options: Omit<S3EngineOptions, 'onCount'>, startTimeoutMs = 30_000): Promise<S3Engine> {
  const engine = await startChild('s3', options, startTimeoutMs);
  return {
    ...common(engine),
    listAllObjects: async () =>
      (await engine.call<Array<Omit<StoredObject, 'body'> & { body: string }>>('listAllObjects')).map((o) => ({ ...o, body: Buffer.from(o.body, 'base64') })),
  };
}

/** The DynamoDB engine (dynalite) in a child process. */
export async function startDynamoProcess(options: Omit<DynamoEngineOptions, 'onCount'>, startTimeoutMs = 30_000): Promise<DynamoEngine> {
  const engine = await startChild('dynamodb', options, startTimeoutMs);
  return {
    ...common(engine),
    scanAll: (tableName: string) => engine.call<RawItem[]>('scanAll', tableName),
    sweepExpired: (tableName: string, attribute?: string, nowEpochSeconds?: number) =>
      engine.call<number>('sweepExpired', tableName, attribute, nowEpochSeconds),
  };
}
