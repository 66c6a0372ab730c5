"""The server half of the OpenAI Realtime (GA) protocol, sans I/O, for serving any RealtimeModel.

`ServerProtocol` turns client events into voxline commands and the model's events into
the server events a real Realtime server sends; `voxline.realtime_api` moves them over a
WebSocket. Like the client half (`voxline.protocol`), it never touches a socket.
"""

from voxline.protocol.server_side.items import RequestedResponse, client_item, response_request
from voxline.protocol.server_side.machine import ServerProtocol, Step
from voxline.protocol.server_side.session import ServedSession, apply_session_update

__all__ = [
    "RequestedResponse",
    "ServedSession",
    "ServerProtocol",
    "Step",
    "apply_session_update",
    "client_item",
    "response_request",
]
