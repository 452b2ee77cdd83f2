/**
 * The agent API: an HTTP API (JWT authorizer on a Cognito user pool, created here unless one is given)
 * serving lambdas/agent-api/http-handler.ts, and a WebSocket API whose $connect is guarded by a Lambda
 * authorizer verifying the same Cognito tokens. The secure input configuration (forms, workgroups,
 * rights) is an SSM parameter the API and Begin load at start (`bindConfigReader`). `bindPushSink` lets a
 * session function push progress to agents' WebSockets; `addOutcomesRoute` serves finance users (the
 * Cognito group viewOutcomes) their payment outcomes. Both APIs write access logs to encrypted, year-long
 * log groups.
 *
 * Direct sign-in to the console: a Cognito hosted UI domain (prefix domain unless one is given) and a public
 * app client (no secret) that allows only the authorization code flow — the console adds PKCE. Its callback
 * and sign-out URLs are the console's own URL, which exists only once the console's distribution does, so
 * the console registers it with `bindConsoleSignIn` (resolved lazily at synth). That leaves no cycle: the
 * client references the distribution, and nothing the distribution references (the HTTP API's endpoint, the
 * WebSocket API's id, the hosted UI domain) references the client.
 */
import { type CfnElement, Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigwv1 from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/session/contract';
import type { FormsConfig } from '../../lambdas/shared/session/forms';
import { PUSH_ENV } from '../../lambdas/agent-api/push-sink';
import { AGENT_ENV } from '../../lambdas/agent-api/runtime';
import { TOKEN_RIGHTS } from '../../lambdas/shared/session/forms';
import type { AuditTrail } from './audit-trail';
import { EncryptedLogGroup } from './encrypted-log-group';
import { EncryptedTable } from './encrypted-table';
import { PciFunction } from './pci-function';
import type { SessionTable } from './session-table';
import type { TelephonyChoice } from '../regions';

export interface AgentApiProps {
  /** The checked secure input configuration (forms, workgroups, rights). */
  readonly config: FormsConfig;
  readonly sessions: SessionTable;
  readonly stateMachineArn: string;
  /**
   * Optional - Which telephony carries the calls. With `connect` there is no SIP media application: the API
   * gets no Chime permission and answers a Chime-only request (re-entry on a Chime call) with a clear refusal.
   * @default 'chime'
   */
  readonly telephony?: TelephonyChoice;
  /**
   * Optional - The SIP media application the API updates (re-entry); required unless telephony is `connect`,
   * refused when it is.
   * @default - none (telephony=connect)
   */
  readonly sipMediaApplication?: { readonly id: string; readonly arn: string };
  readonly logsKey: kms.IKey;
  /**
   * Optional - An existing user pool (your identity provider federated into Cognito).
   * @default - a new user pool: no self sign-up, strong passwords, MFA optional (TOTP), deletion protected
   */
  readonly userPool?: cognito.IUserPool;
  /**
   * Optional - Origins allowed to call the API from a browser (the console's CloudFront domain).
   * @default - none (the console reaches the API through its own CloudFront distribution)
   */
  readonly allowedOrigins?: string[];
  /**
   * Optional - Set this account's API Gateway CloudWatch Logs role (account-wide, per region), which WebSocket
   * access logging needs. Turn off when the account already has one. The role and the setting are retained
   * when the stack is deleted, so other APIs of the account keep logging.
   * @default true
   */
  readonly setAccountCloudWatchRole?: boolean;
  /**
   * Optional - The hosted UI's Cognito prefix domain (`https://<prefix>.auth.<region>.amazoncognito.com`):
   * 1-63 lower-case letters, digits and dashes, without "aws", "amazon" or "cognito". Prefixes are unique
   * per region across all AWS accounts.
   * @default `<stack name>-<account>`, lower case, reserved words removed
   */
  readonly cognitoDomainPrefix?: string;
  /**
   * Optional - The hosted UI base URL the given `userPool` already has (`https://auth.example.com` or a
   * prefix domain's URL); no domain is created then (a pool has at most one prefix domain).
   * @default - a Cognito prefix domain is created (see cognitoDomainPrefix)
   */
  readonly hostedUiUrl?: string;
}

export class AgentApiPropsError extends Error {
  public constructor(problems: string[]) {
    super(`AgentApi: ${problems.join('; ')}`);
    this.name = 'AgentApiPropsError';
  }
}

/** What the console needs to sign an agent in through the hosted UI (served to it in /config.json as `signIn`). */
export interface ConsoleSignInSettings {
  readonly mode: 'cognito';
  /** Hosted UI base URL, no trailing slash. */
  readonly domain: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly logoutUri: string;
  readonly scopes: readonly string[];
}

/** The scopes the console asks for: openid gives the id token the API accepts; email and profile its name. */
export const CONSOLE_SCOPES = [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE] as const;
const COGNITO_RESERVED = ['aws', 'amazon', 'cognito'];
const HTTPS_ORIGIN = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** Problems with a Cognito prefix domain (Cognito's own rules); empty when it is fine. Unresolved tokens pass. */
export function cognitoDomainPrefixProblems(prefix: string, name = 'cognitoDomainPrefix'): string[] {
  if (Token.isUnresolved(prefix)) return [];
  const problems: string[] = [];
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix))
    problems.push(`${name} must be 1-63 lower-case letters, digits and dashes, not starting or ending with a dash`);
  if (COGNITO_RESERVED.some((w) => prefix.toLowerCase().includes(w)))
    problems.push(`${name} must not contain ${COGNITO_RESERVED.join(', ')} (reserved by Cognito)`);
  return problems;
}

