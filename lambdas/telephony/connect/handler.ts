/**
 * The Lambda functions the secure-input flow invokes (one deployment each): `claim` and `status` here,
 * `capture` in capture-handler.ts (the only one that carries the Encryption SDK and reads the flow key). Each parses Connect's ContactFlowEvent, lets ConnectSession decide and returns
 * the flat string map the flow reads at `$.External`. Any unexpected failure becomes an answer that ends
 * card entry politely (and fails the session), never an exception that leaves the caller in the flow
 * without a prompt; logs carry error names only.
 */
import type { Context } from 'aws-lambda';
import { createLogger } from '../../shared/logging';
import { errorName } from '../../shared/errors';
import { EventBuffer } from '../../shared/session/events';
import { emitSafely, eventSinkFor } from '../../shared/session/event-sinks';
import { promptsFor } from '../capture/prompts';
import { decodeCaptureState, type ConnectCaptureState } from './capture-state';
import { ConnectSession } from './connect-session';
import { callKeyOf, PARAM, parseConnectEvent, type FlowResponse } from './contract';
import { connectCallId } from './connect-telephony';
import { liveConnectDeps, loadConnectConfig, type ConnectFunction, type ConnectFunctionConfig, type FlowKeyAccess } from './runtime';

const logger = createLogger('connect-flow');
let sink: ReturnType<typeof eventSinkFor> | undefined;
const configs = new Map<ConnectFunction, ConnectFunctionConfig>();
const configFor = (fn: ConnectFunction): ConnectFunctionConfig => {
  let cfg = configs.get(fn);
  if (!cfg) {
    cfg = loadConnectConfig(process.env, fn);
    configs.set(fn, cfg);
  }
  return cfg;
};

const safeAnswer = (language: string): FlowResponse => ({ next: 'done', prompt: promptsFor(language).unavailable, formId: '', state: '' });

function stateOf(parameters: Record<string, string>): ConnectCaptureState | undefined {
  try {
    return decodeCaptureState(parameters[PARAM.state]);
  } catch {
    return undefined;
  }
}

/** Runs one flow function: config, event, ConnectSession, events delivered at the end, a safe answer on failure. */
export async function runFlowFunction(
  fn: ConnectFunction,
  raw: unknown,
  context: Context | undefined,
  decide: (session: ConnectSession, event: ReturnType<typeof parseConnectEvent>) => Promise<FlowResponse>,
  flowKey?: (cfg: ConnectFunctionConfig) => FlowKeyAccess,
): Promise<FlowResponse> {
  const cfg = configFor(fn);
  const event = parseConnectEvent(raw);
  const callId = connectCallId(callKeyOf(event));
  const buffer = new EventBuffer();
  const origin = { callTransactionId: callId, ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}) };
  const session = new ConnectSession(liveConnectDeps(cfg, logger, `connect-${fn}`, origin, buffer, flowKey?.(cfg)));
  try {
    return await decide(session, event);
  } catch (err) {
    logger.error('connect flow function failed', { function: fn, operation: event.parameters[PARAM.operation], error: errorName(err) });
    const state = stateOf(event.parameters);
    if (fn === 'capture' && state) return await session.onInputFailed(state).catch(() => safeAnswer(state.ivr.language));
    return safeAnswer(state?.ivr.language ?? cfg.defaultLanguage);
  } finally {
    if (buffer.size > 0) {
      sink ??= eventSinkFor(logger);
      await emitSafely(sink, buffer.drain(), logger);
    }
  }
}

export const claim = (raw: unknown, context?: Context): Promise<FlowResponse> =>
  runFlowFunction('claim', raw, context, (session, event) => session.claim(connectCallId(callKeyOf(event)), event.channel));

export const status = (raw: unknown, context?: Context): Promise<FlowResponse> =>
  runFlowFunction('status', raw, context, (session, event) => session.status(decodeCaptureState(event.parameters[PARAM.state])));
