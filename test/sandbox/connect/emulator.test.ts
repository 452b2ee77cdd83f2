/**
 * The Connect flow emulator on a hand-written secure-input flow: the contact's hold, recording,
 * streaming and logging states around card entry, stored input encrypted with the Encryption SDK and
 * opened by a keyring as the capture function opens it, DTMF rules (#, *, time-outs, maximum length),
 * the touchtone buffer, Lambda calls with Connect's event and limits, hang-ups, and every refusal.
 */
import { ConnectEmulator, type ConnectContact, type ContactEvent } from '../../../sandbox/connect/emulator';
import { makeFlowSecurityKey, type FlowSecurityKeyMaterial } from '../../../sandbox/connect/stored-input-encryption';
import { ScriptedCaller } from '../../../sandbox/sma/caller';
import { LiveKeypad } from '../../../sandbox/connect/live-keypad';
import { CAPTURE_ARN, secureTestFlow, testCaptureFunction } from './test-flow';

const FLOW = 'arn:aws:connect:us-east-1:123456789012:instance/i/contact-flow/secure-test';
const VISA = '4111111111111111';

let key: FlowSecurityKeyMaterial;
let otherKey: FlowSecurityKeyMaterial;

beforeAll(async () => {
  [key, otherKey] = await Promise.all([makeFlowSecurityKey({ keyId: 'key-1' }), makeFlowSecurityKey({ keyId: 'key-2' })]);
});

function instance(flowOptions: Partial<Parameters<typeof secureTestFlow>[0]> = {}): { connect: ConnectEmulator; seen: string[]; events: ContactEvent[] } {
  const connect = new ConnectEmulator();
  const seen: string[] = [];
  const events: ContactEvent[] = [];
  connect.addSecurityKey({ keyId: key.keyId, publicKeyPem: key.publicKeyPem });
  connect.addFunction(CAPTURE_ARN, testCaptureFunction(key.keyId, key.privateKeyPem, seen));
  connect.addFlow(FLOW, secureTestFlow({ keyId: key.keyId, certificatePem: key.certificatePem, ...flowOptions }));
  connect.onContactEvent((e) => events.push(e));
  return { connect, seen, events };
}

async function run(keys: string, setup: (contact: ConnectContact) => void = () => undefined, flowOptions: Partial<Parameters<typeof secureTestFlow>[0]> = {}) {
  const env = instance(flowOptions);
  const contact = env.connect.placeCall(new ScriptedCaller(keys));
  setup(contact);
  const state = await env.connect.transfer(contact, FLOW);
  return { ...env, contact, state };
}

const askedCard = (c: ConnectContact): number => c.prompts.filter((p) => p.storesInput).length;

