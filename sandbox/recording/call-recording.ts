/**
 * The sandbox's call-recording artifact: when an emulated call ends, the recording Chime would have
 * delivered is rendered as a WAV and stored in the sandbox's S3 at the call's recording key, with the
 * metadata Chime documents (transaction-id, call-id, recording-duration, recording-audio-file-format).
 *
 * The audio follows the call's own timeline (the emulator's nominal clock): a soft tone while recording
 * runs (standing in for voices and prompts), silence while it is paused — as PauseCallRecording records —
 * a marker tone at each pause and resume (as documented), and the DTMF pair of every key pressed while
 * recording ran. A correct secure session therefore yields a file with no DTMF in it at all.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { EmulatedCall, KeyPress, RecordingSpan } from '../sma/emulator';
import { dtmfPair } from './dtmf';
import { encodeWav, SAMPLE_RATE } from './wav';

/** What a recording is rendered from: the emulator's record of one call. */
export type RecordedCall = Pick<EmulatedCall, 'recordingSpans' | 'keys' | 'recordingKey' | 'transactionId' | 'invocations'>;

export const SPEECH_HZ = 425;
export const SPEECH_LEVEL = 0.05;
/** The pause/resume marker (frequency undocumented; 1 kHz sits clear of every DTMF frequency). */
export const MARKER_HZ = 1000;
export const MARKER_MS = 250;
const MARKER_LEVEL = 0.3;
const KEY_MS = 100;
const KEY_LEVEL = 0.25;
/** A recording longer than this is cut (the sandbox is not a soak store); real calls rarely come close. */
const MAX_RECORDING_MS = 2 * 3600 * 1000;

export interface RenderedRecording {
  wav: Buffer;
  durationMs: number;
  /** Where each span of the file sits, relative to the file's start. */
  spans: Array<{ state: RecordingSpan['state']; fromMs: number; toMs: number }>;
}

/**
 * Writes `level · Σ sin(2π f t)` over [fromMs, fromMs + durMs). Each sine comes from the recurrence
 * s[n+1] = 2 cos(ω) s[n] − s[n−1] (exact in real arithmetic; in doubles it drifts by ~1e-12 over an
 * hour of samples), seeded with Math.sin at the first two samples: one multiply-add per sample instead
 * of a Math.sin call, which was the largest part of rendering a call's recording under load.
 */
function addTone(out: Float32Array, fromMs: number, durMs: number, freqs: number[], level: number, replace: boolean): void {
  const start = Math.max(0, Math.floor((fromMs * SAMPLE_RATE) / 1000));
  const end = Math.min(out.length, Math.floor(((fromMs + durMs) * SAMPLE_RATE) / 1000));
  if (end <= start) return;
  if (replace) out.fill(0, start, end);
  for (const f of freqs) {
    const w = (2 * Math.PI * f) / SAMPLE_RATE;
    const k = 2 * Math.cos(w);
    let previous = level * Math.sin(w * (start - 1));
    let current = level * Math.sin(w * start);
    for (let i = start; i < end; i += 1) {
      out[i] = (out[i] as number) + current;
      const next = k * current - previous;
      previous = current;
      current = next;
    }
  }
}

/** Renders the recording of a call whose recording ran; undefined when it never started. */
export function renderRecording(call: Pick<RecordedCall, 'recordingSpans' | 'keys'>): RenderedRecording | undefined {
  const first = call.recordingSpans[0];
  if (!first) return undefined;
  const origin = first.fromMs;
  const spans = call.recordingSpans.map((s) => ({
    state: s.state,
    fromMs: s.fromMs - origin,
    toMs: Math.max((s.toMs ?? s.fromMs) - origin, s.fromMs - origin),
  }));
  const durationMs = Math.min(MAX_RECORDING_MS, spans[spans.length - 1]?.toMs ?? 0);
  const samples = new Float32Array(Math.floor((durationMs * SAMPLE_RATE) / 1000));
  for (const s of spans) if (s.state === 'recording') addTone(samples, s.fromMs, s.toMs - s.fromMs, [SPEECH_HZ], SPEECH_LEVEL, true);
  for (let i = 1; i < spans.length; i += 1) {
    const s = spans[i] as (typeof spans)[number];
    // A transition into paused is a pause, into recording a resume: both leave a marker tone.
    if (s.state !== spans[i - 1]?.state) addTone(samples, s.fromMs, MARKER_MS, [MARKER_HZ], MARKER_LEVEL, true);
  }
  for (const k of call.keys as KeyPress[]) {
    if (k.recording !== 'recording') continue;
    const pair = dtmfPair(k.key);
    if (pair) addTone(samples, k.atMs - origin, KEY_MS, pair, KEY_LEVEL, true);
  }
  return { wav: encodeWav(samples), durationMs, spans };
}

/** The caller leg's call id, as Chime names it in the recording key and metadata. */
function callerCallId(call: RecordedCall): string {
  const participants = call.invocations[0]?.event.CallDetails.Participants ?? [];
  return participants.find((p) => p.ParticipantTag === 'LEG-A')?.CallId ?? '';
}

/** Bucket and key from a Chime recording location (`bucket/key…`). */
export function splitLocation(location: string): { bucket: string; key: string } | undefined {
  const slash = location.indexOf('/');
  if (slash <= 0 || slash === location.length - 1) return undefined;
  return { bucket: location.slice(0, slash), key: location.slice(slash + 1) };
}

/**
 * Writes call recordings to S3 as calls end. Writes happen in the background (the call path never
 * waits); `flush()` waits for every write started so far, and `written(call)` for one call's.
 */
const s3Commands = (() => {
  let loaded: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
  return () => (loaded ??= import('@aws-sdk/client-s3'));
})();

export class CallRecorder {
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private readonly failures: string[] = [];

  public constructor(private readonly s3: () => Promise<S3Client>) {}

  public onCallEnded(call: RecordedCall): void {
    if (!call.recordingKey || this.pending.has(call.transactionId)) return;
    const write = this.write(call).catch((err: unknown) => {
      this.failures.push(`${call.transactionId}: ${err instanceof Error ? err.name : 'UnknownError'}`);
      return undefined;
    });
    this.pending.set(call.transactionId, write);
  }

  /** The stored `bucket/key` of a call's recording once written (undefined when there is none). */
  public written(call: Pick<RecordedCall, 'transactionId'>): Promise<string | undefined> {
    return this.pending.get(call.transactionId) ?? Promise.resolve(undefined);
  }

  public async flush(): Promise<void> {
    await Promise.all(this.pending.values());
  }

  /** Writes that failed (transaction id and error name). */
  public errors(): string[] {
    return [...this.failures];
  }

  private async write(call: RecordedCall): Promise<string | undefined> {
    const where = splitLocation(call.recordingKey ?? '');
    const rendered = renderRecording(call);
    if (!where || !rendered) return undefined;
    const { PutObjectCommand } = await s3Commands();
    await (await this.s3()).send(
      new PutObjectCommand({
        Bucket: where.bucket,
        Key: where.key,
        Body: rendered.wav,
        ContentType: 'audio/wav',
        Metadata: {
          'transaction-id': call.transactionId,
          'call-id': callerCallId(call),
          'recording-duration': `${(rendered.durationMs / 1000).toFixed(3)}s`,
          'recording-audio-file-format': 'wav',
        },
      }),
    );
    return `${where.bucket}/${where.key}`;
  }
}
