/**
 * The agent console in AWS: web/ built with esbuild at synth (no build output in the repository) into a
 * private, encrypted bucket served by CloudFront (origin access control, HTTPS only, security headers),
 * with `/api/*` routed to the agent HTTP API so the console calls it on its own origin. The console
 * learns the WebSocket URL from /config.json, written at deploy.
 */
import { mkdirSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnElement, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { AgentApi } from './agent-api';

export const WEB_ROOT = join(__dirname, '..', '..', 'web');

export interface AgentConsoleProps {
  readonly api: AgentApi;
  /**
   * Optional - Desktop origins allowed to embed the console in an iframe (CSP frame-ancestors).
   * @default - none besides the console's own origin
   */
  readonly embeddingOrigins?: string[];
}

/** Builds the console into a fresh directory: console/index.html, assets/console.js, assets/styles.css. */
export function buildConsole(root = WEB_ROOT): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'secure-ivr-console-'));
  mkdirSync(join(out, 'console'), { recursive: true });
  mkdirSync(join(out, 'assets'), { recursive: true });
  esbuild.buildSync({ entryPoints: [join(root, 'src', 'console.ts')], bundle: true, format: 'esm', target: 'es2022', platform: 'browser', outfile: join(out, 'assets', 'console.js'), legalComments: 'none', minify: true, logLevel: 'silent' });
  copyFileSync(join(root, 'console.html'), join(out, 'console', 'index.html'));
  copyFileSync(join(root, 'styles.css'), join(out, 'assets', 'styles.css'));
  writeFileSync(join(out, 'README.txt'), 'Built by lib/constructs/agent-console.ts at synth.\n');
  return out;
}

/** The granular IAM5 findings cdk-nag reports on the BucketDeployment provider's policy. */
function deploymentWildcards(scope: Construct, bucket: s3.Bucket): string[] {
  const stack = Stack.of(scope);
  const qualifier = (stack.synthesizer as { bootstrapQualifier?: string }).bootstrapQualifier ?? 'hnb659fds';
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as CfnElement);
  return [
    ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map((a) => `AwsSolutions-IAM5[Action::${a}]`),
    `AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}/*]`,
    `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
    'AwsSolutions-IAM5[Resource::*]',
  ];
}

export class AgentConsole extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;

  public constructor(scope: Construct, id: string, props: AgentConsoleProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'ConsoleBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
    });
    const frameAncestors = ["'self'", ...(props.embeddingOrigins ?? [])].join(' ');
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; connect-src 'self' wss:; img-src 'self' data:; style-src 'self'; frame-ancestors ${frameAncestors}`,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.api.httpApi.apiEndpoint));
    this.distribution = new cloudfront.Distribution(this, 'ConsoleDistribution', {
      comment: 'secure-ivr agent console',
      defaultRootObject: 'console/index.html',
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    new deploy.BucketDeployment(this, 'ConsoleFiles', {
      destinationBucket: this.bucket,
      distribution: this.distribution,
      sources: [deploy.Source.asset(buildConsole()), deploy.Source.jsonData('config.json', { webSocketUrl: props.api.webSocketUrl })],
    });
    // BucketDeployment's provider is one function per stack, outside this construct.
    const provider = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      Validations.of(provider).acknowledge(
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'P24: CDK-managed BucketDeployment provider; it copies static console files only.' },
        ...deploymentWildcards(this, this.bucket).map((id) => ({ id, reason: 'P24: CDK-managed BucketDeployment provider needs these wildcards on the asset and console buckets; no card data is reachable.' })),
        { id: 'AwsSolutions-L1', reason: 'P24: CDK-managed BucketDeployment provider runtime.' },
        { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P24: CDK-managed BucketDeployment provider.' },
        { id: 'PCI.DSS.321-LambdaInsideVPC', reason: 'P24: CDK-managed BucketDeployment provider; static files only.' },
        { id: 'PCI.DSS.321-LambdaConcurrency', reason: 'P24: CDK-managed BucketDeployment provider.' },
        { id: 'PCI.DSS.321-LambdaDLQ', reason: 'P24: CDK-managed BucketDeployment provider.' },
      );
    }
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'P24: The console bucket holds only public static assets (no card or customer data); access logs add nothing.' },
      { id: 'AwsSolutions-CFR1', reason: 'P24: Geo restriction is a per-deployment choice.' },
      { id: 'AwsSolutions-CFR2', reason: 'P24: AWS WAF is a per-deployment choice (paid); the console is static and the API requires a JWT.' },
      { id: 'AwsSolutions-CFR3', reason: 'P24: Access logging is a per-deployment choice; the API logs every request.' },
      { id: 'AwsSolutions-CFR4', reason: 'P24: Uses the default CloudFront domain; with it CloudFront allows TLS 1.0 viewers unless a custom certificate is given.' },
      { id: 'AwsSolutions-IAM4', reason: 'P24: BucketDeployment\u2019s provider uses AWSLambdaBasicExecutionRole (CDK-managed custom resource).' },
      { id: 'AwsSolutions-IAM5', reason: 'P24: BucketDeployment\u2019s provider needs object wildcards on its own staging and destination buckets (CDK-managed).' },
      { id: 'AwsSolutions-L1', reason: 'P24: BucketDeployment\u2019s provider runtime is chosen by CDK.' },
      { id: 'PCI.DSS.321-S3BucketLoggingEnabled', reason: 'P24: Static public assets only; see AwsSolutions-S1.' },
      { id: 'PCI.DSS.321-S3BucketReplicationEnabled', reason: 'P24: Rebuilt from the repository on every deploy; replication adds nothing.' },
      { id: 'PCI.DSS.321-S3DefaultEncryptionKMS', reason: 'P24: Static public assets; S3-managed encryption suffices and lets CloudFront OAC read without key grants.' },
      { id: 'PCI.DSS.321-LambdaInsideVPC', reason: 'P24: CDK-managed deployment provider; no card data.' },
      { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P24: CDK-managed deployment provider.' },
      { id: 'PCI.DSS.321-LambdaConcurrency', reason: 'P24: CDK-managed deployment provider.' },
      { id: 'PCI.DSS.321-LambdaDLQ', reason: 'P24: CDK-managed deployment provider.' },
    );
  }
}