describe('a secure transfer flow on the emulator', () => {
  it('collects the card number only with the agent on hold, recording suspended, streaming and logging off, and hands the capture function the keyed digits', async () => {
    const { contact, seen, state } = await run(`${VISA}#`, (c) => Object.assign(c, { mediaStreaming: 'Enabled' }));

    expect(state).toBe('returned');
    expect(contact.violations).toEqual([]);
    expect(seen).toEqual([VISA]);
    const prompt = contact.prompts.find((p) => p.storesInput);
    expect(prompt).toMatchObject({ agent: 'hold', recording: { AGENT: 'suspended', IVR: 'suspended' } });
    // Back with the agent, recording again.
    expect(contact.agent).toBe('connected');
    expect(contact.recording).toEqual({ AGENT: 'recording', IVR: 'recording' });
    expect(contact.mediaStreaming).toBe('Disabled');
    expect(contact.status).toBe('active');
  });

  it('passes the function the Encryption SDK message in base64, never the digits, in Connect’s event shape', async () => {
    const { contact } = await run(`${VISA}#`);

    const call = contact.lambdaCalls[0];
    expect(call?.event.Name).toBe('ContactFlowEvent');
    expect(call?.event.Details.ContactData).toMatchObject({
      Channel: 'VOICE',
      InitiationMethod: 'TRANSFER',
      PreviousContactId: contact.initialContactId,
      ContactId: contact.contactId,
      Attributes: {},
    });
    const entry = call?.event.Details.Parameters.entry ?? '';
    expect(entry).not.toContain(VISA);
    // An Encryption SDK message: version 1 header byte 0x01, type 0x80 (customer authenticated encrypted data).
    expect([...Buffer.from(entry, 'base64').subarray(0, 2)]).toEqual([0x01, 0x80]);
    expect(JSON.stringify(contact.flowLog)).not.toContain(VISA);
  });

  it('writes the flow log only while logging is enabled (here: just the action that disables it)', async () => {
    const { contact } = await run(`${VISA}#`);

    expect(contact.flowLog.map((e) => e.Identifier)).toEqual(['logging-off']);
  });

  it('gives the function the value Timeout when the caller keys nothing, down the Success branch', async () => {
    const { contact } = await run('w');

    expect(contact.lambdaCalls[0]?.event.Details.Parameters.entry).toBe('Timeout');
  });

  it('asks again after an invalid entry and gives up after the loop count, still returning the caller to the agent', async () => {
    const { contact, seen, state } = await run('1234#1234#1234#');

    expect(seen).toEqual(['1234', '1234', '1234']);
    expect(askedCard(contact)).toBe(3);
    expect(contact.prompts.at(-1)?.text).toContain('Sorry');
    expect(state).toBe('returned');
    expect(contact.agent).toBe('connected');
  });

  it('keeps * in the stored input when DisableCancelKey is True, so the capture function applies the restart', async () => {
    const { seen } = await run(`12*${VISA}#`);

    expect(seen).toEqual([`12*${VISA}`]);
  });

  it('lets * clear what was keyed when DisableCancelKey is False', async () => {
    const { seen } = await run(`12*${VISA}#`, undefined, { disableCancelKey: 'False' });

    expect(seen).toEqual([VISA]);
  });

  it('ends the entry at MaximumLength without a #', async () => {
    const { seen, contact } = await run(`${VISA}`, undefined, { maximumLength: '16' });

    expect(seen).toEqual([VISA]);
    expect(contact.violations).toEqual([]);
  });

  it('ends the entry at the interdigit time-out with what was keyed', async () => {
    const { seen } = await run(`${VISA}w`);

    expect(seen).toEqual([VISA]);
  });
});

