import { SecureIvr, cleanEntry, type IvrConfig, type IvrDeps } from '../../../../lambdas/telephony/chime-sma/ivr';
import { writeState } from '../../../../lambdas/telephony/chime-sma/call-state';
import type { SmaAction, SmaEvent, TransactionAttributes } from '../../../../lambdas/telephony/chime-sma/contract';
import type { CaptureResult } from '../../../../lambdas/shared/session/contract';
import type { ProgressUpdate } from '../../../../lambdas/shared/session/session-store';
import { AMEX_SENTINEL, CVV_SENTINEL, PAN_SENTINEL, smaFixture } from '../../../helpers/fixtures';

const IVR = '["en-US","Joanna","neural",3,20,5]';
const LEG_A = 'c0ffee00-0000-4000-8000-00000000000a';
const LEG_B = 'c0ffee00-0000-4000-8000-00000000000b';

interface Recorder {
  deps: IvrDeps;
  sealed: Array<{ sessionId: string; field: string; digits: string }>;
  completed: CaptureResult[];
  failed: Array<{ error: string; cause: string }>;
  progress: ProgressUpdate[];
  logs: Array<{ level: string; message: string; attrs?: Record<string, unknown> }>;
  events: Array<{ type: string; success: boolean; details?: Record<string, unknown> }>;
  keying: string[];
}

function recorder(options: { sealFails?: boolean; now?: Date } = {}): Recorder {
  const r: Recorder = { sealed: [], completed: [], failed: [], progress: [], logs: [], events: [], keying: [], deps: undefined as unknown as IvrDeps };
  const log = (level: string) => (message: string, attrs?: Record<string, unknown>) => void r.logs.push({ level, message, ...(attrs ? { attrs } : {}) });
  r.deps = {
    now: () => options.now ?? new Date('2026-11-22T10:00:00Z'),
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    sealField: async (sessionId, field, digits) => {
      if (options.sealFails) throw new Error('kms down');
      r.sealed.push({ sessionId, field, digits });
      return 'vault-ref-0001';
    },
    completeCapture: async (_sid, result) => {
      r.completed.push(result);
      return true;
    },
    failCapture: async (_sid, error, cause) => {
      r.failed.push({ error, cause });
      return true;
    },
    recordProgress: async (_sid, update) => {
      r.progress.push(update);
    },
    recordAgentLeg: async () => undefined,
    callerKeying: async (callTransactionId) => {
      r.keying.push(callTransactionId);
    },
    emit: async (type, _sid, success, details) => {
      r.events.push({ type, success, ...(details ? { details } : {}) });
    },
  };
  return r;
}

const config: IvrConfig = {
  agentEndpoint: { BridgeEndpointType: 'PSTN', Uri: '+15555550100' },
  agentRingSeconds: 30,
  recordingLocation: 'recordings-bucket/calls',
};
const capturing = (field: string, extra: TransactionAttributes = {}): TransactionAttributes => ({
  stage: 'capturing',
  rec: 'paused',
  tries: '0',
  sid: 'session-0001',
  ivr: IVR,
  field,
  ...extra,
});
const types = (list: SmaAction[]): string[] => list.map((a) => a.Type);

async function run(event: SmaEvent, r = recorder(), cfg: IvrConfig = config) {
  const out = await new SecureIvr(cfg, r.deps).handle(event);
  return { ...out, attrs: writeState(out.state), r };
}

