/** Minimal types for the untyped engine packages, covering only what the sandbox engines use. */
declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { Readable } from 'node:stream';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }
  interface S3rverStoredObject {
    bucket: string;
    key: string;
    content: Readable | null;
    metadata: Record<string, string>;
  }
  interface S3rverStore {
    listBuckets(): Promise<Array<{ name: string }>>;
    listObjects(bucket: string, options: { maxKeys?: number; prefix?: string }): Promise<{ objects: S3rverStoredObject[]; isTruncated: boolean }>;
    getObject(bucket: string, key: string): Promise<S3rverStoredObject | null>;
    existsObject(bucket: string, key: string): Promise<boolean>;
  }
  class S3rver {
    public constructor(options?: S3rverOptions);
    public httpServer?: Server;
    public store: S3rverStore;
    /** The winston logger behind `ctx.logger` and the request log. */
    public logger: Record<string, unknown>;
    public run(): Promise<{ address: string; port: number }>;
    public close(): Promise<void>;
  }
  export = S3rver;
}

declare module 's3rver/lib/models/account' {
  interface AWSAccount {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  }
  export const DUMMY_ACCOUNT: AWSAccount;
}
