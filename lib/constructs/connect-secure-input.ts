/**
 * Secure input on an existing Amazon Connect instance (never created or deleted here): the flow's three
 * functions (claim, capture, status) with their Lambda integrations and invoke permissions limited to the
 * instance; 24/7 hours of operation and a secure-input queue; the QUEUE_TRANSFER flow built from the forms;
 * the "Secure Input" quick connect, shown in the agents' queues by a custom resource; the flow security
 * key (key pair and certificate made by a custom resource, the private key in a secret only the capture
 * function may read, rotation through the instance's second key slot, an alarm before the certificate
 * expires); and the agent console as an agent-workspace third-party application.
 */
import { CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as appintegrations from 'aws-cdk-lib/aws-appintegrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as connect from 'aws-cdk-lib/aws-connect';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/session/contract';
import type { FormsConfig } from '../../lambdas/shared/session/forms';
import { CONNECT_ENV } from '../../lambdas/telephony/connect/contract';
import { METRIC_NAME, METRIC_NAMESPACE } from '../../lambdas/telephony/connect/provisioning/flow-key-expiry';
import { flowContent, MAX_FLOW_CONTENT_CHARS } from '../connect/flow-language';
import { buildSecureInputFlow } from '../connect/secure-input-flow';
import type { CardVault } from './card-vault';
import { PciFunction } from './pci-function';
import type { SessionTable } from './session-table';

export interface ConnectSecureInputProps {
  /** The existing instance (arn:aws:connect:<region>:<account>:instance/<id>). */
  readonly instanceArn: string;
  /** The forms the flow offers (voice, language, time limits per form). */
  readonly forms: FormsConfig;
  /**
   * Queues (ARNs or ids) whose agents get the Secure Input quick connect.
   * @default - none: associate the quick connect in the Connect admin website
   */
  readonly agentQueues?: readonly string[];
  readonly sessions: SessionTable;
  readonly vault: CardVault;
  /** The session state machine's ARN (by name: the flow functions are wired apart from it). */
  readonly stateMachineArn: string;
  /** Grants SendTaskSuccess/SendTaskFailure on the session's task tokens. */
  readonly grantTaskResponse: (fn: iam.IGrantable) => void;
  readonly logsKey: kms.IKey;
  /** Seconds the vault item may outlive its session (TTL backstop). */
  readonly vaultTtlSeconds: number;
  /** The agent console's URL, registered as an agent-workspace application. */
  readonly consoleUrl: string;
  /**
   * Raise to rotate the flow key (a new key pair in the instance's second key slot).
   * @default 1
   */
  readonly flowKeyGeneration?: number;
  /** @default 365 */
  readonly flowKeyValidDays?: number;
  /** @default 30 */
  readonly flowKeyAlarmDays?: number;
  /** Language of what the flow says before a form is known. @default the first form's language */
  readonly defaultLanguage?: string;
}

/** Placeholders as long as the longest real values, for the synth-time Content length check. */
const LONGEST = { arn: 'a'.repeat(160), keyId: 'k'.repeat(64), certificate: 'c'.repeat(2600) };

export class ConnectSecureInput extends Construct {
  public readonly claimFunction: PciFunction;
  public readonly captureFunction: PciFunction;
  public readonly statusFunction: PciFunction;
  /** The flow key's private key (JSON); only the capture function may read it. */
  public readonly flowKeySecret: secretsmanager.Secret;
  public readonly flowKey: CustomResource;
  public readonly contactFlow: connect.CfnContactFlow;
  public readonly queue: connect.CfnQueue;
  public readonly quickConnect: connect.CfnQuickConnect;
  public readonly flowKeyExpiryAlarm: cloudwatch.Alarm;
  public readonly agentApplication: appintegrations.CfnApplication;
  /** The flow functions (claim, capture, status). */
  public readonly flowFunctions: readonly PciFunction[];
  /** Ends a session whose caller hung up inside the flow (contact events, DISCONNECTED). */
  public readonly contactEventsFunction: PciFunction;
  private readonly flowKeySecretKey: kms.Key;

  public constructor(scope: Construct, id: string, props: ConnectSecureInputProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const instanceArn = props.instanceArn;
    const sessionTable = { [ENV.sessionTable]: props.sessions.table.tableName };
    const fn = (name: string, entry: string, description: string, environment: Record<string, string>, timeout = Duration.seconds(8)): PciFunction =>
      new PciFunction(this, name, {
        entry,
        serviceName: `secure-ivr-connect-${name.replace(/Function$/, '').toLowerCase()}`,
        description,
        logsKey: props.logsKey,
        environment,
        timeout,
        memorySize: 512,
      });

    // ----- the flow's functions
    const language = { CONNECT_DEFAULT_LANGUAGE: props.defaultLanguage ?? props.forms.forms[0]?.ivr.language ?? 'en-US' };
    this.claimFunction = fn(
      'ClaimFunction',
      'lambdas/telephony/connect/claim-handler.ts',
      "Connect secure flow: claims the agent's pending request and starts the session",
      {
        ...sessionTable,
        ...language,
        [ENV.stateMachineArn]: props.stateMachineArn,
      },
    );
    this.flowKeySecretKey = new kms.Key(this, 'FlowKeySecretKey', {
      description: 'secure-ivr: Connect flow key secret',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.flowKeySecret = new secretsmanager.Secret(this, 'FlowKeySecret', {
      description: 'secure-ivr: private key of the Connect flow security key (read by the capture function only)',
      encryptionKey: this.flowKeySecretKey,
    });
    this.captureFunction = fn(
      'CaptureFunction',
      'lambdas/telephony/connect/capture-handler.ts',
      'Connect secure flow: decrypts each stored field, checks it and seals it into the vault',
      {
        ...sessionTable,
        ...language,
        [ENV.vaultTable]: props.vault.table.tableName,
        [ENV.vaultKeyArn]: props.vault.key.keyArn,
        [ENV.vaultTtlSeconds]: String(props.vaultTtlSeconds),
        [CONNECT_ENV.flowKeySecretArn]: this.flowKeySecret.secretArn,
      },
    );
    this.statusFunction = fn(
      'StatusFunction',
      'lambdas/telephony/connect/status-handler.ts',
      'Connect secure flow: waits (bounded) for the session outcome the caller hears',
      { ...sessionTable, ...language },
    );
    this.flowFunctions = [this.claimFunction, this.captureFunction, this.statusFunction];

    for (const f of this.flowFunctions) props.sessions.grantReadWrite(f);
    props.vault.grantSeal(this.captureFunction);
    props.grantTaskResponse(this.claimFunction);
    props.grantTaskResponse(this.captureFunction);
    iam.Grant.addToPrincipal({ grantee: this.claimFunction, actions: ['states:StartExecution'], resourceArns: [props.stateMachineArn] });
    // Executions are named after their session id, which is not known before the claim.
    const executions = `${props.stateMachineArn.replace(':stateMachine:', ':execution:')}:*`;
    iam.Grant.addToPrincipal({ grantee: this.claimFunction, actions: ['states:DescribeExecution'], resourceArns: [executions] });
    Validations.of(this.claimFunction.functionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executions}]`,
      reason:
        "P10: DescribeExecution on the session state machine's own executions only; each is named after a session id, known only when the claim starts it.",
    });
    this.restrictSecretToCapture();

    // Connect may invoke them only from this instance of this account, and only once associated.
    this.flowFunctions.forEach((f, i) => {
      f.addPermission('InvokeFromConnectInstance', {
        principal: new iam.ServicePrincipal('connect.amazonaws.com'),
        sourceArn: instanceArn,
        sourceAccount: stack.account,
        action: 'lambda:InvokeFunction',
      });
      new connect.CfnIntegrationAssociation(this, `LambdaIntegration${i}`, {
        instanceId: instanceArn,
        integrationType: 'LAMBDA_FUNCTION',
        integrationArn: f.functionArn,
      });
    });

    // ----- contact events: the agent a contact reaches (its owner, checked when a session is claimed),
    // and a caller who hangs up inside the flow (no function runs then)
    this.contactEventsFunction = fn(
      'ContactEventsFunction',
      'lambdas/telephony/connect/contact-events.ts',
      'Connect: records which agent has each contact; fails the session of a caller who hung up inside the secure flow',
      { ...sessionTable },
      Duration.seconds(10),
    );
    props.sessions.grantReadWrite(this.contactEventsFunction);
    props.grantTaskResponse(this.contactEventsFunction);
    new events.Rule(this, 'CallerHungUp', {
      description: 'secure-ivr: CONNECTED_TO_AGENT and DISCONNECTED contact events of the instance',
      eventPattern: {
        source: ['aws.connect'],
        detailType: ['Amazon Connect Contact Event'],
        detail: { instanceArn: [instanceArn], eventType: ['CONNECTED_TO_AGENT', 'DISCONNECTED'] },
      },
      targets: [new targets.LambdaFunction(this.contactEventsFunction)],
    });

    // ----- the flow key
    const flowKeyFunction = new PciFunction(this, 'FlowKeyProviderFunction', {
      entry: 'lambdas/telephony/connect/provisioning/flow-key-resource.ts',
      serviceName: 'secure-ivr-connect-flow-key',
      description: 'Custom resource: Connect flow security key (key pair, certificate, secret)',
      logsKey: props.logsKey,
      timeout: Duration.minutes(2),
      memorySize: 1024,
    });
    iam.Grant.addToPrincipal({
      grantee: flowKeyFunction,
      actions: ['connect:AssociateSecurityKey', 'connect:DisassociateSecurityKey'],
      resourceArns: [instanceArn],
    });
    // Write only: a new version becomes AWSCURRENT, the old one AWSPREVIOUS. It never reads the secret.
    iam.Grant.addToPrincipal({ grantee: flowKeyFunction, actions: ['secretsmanager:PutSecretValue'], resourceArns: [this.flowKeySecret.secretArn] });
    this.flowKeySecretKey.grant(flowKeyFunction, 'kms:GenerateDataKey');
    this.flowKey = new CustomResource(this, 'FlowKey', {
      serviceToken: flowKeyFunction.functionArn,
      resourceType: 'Custom::ConnectFlowKey',
      properties: {
        InstanceArn: instanceArn,
        SecretArn: this.flowKeySecret.secretArn,
        Generation: String(props.flowKeyGeneration ?? 1),
        ValidDays: String(props.flowKeyValidDays ?? 365),
      },
    });

    // ----- hours, queue, flow, quick connect
    const hours = new connect.CfnHoursOfOperation(this, 'AlwaysOpen', {
      instanceArn,
      name: `${stack.stackName}-secure-input-24x7`,
      description: 'secure-ivr: the secure-input queue is always open',
      timeZone: 'UTC',
      config: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'].map((day) => ({
        day,
        startTime: { hours: 0, minutes: 0 },
        endTime: { hours: 0, minutes: 0 },
      })),
    });
    this.queue = new connect.CfnQueue(this, 'SecureInputQueue', {
      instanceArn,
      name: `${stack.stackName}-secure-input`,
      description: 'secure-ivr: where the Secure Input quick connect sends the caller (the flow returns them to the agent)',
      hoursOfOperationArn: hours.attrHoursOfOperationArn,
    });
    const flowProps = {
      forms: props.forms.forms,
      functions: { claim: this.claimFunction.functionArn, capture: this.captureFunction.functionArn, status: this.statusFunction.functionArn },
      ...(props.defaultLanguage ? { fallbackLanguage: props.defaultLanguage } : {}),
    };
    // Checked at synth with values as long as the real ones can be (the real ones are known only at deploy).
    const longest = flowContent(
      buildSecureInputFlow({
        ...flowProps,
        functions: { claim: LONGEST.arn, capture: LONGEST.arn, status: LONGEST.arn },
        securityKey: { keyId: LONGEST.keyId, certificatePem: LONGEST.certificate },
      }),
    );
    if (longest.length > MAX_FLOW_CONTENT_CHARS)
      throw new Error(`The secure-input flow would be ${longest.length} characters, more than Connect's ${MAX_FLOW_CONTENT_CHARS}; use fewer forms.`);
    // The certificate arrives JSON-escaped from the custom resource, so the flow stays valid JSON with it inside.
    const flow = buildSecureInputFlow({
      ...flowProps,
      securityKey: { keyId: this.flowKey.getAttString('KeyId'), certificatePem: this.flowKey.getAttString('CertificatePemJson') },
    });
    this.contactFlow = new connect.CfnContactFlow(this, 'SecureInputFlow', {
      instanceArn,
      name: `${stack.stackName}-secure-input`,
      description: 'secure-ivr: agent on hold, recording off, encrypted card entry, outcome, agent back',
      type: 'QUEUE_TRANSFER',
      state: 'ACTIVE',
      content: stack.toJsonString(flow),
    });
    this.quickConnect = new connect.CfnQuickConnect(this, 'SecureInputQuickConnect', {
      instanceArn,
      name: 'Secure Input',
      description: 'secure-ivr: send the caller to the secure payment line (you stay on the call, on hold)',
      quickConnectConfig: {
        quickConnectType: 'QUEUE',
        queueConfig: { contactFlowArn: this.contactFlow.attrContactFlowArn, queueArn: this.queue.attrQueueArn },
      },
    });
    if ((props.agentQueues ?? []).length > 0) this.associateWithAgentQueues(instanceArn, props.agentQueues ?? [], props.logsKey);

    // ----- the certificate's expiry
    const expiryFunction = new PciFunction(this, 'FlowKeyExpiryFunction', {
      entry: 'lambdas/telephony/connect/provisioning/flow-key-expiry.ts',
      serviceName: 'secure-ivr-connect-flow-key-expiry',
      description: 'Daily: publishes the days left on the Connect flow key certificate',
      logsKey: props.logsKey,
      environment: { FLOW_KEY_NOT_AFTER: this.flowKey.getAttString('NotAfter') },
    });
    iam.Grant.addToPrincipal({
      grantee: expiryFunction,
      actions: ['cloudwatch:PutMetricData'],
      resourceArns: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
    });
    Validations.of(expiryFunction.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'P10: cloudwatch:PutMetricData has no resource-level permission; the grant is limited to the SecureIvr/Connect namespace by condition.',
    });
    new events.Rule(this, 'DailyExpiryCheck', { schedule: events.Schedule.rate(Duration.days(1)), targets: [new targets.LambdaFunction(expiryFunction)] });
    this.flowKeyExpiryAlarm = new cloudwatch.Alarm(this, 'FlowKeyExpiryAlarm', {
      alarmDescription: `The Connect flow key certificate expires within ${props.flowKeyAlarmDays ?? 30} days (or the daily check stopped): rotate it with -c connectFlowKeyGeneration=<next> and cdk deploy.`,
      metric: new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: METRIC_NAME, statistic: 'Minimum', period: Duration.days(1) }),
      threshold: props.flowKeyAlarmDays ?? 30,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // Two days without a figure means the check itself broke: that needs attention too.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // ----- the agent console in the agent workspace
    this.agentApplication = new appintegrations.CfnApplication(this, 'AgentWorkspaceApp', {
      name: `${stack.stackName}-secure-input`,
      namespace: `${stack.stackName.toLowerCase()}.secure-input`,
      description: 'secure-ivr agent console: start a secure payment, watch masked progress, see the outcome',
      applicationSourceConfig: { externalUrlConfig: { accessUrl: props.consoleUrl } },
      permissions: ['User.Details.View', 'Contact.Details.View'],
    });
    new connect.CfnIntegrationAssociation(this, 'AgentWorkspaceAppAssociation', {
      instanceId: instanceArn,
      integrationType: 'APPLICATION',
      integrationArn: this.agentApplication.attrApplicationArn,
    });
  }

  /** Sends the expiry alarm to the operations topic. */
  public addAlarmTopic(topic: sns.ITopic): void {
    this.flowKeyExpiryAlarm.addAlarmAction(new cwActions.SnsAction(topic));
  }

  /**
   * Only the capture function may read the private key: the secret's policy denies GetSecretValue to every
   * other principal (account administrators included), and the key's use by Secrets Manager is granted to it alone.
   */
  private restrictSecretToCapture(): void {
    this.flowKeySecret.grantRead(this.captureFunction);
    this.flowKeySecret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyTheCaptureFunctionReadsTheFlowKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.captureFunction.functionRole.roleArn } },
      }),
    );
    Validations.of(this.flowKeySecret).acknowledge(
      {
        id: 'AwsSolutions-SMG4',
        reason:
          "P08: the flow key rotates through Connect's second security-key slot (-c connectFlowKeyGeneration), not by a Secrets Manager rotation function; an alarm warns before the certificate expires.",
      },
      {
        id: 'PCI.DSS.321-SecretsManagerRotationEnabled',
        reason:
          "P08: rotated through Connect's second security-key slot by the flow-key custom resource (-c connectFlowKeyGeneration); an alarm warns before expiry.",
      },
    );
  }

  private associateWithAgentQueues(instanceArn: string, queues: readonly string[], logsKey: kms.IKey): void {
    const provider = new PciFunction(this, 'QuickConnectQueuesProviderFunction', {
      entry: 'lambdas/telephony/connect/provisioning/queue-quick-connects.ts',
      serviceName: 'secure-ivr-connect-quick-connect-queues',
      description: "Custom resource: shows the Secure Input quick connect in the agents' queues",
      logsKey,
      timeout: Duration.minutes(1),
    });
    iam.Grant.addToPrincipal({
      grantee: provider,
      actions: ['connect:AssociateQueueQuickConnects', 'connect:DisassociateQueueQuickConnects'],
      resourceArns: [instanceArn, `${instanceArn}/queue/*`, `${instanceArn}/transfer-destination/*`],
    });
    Validations.of(provider.functionRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${instanceArn}/queue/*]`,
        reason: "P10: the agents' queues of this one instance (named in configuration); the function runs only at deploy time and never sees card data.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${instanceArn}/transfer-destination/*]`,
        reason: 'P10: quick connects of this one instance (the association names the Secure Input quick connect); deploy time only.',
      },
    );
    new CustomResource(this, 'QuickConnectQueues', {
      serviceToken: provider.functionArn,
      resourceType: 'Custom::ConnectQueueQuickConnects',
      properties: { InstanceArn: instanceArn, QuickConnectId: this.quickConnect.attrQuickConnectArn, QueueIds: [...queues] },
    });
  }
}
