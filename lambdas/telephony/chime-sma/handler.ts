/**
 * SIP media application Lambda: parses the event, lets the secure IVR decide, returns the actions.
 * Composed with middy; an error boundary turns any unexpected failure into actions that end the IVR
 * politely and give the caller back to the agent — never an exception, which would make the service
 * retry the invocation (and, for a card entry, seal the same digits twice).
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { EnvReader } from '../../shared/config';
import { createLogger } from '../../shared/logging';
import { errorName, VaultItemNotFoundError } from '../../shared/errors';
import { ENV, type CaptureResult } from '../../shared/session/contract';
import { parseSmaEvent, SCHEMA_VERSION, type SmaEvent, type SmaResponse, type CallAndBridgeEndpoint } from './contract';
import { SecureIvr, type IvrConfig, type IvrDeps } from './ivr';
import { smaErrorBoundary } from './error-boundary';
import { writeState } from './call-state';
import { EventBuffer, sessionEvent } from '../../shared/session/events';
import { emitSafely, eventSinkFor } from '../../shared/session/event-sinks';
import { sfnSdk } from '../../shared/sdk';
import { documentClient, kmsClient, sfnClient } from '../../shared/clients';
import * as sessionStore from '../../shared/session/session-store';
import * as vault from '../../shared/vault';
import { METRIC, metricsForService } from '../../shared/metrics';
import { agentPushPublisher, publishToCall } from '../../agent-api/push-sink';
import { callerKeyingPush } from '../../agent-api/push';

const logger = createLogger('sma-handler');
const metrics = metricsForService();
/** Session statuses after which no card field may be sealed any more. */
const FINISHED_STATUSES: ReadonlySet<string> = new Set(['accepted', 'declined', 'aborted']);
const COMPONENT = 'sma-handler';
let sink: ReturnType<typeof eventSinkFor> | undefined;
/** Statuses of a session asked for but not yet at the IVR (the agent still bridged): a caller keying then belongs in its trail. */
const OPEN_STATUSES: ReadonlySet<string> = new Set(['requested', 'separating']);

interface HandlerConfig {
  ivr: IvrConfig;
  sessionTable: string;
  vaultTable: string;
  vaultKeyArn: string;
  vaultTtlSeconds: number;
}

