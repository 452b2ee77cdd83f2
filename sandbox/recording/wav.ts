/**
 * WAV (RIFF, PCM) encoding and decoding for the sandbox's call recordings: 8 kHz, mono, 16-bit
 * little-endian — the format Chime writes for a single-track recording.
 */

export const SAMPLE_RATE = 8000;

export class WavFormatError extends Error {
  public constructor(problem: string) {
    super(`Not a recording this sandbox can read: ${problem}. Expect 16-bit PCM WAV.`);
    this.name = 'WavFormatError';
  }
}

/** Float samples in [-1, 1] to a 16-bit PCM WAV file. */
export function encodeWav(samples: Float32Array, sampleRate = SAMPLE_RATE): Buffer {
  const data = samples.length * 2;
  const out = Buffer.alloc(44 + data);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + data, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(data, 40);
  // Little-endian hosts (every platform Node ships for) write through a typed view, clamped with plain
  // comparisons: the per-sample Buffer.writeInt16LE and Math.min/max calls were most of the encoding time.
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) {
    const pcm = new Int16Array(out.buffer, out.byteOffset + 44, samples.length);
    for (let i = 0; i < samples.length; i += 1) {
      const s = samples[i] as number;
      pcm[i] = s >= 1 ? 32767 : s <= -1 ? -32767 : Math.round(s * 32767);
    }
  } else {
    for (let i = 0; i < samples.length; i += 1) out.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i] ?? 0)) * 32767), 44 + i * 2);
  }
  return out;
}

/** A 16-bit PCM WAV file back to float samples (first channel). */
export function decodeWav(file: Buffer): { sampleRate: number; channels: number; samples: Float32Array } {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('no RIFF/WAVE header');
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  // Bounded by the file length: each chunk moves the offset forward by at least 8 bytes.
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (file.readUInt16LE(body) !== 1) throw new WavFormatError('not PCM');
      channels = file.readUInt16LE(body + 2);
      sampleRate = file.readUInt32LE(body + 4);
      bits = file.readUInt16LE(body + 14);
    } else if (id === 'data') {
      if (bits !== 16 || channels < 1) throw new WavFormatError('not 16-bit');
      const frames = Math.floor(Math.min(size, file.length - body) / (2 * channels));
      const samples = new Float32Array(frames);
      for (let i = 0; i < frames; i += 1) samples[i] = file.readInt16LE(body + i * 2 * channels) / 32768;
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError('no data chunk');
}
