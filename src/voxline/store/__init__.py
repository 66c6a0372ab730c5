"""The conversation store: every conversation kept (SQLite or PostgreSQL), exported, replayed."""

from voxline.store.database import ConversationStore, default_url
from voxline.store.export import to_markdown
from voxline.store.recording import WavRecording
from voxline.store.records import Recorder, Write
from voxline.store.service import ConversationLog, SessionLog, store_url
from voxline.store.views import ConversationDetail, ConversationPage, ConversationSummary, Turn
from voxline.store.writer import Sink, StoreStats, StoreWriter

__all__ = [
    "ConversationDetail",
    "ConversationLog",
    "ConversationPage",
    "ConversationStore",
    "ConversationSummary",
    "Recorder",
    "SessionLog",
    "Sink",
    "StoreStats",
    "StoreWriter",
    "Turn",
    "WavRecording",
    "Write",
    "default_url",
    "store_url",
    "to_markdown",
]