/** Reads the environment once, naming every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): HandlerConfig {
  const r = new EnvReader(env);
  const type = r.oneOf(ENV.agentEndpointType, ['PSTN', 'AWS'] as const, 'PSTN');
  const uri = r.required(ENV.agentEndpointUri);
  const arn = r.optional(ENV.agentVoiceConnectorArn, '');
  if (type === 'AWS' && !arn) r.problem(`${ENV.agentVoiceConnectorArn} is required when ${ENV.agentEndpointType} is AWS`);
  const bucket = r.optional(ENV.recordingBucket, '');
  const prefix = r.optional(ENV.recordingPrefix, '').replace(/^\/+|\/+$/g, '');
  const endpoint: CallAndBridgeEndpoint = { BridgeEndpointType: type, Uri: uri, ...(arn ? { Arn: arn } : {}) };
  const callerId = r.optional(ENV.callerIdNumber, '');
  const config: HandlerConfig = {
    ivr: {
      agentEndpoint: endpoint,
      agentRingSeconds: r.integer('AGENT_RING_SECONDS', 30, 1, 120),
      ...(callerId ? { callerIdNumber: callerId } : {}),
      ...(bucket ? { recordingLocation: prefix ? `${bucket}/${prefix}` : bucket } : {}),
    },
    sessionTable: r.required(ENV.sessionTable),
    vaultTable: r.required(ENV.vaultTable),
    vaultKeyArn: r.required(ENV.vaultKeyArn),
    vaultTtlSeconds: r.integer(ENV.vaultTtlSeconds, 900, 60, 86_400),
  };
  r.done();
  return config;
}

let cachedConfig: HandlerConfig | undefined;
const config = (): HandlerConfig => (cachedConfig ??= loadConfig(process.env));

/** Wires the IVR's ports to the vault, the session table and Step Functions (all loaded lazily). */
export function liveDeps(cfg: HandlerConfig, origin: { callTransactionId?: string; requestId?: string } = {}, buffer?: EventBuffer): IvrDeps {
  const now = (): Date => new Date();
  const store = async () => {
    return { deps: { ddb: await documentClient(), tableName: cfg.sessionTable, now }, store: sessionStore };
  };
  const report = async (sessionId: string, send: (token: string) => Promise<void>): Promise<boolean> => {
    const { deps, store: s } = await store();
    const token = await s.takeTaskToken(deps, sessionId);
    if (!token) return false;
    await send(token);
    return true;
  };
  return {
    now,
    // The call and request ids go on each line rather than through appendKeys, which is shared by every
    // invocation in the process (the sandbox runs many calls in one).
    log: {
      info: (message, attrs) => logger.info(message, { ...origin, ...attrs }),
      warn: (message, attrs) => logger.warn(message, { ...origin, ...attrs }),
      error: (message, attrs) => logger.error(message, { ...origin, ...attrs }),
    },
    sealField: async (sessionId, field, digits, expectedVaultRef) => {
      if (expectedVaultRef === undefined) {
        // The first field creates the vault item. A late retry of its event (the service re-delivers an event
        // whose answer missed the deadline) must not re-create it after End/Abort destroyed it (soak finding).
        // Best effort: if the session cannot be read, the seal goes ahead (the vault TTL is the backstop).
        const { deps, store: s } = await store();
        const session = await s.getSession(deps, sessionId).catch(() => undefined);
        if (session && FINISHED_STATUSES.has(session.status)) throw new VaultItemNotFoundError();
      }
      const deps = { ddb: await documentClient(), kms: await kmsClient(), tableName: cfg.vaultTable, keyArn: cfg.vaultKeyArn, now };
      return vault.sealField(deps, sessionId, field, digits, cfg.vaultTtlSeconds, expectedVaultRef);
    },
    completeCapture: async (sessionId, capture: CaptureResult) => {
      // Like report(), but the same single update also returns when GetKey asked for card entry.
      const { deps, store: s } = await store();
      const taken = await s.takeTaskTokenTimed(deps, sessionId);
      if (!taken.token) return false;
      const { SendTaskSuccessCommand } = await sfnSdk();
      await (await sfnClient()).send(new SendTaskSuccessCommand({ taskToken: taken.token, output: JSON.stringify(capture) }));
      const requestedAt = Date.parse(taken.captureRequestedAt ?? '');
      if (Number.isFinite(requestedAt)) metrics.milliseconds(METRIC.captureTime, now().getTime() - requestedAt);
      return true;
    },
    failCapture: (sessionId, error, cause) =>
      report(sessionId, async (token) => {
        const { SendTaskFailureCommand } = await sfnSdk();
        await (await sfnClient()).send(new SendTaskFailureCommand({ taskToken: token, error, cause }));
      }),
    recordProgress: async (sessionId, update) => {
      const { deps, store: s } = await store();
      await s.recordProgress(deps, sessionId, update);
    },
    recordAgentLeg: async (callTransactionId, leg) => {
      // Never breaks the call: without the record the agent API refuses secure input on it (fails closed).
      try {
        const { deps } = await store();
        if (leg)
          await sessionStore.recordCallAgent(deps, {
            callTransactionId,
            agentLegCallId: leg.callId,
            parties: leg.parties,
            ...(leg.endpoint ? { endpoint: leg.endpoint } : {}),
            ...(leg.agentHeader ? { agentHeader: leg.agentHeader } : {}),
          });
        else await sessionStore.recordCallAgentGone(deps, callTransactionId, undefined);
      } catch (err) {
        logger.warn('answered agent leg not recorded; secure input stays refused on this call', { ...origin, error: errorName(err) });
      }
    },
    callerKeying: async (callTransactionId) => {
      // Best effort, never the keys: the warning must not break the call, and an event only says "some keys".
      try {
        const { deps, store: s } = await store();
        const latest = (await s.sessionIdsOnCall(deps, callTransactionId)).at(-1);
        const session = latest ? await s.getSession(deps, latest) : undefined;
        const open = latest && session && OPEN_STATUSES.has(session.status) ? latest : undefined;
        if (open) await emitEvent('caller-keying', open, true, { stage: 'bridged' });
        const pushed = await publishToCall(agentPushPublisher(process.env), callTransactionId, [
          callerKeyingPush(callTransactionId, now().toISOString(), open),
        ]);
        if (!pushed) logger.info('caller keying not pushed to the agent', { ...origin });
      } catch (err) {
        logger.warn('caller keying not recorded', { ...origin, error: errorName(err) });
      }
    },
    emit: (type, sessionId, success, details) => emitEvent(type, sessionId, success, details),
  };

  async function emitEvent(type: Parameters<IvrDeps['emit']>[0], sessionId: string, success: boolean, details?: Parameters<IvrDeps['emit']>[3]): Promise<void> {
    sink ??= eventSinkFor(logger);
    const actor =
      type === 'caller.hung-up' || type === 'caller-keying' || type.startsWith('field.')
        ? { kind: 'caller' as const, id: 'caller' }
        : { kind: 'system' as const, id: COMPONENT };
    const event = sessionEvent(type, { sessionId, component: COMPONENT, actor, ...origin }, success, now(), details);
    if (buffer) buffer.add(event);
    else await emitSafely(sink, event, logger);
  }
}

async function handleEvent(raw: unknown, context: Context): Promise<SmaResponse> {
  const event: SmaEvent = parseSmaEvent(raw);
  // The invocation's session events are delivered together at its end: one audit-chain step per
  // invocation, not one per event. They are delivered even when the IVR fails part-way.
  const events = new EventBuffer();
  const ivr = new SecureIvr(
    config().ivr,
    liveDeps(config(), { callTransactionId: event.CallDetails.TransactionId, ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) }, events),
  );
  let outcome;
  try {
    outcome = await ivr.handle(event);
  } finally {
    if (events.size > 0) {
      sink ??= eventSinkFor(logger);
      await emitSafely(sink, events.drain(), logger);
    }
  }
  const { actions, state } = outcome;
  // One trace line per invocation at DEBUG: session steps are logged at INFO as session events, and the
  // hot path stays within its latency budget (POWERTOOLS_LOG_LEVEL=DEBUG turns tracing on).
  logger.debug('sma invocation', {
    callTransactionId: event.CallDetails.TransactionId,
    eventType: event.InvocationEventType,
    sequence: event.Sequence,
    actionType: event.ActionData?.Type,
    actionTypes: actions.map((a) => a.Type),
    stage: state.stage,
  });
  return { SchemaVersion: SCHEMA_VERSION, Actions: actions, TransactionAttributes: writeState(state) };
}

export const handler = middy(handleEvent).use(
  smaErrorBoundary({
    logger,
    failSession: (sessionId, error, cause) => liveDeps(config()).failCapture(sessionId, error, cause),
    agentEndpoint: () => {
      try {
        return config().ivr;
      } catch {
        return undefined;
      }
    },
    describe: errorName,
  }),
);
