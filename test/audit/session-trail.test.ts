/**
 * Whole calls through the sandbox, checked the way an assessor would: every session path leaves one
 * complete, verifiable hash chain in the audit bucket; the recording is paused over every card prompt
 * and its WAV holds no DTMF; the finance outcomes match the sessions run; and no card sentinel reaches
 * an audit event, a recording (or its metadata) or an outcome.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_BUCKET, RECORDING_BUCKET, Sandbox } from '../../sandbox/sandbox';
import { ScriptedCaller, InteractiveCaller, type CallerKey, type KeySource } from '../../sandbox/sma/caller';
import type { EmulatedCall } from '../../sandbox/sma/emulator';
import { s3ObjectSource, pullRecords, verifyDigestWindow, verifyWindow } from '../../lambdas/audit/audit-reader';
import { DIGEST_KEY_ALIAS } from '../../sandbox/sandbox';
import { publicKeyFromDer } from '../../lambdas/audit/digest-chain';
import { readOutcomes } from '../../lambdas/audit/outcomes';
import { OUTCOME_BINDING_DETAIL, outcomeRecordHash } from '../../lambdas/audit/outcome-binding';
import { s3Client } from '../../lambdas/shared/clients';
import { decodeWav } from '../../sandbox/recording/wav';
import { detectDtmf, toneBlocks } from '../../sandbox/recording/dtmf';
import { MARKER_HZ, MARKER_MS } from '../../sandbox/recording/call-recording';
import { findSentinels } from '../helpers/leak-scan';
import { keyIntoPrompts } from '../helpers/keypad';

const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55', currency: 'USD' };
const VISA = '4111111111111111';
const DECLINE = '4000000000000002';
const CARD_SENTINELS = { long: [VISA, DECLINE], short: ['1230', '737'] };

/** A scripted caller that notes, each time a card prompt waits for a key, whether anyone could hear. */
class ProbeCaller implements KeySource {
  public call: EmulatedCall | undefined;
  public readonly prompts: Array<{ atMs: number; recording: string; agentBridged: boolean }> = [];
  private readonly inner: ScriptedCaller;
  public constructor(keys: string) {
    this.inner = new ScriptedCaller(keys);
  }
  public next(): Promise<CallerKey> {
    if (this.call) this.prompts.push({ atMs: this.call.elapsedMs, recording: this.call.recordingState, agentBridged: this.call.agentBridged });
    return this.inner.next();
  }
}

interface Ran {
  label: string;
  sessionId: string;
  outcome: string;
  call: EmulatedCall;
  probe?: ProbeCaller;
}

let sandbox: Sandbox;
const ran: Ran[] = [];
const window = (): { from: Date; to: Date } => ({ from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 60_000) });
const source = async () => s3ObjectSource(await s3Client(), AUDIT_BUCKET);

async function probedCall(label: string, keys: string, extra: { parties?: number } = {}): Promise<Ran> {
  const probe = new ProbeCaller(keys);
  const call = await sandbox.placeCall(probe);
  probe.call = call;
  await call.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
  const { sessionId, executionArn } = await sandbox.requestSession(call, { formId: 'card-payment', fields: FIELDS, ...extra });
  const ended = await sandbox.sessionOutcome(executionArn);
  await call.waitFor((c) => c.status !== 'active' || c.attributes.stage === 'bridged').catch(() => undefined);
  if (call.status === 'active') await call.hangUpCaller();
  await call.ended();
  const r = { label, sessionId, outcome: ended.outcome, call, probe };
  ran.push(r);
  return r;
}

