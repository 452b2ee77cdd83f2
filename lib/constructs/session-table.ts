/**
 * The session table: one item per secure session (status, task token, progress shown to the agent). It
 * never holds card data; only task handlers and the SMA handler may touch it.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EncryptedTable } from './encrypted-table';

export interface SessionTableProps {
  /**
   * Optional - What happens to the table when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class SessionTable extends Construct {
  public readonly table: dynamodb.Table;
  private readonly encrypted: EncryptedTable;

  public constructor(scope: Construct, id: string, props: SessionTableProps = {}) {
    super(scope, id);
    this.encrypted = new EncryptedTable(this, 'Store', { purpose: 'secure-session state', removalPolicy: props.removalPolicy });
    this.table = this.encrypted.table;
  }

  /** Read-only: GetItem. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.encrypted.grantItemActions(grantee, ['dynamodb:GetItem']);
  }

  /** Read and write session items (Get/Put/Update/Delete, nothing table-wide). */
  public grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.encrypted.grantItemActions(grantee, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
  }
}
