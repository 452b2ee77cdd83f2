/**
 * A CloudWatch Logs log group with the project's logging controls built in: encrypted with the logs CMK
 * (P18), kept at least a year (P19) and covered by a data-protection policy that masks card numbers,
 * security codes and expiry dates should one ever slip into a log line (P21).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** PCI DSS 10.5.1: at least twelve months of audit log history. */
export const MIN_LOG_RETENTION_DAYS = 365;

export interface EncryptedLogGroupProps {
  /** The customer-managed key that encrypts the log group (see LogsKey). */
  readonly encryptionKey: kms.IKey;
  /**
   * Optional - Log group name, e.g. `/aws/vendedlogs/states/...` for Step Functions.
   * @default - a generated name
   */
  readonly logGroupName?: string;
  /**
   * Optional - How long events are kept. Values under 365 days are refused.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
  /**
   * Optional - Add the card-data data-protection policy. Switching it off is a deliberate, visible choice.
   * @default true
   */
  readonly maskCardData?: boolean;
  /**
   * Optional - What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class EncryptedLogGroupPropsError extends Error {
  public constructor(problem: string) {
    super(`EncryptedLogGroup: ${problem}`);
    this.name = 'EncryptedLogGroupPropsError';
  }
}

export class EncryptedLogGroup extends Construct {
  public readonly logGroup: logs.LogGroup;

  public constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const retention = props.retention ?? logs.RetentionDays.ONE_YEAR;
    // INFINITE is encoded as 9999 in aws-cdk-lib, so a plain comparison covers it.
    if (retention < MIN_LOG_RETENTION_DAYS) {
      throw new EncryptedLogGroupPropsError(`retention must be at least ${MIN_LOG_RETENTION_DAYS} days (PCI DSS 10.5.1)`);
    }
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      encryptionKey: props.encryptionKey,
      retention,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      dataProtectionPolicy:
        props.maskCardData === false
          ? undefined
          : new logs.DataProtectionPolicy({
              name: 'secure-ivr-card-data',
              description: 'Masks card numbers, security codes and expiry dates in log events (PCI DSS 3.3.1, 3.5.1)',
              identifiers: [logs.DataIdentifier.CREDITCARDNUMBER, logs.DataIdentifier.CREDITCARDSECURITYCODE, logs.DataIdentifier.CREDITCARDEXPIRATION],
            }),
    });
  }
}
