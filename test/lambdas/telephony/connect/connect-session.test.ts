import { ConnectSession, type ConnectSessionDeps } from '../../../../lambdas/telephony/connect/connect-session';
import { decodeCaptureState, encodeCaptureState, CaptureStateError, type ConnectCaptureState } from '../../../../lambdas/telephony/connect/capture-state';
import { generateFlowKeyMaterial, type FlowKeyMaterial } from '../../../../lambdas/telephony/connect/flow-key-material';
import { decryptStoredInput, parseFlowKeys, type FlowKey } from '../../../../lambdas/telephony/connect/stored-input';
import type { CaptureResult, IvrSettings, SessionRequest } from '../../../../lambdas/shared/session/contract';
import type { SessionRecord } from '../../../../lambdas/shared/session/session-store';
import { findSentinels } from '../../../helpers/leak-scan';
import { PAN_SENTINEL, CVV_SENTINEL } from '../../../helpers/fixtures';
import { encryptAsConnect } from '../../../helpers/connect-crypto';
import type { CardField } from '../../../../lambdas/shared/card/card-fields';

const IVR: IvrSettings = { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 2, fieldTimeoutSeconds: 20, interDigitSeconds: 5 };
const KEY_ID = 'flow-key-1';
const NOW = new Date('2026-11-29T22:00:00Z');

let material: FlowKeyMaterial;
let keys: FlowKey[];

beforeAll(async () => {
  material = await generateFlowKeyMaterial({ now: NOW, validDays: 30, modulusBits: 2048 });
  keys = parseFlowKeys(JSON.stringify({ keys: [{ keyId: KEY_ID, privateKeyPem: material.privateKeyPem, certificatePem: material.certificatePem }] }));
});

/** In-memory ports; records everything written so the tests can check it for card data. */
class World {
  public clock = NOW.getTime();
  public sessions = new Map<string, SessionRecord>();
  public pending = new Map<string, SessionRequest>();
  public sealed: Array<{ sessionId: string; field: string; length: number }> = [];
  public completed: CaptureResult[] = [];
  public failed: Array<{ error: string; cause: string }> = [];
  public written: unknown[] = [];
  public started: SessionRequest[] = [];
  public executionEnded = false;
  public hungUpCalls = new Set<string>();
  /** The agent each call is connected with (Connect's contact events); the test request's agent by default. */
  public owners = new Map<string, string>([['connect:agent-contact-1', 'agent-1']]);
  /** Re-entry wishes the agent API recorded, by session. */
  public reentry = new Map<string, CardField>();
  public flowKeyExpired = false;
  public decrypted = 0;
  /** What the workflow does when started (Begin + GetKey), unless a test says otherwise. */
  public onStart = (request: SessionRequest): void => {
    this.sessions.set(request.sessionId, {
      sessionId: request.sessionId,
      callTransactionId: request.callTransactionId,
      agentId: request.agentId,
      formId: request.formId,
      transactionId: 'SIV-20261129-ABCDEF',
      status: 'separating',
      createdAt: '',
      updatedAt: '',
    });
  };

  public deps(flowKeys: () => FlowKey[] = () => keys): ConnectSessionDeps {
    return {
      now: () => new Date(this.clock),
      log: { info: (m, a) => this.written.push([m, a]), warn: (m, a) => this.written.push([m, a]), error: (m, a) => this.written.push([m, a]) },
      sealField: async (sessionId, field, digits, expected) => {
        this.sealed.push({ sessionId, field, length: digits.length });
        return expected ?? `vault#${sessionId}`;
      },
      completeCapture: async (_sid, result) => {
        this.completed.push(result);
        this.written.push(result);
        return true;
      },
      failCapture: async (_sid, error, cause) => {
        this.failed.push({ error, cause });
        this.written.push({ error, cause });
        return true;
      },
      recordProgress: async (sessionId, update) => {
        this.written.push(update);
        const s = this.sessions.get(sessionId);
        if (s && update.status) s.status = update.status;
      },
      emit: async (type, sessionId, success, details) => {
        this.written.push({ type, sessionId, success, details });
      },
      callHungUp: async (callId) => this.hungUpCalls.has(callId),
      callOwner: async (callId) => this.owners.get(callId),
      takeReentryRequest: async (sessionId) => {
        const field = this.reentry.get(sessionId);
        this.reentry.delete(sessionId);
        return field;
      },
      flowKeyExpired: async () => this.flowKeyExpired,
      takePendingRequest: async (callId) => {
        const r = this.pending.get(callId);
        this.pending.delete(callId);
        return r;
      },
      startSession: async (request) => {
        this.started.push(request);
        this.onStart(request);
        return `arn:aws:states:eu-west-2:111122223333:execution:sm:${request.sessionId}`;
      },
      executionEnded: async () => ({ ended: this.executionEnded }),
      getSession: async (sessionId) => this.sessions.get(sessionId),
      formIvr: async (formId) => (formId === 'card-payment' ? IVR : undefined),
      decrypt: (stored) => {
        this.decrypted += 1;
        return decryptStoredInput(stored, flowKeys(), new Date(this.clock));
      },
      // Time passes only when the code under test waits: no real sleeping.
      sleep: async (ms) => {
        this.clock += ms;
      },
      defaultLanguage: 'en-US',
    };
  }
}

