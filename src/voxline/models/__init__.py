"""Model backends behind the RealtimeModel port."""

from voxline.models.base import RealtimeModel

__all__ = ["RealtimeModel"]
