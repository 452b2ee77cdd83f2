/**
 * The agent API and console constructs: JWT on every HTTP route, a token-checking $connect authorizer,
 * the configuration in SSM, least-privilege grants, push wiring for session functions, encrypted access
 * logs, a private KMS-encrypted console bucket that only its CloudFront distribution reads, security
 * headers, an explicitly scoped file deployment — and no unacknowledged cdk-nag finding.
 */
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { AgentApi } from '../../lib/constructs/agent-api';
import { AgentConsole, AgentConsolePropsError, buildConsole } from '../../lib/constructs/agent-console';
import { PciFunction } from '../../lib/constructs/pci-function';
import { SessionTable } from '../../lib/constructs/session-table';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { asList, CDK_JSON_CONTEXT, identityStatements } from './helpers';

function build(): { app: App; stack: Stack; template: Template; api: AgentApi; console: AgentConsole } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'AgentApiTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
  const sessions = new SessionTable(stack, 'Sessions');
  const config = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.json'), 'utf8')));
  const api = new AgentApi(stack, 'AgentApi', {
    config,
    sessions,
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session',
    sipMediaApplication: { id: 'sma-id', arn: 'arn:aws:chime:us-east-1:123456789012:sma/sma-id' },
    logsKey,
  });
  const sessionFn = new PciFunction(stack, 'SessionFunction', { entry: 'lambdas/session/end/handler.ts', serviceName: 'test', logsKey });
  api.bindPushSink(sessionFn, sessions);
  const agentConsole = new AgentConsole(stack, 'AgentConsole', { api, logsKey, embeddingOrigins: ['https://desktop.example.com'] });
  return { app, stack, template: Template.fromStack(stack), api, console: agentConsole };
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

  it('creates a user pool without self sign-up, with the viewOutcomes group finance users join', () => {
    built.template.hasResourceProperties('AWS::Cognito::UserPool', { AdminCreateUserConfig: { AllowAdminCreateUserOnly: true } });
    built.template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'viewOutcomes' });
  });

  it('attack (review item 10): a console user cannot sign in with a password alone; MFA is required and TOTP is the only factor', () => {
    // Act
    const pool = Object.values(built.template.findResources('AWS::Cognito::UserPool'))[0]?.Properties;
    // Assess: ON (not OPTIONAL), software token only, never SMS.
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(pool.SmsConfiguration).toBeUndefined();
  });

  it('attack (review item 10): a stolen console token is good for at most 60 minutes (access and id tokens)', () => {
    // Act
    const client = Object.values(built.template.findResources('AWS::Cognito::UserPoolClient'))[0]?.Properties;
    const minutes = (value: number, unit: string): number =>
      unit === 'hours' ? value * 60 : unit === 'minutes' ? value : unit === 'seconds' ? value / 60 : value * 1440;
    // Assess
    expect(client.TokenValidityUnits).toBeDefined();
    expect(minutes(client.AccessTokenValidity, client.TokenValidityUnits.AccessToken)).toBeLessThanOrEqual(60);
    expect(minutes(client.IdTokenValidity, client.TokenValidityUnits.IdToken)).toBeLessThanOrEqual(60);
    expect(client.EnableTokenRevocation).toBe(true);
  });

  it('writes HTTP and WebSocket access logs to KMS-encrypted log groups kept at least a year', () => {
    // Prepare
    const resources = built.template.toJSON().Resources;
    // Act
    const stages = Object.values(built.template.findResources('AWS::ApiGatewayV2::Stage'));
    // Assess
    expect(stages.map((st) => st.Properties.StageName).sort()).toEqual(['$default', 'live']);
    for (const stage of stages) {
      const groupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
      expect(resources[groupId].Properties).toMatchObject({ KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] }, RetentionInDays: 365 });
      expect(stage.Properties.AccessLogSettings.Format).not.toContain('querystring');
    }
    built.template.hasResourceProperties('AWS::ApiGateway::Account', { CloudWatchRoleArn: Match.anyValue() });
  });

  it('lets a function read exactly the configuration parameter, nothing more', () => {
    // Act
    const ssm = identityStatements(built.template).filter(({ statement }) => asList(statement.Action).some((a) => a.startsWith('ssm:')));
    // Assess
    expect(ssm.map(({ statement }) => statement.Action)).toEqual(['ssm:GetParameter']);
    expect(JSON.stringify(ssm[0]?.statement.Resource)).toContain(`"${built.stack.getLogicalId(built.api.configParameter.node.defaultChild as CfnElement)}"`);
  });

  it('keeps the secure input configuration in SSM and tells the function where', () => {
    built.template.hasResourceProperties('AWS::SSM::Parameter', { Type: 'String', Value: Match.stringLikeRegexp('"workgroups"') });
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SECURE_INPUT_CONFIG_PARAMETER: Match.anyValue(),
          STATE_MACHINE_ARN: Match.anyValue(),
          SIP_MEDIA_APPLICATION_ID: 'sma-id',
        }),
      },
    });
  });

  it('lets the API start executions on the one state machine and update calls on the one SMA', () => {
    const policies = JSON.stringify(built.template.findResources('AWS::IAM::Policy'));
    const starts = identityStatements(built.template).filter(({ statement }) => asList(statement.Action).includes('states:StartExecution'));
    expect(starts.map(({ statement }) => statement.Resource)).toEqual(['arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session']);
    expect(policies).toContain('"Action":"chime:UpdateSipMediaApplicationCall","Effect":"Allow","Resource":"arn:aws:chime:us-east-1:123456789012:sma/sma-id"');
  });

  it("security review 11: scopes the cancel's states:SendTaskFailure to the one state machine, as the IVR's is", () => {
    // Act
    const statements = identityStatements(built.template).filter(({ statement }) => asList(statement.Action).includes('states:SendTaskFailure'));

    // Assess
    expect(statements.length).toBeGreaterThan(0);
    for (const { statement } of statements) expect(statement.Resource).toEqual('arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session');
  });

  it('wires a session function to push to agents\u2019 WebSockets', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          AGENT_PUSH_TARGET: 'websocket',
          AGENT_WS_MANAGEMENT_ENDPOINT: Match.anyValue(),
          AGENT_CONNECTIONS_TABLE: Match.anyValue(),
        }),
      },
    });
    expect(JSON.stringify(built.template.findResources('AWS::IAM::Policy'))).toContain('execute-api:ManageConnections');
  });
});