const CALL = 'connect:agent-contact-1';
const request: SessionRequest = {
  sessionId: 'sess-1',
  callTransactionId: CALL,
  agentId: 'agent-1',
  formId: 'card-payment',
  fields: { 'customer name': 'Joe' },
};

async function claimed(world: World): Promise<{ session: ConnectSession; state: ConnectCaptureState }> {
  world.pending.set(CALL, request);
  const session = new ConnectSession(world.deps());
  const answer = await session.claim(CALL, 'VOICE');
  expect(answer.next).toBe('pan');
  const suspended = await session.onRecordingSuspended(decodeCaptureState(answer.state));
  return { session, state: decodeCaptureState(suspended.state) };
}

describe('ConnectSession.claim', () => {
  it('claims the pending request for the call, starts the session under the Connect call id and sends the flow to recording-off', async () => {
    const world = new World();
    world.pending.set(CALL, request);
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    expect(answer).toMatchObject({ next: 'pan', formId: 'card-payment', prompt: '' });
    expect(world.started).toEqual([{ ...request, callTransactionId: CALL }]);
    expect(world.pending.size).toBe(0);
  });

  it('refuses politely and starts nothing when the agent left no request for this call', async () => {
    const world = new World();
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    expect(answer).toEqual({ next: 'refused', prompt: 'Your agent has not started a secure payment yet. Returning you to your agent.', formId: '', state: '' });
    expect(world.started).toEqual([]);
  });

  it('refuses a chat or task contact without taking the request', async () => {
    const world = new World();
    world.pending.set(CALL, request);
    expect((await new ConnectSession(world.deps()).claim(CALL, 'CHAT')).next).toBe('refused');
    expect(world.pending.size).toBe(1);
  });

  it("refuses another agent's request for the call: nothing starts, the refusal is audited and the caller goes back to the agent", async () => {
    // Prepare: the contact is connected with agent-1; agent-2 left the request
    const world = new World();
    world.pending.set(CALL, { ...request, agentId: 'agent-2' });
    // Act
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    // Assess
    expect(answer).toEqual({ next: 'refused', prompt: 'Secure payment is not available right now. Returning you to your agent.', formId: '', state: '' });
    expect(world.started).toEqual([]);
    expect(world.written).toEqual(
      expect.arrayContaining([
        {
          type: 'begin.refused',
          sessionId: 'sess-1',
          success: false,
          details: { reason: 'agent agent-2 asked for secure input on a contact connected with another agent', error: 'not-your-interaction' },
        },
      ]),
    );
  });

  it('refuses the request when the server cannot tell which agent the contact is connected with', async () => {
    const world = new World();
    world.owners.clear();
    world.pending.set(CALL, request);
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    expect(answer.next).toBe('refused');
    expect(world.started).toEqual([]);
    expect(world.written).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'begin.refused', details: expect.objectContaining({ error: 'owner-unknown' }) })]),
    );
  });

  it('returns the caller when Begin refuses the request (the execution ends without a session)', async () => {
    const world = new World();
    world.pending.set(CALL, request);
    world.onStart = () => {
      world.executionEnded = true;
    };
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    expect(answer.next).toBe('refused');
    expect(answer.prompt).toMatch(/not available/);
  });

  it('fails the session it opened when the caller hung up meanwhile (no flow waits for the answer any more)', async () => {
    // Prepare: the contact events marked the call while Begin and GetKey were opening the session
    const world = new World();
    world.pending.set(CALL, request);
    world.hungUpCalls.add(CALL);
    // Act
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    // Assess: the session ends at once as a hang-up instead of waiting for card entry
    expect(answer.next).toBe('refused');
    expect(world.failed.map((f) => f.error)).toEqual(['CallerHungUp']);
  });

  it('gives up after its bounded wait when the session never becomes ready, and fails it', async () => {
    const world = new World();
    world.pending.set(CALL, request);
    world.onStart = () => undefined;
    const answer = await new ConnectSession(world.deps()).claim(CALL, 'VOICE');
    expect(answer.next).toBe('refused');
    expect(world.failed.map((f) => f.error)).toEqual(['TelephonyFailed']);
    expect(world.clock - NOW.getTime()).toBeGreaterThanOrEqual(6000);
  });
});

