"""The realtime session: runs the pure conversation core against a RealtimeModel."""

from voxline.session.session import RealtimeSession

__all__ = ["RealtimeSession"]
