"""The OpenAI Realtime (GA) wire format <-> voxline events and commands; sans-I/O.

Commands become typed client events from `openai.types.realtime` (validated as they are
built), server events are validated against the same package's models and translated to
voxline's ModelEvents. Nothing here touches a socket, asyncio or websockets.
"""

from voxline.protocol.decode import decode_event, translate, usage_from_wire
from voxline.protocol.encode import encode_command, encode_command_json, message_item
from voxline.protocol.session import audio_format, session_request, turn_detection
from voxline.protocol.wire import (
    CLIENT_EVENT_TYPES,
    SERVER_EVENT_TYPES,
    dumps,
    parse_client_event,
    parse_server_event,
)

__all__ = [
    "CLIENT_EVENT_TYPES",
    "SERVER_EVENT_TYPES",
    "audio_format",
    "decode_event",
    "dumps",
    "encode_command",
    "encode_command_json",
    "message_item",
    "parse_client_event",
    "parse_server_event",
    "session_request",
    "translate",
    "turn_detection",
    "usage_from_wire",
]
