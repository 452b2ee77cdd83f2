/**
 * A transient-item DynamoDB table keyed by `sessionId`: on-demand, point-in-time recovery (unless turned off), TTL backstop on
 * `expiresAt`, and server-side encryption with its own rotating CMK. Item-level grants are explicit action
 * lists on this one table; the table key is usable by a grantee only through DynamoDB (kms:ViaService), so
 * table access never turns into general use of a key (P06, P10).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Item-level DynamoDB actions a grant may name (no dynamodb:* or batch/scan access). */
export type ItemAction = 'dynamodb:GetItem' | 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:DeleteItem';

/** The partition key and TTL attribute every session-scoped table shares with lambdas/shared. */
export const TABLE_PARTITION_KEY = 'sessionId';
export const TABLE_TTL_ATTRIBUTE = 'expiresAt';

export interface EncryptedTableProps {
  /** What the table holds, used in the key description. */
  readonly purpose: string;
  /**
   * Optional - What happens to the table and key when the stack is deleted. Items are transient, so the
   * default deletes them; point-in-time recovery still covers accidental changes while deployed.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Optional - Point-in-time recovery. Turn it off only for data that must become unrecoverable when deleted
   * (the card vault, P01/P03: a backup would keep "destroyed" card data restorable for 35 days).
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
}

export class EncryptedTable extends Construct {
  public readonly table: dynamodb.Table;
  /** Server-side encryption key of the table (not the application envelope key). */
  public readonly tableKey: kms.Key;

  public constructor(scope: Construct, id: string, props: EncryptedTableProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.tableKey = new kms.Key(this, 'TableKey', {
      description: `secure-ivr: DynamoDB encryption at rest for ${props.purpose}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy,
    });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: props.pointInTimeRecovery ?? true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tableKey,
      removalPolicy,
    });
  }

  /** Grants exactly `actions` on this table, plus use of the table key through DynamoDB only. */
  public grantItemActions(grantee: iam.IGrantable, actions: readonly ItemAction[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions: [...actions], resourceArns: [this.table.tableArn] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resourceArns: [this.tableKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
    });
    return grant;
  }
}
