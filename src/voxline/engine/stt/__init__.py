"""Speech to text adapters: moonshine (accurate, the default) and PocketSphinx (fallback)."""

from voxline.engine.stt.moonshine import MoonshineSTT
from voxline.engine.stt.pocketsphinx import PocketSphinxSTT
from voxline.engine.stt.wer import normalize_words, word_error_rate

__all__ = ["MoonshineSTT", "PocketSphinxSTT", "normalize_words", "word_error_rate"]
