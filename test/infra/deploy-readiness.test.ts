/**
 * What a first `cdk deploy`, a rollback and `cdk destroy` need from the template (issue: deploy readiness):
 * retain-except-on-create for named resources, region-unique CloudFront names, optional reserved
 * concurrency, the auditor's key and Athena grants, Chime's key use for recordings, Voice Connector groups,
 * CloudFront log delivery into the KMS bucket, and the placeholder-account warning of an offline synth.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { METRIC, METRICS_NAMESPACE } from '../../lambdas/shared/metrics';
import { asList, buildStack, grantsAction, identityStatements, logicalId, REQUIRED_CONTEXT, type Statement } from './helpers';

const keyStatements = (template: ReturnType<typeof buildStack>['template'], keyId: string): Statement[] =>
  template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as Statement[];

describe('deploy readiness', () => {
  const built = buildStack({ ...REQUIRED_CONTEXT, phoneNumber: '+15555550100' });
  const { stack, template } = built;

  it('keeps the named console bucket and state-machine log group on update and delete, but removes them when the first create rolls back', () => {
    // Act
    const site = template.toJSON().Resources[logicalId(stack.agentConsole.site.bucket)];
    const logs = template.toJSON().Resources[logicalId(stack.session.logGroup.logGroup)];
    // Assess
    expect(site.Properties.BucketName).toBeDefined();
    expect(site).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    expect(logs.Properties.LogGroupName).toBe('/aws/vendedlogs/states/SecureIvrTest-Session');
    expect(logs).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
  });

  it('puts the region in every account-global CloudFront name, so one stack name deploys to two regions', () => {
    // Act
    const resources = Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, Record<string, unknown>> }>);
    const names = [
      ...resources.filter((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy').map((r) => r.Properties.ResponseHeadersPolicyConfig?.Name),
      ...resources.filter((r) => r.Type === 'AWS::CloudFront::OriginAccessControl').map((r) => r.Properties.OriginAccessControlConfig?.Name),
      ...resources.filter((r) => r.Type === 'AWS::CloudFront::Function').map((r) => r.Properties.Name),
    ];
    // Assess
    expect(names).toHaveLength(3);
    for (const name of names) expect(String(name)).toContain('us-east-1');
  });

  it('reserves no concurrency for the reference service unless referenceServiceConcurrency is set', () => {
    // Act
    const plain = buildStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true' });
    const reserved = buildStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true', referenceServiceConcurrency: '5' });
    // Assess
    const fn = (b: ReturnType<typeof buildStack>) => b.template.toJSON().Resources[logicalId(b.stack.referenceService!.function)].Properties;
    expect(fn(plain)).not.toHaveProperty('ReservedConcurrentExecutions');
    expect(fn(reserved).ReservedConcurrentExecutions).toBe(5);
    expect(() => buildStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true', referenceServiceConcurrency: '0' })).toThrow(
      /referenceServiceConcurrency must be a whole number from 1 to 1000/,
    );
  }, 300_000);

  it('lets the auditor decrypt the chain-head table and Athena results, and encrypt Athena results, only through DynamoDB and S3', () => {
    // Prepare
    const auditor = logicalId(stack.audit.auditorRole);
    const keyId = logicalId(stack.audit.key);
    const statements = identityStatements(template)
      .filter(({ roles }) => roles.includes(auditor))
      .map(({ statement }) => statement);
    const onKey = statements.filter((st) => JSON.stringify(st.Resource).includes(`"${keyId}"`));
    // Act
    const decrypt = onKey.filter((st) => grantsAction(st, 'kms:Decrypt'));
    const generate = onKey.filter((st) => grantsAction(st, 'kms:GenerateDataKey'));
    // Assess
    expect(decrypt.some((st) => JSON.stringify(st.Condition).includes('dynamodb.us-east-1.amazonaws.com'))).toBe(true);
    expect(generate).toHaveLength(1);
    expect(generate[0]?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } });
    for (const st of onKey) expect(st.Condition?.StringEquals?.['kms:ViaService']).toBeDefined();
    expect(statements.some((st) => grantsAction(st, 'dynamodb:GetItem') && JSON.stringify(st.Resource).includes(logicalId(stack.audit.chainTable)))).toBe(true);
    expect(statements.some((st) => grantsAction(st, 's3:GetBucketLocation') && JSON.stringify(st.Resource).includes(logicalId(stack.audit.bucket)))).toBe(true);
  });

  it('lets Chime decrypt with the recordings key (multipart uploads), only for this account\u2019s SMAs', () => {
    // Act
    const chime = keyStatements(template, logicalId(stack.recordings!.key)).filter((st) =>
      JSON.stringify(st.Principal).includes('voiceconnector.chime.amazonaws.com'),
    );
    // Assess
    expect(chime).toHaveLength(1);
    expect(new Set(asList(chime[0]?.Action))).toEqual(new Set(['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']));
    expect(chime[0]?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': '123456789012' });
    expect(JSON.stringify(chime[0]?.Condition?.ArnLike)).toContain(':sma/*');
  });

  it('gives the CloudFront log delivery service exactly AWS\u2019s published key statement (GenerateDataKey*, no condition that would drop logs)', () => {
    // Act
    const delivery = keyStatements(template, logicalId(stack.agentConsole.cdnLogs.key)).filter((st) =>
      JSON.stringify(st.Principal).includes('delivery.logs.amazonaws.com'),
    );
    // Assess
    expect(delivery).toEqual([
      {
        Sid: 'AllowCloudFrontStandardLogDelivery',
        Effect: 'Allow',
        Principal: { Service: 'delivery.logs.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
      },
    ]);
  });

  it.each([
    ['a Voice Connector', 'arn:aws:chime:us-east-1:123456789012:vc/abcdefghij0123456789'],
    ['a Voice Connector group', 'arn:aws:chime:us-east-1:123456789012:vcg/0a1b2c3d-4e5f-6789-abcd-ef0123456789'],
  ])(
    'accepts %s ARN for the agent leg',
    (_what, arn) => {
      // Act
      const b = buildStack({ ...REQUIRED_CONTEXT, agentEndpointType: 'AWS', agentEndpointUri: 'agent-desk', agentVoiceConnectorArn: arn });
      // Assess
      expect(b.template.toJSON().Resources[logicalId(b.stack.smaHandler!)].Properties.Environment.Variables).toMatchObject({ AGENT_VOICE_CONNECTOR_ARN: arn });
    },
    300_000,
  );

  it('refuses an agent ARN that is neither vc/ nor vcg/ with a message naming both', () => {
    expect(() =>
      buildStack({
        ...REQUIRED_CONTEXT,
        agentEndpointType: 'AWS',
        agentEndpointUri: 'agent-desk',
        agentVoiceConnectorArn: 'arn:aws:chime:us-east-1:123456789012:sma/abc',
      }),
    ).toThrow(/Voice Connector or Voice Connector group ARN .*vc\/<id> or …:vcg\/<id>/);
  });

  it('warns in the synth output when no account was given, naming the placeholder account, and not when one was', () => {
    // Act
    const offline = buildStack(REQUIRED_CONTEXT, { withoutAccount: true });
    const withAccount = buildStack({ ...REQUIRED_CONTEXT, account: '111122223333' });
    // Assess
    Annotations.fromStack(offline.stack).hasWarning('/SecureIvrTest', Match.stringLikeRegexp('placeholder account 123456789012 is baked into resource names'));
    Annotations.fromStack(withAccount.stack).hasNoWarning('/SecureIvrTest', Match.stringLikeRegexp('placeholder account'));
  }, 300_000);

  it('has an operations dashboard with every metric the functions emit (outcomes incl. unknown) and every security alarm', () => {
    // Prepare
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    // Act
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    // Assess
    expect(dashboards).toHaveLength(1);
    for (const name of Object.values(METRIC)) expect(body).toContain(`\\"${name}\\"`);
    expect(body).toContain(`\\"${METRICS_NAMESPACE}\\"`);
    for (const alarm of stack.alarms.alarms) expect(body).toContain(`"${logicalId(alarm)}"`);
    // Dimension values are service names: no digits, so never a card digit.
    const services = [...body.matchAll(/\\"service\\",\\"([^\\]+)\\"/g)].map((m) => m[1]);
    expect(new Set(services)).toEqual(
      new Set([
        'secure-ivr-begin',
        'secure-ivr-sma',
        'secure-ivr-validate',
        'secure-ivr-end',
        'secure-ivr-abort',
        'secure-ivr-get-key',
        'secure-ivr-info-insert',
      ]),
    );
    for (const service of services) expect(service).not.toMatch(/\d/);
    template.hasOutput('OperationsDashboardName', {});
  });
});
