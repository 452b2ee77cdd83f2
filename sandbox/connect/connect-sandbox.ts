/**
 * The sandbox's Amazon Connect telephony: the flow emulator loaded with the very secure-input flow the
 * stack synthesizes (lib/connect/secure-input-flow, built here with local ARNs), the product's claim,
 * capture and status functions associated with it, and a flow security key made at start — an RSA key
 * pair and a self-signed certificate — whose private key reaches the capture function the way it does
 * in AWS: as a Secrets Manager secret, here on a local Secrets Manager endpoint.
 *
 * A secure session on Connect runs as on a real instance: the agent leaves a pending request (the
 * console's Send to IVR), presses the "Secure Input" quick connect (transfer), and the flow's claim
 * function starts the same Step Functions session.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { buildSecureInputFlow } from '../../lib/connect/secure-input-flow';
import type { FormDefinition } from '../../lambdas/shared/session/forms';
import type { SessionRequest } from '../../lambdas/shared/session/contract';
import { CONNECT_ENV, type FlowKeySecret } from '../../lambdas/telephony/connect/contract';
import { connectCallId } from '../../lambdas/telephony/connect/connect-telephony';
import type { KeySource } from '../sma/caller';
import { ConnectEmulator, type ConnectContact, type ContactOptions, type FlowRunState } from './emulator';
import type { ConnectLambdaHandler } from './lambda-invocation';
import { startSecretsEngine, type SecretsEngine } from './secrets-engine';
import { makeFlowSecurityKey, type FlowSecurityKeyMaterial } from './stored-input-encryption';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
export const CONNECT_INSTANCE_ARN = `arn:aws:connect:${REGION}:${ACCOUNT}:instance/5ec0e1f0-0000-4000-8000-000000000001`;
export const SECURE_INPUT_FLOW_ARN = `${CONNECT_INSTANCE_ARN}/contact-flow/secure-input`;
export const SECURE_INPUT_QUEUE = { ARN: `${CONNECT_INSTANCE_ARN}/queue/secure-input`, Name: 'SecureInput' };
export const FLOW_KEY_SECRET_NAME = 'secure-ivr/connect-flow-key';
export const CONNECT_FUNCTIONS = {
  claim: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:secure-ivr-connect-claim`,
  capture: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:secure-ivr-connect-capture`,
  status: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:secure-ivr-connect-status`,
} as const;

export interface ConnectSandboxOptions {
  forms: ReadonlyArray<Pick<FormDefinition, 'id' | 'ivr'>>;
  /** Real ms per nominal ms for prompts and key limits (scripted calls: 0). */
  timingScale: number;
  /** Real ms per documented ms of the 8 s Lambda limit. @default 1 */
  lambdaLimitScale?: number;
}

type FlowFunction = (raw: unknown, context?: Context) => Promise<unknown>;

export class ConnectSandbox {
  /** The flow key the flow encrypts to (the certificate in the flow) and the secret holds. */
  public securityKey!: FlowSecurityKeyMaterial;
  /** Contact events on their way to their EventBridge target. */
  public readonly deliveries = new Set<Promise<void>>();

  private constructor(
    public readonly emulator: ConnectEmulator,
    public readonly secrets: SecretsEngine,
    public readonly secretArn: string,
    private readonly forms: ConnectSandboxOptions['forms'],
  ) {}

  public static async start(options: ConnectSandboxOptions): Promise<ConnectSandbox> {
    const secrets = await startSecretsEngine({ region: REGION, accountId: ACCOUNT });
    const secretArn = secrets.put(FLOW_KEY_SECRET_NAME, JSON.stringify({ keys: [] }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      [CONNECT_ENV.flowKeySecretArn]: secretArn,
      [CONNECT_ENV.connectInstanceArn]: CONNECT_INSTANCE_ARN,
    });
    const emulator = new ConnectEmulator({
      instanceArn: CONNECT_INSTANCE_ARN,
      timingScale: options.timingScale,
      lambdaLimitScale: options.lambdaLimitScale ?? 1,
    });
    // The functions' deployed entry points (what the stack's NodejsFunctions bundle), one per ARN.
    const [claim, capture, status] = await Promise.all([
      import('../../lambdas/telephony/connect/claim-handler'),
      import('../../lambdas/telephony/connect/capture-handler'),
      import('../../lambdas/telephony/connect/status-handler'),
    ]);
    const entry = (fn: FlowFunction): ConnectLambdaHandler => fn as ConnectLambdaHandler;
    emulator.addFunction(CONNECT_FUNCTIONS.claim, entry(claim.handler));
    emulator.addFunction(CONNECT_FUNCTIONS.capture, entry(capture.handler));
    emulator.addFunction(CONNECT_FUNCTIONS.status, entry(status.handler));
    const sandbox = new ConnectSandbox(emulator, secrets, secretArn, options.forms);
    // Contact events go to EventBridge; the rule's target is the hang-up function (asynchronous, as there).
    const { handler: contactEvents } = await import('../../lambdas/telephony/connect/contact-events');
    emulator.onContactEvent((event) => {
      if (event.detail.eventType === 'INITIATED') return;
      const delivery = contactEvents(JSON.parse(JSON.stringify(event))).then(
        () => undefined,
        () => undefined,
      );
      sandbox.deliveries.add(delivery);
      void delivery.finally(() => sandbox.deliveries.delete(delivery));
    });
    await sandbox.useKey(await makeFlowSecurityKey());
    return sandbox;
  }

