/**
 * The S3 engine in a child process (see s3-host.ts), behind the same S3Engine interface as the
 * in-process one. Counts are mirrored from the child as requests arrive, so `counts()` stays
 * synchronous; faults, listing and closing go over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { S3Engine, S3EngineOptions, StoredObject } from './s3';
import { OperationCounter } from './request-counter';

type HostMessage =
  | { type: 'ready'; endpoint: string }
  | { type: 'count'; operation: string }
  | { type: 'fault-set' }
  | { type: 'list-result'; id: number; objects: Array<Omit<StoredObject, 'body'> & { body: string }> };

export class S3EngineStartError extends Error {
  public constructor(reason: string) {
    super(`The S3 engine's process did not start: ${reason}.`);
    this.name = 'S3EngineStartError';
  }
}

export async function startS3Process(options: Omit<S3EngineOptions, 'onCount'>, startTimeoutMs = 30_000): Promise<S3Engine> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const child: ChildProcess = fork(join(__dirname, 's3-host.ts'), [], {
    execArgv: ['--openssl-legacy-provider', '--import', tsx],
    env: { ...process.env, SECURE_IVR_S3_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const counter = new OperationCounter();
  const lists = new Map<number, (objects: StoredObject[]) => void>();
  let nextList = 0;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new S3EngineStartError('it did not report ready in time')), startTimeoutMs);
    child.once('exit', (code) => reject(new S3EngineStartError(`it exited with code ${code}`)));
    child.on('message', (message: HostMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.endpoint);
      } else if (message.type === 'count') {
        counter.add(message.operation);
      } else if (message.type === 'list-result') {
        lists.get(message.id)?.(message.objects.map((o) => ({ ...o, body: Buffer.from(o.body, 'base64') })));
        lists.delete(message.id);
      }
    });
  });
  // Do not keep the parent alive for the child's sake; the child exits when the parent goes.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  return {
    endpoint,
    counts: () => counter.counts(),
    resetCounts: () => counter.resetCounts(),
    injectFault: (operation, count, errorType) => {
      child.send({ type: 'fault', operation, count, errorType });
    },
    clearFaults: () => {
      child.send({ type: 'clear-faults' });
    },
    listAllObjects: () =>
      new Promise<StoredObject[]>((resolve) => {
        const id = (nextList += 1);
        lists.set(id, resolve);
        (child.channel as { ref?: () => void } | undefined)?.ref?.();
        child.send({ type: 'list', id });
      }).finally(() => (child.channel as { unref?: () => void } | undefined)?.unref?.()),
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
