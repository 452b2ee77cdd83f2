/**
 * Where the audit and finance commands read from: the deployed audit bucket (`--bucket` or
 * SECURE_IVR_SANDBOX_AUDIT_BUCKET, with the caller's own AWS credentials and region), or the sandbox's S3 store
 * under its data directory, served read-only by a private S3 engine for the life of the command.
 */
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectSource } from '../../lambdas/audit/audit-reader';
import { UsageError, one, type ParsedArgs } from './args';

/** The sandbox's audit bucket (sandbox/sandbox.ts AUDIT_BUCKET; kept apart so the CLI need not load the sandbox). */
export const SANDBOX_AUDIT_BUCKET = 'secure-ivr-audit';

export const SOURCE_OPTIONS = { bucket: { value: true }, region: { value: true }, 'data-dir': { value: true } } as const;
export const SOURCE_USAGE = `  --bucket NAME     the deployed audit bucket (or SECURE_IVR_SANDBOX_AUDIT_BUCKET); uses your AWS credentials
  --region REGION   its region (default: AWS_REGION or your profile's)
  --data-dir DIR    read the sandbox's store instead (default ./.sandbox; used when no bucket is given)`;

export interface OpenSource {
  source: ObjectSource;
  s3: S3Client;
  bucket: string;
  where: string;
  sandbox: boolean;
  close(): Promise<void>;
}

export async function openSource(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Promise<OpenSource> {
  const [{ S3Client }, { s3ObjectSource }] = await Promise.all([import('@aws-sdk/client-s3'), import('../../lambdas/audit/audit-reader')]);
  const bucket = one(args, 'bucket') ?? env.SECURE_IVR_SANDBOX_AUDIT_BUCKET;
  if (bucket) {
    const region = one(args, 'region');
    const s3 = new S3Client({ ...(region ? { region } : {}) });
    return { source: s3ObjectSource(s3, bucket), s3, bucket, where: `s3://${bucket}`, sandbox: false, close: async () => s3.destroy() };
  }
  const dataDir = resolve(one(args, 'data-dir') ?? '.sandbox');
  const store = join(dataDir, 's3');
  if (!existsSync(store)) throw new UsageError(`no sandbox data in ${dataDir}: run npm start (or pass --bucket for the deployed trail)`);
  const { startS3 } = await import('../../sandbox/engines/s3');
  const engine = await startS3({ dataDir: store, buckets: [], accessKeyIds: ['sandbox-reader'] });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: engine.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'sandbox-reader', secretAccessKey: 'sandbox-reader' },
  });
  return {
    source: s3ObjectSource(s3, SANDBOX_AUDIT_BUCKET),
    s3,
    bucket: SANDBOX_AUDIT_BUCKET,
    where: `sandbox ${dataDir}`,
    sandbox: true,
    close: async () => {
      s3.destroy();
      await engine.close();
    },
  };
}

/** Progress on stderr for long reads: at most a line every half second, and the final count. */
export function progressReporter(err: NodeJS.WritableStream, label: string, quiet: boolean): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    if (quiet || total < 50) return;
    const now = Date.now();
    if (done !== total && now - last < 500) return;
    last = now;
    err.write(`${label} ${done}/${total} (${Math.floor((done * 100) / total)}%)\n`);
  };
}
