/**
 * The agent API's telephony settings: a Connect-only stack (TELEPHONY_ADAPTERS=connect) has no SIP media
 * application, so the API starts without SIP_MEDIA_APPLICATION_ID and refuses a Chime-only call update with
 * a clear reason; wherever Chime carries calls the SMA id stays required and updates reach it.
 */
import { ChimeSDKVoiceClient, NotFoundException, UpdateSipMediaApplicationCallCommand } from '@aws-sdk/client-chime-sdk-voice';
import { mockClient } from 'aws-sdk-client-mock';
import { AgentRequestRefusedError } from '../../lambdas/agent-api/errors';
import { chimeCallUpdates, liveAgentService } from '../../lambdas/agent-api/runtime';
import { ConfigurationError } from '../../lambdas/shared/errors';
import type { FormsConfig } from '../../lambdas/shared/session/forms';

const BASE_ENV = {
  AWS_REGION: 'us-east-1',
  SESSION_TABLE: 'sessions',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:SecureIvr-Session',
};
const CONFIG: FormsConfig = { forms: [] } as unknown as FormsConfig;
const interactions = { describe: async () => undefined } as never;

describe('agent API telephony settings', () => {
  const voice = mockClient(ChimeSDKVoiceClient);
  afterEach(() => voice.reset());
  afterAll(() => voice.restore());

  it('starts on a Connect-only stack without SIP_MEDIA_APPLICATION_ID', () => {
    // Act / Assess
    expect(liveAgentService({ ...BASE_ENV, TELEPHONY_ADAPTERS: 'connect' }, CONFIG, { interactions })).toBeDefined();
  });

  it.each([
    ['unset (chime)', {}],
    ['chime', { TELEPHONY_ADAPTERS: 'chime' }],
    ['both', { TELEPHONY_ADAPTERS: 'both' }],
  ])('still requires SIP_MEDIA_APPLICATION_ID when TELEPHONY_ADAPTERS is %s', (_name, extra) => {
    // Act / Assess: a configuration error naming the missing variable, at start
    expect(() => liveAgentService({ ...BASE_ENV, ...extra }, CONFIG, { interactions })).toThrow(ConfigurationError);
    expect(() => liveAgentService({ ...BASE_ENV, ...extra }, CONFIG, { interactions })).toThrow(/SIP_MEDIA_APPLICATION_ID/);
  });

  it('refuses an unknown TELEPHONY_ADAPTERS value at start', () => {
    expect(() => liveAgentService({ ...BASE_ENV, TELEPHONY_ADAPTERS: 'teams', SIP_MEDIA_APPLICATION_ID: 'sma-1' }, CONFIG, { interactions })).toThrow(
      /TELEPHONY_ADAPTERS/,
    );
  });

  it('answers a Chime call update on a Connect-only stack with a telephony-unavailable refusal, and sends nothing', async () => {
    // Act
    const attempt = chimeCallUpdates(undefined).update('call-tx-1', { op: 'secure-reenter', sessionId: 's-1', field: 'pan' });
    // Assess: a 409 the console shows as is; the reason names no value of the request
    await expect(attempt).rejects.toThrow(AgentRequestRefusedError);
    const err = (await attempt.catch((e: unknown) => e)) as AgentRequestRefusedError;
    expect(err).toMatchObject({ name: 'AgentRequestRefusedError', code: 'telephony-unavailable', status: 409 });
    expect(err.message).toMatch(/Amazon Connect only/);
    expect(err.message).not.toMatch(/call-tx-1|s-1/);
    expect(voice.calls()).toHaveLength(0);
  });

  it('updates the call on the stack SMA where Chime carries calls, and reports a call that is gone', async () => {
    // Prepare
    voice
      .on(UpdateSipMediaApplicationCallCommand)
      .resolvesOnce({})
      .rejectsOnce(new NotFoundException({ message: 'gone', $metadata: {} }));
    const calls = chimeCallUpdates('sma-1');
    // Act
    const first = await calls.update('call-tx-1', { op: 'secure-reenter' });
    const second = await calls.update('call-tx-2', { op: 'secure-reenter' });
    // Assess
    expect([first, second]).toEqual([true, false]);
    expect(voice.commandCalls(UpdateSipMediaApplicationCallCommand)[0]?.args[0].input).toEqual({
      SipMediaApplicationId: 'sma-1',
      TransactionId: 'call-tx-1',
      Arguments: { op: 'secure-reenter' },
    });
  });
});
