"""Conversation tests as YAML files: load, run on a backend, check each turn, report."""

from voxline.testing.runner import backends
from voxline.testing.runner.backends import Backend, BackendRequest
from voxline.testing.runner.drive import ConversationResult, TurnResult
from voxline.testing.runner.observe import CheckResult, TurnObservation
from voxline.testing.runner.report import RunReport, junit, table, to_json
from voxline.testing.runner.run import find_files, run_paths
from voxline.testing.runner.spec import ConversationSpec, LoadedConversation, load_file

__all__ = [
    "Backend",
    "BackendRequest",
    "CheckResult",
    "ConversationResult",
    "ConversationSpec",
    "LoadedConversation",
    "RunReport",
    "TurnObservation",
    "TurnResult",
    "backends",
    "find_files",
    "junit",
    "load_file",
    "run_paths",
    "table",
    "to_json",
]
