"""Cut streamed reply text into speakable sentences as soon as each one is complete.

Pure: text deltas in, sentences out. The language model streams a few characters at a time;
speech can start once the first sentence is whole, instead of after the whole reply.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["SHORTEST_CUT", "SentenceSplitter", "split_sentences"]

SHORTEST_CUT: Final = 20
"""No sentence is cut for length (`max_chars`) shorter than this many characters."""

# Words that end with a period without ending a sentence when a capital follows ("Dr. Lee").
# fmt: off
_TITLES: Final = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "rev",
    "gen", "col", "capt", "lt", "sgt", "gov", "sen", "rep", "hon", "fig",
    "vol", "no", "nos", "art", "op", "ch", "sec", "pp", "vs",
))
# fmt: on
# A terminator run, closing quotes or brackets, then whitespace.
_END: Final = re.compile(r"([.!?\u2026]+)([\"'\u201d\u2019)\]]*)(\s+)")
_NEWLINE: Final = re.compile(r"\s*\n\s*")
_SOFT_BREAK: Final = re.compile(r"[,;:\u2014]\s")
_LAST_WORD: Final = re.compile(r"([A-Za-z][A-Za-z.']*)$")


def _is_boundary(text: str, match: re.Match[str]) -> bool | None:
    """Whether `match` ends a sentence: True, False, or None when more text is needed."""
    terminator = match.group(1)
    if "!" in terminator or "?" in terminator:
        return True
    after = match.end()
    if after >= len(text):
        return None  # the next word decides: "e.g. apples" versus "etc. Then"
    following = text[after]
    if following.islower():
        return False  # "e.g. apples", "3 p.m. tomorrow"
    if terminator != ".":
        return True  # an ellipsis or "?!" before a capital
    word = _LAST_WORD.search(text, 0, match.start(1))
    if word is None:
        return True  # "in 2024. Then"
    token = word.group(1).lower()
    if token in _TITLES:
        return False  # "Dr. Lee"
    # an initial ("J. K. Rowling") or a dotted abbreviation before a name ("U.S. Army")
    return not ((len(token) == 1 or "." in token) and following.isupper())


class SentenceSplitter:
    """Accumulates streamed text and hands out each sentence once it is complete.

    A sentence ends at `.`, `!`, `?` or an ellipsis followed by whitespace (closing quotes
    stay with it), or at a line break. A period after a title ("Mr."), an initial or before
    a lower-case word does not end one; a period inside a number ("3.5") never does. A
    sentence that grows past `max_chars` without ending is cut at its last comma, or
    failing that its last space, so speech never waits on a very long sentence.
    """

    def __init__(self, *, max_chars: int = 250) -> None:
        """Create a splitter; `max_chars` bounds how long a piece may grow before a cut."""
        self.max_chars = max(max_chars, SHORTEST_CUT)
        self._buffer = ""

    def push(self, delta: str) -> list[str]:
        """Add the next piece of streamed text; returns the sentences it completed."""
        self._buffer += delta
        out: list[str] = []
        while True:
            sentence = self._take()
            if sentence is None:
                break
            if sentence:
                out.append(sentence)
        return out

    def flush(self) -> list[str]:
        """End of the stream: the text still held, as sentences (the last may lack a stop)."""
        rest = self.push("")
        tail = " ".join(self._buffer.split())
        self._buffer = ""
        return [*rest, tail] if tail else rest

    def _take(self) -> str | None:
        """Remove and return the first complete sentence ("" for blank text), else None."""
        text = self._buffer
        newline = _NEWLINE.search(text)
        for match in _END.finditer(text):
            if newline is not None and newline.start() < match.start():
                break
            verdict = _is_boundary(text, match)
            if verdict is None:
                return None
            if verdict:
                return self._cut(match.end(2), match.end())
        if newline is not None:
            return self._cut(newline.start(), newline.end())
        if len(text) > self.max_chars:
            soft = [m.end() for m in _SOFT_BREAK.finditer(text, 0, self.max_chars)]
            cut = soft[-1] if soft else text.rfind(" ", 0, self.max_chars) + 1
            if cut > 0:
                return self._cut(cut, cut)
        return None

    def _cut(self, end: int, resume: int) -> str:
        sentence = " ".join(self._buffer[:end].split())
        self._buffer = self._buffer[resume:]
        return sentence


def split_sentences(text: str, *, max_chars: int = 250) -> list[str]:
    """Split a whole text into sentences, by the rules of `SentenceSplitter`."""
    splitter = SentenceSplitter(max_chars=max_chars)
    return [*splitter.push(text), *splitter.flush()]
