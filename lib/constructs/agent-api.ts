/**
 * The agent API: an HTTP API (JWT authorizer on a Cognito user pool, created here unless one is given)
 * serving lambdas/agent-api/http-handler.ts, and a WebSocket API whose $connect is guarded by a Lambda
 * authorizer verifying the same Cognito tokens. The secure input configuration (forms, workgroups,
 * rights) is an SSM parameter the API loads at start. `bindPushSink` lets a session function push
 * progress to agents' WebSockets.
 */
import { CfnElement, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
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
import { EncryptedTable } from './encrypted-table';
import { PciFunction } from './pci-function';
import type { SessionTable } from './session-table';

export interface AgentApiProps {
  /** The checked secure input configuration (forms, workgroups, rights). */
  readonly config: FormsConfig;
  readonly sessions: SessionTable;
  readonly stateMachineArn: string;
  readonly sipMediaApplicationId: string;
  readonly sipMediaApplicationArn: string;
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
}

export class AgentApi extends Construct {
  public readonly httpApi: apigw.HttpApi;
  public readonly webSocketApi: apigw.WebSocketApi;
  public readonly webSocketStage: apigw.WebSocketStage;
  public readonly userPool: cognito.IUserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly configParameter: ssm.StringParameter;
  public readonly connections: EncryptedTable;
  public readonly apiFunction: PciFunction;

  public constructor(scope: Construct, id: string, props: AgentApiProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    this.userPool =
      props.userPool ??
      new cognito.UserPool(this, 'AgentUserPool', {
        selfSignUpEnabled: false,
        signInAliases: { username: true, email: true },
        passwordPolicy: { minLength: 14, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
        mfa: cognito.Mfa.OPTIONAL,
        mfaSecondFactor: { otp: true, sms: false },
        accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.userPoolClient = new cognito.UserPoolClient(this, 'ConsoleClient', {
      userPool: this.userPool,
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: { flows: { authorizationCodeGrant: true }, scopes: [cognito.OAuthScope.OPENID] },
      accessTokenValidity: Duration.hours(8),
      idTokenValidity: Duration.hours(8),
      preventUserExistenceErrors: true,
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
        [ENV.smaId]: props.sipMediaApplicationId,
        [AGENT_ENV.configParameter]: this.configParameter.parameterName,
        ...(props.allowedOrigins?.[0] ? { [AGENT_ENV.allowedOrigin]: props.allowedOrigins[0] } : {}),
      },
    });
    props.sessions.grantReadWrite(this.apiFunction);
    this.configParameter.grantRead(this.apiFunction);
    iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });
    // Cancel fails GetKey's task token; SendTaskFailure has no resource-level permission.
    iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['states:SendTaskFailure'], resourceArns: ['*'] });
    iam.Grant.addToPrincipal({ grantee: this.apiFunction, actions: ['chime:UpdateSipMediaApplicationCall'], resourceArns: [props.sipMediaApplicationArn] });

    const issuer = `https://cognito-idp.${region}.amazonaws.com/${this.userPool.userPoolId}`;
    this.httpApi = new apigw.HttpApi(this, 'AgentHttpApi', {
      description: 'secure-ivr agent API',
      createDefaultStage: true,
      defaultAuthorizer: new authorizers.HttpJwtAuthorizer('CognitoJwt', issuer, { jwtAudience: [this.userPoolClient.userPoolClientId] }),
      ...(props.allowedOrigins && props.allowedOrigins.length > 0
        ? { corsPreflight: { allowOrigins: props.allowedOrigins, allowHeaders: ['authorization', 'content-type'], allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST], maxAge: Duration.hours(1) } }
        : {}),
    });
    this.httpApi.addRoutes({ path: '/api/{proxy+}', methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST], integration: new integrations.HttpLambdaIntegration('AgentApiIntegration', this.apiFunction) });

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
        authorizer: new authorizers.WebSocketLambdaAuthorizer('CognitoTokenAuthorizer', authorizerFunction, { identitySource: ['route.request.querystring.token'] }),
      },
      disconnectRouteOptions: { integration: socketIntegration },
      defaultRouteOptions: { integration: socketIntegration },
    });
    this.webSocketStage = new apigw.WebSocketStage(this, 'LiveStage', { webSocketApi: this.webSocketApi, stageName: 'live', autoDeploy: true });

    Validations.of(this.apiFunction).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'P10: states:SendTaskFailure (cancel) has no resource-level permission; xray likewise.',
    });
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-APIG1', reason: 'P18: API Gateway access logging is a deployment choice (log group retention and KMS); function logs record every request with the route and agent.' },
      { id: 'AwsSolutions-APIG4', reason: 'P24: The HTTP API has a JWT authorizer on every route; the WebSocket authorizes $connect (the only route that opens a connection).' },
      { id: 'AwsSolutions-COG2', reason: 'P24: MFA is optional in the default pool so a contact center can enforce it through its federated identity provider.' },
      { id: 'AwsSolutions-COG8', reason: 'P24: the Cognito Plus feature plan (threat protection) is a per-deployment, paid choice.' },
      { id: 'AwsSolutions-COG3', reason: 'P24: Cognito threat protection is a paid feature chosen per deployment.' },
      { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P10: one least-privilege inline policy per function role.' },
    );
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