/** `<stack name>-<account>` as a valid prefix: lower case, reserved words and other characters dropped, at most 63 characters. */
export function defaultCognitoDomainPrefix(stackName: string, account: string): string {
  let name = stackName.toLowerCase();
  for (const word of COGNITO_RESERVED) name = name.split(word).join('');
  name = name
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  const suffix = account.toLowerCase().replace(/[^a-z0-9]/g, '');
  const head = name.slice(0, Math.max(0, 62 - suffix.length)).replace(/-+$/, '');
  return [head, suffix].filter((p) => p !== '').join('-') || 'secure-ivr';
}

/** The access log line of both APIs: who, what, when, result — never bodies or query strings (the token rides in ?token=). */
const ACCESS_LOG_FORMAT = apigwv1.AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    routeKey: '$context.routeKey',
    status: '$context.status',
    connectionId: '$context.connectionId',
    integrationError: '$context.integrationErrorMessage',
    user: '$context.authorizer.principalId',
  }),
);

export class AgentApi extends Construct {
  public readonly httpApi: apigw.HttpApi;
  public readonly webSocketApi: apigw.WebSocketApi;
  public readonly webSocketStage: apigw.WebSocketStage;
  public readonly userPool: cognito.IUserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly configParameter: ssm.StringParameter;
  public readonly connections: EncryptedTable;
  public readonly apiFunction: PciFunction;
  /** Access logs of the HTTP API's $default stage and of the WebSocket API's live stage. */
  public readonly httpAccessLogs: EncryptedLogGroup;
  public readonly webSocketAccessLogs: EncryptedLogGroup;
  /** Set by addOutcomesRoute. */
  public financeFunction?: PciFunction;
  /** The hosted UI prefix domain (absent when `hostedUiUrl` names an existing one). */
  public readonly userPoolDomain?: cognito.UserPoolDomain;
  /** The hosted UI base URL (`https://…`, no trailing slash); the console's CSP allows it for the token request. */
  public readonly hostedUiUrl: string;
  /** Console URLs registered with bindConsoleSignIn: the client's callback and sign-out URLs. */
  private readonly consoleUrls: string[] = [];
  private readonly logsKey: kms.IKey;
  private readonly httpAuthorizer: authorizers.HttpJwtAuthorizer;