describe('failures on the emulator', () => {
  it('never plays a card prompt when recording cannot be suspended: the error branch is taken', async () => {
    const { contact, seen, state } = await run(`${VISA}#`, (c) => (c.faults = { recordingSuspendFails: true }));

    expect(askedCard(contact)).toBe(0);
    expect(seen).toEqual([]);
    expect(contact.prompts.map((p) => p.actionId)).toEqual(['sorry']);
    expect(state).toBe('returned');
  });

  it('stores nothing and takes the error branch when the flow names a key id the instance does not have', async () => {
    const env = instance({ keyId: 'no-such-key' });
    const contact = env.connect.placeCall(new ScriptedCaller(`${VISA}#`));

    await env.connect.transfer(contact, FLOW);

    expect(env.seen).toEqual([]);
    expect(contact.lambdaCalls).toEqual([]);
    expect(contact.prompts.at(-1)?.actionId).toBe('sorry');
  });

  it('stores nothing when the certificate has expired, and says why in the flow log', async () => {
    const expired = await makeFlowSecurityKey({ keyId: 'old', days: 1, notBefore: new Date(Date.now() - 3 * 24 * 3600 * 1000) });
    const connect = new ConnectEmulator();
    connect.addSecurityKey({ keyId: expired.keyId, publicKeyPem: expired.publicKeyPem });
    const seen: string[] = [];
    connect.addFunction(CAPTURE_ARN, testCaptureFunction(expired.keyId, expired.privateKeyPem, seen));
    const flow = secureTestFlow({ keyId: expired.keyId, certificatePem: expired.certificatePem });
    // Keep logging on so the error is visible.
    (flow.Actions as Array<{ Parameters: Record<string, string> }>)[0]!.Parameters.FlowLoggingBehavior = 'Enabled';
    connect.addFlow(FLOW, flow);
    const contact = connect.placeCall(new ScriptedCaller(`${VISA}#`));

    await connect.transfer(contact, FLOW);

    expect(seen).toEqual([]);
    expect(contact.lambdaCalls).toEqual([]);
    expect(contact.flowLog.find((e) => e.Identifier === 'ask-card')?.Error).toMatch(/certificate has expired/);
    expect(JSON.stringify(contact.flowLog)).not.toContain(VISA);
    // Logging left on during card entry is itself a violation.
    expect(contact.violations.join(' ')).toMatch(/flow logging is enabled/);
  });

  it('refuses a certificate that does not carry the key named by EncryptionKeyId', async () => {
    const env = instance({ certificatePem: otherKey.certificatePem });
    const contact = env.connect.placeCall(new ScriptedCaller(`${VISA}#`));

    await env.connect.transfer(contact, FLOW);

    expect(env.seen).toEqual([]);
    expect(contact.lambdaCalls).toEqual([]);
  });

  it('ends the flow and emits DISCONNECTED when the caller hangs up mid-entry; nothing runs after', async () => {
    const { contact, state, events, seen } = await run('4111h');

    expect(state).toBe('disconnected');
    expect(contact.status).toBe('ended');
    expect(seen).toEqual([]);
    expect(events.map((e) => e.detail.eventType)).toEqual(['INITIATED', 'CONNECTED_TO_AGENT', 'DISCONNECTED']);
    expect(events.at(-1)?.detail.contactId).toBe(contact.contactId);
  });

  it('stops before any later action when the caller hangs up before a given action', async () => {
    const { contact, state } = await run(`${VISA}#`, (c) => (c.faults = { hangUpBefore: (a) => a.Identifier === 'capture' }));

    expect(state).toBe('disconnected');
    expect(contact.lambdaCalls).toEqual([]);
  });

  it('takes the error branch when the function does not answer within InvocationTimeLimitSeconds (its work still happens)', async () => {
    const connect = new ConnectEmulator({ lambdaLimitScale: 0.01 });
    let release: () => void = () => undefined;
    let finished = false;
    connect.addSecurityKey({ keyId: key.keyId, publicKeyPem: key.publicKeyPem });
    connect.addFunction(CAPTURE_ARN, async () => {
      await new Promise<void>((r) => (release = r));
      finished = true;
      return { result: 'valid' };
    });
    connect.addFlow(FLOW, secureTestFlow({ keyId: key.keyId, certificatePem: key.certificatePem, timeLimit: '1' }));
    const contact = connect.placeCall(new ScriptedCaller(`${VISA}#`));

    await connect.transfer(contact, FLOW);
    release();
    await new Promise((r) => setImmediate(r));

    expect(contact.lambdaCalls[0]?.outcome).toBe('timeout');
    expect(contact.prompts.at(-1)?.actionId).toBe('sorry');
    expect(finished).toBe(true);
  });

  it('refuses a STRING_MAP response that is not a flat map of strings', async () => {
    const connect = new ConnectEmulator();
    connect.addSecurityKey({ keyId: key.keyId, publicKeyPem: key.publicKeyPem });
    connect.addFunction(CAPTURE_ARN, async () => ({ result: { nested: 'valid' } }));
    connect.addFlow(FLOW, secureTestFlow({ keyId: key.keyId, certificatePem: key.certificatePem }));
    const contact = connect.placeCall(new ScriptedCaller(`${VISA}#`));

    await connect.transfer(contact, FLOW);

    expect(contact.lambdaCalls[0]?.outcome).toBe('invalid-response');
    expect(contact.prompts.at(-1)?.actionId).toBe('sorry');
  });
});

