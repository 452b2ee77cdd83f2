/**
 * The sandbox's S3: s3rver 3.7 on loopback with its files under `dataDir`, the product's buckets
 * created up front, every request counted per operation (`s3:PutObject`…), and faults injectable.
 * Clients must use path-style addressing (`forcePathStyle`, which `s3Client()` sets for endpoints).
 *
 * s3rver does not verify SigV4 signatures but does require a known access key id, so the sandbox's
 * access key ids are registered with it. ListObjectsV2 paging needs `--openssl-legacy-provider` on
 * Node 20 (s3rver's continuation token uses DES); `listAllObjects` reads the store directly instead.
 *
 * s3rver ignores `If-None-Match: *` (it overwrites), so the front in this file gives it S3's semantics: a
 * conditional PutObject on a key that exists answers 412 PreconditionFailed, and a second one racing for the
 * same key 409 ConditionalRequestConflict. For the prefixes in `conditionalWritesOnly` it also plays the
 * deployed bucket policy: a PutObject without `If-None-Match` is 403 AccessDenied. Objects are never
 * versioned here, so ListObjectVersions (which s3rver lacks) lists each object as its one, latest version.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account';
import { closeServer } from './aws-json-server';
import { FaultPlan, OperationCounter, statusForErrorType, type FaultInjection, type RequestCounter } from './request-counter';

export interface S3EngineOptions {
  dataDir: string;
  buckets: string[];
  port?: number;
  /** Told of every request's operation as it is counted (the child-process host forwards these). */
  onCount?: (operation: string) => void;
  /** Access key ids the engine accepts, besides s3rver's own `S3RVER`. @default ['sandbox', AWS_ACCESS_KEY_ID] */
  accessKeyIds?: string[];
  /** Where a PutObject must carry `If-None-Match: *` (the audit bucket's policy in AWS). @default none */
  conditionalWritesOnly?: Array<{ bucket: string; prefix: string }>;
}

export interface StoredObject {
  bucket: string;
  key: string;
  body: Buffer;
  metadata: Record<string, string>;
}

export interface S3Engine extends RequestCounter, FaultInjection {
  endpoint: string;
  /** Every object in every bucket, read from the store (not counted as product requests). */
  listAllObjects(): Promise<StoredObject[]>;
  close(): Promise<void>;
}

const BUCKET_SUBRESOURCES: Record<string, string> = {
  acl: 'Acl',
  cors: 'Cors',
  encryption: 'Encryption',
  lifecycle: 'LifecycleConfiguration',
  location: 'Location',
  'object-lock': 'ObjectLockConfiguration',
  policy: 'Policy',
  tagging: 'Tagging',
  versioning: 'Versioning',
  website: 'Website',
};

const VERBS: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' };

/** The S3 API operation a path-style REST request stands for, named as in IAM. */
export function s3Operation(method: string, url: string, headers: IncomingMessage['headers']): string {
  const { pathname, searchParams: q } = new URL(url, 'http://localhost');
  const [, bucket = '', ...keyParts] = pathname.split('/');
  const hasKey = keyParts.join('/') !== '';
  if (bucket === '') return method === 'GET' ? 'ListBuckets' : `Unknown${method}`;
  if (!hasKey) {
    const sub = Object.keys(BUCKET_SUBRESOURCES).find((s) => q.has(s));
    if (sub && VERBS[method]) return `${VERBS[method]}Bucket${BUCKET_SUBRESOURCES[sub]}`;
    switch (method) {
      case 'GET':
        if (q.has('uploads')) return 'ListMultipartUploads';
        if (q.has('versions')) return 'ListObjectVersions';
        return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'PUT':
        return 'CreateBucket';
      case 'DELETE':
        return 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        return q.has('delete') ? 'DeleteObjects' : 'PostBucket';
      default:
        return `Unknown${method}`;
    }
  }
  switch (method) {
    case 'PUT':
      if (q.has('partNumber')) return 'UploadPart';
      if (q.has('tagging')) return 'PutObjectTagging';
      if (q.has('retention')) return 'PutObjectRetention';
      return headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (q.has('tagging')) return 'GetObjectTagging';
      return q.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      return q.has('uploadId') ? 'CompleteMultipartUpload' : 'PostObject';
    default:
      return `Unknown${method}`;
  }
}

function sendFault(res: ServerResponse, errorType: string): void {
  sendError(res, statusForErrorType(errorType), errorType, 'Injected fault from the local engine.');
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code.replace(/[^A-Za-z0-9.]/g, '')}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Bucket and key of a path-style object request. */
function objectOf(url: string): { bucket: string; key: string } {
  const { pathname } = new URL(url, 'http://localhost');
  const [, bucket = '', ...keyParts] = pathname.split('/');
  return { bucket: decodeURIComponent(bucket), key: decodeURIComponent(keyParts.join('/')) };
}

