import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { RedactionService, RedactionServicePropsError, type RedactionServiceProps } from '../../lib/constructs/redaction-service';
import { LogsKey } from '../../lib/constructs/logs-key';

type Props = Omit<RedactionServiceProps, 'logsKey'>;
const logsKeyOf = (stack: Stack) => new LogsKey(stack, 'LogsKey').key;

function build(props: Props = {}, extra?: (stack: Stack, service: RedactionService) => void): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'RedactionTest', { env: { account: '111122223333', region: 'eu-west-1' } });
  const service = new RedactionService(stack, 'Redaction', { ...props, logsKey: logsKeyOf(stack) });
  extra?.(stack, service);
  return Template.fromStack(stack);
}

describe('RedactionService construct', () => {
  it('runs the redaction handler on Node.js 22, arm64, with the checked configuration in its environment', () => {
    // Act
    const template = build();
    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'secure-ivr-redaction', REDACTION_CONFIG: Match.stringLikeRegexp('"us-ssn"') }) },
    });
  });

  it("gives the function its own log group kept a year, encrypted with the stack's rotating logs key", () => {
    // Act
    const template = build();
    // Assess
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^LogsKey'), 'Arn'] }),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AllowCloudWatchLogsForThisAccountsLogGroups', Principal: { Service: 'logs.eu-west-1.amazonaws.com' } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: Match.anyValue() } });
  });

  it('routes redaction requests from the default bus to the function and sends results on', () => {
    // Act
    const template = build();
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['secure-ivr.redaction'], 'detail-type': ['Redaction Requested'] },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnSuccess: { Destination: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default']] } },
      },
    });
  });

  it('exposes the synchronous route as a function URL that requires IAM auth', () => {
    // Act
    const template = build({}, (stack, service) => {
      service.grantInvokeUrl(new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    });
    // Assess
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunctionUrl', Effect: 'Allow' })]) },
      Roles: [{ Ref: Match.stringLikeRegexp('Caller') }],
    });
  });

  it('lets the function only put audit objects under redaction-audit/ when an audit bucket is given', () => {
    // Act
    const template = build({}, () => undefined);
    const withBucket = (() => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'WithBucket', { env: { account: '111122223333', region: 'eu-west-1' } });
      const bucket = new s3.Bucket(stack, 'Audit');
      new RedactionService(stack, 'Redaction', { auditBucket: bucket, logsKey: logsKeyOf(stack) });
      return Template.fromStack(stack);
    })();
    // Assess
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toContain('s3:PutObject');
    withBucket.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AUDIT_BUCKET: { Ref: Match.stringLikeRegexp('Audit') } }) },
    });
    withBucket.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['s3:PutObject']),
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Audit'), 'Arn'] }, '/redaction-audit/*']] },
          }),
        ]),
      },
    });
  });

  it('uses the given buses for requests and results', () => {
    // Act
    const template = build({}, () => undefined);
    const custom = (() => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Buses', { env: { account: '111122223333', region: 'eu-west-1' } });
      new RedactionService(stack, 'Redaction', {
        eventBus: new events.EventBus(stack, 'In'),
        resultBus: new events.EventBus(stack, 'Out'),
        logsKey: logsKeyOf(stack),
      });
      return Template.fromStack(stack);
    })();
    // Assess
    expect(Object.keys(template.findResources('AWS::Events::EventBus'))).toHaveLength(0);
    custom.hasResourceProperties('AWS::Events::Rule', { EventBusName: { Ref: Match.stringLikeRegexp('^In') } });
    custom.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnSuccess: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Out'), 'Arn'] } } },
    });
  });

  it('fails synth on a hostile configuration or a short log retention, naming every problem', () => {
    // Prepare
    const props: Props = {
      config: { defaultFilter: { enabled: true }, additionalRules: [{ id: 'evil', pattern: '(a+)+$' }] },
      logRetention: logs.RetentionDays.ONE_MONTH,
    };
    // Act
    const run = (): Template => build(props);
    // Assess
    expect(run).toThrow(RedactionServicePropsError);
    expect(run).toThrow(/config: rule "evil": nested quantifiers.*logRetention must be at least 365 days/);
  });
});
