/** The audit trail's infrastructure (P16, P19, P20): WORM storage, encryption, logging, Athena, least-privilege roles. */
import { Match } from 'aws-cdk-lib/assertions';
import { App, Stack } from 'aws-cdk-lib';
import { sharedStack, REQUIRED_CONTEXT, identityStatements, grantsAction, logicalId } from './helpers';
import { AuditTrail, AuditTrailPropsError } from '../../lib/constructs/audit-trail';

describe('the audit trail', () => {
  const { stack, template } = sharedStack();
  const bucketId = logicalId(stack.audit.bucket);

  it('keeps events under Object Lock in COMPLIANCE mode for a year by default, versioned, KMS-encrypted and access-logged', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 365 } } },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } })],
      },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  it('takes a longer retention from context and refuses one under a year', () => {
    const longer = sharedStack({ ...REQUIRED_CONTEXT, auditRetentionDays: 2555 }).template;
    longer.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
    });
    expect(() => sharedStack({ ...REQUIRED_CONTEXT, auditRetentionDays: 30 })).toThrow(/auditRetentionDays must be a whole number from 365 to 3650/);
  });

  it('refuses a retention that is not a whole number of days in the construct', () => {
    expect(() => new AuditTrail(new Stack(new App(), 'S'), 'A', { retentionDays: 0.5 })).toThrow(AuditTrailPropsError);
  });

  it('denies every principal deleting audit objects or changing their lock', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: Match.arrayWith(['s3:BypassGovernanceRetention', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention']),
          }),
        ]),
      },
    });
  });

  it('defines Glue tables over events and outcomes and an Athena workgroup with KMS-encrypted results', () => {
    template.resourceCountIs('AWS::Glue::Database', 1);
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({ Name: 'events', Parameters: Match.objectLike({ 'projection.enabled': 'true', 'projection.day.type': 'date' }) }),
    });
    template.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'outcomes' }) });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() } }),
      }),
    });
  });

  it('lets every event-emitting function append events and read/advance chain heads, and nothing more on the bucket', () => {
    const statements = identityStatements(template);
    const roleIds = [stack.smaHandler!, stack.functions.begin, stack.functions.getKey, stack.functions.insert, stack.functions.end, stack.functions.abort].map(
      (f) => logicalId(f.role as never),
    );
    for (const role of roleIds) {
      const onBucket = statements.filter((s) => s.roles.includes(role) && JSON.stringify(s.statement.Resource ?? '').includes(bucketId));
      expect(onBucket.flatMap((s) => [s.statement.Action].flat())).toEqual(expect.arrayContaining(['s3:PutObject']));
      expect(onBucket.some((s) => grantsAction(s.statement, 's3:GetObject') || grantsAction(s.statement, 's3:DeleteObject'))).toBe(false);
    }
    expect(
      statements.some(
        (s) => s.roles.includes(logicalId(stack.functions.validate.role as never)) && JSON.stringify(s.statement.Resource ?? '').includes(bucketId),
      ),
    ).toBe(false);
  });

  it('gives the finance role read access to the outcomes prefix and nothing else', () => {
    const finance = logicalId(stack.audit.financeRole);
    const statements = identityStatements(template)
      .filter((s) => s.roles.includes(finance))
      .map((s) => s.statement);
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket']);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain('/outcomes/*');
    expect(resources).not.toContain('/events/');
    expect(JSON.stringify(statements.find((s) => [s.Action].flat().includes('s3:ListBucket'))?.Condition)).toContain('outcomes/*');
  });

  it('sets the audit bucket and chain table on the functions that write the trail', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_BUCKET: { Ref: bucketId }, AUDIT_CHAIN_TABLE: { Ref: logicalId(stack.audit.chainTable) } }) },
    });
  });
});

describe('the audit trail cannot be rewritten, and is signed hourly (review item 5)', () => {
  const { stack, template } = sharedStack();
  const bucketId = logicalId(stack.audit.bucket);
  const digestFn = stack.audit.digestFunction as NonNullable<typeof stack.audit.digestFunction>;
  const digestKey = stack.audit.digestKey as NonNullable<typeof stack.audit.digestKey>;

  it('attack: the bucket policy refuses any PutObject without If-None-Match, for every principal', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyAuditWritesWithoutIfNoneMatch',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
            Condition: { Null: { 's3:if-none-match': 'true' } },
          }),
        ]),
      },
    });
  });

  it('signs digests with an asymmetric ECC key whose policy refuses kms:Sign to everyone but the digest function role', () => {
    const key = template.toJSON().Resources[logicalId(digestKey)].Properties;
    expect(key).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    expect(key.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'DenySignExceptDigestFunction',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:Sign',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(digestFn.functionRole), 'Arn'] } } },
        }),
      ]),
    );
  });

  it('gives kms:Sign on the digest key to the digest function only, from its own code', () => {
    const signers = identityStatements(template).filter(({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, 'kms:Sign'));
    expect(signers).toEqual([
      {
        roles: [logicalId(digestFn.functionRole)],
        statement: expect.objectContaining({ Condition: { ArnEquals: { 'lambda:SourceFunctionArn': { 'Fn::GetAtt': [logicalId(digestFn), 'Arn'] } } } }),
      },
    ]);
  });

  it('runs the digest function hourly (EventBridge), a few minutes past the hour', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(5 * * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(digestFn), 'Arn'] } })],
    });
  });

  it('lets the digest function write digests only, and read events and digests; never delete', () => {
    const mine = identityStatements(template).filter(({ roles }) => roles.includes(logicalId(digestFn.functionRole)));
    const puts = mine.filter(({ statement }) => grantsAction(statement, 's3:PutObject')).flatMap(({ statement }) => [statement.Resource].flat());
    expect(JSON.stringify(puts)).toContain('/digests/*');
    expect(JSON.stringify(puts)).not.toContain('/events/*');
    expect(mine.some(({ statement }) => grantsAction(statement, 's3:DeleteObject'))).toBe(false);
  });

  it('lets the auditor list object versions, scan the chain heads and fetch the digest public key', () => {
    const auditor = identityStatements(template).filter(({ roles }) => roles.includes(logicalId(stack.audit.auditorRole)));
    for (const action of ['s3:ListBucketVersions', 'dynamodb:Scan', 'kms:GetPublicKey'])
      expect(auditor.some(({ statement }) => grantsAction(statement, action))).toBe(true);
    expect(auditor.some(({ statement }) => grantsAction(statement, 'kms:Sign'))).toBe(false);
  });
});
