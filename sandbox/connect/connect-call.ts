/**
 * One whole scripted call on the sandbox's Amazon Connect telephony, as `secure-ivr call --telephony
 * connect` runs it: the customer is connected to the agent, the agent leaves the session request and
 * presses the Secure Input quick connect, the customer keys the script in the secure-input flow, the
 * flow tells the outcome and gives the customer back to the agent, and the customer hangs up.
 */
import type { CallResult, Sandbox, SessionAsk } from '../sandbox';
import { ScriptedCaller } from '../sma/caller';
import type { ConnectSandbox } from './connect-sandbox';
import type { ConnectContact, ContactOptions, ParticipantState } from './emulator';

export interface ConnectCallOptions extends SessionAsk {
  keys: string;
  timeoutMs?: number;
  /** Contact options (faults, recording, timing) for this call. */
  contact?: ContactOptions;
  /** Skip the agent's request (a transfer nobody asked for). @default false */
  noRequest?: boolean;
  /** The session id the agent's request uses. @default a new UUID */
  sessionId?: string;
  /** Runs once the contact exists, before the request and the transfer (soaks arm their faults here). */
  onContact?: (contact: ConnectContact) => void;
  /** Runs once the flow is under way (a test cancels or hangs up from here). */
  during?: (contact: ConnectContact, sessionId: string) => Promise<void>;
}

export type ConnectCallResult = Omit<CallResult, 'call' | 'executionArn'> & {
  executionArn?: string;
  contact: ConnectContact;
  /** How the transfer flow ended: returned (the caller back with the agent), disconnected, failed. */
  flow: string;
  /** The agent's state when the flow ended (connected = off hold, talking with the caller again). */
  agentAtFlowEnd: ParticipantState;
};

export async function runConnectScriptedCall(sandbox: Sandbox, connect: ConnectSandbox, options: ConnectCallOptions): Promise<ConnectCallResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const agentId = options.agentId ?? 'agent-sandbox';
  // The contact reaches the agent who then asks for secure input (a test may name another agent on the contact).
  const contact = connect.placeCall(new ScriptedCaller(options.keys), { agentUserId: agentId, ...(options.contact ?? {}) });
  options.onContact?.(contact);
  let sessionId = '';
  if (!options.noRequest) {
    sessionId = await connect.leavePendingRequest(
      contact,
      { agentId, formId: options.formId, fields: options.fields, parties: options.parties ?? 2 },
      options.sessionId,
    );
  }
  const flow = connect.pressQuickConnect(contact);
  if (options.during) await options.during(contact, sessionId);
  const flowState = await flow;
  const outcomeAt = Date.now();
  const agentAtFlowEnd = contact.agent;
  const execution = sessionId ? sandbox.sfn.executions().find((e) => e.name === sessionId) : undefined;
  // Back with the agent (or gone): the customer ends the call.
  if (contact.status === 'active') contact.hangUpCaller();
  if (!execution) {
    return { sessionId, outcome: 'aborted', details: 'no secure session was started on this transfer', contact, flow: flowState, agentAtFlowEnd };
  }
  const ended = await sandbox.sessionOutcome(execution.executionArn, timeoutMs);
  return {
    ...ended,
    sessionId: ended.sessionId || sessionId,
    executionArn: execution.executionArn,
    contact,
    flow: flowState,
    agentAtFlowEnd,
    ...(contact.lastKeyAt !== undefined ? { lastKeyToOutcomeMs: outcomeAt - contact.lastKeyAt } : {}),
  };
}
