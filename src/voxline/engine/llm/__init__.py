"""Language models for the offline engine: llama.cpp, any OpenAI-compatible server, grounding."""

from voxline.engine.llm.grounding import digits_of, grounded, normalize_spoken, retry_hint
from voxline.engine.llm.prompt import ChatPrompt, build_prompt, system_prompt
from voxline.engine.llm.schema import arguments_grammar, validate_arguments

__all__ = [
    "ChatPrompt",
    "arguments_grammar",
    "build_prompt",
    "digits_of",
    "grounded",
    "normalize_spoken",
    "retry_hint",
    "system_prompt",
    "validate_arguments",
]
