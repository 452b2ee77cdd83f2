/**
 * Whole calls through the sandbox: the real SMA handler in the emulator, the CDK-synthesized state
 * machine on aws-local-stepfunctions, the stage handlers and the validator against the reference
 * validation service, all over the real SDK clients. Ends with the no-leak check over everything.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox, type CallResult } from '../../sandbox/sandbox';
import { runScriptedCall } from '../../sandbox/scripted-call';
import { InteractiveCaller } from '../../sandbox/sma/caller';
import type { EmulatedCall } from '../../sandbox/sma/emulator';
import { collectArtifacts, findSentinels } from '../helpers/leak-scan';
import { readdirSync, readFileSync } from 'node:fs';
import { isTombstone } from '../../lambdas/shared/vault';
import { keyIntoPrompts } from '../helpers/keypad';
import { HEARD_KEY_VIOLATION } from '../../sandbox/sma/call-observer';

/** The session's events, in the order written, from every function's log. */
function eventTypes(sessionId: string): string[] {
  const events: Array<{ at: string; type: string; seq: number }> = [];
  let seq = 0;
  for (const file of readdirSync(sandbox.logDir)) {
    for (const line of readFileSync(join(sandbox.logDir, file), 'utf8').split('\n')) {
      if (!line.includes('"session event"')) continue;
      const { event } = JSON.parse(line) as { event: { sessionId: string; type: string; at: string } };
      if (event.sessionId === sessionId) events.push({ at: event.at, type: event.type, seq: (seq += 1) });
    }
  }
  return events.sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq).map((e) => e.type);
}

const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55' };
const VISA = '4111111111111111';
const AMEX = '378282246310005';
const DECLINE = '4000000000000002';
const EXPIRY = '1230';

let sandbox: Sandbox;
const calls: EmulatedCall[] = [];
const agentPayloads: unknown[] = [];

async function call(keys: string, extra: Partial<{ formId: string; fields: Record<string, string>; parties: number }> = {}): Promise<CallResult> {
  const result = await runScriptedCall(sandbox, { keys, formId: 'card-payment', fields: FIELDS, ...extra });
  calls.push(result.call);
  agentPayloads.push({ ...result, call: undefined });
  return result;
}

async function vaultItems(): Promise<number> {
  // End and Abort leave a tombstone with no card data: it refuses late seals until its TTL.
  return (await sandbox.dynamo.scanAll('CardVaultTable')).filter((item) => !isTombstone(item)).length;
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'sandbox-sessions-')), ephemeral: true });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
});

afterEach(async () => {
  sandbox.stageHooks.clear();
  sandbox.emulator.faults = {};
  sandbox.kms.clearFaults();
  sandbox.dynamo.clearFaults();
});

describe('a secure session end to end', () => {
  it('accepts a valid Visa card, returns the result line and leaves no card data behind', async () => {
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    expect(result).toMatchObject({ outcome: 'accepted', last4: '1111' });
    expect(result.resultLine).toMatch(/^SIV-\d{8}-[A-Z0-9]{13}\|accepted\|Approved - authorisation code \d{6}\n$/);
    expect(result.call.violations).toEqual([]);
    expect(await vaultItems()).toBe(0);
    expect(new Set(eventTypes(result.sessionId))).toEqual(
      new Set([
        'begin.requested',
        'session.begun',
        'capture.requested',
        'agent.separated',
        'recording.paused',
        'field.prompted',
        'field.captured',
        'capture.completed',
        'recording.resumed',
        'fields.attached',
        'submitted',
        'outcome',
        'data.destroyed',
        'session.ended',
      ]),
    );
    expect(eventTypes(result.sessionId).filter((t) => t === 'field.captured')).toHaveLength(3);
  });

  it('pauses the recording for exactly the card prompts and resumes it afterwards', async () => {
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    const spans = result.call.recordingSpans.map((s) => s.state);
    expect(spans).toEqual(['recording', 'paused', 'recording']);
    const paused = result.call.recordingSpans[1]!;
    for (const key of result.call.keys) {
      expect(key.recording).toBe('paused');
      expect(key.agentBridged).toBe(false);
      expect(key.atMs).toBeGreaterThanOrEqual(paused.fromMs);
      expect(key.atMs).toBeLessThanOrEqual(paused.toMs ?? Infinity);
    }
  });

  it('asks an American Express caller for a four-digit security code', async () => {
    const result = await call(`${AMEX}#${EXPIRY}#7373#`);
    expect(result).toMatchObject({ outcome: 'accepted', last4: '0005' });
  });

  it('passes on a decline from the payment gateway with its details', async () => {
    const result = await call(`${DECLINE}#${EXPIRY}#737#`);
    expect(result.outcome).toBe('declined');
    expect(result.resultLine).toMatch(/\|declined\|Declined - do not honour\n$/);
    expect(await vaultItems()).toBe(0);
  });

  it('re-prompts a mistyped card number and accepts the corrected one', async () => {
    const result = await call(`4111111111111112#${VISA}#${EXPIRY}#737#`);
    expect(result.outcome).toBe('accepted');
  });

  it('restarts a field when the caller presses *', async () => {
    const result = await call(`4111*${VISA}#${EXPIRY}#737#`);
    expect(result.outcome).toBe('accepted');
  });

  it('re-prompts after a time-out and declines with a readable reason when the attempts run out', async () => {
    const result = await call('w12345#99#');
    expect(result.outcome).toBe('declined');
    expect(result.details).toBe('card details not accepted: card number too short (3 attempts)');
    expect(await vaultItems()).toBe(0);
  });

  it('refuses an expiry date in the past', async () => {
    const result = await call(`${VISA}#0120#0121#0122#`);
    expect(result).toMatchObject({ outcome: 'declined', details: 'card details not accepted: card has expired (3 attempts)' });
  });
});

