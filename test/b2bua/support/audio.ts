// Test audio: a sine-tone WAV (8 kHz, 16-bit mono PCM, what baresip's aufile plays at G.711's
// rate) and a Goertzel filter to tell which tones a recording holds.
import { readFileSync, writeFileSync } from 'node:fs';

export function writeToneWav(file: string, hz: number, seconds: number, rate = 8000, amplitude = 0.5): void {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * amplitude * 32767), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 2, 28); h.writeUInt16LE(2, 32); h.writeUInt16LE(16, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([h, data]));
}

export interface Pcm {
  rate: number;
  channels: number;
  samples: Float64Array;
}

/** 16-bit PCM WAV → samples of the first channel in -1..1 (chunks walked, not assumed at 44). */
export function readWav(file: string): Pcm {
  const b = readFileSync(file);
  let off = 12;
  let rate = 8000;
  let channels = 1;
  let bits = 16;
  let data: Buffer | undefined;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    if (id === 'data' && (size === 0 || off + 8 + size > b.length)) size = b.length - off - 8; // still being written
    if (id === 'fmt ') { channels = b.readUInt16LE(off + 10); rate = b.readUInt32LE(off + 12); bits = b.readUInt16LE(off + 22); }
    if (id === 'data') { data = b.subarray(off + 8, off + 8 + size); break; }
    off += 8 + size + (size % 2);
  }
  if (!data || bits !== 16) return { rate, channels, samples: new Float64Array(0) };
  const frames = Math.floor(data.length / (2 * channels));
  const samples = new Float64Array(frames);
  for (let i = 0; i < frames; i++) samples[i] = data.readInt16LE(i * 2 * channels) / 32768;
  return { rate, channels, samples };
}

/** Relative power of one frequency over the samples (Goertzel), normalised by the signal energy. */
export function goertzel(pcm: Pcm, hz: number): number {
  const s = pcm.samples;
  if (s.length === 0) return 0;
  const k = (2 * Math.PI * hz) / pcm.rate;
  const coeff = 2 * Math.cos(k);
  let q1 = 0;
  let q2 = 0;
  let energy = 0;
  for (let i = 0; i < s.length; i++) {
    const q0 = coeff * q1 - q2 + s[i];
    q2 = q1;
    q1 = q0;
    energy += s[i] * s[i];
  }
  const power = q1 * q1 + q2 * q2 - coeff * q1 * q2;
  return energy > 0 ? power / (energy * s.length) : 0;
}
