/**
 * The tamper-evident audit trail (PCI DSS 10.2, 10.3, 10.5; checklist P16, P19, P20): an S3 bucket with
 * Object Lock in COMPLIANCE mode (default retention at least a year; nobody, root included, can shorten
 * it or delete a locked version), versioning, its own rotating CMK, TLS only, public access blocked and
 * server access logs; a DynamoDB table for each session chain's head; a Glue database with `events` and
 * `outcomes` tables (partition projection on `day`) and an Athena workgroup whose results are KMS-encrypted.
 *
 * Grants: functions that emit session events may only append (`grantAppend`); End/Abort also write finance
 * outcomes (`grantOutcomeWrite`); `financeRole` can read the outcomes prefix and nothing else;
 * `auditorRole` reads the whole trail, the chain heads and queries it with Athena. No role may delete.
 *
 * Write once (security review item 5): the bucket policy refuses every PutObject that does not carry
 * `If-None-Match` (condition key `s3:if-none-match`), so no writer, however privileged its IAM policy, can
 * replace an object — a rewrite would only ever add a version, which `audit verify` reports. Given `logsKey`,
 * an hourly digest function (EventBridge schedule) signs the session heads written each hour plus the hash of
 * the previous digest with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) that only it may sign with, as
 * CloudTrail's log file integrity validation does; the auditor role may fetch the public key to verify offline.
 */
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AUDIT_ENV } from '../../lambdas/audit/audit-config';
import { createAccessLogsBucket } from './secure-bucket';
import { DIGESTS_PREFIX, EVENTS_PREFIX, OUTCOMES_PREFIX } from '../../lambdas/audit/audit-layout';
import { PciFunction } from './pci-function';

/** AUDIT_DIGEST_KEY_ARN, read by lambdas/audit/digest-handler.ts (kept here so synth need not load the handler). */
const DIGEST_KEY_ENV = 'AUDIT_DIGEST_KEY_ARN';

/** PCI DSS 10.5.1: at least twelve months. */
export const MIN_PCI_RETENTION_DAYS = 365;

export interface AuditTrailProps {
  /**
   * Optional - Object Lock (COMPLIANCE) retention of every audit object, in days. Below 365 does not meet
   * PCI DSS 10.5.1 and is flagged with a warning. It cannot be shortened once objects are written.
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * Optional - Who may assume the finance and auditor roles.
   * @default - this account (its administrators then delegate with their own IAM policies)
   */
  readonly readerPrincipal?: iam.IPrincipal;
  /**
   * Optional - Days Athena query results are kept.
   * @default 30
   */
  readonly queryResultRetentionDays?: number;
  /**
   * Optional - The logs key for the hourly digest function's log group. Given, the signed hourly digests are
   * switched on (digest key, function, schedule); the secure-ivr stack always gives it.
   * @default - no digests
   */
  readonly logsKey?: kms.IKey;
}

export class AuditTrailPropsError extends Error {
  public constructor(problems: string[]) {
    super(`AuditTrail: ${problems.join('; ')}`);
    this.name = 'AuditTrailPropsError';
  }
}

/** Columns of the event records (lambdas/audit/hash-chain.ts AuditRecord) as Glue sees them. */
const EVENT_COLUMNS: glue.CfnTable.ColumnProperty[] = [
  { name: 'v', type: 'int' },
  { name: 'stream', type: 'string' },
  { name: 'seq', type: 'bigint' },
  { name: 'prev', type: 'string' },
  { name: 'hash', type: 'string' },
  {
    name: 'event',
    type: 'struct<type:string,sessionId:string,callTransactionId:string,transactionId:string,actor:struct<kind:string,id:string>,component:string,requestId:string,at:string,success:boolean,details:map<string,string>>',
  },
];
const OUTCOME_COLUMNS: glue.CfnTable.ColumnProperty[] = [
  'at',
  'sessionId',
  'transactionId',
  'formId',
  'workgroup',
  'agentId',
  'amount',
  'currency',
  'brand',
  'last4',
  'outcome',
  'details',
  'error',
].map((name) => ({ name, type: 'string' }));

