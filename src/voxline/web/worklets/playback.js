// AudioWorklet: agent audio (24 kHz) through a small jitter buffer; flushable at once.
//
// Messages in:  {type: "chunk", itemId, samples: Float32Array at 24 kHz}
//               {type: "flush"}
// Messages out: {type: "progress", itemId, playedMs, bufferedMs, playing}  (~every 100 ms
//               while playing, and whenever playing starts or stops)
//               {type: "flushed", itemId, playedMs, droppedMs}

import { Resampler, WIRE_RATE } from "../js/pcm.js";

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = options?.processorOptions ?? {};
    this.prebuffer = Math.round((sampleRate * (opts.prebufferMs ?? 80)) / 1000);
    this.maxWait = Math.round((sampleRate * (opts.maxWaitMs ?? 150)) / 1000);
    this.reportEvery = Math.round((sampleRate * (opts.reportMs ?? 100)) / 1000);
    this.queue = []; // {itemId, data: Float32Array at sampleRate, offset}
    this.buffered = 0;
    this.waited = 0;
    this.playing = false;
    this.itemId = null;
    this.resampler = null;
    this.resamplerItem = null;
    this.played = new Map(); // itemId -> output samples played
    this.sinceReport = 0;
    this.port.onmessage = (e) => this.receive(e.data);
  }

  receive(msg) {
    if (msg.type === "chunk") {
      if (this.resamplerItem !== msg.itemId) {
        this.resampler = new Resampler(WIRE_RATE, sampleRate);
        this.resamplerItem = msg.itemId;
      }
      const data = this.resampler.process(msg.samples);
      if (data.length > 0) {
        this.queue.push({ itemId: msg.itemId, data, offset: 0 });
        this.buffered += data.length;
      }
    } else if (msg.type === "flush") {
      const itemId = this.queue.length > 0 ? this.queue[0].itemId : this.itemId;
      const droppedMs = (this.buffered / sampleRate) * 1000;
      this.queue = [];
      this.buffered = 0;
      this.waited = 0;
      this.playing = false;
      this.port.postMessage({
        type: "flushed",
        itemId,
        playedMs: this.playedMs(itemId),
        droppedMs,
      });
    }
  }

  playedMs(itemId) {
    return itemId == null ? 0 : ((this.played.get(itemId) ?? 0) / sampleRate) * 1000;
  }

  report() {
    this.sinceReport = 0;
    this.port.postMessage({
      type: "progress",
      itemId: this.itemId,
      playedMs: this.playedMs(this.itemId),
      bufferedMs: (this.buffered / sampleRate) * 1000,
      playing: this.playing,
    });
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    const channel = out[0];
    const frames = channel.length;
    if (!this.playing && this.buffered > 0) {
      this.waited += frames;
      if (this.buffered >= this.prebuffer || this.waited >= this.maxWait) {
        this.playing = true;
        this.waited = 0;
        this.itemId = this.queue[0].itemId;
        this.report();
      }
    }
    let written = 0;
    while (this.playing && written < frames && this.queue.length > 0) {
      const head = this.queue[0];
      this.itemId = head.itemId;
      const take = Math.min(frames - written, head.data.length - head.offset);
      channel.set(head.data.subarray(head.offset, head.offset + take), written);
      head.offset += take;
      written += take;
      this.buffered -= take;
      this.played.set(head.itemId, (this.played.get(head.itemId) ?? 0) + take);
      if (head.offset === head.data.length) this.queue.shift();
    }
    channel.fill(0, written);
    for (let c = 1; c < out.length; c++) out[c].set(channel);
    if (this.playing) {
      this.sinceReport += frames;
      if (this.queue.length === 0) {
        this.playing = false; // underrun or end of speech: wait for the prebuffer again
        this.report();
      } else if (this.sinceReport >= this.reportEvery) {
        this.report();
      }
    }
    return true;
  }
}

registerProcessor("voxline-playback", PlaybackProcessor);
