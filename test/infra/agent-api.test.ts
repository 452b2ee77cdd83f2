/**
 * The agent API and console constructs: JWT on every HTTP route, a token-checking $connect authorizer,
 * the configuration in SSM, least-privilege grants, push wiring for session functions, a private
 * console bucket behind CloudFront with security headers — and no unacknowledged cdk-nag finding.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { AgentApi } from '../../lib/constructs/agent-api';
import { AgentConsole, buildConsole } from '../../lib/constructs/agent-console';
import { PciFunction } from '../../lib/constructs/pci-function';
import { SessionTable } from '../../lib/constructs/session-table';
import { parseFormsConfig } from '../../lambdas/shared/session/forms';
import { CDK_JSON_CONTEXT } from './helpers';

function build(): { app: App; stack: Stack; template: Template; api: AgentApi } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'AgentApiTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
  const sessions = new SessionTable(stack, 'Sessions');
  const config = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.json'), 'utf8')));
  const api = new AgentApi(stack, 'AgentApi', {
    config,
    sessions,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session',
    sipMediaApplicationId: 'sma-id',
    sipMediaApplicationArn: 'arn:aws:chime:us-east-1:123456789012:sma/sma-id',
    logsKey,
  });
  const sessionFn = new PciFunction(stack, 'SessionFunction', { entry: 'lambdas/session/end/handler.ts', serviceName: 'test', logsKey });
  api.bindPushSink(sessionFn, sessions);
  new AgentConsole(stack, 'AgentConsole', { api, embeddingOrigins: ['https://desktop.example.com'] });
  return { app, stack, template: Template.fromStack(stack), api };
}

const built = build();

describe('agent API', () => {
  it('puts the Cognito JWT authorizer on the agent routes', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /api/{proxy+}', AuthorizationType: 'JWT' });
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /api/{proxy+}', AuthorizationType: 'JWT' });
  });

  it('checks the token on WebSocket $connect with a Lambda authorizer reading ?token=', () => {
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'REQUEST', IdentitySource: ['route.request.querystring.token'] });
    built.template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$connect', AuthorizationType: 'CUSTOM' });
  });

  it('creates a user pool without self sign-up', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
  });

  it('keeps the secure input configuration in SSM and tells the function where', () => {
    built.template.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: Match.stringLikeRegexp('"workgroups"') });
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SECURE_INPUT_CONFIG_PARAMETER: Match.anyValue(), STATE_MACHINE_ARN: Match.anyValue(), SIP_MEDIA_APPLICATION_ID: 'sma-id' }) },
    });
  });

  it('lets the API start executions on the one state machine and update calls on the one SMA', () => {
    const policies = JSON.stringify(built.template.findResources('AWS::IAM::Policy'));
    expect(policies).toContain('"Action":"states:StartExecution","Effect":"Allow","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session"');
    expect(policies).toContain('"Action":"chime:UpdateSipMediaApplicationCall","Effect":"Allow","Resource":"arn:aws:chime:us-east-1:123456789012:sma/sma-id"');
  });

  it('wires a session function to push to agents\u2019 WebSockets', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ AGENT_PUSH_TARGET: 'websocket', AGENT_WS_MANAGEMENT_ENDPOINT: Match.anyValue(), AGENT_CONNECTIONS_TABLE: Match.anyValue() }) },
    });
    expect(JSON.stringify(built.template.findResources('AWS::IAM::Policy'))).toContain('execute-api:ManageConnections');
  });
});

describe('agent console', () => {
  it('serves a private bucket through CloudFront with HTTPS and a frame-ancestors policy for the desktop', () => {
    built.template.hasResourceProperties('AWS::S3::Bucket', { PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true } });
    built.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }), DefaultRootObject: 'console/index.html' }),
    });
    built.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({ ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("frame-ancestors 'self' https://desktop.example.com"), Override: true } }),
      }),
    });
  });

  it('builds the console at synth from web/ (no build output kept in the repository)', () => {
    const out = buildConsole();
    expect(readFileSync(join(out, 'console', 'index.html'), 'utf8')).toContain('/assets/console.js');
    expect(readFileSync(join(out, 'assets', 'console.js'), 'utf8').length).toBeGreaterThan(1000);
  });
});

describe('compliance', () => {
  it.each([
    ['AwsSolutions', () => new AwsSolutionsChecks()],
    ['PCI DSS 3.2.1', () => new PCIDSS321Checks()],
  ])('leaves no unacknowledged %s finding', (_name, pack) => {
    // Act
    const report = pack().validateScope(built.app);
    // Assess
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it('cites a pci.md checklist id in every acknowledgment', () => {
    const reasons = built.app.node.findAll().flatMap((c) =>
      c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.values(m.data as Record<string, string>)),
    );
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.filter((r) => !/\bP\d\d\b/.test(r))).toEqual([]);
  });
});
