/**
 * The secure-ivr stack: wires the card vault, session table, the telephony adapters (with telephony=chime|both
 * the SMA, its handler and the recordings bucket; with connect|both secure input on the Amazon Connect
 * instance; telephony=connect synthesizes no Chime resource at all), the session task functions and state machine, the alarms, the audit trail, and the agent experience:
 * the agent API (HTTP + WebSocket, Cognito JWT), the finance outcomes route and the console on CloudFront. Resources and their secure defaults are
 * decided in lib/constructs; this file only connects them and grants each function what it needs (P10).
 */
import { Annotations, ArnFormat, type CfnElement, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/session/contract';
import { AgentApi } from '../constructs/agent-api';
import { AgentConsole } from '../constructs/agent-console';
import { AuditTrail } from '../constructs/audit-trail';
import { RedactionService } from '../constructs/redaction-service';
import { CardVault } from '../constructs/card-vault';
import { LogsKey } from '../constructs/logs-key';
import { OperationsDashboard } from '../constructs/operations-dashboard';
import { PciFunction } from '../constructs/pci-function';
import { SecureBucket } from '../constructs/secure-bucket';
import { SessionAlarms } from '../constructs/session-alarms';
import { type SessionHandlerRole, SessionStateMachine } from '../constructs/session-state-machine';
import { SessionTable } from '../constructs/session-table';
import { ReferenceValidationService } from '../constructs/validation-service';
import { ValidatorTrust } from '../constructs/validator-trust';
import { CHIME_VOICE_PRINCIPAL, SipMediaApplication } from '../constructs/sip-media-application';
import { ConnectSecureInput } from '../constructs/connect-secure-input';
import type { SecureIvrConfig } from '../stack-config';

/** S3 key prefix the SMA handler gives Chime for call recordings. */
export const RECORDING_PREFIX = 'recordings/';

/** The Chime SMA adapter's resources (telephony=chime|both). */
interface ChimeAdapter {
  readonly recordings: SecureBucket;
  readonly handler: PciFunction;
  readonly sma: SipMediaApplication;
}

export interface SecureIvrStackProps extends Omit<StackProps, 'env'> {
  /** Checked settings (see readStackConfig); account and region become the stack's explicit env. */
  readonly config: SecureIvrConfig;
}

export class SecureIvrStack extends Stack {
  public readonly vault: CardVault;
  public readonly sessions: SessionTable;
  /** Only with telephony=chime|both: where Chime writes call recordings. */
  public readonly recordings?: SecureBucket;
  /** Only with telephony=chime|both. */
  public readonly smaHandler?: PciFunction;
  /** Only with telephony=chime|both. */
  public readonly sipMediaApplication?: SipMediaApplication;
  public readonly session: SessionStateMachine;
  public readonly functions: Readonly<Record<SessionHandlerRole, PciFunction>>;
  public readonly alarms: SessionAlarms;
  /** Hash-chained audit events and finance outcomes (Object Lock), with Glue/Athena and reader roles. */
  public readonly audit: AuditTrail;
  /** Card-number redaction for chat and email pipelines (EventBridge and an IAM-authenticated URL). */
  public readonly redaction: RedactionService;
  /** The agent API (HTTP + WebSocket) and the finance outcomes route. */
  public readonly agentApi: AgentApi;
  /** The agent console (and finance page) on S3 + CloudFront. */
  public readonly agentConsole: AgentConsole;
  /** Sessions, outcomes, capture time, validation latency, audit writes and the alarms on one page. */
  public readonly dashboard: OperationsDashboard;
  /** Only with context deployReferenceService=true. */
  public readonly referenceService?: ReferenceValidationService;
  /** Only with context telephony=connect|both: secure input on the Amazon Connect instance. */
  public readonly connect?: ConnectSecureInput;

  public constructor(scope: Construct, id: string, props: SecureIvrStackProps) {
    const { config } = props;
    super(scope, id, { ...props, env: { account: config.account, region: config.region } });
    if (config.placeholderAccount) {
      // Offline synth: the account is baked into names (console bucket, Cognito domain, ARNs). Say so.
      Annotations.of(this).addWarningV2(
        'secure-ivr:placeholderAccount',
        `No AWS account was given (no credentials, no -c account=…): the placeholder account ${config.account} is baked into resource names and ARNs. This template is for review only; deploy with credentials for the target account (npx cdk deploy), or synth with -c account=<12 digits>.`,
      );
    }

    const logsKey = new LogsKey(this, 'LogsKey').key;
    this.sessions = new SessionTable(this, 'SessionTable');
    this.vault = new CardVault(this, 'CardVault');
    // A fixed name lets the SMA handler's task-token grant name the ARN without a reference (breaks a cycle:
    // state machine → GetKey → SMA → SMA handler → its policy → state machine).
    const stateMachineName = `${this.stackName}-Session`;
    const captureTimeout = Duration.minutes(config.captureTimeoutMinutes);
    const sessionTable = { [ENV.sessionTable]: this.sessions.table.tableName };

    const chime = config.telephony === 'connect' ? undefined : this.addChime(config, captureTimeout, logsKey);
    this.recordings = chime?.recordings;
    this.smaHandler = chime?.handler;
    this.sipMediaApplication = chime?.sma;
    const smaId: Record<string, string> = chime ? { [ENV.smaId]: chime.sma.smaId } : {};

    const task = (name: string, entry: string, environment: Record<string, string>, timeout = Duration.seconds(10)): PciFunction =>
      new PciFunction(this, name, { entry, serviceName: `secure-ivr-${entry.split('/').slice(-2, -1)[0]}`, logsKey, environment, timeout });
    // Begin reads the secure input configuration from the agent API's SSM parameter (bindConfigReader below).
    const begin = task('BeginFunction', 'lambdas/session/begin/handler.ts', { ...sessionTable });
    const getKey = task('GetKeyFunction', 'lambdas/session/get-key/handler.ts', { ...sessionTable, ...smaId });
    const insert = task('InsertFunction', 'lambdas/session/info-insert/handler.ts', { [ENV.vaultTable]: this.vault.table.tableName });
    // Opt-in: a merchant normally points the validator at their own service. Without a validationUrl the
    // validator uses the reference service and signs its requests for the IAM-authenticated URL.
    this.referenceService = config.deployReferenceService
      ? new ReferenceValidationService(this, 'ReferenceValidationService', {
          logsKey,
          cardFieldNames: config.cardFieldNames,
          reservedConcurrentExecutions: config.referenceServiceConcurrency,
          gateway: config.gateway,
          gatewaySecretName: config.gatewaySecretName,
          gatewayTestMode: config.gatewayTestMode,
        })
      : undefined;
    const useReference = config.validationUrl === undefined && this.referenceService !== undefined;
    const validatorTrust = new ValidatorTrust(this, 'ValidatorTrust', {
      caSecretArn: config.validationCaSecretArn,
      caParameterName: config.validationCaParameter,
      clientCertSecretArn: config.validationClientCertSecretArn,
      encryptionKeyArn: config.validationSecretsKeyArn,
    });
    const validate = task(
      'ValidatorFunction',
      'lambdas/session/validate/handler.ts',
      {
        [ENV.validationUrl]: config.validationUrl ?? this.referenceService?.url ?? '',
        ...validatorTrust.environment,
        ...(useReference ? { VALIDATION_AUTH: 'aws-iam' } : {}),
        [ENV.vaultTable]: this.vault.table.tableName,
        [ENV.vaultKeyArn]: this.vault.key.keyArn,
        [ENV.cardFieldNames]: JSON.stringify(config.cardFieldNames),
      },
      Duration.seconds(30),
    );
    const endEnv = { ...sessionTable, [ENV.vaultTable]: this.vault.table.tableName, ...smaId };
    const end = task('EndFunction', 'lambdas/session/end/handler.ts', endEnv);
    const abort = task('AbortFunction', 'lambdas/session/abort/handler.ts', endEnv);
    this.functions = { begin, getKey, insert, validate, end, abort };

    for (const fn of [begin, getKey, end, abort]) this.sessions.grantReadWrite(fn);
    this.vault.grantAttach(insert);
    this.vault.grantOpen(validate);
    validatorTrust.grantRead(validate);
    if (useReference) this.referenceService?.grantInvoke(validate);
    for (const fn of [end, abort]) this.vault.grantDestroy(fn);
    this.audit = new AuditTrail(this, 'AuditTrail', { retentionDays: config.auditRetentionDays, logsKey });
    // The functions that append session events (and push the agent's progress): the SMA handler only with Chime.
    const sessionWriters = [...(chime ? [chime.handler] : []), begin, getKey, insert, end, abort];
    for (const fn of sessionWriters) this.audit.grantAppend(fn);
    for (const fn of [end, abort]) this.audit.grantOutcomeWrite(fn);
    if (chime) {
      for (const fn of [getKey, end, abort]) {
        iam.Grant.addToPrincipal({ grantee: fn, actions: ['chime:UpdateSipMediaApplicationCall'], resourceArns: [chime.sma.smaArn] });
      }
    }

    this.session = new SessionStateMachine(this, 'Session', { functions: this.functions, logsKey, captureTimeout, stateMachineName });
    if (chime) {
      this.session.grantTaskResponse(chime.handler);
      this.allowChimeRecordings(chime.recordings, chime.sma);
    }
    this.grantAuditorQueries();

    this.agentApi = new AgentApi(this, 'AgentApi', {
      config: config.forms,
      sessions: this.sessions,
      // By name, like the SMA handler's grant: the API is wired before and apart from the state machine.
      stateMachineArn: this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      ...(chime ? { sipMediaApplication: { id: chime.sma.smaId, arn: chime.sma.smaArn } } : {}),
      telephony: config.telephony,
      logsKey,
      setAccountCloudWatchRole: config.apiGatewayAccountRole,
      cognitoDomainPrefix: config.cognitoDomainPrefix,
    });
    this.agentApi.bindConfigReader(begin);
    // Every function that emits session events pushes the agent's live, masked progress.
    for (const fn of sessionWriters) this.agentApi.bindPushSink(fn, this.sessions);
    this.agentApi.addOutcomesRoute(this.audit);
    this.agentConsole = new AgentConsole(this, 'AgentConsole', { api: this.agentApi, logsKey, embeddingOrigins: [...config.consoleEmbeddingOrigins] });

    // Redaction audit objects (counts and rule ids only) join the tamper-evident trail.
    this.redaction = new RedactionService(this, 'Redaction', {
      logsKey,
      auditBucket: this.audit.bucket,
      grantAuditWrite: (grantee, prefix) =>
        this.audit.grantPrefixWrite(
          grantee,
          prefix,
          'P16, P20: the redaction function may only put new records (counts and rule ids, never matched text) under redaction-audit/; one key per redaction, so the prefix needs a wildcard.',
        ),
    });

    // Connect before the alarms: its flow functions join the function-error, vault-key and audit-write alarms.
    if (config.connect) this.connect = this.addConnect(config, stateMachineName, captureTimeout, logsKey, [getKey, end, abort]);
    const connectFunctions: Record<string, PciFunction> = this.connect
      ? {
          ConnectClaim: this.connect.claimFunction,
          ConnectCapture: this.connect.captureFunction,
          ConnectStatus: this.connect.statusFunction,
          ConnectContactEvents: this.connect.contactEventsFunction,
        }
      : {};
    const auditWriters = [...sessionWriters, ...Object.values(connectFunctions)];

    this.alarms = new SessionAlarms(this, 'Alarms', {
      stateMachine: this.session.stateMachine,
      functions: {
        ...(chime ? { SmaHandler: chime.handler } : {}),
        Begin: begin,
        GetKey: getKey,
        Insert: insert,
        Validator: validate,
        End: end,
        Abort: abort,
        ...connectFunctions,
      },
      ...(chime ? { smaLogGroup: chime.handler.functionLogGroup } : {}),
      ...(this.connect ? { connectCaptureLogGroup: this.connect.captureFunction.functionLogGroup } : {}),
      auditWriterLogGroups: auditWriters.map((fn) => fn.functionLogGroup),
    });
    this.connect?.addAlarmTopic(this.alarms.topic);

    this.dashboard = new OperationsDashboard(this, 'Operations', {
      services: {
        begin: begin.serviceName,
        ...(chime ? { sma: chime.handler.serviceName } : {}),
        validate: validate.serviceName,
        outcomes: [end.serviceName, abort.serviceName],
        auditWriters: auditWriters.map((fn) => fn.serviceName),
      },
      alarms: this.alarms.alarms,
    });

    if (chime) new CfnOutput(this, 'SipMediaApplicationId', { value: chime.sma.smaId, description: 'Target of the SIP rule for the IVR phone number' });
    new CfnOutput(this, 'StateMachineArn', { value: this.session.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RedactionUrl', {
      value: this.redaction.functionUrl.url,
      description: 'Synchronous redaction route (IAM auth); EventBridge: source secure-ivr.redaction',
    });
    new CfnOutput(this, 'OperationsDashboardName', {
      value: this.dashboard.dashboard.dashboardName,
      description: 'CloudWatch dashboard: sessions, outcomes, capture time, validation latency, audit writes, alarms',
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Subscribe operations to security-control alarms' });
    if (chime) new CfnOutput(this, 'RecordingBucketName', { value: chime.recordings.bucket.bucketName });
    new CfnOutput(this, 'AuditBucketName', {
      value: this.audit.bucket.bucketName,
      description: 'secure-ivr audit pull|verify --bucket / secure-ivr outcomes --bucket',
    });
    new CfnOutput(this, 'AuditChainTableName', { value: this.audit.chainTable.tableName, description: 'secure-ivr audit verify --chain-table' });
    new CfnOutput(this, 'FinanceRoleArn', { value: this.audit.financeRole.roleArn, description: 'Assume to read payment outcomes (and nothing else)' });
    new CfnOutput(this, 'AuditorRoleArn', { value: this.audit.auditorRole.roleArn, description: 'Assume to pull, verify and query the audit trail' });
    new CfnOutput(this, 'AuditWorkGroup', { value: this.audit.workGroup.name });
    new CfnOutput(this, 'AgentConsoleUrl', {
      value: this.agentConsole.consoleUrl,
      description: 'The agent console (embed with ?embedded=1; opened directly, agents sign in on the hosted UI); the finance page is /finance/index.html',
    });
    new CfnOutput(this, 'AgentSignInUrl', {
      value: this.agentApi.hostedUiUrl,
      description: 'Cognito hosted UI where agents sign in to the console (authorization code + PKCE)',
    });
    new CfnOutput(this, 'AgentUserPoolId', {
      value: this.agentApi.userPool.userPoolId,
      description: 'Add agents here; finance users also to the viewOutcomes group',
    });
    new CfnOutput(this, 'AgentUserPoolClientId', { value: this.agentApi.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'AgentWebSocketUrl', { value: this.agentApi.webSocketUrl });
    if (this.referenceService) {
      new CfnOutput(this, 'ReferenceValidationServiceUrl', {
        value: this.referenceService.url,
        description: 'Reference validation service (test cards only; IAM auth, SigV4 service lambda)',
      });
    }
  }

  /**
   * The Chime SMA adapter (telephony=chime|both): the recordings bucket Chime writes to, the SMA handler (it
   * seals card fields into the vault) and the SIP media application with its SIP rule.
   */
  private addChime(config: SecureIvrConfig, captureTimeout: Duration, logsKey: kms.IKey): ChimeAdapter {
    const recordings = new SecureBucket(this, 'Recordings', { purpose: 'call recordings', retentionDays: config.recordingRetentionDays });
    const handler = new PciFunction(this, 'SmaHandlerFunction', {
      entry: 'lambdas/telephony/chime-sma/handler.ts',
      serviceName: 'secure-ivr-sma',
      description: 'Chime SDK SMA handler: drives the IVR and seals card fields into the vault',
      logsKey,
      // Chime retries after 5 s and drops the call at 20 s.
      timeout: Duration.seconds(5),
      memorySize: 512,
      environment: {
        [ENV.sessionTable]: this.sessions.table.tableName,
        [ENV.vaultTable]: this.vault.table.tableName,
        [ENV.vaultKeyArn]: this.vault.key.keyArn,
        // The vault item outlives the longest capture plus validation; End/Abort delete it much sooner.
        [ENV.vaultTtlSeconds]: String(captureTimeout.toSeconds() + 300),
        [ENV.agentEndpointType]: config.agentEndpointType,
        [ENV.agentEndpointUri]: config.agentEndpointUri,
        ...(config.agentVoiceConnectorArn ? { [ENV.agentVoiceConnectorArn]: config.agentVoiceConnectorArn } : {}),
        ...(config.callerIdNumber ? { [ENV.callerIdNumber]: config.callerIdNumber } : {}),
        [ENV.recordingBucket]: recordings.bucket.bucketName,
        [ENV.recordingPrefix]: RECORDING_PREFIX,
      },
    });
    this.sessions.grantReadWrite(handler);
    this.vault.grantSeal(handler);
    const sma = new SipMediaApplication(this, 'SipMediaApplication', {
      handler,
      name: `${this.stackName}-secure-ivr`,
      phoneNumber: config.phoneNumber,
      logsKey,
    });
    return { recordings, handler, sma };
  }

  /** Secure input on the Connect instance: its own construct, wired to the same session, vault, audit and console. */
  private addConnect(
    config: SecureIvrConfig,
    stateMachineName: string,
    captureTimeout: Duration,
    logsKey: kms.IKey,
    telephonyStages: PciFunction[],
  ): ConnectSecureInput {
    const connect = config.connect as NonNullable<SecureIvrConfig['connect']>;
    const secureInput = new ConnectSecureInput(this, 'ConnectSecureInput', {
      instanceArn: connect.instanceArn,
      forms: config.forms,
      agentQueues: connect.agentQueues,
      sessions: this.sessions,
      vault: this.vault,
      stateMachineArn: this.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      grantTaskResponse: (fn) => this.session.grantTaskResponse(fn),
      logsKey,
      vaultTtlSeconds: captureTimeout.toSeconds() + 300,
      consoleUrl: this.agentConsole.consoleUrl,
      flowKeyGeneration: connect.flowKeyGeneration,
      flowKeyValidDays: connect.flowKeyValidDays,
      flowKeyAlarmDays: connect.flowKeyAlarmDays,
      defaultLanguage: config.language,
    });
    this.agentApi.bindConfigReader(secureInput.claimFunction);
    for (const fn of [...secureInput.flowFunctions, secureInput.contactEventsFunction]) {
      this.audit.grantAppend(fn);
      this.agentApi.bindPushSink(fn, this.sessions);
    }
    // The stages pick the adapter per session from its call id.
    for (const fn of telephonyStages) fn.addEnvironment(ENV.telephonyAdapters, config.telephony);
    new CfnOutput(this, 'ConnectSecureInputFlowArn', {
      value: secureInput.contactFlow.attrContactFlowArn,
      description: 'The QUEUE_TRANSFER flow behind the Secure Input quick connect',
    });
    new CfnOutput(this, 'ConnectQuickConnectArn', {
      value: secureInput.quickConnect.attrQuickConnectArn,
      description: 'Secure Input quick connect (agents transfer the caller with it)',
    });
    return secureInput;
  }

  /**
   * What `secure-ivr audit verify --chain-table` and Athena need beyond the trail's own reader grants: the
   * chain-head table is encrypted with the audit key (DynamoDB decrypts with the caller's permission), and
   * Athena writes SSE-KMS query results with the caller's permission (GenerateDataKey) and reads the source
   * bucket's location. Both key uses are held to the two services.
   */
  private grantAuditorQueries(): void {
    const region = this.region;
    const policy = new iam.ManagedPolicy(this, 'AuditorKeyAndAthenaPolicy', {
      description: 'secure-ivr compliance: audit key through DynamoDB (chain heads) and S3 (Athena results)',
      roles: [this.audit.auditorRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadChainHeadsAndResultsWithTheAuditKey',
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: [this.audit.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': [`dynamodb.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`] } },
        }),
        new iam.PolicyStatement({
          sid: 'WriteAthenaResultsWithTheAuditKey',
          actions: ['kms:GenerateDataKey'],
          resources: [this.audit.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
        new iam.PolicyStatement({ sid: 'AthenaReadsTheTrailBucketLocation', actions: ['s3:GetBucketLocation'], resources: [this.audit.bucket.bucketArn] }),
        new iam.PolicyStatement({
          sid: 'AthenaMultipartResults',
          actions: ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads'],
          resources: [this.audit.queryResultsBucket.bucketArn, this.audit.queryResultsBucket.arnForObjects('results/*')],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.audit.queryResultsBucket.node.defaultChild as CfnElement)}.Arn>/results/*]`,
      reason: 'P20: Athena\u2019s multipart writes of query results, under results/ in the dedicated results bucket only.',
    });
  }

  /**
   * Chime writes call recordings itself, so its service principal needs PutObject on the recordings prefix and
   * use of the bucket key, both only for this account and (bucket) this SMA. The key policy cannot name the
   * SMA ARN without a cycle (key → SMA → handler → bucket → key), so it allows any SMA of this account and
   * region; the bucket policy, which is checked on every write, names the exact SMA.
   */
  private allowChimeRecordings(recordings: SecureBucket, sma: SipMediaApplication): void {
    const chime = new iam.ServicePrincipal(CHIME_VOICE_PRINCIPAL);
    recordings.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowChimeRecordingsFromThisSma',
        principals: [chime],
        actions: ['s3:PutObject', 's3:PutObjectAcl'],
        resources: [recordings.bucket.arnForObjects(`${RECORDING_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': sma.smaArn } },
      }),
    );
    recordings.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowChimeRecordingEncryptionForThisAccountsSmas',
        principals: [chime],
        // Decrypt: S3 multipart uploads (how a long recording arrives) read back the data key of each part.
        actions: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'chime', resource: 'sma', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME }) },
        },
      }),
    );
  }
}
