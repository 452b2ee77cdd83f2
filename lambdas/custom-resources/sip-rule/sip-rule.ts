/**
 * The SIP rule's lifecycle for CloudFormation (a custom resource behind the CDK provider framework).
 * CloudFormation has no SIP-rule type, and the rule has two traps a plain API call falls into:
 * - a rule must be disabled before it (or its SIP media application) can be deleted;
 * - a failed create leaves no rule, yet CloudFormation still sends a Delete during rollback, with a
 *   physical id that is not a rule id.
 * Create makes an enabled ToPhoneNumber rule (adopting our own rule if a retried create finds it),
 * Update changes name and targets in place or, for a new phone number, makes a new rule (CloudFormation
 * then deletes the old one), Delete disables and deletes, and treats "not found" and a non-rule id as done.
 * Pure: the Chime SDK Voice client and the wait between retries are parameters.
 */
import {
  type ChimeSDKVoiceClient,
  ConflictException,
  CreateSipRuleCommand,
  DeleteSipRuleCommand,
  GetSipRuleCommand,
  ListSipRulesCommand,
  NotFoundException,
  type SipRule,
  UpdateSipRuleCommand,
} from '@aws-sdk/client-chime-sdk-voice';

/** What the construct passes (CloudFormation hands every property over as a string). */
export interface SipRuleProperties {
  readonly Name: string;
  readonly PhoneNumber: string;
  readonly SipMediaApplicationId: string;
  readonly AwsRegion: string;
}

export type SipRuleEvent =
  | { RequestType: 'Create'; ResourceProperties: Record<string, unknown> }
  | { RequestType: 'Update'; PhysicalResourceId: string; ResourceProperties: Record<string, unknown>; OldResourceProperties: Record<string, unknown> }
  | { RequestType: 'Delete'; PhysicalResourceId: string; ResourceProperties: Record<string, unknown> };

export interface SipRuleResult {
  readonly PhysicalResourceId: string;
  readonly Data?: { SipRuleId: string };
}

export interface SipRuleDeps {
  readonly client: Pick<ChimeSDKVoiceClient, 'send'>;
  /** Waits before retrying a delete the service refused as still in use. */
  readonly wait: (attempt: number) => Promise<void>;
  /** Where the handler's decisions go (ids and outcomes only). */
  readonly log: (message: string, fields?: Record<string, string | number | boolean>) => void;
  /** Delete attempts while the service still reports a conflict right after disabling. @default 5 */
  readonly deleteAttempts?: number;
}

/** SIP rule ids are UUIDs; anything else (the provider framework's CREATE_FAILED marker) names no rule. */
export const SIP_RULE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164 = /^\+[1-9]\d{6,14}$/;

export class SipRulePropertiesError extends Error {
  public constructor(problems: string[]) {
    super(`SIP rule resource: ${problems.join('; ')}`);
    this.name = 'SipRulePropertiesError';
  }
}

/** Create failed for a reason the deployer must fix; the message says how. */
export class SipRuleCreateError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SipRuleCreateError';
  }
}

