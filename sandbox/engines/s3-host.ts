/**
 * Runs the sandbox's S3 engine in its own Node process (started by s3-process.ts), so that s3rver's
 * work (HTTP, XML, disk) is carried by the machine's second core instead of the sandbox's one thread.
 * It talks to its parent over the IPC channel and exits when the parent goes away.
 */
import '../polyfills';
import { startS3, type S3EngineOptions } from './s3';

type Request =
  | { type: 'fault'; operation: string; count: number; errorType: string }
  | { type: 'clear-faults' }
  | { type: 'list'; id: number }
  | { type: 'close' };

async function main(): Promise<void> {
  const send = (message: unknown): void => {
    if (process.connected) process.send?.(message);
  };
  const options = JSON.parse(process.env.SECURE_IVR_S3_OPTIONS ?? '{}') as Omit<S3EngineOptions, 'onCount'>;
  const engine = await startS3({ ...options, onCount: (operation) => send({ type: 'count', operation }) });
  process.on('message', (raw: Request) => {
    void (async () => {
      switch (raw.type) {
        case 'fault':
          engine.injectFault(raw.operation, raw.count, raw.errorType);
          send({ type: 'fault-set' });
          break;
        case 'clear-faults':
          engine.clearFaults();
          break;
        case 'list': {
          const objects = await engine.listAllObjects();
          send({ type: 'list-result', id: raw.id, objects: objects.map((o) => ({ ...o, body: o.body.toString('base64') })) });
          break;
        }
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
  process.stderr.write(`s3 engine failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