describe('ConnectSession card entry', () => {
  it('prompts for the card number only after the flow confirmed recording is off, and records the pause', async () => {
    const world = new World();
    const { state } = await claimed(world);
    expect(state.field).toBe('pan');
    expect(world.written).toEqual(
      expect.arrayContaining([{ status: 'capturing', recordingPaused: true }, expect.objectContaining({ type: 'recording.paused' })]),
    );
  });

  it('decrypts each field as Connect stored it, seals it and answers only valid with the next prompt — never the digits or the ciphertext', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const panCipher = await encryptAsConnect(PAN_SENTINEL, KEY_ID, material.certificatePem);
    const pan = await session.onField(state, 'pan', panCipher);
    expect(pan).toMatchObject({ next: 'exp', result: 'valid', reason: '' });
    expect(pan.prompt).toMatch(/expiry date/);
    const exp = await session.onField(decodeCaptureState(pan.state), 'exp', await encryptAsConnect('1230', KEY_ID, material.certificatePem));
    const cvv = await session.onField(decodeCaptureState(exp.state), 'cvv', await encryptAsConnect(CVV_SENTINEL, KEY_ID, material.certificatePem));
    expect(cvv).toMatchObject({ next: 'wait', result: 'valid', prompt: 'Thank you. Please hold while we check your card.' });
    expect(world.sealed.map((s) => s.field)).toEqual(['pan', 'exp', 'cvv']);
    expect(world.completed).toEqual([{ status: 'captured', vaultRef: 'vault#sess-1', brand: 'visa', last4: '1111' }]);
    // Nothing answered to the flow or written anywhere holds the card number, the code or a ciphertext.
    const artifacts = [pan, exp, cvv, world.written].map((content, i) => ({ where: `answer-${i}`, text: JSON.stringify(content) }));
    expect(findSentinels(artifacts, { long: [PAN_SENTINEL], short: [CVV_SENTINEL] })).toEqual([]);
    expect(JSON.stringify([pan, exp, cvv, world.written])).not.toContain(panCipher.slice(0, 40));
  });

  it('answers invalid with the retry prompt for a card number that fails the check digit, counting the attempt', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const answer = await session.onField(state, 'pan', await encryptAsConnect('4111111111111112', KEY_ID, material.certificatePem));
    expect(answer).toMatchObject({ next: 'pan', result: 'invalid', reason: 'card number failed the check digit' });
    expect(answer.prompt).toMatch(/^That card number was not valid\./);
    expect(decodeCaptureState(answer.state).tries).toBe(1);
    expect(world.sealed).toEqual([]);
  });

  it("treats Connect's Timeout value as no entry and re-prompts", async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const answer = await session.onField(state, 'pan', 'Timeout');
    expect(answer).toMatchObject({ next: 'pan', result: 'invalid', reason: 'no entry before the time limit' });
    expect(answer.prompt).toMatch(/^We did not receive your entry\./);
  });

  it('restarts a field on a lone * (keys after the last * count), counting an attempt (security review 9)', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const restart = await session.onField(state, 'pan', await encryptAsConnect('4111*', KEY_ID, material.certificatePem));
    expect(restart).toMatchObject({ next: 'pan', result: 'restart' });
    expect(restart.prompt).toMatch(/^Starting again\./);
    expect(decodeCaptureState(restart.state).tries).toBe(1);
    const after = await session.onField(state, 'pan', await encryptAsConnect(`4111*${PAN_SENTINEL}`, KEY_ID, material.certificatePem));
    expect(after).toMatchObject({ next: 'exp', result: 'valid' });
    expect(world.sealed).toEqual([{ sessionId: 'sess-1', field: 'pan', length: 16 }]);
  });

  it("declines after the form's attempts and sends the flow to wait for the outcome", async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const first = await session.onField(state, 'pan', 'Timeout');
    const second = await session.onField(decodeCaptureState(first.state), 'pan', 'Timeout');
    expect(second).toMatchObject({ next: 'wait', result: 'failed', prompt: 'We could not take your card details. Please hold while we check your card.' });
    expect(world.completed).toEqual([{ status: 'declined', reason: 'card details not accepted: no entry before the time limit (2 attempts)' }]);
  });

  it('fails the session with a clear error and stores nothing when the value was encrypted for another key', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const other = await generateFlowKeyMaterial({ now: NOW, validDays: 30, modulusBits: 2048 });
    const answer = await session.onField(state, 'pan', await encryptAsConnect(PAN_SENTINEL, KEY_ID, other.certificatePem));
    expect(answer).toMatchObject({ next: 'done', result: 'failed', prompt: 'We could not complete your payment. Returning you to your agent.' });
    expect(world.failed).toEqual([{ error: 'FlowKeyFailed', cause: 'the stored customer input could not be decrypted (StoredInputDecryptError)' }]);
    expect(world.sealed).toEqual([]);
  });

  it('fails the session and stores nothing once the flow key certificate has expired', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    const cipher = await encryptAsConnect(PAN_SENTINEL, KEY_ID, material.certificatePem);
    world.clock = material.notAfter.getTime() + 1000;
    const answer = await session.onField(state, 'pan', cipher);
    expect(answer.next).toBe('done');
    expect(world.failed).toEqual([{ error: 'FlowKeyFailed', cause: 'the stored customer input could not be decrypted (FlowKeyExpiredError)' }]);
    expect(world.sealed).toEqual([]);
  });

  it('honours the agent asking for the expiry again at the next turn: the entry just keyed is dropped unopened, the expiry is asked again, then the code', async () => {
    // Prepare: number and expiry captured, the caller is keying the code when the agent asks for the expiry again
    const world = new World();
    const { session, state } = await claimed(world);
    const pan = await session.onField(state, 'pan', await encryptAsConnect(PAN_SENTINEL, KEY_ID, material.certificatePem));
    const exp = await session.onField(decodeCaptureState(pan.state), 'exp', await encryptAsConnect('1230', KEY_ID, material.certificatePem));
    world.reentry.set('sess-1', 'exp');
    const openedBefore = world.decrypted;
    // Act
    const again = await session.onField(decodeCaptureState(exp.state), 'cvv', await encryptAsConnect(CVV_SENTINEL, KEY_ID, material.certificatePem));
    // Assess: back to the expiry, the code entry never opened, the agent told (field restarted)
    expect(again).toMatchObject({ next: 'exp', result: 'restart', reason: 'the agent asked for this field again' });
    expect(again.prompt).toMatch(/^Starting again\. .*expiry date/);
    expect(world.decrypted).toBe(openedBefore);
    expect(world.reentry.size).toBe(0);
    expect(world.written).toEqual(
      expect.arrayContaining([
        { type: 'field.restarted', sessionId: 'sess-1', success: true, details: { field: 'exp', reason: 'agent asked for the field again' } },
      ]),
    );
    const exp2 = await session.onField(decodeCaptureState(again.state), 'exp', await encryptAsConnect('1131', KEY_ID, material.certificatePem));
    expect(exp2).toMatchObject({ next: 'cvv', result: 'valid' });
    const cvv = await session.onField(decodeCaptureState(exp2.state), 'cvv', await encryptAsConnect(CVV_SENTINEL, KEY_ID, material.certificatePem));
    expect(cvv).toMatchObject({ next: 'wait', result: 'valid' });
    expect(world.sealed.map((s) => s.field)).toEqual(['pan', 'exp', 'exp', 'cvv']);
    expect(world.completed).toEqual([{ status: 'captured', vaultRef: 'vault#sess-1', brand: 'visa', last4: '1111' }]);
    const artifacts = [pan, exp, again, exp2, cvv, world.written].map((content, i) => ({ where: `answer-${i}`, text: JSON.stringify(content) }));
    expect(findSentinels(artifacts, { long: [PAN_SENTINEL], short: [CVV_SENTINEL] })).toEqual([]);
  });

  it('ignores (and clears) a re-entry wish for a field the caller has not reached yet', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    world.reentry.set('sess-1', 'cvv');
    const pan = await session.onField(state, 'pan', await encryptAsConnect(PAN_SENTINEL, KEY_ID, material.certificatePem));
    expect(pan).toMatchObject({ next: 'exp', result: 'valid' });
    expect(world.reentry.size).toBe(0);
  });

  it('takes nothing more once the agent cancelled: the next field ends entry with the outcome', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    (world.sessions.get('sess-1') as SessionRecord).status = 'aborted';
    const answer = await session.onField(state, 'pan', await encryptAsConnect(PAN_SENTINEL, KEY_ID, material.certificatePem));
    expect(answer).toMatchObject({ next: 'done', result: 'failed', prompt: 'We could not complete your payment. Returning you to your agent.' });
    expect(world.sealed).toEqual([]);
  });

  it('never prompts and fails the session when recording could not be suspended', async () => {
    const world = new World();
    world.pending.set(CALL, request);
    const session = new ConnectSession(world.deps());
    const claim = await session.claim(CALL, 'VOICE');
    const answer = await session.onRecordingFailed(decodeCaptureState(claim.state));
    expect(answer).toMatchObject({ next: 'done', prompt: 'Secure payment is not available right now. Returning you to your agent.' });
    expect(world.failed.map((f) => f.error)).toEqual(['RecordingPauseFailed']);
    expect(world.written.some((w) => (w as { type?: string }).type === 'field.prompted')).toBe(false);
  });
});