async function readAll(stream: NodeJS.ReadableStream | null): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function startS3(options: S3EngineOptions): Promise<S3Engine> {
  const counter = new OperationCounter();
  const faults = new FaultPlan('s3');
  for (const id of options.accessKeyIds ?? ['sandbox', process.env.AWS_ACCESS_KEY_ID ?? 'sandbox']) DUMMY_ACCOUNT.createKeyPair(id, id);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });

  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.dataDir,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  // Started silent, s3rver must stay silent: once its server has closed, its winston logger has no
  // transport left and a late "Stored object" line would reach the console with a warning instead.
  for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'log']) s3rver.logger[level] = () => s3rver.logger;
  await s3rver.run();
  const server = s3rver.httpServer;
  if (!server) throw new Error('s3rver did not start its HTTP server; check the s3rver version.');

  // Put the counter and the fault plan in front of s3rver's own request handler.
  const [serve] = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (!serve) throw new Error('s3rver did not register a request handler; check the s3rver version.');
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const operation = `s3:${s3Operation(req.method ?? 'GET', req.url ?? '/', req.headers)}`;
    counter.add(operation);
    options.onCount?.(operation);
    const injected = faults.take(operation);
    if (injected !== undefined) {
      req.resume();
      sendFault(res, injected);
      return;
    }
    if (operation === 's3:ListObjectVersions') {
      void listVersions(req.url ?? '/', res);
      return;
    }
    if (operation === 's3:PutObject' || operation === 's3:CopyObject') {
      void conditionalPut(req, res, operation);
      return;
    }
    serve(req, res);
  });

  /** S3's If-None-Match semantics (and, where configured, the bucket policy that requires them). */
  const inFlight = new Set<string>();
  const conditionalPut = async (req: IncomingMessage, res: ServerResponse, operation: string): Promise<void> => {
    const { bucket, key } = objectOf(req.url ?? '/');
    const ifNoneMatch = req.headers['if-none-match'];
    const guarded = (options.conditionalWritesOnly ?? []).some((g) => g.bucket === bucket && key.startsWith(g.prefix));
    if (guarded && (ifNoneMatch === undefined || operation === 's3:CopyObject')) {
      req.resume();
      sendError(res, 403, 'AccessDenied', 'Access Denied: writes here must carry If-None-Match (bucket policy).');
      return;
    }
    if (ifNoneMatch === undefined) {
      serve(req, res);
      return;
    }
    const id = `${bucket}/${key}`;
    if (ifNoneMatch !== '*') {
      req.resume();
      sendError(res, 501, 'NotImplemented', 'If-None-Match takes only *.');
      return;
    }
    if (inFlight.has(id)) {
      req.resume();
      sendError(res, 409, 'ConditionalRequestConflict', 'A conflicting conditional operation is in progress against this resource.');
      return;
    }
    inFlight.add(id);
    const release = (): void => {
      inFlight.delete(id);
    };
    try {
      if (await s3rver.store.existsObject(bucket, key)) {
        release();
        req.resume();
        sendError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        return;
      }
    } catch {
      // An unknown bucket: s3rver answers NoSuchBucket itself.
    }
    res.once('finish', release);
    res.once('close', release);
    serve(req, res);
  };

  /** ListObjectVersions over an unversioned store: every object is its own latest version. */
  const listVersions = async (url: string, res: ServerResponse): Promise<void> => {
    const { pathname, searchParams } = new URL(url, 'http://localhost');
    const bucket = decodeURIComponent(pathname.split('/')[1] ?? '');
    const prefix = searchParams.get('prefix') ?? '';
    try {
      const { objects } = await s3rver.store.listObjects(bucket, { prefix, maxKeys: 100_000 });
      const versions = objects
        .map(
          (o) =>
            `<Version><Key>${xmlText(o.key)}</Key><VersionId>null</VersionId><IsLatest>true</IsLatest><LastModified>${new Date(o.metadata['last-modified'] ?? Date.now()).toISOString()}</LastModified><Size>${o.metadata['content-length'] ?? '0'}</Size></Version>`,
        )
        .join('');
      const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlText(bucket)}</Name><Prefix>${xmlText(prefix)}</Prefix><KeyMarker></KeyMarker><VersionIdMarker></VersionIdMarker><MaxKeys>100000</MaxKeys><IsTruncated>false</IsTruncated>${versions}</ListVersionsResult>`;
      res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch {
      sendError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
  };

  const listAllObjects = async (): Promise<StoredObject[]> => {
    const found: StoredObject[] = [];
    for (const { name } of await s3rver.store.listBuckets()) {
      const { objects } = await s3rver.store.listObjects(name, {});
      for (const { key } of objects) {
        const object = await s3rver.store.getObject(name, key);
        if (object) found.push({ bucket: name, key, body: await readAll(object.content), metadata: { ...object.metadata } });
      }
    }
    return found;
  };

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => counter.counts(),
    resetCounts: () => counter.resetCounts(),
    injectFault: (operation, count, errorType) => faults.injectFault(operation, count, errorType),
    clearFaults: () => faults.clearFaults(),
    listAllObjects,
    close: () => closeServer(server),
  };
}
