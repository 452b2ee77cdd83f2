/** Security properties of the synthesized secure-ivr stack (P06, P07, P09–P11, P18, P19, P21–P23). */
import { Match } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/shared/session/contract';
import { RECORDING_PREFIX } from '../../lib/stacks/secure-ivr-stack';
import { asList, buildStack, grantsAction, identityStatements, logicalId, namesResource, REQUIRED_CONTEXT, type Statement } from './helpers';

describe('SecureIvrStack', () => {
  it('lets only the Chime voice connector service of this account and SMA invoke the SMA handler', () => {
    // Prepare
    const { stack, template } = buildStack();
    // Act
    const permissions = template.findResources('AWS::Lambda::Permission');
    // Assess
    expect(Object.keys(permissions)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalId(stack.smaHandler), 'Arn'] },
      Principal: 'voiceconnector.chime.amazonaws.com',
      SourceAccount: '123456789012',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp(':sma/$')])]) }),
    });
  });

  it('runs every function on nodejs22.x ARM with active tracing and without raw-event logging', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    // Assess
    expect(functions).toHaveLength(7);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs22.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toMatch(/^secure-ivr-/);
      expect(fn.Properties.Environment.Variables).not.toHaveProperty('POWERTOOLS_LOGGER_LOG_EVENT');
    }
  });

  it('gives every function its own role', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const roles = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => JSON.stringify(fn.Properties.Role));
    // Assess
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('turns on rotation for every KMS key and keeps separate keys for logs, vault, tables, recordings, audit and alarms', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    // Assess
    expect(keys).toHaveLength(7);
    for (const key of keys) expect(key.Properties.EnableKeyRotation).toBe(true);
  });

  it('lets only the SMA handler role make vault data keys and only the validator role decrypt with the vault key', () => {
    // Prepare
    const { stack, template } = buildStack();
    const vaultKey = logicalId(stack.vault.key);
    const rolesWith = (action: string): string[] =>
      identityStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, action) && namesResource(statement, vaultKey))
        .flatMap(({ roles }) => roles);
    // Act
    const sealers = rolesWith('kms:GenerateDataKey');
    const openers = rolesWith('kms:Decrypt');
    // Assess
    expect(sealers).toEqual([logicalId(stack.smaHandler.functionRole)]);
    expect(openers).toEqual([logicalId(stack.functions.validate.functionRole)]);
    expect(rolesWith('kms:Encrypt')).toEqual([]);
  });

  it('denies vault decryption and data keys in the key policy to every principal but the validator and SMA roles', () => {
    // Prepare
    const { stack, template } = buildStack();
    // Act
    const policy = template.toJSON().Resources[logicalId(stack.vault.key)].Properties.KeyPolicy.Statement as Statement[];
    // Assess
    const deny = (sid: string): Statement | undefined => policy.find((s) => s.Sid === sid);
    expect(deny('DenyDecryptExceptOpeners')).toMatchObject({
      Effect: 'Deny',
      Action: 'kms:Decrypt',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(stack.functions.validate.functionRole), 'Arn'] }] } },
    });
    expect(deny('DenyDataKeysExceptSealers')).toMatchObject({
      Effect: 'Deny',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(stack.smaHandler.functionRole), 'Arn'] }] } },
    });
    const allows = policy.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } })]);
  });

  it('grants no wildcard or service-wide actions in any identity policy', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const actions = identityStatements(template).flatMap(({ statement }) => asList(statement.Action));
    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('gives the function roles no way to delete or weaken their logs', () => {
    // Prepare
    const { stack, template } = buildStack();
    const functionRoles = new Set([stack.smaHandler, ...Object.values(stack.functions)].map((fn) => logicalId(fn.functionRole)));
    // Act
    const logActions = identityStatements(template)
      .filter(({ roles }) => roles.some((r) => functionRoles.has(r)))
      .flatMap(({ statement }) => asList(statement.Action))
      .filter((a) => /^logs:(Delete|PutRetentionPolicy|DeleteDataProtectionPolicy|PutDataProtectionPolicy)/.test(a));
    // Assess
    expect(logActions).toEqual([]);
  });

  it('encrypts every log group with the logs key, keeps it at least 365 days and masks card data', () => {
    // Prepare
    const { stack, template } = buildStack();
    // Act
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // Assess
    expect(groups).toHaveLength(8);
    for (const group of groups) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
      expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      const identifiers = JSON.stringify(group.Properties.DataProtectionPolicy);
      for (const id of ['CreditCardNumber', 'CreditCardSecurityCode', 'CreditCardExpiration']) expect(identifiers).toContain(id);
    }
    expect(stack.smaHandler.functionLogGroup).toBeDefined();
  });

  it('logs the state machine at level ALL without execution data and traces it', () => {
    // Prepare
    const { template } = buildStack();
    // Act / Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('keeps the vault and session tables on-demand, point-in-time recoverable, KMS-encrypted with TTL on expiresAt', () => {
    // Prepare
    const { stack, template } = buildStack();
    // Act
    const tables = template.findResources('AWS::DynamoDB::Table');
    const sessionTables = [logicalId(stack.sessions.table), logicalId(stack.vault.table)];
    // Assess: the audit trail's chain-head table is the only other one, and shares the protections.
    expect(Object.keys(tables)).toEqual(expect.arrayContaining(sessionTables));
    expect(Object.keys(tables)).toHaveLength(3);
    for (const [id, table] of Object.entries(tables)) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      });
      if (!sessionTables.includes(id)) continue;
      expect(table.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'sessionId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      });
    }
  });

  it('blocks public access, versions and KMS- or S3-encrypts every bucket and denies non-TLS requests', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const buckets = template.findResources('AWS::S3::Bucket');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    // Assess
    // Recordings and the audit trail, each with its access-log bucket, and the Athena results bucket.
    expect(Object.keys(buckets)).toHaveLength(5);
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      const policy = policies.find((p) => p.Properties.Bucket.Ref === id);
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('lets Chime write recordings only for this account and this SMA, and encrypts them with the recordings key', () => {
    // Prepare
    const { stack, template } = buildStack();
    // Act
    const recordings = template.toJSON().Resources[logicalId(stack.recordings.bucket)];
    // Assess
    expect(recordings.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.recordings.key), 'Arn'] },
    });
    expect(recordings.Properties.LoggingConfiguration.DestinationBucketName).toBeDefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.recordings.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
            Action: ['s3:PutObject', 's3:PutObjectAcl'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.recordings.bucket), 'Arn'] }, `/${RECORDING_PREFIX}*`]] },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': '123456789012',
                'aws:SourceArn': { 'Fn::Join': ['', ['arn:aws:chime:us-east-1:123456789012:sma/', { 'Fn::GetAtt': [logicalId(stack.sipMediaApplication.sma), 'SipMediaApplicationId'] }]] },
              },
            },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
            Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': 'arn:aws:chime:us-east-1:123456789012:sma/*' } },
          }),
        ]),
      },
    });
  });

  it('sends every alarm to a KMS-encrypted topic, including the recording-pause failure', () => {
    // Prepare
    const { template } = buildStack();
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const metrics = alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics).toEqual(expect.arrayContaining(['AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut', 'SecureIvr/RecordingPauseFailed']));
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(7);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.message = "recording pause failed" }', MetricTransformations: [Match.objectLike({ MetricName: 'RecordingPauseFailed' })] });
  });

  it('passes the configured settings to the functions under the shared env names', () => {
    // Prepare
    const { stack, template } = buildStack({ ...REQUIRED_CONTEXT, callerIdNumber: '+15555550111', cardFieldNames: '{"pan":"pan"}' });
    // Act
    const env = (fn: { node: { defaultChild?: unknown } }): Record<string, unknown> =>
      template.toJSON().Resources[logicalId(fn as never)].Properties.Environment.Variables;
    // Assess
    expect(env(stack.smaHandler)).toMatchObject({ [ENV.agentEndpointType]: 'PSTN', [ENV.agentEndpointUri]: '+15555550100', [ENV.callerIdNumber]: '+15555550111', [ENV.vaultTtlSeconds]: '900' });
    expect(env(stack.smaHandler)).not.toHaveProperty(ENV.agentVoiceConnectorArn);
    expect(env(stack.functions.validate)).toMatchObject({ [ENV.validationUrl]: 'https://pay.example.com/validate', [ENV.cardFieldNames]: '{"pan":"pan","exp":"expiry date","cvv":"security code"}' });
    expect(JSON.parse(env(stack.functions.begin)[ENV.formsJson] as string).forms.length).toBeGreaterThan(0);
  });

  it('creates no SIP rule without a phone number and a Create/DeleteSipRule-only custom resource with one', () => {
    // Prepare
    const without = buildStack();
    // Act
    const withRule = buildStack({ ...REQUIRED_CONTEXT, phoneNumber: '+15555550199' });
    // Assess
    expect(Object.keys(without.template.findResources('Custom::AWS'))).toHaveLength(0);
    const rule = Object.values(withRule.template.findResources('Custom::AWS'));
    expect(rule).toHaveLength(1);
    expect(JSON.stringify(rule[0]?.Properties.Create)).toContain('+15555550199');
    const chimeActions = identityStatements(withRule.template)
      .flatMap(({ statement }) => asList(statement.Action))
      .filter((a) => a.startsWith('chime:'));
    expect(new Set(chimeActions)).toEqual(new Set(['chime:CreateSipRule', 'chime:DeleteSipRule', 'chime:UpdateSipRule', 'chime:UpdateSipMediaApplicationCall']));
  });
});