describe('secure IVR: bridging', () => {
  it('answers an inbound call by bridging the caller to the configured agent endpoint', async () => {
    // Act
    const { actions, attrs } = await run(smaFixture('new-inbound-call'));
    // Assess
    expect(actions).toEqual([
      {
        Type: 'CallAndBridge',
        Parameters: { CallTimeoutSeconds: 30, CallerIdNumber: '+12065551212', Endpoints: [{ BridgeEndpointType: 'PSTN', Uri: '+15555550100' }] },
      },
    ]);
    expect(attrs.stage).toBe('bridging');
  });

  it('shows the agent the number the caller dialled, not the caller\u2019s own (possibly withheld) number, unless callerIdNumber is set', async () => {
    // Prepare: a caller who withheld their number
    const event = smaFixture('new-inbound-call');
    const legA = event.CallDetails.Participants[0] as { From?: string };
    legA.From = 'anonymous';
    // Act
    const dialled = await run(event);
    const overridden = await run(smaFixture('new-inbound-call'), recorder(), { ...config, callerIdNumber: '+15555550111' });
    // Assess
    expect(dialled.actions[0]).toMatchObject({ Type: 'CallAndBridge', Parameters: { CallerIdNumber: '+12065551212' } });
    expect(overridden.actions[0]).toMatchObject({ Type: 'CallAndBridge', Parameters: { CallerIdNumber: '+15555550111' } });
  });

  it('starts recording the caller leg once the agent answers, when recording is configured', async () => {
    const { actions } = await run(smaFixture('action-successful-call-and-bridge'));
    expect(actions).toEqual([
      { Type: 'StartCallRecording', Parameters: { CallId: LEG_A, Track: 'BOTH', Destination: { Type: 'S3', Location: 'recordings-bucket/calls' } } },
    ]);
  });

  it('records nothing when no recording location is configured, and listens for the caller keying at once', async () => {
    const { actions, attrs } = await run(smaFixture('action-successful-call-and-bridge'), recorder(), { ...config, recordingLocation: undefined });
    expect(types(actions)).toEqual(['ReceiveDigits']);
    expect(attrs.stage).toBe('bridged');
  });

  it('apologises and hangs up when no agent answers', async () => {
    const { actions } = await run(smaFixture('action-failed-call-and-bridge'));
    expect(types(actions)).toEqual(['Speak', 'Hangup']);
    expect(actions[1]).toEqual({ Type: 'Hangup', Parameters: { CallId: LEG_A, SipResponseCode: '0' } });
  });

  it('marks recording as running once StartCallRecording succeeds, and as off when it fails', async () => {
    const ok = await run(smaFixture('action-successful-start-recording'));
    const failed = await run(smaFixture('action-failed-start-recording'));
    expect(ok.attrs.rec).toBe('on');
    expect(failed.attrs.rec).toBe('off');
    expect(failed.r.logs.some((l) => l.level === 'error' && l.message === 'recording start failed')).toBe(true);
  });
});