describe('hang-ups abort the session and destroy its data', () => {
  it.each([
    ['while keying the card number', '4111h'],
    ['while keying the expiry date', `${VISA}#12h`],
    ['while keying the security code', `${VISA}#${EXPIRY}#7h`],
  ])('%s', async (_label, keys) => {
    const result = await call(keys);
    expect(result).toMatchObject({ outcome: 'aborted', error: 'CallerHungUp', details: 'caller hung up; no payment was taken' });
    expect(result.call.status).toBe('ended');
    expect(await vaultItems()).toBe(0);
  });

  it('after keying everything, while on hold: nothing is sent for validation', async () => {
    const caller = new InteractiveCaller();
    const placed = await sandbox.placeCall(caller);
    calls.push(placed);
    await placed.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
    let validatorRan = false;
    // Hold the workflow at InfoInsert until the caller has gone, and watch whether Validate ever runs.
    sandbox.stageHooks.set('insert', () => placed.ended());
    sandbox.stageHooks.set('validate', async () => {
      validatorRan = true;
    });
    const { executionArn } = await sandbox.requestSession(placed, { formId: 'card-payment', fields: FIELDS });
    await keyIntoPrompts(placed, `${VISA}#${EXPIRY}#737#`, (key) => caller.press(key as never));
    await placed.waitFor((c) => c.attributes.stage === 'holding');
    await placed.hangUpCaller();
    const ended = await sandbox.sessionOutcome(executionArn);
    agentPayloads.push(ended);
    expect(ended).toMatchObject({ outcome: 'aborted', error: 'CallerHungUp' });
    expect(validatorRan).toBe(false);
    expect(await vaultItems()).toBe(0);
  });
});

describe('failures are contained', () => {
  it('never prompts for the card when the recording cannot be paused, and gives the caller back to the agent', async () => {
    sandbox.emulator.faults = { pauseRecordingFails: true };
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    expect(result).toMatchObject({ outcome: 'aborted', error: 'RecordingPauseFailed' });
    expect(result.call.keys).toEqual([]);
    expect(result.call.violations).toEqual([]);
    expect(result.call.invocations.some((i) => JSON.stringify(i.response).includes('SpeakAndGetDigits'))).toBe(false);
  });

  it('aborts, destroys the data and reconnects the agent when the vault key cannot decrypt', async () => {
    sandbox.kms.injectFault('Decrypt', 10, 'KMSInternalException');
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    expect(result).toMatchObject({ outcome: 'aborted', details: 'card data could not be protected; no payment was taken' });
    expect(
      result.call.invocations.some((i) => i.event.InvocationEventType === 'CALL_UPDATE_REQUESTED' && JSON.stringify(i.event.ActionData).includes('aborted')),
    ).toBe(true);
    expect(await vaultItems()).toBe(0);
  });

  it('keeps an approved payment approved when the session fails after the validation service answered', async () => {
    // End fails (as a DynamoDB outage would make it); the workflow aborts with the validation already in hand.
    sandbox.stageHooks.set('end', async () => {
      throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
    });
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    expect(result).toMatchObject({ outcome: 'accepted', error: 'InternalServerError', last4: '1111' });
    expect(result.details).toMatch(/^Approved - authorisation code \d{6}; the session then closed with an error: /);
    expect(result.resultLine).toMatch(/\|accepted\|Approved/);
    expect(await vaultItems()).toBe(0);
    // The caller heard the outcome and the agent was called back.
    expect(
      result.call.invocations.some(
        (i) => i.event.InvocationEventType === 'CALL_UPDATE_REQUESTED' && JSON.stringify(i.event.ActionData).includes('"outcome":"accepted"'),
      ),
    ).toBe(true);
  });

  it('refuses a secure session on a conference call before touching the call', async () => {
    const result = await call(`${VISA}#`, { parties: 3 });
    expect(result).toMatchObject({ outcome: 'aborted', error: 'SessionRequestRefused' });
    expect(result.details).toContain('conference call');
    expect(result.call.keys).toEqual([]);
  });

  it('refuses a second session on a call that already runs one', async () => {
    const caller = new InteractiveCaller();
    const placed = await sandbox.placeCall(caller);
    calls.push(placed);
    await placed.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
    const first = await sandbox.requestSession(placed, { formId: 'card-payment', fields: FIELDS });
    await placed.waitFor((c) => c.attributes.stage === 'capturing');
    const second = await sandbox.requestSession(placed, { formId: 'card-payment', fields: FIELDS });
    const refused = await sandbox.sessionOutcome(second.executionArn);
    expect(refused).toMatchObject({ outcome: 'aborted', error: 'SessionRequestRefused' });
    expect(refused.details).toContain('already running');
    await keyIntoPrompts(placed, `${VISA}#${EXPIRY}#737#`, (key) => caller.press(key as never));
    const ended = await sandbox.sessionOutcome(first.executionArn);
    expect(ended.outcome).toBe('accepted');
    await placed.hangUpCaller();
    agentPayloads.push(refused, ended);
  });

  it('turns an unreachable validation service into a decline with a reason, never a crash', async () => {
    const saved = process.env.VALIDATION_URL;
    process.env.VALIDATION_URL = 'https://127.0.0.1:9/validate';
    await sandbox.restartValidator();
    try {
      const result = await call(`${VISA}#${EXPIRY}#737#`);
      expect(result.outcome).toBe('declined');
      expect(result.details.toLowerCase()).toContain('validation service');
      expect(await vaultItems()).toBe(0);
    } finally {
      process.env.VALIDATION_URL = saved;
      await sandbox.restartValidator();
    }
  });
});

