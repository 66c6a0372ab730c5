"""Find conversation files, run them all (bad files reported, the rest still run), report."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from voxline.errors import ConversationFileError
from voxline.testing.runner.drive import ConversationResult, ConversationRunner
from voxline.testing.runner.report import RunReport
from voxline.testing.runner.spec import LoadedConversation, load_file

SUFFIXES = (".yaml", ".yml")


def find_files(paths: Iterable[Path]) -> list[Path]:
    """The conversation files named, and those under named directories, sorted per directory.

    Raises:
        ConversationFileError: a path does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise ConversationFileError("no such file or directory", path=str(path))
    return found


async def run_paths(
    paths: Iterable[Path],
    *,
    backend: str | None = None,
    data_dir: Path | None = None,
) -> RunReport:
    """Run every conversation in `paths`.

    Args:
        paths: Files and directories (searched for *.yaml and *.yml).
        backend: Run every file on this backend instead of the one it names.
        data_dir: Scenario data directory; by default each conversation gets a fresh one.

    Raises:
        ConversationFileError: a path does not exist (malformed files are reported instead).
    """
    loaded: list[LoadedConversation] = []
    errors: list[ConversationFileError] = []
    for path in find_files(paths):
        try:
            loaded.extend(load_file(path))
        except ConversationFileError as exc:
            errors.append(exc)
    results: list[ConversationResult] = []
    for conversation in loaded:
        if data_dir is not None:
            runner = ConversationRunner(conversation, data_dir=data_dir, backend=backend)
            results.append(await runner.run())
            continue
        with tempfile.TemporaryDirectory(prefix="voxline-test-") as scratch:
            runner = ConversationRunner(conversation, data_dir=Path(scratch), backend=backend)
            results.append(await runner.run())
    return RunReport(tuple(results), tuple(errors))
