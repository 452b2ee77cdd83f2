/**
 * The SIP-rule custom resource's lifecycle against the sandbox's local Chime SDK Voice endpoint, through
 * the real ChimeSDKVoiceClient: every CloudFormation path that must end with nothing stuck.
 */
import { ChimeSDKVoiceClient, ConflictException, DeleteSipRuleCommand } from '@aws-sdk/client-chime-sdk-voice';
import { handleSipRuleEvent, type SipRuleDeps, SipRuleCreateError, SipRulePropertiesError } from '../../../lambdas/custom-resources/sip-rule/sip-rule';
import { startVoiceEndpoint, type VoiceEndpoint } from '../../../sandbox/sma/voice-endpoint';

const NUMBER = '+15555550123';
const OTHER_NUMBER = '+15555550124';
/** What the CDK provider framework hands back as the physical id after a failed Create. */
const FAILED_CREATE_ID = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

let voice: VoiceEndpoint;
let client: ChimeSDKVoiceClient;
let smaId: string;
let waits: number[];
let logs: string[];

const deps = (): SipRuleDeps => ({
  client,
  wait: async (attempt) => {
    waits.push(attempt);
  },
  log: (m) => logs.push(m),
});
const props = (over: Record<string, unknown> = {}) => ({
  Name: 'SecureIvr-15555550123',
  PhoneNumber: NUMBER,
  SipMediaApplicationId: smaId,
  AwsRegion: 'us-east-1',
  ServiceToken: 'arn:x',
  ...over,
});

