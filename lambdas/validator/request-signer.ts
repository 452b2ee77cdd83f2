/**
 * AWS Signature Version 4 for requests to a validation service behind IAM authentication (the
 * reference service's Lambda function URL with AuthType AWS_IAM). The signer is a plain function the
 * HTTPS client calls once per submission; it returns the headers to add (Authorization, X-Amz-Date and,
 * with temporary credentials, X-Amz-Security-Token). Hashing uses node:crypto.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignableRequest {
  method: string;
  url: URL;
  /** Headers as they will be sent, lower- or mixed-case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Returns the headers to add to the request. */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigV4SignerOptions {
  region: string;
  /** Credentials, or a provider the SDK refreshes (e.g. an SDK client's `config.credentials`). */
  credentials: Credentials | (() => Promise<Credentials>);
  /** Signing name. @default 'lambda' (function URLs) */
  service?: string;
}

type Bytes = string | ArrayBuffer | ArrayBufferView;

const toBuffer = (data: Bytes): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 and HMAC-SHA-256 in the shape the signer expects. */
class NodeSha256 {
  private hash: Hash | Hmac;

  public constructor(private readonly secret?: Bytes) {
    this.hash = this.fresh();
  }

  public update(data: Bytes): void {
    this.hash.update(toBuffer(data));
  }

  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  public reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}

export function createSigV4Signer(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? 'lambda',
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    const added: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      const lower = name.toLowerCase();
      if (lower === 'authorization' || lower.startsWith('x-amz-')) added[name] = value;
    }
    return added;
  };
}
