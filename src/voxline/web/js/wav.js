// WAV encoding and decoding (16-bit PCM, mono), written by hand: no libraries.

/**
 * Encode float chunks as a 16-bit PCM mono WAV file.
 * @param {Float32Array[]} chunks samples in [-1, 1], in order
 * @param {number} sampleRate Hz
 * @returns {ArrayBuffer} the whole file: 44-byte RIFF header then the samples
 */
export function encodeWav(chunks, sampleRate) {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const dataBytes = total * 2;
  const buffer = new ArrayBuffer(44 + dataBytes);
  const view = new DataView(buffer);
  const ascii = (offset, text) => {
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true); // fmt chunk size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true); // byte rate
  view.setUint16(32, 2, true); // block align
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  let offset = 44;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++, offset += 2) {
      const s = Math.max(-1, Math.min(1, chunk[i]));
      view.setInt16(offset, s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff), true);
    }
  }
  return buffer;
}

/**
 * Read the header of a 16-bit PCM WAV made by encodeWav (for checks and tests).
 * @param {ArrayBuffer} buffer
 * @returns {{sampleRate: number, channels: number, bits: number, samples: Int16Array}}
 */
export function decodeWav(buffer) {
  const view = new DataView(buffer);
  const text = (offset) =>
    String.fromCharCode(...new Uint8Array(buffer, offset, 4));
  if (buffer.byteLength < 44 || text(0) !== "RIFF" || text(8) !== "WAVE") {
    throw new TypeError("not a RIFF/WAVE file");
  }
  const dataBytes = view.getUint32(40, true);
  return {
    sampleRate: view.getUint32(24, true),
    channels: view.getUint16(22, true),
    bits: view.getUint16(34, true),
    samples: new Int16Array(buffer.slice(44, 44 + dataBytes)),
  };
}
