/**
 * Wires the agent API to AWS (or to the sandbox's engines, through the same SDK clients): the secure
 * input configuration, the session table, Step Functions and the Chime SMA. Read once per container.
 */
import { randomUUID } from 'node:crypto';
import { EnvReader } from '../shared/config';
import { documentClient, sfnClient, voiceClient } from '../shared/clients';
import { ENV } from '../shared/session/contract';
import type { FormsConfig } from '../shared/session/forms';
import { startSecureSession } from '../shared/session/start-session';
import type { SessionStoreDeps } from '../shared/session/session-store';
import { AgentService } from './agent-service';
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
  const smaId = r.required(ENV.smaId);
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
    calls: {
      update: async (callTransactionId, args) => {
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
    },
    interactions: options.interactions,
    newId: () => randomUUID(),
  });
}