describe('agent console', () => {
  const id = (c: IConstruct): string => built.stack.getLogicalId((c instanceof CfnElement ? c : c.node.defaultChild) as CfnElement);
  const distributionArn = () => ({ 'Fn::Join': ['', ['arn:aws:cloudfront::123456789012:distribution/', { Ref: id(built.console.distribution) }]] });

  it('serves a private, KMS-encrypted bucket through CloudFront, HTTPS only, with a frame-ancestors policy for the desktop', () => {
    // Prepare
    const bucket = built.template.toJSON().Resources[id(built.console.site.bucket)];
    // Assess
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: { 'Fn::GetAtt': [id(built.console.site.key), 'Arn'] },
    });
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toBeDefined();
    built.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only' }),
        CacheBehaviors: [Match.objectLike({ PathPattern: '/api/*', ViewerProtocolPolicy: 'https-only' })],
        DefaultRootObject: 'console/index.html',
        Origins: Match.arrayWith([Match.objectLike({ OriginAccessControlId: Match.anyValue() })]),
      }),
    });
    // The origin names the bucket by its fixed name, never by reference (that would close a cycle through the key policy).
    const origin = JSON.stringify(built.template.toJSON().Resources[id(built.console.distribution)].Properties.DistributionConfig.Origins[0].DomainName);
    expect(origin).toContain('agentapitest-console-123456789012-us-east-1.s3.us-east-1.');
    expect(origin).not.toContain(id(built.console.site.bucket));
    const csp = Object.values(built.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]?.Properties.ResponseHeadersPolicyConfig
      .SecurityHeadersConfig.ContentSecurityPolicy;
    expect(csp.Override).toBe(true);
    expect(JSON.stringify(csp.ContentSecurityPolicy)).toContain("frame-ancestors 'self' https://desktop.example.com");
  });

  it('lets only this distribution read the console bucket and decrypt with its key (origin access control)', () => {
    // Prepare
    const resources = built.template.toJSON().Resources;
    const keyPolicy = resources[id(built.console.site.key)].Properties.KeyPolicy.Statement as Array<Record<string, unknown>>;
    const bucketPolicy = Object.values(built.template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => p.Properties.Bucket.Ref === id(built.console.site.bucket),
    );
    // Act
    const cloudFrontKey = keyPolicy.filter((st) => JSON.stringify(st.Principal).includes('cloudfront.amazonaws.com'));
    const cloudFrontBucket = (bucketPolicy?.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>).filter((st) =>
      JSON.stringify(st.Principal).includes('cloudfront.amazonaws.com'),
    );
    // Assess
    expect(cloudFrontKey).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Condition: { StringEquals: { 'aws:SourceArn': distributionArn() } } }),
    ]);
    expect(cloudFrontBucket).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 's3:GetObject', Condition: { StringEquals: { 'aws:SourceArn': distributionArn() } } }),
    ]);
  });

  it('writes CloudFront access logs to their own KMS-encrypted bucket', () => {
    // Prepare
    const resources = built.template.toJSON().Resources;
    const distribution = resources[id(built.console.distribution)].Properties.DistributionConfig;
    const logs = resources[id(built.console.cdnLogs.bucket)].Properties;
    // Assess
    expect(distribution.Logging).toEqual({ Bucket: { 'Fn::GetAtt': [id(built.console.cdnLogs.bucket), 'RegionalDomainName'] }, Prefix: 'cloudfront/' });
    expect(logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('aws:kms');
  });

  it('sends the security headers: CSP limited to its own origin and the WebSocket API, HSTS, nosniff, no referrer', () => {
    // Act
    const config = Object.values(built.template.findResources('AWS::CloudFront::ResponseHeadersPolicy'))[0]?.Properties.ResponseHeadersPolicyConfig
      .SecurityHeadersConfig;
    // Assess
    const csp = JSON.stringify(config.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain('wss://');
    expect(csp).not.toMatch(/connect-src 'self' wss:;/);
    expect(config).toMatchObject({
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer' },
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000 },
    });
  });

  it('deploys the files as a role with an explicit policy: the asset objects, this bucket, its key through S3, this distribution', () => {
    // Prepare
    const statements = identityStatements(built.template).filter(({ roles }) => roles.includes(id(built.console.deploymentRole)));
    // Act
    const actions = statements.flatMap(({ statement }) => asList(statement.Action));
    // Assess
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(new Set(actions)).toEqual(
      new Set([
        's3:GetObject',
        's3:ListBucket',
        's3:PutObject',
        's3:DeleteObject',
        'kms:GenerateDataKey',
        'kms:Decrypt',
        'cloudfront:CreateInvalidation',
        'cloudfront:GetInvalidation',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
      ]),
    );
    expect(statements.find(({ statement }) => asList(statement.Action).includes('cloudfront:CreateInvalidation'))?.statement.Resource).toEqual(
      distributionArn(),
    );
    expect(statements.filter(({ statement }) => asList(statement.Resource).includes('*'))).toEqual([]);
    const fn = Object.values(built.template.findResources('AWS::Lambda::Function')).find((f) =>
      JSON.stringify(f.Properties.Role).includes(id(built.console.deploymentRole)),
    );
    expect(fn?.Properties.LoggingConfig.LogGroup).toEqual({ Ref: id(built.console.deploymentLogs.logGroup) });
  });

  it('refuses an embedding origin that is not https://host', () => {
    // Prepare
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'BadOrigins', { env: { account: '123456789012', region: 'us-east-1' } });
    const logsKey = new kms.Key(stack, 'LogsKey');
    // Act
    let error: unknown;
    try {
      new AgentConsole(stack, 'Console', { api: built.api, logsKey, embeddingOrigins: ['http://desk.example.com', 'https://ok.example.com'] });
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(AgentConsolePropsError);
    expect((error as Error).message).toMatch(/"http:\/\/desk.example.com" must be https/);
    expect((error as Error).message).not.toContain('ok.example.com');
  });

  it('builds the console at synth from web/ (no build output kept in the repository), with the finance page', () => {
    const out = buildConsole();
    expect(readFileSync(join(out, 'console', 'index.html'), 'utf8')).toContain('/assets/console.js');
    expect(readFileSync(join(out, 'finance', 'index.html'), 'utf8')).toContain('finance.js');
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
    const reasons = built.app.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.values(m.data as Record<string, string>)),
      );
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.filter((r) => !/\bP\d\d\b/.test(r))).toEqual([]);
  });
});
