"""espeak-ng text to speech through its command line: robotic but tiny, fast and always there."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from voxline.engine.audio import pcm16_to_float
from voxline.engine.ports import Audio
from voxline.engine.tts.sentences import split_sentences
from voxline.errors import ConfigurationError, ModelFileError

__all__ = ["ESPEAK_INSTALL", "EspeakTTS", "espeak_voices"]

ESPEAK_INSTALL: Final = "apt-get install espeak-ng"
_HEADER: Final = 44  # espeak-ng writes a canonical 44-byte WAV header to stdout
_TIMEOUT_S: Final = 30.0


def _executable() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise ModelFileError(
            f"the espeak-ng program is not on PATH; install it with `{ESPEAK_INSTALL}`"
        )
    return path


@lru_cache(maxsize=1)
def espeak_voices() -> frozenset[str]:
    """The voice and language names the installed espeak-ng accepts (`en-us`, `en-gb`, ...).

    Raises:
        ModelFileError: espeak-ng is not installed or does not answer.
    """
    try:
        listing = subprocess.run(
            [_executable(), "--voices"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise ModelFileError(f"espeak-ng --voices failed: {exc}") from exc
    names: set[str] = set()
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 4:
            names.update((columns[1], columns[3]))
    return frozenset(names)


class EspeakTTS:
    """The `TTS` port on espeak-ng (22.05 kHz): a fallback and a test voice.

    Each sentence is one espeak-ng process (about 10 ms), so the first sentence is heard
    before the rest is synthesized. The text goes through standard input, never the
    command line.
    """

    sample_rate: int = 22_050

    def __init__(self, voice: str = "en-us", *, words_per_minute: int = 175) -> None:
        """Check espeak-ng and the voice.

        Args:
            voice: An espeak-ng voice or language name (`espeak-ng --voices`).
            words_per_minute: Speaking rate (espeak-ng's `-s`), 80 to 450.

        Raises:
            ModelFileError: espeak-ng is not installed.
            ConfigurationError: The voice is unknown or the rate out of range.
        """
        self._program = _executable()
        if voice not in espeak_voices():
            raise ConfigurationError(
                f"espeak-ng has no voice {voice!r}; `espeak-ng --voices` lists them"
            )
        if not 80 <= words_per_minute <= 450:
            raise ConfigurationError(
                f"words_per_minute must be between 80 and 450, got {words_per_minute}"
            )
        self.voice = voice
        self.words_per_minute = words_per_minute

    def synthesize(self, text: str, *, voice: str | None = None) -> Iterator[Audio]:
        """Audio for `text`, one chunk per sentence.

        Args:
            text: What to say.
            voice: An espeak-ng voice for this call; names espeak-ng does not know (the
                OpenAI voices such as "alloy") fall back to the voice given at creation.

        Raises:
            ConfigurationError: espeak-ng failed on this text.
        """
        chosen = voice if voice is not None and voice in espeak_voices() else self.voice
        for sentence in split_sentences(text):
            yield self._speak(sentence, chosen)

    def _speak(self, sentence: str, voice: str) -> Audio:
        command = [self._program, "--stdout", "-v", voice, "-s", str(self.words_per_minute)]
        try:
            result = subprocess.run(
                command,
                input=sentence.encode("utf-8"),
                capture_output=True,
                check=True,
                timeout=_TIMEOUT_S,
            )
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode("utf-8", errors="replace").strip()
            raise ConfigurationError(f"espeak-ng failed ({exc.returncode}): {detail}") from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigurationError(f"espeak-ng failed: {exc}") from exc
        wav = result.stdout
        if len(wav) < _HEADER or wav[:4] != b"RIFF" or wav[36:40] != b"data":
            raise ConfigurationError("espeak-ng did not write a WAV stream to stdout")
        rate = int.from_bytes(wav[24:28], "little")
        if rate != self.sample_rate:
            raise ConfigurationError(
                f"espeak-ng wrote {rate} Hz audio, expected {self.sample_rate}"
            )
        data = wav[_HEADER:]
        return pcm16_to_float(data[: len(data) - len(data) % 2])
