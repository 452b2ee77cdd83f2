/**
 * Security review item 4: the vault key policy and the vault table. An administrator whose IAM policy allows
 * kms:ReEncrypt*, kms:Encrypt or kms:CreateGrant must still be unable to move a sealed field's data key under a
 * key of their own (or grant themselves Decrypt); data keys are made only by code running in the capturing
 * functions and unwrapped only by code running in the validator (lambda:SourceFunctionArn), not merely by
 * anything holding their roles; and "destroyed" card data is not restorable from point-in-time backups.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CardVault } from '../../lib/constructs/card-vault';
import { EncryptedTable } from '../../lib/constructs/encrypted-table';
import { asList, grantsAction, identityStatements, logicalId, namesResource, type Statement } from './helpers';

interface Fixture {
  stack: Stack;
  vault: CardVault;
  ivr: lambda.Function;
  connect: lambda.Function;
  validator: lambda.Function;
  other: lambda.Function;
  template: Template;
}

function build(): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'VaultTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const fn = (id: string): lambda.Function =>
    new lambda.Function(stack, id, {
      code: lambda.Code.fromInline('exports.handler=async()=>{}'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
  const vault = new CardVault(stack, 'CardVault');
  const ivr = fn('IvrFunction');
  const connect = fn('ConnectCaptureFunction');
  const validator = fn('ValidatorFunction');
  const other = fn('OtherFunction');
  vault.grantSeal(ivr);
  // The Connect engineer's capture function joins the sealers through the same grant, no policy editing.
  vault.grantSeal(connect);
  vault.grantOpen(validator);
  vault.grantDestroy(other);
  return { stack, vault, ivr, connect, validator, other, template: Template.fromStack(stack) };
}

const keyPolicy = (f: Fixture): Statement[] => f.template.toJSON().Resources[logicalId(f.vault.key)].Properties.KeyPolicy.Statement as Statement[];
const arnOf = (fn: lambda.Function) => ({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] });
const roleArnOf = (fn: lambda.Function) => ({ 'Fn::GetAtt': [logicalId(fn.role!), 'Arn'] });

describe('CardVault key policy (review item 4)', () => {
  it('attack: an administrator with kms:ReEncrypt*, kms:Encrypt or kms:CreateGrant in IAM is refused by the key policy itself', () => {
    // Prepare
    const f = build();
    // Act: a Deny with no exception and no condition beats any Allow an administrator may hold.
    const denied = keyPolicy(f)
      .filter((s) => s.Effect === 'Deny' && JSON.stringify(s.Principal) === JSON.stringify({ AWS: '*' }) && s.Condition === undefined)
      .flatMap((s) => asList(s.Action));
    // Assess
    for (const action of ['kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:Encrypt', 'kms:CreateGrant']) {
      expect(denied.some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1))))).toBe(true);
    }
  });

  it('denies Decrypt to every principal but the validator role and data keys to every principal but the sealer roles', () => {
    // Prepare
    const f = build();
    // Act
    const policy = keyPolicy(f);
    const sid = (id: string) => policy.find((s) => s.Sid === id);
    // Assess
    expect(sid('DenyDecryptExceptOpeners')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:Decrypt',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [roleArnOf(f.validator)] } },
    });
    expect(sid('DenyDataKeysExceptSealers')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [roleArnOf(f.ivr), roleArnOf(f.connect)] } },
    });
    expect(asList(sid('DenyDataKeysExceptSealers')?.Action)).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext']));
  });

  it('attack: credentials of the IVR role used outside the IVR function cannot make data keys (lambda:SourceFunctionArn)', () => {
    // Prepare
    const f = build();
    // Act
    const grants = identityStatements(f.template).filter(
      ({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, 'kms:GenerateDataKey') && namesResource(statement, logicalId(f.vault.key)),
    );
    // Assess: one grant per sealer, each usable only from its own function's code, never a bare role grant.
    expect(grants).toHaveLength(2);
    const byRole = new Map(grants.map(({ roles, statement }) => [roles[0], statement]));
    for (const fn of [f.ivr, f.connect]) {
      expect(byRole.get(logicalId(fn.role!))).toMatchObject({
        Action: 'kms:GenerateDataKey',
        Condition: {
          ArnEquals: { 'lambda:SourceFunctionArn': arnOf(fn) },
          StringEquals: { 'kms:DataKeySpec': 'AES_256' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sessionId'] },
          Null: { 'kms:EncryptionContext:sessionId': 'false' },
        },
      });
    }
  });

  it('attack: credentials of the validator role used outside the validator function cannot decrypt (lambda:SourceFunctionArn)', () => {
    // Prepare
    const f = build();
    // Act
    const grants = identityStatements(f.template).filter(
      ({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, 'kms:Decrypt') && namesResource(statement, logicalId(f.vault.key)),
    );
    // Assess
    expect(grants).toEqual([
      {
        roles: [logicalId(f.validator.role!)],
        statement: expect.objectContaining({
          Action: 'kms:Decrypt',
          Condition: {
            ArnEquals: { 'lambda:SourceFunctionArn': arnOf(f.validator) },
            'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['sessionId'] },
            Null: { 'kms:EncryptionContext:sessionId': 'false' },
          },
        }),
      },
    ]);
  });

  it('gives no other function any use of the vault key', () => {
    // Prepare
    const f = build();
    // Act
    const otherRole = logicalId(f.other.role!);
    const keyActions = identityStatements(f.template)
      .filter(({ roles, statement }) => roles.includes(otherRole) && namesResource(statement, logicalId(f.vault.key)))
      .flatMap(({ statement }) => asList(statement.Action));
    // Assess
    expect(keyActions).toEqual([]);
  });
});

describe('CardVault table (review item 4)', () => {
  it('attack: destroyed card data is not restorable, because the vault table has no point-in-time recovery', () => {
    // Prepare
    const f = build();
    // Act
    const table = f.template.toJSON().Resources[logicalId(f.vault.table)].Properties;
    // Assess
    expect(table.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('keeps point-in-time recovery on for every other encrypted table', () => {
    // Prepare
    const app = new App();
    const stack = new Stack(app, 'Other');
    // Act
    new EncryptedTable(stack, 'Sessions', { purpose: 'sessions' });
    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  it('acknowledges the missing point-in-time recovery (AwsSolutions-DDB3) on the vault table only, citing pci.md', () => {
    // Prepare
    const f = build();
    // Act
    const acks = f.stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
      )
      .filter((a) => a.id.endsWith('AwsSolutions-DDB3'));
    const report = new AwsSolutionsChecks().validateScope(f.stack);
    // Assess
    expect(acks).toEqual([
      { path: expect.stringContaining('CardVault'), id: expect.stringContaining('AwsSolutions-DDB3'), reason: expect.stringMatching(/\bP0[13]\b/) },
    ]);
    expect(report.violations.filter((v) => v.ruleName === 'AwsSolutions-DDB3')).toEqual([]);
  });
});
