/**
 * The fault plan of a soak run: for each call, from a seed, which fault it meets (or none) and what the
 * caller keys. Faults cover every failure the issue names — the validation service (HTTP 500, too slow,
 * malformed or hostile reply, wrong TLS certificate, reset, card data echoed in disguise), the caller
 * hanging up at each stage, KMS and
 * DynamoDB errors, duplicate SMA invocations and an SMA handler missing the deadline — plus the emulator's
 * recording-pause and agent-no-answer faults.
 */
import { ECHO_DISGUISES, MALFORMED_REPLIES, type EchoDisguise, type MalformedReply } from './faulty-validation-server';
import { seededRandom } from './seeded-random';

export const FAULT_KINDS = [
  'validation-500',
  'validation-timeout',
  'validation-malformed',
  'validation-tls',
  'validation-reset',
  /** The validation service echoes the card data in disguise (security review 1). */
  'validation-echo-disguised',
  'hangup-begin',
  'hangup-card',
  'hangup-expiry',
  'hangup-cvv',
  'hangup-insert',
  'hangup-validate',
  'hangup-end',
  'kms-error',
  'dynamodb-error',
  'sma-duplicate',
  'sma-slow',
  'recording-pause-fails',
  'agent-no-answer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Groups accepted by `--faults`, besides single kinds and `all`. */
export const FAULT_GROUPS: Readonly<Record<string, readonly FaultKind[]>> = {
  validation: ['validation-500', 'validation-timeout', 'validation-malformed', 'validation-tls', 'validation-reset', 'validation-echo-disguised'],
  hangup: ['hangup-begin', 'hangup-card', 'hangup-expiry', 'hangup-cvv', 'hangup-insert', 'hangup-validate', 'hangup-end'],
  aws: ['kms-error', 'dynamodb-error'],
  sma: ['sma-duplicate', 'sma-slow'],
  telephony: ['recording-pause-fails', 'agent-no-answer'],
};

export class FaultListError extends Error {
  public constructor(unknown: string[]) {
    super(
      `Unknown fault kinds: ${unknown.join(', ')}. Use all, none, a group (${Object.keys(FAULT_GROUPS).join(', ')}) or kinds from: ${FAULT_KINDS.join(', ')}.`,
    );
    this.name = 'FaultListError';
  }
}

/** Parses `all`, `none` or a comma-separated list of kinds and groups. */
export function parseFaultList(text: string): FaultKind[] {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 1 && parts[0] === 'none') return [];
  const kinds = new Set<FaultKind>();
  const unknown: string[] = [];
  for (const p of parts) {
    if (p === 'all') FAULT_KINDS.forEach((k) => kinds.add(k));
    else if (FAULT_GROUPS[p]) FAULT_GROUPS[p].forEach((k) => kinds.add(k));
    else if ((FAULT_KINDS as readonly string[]).includes(p)) kinds.add(p as FaultKind);
    else unknown.push(p);
  }
  if (unknown.length > 0) throw new FaultListError(unknown);
  return [...kinds];
}

export const SOAK_CARDS = {
  visa: '4111111111111111',
  mastercard: '5555555555554444',
  amex: '378282246310005',
  declined: '4000000000000002',
} as const;
export const SOAK_EXPIRY = '1230';
export const SOAK_CVV = '737';
export const SOAK_CVV_AMEX = '7373';

export interface CallPlan {
  index: number;
  fault: FaultKind | 'none';
  /** Caller keys (ScriptedCaller syntax). */
  keys: string;
  /** The form's account field; the faulty validation service finds the call's fault by it. */
  account: string;
  /** For validation-malformed. */
  malformed?: MalformedReply;
  /** For validation-echo-disguised. */
  echo?: EchoDisguise;
  /** For kms-error / dynamodb-error: which operation fails, how often in a row, with what, at which stage. */
  aws?: { operation: string; count: number; errorType: string; stage: string };
}

interface AwsFaultSpec {
  operation: string;
  stage: string;
  errorTypes: readonly string[];
}

const AWS_FAULTS: Readonly<Record<'kms' | 'dynamodb', readonly AwsFaultSpec[]>> = {
  kms: [
    { operation: 'kms:GenerateDataKey', stage: 'getKey', errorTypes: ['KMSInternalException', 'ThrottlingException', 'KeyUnavailableException'] },
    { operation: 'kms:Decrypt', stage: 'validate', errorTypes: ['KMSInternalException', 'ThrottlingException', 'KeyUnavailableException'] },
  ],
  dynamodb: [
    { operation: 'dynamodb:PutItem', stage: 'getKey', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
    { operation: 'dynamodb:UpdateItem', stage: 'insert', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
    { operation: 'dynamodb:GetItem', stage: 'validate', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
    { operation: 'dynamodb:PutItem', stage: 'end', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
    { operation: 'dynamodb:PutItem', stage: 'abort', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
    { operation: 'dynamodb:UpdateItem', stage: 'begin', errorTypes: ['ProvisionedThroughputExceededException', 'InternalServerError'] },
  ],
};

/** One call per index; `faultRate` of them meet a fault drawn evenly from `kinds`. */
export function planCalls(options: { calls: number; seed: number; kinds: readonly FaultKind[]; faultRate?: number }): CallPlan[] {
  const rnd = seededRandom(options.seed);
  const faultRate = options.kinds.length === 0 ? 0 : (options.faultRate ?? 0.7);
  const plans: CallPlan[] = [];
  for (let index = 0; index < options.calls; index += 1) {
    const fault: FaultKind | 'none' = rnd.chance(faultRate) ? rnd.pick(options.kinds) : 'none';
    const card = rnd.pick([SOAK_CARDS.visa, SOAK_CARDS.visa, SOAK_CARDS.mastercard, SOAK_CARDS.amex, SOAK_CARDS.declined]);
    const cvv = card === SOAK_CARDS.amex ? SOAK_CVV_AMEX : SOAK_CVV;
    let keys = `${card}#${SOAK_EXPIRY}#${cvv}#`;
    if (fault === 'hangup-card') keys = `${card.slice(0, rnd.int(0, card.length - 1))}h`;
    if (fault === 'hangup-expiry') keys = `${card}#${SOAK_EXPIRY.slice(0, rnd.int(0, 3))}h`;
    if (fault === 'hangup-cvv') keys = `${card}#${SOAK_EXPIRY}#${cvv.slice(0, rnd.int(0, cvv.length - 1))}h`;
    const plan: CallPlan = { index, fault, keys, account: `SOAK-${index}` };
    if (fault === 'validation-malformed') plan.malformed = rnd.pick(MALFORMED_REPLIES);
    if (fault === 'validation-echo-disguised') plan.echo = rnd.pick(ECHO_DISGUISES);
    if (fault === 'kms-error' || fault === 'dynamodb-error') {
      const spec = rnd.pick(fault === 'kms-error' ? AWS_FAULTS.kms : AWS_FAULTS.dynamodb);
      // The SDK retries a throttle or a 5xx (3 attempts in all): 1–2 in a row are absorbed, 3–4 get through.
      plan.aws = { operation: spec.operation, stage: spec.stage, count: rnd.int(1, 4), errorType: rnd.pick(spec.errorTypes) };
    }
    plans.push(plan);
  }
  return plans;
}
