/**
 * The agent console in AWS: web/ built with esbuild at synth (no build output in the repository), with the
 * finance page beside it, in a private, KMS-encrypted SecureBucket that only this CloudFront distribution
 * reads (origin access control; the bucket and key policies name the distribution). Viewers must use HTTPS;
 * responses carry security headers, with `frame-ancestors` listing the CCaaS desktops that may embed the
 * console; CloudFront writes access logs to their own encrypted bucket. `/api/*` goes to the agent HTTP API
 * so the console calls it on its own origin; the console learns the WebSocket URL and its sign-in settings
 * from /config.json. A viewer-request CloudFront Function serves `index.html` for a path ending in `/`, so
 * the console's URL is `https://<distribution>/console/` — also the Cognito callback and sign-out URL the
 * console registers with the agent API (`bindConsoleSignIn`). /config.json is `Source.jsonData`, whose
 * deploy-time values (distribution domain, client id, hosted UI domain) the deployment resolves.
 *
 * Deploying the files: CDK's BucketDeployment (a CloudFormation custom resource that copies the synth-time
 * asset into the bucket and invalidates the distribution) — kept because it is the only way that ships the
 * console with `cdk deploy` itself, without a second step outside CloudFormation. Its singleton function is
 * CDK's (Python runtime), but nothing of its access is: it runs as a role made here with an explicit policy
 * (read the two asset objects, list/put/delete in the console bucket, use the console key through S3,
 * invalidate this distribution) — CDK's own grants go to an immutable view of that role and are dropped —
 * and it logs to an EncryptedLogGroup like every function. It never sees card data (P24): the bucket holds
 * static HTML, JavaScript and CSS.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { AgentApi } from './agent-api';
import { EncryptedLogGroup } from './encrypted-log-group';
import { SecureBucket } from './secure-bucket';

export const WEB_ROOT = join(__dirname, '..', '..', 'web');
const CLOUDFRONT = 'cloudfront.amazonaws.com';

export interface AgentConsoleProps {
  readonly api: AgentApi;
  /** The customer-managed key for the deployment function's log group (see LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * Optional - Desktop origins allowed to embed the console in an iframe (CSP frame-ancestors), e.g.
   * `https://desktop.example.com`.
   * @default - none besides the console's own origin
   */
  readonly embeddingOrigins?: string[];
  /**
   * Optional - The console bucket's name. It is fixed so CloudFront's origin can name the bucket without a
   * reference (the key policy names the distribution; a reference back would be a cycle).
   * @default `<stack name>-console-<account>-<region>`, lower case, at most 63 characters
   */
  readonly bucketName?: string;
}

export class AgentConsolePropsError extends Error {
  public constructor(problems: string[]) {
    super(`AgentConsole: ${problems.join('; ')}`);
    this.name = 'AgentConsolePropsError';
  }
}

