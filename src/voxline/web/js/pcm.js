// PCM helpers shared by the page and the AudioWorklets: conversion and streaming resampling.

/** The sample rate of every audio frame on the wire (PCM16 mono, both ways). */
export const WIRE_RATE = 24000;

/**
 * Float samples in [-1, 1] to PCM16 (clamped).
 * @param {Float32Array} samples
 * @returns {Int16Array}
 */
export function floatToPcm16(samples) {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

/**
 * PCM16 little-endian bytes (or samples) to floats in [-1, 1).
 * @param {ArrayBuffer | Int16Array} pcm
 * @returns {Float32Array}
 */
export function pcm16ToFloat(pcm) {
  const ints = pcm instanceof Int16Array ? pcm : new Int16Array(pcm, 0, pcm.byteLength >> 1);
  const out = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++) out[i] = ints[i] / 0x8000;
  return out;
}

/** Root mean square of a block, 0 for an empty one. */
export function rms(samples) {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / samples.length);
}

/** Low-pass FIR taps (Hann-windowed sinc), `cutoff` as a fraction of the input rate. */
function lowPassTaps(cutoff, count) {
  const taps = new Float32Array(count);
  const mid = (count - 1) / 2;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * x) / (Math.PI * x);
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (count - 1));
    taps[i] = sinc * hann;
    sum += taps[i];
  }
  for (let i = 0; i < count; i++) taps[i] /= sum;
  return taps;
}

/**
 * A streaming resampler: blocks of any size in, continuous output across blocks.
 * Linear interpolation, with a windowed-sinc low-pass in front when downsampling so that
 * 48 kHz speech does not alias into the 24 kHz stream.
 */
export class Resampler {
  /**
   * @param {number} fromRate input sample rate (Hz)
   * @param {number} toRate output sample rate (Hz)
   */
  constructor(fromRate, toRate) {
    if (!(fromRate > 0 && toRate > 0)) {
      throw new RangeError(`sample rates must be positive, got ${fromRate} -> ${toRate}`);
    }
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.step = fromRate / toRate;
    this.pos = 1; // position in [previous sample, ...block]
    this.prev = 0;
    this.taps = this.step > 1 ? lowPassTaps(0.45 / this.step, 31) : null;
    this.history = this.taps ? new Float32Array(this.taps.length - 1) : null;
  }

  /** Filter a block through the low-pass, keeping the tail for the next block. */
  filter(block) {
    const taps = this.taps;
    const hist = this.history;
    const n = hist.length;
    const joined = new Float32Array(n + block.length);
    joined.set(hist);
    joined.set(block, n);
    const out = new Float32Array(block.length);
    for (let i = 0; i < block.length; i++) {
      let acc = 0;
      for (let k = 0; k < taps.length; k++) acc += taps[k] * joined[i + k];
      out[i] = acc;
    }
    this.history = joined.slice(joined.length - n);
    return out;
  }

  /**
   * Resample one block.
   * @param {Float32Array} block
   * @returns {Float32Array}
   */
  process(block) {
    if (block.length === 0) return new Float32Array(0);
    if (this.step === 1) return Float32Array.from(block);
    const input = this.taps ? this.filter(block) : block;
    const out = new Float32Array(Math.ceil((input.length + 1) / this.step) + 1);
    let count = 0;
    let pos = this.pos;
    while (pos < input.length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i === 0 ? this.prev : input[i - 1];
      const b = input[i];
      out[count++] = a + (b - a) * frac;
      pos += this.step;
    }
    this.pos = pos - input.length;
    this.prev = input[input.length - 1];
    return out.subarray(0, count);
  }
}
