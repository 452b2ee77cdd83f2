/**
 * Direct sign-in to the agent console in AWS: a Cognito hosted UI domain, a public app client that allows
 * only the authorization code flow with the console's URL as callback and sign-out URL, the console's
 * /config.json carrying those settings (in the shape the console parses), CSP for the token request,
 * `/console/` served as its index page — and no reference from the distribution back to the client.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AgentApi, AgentApiPropsError, type AgentApiProps, defaultCognitoDomainPrefix } from '../../lib/constructs/agent-api';
import { SessionTable } from '../../lib/constructs/session-table';
import { readStackConfig, StackConfigError } from '../../lib/stack-config';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { parseSignInConfig } from '../../web/src/sign-in';
import { sharedStack, CDK_JSON_CONTEXT, logicalId, newApp, REQUIRED_CONTEXT } from './helpers';

const built = sharedStack();
const resources = built.template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
const clientId = logicalId(built.stack.agentApi.userPoolClient);
const distributionId = logicalId(built.stack.agentConsole.distribution);
const consoleUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/console/']] };

function only(type: string): { id: string; properties: Record<string, unknown> } {
  const found = Object.entries(resources).filter(([, r]) => r.Type === type);
  expect(found).toHaveLength(1);
  const [id, r] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { id, properties: r.Properties };
}

/** An AgentApi alone in a fresh stack (no console), for prop checks. */
function apiStack(props: Partial<AgentApiProps> = {}): { app: App; stack: Stack; api: AgentApi } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SignInTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const logsKey = new kms.Key(stack, 'LogsKey', { enableKeyRotation: true });
  const config = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'secure-ivr.json'), 'utf8')));
  const api = new AgentApi(stack, 'AgentApi', {
    config,
    sessions: new SessionTable(stack, 'Sessions'),
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session',
    sipMediaApplication: { id: 'sma-id', arn: 'arn:aws:chime:us-east-1:123456789012:sma/sma-id' },
    logsKey,
    ...props,
  });
  return { app, stack, api };
}

function thrown(act: () => unknown): unknown {
  try {
    act();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('hosted UI domain', () => {
  it('creates a Cognito prefix domain named after the stack and account on the agent user pool', () => {
    // Act
    const domain = only('AWS::Cognito::UserPoolDomain');
    // Assess
    expect(domain.properties).toEqual({ Domain: 'secureivrtest-123456789012', UserPoolId: { Ref: logicalId(built.stack.agentApi.userPool) } });
    expect(built.template.toJSON().Outputs.AgentSignInUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { Ref: domain.id }, '.auth.us-east-1.amazoncognito.com']],
    });
  });

  it('uses the cognitoDomainPrefix context value when one is given', () => {
    // Act
    const { template } = sharedStack({ ...REQUIRED_CONTEXT, cognitoDomainPrefix: 'acme-agents' });
    // Assess
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-agents' });
  });

  it('refuses a cognitoDomainPrefix Cognito would refuse, naming each problem', () => {
    // Prepare
    const app = newApp({ ...REQUIRED_CONTEXT, cognitoDomainPrefix: 'My-AWS-Agents-' });
    // Act
    const error = thrown(() => readStackConfig(app.node, { env: {} }));
    // Assess
    expect(error).toBeInstanceOf(StackConfigError);
    const problems = (error as StackConfigError).problems.filter((p) => p.startsWith('cognitoDomainPrefix'));
    expect(problems).toEqual([expect.stringContaining('lower-case letters'), expect.stringContaining('reserved by Cognito')]);
  });

  it('derives a default prefix without Cognito\u2019s reserved words, at most 63 characters', () => {
    expect(defaultCognitoDomainPrefix('AwsCognitoSecureIvr', '123456789012')).toBe('secureivr-123456789012');
    const long = defaultCognitoDomainPrefix('X'.repeat(120), '123456789012');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9][a-z0-9-]*-123456789012$/);
  });

  it('creates no domain when the given user pool already has a hosted UI, and uses its URL', () => {
    // Prepare
    const { stack, api } = apiStack({ hostedUiUrl: 'https://login.example.com' });
    // Act
    const settings = api.bindConsoleSignIn('https://console.example.com/console/');
    // Assess
    Template.fromStack(stack).resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    expect(settings.domain).toBe('https://login.example.com');
  });

  it('refuses a hosted UI URL that is not https://host and a prefix given with it', () => {
    // Act
    const error = thrown(() => apiStack({ hostedUiUrl: 'http://login.example.com/path', cognitoDomainPrefix: 'acme' }));
    // Assess
    expect(error).toBeInstanceOf(AgentApiPropsError);
    expect((error as Error).message).toContain('hostedUiUrl must be https://host');
    expect((error as Error).message).toContain('not both');
  });
});

