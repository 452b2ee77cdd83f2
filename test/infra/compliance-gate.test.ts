/**
 * What the cdk-nag packs do not check and the other infra tests do not already pin (see pci.md): an alarm on
 * vault-key (KMS) failures, a vault key used for nothing but card data and kept apart from the logs and audit
 * keys, `Resource: "*"` only for actions AWS offers no resource for, no secret in any function's environment,
 * and the Chime-invoke permission as the only way into the SMA handler.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { asList, sharedStack, identityStatements, logicalId } from './helpers';

/**
 * Actions that take no resource ARN (X-Ray, vended log delivery, task-token callbacks). The console's file
 * deployment invalidates its one distribution by ARN, so CloudFront is not here.
 */
const STAR_RESOURCE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:DescribeLogGroups',
  'logs:DescribeResourcePolicies',
  'logs:GetLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:UpdateLogDelivery',
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
]);

describe('compliance gate: what the packs miss', () => {
  it('alarms through the encrypted topic when the vault key fails in the SMA handler (P23)', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const filters = template.findResources('AWS::Logs::MetricFilter', { Properties: { FilterPattern: '{ $.error = "VaultCryptoError" }' } });
    // Assess
    expect(Object.values(filters)).toHaveLength(1);
    expect(Object.values(filters)[0]?.Properties.LogGroupName).toEqual({ Ref: logicalId(stack.smaHandler!.functionLogGroup) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SecureIvr',
      MetricName: 'VaultKeyFailed',
      AlarmActions: [{ Ref: logicalId(stack.alarms.topic) }],
    });
  });

  it('uses the vault key for card data only, apart from the logs and audit keys, all rotating (P07)', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const vaultKey = logicalId(stack.vault.key);
    const json = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
    // Act
    const keyUsers = Object.entries(json)
      .filter(([, r]) => !['AWS::KMS::Key', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::Lambda::Function', 'AWS::IAM::Role'].includes(r.Type))
      .filter(([, r]) => JSON.stringify(r.Properties ?? {}).includes(`"${vaultKey}"`))
      .map(([id, r]) => `${r.Type} ${id}`);
    const separate = new Set([vaultKey, logicalId(stack.audit.key), logicalId(stack.recordings!.key)]);
    // Assess
    expect(keyUsers).toEqual([]);
    expect(separate.size).toBe(3);
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) expect(JSON.stringify(group.Properties.KmsKeyId)).not.toContain(vaultKey);
    for (const id of separate) expect(json[id]?.Properties?.EnableKeyRotation).toBe(true);
  });

  it('grants Resource "*" only for actions that have no resource to name (P10)', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const wide = identityStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow' && asList(statement.Resource).includes('*'))
      .flatMap(({ statement }) => asList(statement.Action))
      .filter((a) => !STAR_RESOURCE_ACTIONS.has(a));
    // Assess
    expect(wide).toEqual([]);
  });

  it('puts no secret, password or private key in any function environment (P08)', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const env = Object.values(template.findResources('AWS::Lambda::Function')).flatMap((fn) =>
      Object.entries((fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>),
    );
    // Assess
    expect(env.length).toBeGreaterThan(0);
    expect(env.filter(([name]) => /SECRET|PASSWORD|PASSPHRASE|PRIVATE|CLIENT_KEY|API_KEY/i.test(name) && !/_ARN$/.test(name)).map(([n]) => n)).toEqual([]);
    expect(env.filter(([, value]) => /PRIVATE KEY|BEGIN CERTIFICATE|AKIA[0-9A-Z]{16}/.test(JSON.stringify(value))).map(([n]) => n)).toEqual([]);
  });

  it('lets nothing but the Chime voice connector invoke the SMA handler (P11)', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const intoSma = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(logicalId(stack.smaHandler!)),
    );
    // Assess
    expect(intoSma.map((p) => p.Properties.Principal)).toEqual(['voiceconnector.chime.amazonaws.com']);
    template.resourcePropertiesCountIs('AWS::Lambda::Url', { TargetFunctionArn: Match.objectLike({ 'Fn::GetAtt': [logicalId(stack.smaHandler!), 'Arn'] }) }, 0);
  });

  it('blocks public access, versions and denies non-TLS access on every bucket, whatever constructs add (P09, P20)', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const buckets = Object.entries(template.findResources('AWS::S3::Bucket'));
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    // Assess
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const [id, bucket] of buckets) {
      expect([id, bucket.Properties.PublicAccessBlockConfiguration]).toEqual([
        id,
        { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      ]);
      expect([id, bucket.Properties.VersioningConfiguration]).toEqual([id, { Status: 'Enabled' }]);
      const statements = policies.find((p) => p.Properties.Bucket.Ref === id)?.Properties.PolicyDocument.Statement ?? [];
      expect([
        id,
        statements.some(
          (st: { Effect: string; Condition?: unknown }) => st.Effect === 'Deny' && JSON.stringify(st.Condition) === '{"Bool":{"aws:SecureTransport":"false"}}',
        ),
      ]).toEqual([id, true]);
    }
  });

  it('encrypts every DynamoDB table with a customer-managed key and keeps point-in-time recovery on for all but the vault (P05, P07, P01)', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const tables = Object.entries(template.findResources('AWS::DynamoDB::Table'));
    // Assess
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const [id, table] of tables) {
      expect([id, table.Properties.SSESpecification]).toEqual([id, { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() }]);
      // Deleted card data must not stay restorable from the vault's backups (review item 4).
      const recoverable = id !== logicalId(stack.vault.table);
      expect([id, table.Properties.PointInTimeRecoverySpecification]).toEqual([id, expect.objectContaining({ PointInTimeRecoveryEnabled: recoverable })]);
    }
  });
});
