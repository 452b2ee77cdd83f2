/**
 * Wires the Connect flow functions' ports to AWS (or, through the SDK's endpoint variables, to the
 * sandbox's engines): the session table, the vault, Step Functions, the secure input configuration and
 * the flow key secret. Configuration is read once per container and every problem named at once; the
 * flow's private key is read from Secrets Manager once per container and again only when a stored value
 * does not open (the key was rotated).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { EnvReader } from '../../shared/config';
import { VaultItemNotFoundError } from '../../shared/errors';
import { ENV, type CaptureResult, type IvrSettings } from '../../shared/session/contract';
import { cachedSecureInputConfig, loadSecureInputConfig } from '../../shared/session/config-source';
import { type EventBuffer, sessionEvent } from '../../shared/session/events';
import { documentClient, kmsClient, sfnClient } from '../../shared/clients';
import { sfnSdk } from '../../shared/sdk';
import { startSecureSession } from '../../shared/session/start-session';
import * as sessionStore from '../../shared/session/session-store';
import * as vault from '../../shared/vault';
import { CONNECT_ENV } from './contract';
import type { ConnectSessionDeps } from './connect-session';
import { ownerOfConnectAgent } from './contact-owner';

export interface ConnectFunctionConfig {
  sessionTable: string;
  vaultTable: string;
  vaultKeyArn: string;
  vaultTtlSeconds: number;
  stateMachineArn: string;
  flowKeySecretArn: string;
  defaultLanguage: string;
}

/** Which settings each function cannot run without. */
export type ConnectFunction = 'claim' | 'capture' | 'status';

export function loadConnectConfig(env: NodeJS.ProcessEnv, fn: ConnectFunction): ConnectFunctionConfig {
  const r = new EnvReader(env);
  const config: ConnectFunctionConfig = {
    sessionTable: r.required(ENV.sessionTable),
    vaultTable: fn === 'capture' ? r.required(ENV.vaultTable) : r.optional(ENV.vaultTable, ''),
    vaultKeyArn: fn === 'capture' ? r.required(ENV.vaultKeyArn) : r.optional(ENV.vaultKeyArn, ''),
    vaultTtlSeconds: r.integer(ENV.vaultTtlSeconds, 900, 60, 86_400),
    stateMachineArn: fn === 'claim' ? r.required(ENV.stateMachineArn) : r.optional(ENV.stateMachineArn, ''),
    flowKeySecretArn: fn === 'capture' ? r.required(CONNECT_ENV.flowKeySecretArn) : r.optional(CONNECT_ENV.flowKeySecretArn, ''),
    defaultLanguage: r.optional('CONNECT_DEFAULT_LANGUAGE', 'en-US'),
  };
  r.done();
  return config;
}

const FINISHED_STATUSES: ReadonlySet<string> = new Set(['accepted', 'declined', 'aborted', 'unknown']);

// Container-wide cache of the secure input configuration.
const secureInputConfig = cachedSecureInputConfig(() => loadSecureInputConfig(process.env));

/** What only the capture function can do with the flow key (flow-keys.ts): the claim and status bundles carry no Encryption SDK. */
export interface FlowKeyAccess {
  decrypt(storedInput: string, now: Date): Promise<string>;
  /** Whether the flow's current certificate has expired. */
  expired(now: Date): Promise<boolean>;
}

const NO_FLOW_KEY: FlowKeyAccess = {
  decrypt: async () => {
    throw new Error('This function does not decrypt stored input.');
  },
  expired: async () => false,
};

/** `flowKey`: only the capture function has one. */
export function liveConnectDeps(
  cfg: ConnectFunctionConfig,
  logger: Logger,
  component: string,
  origin: { callTransactionId?: string; requestId?: string },
  buffer: EventBuffer,
  flowKey: FlowKeyAccess = NO_FLOW_KEY,
): ConnectSessionDeps {
  const now = (): Date => new Date();
  const store = async (): Promise<sessionStore.SessionStoreDeps> => ({ ddb: await documentClient(), tableName: cfg.sessionTable, now });
  const report = async (sessionId: string, send: (token: string) => Promise<void>): Promise<boolean> => {
    const token = await sessionStore.takeTaskToken(await store(), sessionId);
    if (!token) return false;
    await send(token);
    return true;
  };
  return {
    now,
    defaultLanguage: cfg.defaultLanguage,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: {
      info: (message, attrs) => logger.info(message, { ...origin, ...attrs }),
      warn: (message, attrs) => logger.warn(message, { ...origin, ...attrs }),
      error: (message, attrs) => logger.error(message, { ...origin, ...attrs }),
    },
    sealField: async (sessionId, field, digits, expectedVaultRef) => {
      if (expectedVaultRef === undefined) {
        const session = await sessionStore.getSession(await store(), sessionId).catch(() => undefined);
        if (session && FINISHED_STATUSES.has(session.status)) throw new VaultItemNotFoundError();
      }
      const deps = { ddb: await documentClient(), kms: await kmsClient(), tableName: cfg.vaultTable, keyArn: cfg.vaultKeyArn, now };
      return vault.sealField(deps, sessionId, field, digits, cfg.vaultTtlSeconds, expectedVaultRef);
    },
    completeCapture: (sessionId, capture: CaptureResult) =>
      report(sessionId, async (token) => {
        const { SendTaskSuccessCommand } = await sfnSdk();
        await (await sfnClient()).send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(capture) }));
      }),
    failCapture: (sessionId, error, cause) =>
      report(sessionId, async (token) => {
        const { SendTaskFailureCommand } = await sfnSdk();
        await (await sfnClient()).send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      }),
    recordProgress: async (sessionId, update) => sessionStore.recordProgress(await store(), sessionId, update),
    emit: async (type, sessionId, success, details) => {
      const actor = type.startsWith('field.') ? { kind: 'caller' as const, id: 'caller' } : { kind: 'system' as const, id: component };
      buffer.add(sessionEvent(type, { sessionId, component, actor, ...origin }, success, now(), details));
    },
    takePendingRequest: async (callId) => sessionStore.takePendingRequest(await store(), callId),
    callOwner: async (callId) => {
      const leg = await sessionStore.getCallAgent(await store(), callId);
      if (!leg?.connected || leg.endpoint === undefined) return undefined;
      return ownerOfConnectAgent(await secureInputConfig(), leg.endpoint);
    },
    takeReentryRequest: async (sessionId) => sessionStore.takeReentryRequest(await store(), sessionId),
    flowKeyExpired: () => flowKey.expired(now()),
    callHungUp: async (callId) => sessionStore.callHungUp(await store(), callId),
    startSession: async (request) => startSecureSession(await sfnClient(), cfg.stateMachineArn, request),
    executionEnded: async (executionArn) => {
      const { DescribeExecutionCommand } = await sfnSdk();
      const out = await (await sfnClient()).send(new DescribeExecutionCommand({ executionArn }));
      return out.status === 'RUNNING' ? { ended: false } : { ended: true, reason: out.status ?? 'UNKNOWN' };
    },
    getSession: async (sessionId) => sessionStore.getSession(await store(), sessionId),
    formIvr: async (formId): Promise<IvrSettings | undefined> => (await secureInputConfig()).forms.find((f) => f.id === formId)?.ivr,
    decrypt: (storedInput) => flowKey.decrypt(storedInput, now()),
  };
}