beforeEach(async () => {
  voice = await startVoiceEndpoint();
  client = new ChimeSDKVoiceClient({ endpoint: voice.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  smaId = voice.inventory.addSipMediaApplication('SecureIvr-secure-ivr');
  voice.inventory.addPhoneNumber(NUMBER);
  voice.inventory.addPhoneNumber(OTHER_NUMBER);
  waits = [];
  logs = [];
});

afterEach(async () => {
  client.destroy();
  await voice.close();
});

describe('SIP rule custom resource', () => {
  it('creates an enabled rule, updates it in place, and on delete disables it before deleting it', async () => {
    // Act: create
    const created = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    // Assess
    const rule = voice.inventory.getSipRule(created.PhysicalResourceId);
    expect(rule).toMatchObject({
      Disabled: false,
      TriggerType: 'ToPhoneNumber',
      TriggerValue: NUMBER,
      TargetApplications: [{ SipMediaApplicationId: smaId, Priority: 1, AwsRegion: 'us-east-1' }],
    });
    expect(created.Data).toEqual({ SipRuleId: created.PhysicalResourceId });

    // Act: update (a replaced SMA and a new name keep the rule)
    const newSma = voice.inventory.addSipMediaApplication('replacement');
    const updated = await handleSipRuleEvent(
      {
        RequestType: 'Update',
        PhysicalResourceId: created.PhysicalResourceId,
        ResourceProperties: props({ SipMediaApplicationId: newSma, Name: 'renamed' }),
        OldResourceProperties: props(),
      },
      deps(),
    );
    // Assess
    expect(updated.PhysicalResourceId).toBe(created.PhysicalResourceId);
    expect(voice.inventory.getSipRule(created.PhysicalResourceId)).toMatchObject({
      Name: 'renamed',
      Disabled: false,
      TargetApplications: [{ SipMediaApplicationId: newSma }],
    });

    // Act: delete
    await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: props() }, deps());
    // Assess: gone, number free again, and the service saw disable (UpdateSipRule) before DeleteSipRule
    expect(voice.inventory.sipRules.size).toBe(0);
    expect(voice.inventory.ruleForNumber(NUMBER)).toBeUndefined();
    expect(voice.counts()).toMatchObject({ 'chime:CreateSipRule': 1, 'chime:UpdateSipRule': 2, 'chime:GetSipRule': 1, 'chime:DeleteSipRule': 1 });
    expect(logs).toEqual(['SIP rule created', 'SIP rule updated', 'SIP rule disabled', 'SIP rule deleted']);
  });

  it('replaces the rule when the phone number changes, and CloudFormation\u2019s delete of the old id removes the old rule', async () => {
    // Prepare
    const created = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    // Act
    const replaced = await handleSipRuleEvent(
      {
        RequestType: 'Update',
        PhysicalResourceId: created.PhysicalResourceId,
        ResourceProperties: props({ PhoneNumber: OTHER_NUMBER, Name: 'SecureIvr-15555550124' }),
        OldResourceProperties: props(),
      },
      deps(),
    );
    await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: props() }, deps());
    // Assess
    expect(replaced.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect([...voice.inventory.sipRules.keys()]).toEqual([replaced.PhysicalResourceId]);
    expect(voice.inventory.ruleForNumber(OTHER_NUMBER)?.Disabled).toBe(false);
  });

  it.each([
    ['a number not in the inventory', { PhoneNumber: '+15555550999' }, /not in this account/],
    ['a number of product type VoiceConnector', { PhoneNumber: '+15555550777' }, /product type SipMediaApplicationDialIn/],
  ])('fails create clearly for %s, and the rollback delete with the bogus physical id succeeds and changes nothing', async (_what, over, message) => {
    // Prepare
    voice.inventory.addPhoneNumber('+15555550777', 'VoiceConnector');
    // Act
    const failure = handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props(over) }, deps());
    // Assess
    await expect(failure).rejects.toThrow(SipRuleCreateError);
    await expect(failure).rejects.toThrow(message);
    const rollback = await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: FAILED_CREATE_ID, ResourceProperties: props(over) }, deps());
    expect(rollback.PhysicalResourceId).toBe(FAILED_CREATE_ID);
    expect(voice.inventory.sipRules.size).toBe(0);
    expect(voice.counts()['chime:DeleteSipRule']).toBeUndefined();
  });

  it('refuses to take over a number already routed by a rule made by hand, and the rollback leaves that rule alone', async () => {
    // Prepare: someone routed the number by hand to another SMA
    const other = voice.inventory.addSipMediaApplication('by-hand');
    const byHand = voice.inventory.createSipRule({
      Name: 'by-hand',
      TriggerType: 'ToPhoneNumber',
      TriggerValue: NUMBER,
      TargetApplications: [{ SipMediaApplicationId: other, Priority: 1, AwsRegion: 'us-east-1' }],
    });
    // Act
    await expect(handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps())).rejects.toThrow(/already has a SIP rule/);
    await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: FAILED_CREATE_ID, ResourceProperties: props() }, deps());
    // Assess
    expect(voice.inventory.getSipRule(byHand.SipRuleId)).toMatchObject({ Disabled: false, Name: 'by-hand' });
  });

  it('adopts its own rule when a retried create finds it already made', async () => {
    // Prepare: the first attempt's rule exists (same name, number and SMA), disabled meanwhile
    const first = voice.inventory.createSipRule({
      Name: props().Name,
      TriggerType: 'ToPhoneNumber',
      TriggerValue: NUMBER,
      Disabled: true,
      TargetApplications: [{ SipMediaApplicationId: smaId, Priority: 1, AwsRegion: 'us-east-1' }],
    });
    // Act
    const created = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    // Assess
    expect(created.PhysicalResourceId).toBe(first.SipRuleId);
    expect(voice.inventory.getSipRule(first.SipRuleId).Disabled).toBe(false);
  });

  it('deletes an enabled rule created by hand (disable first), and a second delete of the same id is a no-op', async () => {
    // Prepare
    const byHand = voice.inventory.createSipRule({
      Name: 'by-hand',
      TriggerType: 'ToPhoneNumber',
      TriggerValue: NUMBER,
      TargetApplications: [{ SipMediaApplicationId: smaId, Priority: 1, AwsRegion: 'us-east-1' }],
    });
    // The service itself refuses to delete an enabled rule (what left stacks in DELETE_FAILED).
    await expect(client.send(new DeleteSipRuleCommand({ SipRuleId: byHand.SipRuleId }))).rejects.toThrow(ConflictException);
    // Act
    await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: byHand.SipRuleId, ResourceProperties: props() }, deps());
    const again = await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: byHand.SipRuleId, ResourceProperties: props() }, deps());
    // Assess
    expect(voice.inventory.sipRules.size).toBe(0);
    expect(again.PhysicalResourceId).toBe(byHand.SipRuleId);
    expect(logs).toContain('SIP rule already gone');
  });

  it('retries a delete the service still reports in use after disabling, and gives up with the service\u2019s error after the last attempt', async () => {
    // Prepare
    const created = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    voice.faults.injectFault('DeleteSipRule', 2, 'ConflictException');
    // Act
    await handleSipRuleEvent({ RequestType: 'Delete', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: props() }, deps());
    // Assess
    expect(waits).toEqual([1, 2]);
    expect(voice.inventory.sipRules.size).toBe(0);

    // Prepare: a rule the service never lets go
    const stuck = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    voice.faults.injectFault('DeleteSipRule', 10, 'ConflictException');
    // Act / Assess
    await expect(
      handleSipRuleEvent(
        { RequestType: 'Delete', PhysicalResourceId: stuck.PhysicalResourceId, ResourceProperties: props() },
        { ...deps(), deleteAttempts: 3 },
      ),
    ).rejects.toThrow(ConflictException);
  });

  it('re-creates the rule on update when it was deleted outside CloudFormation', async () => {
    // Prepare
    const created = await handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: props() }, deps());
    voice.inventory.updateSipRule(created.PhysicalResourceId, { Name: props().Name, Disabled: true });
    voice.inventory.deleteSipRule(created.PhysicalResourceId);
    // Act
    const updated = await handleSipRuleEvent(
      { RequestType: 'Update', PhysicalResourceId: created.PhysicalResourceId, ResourceProperties: props({ Name: 'again' }), OldResourceProperties: props() },
      deps(),
    );
    // Assess
    expect(updated.PhysicalResourceId).not.toBe(created.PhysicalResourceId);
    expect(voice.inventory.ruleForNumber(NUMBER)?.Name).toBe('again');
  });

  it('refuses bad properties with one error naming each problem and calls nothing', async () => {
    // Act
    const bad = handleSipRuleEvent({ RequestType: 'Create', ResourceProperties: { Name: '', PhoneNumber: '5550123', SipMediaApplicationId: smaId } }, deps());
    // Assess
    await expect(bad).rejects.toThrow(SipRulePropertiesError);
    await expect(bad).rejects.toThrow('Name is required; AwsRegion is required; PhoneNumber must be an E.164 number');
    expect(voice.counts()).toEqual({});
  });
});
