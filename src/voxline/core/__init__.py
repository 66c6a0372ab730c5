"""The pure conversation core: events, commands, history and the state machine. No I/O.

The machine itself is `voxline.core.conversation.Conversation` (not re-exported here, since it
builds on `voxline.agents`, which builds on these types).
"""

from voxline.core.clock import Clock, SystemClock
from voxline.core.config import (
    AudioFormat,
    SemanticVAD,
    ServerVAD,
    SessionConfig,
    ToolSpec,
    TurnDetection,
)
from voxline.core.items import (
    FunctionCall,
    FunctionCallOutput,
    GuardrailFlag,
    GuardrailRecord,
    HandoffRecord,
    HistoryItem,
    ItemStatus,
    Message,
    Role,
    TriggerRecord,
)
from voxline.core.triggers import Trigger, TriggerAction, TriggerSet

__all__ = [
    "AudioFormat",
    "Clock",
    "FunctionCall",
    "FunctionCallOutput",
    "GuardrailFlag",
    "GuardrailRecord",
    "HandoffRecord",
    "HistoryItem",
    "ItemStatus",
    "Message",
    "Role",
    "SemanticVAD",
    "ServerVAD",
    "SessionConfig",
    "SystemClock",
    "ToolSpec",
    "Trigger",
    "TriggerAction",
    "TriggerRecord",
    "TriggerSet",
    "TurnDetection",
]
