"""SessionConfig -> the GA `session.update` payload (a typed RealtimeSessionCreateRequest)."""

from __future__ import annotations

from typing import Literal, assert_never

from openai.types.realtime import (
    AudioTranscription,
    RealtimeAudioConfig,
    RealtimeAudioConfigInput,
    RealtimeAudioConfigOutput,
    RealtimeFunctionTool,
    RealtimeSessionCreateRequest,
)
from openai.types.realtime.realtime_audio_formats import (
    AudioPCM,
    AudioPCMA,
    AudioPCMU,
    RealtimeAudioFormats,
)
from openai.types.realtime.realtime_audio_input_turn_detection import SemanticVad, ServerVad

from voxline.core.config import AudioFormat, SemanticVAD, ServerVAD, SessionConfig, TurnDetection

__all__ = ["audio_format", "output_modalities", "session_request", "turn_detection"]


def audio_format(fmt: AudioFormat) -> RealtimeAudioFormats:
    """The wire format object: PCM16 24 kHz, G.711 mu-law (`audio/pcmu`) or A-law (`audio/pcma`)."""
    match fmt:
        case AudioFormat.PCM16:
            return AudioPCM(type="audio/pcm", rate=24000)
        case AudioFormat.G711_ULAW:
            return AudioPCMU(type="audio/pcmu")
        case AudioFormat.G711_ALAW:
            return AudioPCMA(type="audio/pcma")
        case _:
            assert_never(fmt)


def turn_detection(td: TurnDetection) -> ServerVad | SemanticVad | None:
    """Server VAD, semantic VAD, or None (push-to-talk: the client commits and asks)."""
    match td:
        case ServerVAD():
            return ServerVad(
                type="server_vad",
                threshold=td.threshold,
                prefix_padding_ms=td.prefix_padding_ms,
                silence_duration_ms=td.silence_duration_ms,
                create_response=td.create_response,
                interrupt_response=td.interrupt_response,
            )
        case SemanticVAD():
            return SemanticVad(
                type="semantic_vad",
                eagerness=td.eagerness,
                create_response=td.create_response,
                interrupt_response=td.interrupt_response,
            )
        case None:
            return None
        case _:
            assert_never(td)


def output_modalities(
    modalities: tuple[Literal["audio", "text"], ...],
) -> list[Literal["audio", "text"]]:
    """The API answers in audio (with a transcript) or in text only, never both at once."""
    return ["audio"] if "audio" in modalities or not modalities else ["text"]


def session_request(config: SessionConfig) -> RealtimeSessionCreateRequest:
    """The full session configuration for `session.update`.

    Every field voxline controls is sent explicitly (turn detection and transcription as null
    when off), so an update after a handoff or a reconnect leaves nothing from before. The
    model is chosen in the connection URL, since `session.update` cannot change it.
    """
    transcription = (
        AudioTranscription(model=config.transcription_model) if config.transcription_model else None
    )
    output = RealtimeAudioConfigOutput(format=audio_format(config.output_format))
    if config.voice:
        output.voice = config.voice
    return RealtimeSessionCreateRequest(
        type="realtime",
        instructions=config.instructions,
        output_modalities=output_modalities(config.modalities),
        tools=[
            RealtimeFunctionTool(
                type="function",
                name=tool.name,
                description=tool.description,
                parameters=dict(tool.parameters),
            )
            for tool in config.tools
        ],
        tool_choice=config.tool_choice,
        audio=RealtimeAudioConfig(
            input=RealtimeAudioConfigInput(
                format=audio_format(config.input_format),
                transcription=transcription,
                turn_detection=turn_detection(config.turn_detection),
            ),
            output=output,
        ),
    )