beforeAll(async () => {
  sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'sandbox-audit-')), ephemeral: true });
  await probedCall('accepted', `${VISA}#1230#737#`);
  await probedCall('declined by the gateway', `${DECLINE}#1230#737#`);
  await probedCall('capture declined', 'w12345#99#');
  await probedCall('hang-up on the card number', '4111h');
  await probedCall('hang-up on the expiry', `${VISA}#12h`);
  await probedCall('hang-up on the security code', `${VISA}#1230#7h`);
  await probedCall('refused on a conference', `${VISA}#`, { parties: 3 });
  sandbox.emulator.faults = { pauseRecordingFails: true };
  await probedCall('recording pause failed', `${VISA}#1230#737#`);
  sandbox.emulator.faults = {};
  // Hang-up while on hold after keying everything.
  const caller = new InteractiveCaller();
  const call = await sandbox.placeCall(caller);
  await call.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
  sandbox.stageHooks.set('insert', () => call.ended());
  const { sessionId, executionArn } = await sandbox.requestSession(call, { formId: 'card-payment', fields: FIELDS });
  await keyIntoPrompts(call, `${VISA}#1230#737#`, (key) => caller.press(key as CallerKey));
  await call.waitFor((c) => c.attributes.stage === 'holding');
  await call.hangUpCaller();
  const ended = await sandbox.sessionOutcome(executionArn);
  sandbox.stageHooks.clear();
  ran.push({ label: 'hang-up while on hold', sessionId, outcome: ended.outcome, call });
  await sandbox.recorder?.flush();
}, 240_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('the audit trail of every session path', () => {
  it('holds one complete chain per session that verifies without a finding', async () => {
    // Act
    const report = await verifyWindow(await source(), window(), { now: new Date() });
    // Assess
    expect(report.findings).toEqual([]);
    for (const r of ran)
      expect({ label: r.label, stream: report.streams.find((s) => s.stream === r.sessionId) }).toEqual({
        label: r.label,
        stream: expect.objectContaining({ complete: true }),
      });
  });

  it.each([
    [
      'accepted',
      [
        'begin.requested',
        'session.begun',
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
      ],
    ],
    ['declined by the gateway', ['submitted', 'outcome', 'session.ended']],
    ['capture declined', ['field.invalid', 'capture.declined', 'recording.resumed', 'outcome', 'session.ended']],
    ['hang-up on the security code', ['caller.hung-up', 'data.destroyed', 'session.aborted']],
    ['hang-up while on hold', ['capture.completed', 'caller.hung-up', 'data.destroyed', 'session.aborted']],
    ['refused on a conference', ['begin.requested', 'begin.refused', 'data.destroyed', 'session.aborted']],
    ['recording pause failed', ['recording.pause-failed', 'data.destroyed', 'session.aborted']],
  ])('records the steps of a session that was %s, in chain order, with who, where from and when', async (label, expected) => {
    // Prepare
    const r = ran.find((x) => x.label === label) as Ran;
    // Act
    const records = await pullRecords(await source(), { ...window(), sessionId: r.sessionId });
    const types = records.map((x) => x.event.type);
    // Assess
    expect(records.map((x) => x.seq)).toEqual(records.map((_, i) => i + 1));
    // Several functions write one session's chain; steps of different writers may interleave either way.
    expect(expected.filter((t) => !types.includes(t as never))).toEqual([]);
    expect(types[0]).toBe('begin.requested');
    expect(['session.ended', 'session.aborted']).toContain(types[types.length - 1]);
    for (const { event } of records) {
      expect(event.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(event.actor.id).not.toBe('');
      expect(event.component).not.toBe('');
      expect(typeof event.success).toBe('boolean');
    }
    expect(records.some((x) => x.event.actor.kind === 'agent' && x.event.actor.id === 'agent-sandbox')).toBe(true);
  });

  it('binds every session’s outcome record to its final event by the record’s canonical hash', async () => {
    // Act
    const outcomes = await readOutcomes(await source(), window());
    const bound = await Promise.all(
      ran.map(async (r) => {
        const records = await pullRecords(await source(), { ...window(), sessionId: r.sessionId });
        const final = records.filter((x) => x.event.type === 'session.ended' || x.event.type === 'session.aborted');
        const record = outcomes.find((o) => o.sessionId === r.sessionId);
        return { label: r.label, bound: final.map((x) => x.event.details?.[OUTCOME_BINDING_DETAIL]), hash: record ? outcomeRecordHash(record) : 'no record' };
      }),
    );
    // Assess
    for (const b of bound) expect(b).toEqual({ label: b.label, bound: [b.hash], hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('pulls one agent’s sessions only', async () => {
    const records = await pullRecords(await source(), { ...window(), agentId: 'nobody' });
    expect(records).toEqual([]);
  });
});

describe('the signed hourly digests in the sandbox (review item 5)', () => {
  it('signs the hour the sessions ran in, and every session verifies as covered', async () => {
    // Prepare: the sandbox's schedule, one hour on (its sweeper does this each hour that ends).
    const runHour = new Date().toISOString().slice(0, 13);
    const written = await sandbox.digestEndedHours(new Date(Date.now() + 3600_000));
    const [{ GetPublicKeyCommand }, { kmsClient }] = await Promise.all([import('@aws-sdk/client-kms'), import('../../lambdas/shared/clients')]);
    const publicKey = publicKeyFromDer((await (await kmsClient()).send(new GetPublicKeyCommand({ KeyId: DIGEST_KEY_ALIAS }))).PublicKey as Uint8Array);
    // Act
    const report = await verifyDigestWindow(await source(), window(), { publicKey, now: new Date(), fromHour: runHour });
    // Assess
    expect(written).toContain(runHour);
    expect(report.findings).toEqual([]);
    expect(report.coveredStreams).toBeGreaterThanOrEqual(ran.length);
  });
});

describe('the call recordings', () => {
  it('were paused over every card prompt and never heard a key', () => {
    const prompted = ran.filter((r) => (r.probe?.prompts.length ?? 0) > 0);
    expect(prompted.length).toBeGreaterThanOrEqual(6);
    for (const r of ran) {
      for (const p of r.probe?.prompts ?? []) {
        expect({ label: r.label, recording: p.recording, bridged: p.agentBridged }).toEqual({ label: r.label, recording: 'paused', bridged: false });
        const span = r.call.recordingSpans.find((s) => s.fromMs <= p.atMs && p.atMs <= (s.toMs ?? Infinity) && s.state === 'paused');
        expect(span).toBeDefined();
      }
      expect(r.call.violations).toEqual([]);
    }
  });

  it('are stored as WAVs with the documented metadata, no DTMF, and a tone at each pause and resume', async () => {
    // Prepare
    const objects = (await sandbox.s3.listAllObjects()).filter((o) => o.bucket === RECORDING_BUCKET);
    // Act / Assess
    for (const r of ran) {
      const object = objects.find((o) => `${o.bucket}/${o.key}` === r.call.recordingKey);
      expect({ label: r.label, stored: object !== undefined }).toEqual({ label: r.label, stored: true });
      if (!object) continue;
      expect(object.metadata).toMatchObject({
        'x-amz-meta-transaction-id': r.call.transactionId,
        'x-amz-meta-recording-audio-file-format': 'wav',
        'x-amz-meta-recording-duration': expect.stringMatching(/^\d+\.\d{3}s$/),
      });
      const { samples, sampleRate } = decodeWav(object.body);
      expect({ label: r.label, dtmf: detectDtmf(samples, sampleRate) }).toEqual({ label: r.label, dtmf: [] });
      // A marker cut short by the end of the call counts only if the file runs on for its whole length.
      const transitions = r.call.recordingSpans.filter(
        (s, i, a) => i > 0 && s.state !== a[i - 1]?.state && (s.toMs ?? s.fromMs) - s.fromMs >= MARKER_MS + 60,
      ).length;
      const markerBlocks = toneBlocks(samples, sampleRate, MARKER_HZ).length;
      expect(markerBlocks).toBeGreaterThanOrEqual(transitions * 8);
      expect(markerBlocks).toBeLessThanOrEqual(transitions * 11);
    }
  });
});

describe('the finance outcomes', () => {
  it('match the sessions run, one each, with amount, currency and last four', async () => {
    // Act
    const outcomes = await readOutcomes(await source(), window());
    // Assess
    for (const r of ran) {
      const o = outcomes.filter((x) => x.sessionId === r.sessionId);
      expect({ label: r.label, outcomes: o.map((x) => x.outcome) }).toEqual({ label: r.label, outcomes: [r.outcome] });
      expect(o[0]).toMatchObject({ formId: 'card-payment', agentId: 'agent-sandbox', amount: '14.55', currency: 'USD' });
    }
    expect(outcomes.find((o) => o.sessionId === ran[0]?.sessionId)).toMatchObject({ outcome: 'accepted', brand: 'visa', last4: '1111' });
  });
});

describe('no card data in the audit bucket or the recordings', () => {
  it('finds no card sentinel in any audit event, outcome, recording or recording metadata', async () => {
    // Prepare
    const objects = (await sandbox.s3.listAllObjects()).filter((o) => o.bucket === AUDIT_BUCKET || o.bucket === RECORDING_BUCKET);
    const artifacts = objects.map((o) => ({ where: `${o.bucket}/${o.key}`, text: `${o.body.toString('latin1')} ${JSON.stringify(o.metadata)}` }));
    // Act
    const hits = findSentinels(artifacts, CARD_SENTINELS);
    // Assess
    // Events are stored a batch per object (JSON lines): count the records, not the objects.
    const eventRecords = artifacts
      .filter((a) => a.where.startsWith(`${AUDIT_BUCKET}/events/`))
      .reduce((n, a) => n + (a.text.match(/"hash":/g)?.length ?? 0), 0);
    expect(eventRecords).toBeGreaterThan(80);
    expect(hits).toEqual([]);
  });
});
