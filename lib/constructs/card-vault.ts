/**
 * The card vault: the envelope key that seals card fields (lambdas/shared/vault.ts) and the transient
 * DynamoDB table that holds the sealed items until End/Abort deletes them (TTL `expiresAt` is a backstop).
 *
 * Who may do what is the whole point (P06, P10):
 * - seal (SMA handler): kms:GenerateDataKey on the vault key + dynamodb:UpdateItem;
 * - attach (InfoInsert): dynamodb:UpdateItem;
 * - open (validator): kms:Decrypt on the vault key + dynamodb:GetItem/UpdateItem;
 * - destroy (End/Abort): dynamodb:PutItem (the item is replaced by a tombstone with no card data, which
 *   refuses any late seal).
 * Every grant names this table or this key; nothing is a wildcard.
 *
 * Key policy: the vault key keeps only CDK's default statement for the account root (which delegates to IAM,
 * so the grants above decide) plus explicit Deny statements that no IAM policy can override:
 * - kms:ReEncrypt*, kms:Encrypt and kms:CreateGrant are refused to every principal, so an administrator cannot
 *   move a sealed field's data key under a key of their own, nor grant themselves use of this one;
 * - kms:Decrypt is refused to every principal but the roles given `grantOpen`, kms:GenerateDataKey* to every
 *   principal but the roles given `grantSeal` (the IVR handler, and the Connect capture function when deployed).
 * The grants themselves hold only when the call comes from the function's own code: KMS cannot check
 * `lambda:SourceFunctionArn` in a key (resource) policy, so it is a condition of each identity grant, which is
 * the strongest binding AWS offers for Lambda callers; credentials of the role used anywhere else get nothing.
 * They also require the vault's encryption context (`sessionId`, nothing else) and, for sealing, AES-256 keys.
 * The grants are separate managed policies because the function ARN in them would otherwise make the
 * function depend on itself through its role's default policy.
 *
 * The table has no point-in-time recovery (P01, P03): a "destroyed" item must not stay restorable for 35 days.
 * Table encryption at rest uses a separate table key that is usable only through DynamoDB, so table access
 * never implies use of the vault key.
 */
import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EncryptedTable } from './encrypted-table';

export interface CardVaultProps {
  /**
   * Optional - What happens to the key and table when the stack is deleted. Sealed items are useless
   * without the key, and items live for minutes, so the default removes both.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class CardVaultGrantError extends Error {
  public constructor(problem: string) {
    super(`CardVault: ${problem}`);
    this.name = 'CardVaultGrantError';
  }
}

export class CardVault extends Construct {
  /** The envelope key (VAULT_KEY_ARN): GenerateDataKey for the SMA handler, Decrypt for the validator. */
  public readonly key: kms.Key;
  public readonly table: dynamodb.Table;
  private readonly store: EncryptedTable;
  private readonly sealers: string[] = [];
  private readonly openers: string[] = [];

  public constructor(scope: Construct, id: string, props: CardVaultProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    this.key = new kms.Key(this, 'VaultKey', {
      description: 'secure-ivr: card vault envelope key (seal: SMA handler only; open: validator only)',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(90),
      removalPolicy,
    });
    this.store = new EncryptedTable(this, 'Store', { purpose: 'the card vault', removalPolicy, pointInTimeRecovery: false });
    this.table = this.store.table;
    Validations.of(this.table).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'P01, P03: the vault holds sealed card data for minutes and End/Abort delete it; point-in-time recovery would keep deleted card data restorable for 35 days, against PCI DSS 3.3.1.',
    });

    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyKeyMovingToEveryone',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:ReEncrypt*', 'kms:Encrypt', 'kms:CreateGrant'],
        resources: ['*'],
      }),
    );

    this.key.addToResourcePolicy(this.denyAllBut('DenyDecryptExceptOpeners', ['kms:Decrypt'], this.openers));
    this.key.addToResourcePolicy(
      this.denyAllBut(
        'DenyDataKeysExceptSealers',
        ['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext'],
        this.sealers,
      ),
    );
    this.node.addValidation({
      validate: () => [
        ...(this.sealers.length === 0 ? ['no function was given grantSeal; card data could never be stored'] : []),
        ...(this.openers.length === 0 ? ['no function was given grantOpen; card data could never be validated'] : []),
      ],
    });
  }

  /**
   * A capturing function (the SMA handler; the Connect capture function): make an AES-256 data key per field,
   * from the function's own code only, and write the sealed field. Each call adds the function's role to the
   * key policy's sealer exception; nothing else needs editing.
   */
  public grantSeal(fn: lambda.IFunction): void {
    this.sealers.push(this.roleArnOf(fn));
    this.grantKeyUse(fn, 'Seal', 'kms:GenerateDataKey', { StringEquals: { 'kms:DataKeySpec': 'AES_256' } });
    this.store.grantItemActions(fn, ['dynamodb:UpdateItem']);
  }

  /** InfoInsert: attach the agent's non-confidential fields to the item. */
  public grantAttach(fn: lambda.IFunction): void {
    this.store.grantItemActions(fn, ['dynamodb:UpdateItem']);
  }

  /** Validator: read the item, unwrap its data keys, mark it submitted and drop the security code. */
  public grantOpen(fn: lambda.IFunction): void {
    this.openers.push(this.roleArnOf(fn));
    this.grantKeyUse(fn, 'Open', 'kms:Decrypt', {});
    this.store.grantItemActions(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  }

  /** End/Abort: replace the item with a tombstone (no card data) that refuses late seals. */
  public grantDestroy(fn: lambda.IFunction): void {
    this.store.grantItemActions(fn, ['dynamodb:PutItem']);
  }

  private roleArnOf(fn: lambda.IFunction): string {
    if (!fn.role) throw new CardVaultGrantError('the function has no role to grant to');
    return fn.role.roleArn;
  }

  /** One vault-key action for one function's code, with the vault's encryption context, as its own managed policy. */
  private grantKeyUse(fn: lambda.IFunction, purpose: string, action: string, extra: Record<string, Record<string, unknown>>): void {
    const role = fn.role;
    if (!role) throw new CardVaultGrantError('the function has no role to grant to');
    new iam.ManagedPolicy(this, `${purpose}${fn.node.id}Policy`, {
      description: `secure-ivr: ${action} on the card vault key, only from the function's own code`,
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          actions: [action],
          resources: [this.key.keyArn],
          conditions: {
            ArnEquals: { 'lambda:SourceFunctionArn': fn.functionArn },
            ...extra,
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sessionId'] },
            Null: { 'kms:EncryptionContext:sessionId': 'false' },
          },
        }),
      ],
    });
  }

  private denyAllBut(sid: string, actions: string[], allowed: string[]): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions,
      resources: ['*'],
      conditions: { StringNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => allowed }) } },
    });
  }
}
