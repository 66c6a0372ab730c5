"""/v1/realtime: an OpenAI-Realtime-compatible WebSocket endpoint on any RealtimeModel.

Mount `router(model_factory)` in a FastAPI app and point any Realtime client (the official
`openai` SDK, voxline's own OpenAIRealtimeModel, a browser) at `http://host:port/v1`.
The protocol work is pure (`voxline.protocol.server_side`); this package only moves frames.
"""

from voxline.realtime_api.connection import serve_connection
from voxline.realtime_api.router import (
    DEFAULT_CONFIG,
    INSECURE_KEY_PREFIX,
    TokenCheck,
    bearer_token,
    router,
)

__all__ = [
    "DEFAULT_CONFIG",
    "INSECURE_KEY_PREFIX",
    "TokenCheck",
    "bearer_token",
    "router",
    "serve_connection",
]