describe('keys pressed outside an input block', () => {
  it('are heard by the bridged agent and the recording, and are not type-ahead for the next input', async () => {
    const { connect } = instance();
    const keypad = new LiveKeypad();
    const contact = connect.placeCall(keypad, { timingScale: 0 });
    keypad.attach(contact);

    keypad.press('4');

    expect(contact.keys[0]).toMatchObject({ key: '4', heardBy: ['agent', 'recording:AGENT'], buffered: false });
    expect(contact.dtmfBuffer.keys).toEqual([]);
  });

  it('are counted as a violation when heard during a transfer flow', async () => {
    const connect = new ConnectEmulator();
    connect.addFlow(FLOW, {
      Version: '2019-10-30',
      StartAction: 'hello',
      Actions: [
        {
          Identifier: 'hello',
          Type: 'MessageParticipant',
          Parameters: { Text: 'Hello' },
          Transitions: { NextAction: 'bye', Errors: [{ ErrorType: 'NoMatchingError', NextAction: 'bye' }] },
        },
        { Identifier: 'bye', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
      ],
    });
    const keypad = new LiveKeypad();
    const contact = connect.placeCall(keypad);
    keypad.attach(contact);
    const running = connect.transfer(contact, FLOW);
    keypad.press('7');
    await running;

    expect(contact.violations).toEqual(['a key pressed during the transfer flow was heard by agent, recording:AGENT, recording:IVR']);
  });

  it('are buffered only when the flow enabled the touchtone buffer, and the next input takes them', async () => {
    const connect = new ConnectEmulator();
    const seen: string[] = [];
    connect.addFunction(CAPTURE_ARN, async (event) => {
      seen.push(event.Details.Parameters.entry ?? '');
      return {};
    });
    connect.addFlow(FLOW, {
      Version: '2019-10-30',
      StartAction: 'buffer-on',
      Actions: [
        {
          Identifier: 'buffer-on',
          Type: 'GetParticipantInput',
          Parameters: { EnableDTMFBuffer: 'True' },
          Transitions: { NextAction: 'say', Errors: [{ ErrorType: 'NoMatchingError', NextAction: 'bye' }] },
        },
        {
          Identifier: 'say',
          Type: 'MessageParticipant',
          Parameters: { Text: 'Menu' },
          Transitions: { NextAction: 'ask', Errors: [{ ErrorType: 'NoMatchingError', NextAction: 'bye' }] },
        },
        {
          Identifier: 'ask',
          Type: 'GetParticipantInput',
          Parameters: { Text: 'Your account', InputTimeLimitSeconds: '5', StoreInput: 'True', InputValidation: { CustomValidation: { MaximumLength: '3' } } },
          Transitions: { NextAction: 'send', Errors: [{ ErrorType: 'NoMatchingError', NextAction: 'bye' }] },
        },
        {
          Identifier: 'send',
          Type: 'InvokeLambdaFunction',
          Parameters: { LambdaFunctionARN: CAPTURE_ARN, InvocationTimeLimitSeconds: '3', LambdaInvocationAttributes: { entry: '$.StoredCustomerInput' } },
          Transitions: { NextAction: 'bye', Errors: [{ ErrorType: 'NoMatchingError', NextAction: 'bye' }] },
        },
        { Identifier: 'bye', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
      ],
    });
    const keypad = new LiveKeypad();
    const contact = connect.placeCall(keypad, { timingScale: 0.001 });
    keypad.attach(contact);
    const running = connect.transfer(contact, FLOW);
    await contact.waitFor((c) => c.dtmfBuffer.enabled);
    keypad.press('1');
    keypad.press('2');
    await contact.waitFor((c) => c.prompts.some((p) => p.actionId === 'ask'));
    keypad.press('3');
    await running;

    expect(contact.keys.slice(0, 2).map((k) => k.buffered)).toEqual([true, true]);
    expect(seen).toEqual(['123']);
  });
});

describe('the flow security key', () => {
  it('allows at most two keys on an instance (the rotation slots)', () => {
    const connect = new ConnectEmulator();
    connect.addSecurityKey({ keyId: 'a', publicKeyPem: key.publicKeyPem });
    connect.addSecurityKey({ keyId: 'b', publicKeyPem: otherKey.publicKeyPem });

    expect(() => connect.addSecurityKey({ keyId: 'c', publicKeyPem: key.publicKeyPem })).toThrow(/at most two/);
  });
});