  /**
   * Puts a flow key in place everywhere it lives: the instance's security keys, the secret the capture
   * function reads, and the certificate in the (re-synthesized) flow — what a rotation does in AWS.
   * `secretKey` lets a test make the secret hold another key than the flow's certificate.
   */
  public async useKey(key: FlowSecurityKeyMaterial, secretKey: FlowSecurityKeyMaterial = key): Promise<void> {
    if (this.securityKey) this.emulator.removeSecurityKey(this.securityKey.keyId);
    this.emulator.addSecurityKey({ keyId: key.keyId, publicKeyPem: key.publicKeyPem });
    // The secret names the flow's key id; a test may give it another private key (a wrong flow key).
    const secret: FlowKeySecret = { keys: [{ keyId: key.keyId, privateKeyPem: secretKey.privateKeyPem, notAfter: key.notAfter.toISOString() }] };
    this.secrets.put(FLOW_KEY_SECRET_NAME, JSON.stringify(secret));
    (await import('../../lambdas/telephony/connect/flow-keys')).forgetFlowKeys();
    const flow = buildSecureInputFlow({
      forms: this.forms,
      functions: CONNECT_FUNCTIONS,
      securityKey: { keyId: key.keyId, certificatePem: key.certificatePem },
    });
    this.emulator.addFlow(SECURE_INPUT_FLOW_ARN, JSON.stringify(flow), SECURE_INPUT_QUEUE);
    this.securityKey = key;
  }

  /** A customer calls in and is connected to an agent (`options.agentUserId`; recording on, flow logging on). */
  public placeCall(caller: KeySource, options: ContactOptions = {}): ConnectContact {
    return this.emulator.placeCall(caller, options);
  }

  /** The call id a Connect session is keyed on: the agent's contact. */
  public callId(contact: ConnectContact): string {
    return connectCallId(contact.initialContactId);
  }

  /**
   * The agent's Send to IVR on Connect, as the agent API does it: the agent's request is kept (and the
   * call's history names the session, which the hang-up function reads) and the pending request waits
   * for the flow's claim function.
   */
  public async leavePendingRequest(
    contact: ConnectContact,
    ask: Omit<SessionRequest, 'sessionId' | 'callTransactionId'>,
    sessionId: string = randomUUID(),
  ): Promise<string> {
    const [{ putPendingRequest, saveAgentRequest }, { documentClient }] = await Promise.all([
      import('../../lambdas/shared/session/session-store'),
      import('../../lambdas/shared/clients'),
    ]);
    const store = { ddb: await documentClient(), tableName: process.env.SESSION_TABLE ?? '', now: () => new Date() };
    const callTransactionId = this.callId(contact);
    await saveAgentRequest(store, { sessionId, agentId: ask.agentId, callTransactionId, formId: ask.formId, fields: ask.fields });
    await putPendingRequest(store, { ...ask, sessionId, callTransactionId });
    return sessionId;
  }

  /**
   * The agent presses the "Secure Input" quick connect: the customer goes through the secure flow. Contact
   * events already raised (the contact reaching its agent) are delivered first: in AWS they arrive within
   * seconds, long before an agent has filled a form.
   */
  public async pressQuickConnect(contact: ConnectContact): Promise<FlowRunState> {
    await Promise.all([...this.deliveries]);
    return this.emulator.transfer(contact, SECURE_INPUT_FLOW_ARN);
  }

  public counts(): Record<string, number> {
    return this.secrets.counts();
  }

  public resetCounts(): void {
    this.secrets.resetCounts();
  }

  public async close(): Promise<void> {
    for (const contact of this.emulator.activeContacts()) contact.hangUpCaller();
    await Promise.all([...this.deliveries]);
    await this.secrets.close();
  }
}
