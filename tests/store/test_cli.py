"""`voxline conversations list | show | export` on a SQLite store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voxline.cli import app
from voxline.store import ConversationStore, default_url
from voxline.store.records import EndConversation, PutItem, StartConversation, Write

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def message(cid: str, item_id: str, seq: int, role: str, text: str) -> PutItem:
    data = {"id": item_id, "kind": "message", "role": role, "text": text, "agent": "router"}
    return PutItem(cid, item_id, seq, "message", T0 + seq, data)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("VOXLINE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env or voxline.toml of the checkout
    writes: list[Write] = []
    for n in range(3):
        cid = f"conv{n}"
        writes += [
            StartConversation(cid, "customer_service", "local", T0 + n * 60),
            message(cid, "u", 0, "user", f"question {n}"),
            message(cid, "a", 1, "assistant", f"answer {n}"),
        ]
    writes.append(EndConversation("conv0", T0 + 30, "the browser went away"))

    async def fill() -> None:
        store = ConversationStore(default_url(tmp_path))
        await store.apply(writes)
        await store.close()

    asyncio.run(fill())
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["conversations", *args])
    return result.exit_code, result.output


def test_list_shows_the_newest_first(data_dir: Path) -> None:
    code, out = run("list", "--data-dir", str(data_dir))
    assert code == 0
    rows = out.splitlines()
    assert rows[0].startswith("ID")
    assert [row.split()[0] for row in rows[1:]] == ["conv2", "conv1", "conv0"]
    assert "unfinished" in rows[1]
    assert "the browser went away" in rows[3]


def test_list_pages(data_dir: Path) -> None:
    code, out = run("list", "--data-dir", str(data_dir), "--limit", "2")
    assert code == 0
    assert "(2 of 3; --offset 2 for more)" in out


def test_show_prints_the_transcript(data_dir: Path) -> None:
    code, out = run("show", "conv1", "--data-dir", str(data_dir))
    assert code == 0
    assert "# Conversation conv1" in out
    assert "**User:** question 1" in out
    assert "**router:** answer 1" in out


def test_export_json_to_a_file(data_dir: Path) -> None:
    target = data_dir / "out.json"
    code, out = run("export", "conv0", "-f", "json", "-o", str(target), "--data-dir", str(data_dir))
    assert code == 0
    assert "wrote" in out
    body = json.loads(target.read_text())
    assert body["conversation"]["end_reason"] == "the browser went away"
    assert [i["text"] for i in body["items"]] == ["question 0", "answer 0"]


def test_export_markdown_to_stdout(data_dir: Path) -> None:
    code, out = run("export", "conv2", "--format", "md", "--data-dir", str(data_dir))
    assert code == 0
    assert out.startswith("# Conversation conv2")


def test_unknown_id_and_bad_url_are_clear_errors(data_dir: Path) -> None:
    code, out = run("show", "nope", "--data-dir", str(data_dir))
    assert code == 2
    assert "no conversation 'nope'" in out
    code, out = run("list", "--database-url", "nosuchdriver://x")
    assert code == 2
    assert "error:" in out
    code, out = run("export", "conv0", "--format", "pdf", "--data-dir", str(data_dir))
    assert code == 2
