/**
 * One planned soak call on the sandbox's Amazon Connect telephony (see sandbox/faults): the plan's
 * caller keys through the secure-input flow, with its fault placed where Connect meets it — a caller
 * hang-up at a stage (the stage hook hangs the contact up), recording that cannot be suspended, the agent
 * leaving while on hold (Connect's counterpart of an agent who does not answer the call-back), and the
 * validation service and AWS faults exactly as on Chime. The SMA invocation faults have no Connect
 * counterpart and are left out of Connect soaks.
 */
import type { CallResult, Sandbox } from '../sandbox';
import type { CallPlan, FaultKind } from '../faults/fault-plan';
import { runConnectScriptedCall } from './connect-call';
import type { ConnectContact, ContactFaults } from './emulator';

const STAGE_HANGUPS: Partial<Record<FaultKind, string>> = {
  'hangup-begin': 'begin',
  'hangup-insert': 'insert',
  'hangup-validate': 'validate',
  'hangup-end': 'end',
};

export async function runPlannedConnectCall(
  sandbox: Sandbox,
  plan: CallPlan,
  sessionId: string,
  hooks: Map<string, () => Promise<void>>,
  ctx: { fields: Record<string, string>; armTls: () => void },
): Promise<{ result: Omit<CallResult, 'call' | 'executionArn'>; contact: ConnectContact }> {
  const connect = sandbox.connect;
  if (!connect) throw new Error('The sandbox does not run the Connect telephony');
  const faults: ContactFaults = {};
  if (plan.fault === 'recording-pause-fails') faults.recordingSuspendFails = true;
  if (plan.fault === 'agent-no-answer') faults.agentHangsUpBefore = (a) => a.Identifier === 'status';
  let contact: ConnectContact | undefined;
  const stage = STAGE_HANGUPS[plan.fault as FaultKind];
  if (stage) hooks.set(`${stage}:${sessionId}`, async () => contact?.hangUpCaller());
  if (plan.fault === 'validation-tls') hooks.set(`validate:${sessionId}`, async () => ctx.armTls());
  if (plan.aws) {
    const { operation, count, errorType, stage: at } = plan.aws;
    const engine = operation.startsWith('kms:') ? sandbox.kms : sandbox.dynamo;
    hooks.set(`${at}:${sessionId}`, async () => engine.injectFault(operation, count, errorType));
  }
  const result = await runConnectScriptedCall(sandbox, connect, {
    keys: plan.keys,
    formId: 'card-payment',
    fields: ctx.fields,
    sessionId,
    timeoutMs: 120_000,
    contact: { faults },
    onContact: (c) => (contact = c),
  });
  const { contact: c, flow: _flow, agentAtFlowEnd: _agent, ...rest } = result;
  return { result: rest, contact: c };
}
