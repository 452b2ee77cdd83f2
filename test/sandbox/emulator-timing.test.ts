/**
 * Per-call timing in the SMA emulator: a call placed with its own timing scale (a person at the keypad page:
 * 1, real time) lets a digit prompt time out as on a phone, while calls at the emulator's default (scripted:
 * 0, instant) wait for their scripted keys. The keypad's interactions place their calls at the scale given.
 */
import { Writable } from 'node:stream';
import { checkTimingScale, EmulatorTimingError, SmaEmulator, type EmulatedCall } from '../../sandbox/sma/emulator';
import { InteractiveCaller, ScriptedCaller } from '../../sandbox/sma/caller';
import { SandboxInteractions } from '../../sandbox/agent/interactions';
import { parseTimingScale, runSandboxCommand } from '../../bin/commands/sandbox';
import type { SmaEvent } from '../../lambdas/telephony/chime-sma/contract';

const speech = { Text: 'x', Engine: 'neural', LanguageCode: 'en-US', TextType: 'text', VoiceId: 'Joanna' };

/** A SpeakAndGetDigits action on the caller leg: at most `max` digits, ended by `terminators`, `gapMs` between keys. */
function digitEntry(callId: string, max: number, terminators: string[], gapMs: number): unknown {
  return {
    Type: 'SpeakAndGetDigits',
    Parameters: {
      CallId: callId,
      SpeechParameters: speech,
      FailureSpeechParameters: speech,
      MinNumberOfDigits: 1,
      MaxNumberOfDigits: max,
      TerminatorDigits: terminators,
      InBetweenDigitsDurationInMilliseconds: gapMs,
      Repeat: 1,
      RepeatDurationInMilliseconds: gapMs,
    },
  };
}

const hangup = (callId: string): unknown => ({
  SchemaVersion: '1.0',
  Actions: [{ Type: 'Hangup', Parameters: { CallId: callId, ParticipantTag: 'LEG-A', SipResponseCode: '0' } }],
});

/** Asks for digits on the caller leg with a 50 ms limit; hangs up when the entry fails. */
async function promptHandler(raw: unknown): Promise<unknown> {
  const event = raw as SmaEvent;
  const callId = event.CallDetails.Participants[0]?.CallId ?? '';
  if (event.InvocationEventType === 'NEW_INBOUND_CALL') return { SchemaVersion: '1.0', Actions: [digitEntry(callId, 4, ['#'], 50)] };
  if (event.InvocationEventType === 'ACTION_FAILED') return hangup(callId);
  return { SchemaVersion: '1.0', Actions: [] };
}

/** Two digit entries (a terminated one, then one of exactly 4 digits), noting the call time each ends at. */
const entryEndedAt: number[] = [];
async function twoEntries(raw: unknown, call: () => EmulatedCall | undefined): Promise<unknown> {
  const event = raw as SmaEvent;
  const callId = event.CallDetails.Participants[0]?.CallId ?? '';
  if (event.InvocationEventType === 'NEW_INBOUND_CALL') return { SchemaVersion: '1.0', Actions: [digitEntry(callId, 10, ['#'], 5000)] };
  if (event.InvocationEventType === 'ACTION_SUCCESSFUL') {
    entryEndedAt.push(call()?.elapsedMs ?? Number.NaN);
    if (entryEndedAt.length === 1) return { SchemaVersion: '1.0', Actions: [digitEntry(callId, 4, [], 5000)] };
  }
  return hangup(callId);
}

const types = (call: EmulatedCall): string[] => call.invocations.map((i) => i.event.InvocationEventType);

