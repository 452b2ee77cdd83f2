/** Security properties of the synthesized secure-ivr stack (P06, P07, P09–P11, P18, P19, P21–P23). */
import { Match } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/shared/session/contract';
import { RECORDING_PREFIX } from '../../lib/stacks/secure-ivr-stack';
import { asList, sharedStack, grantsAction, identityStatements, logicalId, namesResource, REQUIRED_CONTEXT, type Statement } from './helpers';

describe('SecureIvrStack', () => {
  it('lets only the Chime voice connector service of this account and SMA invoke the SMA handler', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    const intoSma = permissions.filter((p) => JSON.stringify(p.Properties.FunctionName).includes(`"${logicalId(stack.smaHandler!)}"`));
    // Assess: every other permission lets API Gateway invoke an agent-API function through this stack's two
    // APIs, or the redaction rule invoke the redaction function.
    expect(intoSma).toHaveLength(1);
    const apis = [logicalId(stack.agentApi.httpApi), logicalId(stack.agentApi.webSocketApi)];
    for (const p of permissions.filter((x) => !intoSma.includes(x))) {
      if (p.Properties.Principal === 'events.amazonaws.com') {
        // The redaction rule, or the audit trail's hourly digest schedule.
        const digest = JSON.stringify(p.Properties.FunctionName).includes(`"${logicalId(stack.audit.digestFunction as never)}"`);
        expect(p.Properties.FunctionName).toEqual({
          'Fn::GetAtt': [logicalId(digest ? (stack.audit.digestFunction as never) : stack.redaction.function), 'Arn'],
        });
        if (!digest) expect(p.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.redaction.rule), 'Arn'] });
        else expect(JSON.stringify(p.Properties.SourceArn)).toContain('AuditTrailDigestSchedule');
        continue;
      }
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(apis.some((api) => JSON.stringify(p.Properties.SourceArn).includes(`"${api}"`))).toBe(true);
    }
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalId(stack.smaHandler!), 'Arn'] },
      Principal: 'voiceconnector.chime.amazonaws.com',
      SourceAccount: '123456789012',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp(':sma/$')])]) }),
    });
  });

  it('runs every function on nodejs22.x ARM with active tracing and without raw-event logging', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const all = Object.values(template.findResources('AWS::Lambda::Function'));
    // Exemption: CDK's BucketDeployment function (Python, chosen by CDK) copies the console's static files at
    // deploy. It never touches card data (P24); it runs as the console's deployment role and logs to an
    // encrypted log group (both pinned below and in agent-api.test.ts).
    const isDeployment = (fn: (typeof all)[number]) => JSON.stringify(fn.Properties.Role).includes(`"${logicalId(stack.agentConsole.deploymentRole)}"`);
    const functions = all.filter((fn) => !isDeployment(fn));
    // Assess: the SMA handler, six session tasks, the agent API, its WebSocket handler and authorizer, the finance API.
    expect(all.filter(isDeployment)).toHaveLength(1);
    expect(all.filter(isDeployment)[0]?.Properties).toMatchObject({
      Architectures: ['arm64'],
      LoggingConfig: { LogGroup: { Ref: logicalId(stack.agentConsole.deploymentLogs.logGroup) } },
    });
    // 12, plus the audit trail's hourly digest function.
    expect(functions).toHaveLength(13);
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
    const { template } = sharedStack();
    // Act
    const roles = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => JSON.stringify(fn.Properties.Role));
    // Assess
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('turns on rotation for every KMS key and keeps separate keys for logs, vault, tables, recordings, audit, alarms, connections and the console', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    // Assess: the first seven, plus the agent connections table, the console bucket, the console's CDN-log bucket,
    // and the audit digest signing key (asymmetric: KMS cannot rotate those; every symmetric key rotates).
    expect(keys).toHaveLength(11);
    for (const key of keys) {
      if (key.Properties.KeySpec === 'ECC_NIST_P256') expect(key.Properties.KeyUsage).toBe('SIGN_VERIFY');
      else expect(key.Properties.EnableKeyRotation).toBe(true);
    }
  });

  it('lets only the SMA handler role make vault data keys and only the validator role decrypt with the vault key', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const vaultKey = logicalId(stack.vault.key);
    const rolesWith = (action: string): string[] =>
      identityStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, action) && namesResource(statement, vaultKey))
        .flatMap(({ roles }) => roles);
    // Act
    const sealers = rolesWith('kms:GenerateDataKey');
    const openers = rolesWith('kms:Decrypt');
    // Assess
    expect(sealers).toEqual([logicalId(stack.smaHandler!.functionRole)]);
    expect(openers).toEqual([logicalId(stack.functions.validate.functionRole)]);
    expect(rolesWith('kms:Encrypt')).toEqual([]);
  });

  it('denies vault decryption and data keys in the key policy to every principal but the validator and SMA roles', () => {
    // Prepare
    const { stack, template } = sharedStack();
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
      Condition: { StringNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(stack.smaHandler!.functionRole), 'Arn'] }] } },
    });
    const allows = policy.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([expect.objectContaining({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } })]);
  });

  it('grants no wildcard or service-wide actions in any identity policy', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const actions = identityStatements(template).flatMap(({ statement }) => asList(statement.Action));
    // Assess
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('attaches an AWS managed policy only to the API Gateway logging role, which only API Gateway may assume', () => {
    // Prepare
    const { template } = sharedStack();
    // Act: managed policies are not in identityStatements, so the wildcard test above cannot see them.
    const withManaged = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, role]) => (role.Properties.ManagedPolicyArns ?? []).length > 0);
    // Assess
    expect(withManaged.map(([id]) => id)).toEqual([expect.stringMatching(/^AgentApiApiGatewayCloudWatchRole/)]);
    const role = withManaged[0]?.[1].Properties;
    expect(JSON.stringify(role.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({ Principal: { Service: 'apigateway.amazonaws.com' } })]);
  });

  it('gives the function roles no way to delete or weaken their logs', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const functionRoles = new Set([stack.smaHandler!, ...Object.values(stack.functions)].map((fn) => logicalId(fn.functionRole)));
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
    const { stack, template } = sharedStack();
    // Act
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    // Assess: one per function (13, the console deployment's and the audit digest's included), the state machine's, and the HTTP and WebSocket API access logs.
    expect(groups).toHaveLength(17);
    for (const group of groups) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] });
      expect(group.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      const identifiers = JSON.stringify(group.Properties.DataProtectionPolicy);
      for (const id of ['CreditCardNumber', 'CreditCardSecurityCode', 'CreditCardExpiration']) expect(identifiers).toContain(id);
    }
    expect(stack.smaHandler!.functionLogGroup).toBeDefined();
  });

  it('logs the state machine at level ALL without execution data and traces it', () => {
    // Prepare
    const { template } = sharedStack();
    // Act / Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('keeps the vault and session tables on-demand, KMS-encrypted with TTL on expiresAt, and every table but the vault point-in-time recoverable', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const tables = template.findResources('AWS::DynamoDB::Table');
    const sessionTables = [logicalId(stack.sessions.table), logicalId(stack.vault.table)];
    // Assess: the audit trail's chain-head table and the agent WebSocket connections table are the only others, and share the protections.
    expect(Object.keys(tables)).toEqual(
      expect.arrayContaining([...sessionTables, logicalId(stack.audit.chainTable), logicalId(stack.agentApi.connections.table)]),
    );
    expect(Object.keys(tables)).toHaveLength(4);
    for (const [id, table] of Object.entries(tables)) {
      // The vault alone has no backups: deleted card data must not stay restorable (review item 4, P01/P03).
      const recoverable = id !== logicalId(stack.vault.table);
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: recoverable },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      });
      if (!sessionTables.includes(id)) continue;
      expect(table.Properties).toMatchObject({
        KeySchema: [{ AttributeName: 'sessionId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      });
    }
  });

  it('blocks public access, versions and KMS-encrypts every bucket (access-log targets: SSE-S3) and denies non-TLS requests', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const buckets = template.findResources('AWS::S3::Bucket');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    // Exemption: S3 server access log delivery supports only SSE-S3 on its target, so the three access-log buckets
    // (recordings, audit trail, console) are S3-encrypted; they hold request metadata, never card data.
    const accessLogTargets = [stack.recordings!.accessLogsBucket, stack.audit.accessLogsBucket, stack.agentConsole.site.accessLogsBucket].map((b) =>
      logicalId(b),
    );
    // Assess
    // Recordings, the audit trail, the console and its CDN logs (the last shares the console's access-log bucket), and the Athena results bucket.
    expect(Object.keys(buckets)).toHaveLength(8);
    expect(Object.keys(buckets)).toEqual(expect.arrayContaining(accessLogTargets));
    for (const [id, bucket] of Object.entries(buckets)) {
      const encryption = bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
      expect([id, encryption.SSEAlgorithm]).toEqual([id, accessLogTargets.includes(id) ? 'AES256' : 'aws:kms']);
      if (!accessLogTargets.includes(id)) expect([id, bucket.Properties.LoggingConfiguration?.DestinationBucketName]).toEqual([id, expect.anything()]);
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      const policy = policies.find((p) => p.Properties.Bucket.Ref === id);
      expect(policy?.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('lets Chime write recordings only for this account and this SMA, and encrypts them with the recordings key', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const recordings = template.toJSON().Resources[logicalId(stack.recordings!.bucket)];
    // Assess
    expect(recordings.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack.recordings!.key), 'Arn'] },
    });
    expect(recordings.Properties.LoggingConfiguration.DestinationBucketName).toBeDefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(stack.recordings!.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'voiceconnector.chime.amazonaws.com' },
            Action: ['s3:PutObject', 's3:PutObjectAcl'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.recordings!.bucket), 'Arn'] }, `/${RECORDING_PREFIX}*`]] },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': '123456789012',
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:aws:chime:us-east-1:123456789012:sma/', { 'Fn::GetAtt': [logicalId(stack.sipMediaApplication!.sma), 'SipMediaApplicationId'] }],
                  ],
                },
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
            Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' }, ArnLike: { 'aws:SourceArn': 'arn:aws:chime:us-east-1:123456789012:sma/*' } },
          }),
        ]),
      },
    });
  });

  it('sends every alarm to a KMS-encrypted topic, including the recording-pause failure', () => {
    // Prepare
    const { template } = sharedStack();
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const metrics = alarms.map((a) => `${a.Properties.Namespace}/${a.Properties.MetricName}`);
    expect(metrics).toEqual(expect.arrayContaining(['AWS/States/ExecutionsFailed', 'AWS/States/ExecutionsTimedOut', 'SecureIvr/RecordingPauseFailed']));
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(7);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ $.message = "recording pause failed" }',
      MetricTransformations: [Match.objectLike({ MetricName: 'RecordingPauseFailed' })],
    });
  });

  it('raises one alarm when any function fails to write an audit event or outcome record', () => {
    // Prepare
    const { stack, template } = sharedStack();
    // Act
    const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).filter(
      (f) => f.Properties.MetricTransformations[0].MetricName === 'AuditWriteFailed',
    );
    const watched = filters.map((f) => f.Properties.LogGroupName.Ref as string).sort();
    // Assess: the SMA handler and the five emitting stages, each watched for both messages.
    const writers = [stack.smaHandler!, ...(['begin', 'getKey', 'insert', 'end', 'abort'] as const).map((r) => stack.functions[r])];
    expect(watched).toEqual(writers.map((fn) => logicalId(fn.functionLogGroup)).sort());
    for (const f of filters)
      expect(f.Properties.FilterPattern).toBe('{ $.message = "session event not delivered" || $.message = "outcome record not written" }');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'SecureIvr', MetricName: 'AuditWriteFailed', AlarmActions: [Match.anyValue()] });
  });

  it('passes the configured settings to the functions under the shared env names', () => {
    // Prepare
    const { stack, template } = sharedStack({ ...REQUIRED_CONTEXT, callerIdNumber: '+15555550111', cardFieldNames: '{"pan":"pan"}' });
    // Act
    const env = (fn: { node: { defaultChild?: unknown } }): Record<string, unknown> =>
      template.toJSON().Resources[logicalId(fn as never)].Properties.Environment.Variables;
    // Assess
    expect(env(stack.smaHandler!)).toMatchObject({
      [ENV.agentEndpointType]: 'PSTN',
      [ENV.agentEndpointUri]: '+15555550100',
      [ENV.callerIdNumber]: '+15555550111',
      [ENV.vaultTtlSeconds]: '900',
    });
    expect(env(stack.smaHandler!)).not.toHaveProperty(ENV.agentVoiceConnectorArn);
    expect(env(stack.functions.validate)).toMatchObject({
      [ENV.validationUrl]: 'https://pay.example.com/validate',
      [ENV.cardFieldNames]: '{"pan":"pan","exp":"expiry date","cvv":"security code"}',
    });
    expect(env(stack.functions.begin)).toMatchObject({ [ENV.secureInputConfigParameter]: { Ref: logicalId(stack.agentApi.configParameter) } });
    expect(env(stack.functions.begin)).not.toHaveProperty('FORMS_JSON');
  });

  it('lets Begin read exactly the secure input configuration parameter, which holds the checked configuration', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const beginRole = logicalId(stack.functions.begin.functionRole);
    // Act
    const ssm = identityStatements(template).filter(
      ({ roles, statement }) => roles.includes(beginRole) && asList(statement.Action).some((a) => a.startsWith('ssm:')),
    );
    const parameter = template.toJSON().Resources[logicalId(stack.agentApi.configParameter)].Properties;
    // Assess
    expect(ssm.map(({ statement }) => [statement.Action, statement.Resource])).toEqual([
      ['ssm:GetParameter', { 'Fn::Join': ['', ['arn:aws:ssm:us-east-1:123456789012:parameter/', { Ref: logicalId(stack.agentApi.configParameter) }]] }],
    ]);
    expect(JSON.parse(parameter.Value).forms.map((f: { id: string }) => f.id)).toEqual(['card-payment', 'card-verify']);
  });

  it('serves payment outcomes from a finance function that may read the outcomes prefix and nothing else', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const financeRole = logicalId((stack.agentApi.financeFunction as NonNullable<typeof stack.agentApi.financeFunction>).functionRole);
    // Act
    const statements = identityStatements(template)
      .filter(({ roles }) => roles.includes(financeRole))
      .map(({ statement }) => statement);
    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /api/outcomes', AuthorizationType: 'JWT' });
    const s3 = statements.filter((st) => asList(st.Action).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.audit.bucket), 'Arn'] }, '/outcomes/*']] },
      }),
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['outcomes/*'] } } }),
    ]);
    expect(statements.flatMap((st) => asList(st.Action)).filter((a) => /^(s3:Put|s3:Delete|dynamodb:|states:|chime:)/.test(a))).toEqual([]);
  });

  it('wires the agent console to the agent API and every event-emitting function to the agents\u2019 pushes', () => {
    // Prepare
    const { stack, template } = sharedStack();
    const env = (fn: { node: { defaultChild?: unknown } }): Record<string, unknown> =>
      template.toJSON().Resources[logicalId(fn as never)].Properties.Environment.Variables;
    // Act
    const pushing = [stack.smaHandler!, stack.functions.begin, stack.functions.getKey, stack.functions.insert, stack.functions.end, stack.functions.abort].map(
      (fn) => env(fn).AGENT_PUSH_TARGET,
    );
    // Assess
    expect(pushing).toEqual(Array(6).fill('websocket'));
    expect(env(stack.functions.validate)).not.toHaveProperty('AGENT_PUSH_TARGET');
    template.hasOutput('AgentConsoleUrl', {});
  });

  it('creates no SIP rule without a phone number and a SIP-rule custom resource, limited to the SIP-rule actions, with one', () => {
    // Prepare
    const without = sharedStack();
    // Act
    const withRule = sharedStack({ ...REQUIRED_CONTEXT, phoneNumber: '+15555550199' });
    // Assess
    expect(Object.keys(without.template.findResources('Custom::SipRule'))).toHaveLength(0);
    const rule = Object.values(withRule.template.findResources('Custom::SipRule'));
    expect(rule).toHaveLength(1);
    expect(rule[0]?.Properties).toMatchObject({
      PhoneNumber: '+15555550199',
      AwsRegion: 'us-east-1',
      SipMediaApplicationId: { 'Fn::GetAtt': [logicalId(withRule.stack.sipMediaApplication!.sma), 'SipMediaApplicationId'] },
    });
    const chimeActions = identityStatements(withRule.template)
      .flatMap(({ statement }) => asList(statement.Action))
      .filter((a) => a.startsWith('chime:'));
    expect(new Set(chimeActions)).toEqual(
      new Set([
        'chime:CreateSipRule',
        'chime:GetSipRule',
        'chime:ListSipRules',
        'chime:DeleteSipRule',
        'chime:UpdateSipRule',
        'chime:UpdateSipMediaApplicationCall',
      ]),
    );
  });

  it('lets the CCaaS desktops named in context embed the console, and leaves the API Gateway account role to the account when told', () => {
    // Act
    const { template } = sharedStack({
      ...REQUIRED_CONTEXT,
      consoleEmbeddingOrigins: 'https://desk.example.com,https://cc.example.net:8443',
      apiGatewayAccountRole: 'false',
    });
    // Assess
    const csp = Object.values(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig
      .ContentSecurityPolicy.ContentSecurityPolicy;
    expect(JSON.stringify(csp)).toContain("frame-ancestors 'self' https://desk.example.com https://cc.example.net:8443");
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('refuses an embedding origin that is not https://host at synth', () => {
    expect(() => sharedStack({ ...REQUIRED_CONTEXT, consoleEmbeddingOrigins: 'desk.example.com/console' })).toThrow(/consoleEmbeddingOrigins must be/);
  });
});
