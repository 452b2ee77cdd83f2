/**
 * The Amazon Connect settings from CDK context: `-c telephony=chime|connect|both`,
 * `-c connectInstanceArn=…` (an existing instance; the stack never creates or deletes one),
 * `-c connectAgentQueues=<queue ARN>,…` (the queues whose agents see the Secure Input quick connect),
 * `-c connectFlowKeyGeneration=N` (raise to rotate the flow key), `-c connectFlowKeyValidDays=365` and
 * `-c connectFlowKeyAlarmDays=30` (alarm that many days before the certificate expires).
 */
import type { Node } from 'constructs';
import type { TelephonyChoice } from '../regions';

export type { TelephonyChoice };

export interface ConnectConfig {
  readonly instanceArn: string;
  readonly agentQueues: readonly string[];
  readonly flowKeyGeneration: number;
  readonly flowKeyValidDays: number;
  readonly flowKeyAlarmDays: number;
}

// The region rule (lib/regions.ts CONNECT_STACK_REGIONS) depends on the telephony choice; stack-config applies it once.
const INSTANCE_ARN = /^arn:aws[a-z-]*:connect:([a-z0-9-]+):(\d{12}):instance\/[0-9a-f-]{36}$/;
const QUEUE = /^(arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:instance\/[0-9a-f-]{36}\/queue\/)?[0-9a-f-]{36}$/;

function text(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw).trim();
  return value === '' ? undefined : value;
}

export function readTelephony(node: Node, problems: string[]): TelephonyChoice {
  const raw = (text(node, 'telephony') ?? 'chime').toLowerCase();
  if (raw === 'chime' || raw === 'connect' || raw === 'both') return raw;
  problems.push('telephony must be chime, connect or both');
  return 'chime';
}

/** Reads the Connect settings when the telephony choice includes Connect; adds every problem found. */
export function readConnectConfig(
  node: Node,
  telephony: TelephonyChoice,
  where: { account: string; region: string },
  problems: string[],
): ConnectConfig | undefined {
  if (telephony === 'chime') return undefined;
  const instanceArn = text(node, 'connectInstanceArn');
  const match = instanceArn ? INSTANCE_ARN.exec(instanceArn) : null;
  if (!instanceArn)
    problems.push(
      'connectInstanceArn is required when telephony is connect or both (arn:aws:connect:<region>:<account>:instance/<id>; the stack never creates an instance)',
    );
  else if (!match) problems.push('connectInstanceArn must be an Amazon Connect instance ARN (arn:aws:connect:<region>:<account>:instance/<id>)');
  else if (match[1] !== where.region || match[2] !== where.account)
    problems.push("connectInstanceArn must be in the stack's own account and region (Lambda integrations and the flow key are regional)");
  const rawQueues: unknown = node.tryGetContext('connectAgentQueues');
  const agentQueues =
    rawQueues === undefined || rawQueues === null || rawQueues === ''
      ? []
      : Array.isArray(rawQueues)
        ? rawQueues.map(String)
        : String(rawQueues)
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
  if (agentQueues.some((q) => !QUEUE.test(q))) problems.push('connectAgentQueues must be a comma-separated list of queue ARNs or queue ids of the instance');
  const whole = (key: string, fallback: number, min: number, max: number): number => {
    const raw = text(node, key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const flowKeyValidDays = whole('connectFlowKeyValidDays', 365, 30, 3650);
  const flowKeyAlarmDays = whole('connectFlowKeyAlarmDays', 30, 7, 180);
  if (flowKeyAlarmDays >= flowKeyValidDays) problems.push('connectFlowKeyAlarmDays must be less than connectFlowKeyValidDays');
  return {
    instanceArn: instanceArn ?? '',
    agentQueues,
    flowKeyGeneration: whole('connectFlowKeyGeneration', 1, 1, 1_000_000),
    flowKeyValidDays,
    flowKeyAlarmDays,
  };
}