describe('secure IVR: the caller keying while bridged to the agent (issue 14 item 1)', () => {
  const listener = {
    Type: 'ReceiveDigits',
    Parameters: { CallId: LEG_A, InputDigitsRegex: '^[0-9#*]+$', InBetweenDigitsDurationInMilliseconds: 1000, FlushDigitsDurationInMilliseconds: 10_000 },
  };

  it('arms ReceiveDigits on the caller leg, matching any key after a short gap, once the recording answers', async () => {
    // Act: the recording's start succeeds, or fails (the warning does not depend on the recording)
    const ok = await run(smaFixture('action-successful-start-recording', { attrs: { stage: 'bridged', rec: 'starting', tries: '0' } }));
    const failed = await run(smaFixture('action-failed-start-recording', { attrs: { stage: 'bridged', rec: 'starting', tries: '0' } }));
    // Assess
    expect(ok.actions).toEqual([listener]);
    expect(failed.actions).toEqual([listener]);
    expect(new RegExp(listener.Parameters.InputDigitsRegex).test('4')).toBe(true);
    expect(new RegExp(listener.Parameters.InputDigitsRegex).test('')).toBe(false);
  });

  it('arms the listener again when the agent is called back after a session', async () => {
    const { actions, attrs } = await run(smaFixture('action-successful-call-and-bridge', { attrs: { stage: 'rebridging', rec: 'on', tries: '0' } }));
    expect(actions).toEqual([listener]);
    expect(attrs.stage).toBe('bridged');
  });

  it('on DIGITS_RECEIVED warns the agent without the keys and re-arms the spent listener', async () => {
    // Prepare: the caller keyed a sentinel card number at the agent
    const r = recorder();
    // Act
    const { actions, attrs } = await run(smaFixture('digits-received', { digits: PAN_SENTINEL }), r);
    // Assess
    expect(r.keying).toEqual(['7ab1d2c3-0000-4000-8000-000000000001']);
    expect(actions).toEqual([listener]);
    expect(attrs.stage).toBe('bridged');
    expect(JSON.stringify({ actions, attrs, logs: r.logs, events: r.events })).not.toContain(PAN_SENTINEL);
    expect(r.sealed).toEqual([]);
  });

  it.each([
    ['the IVR has the caller (capturing)', { ...capturing('pan') }],
    ['the agent is being separated', { stage: 'separating', rec: 'on', tries: '0', sid: 'session-0001' }],
    ['the call is being handed back to the agent', { stage: 'rebridging', rec: 'on', tries: '0' }],
  ])('ignores DIGITS_RECEIVED and does not re-arm when %s', async (_why, attrs) => {
    const r = recorder();
    const { actions } = await run(smaFixture('digits-received', { attrs, digits: '12' }), r);
    expect(actions).toEqual([]);
    expect(r.keying).toEqual([]);
  });

  it('ignores DIGITS_RECEIVED once the agent leg is gone', async () => {
    const event = smaFixture('digits-received', { digits: '1' });
    (event.CallDetails.Participants[1] as { Status?: string }).Status = 'Disconnected';
    const r = recorder();
    const { actions } = await run(event, r);
    expect(actions).toEqual([]);
    expect(r.keying).toEqual([]);
  });

  it('goes on without the warning when the listener cannot be armed', async () => {
    const event = smaFixture('action-failed-start-recording', { attrs: { stage: 'bridged', rec: 'on', tries: '0' } });
    (event.ActionData as { Type: string }).Type = 'ReceiveDigits';
    const { actions, attrs, r } = await run(event);
    expect(actions).toEqual([]);
    expect(attrs).toMatchObject({ stage: 'bridged', rec: 'on' });
    expect(r.logs.some((l) => l.level === 'warn' && l.message === 'keying listener not armed')).toBe(true);
  });
});

