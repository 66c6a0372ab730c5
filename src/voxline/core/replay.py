"""Replaying the history to a model after a reconnect."""

from __future__ import annotations

from collections.abc import Iterable

from voxline.core import commands as cmd
from voxline.core.items import FunctionCall, FunctionCallOutput, HistoryItem, Message, Role


def replay_commands(history: Iterable[HistoryItem]) -> tuple[list[cmd.ModelCommand], bool]:
    """The commands that give a fresh model connection the conversation so far.

    Breadcrumbs and empty messages are skipped. The flag says whether the last thing the model
    sees is unanswered (a user message or a tool output), so a response is owed.
    """
    commands: list[cmd.ModelCommand] = []
    last: Message | FunctionCall | FunctionCallOutput | None = None
    for item in history:
        match item:
            case Message(text=text) if text.strip():
                commands.append(cmd.AddMessage(item.id, item.role, text))
                last = item
            case FunctionCall():
                commands.append(
                    cmd.AddFunctionCall(item.id, item.call_id, item.name, item.arguments)
                )
                last = item
            case FunctionCallOutput():
                commands.append(cmd.AddFunctionOutput(item.id, item.call_id, item.output))
                last = item
            case _:
                pass
    unanswered = isinstance(last, FunctionCallOutput) or (
        isinstance(last, Message) and last.role is Role.USER
    )
    return commands, unanswered
