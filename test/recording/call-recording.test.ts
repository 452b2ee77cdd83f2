/** The sandbox's recording artifact: WAV format, silence and marker tones, and the DTMF detector that audits it. */
import { renderRecording, MARKER_HZ, splitLocation } from '../../sandbox/recording/call-recording';
import { detectDtmf, dtmfPair, toneBlocks } from '../../sandbox/recording/dtmf';
import { decodeWav, encodeWav, SAMPLE_RATE } from '../../sandbox/recording/wav';
import type { KeyPress, RecordingSpan } from '../../sandbox/sma/emulator';

const spans: RecordingSpan[] = [
  { state: 'recording', fromMs: 1000, toMs: 5000 },
  { state: 'paused', fromMs: 5000, toMs: 9000 },
  { state: 'recording', fromMs: 9000, toMs: 12000 },
];
const rms = (s: Float32Array, fromMs: number, toMs: number): number => {
  const a = Math.floor((fromMs * SAMPLE_RATE) / 1000);
  const b = Math.floor((toMs * SAMPLE_RATE) / 1000);
  let e = 0;
  for (let i = a; i < b; i += 1) e += (s[i] ?? 0) ** 2;
  return Math.sqrt(e / Math.max(b - a, 1));
};

describe('the recording artifact', () => {
  it('is an 8 kHz mono 16-bit WAV as long as the recording ran', () => {
    // Act
    const rendered = renderRecording({ recordingSpans: spans, keys: [] });
    const wav = decodeWav(rendered?.wav ?? Buffer.alloc(0));
    // Assess
    expect(rendered?.durationMs).toBe(11_000);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 1 });
    expect(wav.samples.length).toBe(88_000);
  });

  it('is silent while paused except for the marker tone at the pause and at the resume', () => {
    // Act
    const { samples } = decodeWav(renderRecording({ recordingSpans: spans, keys: [] })?.wav ?? Buffer.alloc(0));
    const markers = toneBlocks(samples, SAMPLE_RATE, MARKER_HZ);
    // Assess
    expect(rms(samples, 3300, 3700)).toBeGreaterThan(0.01);
    expect(rms(samples, 4300, 7900)).toBe(0);
    expect(markers.some((t) => t >= 4000 && t < 4300)).toBe(true);
    expect(markers.some((t) => t >= 8000 && t < 8300)).toBe(true);
    expect(markers.every((t) => (t >= 3950 && t < 4300) || (t >= 7950 && t < 8300))).toBe(true);
  });

  it('carries the DTMF of a key pressed while recording ran, and none of keys pressed while paused', () => {
    // Prepare
    const keys: KeyPress[] = [
      { key: '4', atMs: 2000, agentBridged: false, recording: 'recording' },
      { key: '7', atMs: 6000, agentBridged: false, recording: 'paused' },
      { key: '#', atMs: 10_000, agentBridged: false, recording: 'recording' },
    ];
    // Act
    const { samples } = decodeWav(renderRecording({ recordingSpans: spans, keys })?.wav ?? Buffer.alloc(0));
    const found = detectDtmf(samples, SAMPLE_RATE);
    // Assess
    expect(found.map((k) => k.key)).toEqual(['4', '#']);
    expect(found[0]?.atMs).toBeGreaterThanOrEqual(990);
    expect(found[0]?.atMs).toBeLessThan(1100);
  });

  it('detects every keypad key and ignores the speech and marker tones', () => {
    // Prepare
    const keys = '0123456789*#';
    const samples = new Float32Array(SAMPLE_RATE * keys.length);
    [...keys].forEach((k, i) => {
      const [lo, hi] = dtmfPair(k) ?? [0, 0];
      for (let j = 0; j < 800; j += 1)
        samples[i * SAMPLE_RATE + j] = 0.25 * (Math.sin((2 * Math.PI * lo * j) / SAMPLE_RATE) + Math.sin((2 * Math.PI * hi * j) / SAMPLE_RATE));
      for (let j = 2000; j < 4000; j += 1) samples[i * SAMPLE_RATE + j] = 0.3 * Math.sin((2 * Math.PI * MARKER_HZ * j) / SAMPLE_RATE);
      for (let j = 4000; j < 8000; j += 1) samples[i * SAMPLE_RATE + j] = 0.05 * Math.sin((2 * Math.PI * 425 * j) / SAMPLE_RATE);
    });
    // Act
    const found = detectDtmf(decodeWav(encodeWav(samples)).samples, SAMPLE_RATE);
    // Assess
    expect(found.map((k) => k.key).join('')).toBe(keys);
  });

  it('splits a Chime recording location into bucket and key', () => {
    expect(splitLocation('secure-ivr-recordings/calls/2026/11/22/t_c.wav')).toEqual({ bucket: 'secure-ivr-recordings', key: 'calls/2026/11/22/t_c.wav' });
    expect(splitLocation('bucket-only')).toBeUndefined();
  });
});
