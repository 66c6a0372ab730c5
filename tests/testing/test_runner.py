"""The conversation-test runner: checks, file errors with lines, backends, reports, the CLI."""

from __future__ import annotations

import json
import wave
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from voxline.cli import app
from voxline.core import commands as cmd
from voxline.errors import ConfigurationError, ConversationFileError
from voxline.testing import ScriptedRealtimeModel, on, reply
from voxline.testing.runner import (
    Backend,
    BackendRequest,
    backends,
    junit,
    load_file,
    run_paths,
    table,
    to_json,
)

GOOD = """\
name: good
scenario: simple_handoff
steps:
  - user: Hello
    model:
      - say: Hi, want a haiku?
    expect:
      reply_contains: haiku
"""

FAILING = """\
name: wrong expectations
scenario: customer_service
steps:
  - user: I was charged twice.
    model:
      - handoff: billing
      - say: Let me look at that.
    expect:
      handoff: sales
      tool: {name: authenticate_user, args: {phone: {phone: "555 123 4567"}}}
      reply_contains: refund
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def test_failed_expectations_say_what_actually_happened(tmp_path: Path) -> None:
    report = await run_paths([_write(tmp_path, "f.yaml", FAILING)])
    assert not report.passed
    (turn,) = report.conversations[0].turns
    failed = {c.name: c for c in turn.checks if not c.passed}
    assert failed["handoff"].actual == "billing"
    assert failed["tool"].actual.startswith("transfer_to_billing({})")
    assert "Let me look at that." in failed["reply_contains"].actual
    text = table(report)
    assert "FAIL" in text
    assert "handoff: expected sales, got billing" in text


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (
            "scenario: simple_handoff\nsteps:\n  - user: hi\n    expect:\n      colour: red\n",
            5,
            "colour",
        ),
        ("scenario: simple_handoff\nsteps:\n  - user: hi\n  - shout: hey\n", 4, "exactly one"),
        ("scenario: simple_handoff\nsteps: [\n  - user: hi\n", 3, "not valid YAML"),
        (
            "scenario: simple_handoff\nsteps:\n  - user: hi\n    model:\n      - {}\n",
            5,
            "say, call or handoff",
        ),
        ("steps:\n  - user: hi\n", 1, "scenario"),
        (
            "scenario: simple_handoff\nsteps:\n  - user: hi\n    expect:\n      latency_ms: -1\n",
            5,
            "greater than 0",
        ),
    ],
)
def test_malformed_files_are_reported_with_path_and_line(
    tmp_path: Path, text: str, line: int, what: str
) -> None:
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConversationFileError, match=what) as caught:
        load_file(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


async def test_a_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    _write(tmp_path, "a_bad.yaml", "scenario: simple_handoff\nsteps: []\n")
    _write(tmp_path, "b_good.yml", GOOD)
    report = await run_paths([tmp_path])
    assert [c.title for c in report.conversations] == ["b_good.yml good"]
    assert report.conversations[0].passed
    assert [(e.line, "steps" in e.detail) for e in report.file_errors] == [(2, True)]
    assert not report.passed


async def test_a_missing_backend_fails_that_file_only(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", GOOD.replace("scenario:", "backend: nowhere\nscenario:"))
    _write(tmp_path, "b.yaml", GOOD)
    report = await run_paths([tmp_path])
    first, second = report.conversations
    assert first.error is not None
    assert "no backend named 'nowhere'" in first.error
    assert "scripted" in first.error
    assert second.passed


async def test_an_unknown_scenario_is_the_conversations_error(tmp_path: Path) -> None:
    report = await run_paths([_write(tmp_path, "x.yaml", GOOD.replace("simple_", "complex_"))])
    error = report.conversations[0].error
    assert error is not None
    assert "known scenarios" in error


def test_the_scripted_backend_cannot_be_replaced() -> None:
    with pytest.raises(ConfigurationError, match="built in"):
        backends.register("scripted", lambda request: Backend(ScriptedRealtimeModel()))


@pytest.fixture
def live_backend() -> Iterator[list[BackendRequest]]:
    seen: list[BackendRequest] = []

    class Live:
        def __init__(self) -> None:
            self.inner = ScriptedRealtimeModel(
                [on(cmd.CreateResponse, reply("Hello from the live model, want a haiku?"))]
            )

        async def connect(self, config: object) -> None:
            await self.inner.connect(config)  # type: ignore[arg-type]

        async def send(self, command: cmd.ModelCommand) -> None:
            await self.inner.send(command)

        def events(self):  # type: ignore[no-untyped-def]
            return self.inner.events()

        async def close(self) -> None:
            await self.inner.close()

    closed: list[bool] = []

    def factory(request: BackendRequest) -> Backend:
        seen.append(request)
        return Backend(Live(), settle_s=0.05, close=lambda: closed.append(True))

    backends.register("live_fake", factory)
    yield seen
    backends.unregister("live_fake")
    assert closed == [True] * len(seen)


async def test_a_registered_backend_runs_the_file_and_ignores_model_sections(
    tmp_path: Path, live_backend: list[BackendRequest]
) -> None:
    path = _write(tmp_path, "g.yaml", GOOD)
    report = await run_paths([path], backend="live_fake")
    assert report.passed, table(report)
    assert report.conversations[0].backend == "live_fake"
    assert live_backend[0].scenario.name == "simple_handoff"
    speak = GOOD.replace("- user: Hello", "- speak: Hello")
    report = await run_paths([_write(tmp_path, "s.yaml", speak)], backend="live_fake")
    turn = report.conversations[0].turns[0]
    assert "cannot speak text" in str(turn.observation.problem)


def _wav(path: Path, rate: int, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00\x02\x00" * int(rate * seconds))
    return path


async def test_audio_steps_on_the_scripted_backend_send_audio_and_hear_the_transcript(
    tmp_path: Path,
) -> None:
    _wav(tmp_path / "hello.wav", 16_000, 0.5)
    text = GOOD.replace("- user: Hello", "- audio: hello.wav\n    transcript: Hello")
    report = await run_paths([_write(tmp_path, "a.yaml", text)])
    assert report.passed, table(report)
    missing = GOOD.replace("- user: Hello", "- audio: hello.wav")
    report = await run_paths([_write(tmp_path, "b.yaml", missing)])
    assert "needs `transcript:`" in str(report.conversations[0].turns[0].observation.problem)


def test_wav_files_are_mixed_to_mono_and_resampled(tmp_path: Path) -> None:
    from voxline.errors import InputError
    from voxline.testing.runner.wav import read_wav_pcm16

    audio = read_wav_pcm16(_wav(tmp_path / "x.wav", 16_000, 1.0))
    assert len(audio) == 24_000 * 2
    assert audio[:2] == b"\x02\x00"
    (tmp_path / "junk.wav").write_bytes(b"RIFFjunk")
    with pytest.raises(InputError, match="cannot read WAV"):
        read_wav_pcm16(tmp_path / "junk.wav")


async def test_a_missing_scripted_response_fails_one_turn_not_the_rest(tmp_path: Path) -> None:
    text = GOOD + "  - user: again\n    expect:\n      silent: true\n"
    text = text.replace("    model:\n      - say: Hi, want a haiku?\n", "", 1)
    report = await run_paths([_write(tmp_path, "m.yaml", text)])
    first, second = report.conversations[0].turns
    assert not first.passed
    assert second.passed


async def test_json_and_junit_reports(tmp_path: Path) -> None:
    report = await run_paths(
        [_write(tmp_path, "f.yaml", FAILING), _write(tmp_path, "g.yaml", GOOD)]
    )
    data = to_json(report)
    assert data["passed"] is False
    assert data["counts"] == {
        "conversations": 2,
        "conversations_failed": 1,
        "turns": 2,
        "turns_failed": 1,
        "file_errors": 0,
    }
    checks = data["conversations"][0]["turns"][0]["checks"]
    assert {"name": "handoff", "passed": False, "expected": "sales", "actual": "billing"} in checks
    json.dumps(data)
    root = ET.fromstring(junit(report))
    failures = root.findall(".//failure")
    assert len(failures) == 1
    assert "handoff: expected sales, got billing" in (failures[0].text or "")


def test_the_cli_exit_code_and_report_files(tmp_path: Path) -> None:
    runner = CliRunner()
    good = _write(tmp_path, "g.yaml", GOOD)
    out_json, out_xml = tmp_path / "r.json", tmp_path / "r.xml"
    ok = runner.invoke(app, ["test", str(good), "--json", str(out_json), "--junit", str(out_xml)])
    assert ok.exit_code == 0, ok.output
    assert "1/1 turns passed" in ok.output
    assert json.loads(out_json.read_text())["passed"] is True
    assert ET.parse(out_xml).getroot().tag == "testsuites"
    bad = runner.invoke(app, ["test", str(_write(tmp_path, "f.yaml", FAILING))])
    assert bad.exit_code == 1
    missing = runner.invoke(app, ["test", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2
