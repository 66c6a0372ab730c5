"""Text to speech adapters (Piper, espeak-ng), sentence splitting and wire-format chunks."""

from voxline.engine.tts.espeak import EspeakTTS
from voxline.engine.tts.piper import PiperTTS
from voxline.engine.tts.sentences import SentenceSplitter, split_sentences
from voxline.engine.tts.wire import synthesize_wire, wire_chunks

__all__ = [
    "EspeakTTS",
    "PiperTTS",
    "SentenceSplitter",
    "split_sentences",
    "synthesize_wire",
    "wire_chunks",
]