/** Builds the console into a fresh directory: console/index.html, assets/console.js, assets/styles.css, finance/*. */
export function buildConsole(root = WEB_ROOT): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = mkdtempSync(join(tmpdir(), 'secure-ivr-console-'));
  for (const dir of ['console', 'assets', 'finance']) mkdirSync(join(out, dir), { recursive: true });
  esbuild.buildSync({
    entryPoints: [join(root, 'src', 'console.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outfile: join(out, 'assets', 'console.js'),
    legalComments: 'none',
    minify: true,
    logLevel: 'silent',
  });
  copyFileSync(join(root, 'console.html'), join(out, 'console', 'index.html'));
  copyFileSync(join(root, 'styles.css'), join(out, 'assets', 'styles.css'));
  // The finance page: its HTML and CSS as they are, its script bundled with Chart.js; CloudFront serves it at /finance/index.html.
  for (const file of readdirSync(join(root, 'finance'))) copyFileSync(join(root, 'finance', file), join(out, 'finance', file));
  esbuild.buildSync({
    entryPoints: [join(root, 'src', 'finance.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    outfile: join(out, 'finance', 'finance.js'),
    legalComments: 'none',
    minify: true,
    logLevel: 'silent',
  });
  writeFileSync(join(out, 'README.txt'), 'Built by lib/constructs/agent-console.ts at synth.\n');
  return out;
}

const ORIGIN = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** A pre-bound deployment source: BucketDeployment binds it again and gets the same asset object. */
function preBound(source: deploy.ISource, scope: Construct, handlerRole: iam.IRole): { source: deploy.ISource; config: deploy.SourceConfig } {
  const config = source.bind(scope, { handlerRole });
  return { source: { bind: () => config }, config };
}

export class AgentConsole extends Construct {
  public readonly site: SecureBucket;
  /** CloudFront standard access logs. */
  public readonly cdnLogs: SecureBucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly deployment: deploy.BucketDeployment;
  /** The role the deployment function runs as (explicit policy; see the module comment). */
  public readonly deploymentRole: iam.Role;
  public readonly deploymentLogs: EncryptedLogGroup;

  public constructor(scope: Construct, id: string, props: AgentConsoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = (props.embeddingOrigins ?? [])
      .filter((o) => !ORIGIN.test(o))
      .map((o) => `embedding origin ${JSON.stringify(o.slice(0, 80))} must be https://host[:port] with no path`);
    const bucketName =
      props.bucketName ??
      `${stack.stackName}-console-${stack.account}-${stack.region}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63)
        .replace(/-+$/, '');
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucketName)) problems.push('bucketName must be 3-63 lower-case letters, digits and dashes');
    if (problems.length > 0) throw new AgentConsolePropsError(problems);

    // Static files only; old builds (non-current versions) expire after a day, the deployed one stays.
    // Named, so a retained bucket from a failed first deploy would block the retry ("already exists"):
    // retained on update and delete, removed when the create itself rolls back.
    this.site = new SecureBucket(this, 'Site', {
      purpose: 'agent console files (static, no card data)',
      bucketName,
      expireObjects: false,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // CloudFront standard logging writes with an ACL (awslogsdelivery), so this bucket keeps ACLs enabled.
    this.cdnLogs = new SecureBucket(this, 'CdnLogs', {
      purpose: 'agent console CloudFront access logs',
      serverAccessLogsBucket: this.site.accessLogsBucket,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    });
    // CloudFront standard (legacy) logging: AWS's published key-policy statement for the log delivery
    // service, as is. Legacy delivery does not present aws:SourceAccount/SourceArn, so a condition on them
    // would silently drop every log file; the bucket policy (ACL-based delivery) is what scopes the writes.
    this.cdnLogs.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontStandardLogDelivery',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );

    const frameAncestors = ["'self'", ...(props.embeddingOrigins ?? [])].join(' ');
    const socketOrigin = `wss://${props.api.webSocketApi.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    // The code-for-token exchange is a fetch from the console to the hosted UI domain.
    const signInOrigin = props.api.hostedUiUrl;
    // CloudFront names are global to the account: the region keeps two regions' stacks of one name apart.
    const cdnName = (suffix: string, max: number): string => `${stack.stackName}-${stack.region}-${suffix}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, max);
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      responseHeadersPolicyName: cdnName('console-headers', 128),
      comment: 'secure-ivr console: CSP (embeddable only by the configured desktops), HSTS, nosniff, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; connect-src 'self' ${socketOrigin} ${signInOrigin}; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors ${frameAncestors}`,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // The origin names the bucket by its fixed name, not by reference: the key policy below names the
    // distribution, and the bucket references its key.
    const originBucket = s3.Bucket.fromBucketAttributes(this, 'SiteOrigin', {
      bucketName,
      bucketRegionalDomainName: `${bucketName}.s3.${stack.region}.${stack.urlSuffix}`,
    });
    const apiDomain = Fn.select(2, Fn.split('/', props.api.httpApi.apiEndpoint));
    // S3 (through origin access control) has no index documents: /console/ becomes /console/index.html here.
    const indexPages = new cloudfront.Function(this, 'IndexPages', {
      comment: 'secure-ivr console: serve index.html for paths ending in /',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var request = event.request; if (request.uri.length > 1 && request.uri.endsWith('/')) { request.uri += 'index.html'; } return request; }",
      ),
    });
    this.distribution = new cloudfront.Distribution(this, 'ConsoleDistribution', {
      comment: 'secure-ivr agent console',
      defaultRootObject: 'console/index.html',
      enableLogging: true,
      logBucket: this.cdnLogs.bucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(originBucket, {
          originAccessLevels: [cloudfront.AccessLevel.READ],
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'ConsoleOriginAccess', { originAccessControlName: cdnName('console-oac', 64) }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: indexPages, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
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
    this.allowThisDistribution();
    // CDK cannot edit an imported bucket's policy; allowThisDistribution writes it on the real bucket.
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The console bucket policy (AllowThisCloudFrontDistributionToRead) is written on the real bucket.',
    );

    this.deploymentLogs = new EncryptedLogGroup(this, 'DeploymentLogs', { encryptionKey: props.logsKey });
    this.deploymentRole = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'secure-ivr: copies the console files into the console bucket at deploy (BucketDeployment)',
    });
    // CDK's grants to the deployment function go to this immutable view and are dropped; the policy below is the whole access.
    const sealedRole = this.deploymentRole.withoutPolicyUpdates();
    const files = preBound(deploy.Source.asset(buildConsole()), this, sealedRole);
    // embeddingOrigins: the desktops whose frames the console takes a token and a call from (web/src/embedding.ts).
    // Registers this console as the app client's callback; the settings carry deploy-time values, which
    // jsonData resolves in the deployment (no cycle: nothing the distribution uses refers to the client).
    const signIn = props.api.bindConsoleSignIn(this.consoleUrl);
    const settings = preBound(
      deploy.Source.jsonData('config.json', { webSocketUrl: props.api.webSocketUrl, signIn, embeddingOrigins: props.embeddingOrigins ?? [] }),
      this,
      sealedRole,
    );
    const policy = new iam.Policy(this, 'DeploymentPolicy', {
      roles: [this.deploymentRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadTheConsoleAssets',
          actions: ['s3:GetObject'],
          resources: [files.config, settings.config].map((c) => c.bucket.arnForObjects(c.zipObjectKey)),
        }),
        new iam.PolicyStatement({ sid: 'ListTheConsoleBucket', actions: ['s3:ListBucket'], resources: [this.site.bucket.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'WriteTheConsoleFiles',
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [this.site.bucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          sid: 'UseTheConsoleKeyThroughS3',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.site.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({
          sid: 'InvalidateThisDistribution',
          actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
          resources: [this.distributionArn],
        }),
        new iam.PolicyStatement({
          sid: 'WriteItsOwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.deploymentLogs.logGroup.logGroupArn],
        }),
      ],
    });
    const siteId = stack.getLogicalId(this.site.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(policy).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${siteId}.Arn>/*]`,
        reason: 'P24: the deployment replaces the console\u2019s static files (any key under the console bucket); it never reaches card data.',
      },
      { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P10: one least-privilege policy for this one deployment role, created and deleted with it.' },
    );
    this.deployment = new deploy.BucketDeployment(this, 'ConsoleFiles', {
      destinationBucket: this.site.bucket,
      distribution: this.distribution,
      sources: [files.source, settings.source],
      role: sealedRole,
      logGroup: this.deploymentLogs.logGroup,
      memoryLimit: 512,
    });
    // The custom resource must not run before its role may do the work.
    this.deployment.node.addDependency(policy);
    this.acknowledge();
  }

  /** `https://<distribution domain>/console/`: where agents open the console, and the sign-in callback. */
  public get consoleUrl(): string {
    return `https://${this.distribution.distributionDomainName}/console/`;
  }

  /** `arn:aws:cloudfront::<account>:distribution/<id>`. */
  public get distributionArn(): string {
    return Stack.of(this).formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: this.distribution.distributionId });
  }

  /** Origin access control: only this distribution reads the console bucket, and only it may decrypt with the console key. */
  private allowThisDistribution(): void {
    const fromThisDistribution = { StringEquals: { 'aws:SourceArn': this.distributionArn } };
    this.site.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisCloudFrontDistributionToRead',
        principals: [new iam.ServicePrincipal(CLOUDFRONT)],
        actions: ['s3:GetObject'],
        resources: [this.site.bucket.arnForObjects('*')],
        conditions: fromThisDistribution,
      }),
    );
    this.site.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisCloudFrontDistributionToDecrypt',
        principals: [new iam.ServicePrincipal(CLOUDFRONT)],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisDistribution,
      }),
    );
  }

  private acknowledge(): void {
    const stack = Stack.of(this);
    // BucketDeployment's function is a stack singleton outside this construct.
    const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (provider) {
      Validations.of(provider).acknowledge(
        {
          id: 'AwsSolutions-L1',
          reason:
            'P24: CDK-managed BucketDeployment function; its Python runtime is chosen by CDK. It copies static console files and never touches card data.',
        },
        {
          id: 'PCI.DSS.321-LambdaInsideVPC',
          reason: 'P24: CDK-managed BucketDeployment function; it copies static console files at deploy and never touches card data.',
        },
        { id: 'PCI.DSS.321-LambdaConcurrency', reason: 'P24: CDK-managed BucketDeployment function; runs once per deploy, never on a call.' },
        { id: 'PCI.DSS.321-LambdaDLQ', reason: 'P24: CDK-managed BucketDeployment function; CloudFormation reports its failure and rolls the deploy back.' },
      );
    }
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'P24: Geo restriction is a per-deployment choice (agents may work from anywhere the contact center allows).' },
      { id: 'AwsSolutions-CFR2', reason: 'P24: AWS WAF is a per-deployment, paid choice; the console is static and every API route requires a JWT.' },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'P09: with the default *.cloudfront.net certificate CloudFront fixes the viewer TLS policy itself (a minimum protocol needs a custom domain and certificate, a per-deployment choice). HTTPS only, HSTS sent.',
      },
    );
    Validations.of(this.cdnLogs.bucket).acknowledge({
      id: 'PCI.DSS.321-S3BucketReplicationEnabled',
      reason: 'P20: CDN access logs stay in one region, versioned and kept a year.',
    });
  }
}
