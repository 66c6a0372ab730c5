"""The voxline server: REST, the browser bridge (`/ws/session`) and the web UI, on FastAPI."""

from voxline.server.app import BuiltinScenarios, ScenarioCatalog, ServerState, create_app
from voxline.server.backends import Backend, ModelFactory, ModelHost

__all__ = [
    "Backend",
    "BuiltinScenarios",
    "ModelFactory",
    "ModelHost",
    "ScenarioCatalog",
    "ServerState",
    "create_app",
]
