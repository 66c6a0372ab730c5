// The page's audio graph: microphone capture, agent playback, mute and the recorder.
//
//   mic ──> capture worklet (24 kHz PCM16 frames) ──> onFrame (sent while `sending`)
//    └────> recorder worklet <── playback worklet <── agent audio chunks
//                                   └──> mute gain ──> speakers

import { encodeWav } from "./wav.js";
import { pcm16ToFloat } from "./pcm.js";

const WORKLETS = new URL("../worklets/", import.meta.url);

/** Microphone constraints: echo cancellation, noise suppression and auto gain. */
export const MIC_CONSTRAINTS = Object.freeze({
  audio: {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    channelCount: 1,
  },
});

/** A sentence a person can act on for a getUserMedia failure. */
export function micErrorText(error) {
  switch (error?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "microphone access was denied; allow it in the browser's site settings";
    case "NotFoundError":
    case "OverconstrainedError":
      return "no microphone was found";
    case "NotReadableError":
      return "the microphone is in use by another program";
    case "InsecureContext":
      return "the microphone needs a secure page (https or localhost)";
    default:
      return `the microphone could not be opened (${error?.message ?? error})`;
  }
}

/** Counters for tests and the curious (exposed as window.voxline.stats). */
export function newAudioStats() {
  return {
    micFramesSent: 0,
    micBytesSent: 0,
    playbackChunks: 0,
    playbackSamplesReceived: 0,
    playbackPlayedMs: 0,
    flushes: 0,
    flushedMs: 0,
    recordedSamples: 0,
    recordMicPeak: 0,
    recordAgentPeak: 0,
  };
}

export class AudioEngine {
  /** @param {ReturnType<typeof newAudioStats>} stats counters updated in place */
  constructor(stats) {
    this.stats = stats;
    this.ctx = null;
    this.micStream = null;
    this.sending = false;
    this.onFrame = null; // (pcm: ArrayBuffer, level: number) => void
    this.onLevel = null; // (level: number) => void, always (for the meter)
    this.onProgress = null; // ({itemId, playedMs, bufferedMs, playing}) => void
    this.flushWaiters = [];
    this.recording = null; // {chunks, sampleRate, done}
  }

  /** Create the context and the playback and recorder nodes (call from a click). */
  async start() {
    if (this.ctx) {
      await this.ctx.resume();
      return;
    }
    const ctx = new AudioContext({ latencyHint: "interactive" });
    this.ctx = ctx;
    await Promise.all(
      ["capture.js", "playback.js", "recorder.js"].map((f) =>
        ctx.audioWorklet.addModule(new URL(f, WORKLETS)),
      ),
    );
    this.playback = new AudioWorkletNode(ctx, "voxline-playback", {
      numberOfInputs: 0,
      outputChannelCount: [1],
    });
    this.playback.port.onmessage = (e) => this.fromPlayback(e.data);
    this.mute = new GainNode(ctx, { gain: 1 });
    this.playback.connect(this.mute).connect(ctx.destination);
    this.recorder = new AudioWorkletNode(ctx, "voxline-recorder", { numberOfInputs: 2 });
    this.recorder.port.onmessage = (e) => this.fromRecorder(e.data);
    this.sink = new GainNode(ctx, { gain: 0 }); // keeps output-less nodes pulled
    this.sink.connect(ctx.destination);
    this.recorder.connect(this.sink);
    this.playback.connect(this.recorder, 0, 1);
    await ctx.resume();
  }

  /** Open the microphone. Resolves to null when it works, else a reason to show. */
  async startMic() {
    if (this.micStream) return null;
    if (!navigator.mediaDevices?.getUserMedia) return micErrorText({ name: "InsecureContext" });
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(MIC_CONSTRAINTS);
    } catch (error) {
      return micErrorText(error);
    }
    this.micStream = stream;
    const source = new MediaStreamAudioSourceNode(this.ctx, { mediaStream: stream });
    this.capture = new AudioWorkletNode(this.ctx, "voxline-capture", {
      processorOptions: { frameMs: 40 },
    });
    this.capture.port.onmessage = (e) => {
      this.onLevel?.(e.data.level);
      if (this.sending && this.onFrame) this.onFrame(e.data.pcm, e.data.level);
    };
    source.connect(this.capture).connect(this.sink);
    source.connect(this.recorder, 0, 0);
    this.micSource = source;
    return null;
  }

  /** True when the microphone is open. */
  get hasMic() {
    return this.micStream !== null;
  }

  /** Queue agent audio (PCM16 24 kHz bytes) for `itemId`. */
  play(itemId, pcm) {
    if (!this.playback) return;
    const samples = pcm16ToFloat(pcm);
    this.stats.playbackChunks += 1;
    this.stats.playbackSamplesReceived += samples.length;
    this.playback.port.postMessage({ type: "chunk", itemId, samples }, [samples.buffer]);
  }

  /** Drop all queued agent audio now. Resolves to {itemId, playedMs, droppedMs}. */
  flush() {
    if (!this.playback) return Promise.resolve({ itemId: null, playedMs: 0, droppedMs: 0 });
    return new Promise((resolve) => {
      this.flushWaiters.push(resolve);
      this.playback.port.postMessage({ type: "flush" });
    });
  }

  fromPlayback(msg) {
    if (msg.type === "flushed") {
      this.stats.flushes += 1;
      this.stats.flushedMs += msg.droppedMs;
      this.flushWaiters.shift()?.(msg);
      this.onProgress?.({ ...msg, bufferedMs: 0, playing: false });
    } else if (msg.type === "progress") {
      this.onProgress?.(msg);
    }
  }

  /** Silence the agent (playback keeps its timeline, so played_ms stays honest). */
  setMuted(muted) {
    if (this.mute) this.mute.gain.value = muted ? 0 : 1;
  }

  /** Start recording microphone and agent audio, mixed. */
  startRecording() {
    if (!this.recorder || this.recording) return false;
    this.recording = { chunks: [], done: null };
    this.recorder.port.postMessage({ type: "start" });
    return true;
  }

  get isRecording() {
    return this.recording !== null;
  }

  fromRecorder(msg) {
    const rec = this.recording;
    if (!rec) return;
    if (msg.type === "chunk") {
      rec.chunks.push(msg.samples);
      this.stats.recordedSamples += msg.samples.length;
      this.stats.recordMicPeak = Math.max(this.stats.recordMicPeak, msg.micPeak);
      this.stats.recordAgentPeak = Math.max(this.stats.recordAgentPeak, msg.agentPeak);
    } else if (msg.type === "stopped") {
      rec.done?.();
    }
  }

  /** Stop recording. Resolves to the WAV file (ArrayBuffer) at the context's rate. */
  async stopRecording() {
    const rec = this.recording;
    if (!rec) return null;
    await new Promise((resolve) => {
      rec.done = resolve;
      this.recorder.port.postMessage({ type: "stop" });
    });
    this.recording = null;
    return encodeWav(rec.chunks, this.ctx.sampleRate);
  }

  /** Release the microphone and the audio context. */
  async close() {
    this.sending = false;
    for (const track of this.micStream?.getTracks() ?? []) track.stop();
    this.micStream = null;
    const ctx = this.ctx;
    this.ctx = null;
    this.playback = null;
    this.recorder = null;
    this.recording = null;
    for (const resolve of this.flushWaiters.splice(0)) {
      resolve({ itemId: null, playedMs: 0, droppedMs: 0 });
    }
    if (ctx) await ctx.close();
  }
}