describe('per-call timing in the SMA emulator', () => {
  it('times out a real-time call\u2019s prompt while an instant call keeps waiting for its keys', async () => {
    // Prepare
    const emulator = new SmaEmulator({ handler: promptHandler, sipMediaApplicationId: 'sma' });
    // Act
    const instant = await emulator.placeCall(new InteractiveCaller());
    const person = await emulator.placeCall(new InteractiveCaller(), undefined, undefined, {}, { timingScale: 1 });
    await person.waitFor((c) => c.status !== 'active', 10_000).catch(() => undefined);
    // Assess
    expect([instant.scale, person.scale]).toEqual([0, 1]);
    expect(types(person)).toEqual(['NEW_INBOUND_CALL', 'ACTION_FAILED', 'HANGUP']);
    expect(person.invocations[1]?.event.ActionData?.ErrorType).toBe('InvalidDigitsReceived');
    expect(person.status).toBe('ended');
    expect(types(instant)).toEqual(['NEW_INBOUND_CALL']);
    expect(instant.status).toBe('active');
    await instant.hangUpCaller();
  });

  it('ends a digit entry at the key that completes it, with no key pause after it (terminator or last digit)', async () => {
    // Prepare: a person keys "12#" into a terminated entry, then "1234" into one of at most 4 digits.
    const emulator = new SmaEmulator({ handler: (raw) => twoEntries(raw, () => call), sipMediaApplicationId: 'sma' });
    let call: EmulatedCall | undefined;
    // Act
    call = await emulator.placeCall(new ScriptedCaller('12#1234'));
    await call.waitFor((c) => c.status !== 'active', 10_000);
    // Assess: each ACTION_SUCCESSFUL came at the call time of the key that completed its entry.
    const lastKeyOf = (i: number): number => call?.keys[i]?.atMs ?? Number.NaN;
    expect(call.keys.map((k) => k.key).join('')).toBe('12#1234');
    expect(entryEndedAt).toEqual([lastKeyOf(2), lastKeyOf(6)]);
    expect(lastKeyOf(1) - lastKeyOf(0)).toBe(300);
  });

  it('follows the emulator\u2019s timing when the call gives none', async () => {
    // Prepare
    const emulator = new SmaEmulator({ handler: promptHandler, sipMediaApplicationId: 'sma', timing: { scale: 0.5 } });
    // Act
    const call = await emulator.placeCall(new InteractiveCaller());
    // Assess
    expect([call.timingScale, call.scale]).toEqual([undefined, 0.5]);
    await call.hangUpCaller();
  });

  it('refuses a timing scale that is negative, not finite or absurdly slow', async () => {
    // Prepare
    const emulator = new SmaEmulator({ handler: promptHandler, sipMediaApplicationId: 'sma' });
    // Act / Assess
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 11]) expect(() => checkTimingScale(bad)).toThrow(EmulatorTimingError);
    await expect(emulator.placeCall(new InteractiveCaller(), undefined, undefined, {}, { timingScale: -0.5 })).rejects.toBeInstanceOf(EmulatorTimingError);
    expect(emulator.allCalls()).toHaveLength(0);
  });

  it('places keypad calls at the interactive scale it was given', async () => {
    // Prepare
    const emulator = new SmaEmulator({ handler: promptHandler, sipMediaApplicationId: 'sma' });
    const keypad = new SandboxInteractions(emulator, { timingScale: 1 });
    const scriptedLike = new SandboxInteractions(emulator);
    // Act
    const person = await keypad.placeCall('alice');
    const other = await scriptedLike.placeCall('alice');
    // Assess
    expect([person.scale, other.scale]).toEqual([1, 0]);
    for (const call of [person, other]) if (call.status === 'active') await call.hangUpCaller();
  });
});

describe('secure-ivr sandbox --timing-scale', () => {
  it('defaults interactive calls to real time and reads a given scale', () => {
    expect(parseTimingScale(undefined)).toBe(1);
    expect(parseTimingScale('0')).toBe(0);
    expect(parseTimingScale('0.25')).toBe(0.25);
  });

  it('refuses a scale that is not a number from 0 to 10 before starting anything', async () => {
    // Prepare
    const err: string[] = [];
    const sink = (to: string[]) => new Writable({ write: (c: Buffer, _e, done) => (to.push(c.toString()), done()) });
    // Act
    const code = await runSandboxCommand(['--timing-scale', 'fast'], sink([]), sink(err));
    // Assess
    expect(code).toBe(2);
    expect(err.join('')).toContain('--timing-scale must be a number from 0');
    expect(() => parseTimingScale('-1')).toThrow(/--timing-scale/);
  });
});