export function parseProperties(raw: Record<string, unknown>): SipRuleProperties {
  const problems: string[] = [];
  const text = (key: keyof SipRuleProperties): string => {
    const v = raw[key];
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${key} is required`);
      return '';
    }
    return v;
  };
  const props = { Name: text('Name'), PhoneNumber: text('PhoneNumber'), SipMediaApplicationId: text('SipMediaApplicationId'), AwsRegion: text('AwsRegion') };
  if (props.PhoneNumber !== '' && !E164.test(props.PhoneNumber)) problems.push('PhoneNumber must be an E.164 number');
  if (props.Name.length > 256) problems.push('Name must be at most 256 characters');
  if (problems.length > 0) throw new SipRulePropertiesError(problems);
  return props;
}

const targets = (p: SipRuleProperties) => [{ SipMediaApplicationId: p.SipMediaApplicationId, Priority: 1, AwsRegion: p.AwsRegion }];

export async function handleSipRuleEvent(event: SipRuleEvent, deps: SipRuleDeps): Promise<SipRuleResult> {
  switch (event.RequestType) {
    case 'Create':
      return createRule(parseProperties(event.ResourceProperties), deps);
    case 'Update':
      return updateRule(event.PhysicalResourceId, parseProperties(event.ResourceProperties), parseProperties(event.OldResourceProperties), deps);
    case 'Delete':
      return deleteRule(event.PhysicalResourceId, deps);
    default: {
      const unknown: never = event;
      throw new SipRulePropertiesError([`unknown request type ${String((unknown as { RequestType: unknown }).RequestType).slice(0, 20)}`]);
    }
  }
}

const result = (id: string): SipRuleResult => ({ PhysicalResourceId: id, Data: { SipRuleId: id } });

async function createRule(p: SipRuleProperties, deps: SipRuleDeps): Promise<SipRuleResult> {
  try {
    const out = await deps.client.send(
      new CreateSipRuleCommand({ Name: p.Name, TriggerType: 'ToPhoneNumber', TriggerValue: p.PhoneNumber, Disabled: false, TargetApplications: targets(p) }),
    );
    const id = out.SipRule?.SipRuleId;
    if (!id) throw new SipRuleCreateError('CreateSipRule returned no SipRuleId; check the rule in the Chime SDK console and retry the deploy.');
    deps.log('SIP rule created', { sipRuleId: id });
    return result(id);
  } catch (err) {
    if (err instanceof ConflictException) {
      // A retried create may find the rule its first attempt made: adopt it only if it is exactly ours.
      const own = await findOwnRule(p, deps);
      if (own?.SipRuleId) {
        if (own.Disabled)
          await deps.client.send(new UpdateSipRuleCommand({ SipRuleId: own.SipRuleId, Name: p.Name, Disabled: false, TargetApplications: targets(p) }));
        deps.log('SIP rule adopted (same name, number and SIP media application)', { sipRuleId: own.SipRuleId });
        return result(own.SipRuleId);
      }
      throw new SipRuleCreateError(
        'The phone number already has a SIP rule, or a rule with this name exists. Remove or retarget that rule (aws chime-sdk-voice list-sip-rules), or configure another phoneNumber, then deploy again.',
      );
    }
    if (err instanceof NotFoundException) {
      throw new SipRuleCreateError(
        'The phone number is not in this account\u2019s Chime SDK inventory (or the SIP media application is gone). Order or port the number in this account first (npx secure-ivr doctor --phone-number checks it).',
      );
    }
    if (err instanceof Error && err.name === 'BadRequestException') {
      throw new SipRuleCreateError(
        'Chime SDK refused the SIP rule: the phone number must have product type SipMediaApplicationDialIn (not VoiceConnector). Change its product type (aws chime-sdk-voice update-phone-number --product-type SipMediaApplicationDialIn) and deploy again.',
      );
    }
    throw err;
  }
}

async function findOwnRule(p: SipRuleProperties, deps: SipRuleDeps): Promise<SipRule | undefined> {
  let token: string | undefined;
  do {
    const page = await deps.client.send(new ListSipRulesCommand({ SipMediaApplicationId: p.SipMediaApplicationId, NextToken: token }));
    const own = (page.SipRules ?? []).find((r) => r.Name === p.Name && r.TriggerType === 'ToPhoneNumber' && r.TriggerValue === p.PhoneNumber);
    if (own) return own;
    token = page.NextToken;
  } while (token);
  return undefined;
}

async function updateRule(physicalId: string, p: SipRuleProperties, old: SipRuleProperties, deps: SipRuleDeps): Promise<SipRuleResult> {
  // The trigger (phone number) cannot be changed in place: a new rule replaces the old one, and
  // CloudFormation deletes the old physical id once the update succeeds.
  if (p.PhoneNumber !== old.PhoneNumber || !SIP_RULE_ID.test(physicalId)) {
    deps.log('SIP rule replaced (new phone number or no rule yet)');
    return createRule(p, deps);
  }
  try {
    await deps.client.send(new UpdateSipRuleCommand({ SipRuleId: physicalId, Name: p.Name, Disabled: false, TargetApplications: targets(p) }));
    deps.log('SIP rule updated', { sipRuleId: physicalId });
    return result(physicalId);
  } catch (err) {
    if (!(err instanceof NotFoundException)) throw err;
    deps.log('SIP rule was deleted outside CloudFormation; creating it again', { sipRuleId: physicalId });
    return createRule(p, deps);
  }
}

async function deleteRule(physicalId: string, deps: SipRuleDeps): Promise<SipRuleResult> {
  if (!SIP_RULE_ID.test(physicalId)) {
    // A Create that failed made no rule; the id CloudFormation hands back names nothing to delete.
    deps.log('No SIP rule to delete (the create had failed)');
    return { PhysicalResourceId: physicalId };
  }
  let rule: SipRule | undefined;
  try {
    rule = (await deps.client.send(new GetSipRuleCommand({ SipRuleId: physicalId }))).SipRule;
  } catch (err) {
    if (err instanceof NotFoundException) {
      deps.log('SIP rule already gone', { sipRuleId: physicalId });
      return { PhysicalResourceId: physicalId };
    }
    throw err;
  }
  try {
    if (rule && rule.Disabled !== true) {
      await deps.client.send(
        new UpdateSipRuleCommand({ SipRuleId: physicalId, Name: rule.Name as string, Disabled: true, TargetApplications: rule.TargetApplications }),
      );
      deps.log('SIP rule disabled', { sipRuleId: physicalId });
    }
    const attempts = deps.deleteAttempts ?? 5;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await deps.client.send(new DeleteSipRuleCommand({ SipRuleId: physicalId }));
        break;
      } catch (err) {
        // The service can report the rule as in use for a moment after it was disabled.
        if (!(err instanceof ConflictException) || attempt >= attempts) throw err;
        await deps.wait(attempt);
      }
    }
  } catch (err) {
    if (!(err instanceof NotFoundException)) throw err;
  }
  deps.log('SIP rule deleted', { sipRuleId: physicalId });
  return { PhysicalResourceId: physicalId };
}
