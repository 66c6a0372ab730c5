"""Reports of a test run: a readable table, a JSON document and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voxline.errors import ConversationFileError
from voxline.testing.runner.drive import ConversationResult, TurnResult


@dataclass(frozen=True, slots=True)
class RunReport:
    """Every conversation run plus every file that could not be read."""

    conversations: tuple[ConversationResult, ...]
    file_errors: tuple[ConversationFileError, ...]

    @property
    def passed(self) -> bool:
        """True when every file was valid and every turn passed."""
        return not self.file_errors and all(c.passed for c in self.conversations)

    @property
    def counts(self) -> dict[str, int]:
        turns = [t for c in self.conversations for t in c.turns]
        return {
            "conversations": len(self.conversations),
            "conversations_failed": sum(not c.passed for c in self.conversations),
            "turns": len(turns),
            "turns_failed": sum(not t.passed for t in turns),
            "file_errors": len(self.file_errors),
        }


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _failures(turn: TurnResult) -> list[str]:
    return [f"{c.name}: expected {c.expected}, got {c.actual}" for c in turn.checks if not c.passed]


def table(report: RunReport, *, width: int = 100) -> str:
    """The run as text: one line per turn, failed expectations below it, a summary at the end."""
    lines: list[str] = []
    for error in report.file_errors:
        lines.append(f"ERROR {error}")
    for conv in report.conversations:
        mark = "PASS" if conv.passed else "FAIL"
        lines.append(
            f"{mark} {conv.title}  [{conv.scenario} on {conv.backend}, {conv.duration_s:.2f} s]"
        )
        if conv.error is not None:
            lines.append(f"      error: {conv.error}")
        for turn in conv.turns:
            status = "ok  " if turn.passed else "FAIL"
            latency = turn.observation.latency_ms
            timing = f" {latency:.0f} ms" if latency is not None else ""
            lines.append(
                f"  {status} {turn.index + 1:>3} line {turn.line:<4} "
                f"{_clip(turn.label, width - 40)}{timing}"
            )
            lines.extend(f"           {_clip(f, width - 11)}" for f in _failures(turn))
    c = report.counts
    lines.append(
        f"{c['turns'] - c['turns_failed']}/{c['turns']} turns passed in "
        f"{c['conversations']} conversations; {c['conversations_failed']} conversation(s) "
        f"failed, {c['file_errors']} file(s) could not be read"
    )
    return "\n".join(lines)


def to_json(report: RunReport) -> dict[str, Any]:
    """The run as JSON-able data."""
    return {
        "passed": report.passed,
        "counts": report.counts,
        "file_errors": [
            {"path": e.path, "line": e.line, "message": e.detail} for e in report.file_errors
        ],
        "conversations": [
            {
                "title": c.title,
                "path": str(c.path),
                "line": c.line,
                "scenario": c.scenario,
                "backend": c.backend,
                "passed": c.passed,
                "error": c.error,
                "duration_s": round(c.duration_s, 4),
                "turns": [
                    {
                        "index": t.index + 1,
                        "line": t.line,
                        "step": t.label,
                        "passed": t.passed,
                        "agent": t.observation.agent,
                        "reply": t.observation.reply,
                        "latency_ms": t.observation.latency_ms,
                        "checks": [
                            {
                                "name": k.name,
                                "passed": k.passed,
                                "expected": k.expected,
                                "actual": k.actual,
                            }
                            for k in t.checks
                        ],
                    }
                    for t in c.turns
                ],
            }
            for c in report.conversations
        ],
    }


def junit(report: RunReport) -> str:
    """The run as JUnit XML: a testsuite per conversation, a testcase per turn."""
    root = ET.Element("testsuites", name="voxline", tests=str(report.counts["turns"]))
    for error in report.file_errors:
        suite = ET.SubElement(root, "testsuite", name=error.path, tests="1", errors="1")
        case = ET.SubElement(suite, "testcase", name="load", classname=error.path)
        ET.SubElement(case, "error", message=error.detail).text = str(error)
    for conv in report.conversations:
        failures = sum(not t.passed for t in conv.turns)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=conv.title,
            tests=str(max(len(conv.turns), 1)),
            failures=str(failures),
            errors="1" if conv.error else "0",
            time=f"{conv.duration_s:.3f}",
        )
        if conv.error is not None:
            case = ET.SubElement(suite, "testcase", name="setup", classname=conv.title)
            ET.SubElement(case, "error", message=conv.error).text = conv.error
        for turn in conv.turns:
            case = ET.SubElement(
                suite,
                "testcase",
                name=f"{turn.index + 1}: {turn.label}",
                classname=f"{conv.title}:{turn.line}",
            )
            found = _failures(turn)
            if found:
                ET.SubElement(case, "failure", message=found[0]).text = "\n".join(found)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def write(report: RunReport, *, json_path: Path | None, junit_path: Path | None) -> None:
    """Write the JSON and JUnit reports where asked."""
    if json_path is not None:
        json_path.write_text(json.dumps(to_json(report), indent=2), encoding="utf-8")
    if junit_path is not None:
        junit_path.write_text(junit(report), encoding="utf-8")