describe('keys pressed outside the secure IVR', () => {
  it('are heard by the agent and the recording, counted as card-safety violations, and never kept as card entry for a later prompt', async () => {
    // Prepare
    const caller = new InteractiveCaller();
    const placed = await sandbox.placeCall(caller);
    calls.push(placed);
    await placed.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
    const noticed: string[] = [];
    sandbox.emulator.onKeysOutsidePrompt((c) => noticed.push(c.transactionId));
    // Act: the caller keys the whole card while still talking to the agent, then the session starts.
    for (const key of `${VISA}#${EXPIRY}#737#`) caller.press(key as never);
    const { executionArn } = await sandbox.requestSession(placed, { formId: 'card-payment', fields: FIELDS });
    await placed.waitFor((c) => c.collectingDigits);
    await placed.hangUpCaller();
    const ended = await sandbox.sessionOutcome(executionArn);
    agentPayloads.push(ended);
    // Assess: nothing reached the prompt, so no payment was taken; every key was heard and recorded.
    expect(ended).toMatchObject({ outcome: 'aborted', error: 'CallerHungUp' });
    expect(placed.keys).toHaveLength(`${VISA}#${EXPIRY}#737#`.length);
    expect(placed.keys.every((k) => k.collected === false && k.agentBridged && k.recording === 'recording')).toBe(true);
    expect(placed.violations.filter((v) => v === HEARD_KEY_VIOLATION)).toHaveLength(placed.keys.length);
    expect(noticed.filter((id) => id === placed.transactionId)).toHaveLength(placed.keys.length);
    expect(await vaultItems()).toBe(0);
  });

  it('a key pressed while the prompt listens is collected and is no violation', async () => {
    const result = await call(`${VISA}#${EXPIRY}#737#`);
    expect(result.call.keys.every((k) => k.collected === true)).toBe(true);
    expect(result.call.violations).toEqual([]);
  });
});

describe('no card data anywhere', () => {
  it('leaves no card number, expiry or security code in any log, object, item, workflow history, call attribute or agent payload', async () => {
    const artifacts = await collectArtifacts(sandbox, calls, agentPayloads);
    expect(artifacts.length).toBeGreaterThan(50);
    expect(artifacts.some((a) => a.where.startsWith('log '))).toBe(true);
    expect(artifacts.some((a) => a.where.startsWith('sfn '))).toBe(true);
    expect(findSentinels(artifacts, { long: [VISA, AMEX, DECLINE, '4111111111111112'], short: [EXPIRY, '737', '7373'] })).toEqual([]);
  });

  it('the scan finds a sentinel when one is planted (the check can fail)', async () => {
    const artifacts = await collectArtifacts(sandbox, calls, [{ oops: `card ${VISA}`, cvv: '737' }]);
    expect(findSentinels(artifacts, { long: [VISA], short: ['737'] })).toEqual([`${VISA} in agent payload 0`, `737 in agent payload 0`]);
  });
});
