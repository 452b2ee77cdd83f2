/**
 * DTMF tones: the keypad frequency pairs, a generator (for recordings that captured a key press) and a
 * Goertzel detector that finds key presses in recorded audio — how the tests prove that no card digit
 * can be heard in a recording.
 */

export const DTMF_LOW = [697, 770, 852, 941] as const;
export const DTMF_HIGH = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

/** The (low, high) frequency pair of a key. */
export function dtmfPair(key: string): [number, number] | undefined {
  for (let row = 0; row < KEYPAD.length; row += 1) {
    const col = (KEYPAD[row] as string).indexOf(key);
    if (col >= 0 && key.length === 1) return [DTMF_LOW[row] as number, DTMF_HIGH[col] as number];
  }
  return undefined;
}

/** Goertzel power of one frequency over a block. */
function goertzel(samples: Float32Array, start: number, n: number, freq: number, rate: number): number {
  const k = Math.round((n * freq) / rate);
  const w = (2 * Math.PI * k) / n;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i += 1) {
    const s0 = (samples[start + i] ?? 0) + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

export interface DetectedKey {
  key: string;
  atMs: number;
  durationMs: number;
}

/** The classic 205-sample block at 8 kHz (about 39 Hz per bin). */
const BLOCK = 205;
/** Share of a block's energy each tone of a pair must carry (a clean pair carries about half each). */
const MIN_SHARE = 0.2;
/** Quieter blocks are silence (about -50 dBFS). */
const MIN_RMS = 0.003;
/** Standards ask for at least 40 ms of a key: two blocks. */
const MIN_BLOCKS = 2;

/** Every key press audible in the samples. */
export function detectDtmf(samples: Float32Array, rate: number): DetectedKey[] {
  const found: DetectedKey[] = [];
  let run: { key: string; blocks: number; start: number } | undefined;
  const close = (): void => {
    if (run && run.blocks >= MIN_BLOCKS) found.push({ key: run.key, atMs: (run.start * 1000) / rate, durationMs: (run.blocks * BLOCK * 1000) / rate });
    run = undefined;
  };
  for (let start = 0; start + BLOCK <= samples.length; start += BLOCK) {
    let energy = 0;
    for (let i = start; i < start + BLOCK; i += 1) energy += (samples[i] ?? 0) ** 2;
    let key: string | undefined;
    if (Math.sqrt(energy / BLOCK) >= MIN_RMS) {
      const share = (f: number): number => goertzel(samples, start, BLOCK, f, rate) / ((energy * BLOCK) / 2);
      const lows = DTMF_LOW.map(share);
      const highs = DTMF_HIGH.map(share);
      const li = lows.indexOf(Math.max(...lows));
      const hi = highs.indexOf(Math.max(...highs));
      if ((lows[li] ?? 0) >= MIN_SHARE && (highs[hi] ?? 0) >= MIN_SHARE) key = (KEYPAD[li] as string)[hi];
    }
    if (key !== undefined && run?.key === key) run.blocks += 1;
    else {
      close();
      if (key !== undefined) run = { key, blocks: 1, start };
    }
  }
  close();
  return found;
}

/** Share of the samples' energy at one frequency, block by block; for finding the pause/resume tones. */
export function toneBlocks(samples: Float32Array, rate: number, freq: number, minShare = 0.5): number[] {
  const at: number[] = [];
  for (let start = 0; start + BLOCK <= samples.length; start += BLOCK) {
    let energy = 0;
    for (let i = start; i < start + BLOCK; i += 1) energy += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(energy / BLOCK) < MIN_RMS) continue;
    if (goertzel(samples, start, BLOCK, freq, rate) / ((energy * BLOCK) / 2) >= minShare) at.push((start * 1000) / rate);
  }
  return at;
}