describe('ConnectSession.onInputFailed', () => {
  it('names the flow key (FlowKeyFailed) when a card prompt block failed and the flow certificate has expired', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    world.flowKeyExpired = true;
    const answer = await session.onInputFailed(state);
    expect(answer).toMatchObject({ next: 'done', prompt: 'Secure payment is not available right now. Returning you to your agent.' });
    expect(world.failed).toEqual([
      { error: 'FlowKeyFailed', cause: 'the secure flow could not prompt for a card field: the flow security key certificate has expired' },
    ]);
  });

  it('reports TelephonyFailed when the block failed with a certificate still valid', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    await session.onInputFailed(state);
    expect(world.failed.map((f) => f.error)).toEqual(['TelephonyFailed']);
  });
});

describe('ConnectSession.status', () => {
  it.each([
    ['accepted', 'Your payment was accepted. Your reference is S I V - 2 0 2 6 1 1 2 9 - A B C D E F. Returning you to your agent.'],
    ['declined', 'Your payment could not be accepted. Your reference is S I V - 2 0 2 6 1 1 2 9 - A B C D E F. Returning you to your agent.'],
    [
      'unknown',
      'We could not confirm your payment. Please do not pay again until your agent has checked. Your reference is S I V - 2 0 2 6 1 1 2 9 - A B C D E F. Returning you to your agent.',
    ],
    ['aborted', 'We could not complete your payment. Returning you to your agent.'],
  ])('tells the caller a %s outcome in the form language and records that recording resumes', async (status, text) => {
    const world = new World();
    const { session, state } = await claimed(world);
    (world.sessions.get('sess-1') as SessionRecord).status = status as SessionRecord['status'];
    const answer = await session.status(state);
    expect(answer).toMatchObject({ next: 'done', prompt: text });
    expect(world.written).toEqual(expect.arrayContaining([{ recordingResumed: true }]));
  });

  it('asks the flow to call again after its bounded wait while the outcome is pending', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    (world.sessions.get('sess-1') as SessionRecord).status = 'validating';
    const answer = await session.status(state);
    expect(answer.next).toBe('wait');
    expect(decodeCaptureState(answer.state).heldSince).toBe(NOW.getTime());
  });

  it('returns the caller to the agent when no outcome came within the hold limit', async () => {
    const world = new World();
    const { session, state } = await claimed(world);
    (world.sessions.get('sess-1') as SessionRecord).status = 'validating';
    world.clock += 181_000;
    const answer = await session.status({ ...state, heldSince: NOW.getTime() });
    expect(answer).toMatchObject({ next: 'done', prompt: 'Secure payment is not available right now. Returning you to your agent.' });
  });
});

describe('capture state', () => {
  it('round-trips through the flow as an opaque string', () => {
    const state: ConnectCaptureState = { sessionId: 's-1', ivr: IVR, field: 'cvv', tries: 1, brand: 'visa', last4: '1111', vaultRef: 'v#1', heldSince: 5 };
    expect(decodeCaptureState(encodeCaptureState(state))).toEqual(state);
  });

  it.each([
    ['missing', undefined],
    ['not JSON', 'x'],
    ['a digit run in place of the last four', JSON.stringify(['s', 'pan', 0, 'visa', '411111', '', ['en-US', 'Joanna', 'neural', 2, 20, 5], 0])],
  ])('refuses a state that is %s', (_label, text) => {
    expect(() => decodeCaptureState(text)).toThrow(CaptureStateError);
  });
});
