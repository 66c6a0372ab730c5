// AudioWorklet: microphone -> 24 kHz PCM16 mono frames posted to the page (~40 ms each).

import { Resampler, WIRE_RATE, floatToPcm16, rms } from "../js/pcm.js";

class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const frameMs = options?.processorOptions?.frameMs ?? 40;
    this.frameSamples = Math.round((WIRE_RATE * frameMs) / 1000);
    this.resampler = new Resampler(sampleRate, WIRE_RATE);
    this.pending = new Float32Array(this.frameSamples);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    let mono = input[0];
    if (input.length > 1) {
      mono = new Float32Array(input[0].length);
      for (const channel of input) for (let i = 0; i < mono.length; i++) mono[i] += channel[i];
      for (let i = 0; i < mono.length; i++) mono[i] /= input.length;
    }
    const resampled = this.resampler.process(mono);
    let offset = 0;
    while (offset < resampled.length) {
      const take = Math.min(this.frameSamples - this.filled, resampled.length - offset);
      this.pending.set(resampled.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSamples) {
        const pcm = floatToPcm16(this.pending);
        this.port.postMessage({ pcm: pcm.buffer, level: rms(this.pending) }, [pcm.buffer]);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor("voxline-capture", CaptureProcessor);
