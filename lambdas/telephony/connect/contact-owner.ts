/**
 * Who a Connect contact belongs to: the agent Connect routed it to, as its contact events say
 * (CONNECTED_TO_AGENT, `agentInfo.agentArn`), bound to one configured secure-ivr user. The agent API and the
 * flow's claim both refuse to act for anyone else, as the Chime path does with the answering agent leg.
 *
 * The binding: the one configured user whose `endpoints` list the Connect user id (the last part of the
 * agent ARN, a UUID); when no user lists it, the user whose secure-ivr id is that Connect user id (an
 * installation, like the sandbox, that names its agents the same in both). Two users listing the same id:
 * nobody (the configuration is ambiguous, so the call has no known owner).
 */
import type { FormsConfig } from '../../shared/session/forms';

const AGENT_ARN = /^arn:[a-z-]+:connect:[a-z0-9-]+:\d{12}:instance\/[A-Za-z0-9-]{1,64}\/agent\/([A-Za-z0-9._-]{1,36})$/;

/** The Connect user id in an agent ARN, or undefined when it is not one. */
export function connectUserIdOf(agentArn: unknown): string | undefined {
  return typeof agentArn === 'string' ? AGENT_ARN.exec(agentArn)?.[1] : undefined;
}

/** The secure-ivr user a Connect user id stands for (see the module comment), or undefined. */
export function ownerOfConnectAgent(config: Pick<FormsConfig, 'users'>, connectUserId: string): string | undefined {
  const listing = (config.users ?? []).filter((u) => u.endpoints?.includes(connectUserId));
  if (listing.length === 1) return listing[0]?.id;
  if (listing.length > 1) return undefined;
  return connectUserId;
}