describe('console app client', () => {
  it('allows only the authorization code flow, with no client secret', () => {
    // Act
    const client = only('AWS::Cognito::UserPoolClient').properties;
    // Assess
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.GenerateSecret).toBe(false);
    expect(new Set(client.AllowedOAuthScopes as string[])).toEqual(new Set(['openid', 'email', 'profile']));
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
  });

  it('has the console\u2019s CloudFront URL as its only callback and sign-out URL, the URL the stack outputs', () => {
    // Act
    const client = only('AWS::Cognito::UserPoolClient').properties;
    // Assess
    expect(client.CallbackURLs).toEqual([consoleUrl]);
    expect(client.LogoutURLs).toEqual([consoleUrl]);
    expect(built.template.toJSON().Outputs.AgentConsoleUrl.Value).toEqual(consoleUrl);
  });

  it('keeps the distribution free of references to the client (the client refers to it: no cycle)', () => {
    // Prepare
    const distribution = resources[distributionId];
    const headers = only('AWS::CloudFront::ResponseHeadersPolicy');
    // Act
    const referenced = JSON.stringify([distribution, headers.properties]);
    // Assess
    expect(referenced).not.toContain(clientId);
    expect(JSON.stringify(only('AWS::Cognito::UserPoolClient').properties)).toContain(distributionId);
  });

  it('fails synth when no console registered its URL for sign-in', () => {
    // Prepare
    const { app } = apiStack();
    // Act
    const error = thrown(() => app.synth());
    // Assess
    expect(String(error)).toContain('bindConsoleSignIn');
  });

  it('refuses a console URL that is not https', () => {
    // Prepare
    const { api } = apiStack();
    // Act / Assess
    expect(() => api.bindConsoleSignIn('http://console.example.com/console/')).toThrow(AgentApiPropsError);
  });
});

describe('console runtime configuration', () => {
  it('deploys /config.json with the hosted UI domain, the client id and the console URL, in the shape the console parses', () => {
    // Prepare
    const deployment = Object.values(resources).find((r) => r.Type === 'Custom::CDKBucketDeployment')?.Properties as {
      SourceObjectKeys: string[];
      SourceMarkers: Array<Record<string, unknown>>;
    };
    const index = deployment.SourceMarkers.findIndex((m) => Object.keys(m).length > 0);
    const assetDir = join(built.app.outdir, `asset.${deployment.SourceObjectKeys[index]?.replace(/\.zip$/, '')}`);
    const markers = deployment.SourceMarkers[index] as Record<string, unknown>;
    const markerFor = (value: unknown): string => Object.entries(markers).find(([, v]) => JSON.stringify(v) === JSON.stringify(value))?.[0] ?? 'none';
    // Act
    const raw = readFileSync(join(assetDir, 'config.json'), 'utf8');
    const config = JSON.parse(raw) as { signIn: Record<string, unknown> };
    // Assess
    const domainId = only('AWS::Cognito::UserPoolDomain').id;
    const distributionDomain = markerFor({ 'Fn::GetAtt': [distributionId, 'DomainName'] });
    expect(config.signIn).toEqual({
      mode: 'cognito',
      domain: `https://${markerFor({ Ref: domainId })}.auth.us-east-1.amazoncognito.com`,
      clientId: markerFor({ Ref: clientId }),
      redirectUri: `https://${distributionDomain}/console/`,
      logoutUri: expect.stringMatching(/^https:\/\/<<marker:0xbaba:\d+>>\/console\/$/),
      scopes: ['openid', 'email', 'profile'],
    });
    // What the deployment writes once the markers are resolved is what the console accepts.
    const deployed = JSON.parse(
      raw.replace(/<<marker:0xbaba:(\d+)>>/g, (_m, n: string) =>
        JSON.stringify(markers[`<<marker:0xbaba:${n}>>`]).includes('Client') ? 'clientid123' : `d${n}.example`,
      ),
    );
    expect(parseSignInConfig(deployed.signIn)).toMatchObject({
      mode: 'cognito',
      clientId: 'clientid123',
      redirectUri: expect.stringMatching(/^https:\/\/d\d+\.example\/console\/$/),
    });
  });

  it('lets the console fetch tokens from the hosted UI domain (CSP connect-src)', () => {
    // Act
    const csp = JSON.stringify(
      (only('AWS::CloudFront::ResponseHeadersPolicy').properties.ResponseHeadersPolicyConfig as { SecurityHeadersConfig: unknown }).SecurityHeadersConfig,
    );
    // Assess
    expect(csp).toMatch(
      /connect-src 'self' wss:\/\/[^;]*https:\/\/",\{"Ref":"[A-Za-z0-9]*HostedUiDomain[A-Za-z0-9]*"\},"\.auth\.us-east-1\.amazoncognito\.com;/,
    );
  });

  it('serves /console/ as /console/index.html (the callback URL) with a viewer-request function, leaving other paths alone', () => {
    // Prepare
    const fn = only('AWS::CloudFront::Function');
    const behavior = (resources[distributionId]?.Properties.DistributionConfig as { DefaultCacheBehavior: { FunctionAssociations: unknown[] } })
      .DefaultCacheBehavior;
    const handler = new Function(`${String(fn.properties.FunctionCode)}; return handler;`)() as (e: { request: { uri: string } }) => { uri: string };
    // Act
    const rewrite = (uri: string): string => handler({ request: { uri } }).uri;
    // Assess
    expect(behavior.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [fn.id, 'FunctionARN'] } }]);
    expect(rewrite('/console/')).toBe('/console/index.html');
    expect(rewrite('/finance/')).toBe('/finance/index.html');
    expect(rewrite('/assets/console.js')).toBe('/assets/console.js');
    expect(rewrite('/')).toBe('/');
  });
});