export class AuditTrail extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly key: kms.Key;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly chainTable: dynamodb.Table;
  public readonly database: glue.CfnDatabase;
  public readonly eventsTable: glue.CfnTable;
  public readonly outcomesTable: glue.CfnTable;
  public readonly workGroup: athena.CfnWorkGroup;
  public readonly queryResultsBucket: s3.Bucket;
  public readonly financeRole: iam.Role;
  public readonly auditorRole: iam.Role;
  public readonly retentionDays: number;
  /** The asymmetric digest signing key (only the digest function may kms:Sign), when digests are on. */
  public readonly digestKey?: kms.Key;
  /** The hourly digest function, when digests are on. */
  public readonly digestFunction?: PciFunction;

  public constructor(scope: Construct, id: string, props: AuditTrailProps = {}) {
    super(scope, id);
    const retentionDays = props.retentionDays ?? MIN_PCI_RETENTION_DAYS;
    const resultDays = props.queryResultRetentionDays ?? 30;
    const problems: string[] = [];
    if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 36500)
      problems.push('retentionDays must be a whole number of days from 1 to 36500');
    if (!Number.isInteger(resultDays) || resultDays < 1) problems.push('queryResultRetentionDays must be a whole number of days, at least 1');
    if (problems.length > 0) throw new AuditTrailPropsError(problems);
    if (retentionDays < MIN_PCI_RETENTION_DAYS)
      Annotations.of(this).addWarningV2(
        'secure-ivr:audit-retention',
        `Audit retention of ${retentionDays} days is below the 365 days PCI DSS 10.5.1 requires.`,
      );
    this.retentionDays = retentionDays;
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'secure-ivr: audit trail and finance outcomes',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogsBucket = createAccessLogsBucket(this, 'AccessLogs', Math.max(retentionDays, MIN_PCI_RETENTION_DAYS), RemovalPolicy.RETAIN);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(retentionDays)),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'audit/',
      lifecycleRules: [
        // Three months immediately available at standard cost, then Glacier Instant Retrieval (still instant);
        // removed once the lock has run out.
        { id: 'archive', transitions: [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] },
        { id: 'retention', expiration: Duration.days(retentionDays + 1), noncurrentVersionExpiration: Duration.days(retentionDays + 1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Defence in depth on top of the lock: no principal deletes audit objects or changes a version's lock.
    // (Bucket-level lock and lifecycle stay with CloudFormation so retention can be raised; COMPLIANCE mode
    // never lets a written version's retention be shortened anyway.)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyAuditDeletionAndLockChanges',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention'],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );

    // Write once: a PutObject without If-None-Match is refused for everyone (S3 then refuses an existing key).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyAuditWritesWithoutIfNoneMatch',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );

    this.chainTable = new dynamodb.Table(this, 'ChainHeads', {
      partitionKey: { name: 'stream', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.queryResultsBucket = new s3.Bucket(this, 'QueryResults', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'query-results/',
      lifecycleRules: [{ id: 'retention', expiration: Duration.days(resultDays), noncurrentVersionExpiration: Duration.days(1) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const databaseName = `${stack.stackName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_audit`;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: { name: databaseName, description: 'secure-ivr audit trail and finance outcomes' },
    });
    const table = (cid: string, name: string, prefix: string, columns: glue.CfnTable.ColumnProperty[], description: string): glue.CfnTable => {
      const location = `s3://${this.bucket.bucketName}/${prefix}`;
      const t = new glue.CfnTable(this, cid, {
        catalogId: stack.account,
        databaseName,
        tableInput: {
          name,
          description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'day', type: 'string' }],
          parameters: {
            classification: 'json',
            'projection.enabled': 'true',
            'projection.day.type': 'date',
            'projection.day.format': 'yyyy-MM-dd',
            'projection.day.range': '2024-01-01,NOW',
            'projection.day.interval': '1',
            'projection.day.interval.unit': 'DAYS',
            'storage.location.template': `${location}day=\${day}/`,
          },
          storageDescriptor: {
            columns,
            location,
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
              parameters: { 'ignore.malformed.json': 'true', 'case.insensitive': 'false' },
            },
          },
        },
      });
      t.addResourceDependency(this.database);
      return t;
    };
    this.eventsTable = table(
      'EventsTable',
      'events',
      EVENTS_PREFIX,
      EVENT_COLUMNS,
      'One hash-chained session event per row (verify chains with secure-ivr audit verify)',
    );
    this.outcomesTable = table('OutcomesTable', 'outcomes', OUTCOMES_PREFIX, OUTCOME_COLUMNS, 'One payment outcome per secure session');

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `${stack.stackName}-audit`,
      description: 'Ad-hoc queries over the secure-ivr audit trail',
      state: 'ENABLED',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.queryResultsBucket.bucketName}/results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });

    const readers = props.readerPrincipal ?? new iam.AccountRootPrincipal();
    this.financeRole = new iam.Role(this, 'FinanceRole', { assumedBy: readers, description: 'secure-ivr finance: read payment outcomes, nothing else' });
    this.auditorRole = new iam.Role(this, 'AuditorRole', { assumedBy: readers, description: 'secure-ivr compliance: read and verify the audit trail' });
    this.grantReadPrefix(this.financeRole, OUTCOMES_PREFIX, 'FinanceOutcomesRead');
    this.grantReadPrefix(this.auditorRole, '', 'AuditorTrailRead');
    this.acknowledgePrefix(this, OUTCOMES_PREFIX, 'P20, 10.3.1: finance reads every outcome object (one per session) and nothing else in the bucket.');
    this.acknowledgePrefix(this, '', 'P20, 10.3.1: the compliance role reads the whole audit trail to verify it; read-only, no delete.');
    new iam.ManagedPolicy(this, 'AuditorQueryPolicy', {
      roles: [this.auditorRole],
      statements: [
        // Scan: `audit verify --chain-table` lists every head of the window to find sessions removed whole.
        new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Scan'], resources: [this.chainTable.tableArn] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucketVersions'], resources: [this.bucket.bucketArn] }),
        new iam.PolicyStatement({
          actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
          resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.name })],
        }),
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
            stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/*` }),
          ],
        }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:GetBucketLocation', 's3:ListBucket'],
          resources: [this.queryResultsBucket.bucketArn, this.queryResultsBucket.arnForObjects('results/*')],
        }),
      ],
    });
    // The reader policies are children of this construct, not of the roles they attach to.
    Validations.of(this).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:aws:glue:${stack.region}:${stack.account}:table/${databaseName}/*]`,
        reason: 'P20, 10.3.1: read-only Glue metadata of the two audit tables in this database.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.queryResultsBucket.node.defaultChild as s3.CfnBucket)}.Arn>/results/*]`,
        reason: 'P20: Athena writes and reads its own query results under results/ in the dedicated results bucket.',
      },
    );
    if (props.logsKey) {
      const digest = this.createDigests(props.logsKey);
      this.digestKey = digest.key;
      this.digestFunction = digest.fn;
    }
    this.acknowledge();
  }

  /** The digest key, the hourly digest function and its schedule; the auditor may read the public key. */
  private createDigests(logsKey: kms.IKey): { key: kms.Key; fn: PciFunction } {
    const key = new kms.Key(this, 'DigestKey', {
      description: 'secure-ivr: signs the hourly audit digests (kms:Sign only by the digest function)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const fn = new PciFunction(this, 'DigestFunction', {
      entry: 'lambdas/audit/digest-handler.ts',
      serviceName: 'secure-ivr-audit-digest',
      description: 'Signs the hourly digest of the audit trail (session heads written in the hour + previous digest)',
      logsKey,
      timeout: Duration.minutes(5),
      memorySize: 512,
      reservedConcurrentExecutions: 1,
      environment: { [AUDIT_ENV.bucket]: this.bucket.bucketName, [DIGEST_KEY_ENV]: key.keyArn },
    });
    const role = fn.functionRole;
    // Nobody but the digest function's role signs; the function's own grant binds it to its code.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenySignExceptDigestFunction',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { StringNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
    new iam.ManagedPolicy(this, 'DigestSignPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['kms:Sign'], resources: [key.keyArn], conditions: { ArnEquals: { 'lambda:SourceFunctionArn': fn.functionArn } } }),
      ],
    });
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${EVENTS_PREFIX}*`), this.bucket.arnForObjects(`${DIGESTS_PREFIX}*`)],
    });
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(`${DIGESTS_PREFIX}*`)] });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${EVENTS_PREFIX}*`, `${DIGESTS_PREFIX}*`] } },
      }),
    );
    this.grantKeyForWrites(fn);
    new events.Rule(this, 'DigestSchedule', {
      description: 'secure-ivr: sign the audit digest of the hour that just ended',
      schedule: events.Schedule.cron({ minute: '5' }),
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 4 })],
    });
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${EVENTS_PREFIX}*]`,
        reason: 'P20, 10.3.4: the digest function reads the event objects of the hour to sign their heads; read-only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${DIGESTS_PREFIX}*]`,
        reason: 'P20, 10.3.4: the digest function reads the previous digest and writes new digests only (If-None-Match, no overwrite).',
      },
    );
    new iam.ManagedPolicy(this, 'AuditorDigestKeyPolicy', {
      roles: [this.auditorRole],
      statements: [new iam.PolicyStatement({ actions: ['kms:GetPublicKey', 'kms:Verify'], resources: [key.keyArn] })],
    });
    return { key, fn };
  }

  /** Read-only access to one prefix (or the whole bucket for ''), through its own managed policy. */
  private grantReadPrefix(role: iam.Role, prefix: string, id: string): void {
    new iam.ManagedPolicy(this, `${id}Policy`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [this.bucket.arnForObjects(`${prefix}*`)] }),
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [this.bucket.bucketArn],
          ...(prefix ? { conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } } : {}),
        }),
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [this.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      ],
    });
  }

  /** Sets AUDIT_BUCKET / AUDIT_CHAIN_TABLE and lets the function append events (never read or delete them). */
  public grantAppend(fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment(AUDIT_ENV.bucket, this.bucket.bucketName);
    fn.addEnvironment(AUDIT_ENV.chainTable, this.chainTable.tableName);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(`${EVENTS_PREFIX}*`)] });
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resourceArns: [this.chainTable.tableArn] });
    this.grantKeyForWrites(fn);
    this.acknowledgePrefix(
      fn.grantPrincipal,
      EVENTS_PREFIX,
      'P16, P20: the function may only put new event objects under events/ (keys are per session and sequence, so the prefix needs a wildcard); it cannot read, overwrite a locked version or delete.',
    );
  }

  /**
   * Lets a function put new objects under one prefix of the trail (and nothing else): e.g. the
   * redaction service's `redaction-audit/` records. `reason` goes on the finding's acknowledgment.
   */
  public grantPrefixWrite(fn: iam.IGrantable, prefix: string, reason: string): void {
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(`${prefix}*`)] });
    this.grantKeyForWrites(fn);
    this.acknowledgePrefix(fn.grantPrincipal, prefix, reason);
  }

  /** Lets End/Abort write finance outcome records. */
  public grantOutcomeWrite(fn: iam.IGrantable): void {
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(`${OUTCOMES_PREFIX}*`)] });
    this.grantKeyForWrites(fn);
    this.acknowledgePrefix(
      fn.grantPrincipal,
      OUTCOMES_PREFIX,
      'P16, P20: End/Abort may only put outcome objects under outcomes/ (one key per session, so the prefix needs a wildcard).',
    );
  }

  /**
   * Lets a function (the finance API) read outcome records: AUDIT_BUCKET set, GetObject under outcomes/,
   * ListBucket for that prefix only, and Decrypt through S3. No audit events, no writes.
   */
  public grantOutcomeRead(fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment(AUDIT_ENV.bucket, this.bucket.bucketName);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects(`${OUTCOMES_PREFIX}*`)] });
    fn.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${OUTCOMES_PREFIX}*`] } },
      }),
    );
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:Decrypt'],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    this.acknowledgePrefix(
      fn.grantPrincipal,
      OUTCOMES_PREFIX,
      'P20, 10.3.1: the finance API reads outcome objects (one per session) and nothing else in the bucket.',
    );
  }

  /** The IAM5 finding for `<bucket>/<prefix>*`, acknowledged on the principal that holds it. */
  private acknowledgePrefix(principal: iam.IPrincipal | Construct, prefix: string, reason: string): void {
    if (!Construct.isConstruct(principal)) return;
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(principal).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`, reason });
  }

  private grantKeyForWrites(fn: iam.IGrantable): void {
    const region = Stack.of(this).region;
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:Encrypt'],
      resourceArns: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
    });
  }

  private acknowledge(): void {
    Validations.of(this.bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason: 'P20: Object Lock COMPLIANCE plus versioning make the trail immutable in place; cross-region replication is an open decision in pci.md.',
    });
    Validations.of(this.queryResultsBucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason: 'P20: Athena results are transient copies, expired after the configured days.',
    });
  }
}
