/** The Amazon Connect side of the stack (telephony=connect|both): exact security properties, not snapshots. */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { readStackConfig, StackConfigError } from '../../lib/stack-config';
import { buildStack, grantsAction, identityStatements, logicalId, namesResource, newApp, REQUIRED_CONTEXT, type Statement } from './helpers';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const QUEUE = `${INSTANCE}/queue/66666666-7777-8888-9999-000000000000`;
export const CONNECT_CONTEXT = { ...REQUIRED_CONTEXT, telephony: 'both', connectInstanceArn: INSTANCE, connectAgentQueues: QUEUE };

describe('Connect secure input (telephony=both)', () => {
  const { app, stack, template } = buildStack(CONNECT_CONTEXT);
  const secureInput = stack.connect!;
  const flowFunctionIds = secureInput.flowFunctions.map((f) => logicalId(f));

  it('lets connect.amazonaws.com invoke each flow function only from this instance of this account', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'connect.amazonaws.com' } }));
    expect(permissions).toHaveLength(3);
    for (const p of permissions) {
      expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', SourceArn: INSTANCE, SourceAccount: '123456789012' });
    }
    expect(new Set(permissions.map((p) => JSON.stringify(p.Properties.FunctionName)))).toEqual(
      new Set(flowFunctionIds.map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }))),
    );
  });

  it('associates the three functions and the agent console application with the instance', () => {
    const lambdas = Object.values(template.findResources('AWS::Connect::IntegrationAssociation', { Properties: { IntegrationType: 'LAMBDA_FUNCTION' } }));
    expect(lambdas.map((a) => a.Properties.InstanceId)).toEqual([INSTANCE, INSTANCE, INSTANCE]);
    template.hasResourceProperties('AWS::Connect::IntegrationAssociation', {
      IntegrationType: 'APPLICATION',
      InstanceId: INSTANCE,
      IntegrationArn: { 'Fn::GetAtt': [logicalId(secureInput.agentApplication), 'ApplicationArn'] },
    });
    template.hasResourceProperties('AWS::AppIntegrations::Application', {
      ApplicationSourceConfig: { ExternalUrlConfig: { AccessUrl: Match.anyValue() } },
      Permissions: ['User.Details.View', 'Contact.Details.View'],
    });
  });

  it('opens the secure-input queue around the clock and sends the Secure Input quick connect to the QUEUE_TRANSFER flow', () => {
    const hours = Object.values(template.findResources('AWS::Connect::HoursOfOperation'))[0]!;
    expect(hours.Properties.Config).toHaveLength(7);
    for (const day of hours.Properties.Config) expect(day).toMatchObject({ StartTime: { Hours: 0, Minutes: 0 }, EndTime: { Hours: 0, Minutes: 0 } });
    template.hasResourceProperties('AWS::Connect::ContactFlow', { Type: 'QUEUE_TRANSFER', State: 'ACTIVE', InstanceArn: INSTANCE });
    template.hasResourceProperties('AWS::Connect::QuickConnect', {
      Name: 'Secure Input',
      QuickConnectConfig: {
        QuickConnectType: 'QUEUE',
        QueueConfig: {
          ContactFlowArn: { 'Fn::GetAtt': [logicalId(secureInput.contactFlow), 'ContactFlowArn'] },
          QueueArn: { 'Fn::GetAtt': [logicalId(secureInput.queue), 'QueueArn'] },
        },
      },
    });
    template.hasResourceProperties('Custom::ConnectQueueQuickConnects', { InstanceArn: INSTANCE, QueueIds: [QUEUE] });
  });

  it('puts a flow in Content that is valid Flow-language JSON once CloudFormation fills in the key, certificate and ARNs', () => {
    const flow = Object.values(template.findResources('AWS::Connect::ContactFlow'))[0]!;
    const content = flow.Properties.Content as { 'Fn::Join': [string, unknown[]] };
    // Stand-ins for what CloudFormation resolves: a certificate as the custom resource returns it (JSON-escaped).
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const resolved = content['Fn::Join'][1]
      .map((part) => {
        if (typeof part === 'string') return part;
        const att = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
        if (att?.[1] === 'CertificatePemJson') return JSON.stringify(pem).slice(1, -1);
        if (att?.[1] === 'KeyId') return 'key-id';
        return `arn:aws:lambda:us-east-1:123456789012:function:${att?.[0] ?? 'x'}`;
      })
      .join('');
    const doc = JSON.parse(resolved) as { Actions: Array<{ Type: string; Parameters: { InputEncryption?: { Key: string; EncryptionKeyId: string } } }> };
    const encrypted = doc.Actions.filter((a) => a.Parameters.InputEncryption);
    expect(encrypted.length).toBe(3 * 2);
    for (const a of encrypted) expect(a.Parameters.InputEncryption).toEqual({ EncryptionKeyId: 'key-id', Key: pem });
    expect(resolved.length).toBeLessThanOrEqual(256_000);
  });

  it('lets only the capture function read the flow private key, and denies everyone else in the secret policy', () => {
    const secretId = logicalId(secureInput.flowKeySecret);
    const readers = identityStatements(template)
      .filter(({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, 'secretsmanager:GetSecretValue') && namesResource(statement, secretId))
      .flatMap(({ roles }) => roles);
    expect(readers).toEqual([logicalId(secureInput.captureFunction.functionRole)]);
    const policy = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'))[0]!.Properties.ResourcePolicy.Statement as Statement[];
    expect(policy).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'secretsmanager:GetSecretValue',
        Principal: { AWS: '*' },
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(secureInput.captureFunction.functionRole), 'Arn'] } } },
      }),
    );
  });

  it('makes the flow key with a custom resource that may only write the secret, and alarms before the certificate expires', () => {
    template.hasResourceProperties('Custom::ConnectFlowKey', {
      InstanceArn: INSTANCE,
      Generation: '1',
      ValidDays: '365',
      SecretArn: { Ref: logicalId(secureInput.flowKeySecret) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'SecureIvr/Connect',
      MetricName: 'FlowKeyDaysToExpiry',
      Threshold: 30,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: logicalId(stack.alarms.topic) }],
    });
  });

  it('has two sealers now — the Chime IVR role and the Connect capture role — and still only the validator opens card data', () => {
    // Deliberate change: on Connect the capture function is where a field is in clear, so it seals (as the IVR does on Chime).
    const vaultKey = logicalId(stack.vault.key);
    const rolesWith = (action: string): string[] =>
      identityStatements(template)
        .filter(({ statement }) => statement.Effect === 'Allow' && grantsAction(statement, action) && namesResource(statement, vaultKey))
        .flatMap(({ roles }) => roles);
    expect(rolesWith('kms:GenerateDataKey').sort()).toEqual(
      [logicalId(stack.smaHandler!.functionRole), logicalId(secureInput.captureFunction.functionRole)].sort(),
    );
    expect(rolesWith('kms:Decrypt')).toEqual([logicalId(stack.functions.validate.functionRole)]);
    expect(rolesWith('kms:Encrypt')).toEqual([]);
  });

  it("routes the instance's DISCONNECTED contact events to the function that ends a hung-up caller's session", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.connect'],
        'detail-type': ['Amazon Connect Contact Event'],
        detail: { instanceArn: [INSTANCE], eventType: ['DISCONNECTED'] },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(secureInput.contactEventsFunction), 'Arn'] } })],
    });
  });

  it('tells the stages which adapters exist, so each session reaches its own', () => {
    for (const fn of [stack.functions.getKey, stack.functions.end, stack.functions.abort]) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Environment: { Variables: Match.objectLike({ TELEPHONY_ADAPTERS: 'both' }) },
        Handler: Match.anyValue(),
      });
      expect(JSON.stringify(template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables)).toContain('"TELEPHONY_ADAPTERS":"both"');
    }
  });

  it('leaves no unacknowledged AwsSolutions or PCI DSS 3.2.1 finding', () => {
    const findings = [new AwsSolutionsChecks().validateScope(app), new PCIDSS321Checks().validateScope(app)].flatMap((r) =>
      r.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((x) => x.constructPath).join(', ')}`),
    );
    expect(findings).toEqual([]);
  });
});

describe('Connect settings', () => {
  it.each([
    ['no instance', { telephony: 'connect' }, /connectInstanceArn is required/],
    [
      'an instance in another account',
      { telephony: 'connect', connectInstanceArn: INSTANCE.replace('123456789012', '210987654321') },
      /own account and region/,
    ],
    ['a queue that is not one', { telephony: 'both', connectInstanceArn: INSTANCE, connectAgentQueues: 'sales' }, /connectAgentQueues/],
    ['an unknown telephony', { telephony: 'sip' }, /telephony must be chime, connect or both/],
  ])('refuses %s with a clear message', (_label, extra, message) => {
    const app = newApp({ ...REQUIRED_CONTEXT, ...extra });
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(StackConfigError);
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(message);
  });

  it('needs no Chime agent endpoint when Connect alone carries calls', () => {
    const app = newApp({ validationUrl: 'https://pay.example.com/validate', telephony: 'connect', connectInstanceArn: INSTANCE });
    expect(readStackConfig(app.node, { env: {} }).connect?.instanceArn).toBe(INSTANCE);
  });
});
