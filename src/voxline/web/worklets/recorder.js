// AudioWorklet: mixes input 0 (microphone) and input 1 (agent audio) into mono chunks.
//
// Messages in:  {type: "start"} | {type: "stop"}
// Messages out: {type: "chunk", samples: Float32Array, micPeak, agentPeak}
//               {type: "stopped"} after the last chunk

const CHUNK = 4096;

function peak(block) {
  let p = 0;
  for (let i = 0; i < block.length; i++) p = Math.max(p, Math.abs(block[i]));
  return p;
}

class RecorderProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.recording = false;
    this.buffer = new Float32Array(CHUNK);
    this.filled = 0;
    this.micPeak = 0;
    this.agentPeak = 0;
    this.port.onmessage = (e) => {
      if (e.data.type === "start") {
        this.recording = true;
        this.filled = 0;
      } else if (e.data.type === "stop") {
        this.recording = false;
        this.emit();
        this.port.postMessage({ type: "stopped" });
      }
    };
  }

  emit() {
    if (this.filled === 0) return;
    const samples = this.buffer.slice(0, this.filled);
    this.port.postMessage(
      { type: "chunk", samples, micPeak: this.micPeak, agentPeak: this.agentPeak },
      [samples.buffer],
    );
    this.filled = 0;
    this.micPeak = 0;
    this.agentPeak = 0;
  }

  process(inputs) {
    if (!this.recording) return true;
    const mic = inputs[0]?.[0];
    const agent = inputs[1]?.[0];
    const frames = mic?.length ?? agent?.length ?? 128;
    if (mic) this.micPeak = Math.max(this.micPeak, peak(mic));
    if (agent) this.agentPeak = Math.max(this.agentPeak, peak(agent));
    for (let i = 0; i < frames; i++) {
      const s = (mic ? mic[i] : 0) + (agent ? agent[i] : 0);
      this.buffer[this.filled++] = Math.max(-1, Math.min(1, s));
      if (this.filled === CHUNK) this.emit();
    }
    return true;
  }
}

registerProcessor("voxline-recorder", RecorderProcessor);