  public constructor(scope: Construct, id: string, props: AgentApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;
    this.logsKey = props.logsKey;
    const problems: string[] = [];
    if (props.hostedUiUrl !== undefined && !Token.isUnresolved(props.hostedUiUrl) && !HTTPS_ORIGIN.test(props.hostedUiUrl))
      problems.push('hostedUiUrl must be https://host[:port] with no path');
    if (props.hostedUiUrl !== undefined && props.cognitoDomainPrefix !== undefined) problems.push('give cognitoDomainPrefix or hostedUiUrl, not both');
    if (props.hostedUiUrl === undefined && props.cognitoDomainPrefix === undefined && Token.isUnresolved(stack.account))
      problems.push('cognitoDomainPrefix is required when the stack has no explicit account');
    const domainPrefix = props.cognitoDomainPrefix ?? (Token.isUnresolved(stack.account) ? '' : defaultCognitoDomainPrefix(stack.stackName, stack.account));
    if (props.hostedUiUrl === undefined && domainPrefix !== '') problems.push(...cognitoDomainPrefixProblems(domainPrefix));
    const telephony = props.telephony ?? 'chime';
    if (telephony !== 'connect' && props.sipMediaApplication === undefined)
      problems.push(`sipMediaApplication is required when telephony is ${telephony} (re-entry updates the Chime call)`);
    if (telephony === 'connect' && props.sipMediaApplication !== undefined)
      problems.push('sipMediaApplication must not be given when telephony is connect (the stack has no Chime resource)');
    if (problems.length > 0) throw new AgentApiPropsError(problems);

    this.userPool =
      props.userPool ??
      new cognito.UserPool(this, 'AgentUserPool', {
        selfSignUpEnabled: false,
        signInAliases: { username: true, email: true },
        passwordPolicy: {
          minLength: 14,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
          tempPasswordValidity: Duration.days(3),
        },
        // Every console user signs in with a TOTP app as the second factor; SMS is not offered (review item 10).
        mfa: cognito.Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    if (!props.userPool) {
      // A right a token carries is a user pool group of the same name (cognito:groups); members are added by
      // the administrator. An existing pool brings its own groups.
      for (const right of TOKEN_RIGHTS) {
        new cognito.CfnUserPoolGroup(this, `${right[0]?.toUpperCase()}${right.slice(1)}Group`, {
          userPoolId: this.userPool.userPoolId,
          groupName: right,
          description: 'secure-ivr finance users: read payment outcomes and nothing else',
        });
      }
    }
    if (props.hostedUiUrl === undefined) {
      this.userPoolDomain = new cognito.UserPoolDomain(this, 'HostedUiDomain', { userPool: this.userPool, cognitoDomain: { domainPrefix } });
      this.hostedUiUrl = this.userPoolDomain.baseUrl();
    } else this.hostedUiUrl = props.hostedUiUrl;
    // A public client (a browser page keeps no secret): the code flow only, PKCE added by the console.
    // Callback and sign-out URLs are the bound consoles' URLs, filled in at synth (see bindConsoleSignIn).
    const consoleUrls = Lazy.list({ produce: () => this.consoleUrls });
    this.userPoolClient = new cognito.UserPoolClient(this, 'ConsoleClient', {
      userPool: this.userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [...CONSOLE_SCOPES],
        callbackUrls: consoleUrls,
        logoutUrls: consoleUrls,
      },
      // A token taken from a desktop is good for an hour at most; the console signs in again after that.
      accessTokenValidity: Duration.minutes(60),
      idTokenValidity: Duration.minutes(60),
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.userPoolClient.node.addValidation({
      validate: () =>
        this.consoleUrls.length === 0
          ? ['AgentApi: no console URL is registered for hosted sign-in; the console calls bindConsoleSignIn(url) (AgentConsole does)']
          : [],
    });

    const text = JSON.stringify(props.config);
    this.configParameter = new ssm.StringParameter(this, 'SecureInputConfig', {
      description: 'secure-ivr: secure input forms, workgroups and rights (config/secure-ivr.json, checked at synth)',
      stringValue: text,
      tier: text.length > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
    });

    this.connections = new EncryptedTable(this, 'Connections', { purpose: 'agent WebSocket connections' });

    this.apiFunction = new PciFunction(this, 'AgentApiFunction', {
      entry: 'lambdas/agent-api/http-handler.ts',
      serviceName: 'secure-ivr-agent-api',
      description: 'Agent API: forms, start/cancel/retry/re-enter/end secure sessions, interaction history',
      logsKey: props.logsKey,
      timeout: Duration.seconds(10),
      environment: {
        [ENV.sessionTable]: props.sessions.table.tableName,
        [ENV.stateMachineArn]: props.stateMachineArn,
        ...(props.sipMediaApplication ? { [ENV.smaId]: props.sipMediaApplication.id } : {}),
        // Unset means chime (the runtime's default), which keeps a Chime-only template as it was.
        ...(telephony !== 'chime' ? { [ENV.telephonyAdapters]: telephony } : {}),
        ...(props.allowedOrigins?.[0] ? { [AGENT_ENV.allowedOrigin]: props.allowedOrigins[0] } : {}),
      },
    });
    props.sessions.grantReadWrite(this.apiFunction);
    this.bindConfigReader(this.apiFunction);
    iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });
    // Cancel fails GetKey's task token: only tokens of this state machine, as the IVR's grant is scoped.
    iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['states:SendTaskFailure'], resourceArns: [props.stateMachineArn] });
    if (props.sipMediaApplication)
      iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['chime:UpdateSipMediaApplicationCall'], resourceArns: [props.sipMediaApplication.arn] });

    const issuer = `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.httpAuthorizer = new authorizers.HttpJwtAuthorizer('CognitoJwt', issuer, { jwtAudience: [this.userPoolClient.userPoolClientId] });
    this.httpApi = new apigw.HttpApi(this, 'AgentHttpApi', {
      description: 'secure-ivr agent API',
      // The $default stage is created below, with access logging.
      createDefaultStage: false,
      defaultAuthorizer: this.httpAuthorizer,
      ...(props.allowedOrigins && props.allowedOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: props.allowedOrigins,
              allowHeaders: ['authorization', 'content-type'],
              allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.httpApi.addRoutes({
      path: '/api/{proxy+}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration: new integrations.HttpLambdaIntegration('AgentApiIntegration', this.apiFunction),
    });
    this.httpAccessLogs = new EncryptedLogGroup(this, 'HttpAccessLogs', { encryptionKey: props.logsKey });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.httpAccessLogs.logGroup), format: ACCESS_LOG_FORMAT },
    });

    const wsFunction = new PciFunction(this, 'AgentSocketFunction', {
      entry: 'lambdas/agent-api/ws-handler.ts',
      serviceName: 'secure-ivr-agent-ws',
      description: 'Agent WebSocket: keeps the agent\u2019s connection ids for progress pushes',
      logsKey: props.logsKey,
      environment: { [PUSH_ENV.connectionsTable]: this.connections.table.tableName },
    });
    this.connections.grantItemActions(wsFunction, ['dynamodb:UpdateItem']);
    const authorizerFunction = new PciFunction(this, 'AgentSocketAuthorizerFunction', {
      entry: 'lambdas/agent-api/ws-authorizer.ts',
      serviceName: 'secure-ivr-agent-ws-authorizer',
      description: 'Agent WebSocket $connect authorizer: verifies the Cognito token',
      logsKey: props.logsKey,
      environment: { [AGENT_ENV.userPoolId]: this.userPool.userPoolId, [AGENT_ENV.userPoolClientIds]: this.userPoolClient.userPoolClientId },
    });
    const socketIntegration = new integrations.WebSocketLambdaIntegration('AgentSocketIntegration', wsFunction);
    this.webSocketApi = new apigw.WebSocketApi(this, 'AgentWebSocketApi', {
      description: 'secure-ivr agent progress pushes',
      connectRouteOptions: {
        integration: socketIntegration,
        authorizer: new authorizers.WebSocketLambdaAuthorizer('CognitoTokenAuthorizer', authorizerFunction, {
          identitySource: ['route.request.querystring.token'],
        }),
      },
      disconnectRouteOptions: { integration: socketIntegration },
      defaultRouteOptions: { integration: socketIntegration },
    });
    this.webSocketAccessLogs = new EncryptedLogGroup(this, 'WebSocketAccessLogs', { encryptionKey: props.logsKey });
    this.webSocketStage = new apigw.WebSocketStage(this, 'LiveStage', {
      webSocketApi: this.webSocketApi,
      stageName: 'live',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.webSocketAccessLogs.logGroup), format: ACCESS_LOG_FORMAT },
    });
    if (props.setAccountCloudWatchRole !== false) this.setAccountCloudWatchRole();

    Validations.of(this.apiFunction).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'P10: X-Ray tracing permissions have no resource-level scope.',
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason: 'P24: The HTTP API has a JWT authorizer on every route; the WebSocket authorizes $connect (the only route that opens a connection).',
      },
      {
        id: 'AwsSolutions-COG2',
        reason: 'P24: MFA is optional in the default pool so a contact center can enforce it through its federated identity provider.',
      },
      { id: 'AwsSolutions-COG8', reason: 'P24: the Cognito Plus feature plan (threat protection) is a per-deployment, paid choice.' },
      { id: 'AwsSolutions-COG3', reason: 'P24: Cognito threat protection is a paid feature chosen per deployment.' },
      { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P10: one least-privilege inline policy per function role.' },
    );
  }

  /**
   * WebSocket access logging needs the account's API Gateway CloudWatch role (HTTP APIs do not). This is
   * what CDK's RestApi does by default: AWS's managed push-to-logs policy on a role API Gateway assumes.
   */
  private setAccountCloudWatchRole(): void {
    const role = new iam.Role(this, 'ApiGatewayCloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'secure-ivr: lets API Gateway write access logs to CloudWatch Logs (account setting)',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const account = new apigwv1.CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.webSocketStage.node.addDependency(account);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'P18: the account-wide API Gateway logging role must be able to write any API’s log groups; only API Gateway can assume it and it holds no data access.',
    });
  }

  /** Lets a function read the secure input configuration: sets its parameter name and grants GetParameter on exactly that parameter. */
  public bindConfigReader(fn: lambda.Function): void {
    fn.addEnvironment(ENV.secureInputConfigParameter, this.configParameter.parameterName);
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['ssm:GetParameter'], resourceArns: [this.configParameter.parameterArn] });
  }

  /**
   * Serves GET /api/outcomes to finance users (a token in the viewOutcomes group) from a function of its
   * own that may read the outcome records and nothing else; agents get 403 there.
   */
  public addOutcomesRoute(audit: AuditTrail): PciFunction {
    const fn = new PciFunction(this, 'FinanceApiFunction', {
      entry: 'lambdas/audit/finance-handler.ts',
      serviceName: 'secure-ivr-finance-api',
      description: 'Finance API: payment outcomes for finance users (viewOutcomes), nothing else',
      logsKey: this.logsKey,
    });
    audit.grantOutcomeRead(fn);
    this.httpApi.addRoutes({
      path: '/api/outcomes',
      methods: [apigw.HttpMethod.GET],
      integration: new integrations.HttpLambdaIntegration('FinanceApiIntegration', fn),
    });
    this.financeFunction = fn;
    return fn;
  }

  /**
   * Registers a console URL (`https://<distribution domain>/console/`) as the app client's callback and
   * sign-out URL, and returns what that console needs to sign agents in (its /config.json `signIn`).
   */
  public bindConsoleSignIn(consoleUrl: string): ConsoleSignInSettings {
    if (!Token.isUnresolved(consoleUrl) && !/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[^\s#?]*$/.test(consoleUrl))
      throw new AgentApiPropsError(['the console URL must be an https:// URL without query or fragment']);
    this.consoleUrls.push(consoleUrl);
    return {
      mode: 'cognito',
      domain: this.hostedUiUrl,
      clientId: this.userPoolClient.userPoolClientId,
      redirectUri: consoleUrl,
      logoutUri: consoleUrl,
      scopes: CONSOLE_SCOPES.map((s) => s.scopeName),
    };
  }

  /** URL the console opens for pushes (wss://…/live). */
  public get webSocketUrl(): string {
    return this.webSocketStage.url;
  }

  /** Lets a session function (SMA handler, stages) push progress to agents' WebSockets. */
  public bindPushSink(fn: lambda.Function, sessions: SessionTable): void {
    fn.addEnvironment(PUSH_ENV.target, 'websocket');
    fn.addEnvironment(PUSH_ENV.connectionsTable, this.connections.table.tableName);
    fn.addEnvironment(PUSH_ENV.managementEndpoint, this.webSocketStage.callbackUrl);
    fn.addEnvironment(PUSH_ENV.sessionTable, sessions.table.tableName);
    // The sink reads a session's agent to know whose connections to push to.
    sessions.grantRead(fn);
    const stack = Stack.of(this);
    const apiId = stack.getLogicalId(this.webSocketApi.node.defaultChild as CfnElement);
    Validations.of(fn.role ?? fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${stack.partition === 'aws' || Token.isUnresolved(stack.partition) ? 'aws' : stack.partition}:execute-api:${stack.region}:${stack.account}:<${apiId}>/live/*/@connections/*]`,
      reason: 'P10: PostToConnection on this WebSocket API’s live stage; connection ids are only known at run time.',
    });
    this.connections.grantItemActions(fn, ['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    this.webSocketStage.grantManagementApiAccess(fn);
  }
}
