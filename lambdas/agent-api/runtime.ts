/**
 * Wires the agent API to AWS (or to the sandbox's engines, through the same SDK clients): the secure
 * input configuration, the session table, Step Functions and, unless the stack is Connect only
 * (TELEPHONY_ADAPTERS=connect, no SIP_MEDIA_APPLICATION_ID), the Chime SMA. Read once per container.
 */
import { randomUUID } from 'node:crypto';
import { EnvReader } from '../shared/config';
import { documentClient, sfnClient, voiceClient } from '../shared/clients';
import { ENV } from '../shared/session/contract';
import type { FormsConfig } from '../shared/session/forms';
import { startSecureSession } from '../shared/session/start-session';
import type { SessionStoreDeps } from '../shared/session/session-store';
import { AgentService, type CallUpdatePort } from './agent-service';
import { AgentRequestRefusedError } from './errors';
import type { InteractionDirectory } from './interactions';
import { sfnSdk, voiceSdk } from '../shared/sdk';
import { startOrLeaveForFlow } from '../telephony/connect/pending-requests';

export const AGENT_ENV = {
  /** SSM parameter holding config/secure-ivr.json (AWS); Begin reads the same one. */
  configParameter: ENV.secureInputConfigParameter,
  /** The configuration inline (tests) or FORMS_FILE (sandbox). */
  configJson: ENV.secureInputConfigJson,
  userPoolId: 'USER_POOL_ID',
  userPoolClientIds: 'USER_POOL_CLIENT_IDS',
  allowedOrigin: 'ALLOWED_ORIGIN',
} as const;

/** The loader Begin uses too (lambdas/shared/session/config-source.ts), re-exported for the API's adapters. */
export { loadSecureInputConfig } from '../shared/session/config-source';

export interface RuntimeOptions {
  interactions: InteractionDirectory;
  onSessionStarted?(agentId: string, sessionId: string): void;
}

/** The session table through the (lazily built, cached) document client, resolved per request. */
export function liveSessionStore(env: NodeJS.ProcessEnv): SessionStoreDeps {
  return {
    ddb: { send: async (command: unknown) => (await documentClient()).send(command as never) } as unknown as SessionStoreDeps['ddb'],
    tableName: env[ENV.sessionTable] ?? '',
    now: () => new Date(),
  };
}

export function liveAgentService(env: NodeJS.ProcessEnv, config: FormsConfig, options: RuntimeOptions): AgentService {
  const r = new EnvReader(env);
  const tableName = r.required(ENV.sessionTable);
  const stateMachineArn = r.required(ENV.stateMachineArn);
  // A Connect-only stack has no SIP media application: its id is required only where Chime carries calls.
  const adapters = r.oneOf(ENV.telephonyAdapters, ['chime', 'connect', 'both'] as const, 'chime');
  const smaId = adapters === 'connect' ? undefined : r.required(ENV.smaId);
  r.done();
  const now = (): Date => new Date();
  const store: SessionStoreDeps = { ...liveSessionStore(env), tableName, now };
  return new AgentService({
    config,
    store,
    workflow: {
      // On an Amazon Connect call the session starts when the secure flow claims the request.
      start: (request) => startOrLeaveForFlow(store, request, async (r) => startSecureSession(await sfnClient(), stateMachineArn, r)),
      fail: async (taskToken, error, cause) => {
        const { SendTaskFailureCommand } = await sfnSdk();
        await (await sfnClient()).send(new SendTaskFailureCommand({ taskToken, error, cause }));
      },
    },
    calls: chimeCallUpdates(smaId),
    interactions: options.interactions,
    newId: () => randomUUID(),
    ...(options.onSessionStarted ? { onSessionStarted: options.onSessionStarted } : {}),
  });
}

/**
 * UpdateSipMediaApplicationCall on the stack's SMA (re-entry on a Chime call); false when the call is gone.
 * Without an SMA (a Connect-only stack) every update is refused with a clear reason instead.
 */
export function chimeCallUpdates(smaId: string | undefined): CallUpdatePort {
  return {
    update: async (callTransactionId, args) => {
      if (smaId === undefined)
        throw new AgentRequestRefusedError(
          'telephony-unavailable',
          'This deployment runs on Amazon Connect only (no Chime SIP media application), so a Chime call cannot be updated',
        );
      const { UpdateSipMediaApplicationCallCommand } = await voiceSdk();
      try {
        await (await voiceClient()).send(
          new UpdateSipMediaApplicationCallCommand({ SipMediaApplicationId: smaId, TransactionId: callTransactionId, Arguments: args }),
        );
        return true;
      } catch (err) {
        if (err instanceof Error && err.name === 'NotFoundException') return false;
        throw err;
      }
    },
  };
}