describe('secure IVR: separation and the recording pause (fail closed)', () => {
  it('hangs up only the agent leg when a secure session is requested, and prompts for nothing yet', async () => {
    const { actions, attrs } = await run(smaFixture('call-update-secure-begin'));
    expect(actions).toEqual([{ Type: 'Hangup', Parameters: { CallId: LEG_B, SipResponseCode: '0' } }]);
    expect(attrs).toMatchObject({ stage: 'separating', sid: 'session-0001' });
  });

  it('pauses recording, and nothing else, once the agent leg is gone', async () => {
    const { actions, attrs } = await run(smaFixture('hangup-leg-b-separating'));
    expect(actions).toEqual([{ Type: 'PauseCallRecording', Parameters: { CallId: LEG_A } }]);
    expect(attrs.stage).toBe('pausing');
  });

  it('also accepts ACTION_SUCCESSFUL for the agent hang-up as the end of separation', async () => {
    const event = smaFixture('hangup-leg-b-separating');
    event.InvocationEventType = 'ACTION_SUCCESSFUL';
    const { actions } = await run(event);
    expect(types(actions)).toEqual(['PauseCallRecording']);
  });

  it('prompts for the card number in the form language and voice only after the pause succeeded', async () => {
    const { actions, attrs, r } = await run(smaFixture('action-successful-pause-recording'));
    expect(types(actions)).toEqual(['SpeakAndGetDigits']);
    const p = (actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters;
    expect(p).toMatchObject({
      CallId: LEG_A,
      TerminatorDigits: ['#'],
      Repeat: 1,
      RepeatDurationInMilliseconds: 20000,
      InBetweenDigitsDurationInMilliseconds: 5000,
    });
    expect(p.SpeechParameters).toMatchObject({ LanguageCode: 'en-US', VoiceId: 'Joanna', Engine: 'neural' });
    expect(attrs).toMatchObject({ stage: 'capturing', rec: 'paused', field: 'pan' });
    expect(r.progress).toContainEqual({ status: 'capturing', recordingPaused: true });
  });

  it('never prompts for card digits when the recording pause fails, fails the session and brings the agent back', async () => {
    const { actions, attrs, r } = await run(smaFixture('action-failed-pause-recording'));
    expect(types(actions)).not.toContain('SpeakAndGetDigits');
    expect(types(actions)).toEqual(['Speak', 'CallAndBridge']);
    expect(r.failed).toEqual([{ error: 'RecordingPauseFailed', cause: expect.stringContaining('could not be paused') }]);
    expect(r.logs).toContainEqual(expect.objectContaining({ level: 'error', message: 'recording pause failed' }));
    expect(attrs.sid).toBeUndefined();
  });

  it('fails the session without prompting when the agent leg cannot be hung up', async () => {
    const event = smaFixture('hangup-leg-b-separating');
    event.InvocationEventType = 'ACTION_FAILED';
    event.CallDetails.Participants[1]!.Status = 'Connected';
    const { actions, r } = await run(event);
    expect(types(actions)).not.toContain('SpeakAndGetDigits');
    expect(r.failed[0]?.error).toBe('TelephonyFailed');
  });

  it('security review 11: pauses a recording whose start is still in flight before any card prompt', async () => {
    // Prepare: the agent answered, StartCallRecording went out, its answer has not come back yet.
    const bridged = await run(smaFixture('action-successful-call-and-bridge'));
    const begin = smaFixture('call-update-secure-begin', { attrs: bridged.attrs });
    const separating = await run(begin);
    const agentGone = smaFixture('hangup-leg-b-separating', { attrs: separating.attrs });

    // Act
    const { actions, attrs } = await run(agentGone);

    // Assess
    expect(types(bridged.actions)).toEqual(['StartCallRecording']);
    expect(types(actions)).toEqual(['PauseCallRecording']);
    expect(attrs.stage).toBe('pausing');
  });

  it('security review 11: a late answer to the recording start does not undo a confirmed pause', async () => {
    // Prepare
    const started = smaFixture('action-successful-start-recording', {
      attrs: { stage: 'capturing', rec: 'paused', tries: '0', sid: 'session-0001', ivr: IVR, field: 'pan' },
    });

    // Act
    const { attrs } = await run(started);

    // Assess
    expect(attrs.rec).toBe('paused');
  });

  it('skips the pause and prompts at once when the call is not being recorded', async () => {
    const event = smaFixture('hangup-leg-b-separating', { attrs: { stage: 'separating', rec: 'off', tries: '0', sid: 'session-0001', ivr: IVR } });
    const { actions } = await run(event);
    expect(types(actions)).toEqual(['SpeakAndGetDigits']);
  });

  it('refuses a second session on a call that already runs one', async () => {
    const event = smaFixture('call-update-secure-begin', { attrs: capturing('pan'), args: { op: 'secure-begin', sessionId: 'session-0002', ivr: IVR } });
    const { actions, r } = await run(event);
    expect(actions).toEqual([]);
    expect(r.failed).toEqual([{ error: 'TelephonyFailed', cause: expect.stringContaining('another secure session') }]);
  });

  it('refuses a session when no agent is connected to the call', async () => {
    const event = smaFixture('call-update-secure-begin', { attrs: { stage: 'bridging', rec: 'off', tries: '0' } });
    const { actions, r } = await run(event);
    expect(actions).toEqual([]);
    expect(r.failed[0]?.error).toBe('TelephonyFailed');
  });
});

describe('secure IVR: a session asked for while the agent is being called back (an agent\u2019s retry)', () => {
  const rebridging: TransactionAttributes = { stage: 'rebridging', rec: 'on', tries: '0' };
  const waiting: TransactionAttributes = { ...rebridging, sid: 'session-0002', ivr: IVR };

  it('keeps the session waiting in the call\u2019s state and prompts for nothing', async () => {
    const event = smaFixture('call-update-secure-begin', { attrs: rebridging, args: { op: 'secure-begin', sessionId: 'session-0002', ivr: IVR } });
    const { actions, attrs, r } = await run(event);
    expect(actions).toEqual([]);
    expect(attrs).toEqual(waiting);
    expect(r.failed).toEqual([]);
  });

  it('separates the agent as soon as the agent is bridged again, so no card prompt ever plays while the agent is on the line', async () => {
    const { actions, attrs } = await run(smaFixture('action-successful-call-and-bridge', { attrs: waiting }));
    expect(actions).toEqual([{ Type: 'Hangup', Parameters: { CallId: LEG_B, SipResponseCode: '0' } }]);
    expect(attrs).toMatchObject({ stage: 'separating', sid: 'session-0002', ivr: IVR });
  });

  it('fails the waiting session when the agent cannot be called back', async () => {
    const { r } = await run(smaFixture('action-failed-call-and-bridge', { attrs: waiting }));
    expect(r.failed).toEqual([{ error: 'TelephonyFailed', cause: expect.stringContaining('called back') }]);
  });

  it('fails the waiting session with CallerHungUp when the caller leaves', async () => {
    const { r, attrs } = await run(smaFixture('hangup-leg-a-bridged', { attrs: waiting }));
    expect(r.failed).toEqual([{ error: 'CallerHungUp', cause: expect.any(String) }]);
    expect(attrs.stage).toBe('ended');
  });

  it('drops a waiting session that ended (cancelled, timed out) before the agent came back', async () => {
    const event = smaFixture('call-update-secure-end', {
      attrs: waiting,
      args: { op: 'secure-end', sessionId: 'session-0002', outcome: 'aborted', reference: 'X' },
    });
    const { actions, attrs } = await run(event);
    const bridged = await run(smaFixture('action-successful-call-and-bridge', { attrs }));
    expect(actions).toEqual([]);
    expect(attrs).toEqual(rebridging);
    expect(types(bridged.actions)).not.toContain('Hangup');
    expect(bridged.attrs.stage).toBe('bridged');
  });

  it('refuses a second session while one is already waiting', async () => {
    const event = smaFixture('call-update-secure-begin', { attrs: waiting, args: { op: 'secure-begin', sessionId: 'session-0003', ivr: IVR } });
    const { attrs, r } = await run(event);
    expect(r.failed).toEqual([{ error: 'TelephonyFailed', cause: expect.stringContaining('waiting') }]);
    expect(attrs.sid).toBe('session-0002');
  });
});

describe('secure IVR: card entry', () => {
  it('seals a valid card number, keeps only brand and last four in the call attributes, and asks for the expiry', async () => {
    const { actions, attrs, r } = await run(smaFixture('action-successful-speak-and-get-digits', { digits: `${PAN_SENTINEL}` }));
    expect(r.sealed).toEqual([{ sessionId: 'session-0001', field: 'pan', digits: PAN_SENTINEL }]);
    expect(attrs).toMatchObject({ field: 'exp', card: 'visa:1111', vref: 'vault-ref-0001', tries: '0' });
    expect(JSON.stringify(attrs)).not.toContain(PAN_SENTINEL);
    expect(JSON.stringify(actions)).not.toContain(PAN_SENTINEL);
    expect((actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters.SpeechParameters.Text).toContain('expiry');
    expect(r.progress).toContainEqual({ field: { name: 'pan', progress: { status: 'captured', attempts: 1 } }, brand: 'visa', last4: '1111' });
  });

  it('ignores a trailing # terminator and keeps only what follows the last * restart', async () => {
    const { r } = await run(smaFixture('action-successful-speak-and-get-digits', { digits: `5555*${PAN_SENTINEL}#` }));
    expect(r.sealed[0]?.digits).toBe(PAN_SENTINEL);
  });

  it('security review 9: restarts the field when the caller presses * and nothing after it, using an attempt', async () => {
    const { actions, attrs, r } = await run(smaFixture('action-successful-speak-and-get-digits', { digits: '4111*' }));
    expect(r.sealed).toEqual([]);
    expect(attrs.tries).toBe('1');
    expect((actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters.SpeechParameters.Text).toMatch(/^Starting again/);
  });

  it('security review 9: ends the field declined after the last attempt when every entry is just *', async () => {
    // Prepare: two attempts already used on the card number (the form allows three).
    const event = smaFixture('action-successful-speak-and-get-digits', { digits: '*', attrs: capturing('pan', { tries: '2' }) });

    // Act
    const { r, attrs } = await run(event);

    // Assess
    expect(r.completed).toEqual([{ status: 'declined', reason: expect.stringContaining('(3 attempts)') }]);
    expect(attrs.stage).toBe('holding');
  });

  it('re-prompts after a card number that fails the Luhn check and counts the attempt', async () => {
    const { actions, attrs, r } = await run(smaFixture('action-successful-speak-and-get-digits', { digits: '4111111111111112' }));
    expect(r.sealed).toEqual([]);
    expect(attrs.tries).toBe('1');
    expect((actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters.SpeechParameters.Text).toMatch(/^That card number was not valid/);
    expect(JSON.stringify(r.logs)).not.toContain('4111111111111112');
  });

  it.each([
    ['too short', '41111111111'],
    ['too long', '41111111111111111111'],
  ])('re-prompts a card number that is %s', async (_label, digits) => {
    const { attrs, r } = await run(smaFixture('action-successful-speak-and-get-digits', { digits }));
    expect(r.sealed).toEqual([]);
    expect(attrs.tries).toBe('1');
  });

  it('counts a timed-out prompt as an attempt and says nothing was received', async () => {
    const { actions, attrs } = await run(smaFixture('action-failed-speak-and-get-digits'));
    expect(attrs.tries).toBe('1');
    expect((actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters.SpeechParameters.Text).toMatch(/^We did not receive/);
  });

  it('ends the session declined with a readable reason after the last attempt, resuming recording', async () => {
    const event = smaFixture('action-successful-speak-and-get-digits', { attrs: capturing('pan', { tries: '2' }), digits: '1234567890123' });
    const { actions, attrs, r } = await run(event);
    expect(r.completed).toEqual([{ status: 'declined', reason: 'card details not accepted: card number failed the check digit (3 attempts)' }]);
    expect(types(actions)).toEqual(['ResumeCallRecording', 'Speak', 'Pause']);
    expect(attrs).toMatchObject({ stage: 'holding', rec: 'on' });
  });

  it('refuses an expiry date in the past and accepts the current month', async () => {
    const past = await run(smaFixture('action-successful-speak-and-get-digits', { attrs: capturing('exp', { card: 'visa:1111' }), digits: '1026' }));
    const current = await run(smaFixture('action-successful-speak-and-get-digits', { attrs: capturing('exp', { card: 'visa:1111' }), digits: '1126' }));
    expect(past.r.sealed).toEqual([]);
    expect(past.attrs.tries).toBe('1');
    expect(current.r.sealed).toEqual([{ sessionId: 'session-0001', field: 'exp', digits: '1126' }]);
    expect(current.attrs.field).toBe('cvv');
  });

  it('asks for a four-digit security code on American Express and three on other brands', async () => {
    const amex = await run(smaFixture('action-successful-speak-and-get-digits', { attrs: capturing('cvv', { card: 'amex:0005' }), digits: CVV_SENTINEL }));
    const visa = await run(smaFixture('action-successful-speak-and-get-digits', { attrs: capturing('cvv', { card: 'visa:1111' }), digits: CVV_SENTINEL }));
    expect(amex.r.sealed).toEqual([]);
    expect(visa.r.sealed).toEqual([{ sessionId: 'session-0001', field: 'cvv', digits: CVV_SENTINEL }]);
  });

  it('detects American Express from the number and sets the security-code prompt minimum to four', async () => {
    const pan = await run(smaFixture('action-successful-speak-and-get-digits', { digits: AMEX_SENTINEL }));
    const exp = await run(smaFixture('action-successful-speak-and-get-digits', { attrs: pan.attrs, digits: '1230' }));
    expect(pan.attrs.card).toBe('amex:0005');
    expect((exp.actions[0] as Extract<SmaAction, { Type: 'SpeakAndGetDigits' }>).Parameters.MinNumberOfDigits).toBe(4);
  });

  it('hands the opaque vault reference to the workflow after the last field, then resumes recording and holds the caller', async () => {
    const event = smaFixture('action-successful-speak-and-get-digits', {
      attrs: capturing('cvv', { card: 'visa:1111', vref: 'vault-ref-0001' }),
      digits: CVV_SENTINEL,
    });
    const { actions, attrs, r } = await run(event);
    expect(r.completed).toEqual([{ status: 'captured', vaultRef: 'vault-ref-0001', brand: 'visa', last4: '1111' }]);
    expect(types(actions)).toEqual(['ResumeCallRecording', 'Speak', 'Pause']);
    expect(attrs).toMatchObject({ stage: 'holding', rec: 'on' });
    expect(attrs.field).toBeUndefined();
  });

  it('fails closed when sealing a field fails: the error propagates to the error boundary', async () => {
    await expect(run(smaFixture('action-successful-speak-and-get-digits', { digits: PAN_SENTINEL }), recorder({ sealFails: true }))).rejects.toThrow(
      'kms down',
    );
  });
});

describe('secure IVR: holding and the end of a session', () => {
  it('tells the caller the outcome with the reference, then calls the agent back', async () => {
    const { actions, attrs } = await run(smaFixture('call-update-secure-end'));
    expect(types(actions)).toEqual(['Speak', 'CallAndBridge']);
    expect((actions[0] as Extract<SmaAction, { Type: 'Speak' }>).Parameters.Text).toContain('S I V - 2 0 2 6');
    expect(attrs).toEqual({ stage: 'rebridging', rec: 'on', tries: '0' });
  });

  it('resumes a still-paused recording before anything else when a session is ended early', async () => {
    const event = smaFixture('call-update-secure-end', {
      attrs: capturing('exp'),
      args: { op: 'secure-end', sessionId: 'session-0001', outcome: 'aborted', reference: '' },
    });
    const { actions } = await run(event);
    expect(types(actions)).toEqual(['ResumeCallRecording', 'Speak', 'CallAndBridge']);
  });

  it('ignores an end for a session the call does not hold', async () => {
    const event = smaFixture('call-update-secure-end', { args: { op: 'secure-end', sessionId: 'other', outcome: 'accepted', reference: 'X' } });
    const { actions } = await run(event);
    expect(actions).toEqual([]);
  });

  it('keeps the caller on hold while the workflow runs, then gives up after the last round', async () => {
    const first = await run(smaFixture('action-successful-pause-holding'));
    const last = await run(
      smaFixture('action-successful-pause-holding', { attrs: { stage: 'holding', rec: 'on', tries: '8', sid: 'session-0001', ivr: IVR } }),
    );
    expect(first.actions).toEqual([{ Type: 'Pause', Parameters: { CallId: LEG_A, DurationInMilliseconds: '20000' } }]);
    expect(first.attrs.tries).toBe('1');
    expect(types(last.actions)).toEqual(['Speak', 'CallAndBridge']);
  });

  it('ignores unknown call update operations', async () => {
    const { actions, r } = await run(smaFixture('call-update-secure-begin', { args: { op: 'transfer' } }));
    expect(actions).toEqual([]);
    expect(r.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'call update ignored' }));
  });
});

describe('secure IVR: hang-ups at every stage', () => {
  it('hangs up the agent when the caller leaves a normal call, without touching any session', async () => {
    const { actions, r } = await run(smaFixture('hangup-leg-a-bridged'));
    expect(actions).toEqual([{ Type: 'Hangup', Parameters: { CallId: LEG_B, SipResponseCode: '0' } }]);
    expect(r.failed).toEqual([]);
  });

  it('hangs up the caller when the agent ends a normal call', async () => {
    const { actions } = await run(smaFixture('hangup-leg-b-bridged'));
    expect(actions).toEqual([{ Type: 'Hangup', Parameters: { CallId: LEG_A, SipResponseCode: '0' } }]);
  });

  it.each(['separating', 'pausing', 'capturing'])('fails the workflow with CallerHungUp when the caller hangs up while %s', async (stage) => {
    const event = smaFixture('hangup-leg-a-capturing', { attrs: { ...capturing('pan'), stage } });
    const { actions, attrs, r } = await run(event);
    expect(r.failed).toEqual([{ error: 'CallerHungUp', cause: expect.any(String) }]);
    expect(actions).toEqual([]);
    expect(attrs.stage).toBe('ended');
  });

  it('marks the session hung up when the caller leaves while on hold after entering the card', async () => {
    const event = smaFixture('hangup-leg-a-capturing', { attrs: { stage: 'holding', rec: 'on', tries: '0', sid: 'session-0001', ivr: IVR } });
    const { r } = await run(event);
    expect(r.failed).toEqual([]);
    expect(r.progress).toEqual([{ hungUp: true }]);
  });
});

describe('secure IVR: other events', () => {
  it.each(['new-outbound-call', 'ringing', 'call-answered', 'action-interrupted-pause'])('returns no actions for %s', async (name) => {
    const { actions, r } = await run(smaFixture(name));
    expect(actions).toEqual([]);
    expect(r.sealed).toEqual([]);
  });

  it('ends a session whose response the service refused, resuming recording and calling the agent back', async () => {
    const { actions, r } = await run(smaFixture('invalid-lambda-response'));
    expect(r.failed[0]?.error).toBe('TelephonyFailed');
    expect(types(actions)).toEqual(['ResumeCallRecording', 'CallAndBridge']);
  });

  it('builds new action objects on every invocation', async () => {
    const ivr = new SecureIvr(config, recorder().deps);
    const a = await ivr.handle(smaFixture('new-inbound-call'));
    (a.actions[0] as Extract<SmaAction, { Type: 'CallAndBridge' }>).Parameters.Endpoints[0].Uri = 'tampered';
    const b = await ivr.handle(smaFixture('new-inbound-call'));
    expect((b.actions[0] as Extract<SmaAction, { Type: 'CallAndBridge' }>).Parameters.Endpoints[0].Uri).toBe('+15555550100');
  });
});

describe('secure IVR: one event per step', () => {
  it('reports the pause, each prompt, each invalid entry and each capture, without the digits', async () => {
    const paused = await run(smaFixture('action-successful-pause-recording'));
    const invalid = await run(smaFixture('action-successful-speak-and-get-digits', { digits: '4111111111111112' }));
    const captured = await run(smaFixture('action-successful-speak-and-get-digits', { digits: PAN_SENTINEL }));
    expect(paused.r.events).toEqual([
      { type: 'recording.paused', success: true },
      { type: 'field.prompted', success: true, details: { field: 'pan', attempt: 1 } },
    ]);
    expect(invalid.r.events[0]).toEqual({
      type: 'field.invalid',
      success: false,
      details: { field: 'pan', attempt: 1, reason: 'card number failed the check digit', digitsEntered: 16 },
    });
    expect(captured.r.events[0]).toEqual({
      type: 'field.captured',
      success: true,
      details: { field: 'pan', attempts: 1, digitsEntered: 16, brand: 'visa', last4: '1111' },
    });
    expect(JSON.stringify([paused.r.events, invalid.r.events, captured.r.events])).not.toMatch(/4111111111111/);
  });

  it('reports a failed pause as a failure', async () => {
    const { r } = await run(smaFixture('action-failed-pause-recording'));
    expect(r.events).toEqual([{ type: 'recording.pause-failed', success: false, details: { error: 'SystemException' } }]);
  });
});

describe('cleanEntry', () => {
  it('security review 9: drops a long run of trailing # (the clean-up is a linear scan, not a backtracking regex)', () => {
    // Prepare
    const raw = `12${'#'.repeat(50_000)}`;

    // Act
    const entry = cleanEntry(raw);

    // Assess
    expect(entry).toEqual({ digits: '12', restarted: false });
    expect(cleanEntry(`${'#'.repeat(50_000)}x`)).toEqual({ digits: `${'#'.repeat(50_000)}x`, restarted: false });
  });

  it.each([
    ['1234#', '1234', false],
    ['12*34', '34', true],
    ['*', '', true],
    ['', '', false],
  ])('turns %j into %j', (raw, digits, restarted) => {
    expect(cleanEntry(raw)).toEqual({ digits, restarted });
  });
});
