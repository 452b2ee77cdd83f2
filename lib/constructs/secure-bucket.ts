/**
 * An S3 bucket for data that must stay private: public access blocked, TLS-only (P09), versioned, encrypted
 * with its own rotating CMK, server access logs to a separate bucket, and a retention lifecycle. Used for
 * call recordings, which must never hold card data (recording is paused during capture, P12) but are still
 * in the cardholder-data environment.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface SecureBucketProps {
  /** What the bucket holds, for the key description. */
  readonly purpose: string;
  /**
   * Optional - Days after which objects (and old versions) expire. Recordings are personal data: keep them
   * only as long as the contact centre's policy says.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * Optional - Where server access logs go.
   * @default - a dedicated access-log bucket (SSE-S3, TLS-only, versioned, kept as long as the data)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Optional - What happens to the bucket and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Optional - Expire current objects after `retentionDays`. Off for content that must stay as long as it is
   * deployed (the console's files); old versions still expire after a day.
   * @default true
   */
  readonly expireObjects?: boolean;
  /**
   * Optional - A fixed bucket name, for a bucket others must name before it exists (CloudFront's origin, to
   * break the key → distribution → bucket → key cycle).
   * @default - a generated name
   */
  readonly bucketName?: string;
  /**
   * Optional - Object ownership. ACLs stay disabled unless a writer needs them: CloudFront standard logging
   * delivers with an ACL, so its log bucket uses BUCKET_OWNER_PREFERRED.
   * @default s3.ObjectOwnership.BUCKET_OWNER_ENFORCED
   */
  readonly objectOwnership?: s3.ObjectOwnership;
}

export class SecureBucketPropsError extends Error {
  public constructor(problem: string) {
    super(`SecureBucket: ${problem}`);
    this.name = 'SecureBucketPropsError';
  }
}

export class SecureBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  public readonly accessLogsBucket: s3.IBucket;

  public constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? 365;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new SecureBucketPropsError('retentionDays must be a whole number of days, at least 1');
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: `secure-ivr: S3 encryption for ${props.purpose}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy,
    });
    this.accessLogsBucket = props.serverAccessLogsBucket ?? createAccessLogsBucket(this, 'AccessLogs', retentionDays, removalPolicy);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      objectOwnership: props.objectOwnership ?? s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? `access/${id}/` : 'access/',
      lifecycleRules: [
        {
          id: 'retention',
          expiration: props.expireObjects === false ? undefined : Duration.days(retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason:
        'P20: open decision in pci.md; a replica would be one more copy of call audio in scope. Versioning plus retention lifecycle covers accidental loss.',
    });
  }
}

/**
 * The server-access-log target for a card-data or audit bucket: private, TLS only, versioned, kept at
 * least a year. S3 log delivery supports only SSE-S3 on the target, which the findings acknowledge.
 */
export function createAccessLogsBucket(scope: Construct, id: string, retentionDays: number, removalPolicy: RemovalPolicy): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ id: 'retention', expiration: Duration.days(Math.max(retentionDays, 365)), noncurrentVersionExpiration: Duration.days(30) }],
    removalPolicy,
  });
  Validations.of(bucket).acknowledge(
    { id: 'AwsSolutions-S1', reason: 'P20: this is the access-log target itself; logging it to itself would loop.' },
    { id: 'PCI.DSS.321-S3BucketLoggingEnabled', reason: 'P20: this is the access-log target itself; logging it to itself would loop.' },
    {
      id: 'PCI.DSS.321-S3DefaultEncryptionKMS',
      reason: 'P18: S3 server access log delivery supports only SSE-S3 on the target bucket; it holds request metadata, never card data.',
    },
    {
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason: 'P20: open decision in pci.md; access logs stay in one region with versioning and a year-long lifecycle.',
    },
  );
  return bucket;
}
