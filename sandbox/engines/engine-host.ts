/**
 * Runs one sandbox storage engine (S3 or DynamoDB) in its own Node process, started by
 * engine-process.ts, so its work is carried by the machine's other core instead of the sandbox's one
 * thread. It talks to its parent over the IPC channel and exits when the parent goes away.
 */
import '../polyfills';
import { startDynamo, type DynamoEngineOptions } from './dynamodb';
import { startS3, type S3EngineOptions } from './s3';

export type HostRequest =
  | { type: 'fault'; operation: string; count: number; errorType: string }
  | { type: 'clear-faults' }
  | { type: 'call'; id: number; method: 'listAllObjects' | 'scanAll' | 'sweepExpired'; args: unknown[] }
  | { type: 'close' };

export type HostMessage =
  | { type: 'ready'; endpoint: string }
  | { type: 'count'; operation: string }
  | { type: 'result'; id: number; value?: unknown; error?: string };

async function main(): Promise<void> {
  // The parent may go away at any moment (Ctrl-C reaches the whole process group): a message or a line
  // that can no longer be delivered is dropped, never an EPIPE crash. Ctrl-C itself is the parent's to
  // handle; this process ends when the parent closes it or disconnects.
  const send = (message: HostMessage): void => {
    if (process.connected) process.send?.(message, undefined, {}, () => undefined);
  };
  process.on('SIGINT', () => undefined);
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const kind = process.env.SECURE_IVR_ENGINE_KIND;
  const options = JSON.parse(process.env.SECURE_IVR_ENGINE_OPTIONS ?? '{}') as Record<string, unknown>;
  const onCount = (operation: string): void => send({ type: 'count', operation });
  const engine =
    kind === 's3'
      ? await startS3({ ...(options as unknown as S3EngineOptions), onCount })
      : kind === 'dynamodb'
        ? await startDynamo({ ...(options as unknown as DynamoEngineOptions), onCount })
        : undefined;
  if (!engine) throw new Error(`unknown engine kind ${String(kind)}`);
  const methods = engine as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  process.on('message', (request: HostRequest) => {
    void (async () => {
      switch (request.type) {
        case 'fault':
          engine.injectFault(request.operation, request.count, request.errorType);
          break;
        case 'clear-faults':
          engine.clearFaults();
          break;
        case 'call':
          try {
            // JSON carries an omitted argument as null; the engines expect undefined for their defaults.
            const value = await methods[request.method]?.(...request.args.map((a) => (a === null ? undefined : a)));
            // Buffers (object bodies) cross the channel as base64.
            const plain =
              Array.isArray(value) && request.method === 'listAllObjects'
                ? value.map((o: { body: Buffer }) => ({ ...o, body: o.body.toString('base64') }))
                : value;
            send({ type: 'result', id: request.id, value: plain });
          } catch (err) {
            send({ type: 'result', id: request.id, error: err instanceof Error ? `${err.name}: ${err.message}` : 'failed' });
          }
          break;
        case 'close':
          await engine.close();
          process.exit(0);
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', endpoint: engine.endpoint });
}

void main().catch((err: unknown) => {
  process.stderr.write(`sandbox engine failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
