"""Benchmark the offline LLM: prefill cold vs cached per agent, decision and first-token
latency, tokens/s and routing accuracy on customer-service utterances.

Run: .venv/bin/python benchmarks/llm_bench.py [--limit N]
Prints a table and writes benchmarks/results/llm_bench.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import TypedDict

from voxline.core.config import ToolSpec
from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings
from voxline.engine.ports import ChatMessage, TextChunk, ToolChoice


def _handoff(name: str, description: str) -> ToolSpec:
    reason = {"type": "object", "properties": {"reason": {"type": "string"}}}
    return ToolSpec(f"transfer_to_{name}", description, reason)


def _tool(name: str, description: str, arg: str, arg_description: str) -> ToolSpec:
    schema = {
        "type": "object",
        "properties": {arg: {"type": "string", "description": arg_description}},
        "required": [arg],
        "additionalProperties": False,
    }
    return ToolSpec(name, description, schema)


FRONT_TOOLS = [
    _tool(
        "authenticate_user",
        "Verify the caller's identity with the phone number they give.",
        "phone",
        "The caller's phone number",
    ),
    _tool(
        "lookup_order",
        "Look up the status of an order by its order number.",
        "order_id",
        "The order number the caller gives",
    ),
    _handoff("support", "Technical support: internet, phone line, TV or device not working."),
    _handoff("sales", "Sales: new plans, upgrades, buying phones, adding lines."),
    _handoff("billing", "Billing: invoices, charges, payments, refunds."),
    _handoff("human", "A human agent, when the caller asks for a person or is upset."),
]
FRONT = (
    "You are the front desk voice agent of Acme Telecom. Find out what the caller needs and "
    "route them: authenticate callers who give their phone number, look up orders when they "
    "give an order number, and transfer everyone else to the right team. Example phone "
    "number format: 555-000-1111."
)
SUPPORT = (
    "You are Acme Telecom's technical support voice agent. Help the caller fix their internet, "
    "phone or TV service step by step. Hand back to the front desk for anything else."
)
SUPPORT_TOOLS = [
    _tool("run_line_test", "Test the caller's line remotely.", "phone", "The line's number"),
    _handoff("front_desk", "The front desk, for anything that is not a technical problem."),
]

CASES: list[tuple[str, str]] = [
    ("My number is five five five, one two three, four five six seven.", "authenticate_user"),
    ("Hi, I'd like to verify my account, my phone is 415 555 0199.", "authenticate_user"),
    ("It's 212-555-0147, can you check who I am?", "authenticate_user"),
    (
        "You can authenticate me with eight one eight, five five five, two two three three.",
        "authenticate_user",
    ),
    ("Where is my order? The order number is A1234.", "lookup_order"),
    ("Can you check order 99812 for me?", "lookup_order"),
    ("I ordered a router last week, order number B-5521, has it shipped?", "lookup_order"),
    ("What's the status of order seven seven three one?", "lookup_order"),
    ("My internet has been down since yesterday.", "transfer_to_support"),
    ("The TV box keeps rebooting.", "transfer_to_support"),
    ("I have no dial tone on my landline.", "transfer_to_support"),
    ("My wifi is really slow in the evenings.", "transfer_to_support"),
    ("My phone can't connect to the network.", "transfer_to_support"),
    ("I'd like to upgrade to a new iPhone.", "transfer_to_sales"),
    ("What plans do you have with unlimited data?", "transfer_to_sales"),
    ("I want to add a line for my daughter.", "transfer_to_sales"),
    ("Do you have any deals on fiber internet?", "transfer_to_sales"),
    ("I'm thinking of switching to you from another provider.", "transfer_to_sales"),
    ("I was charged twice this month.", "transfer_to_billing"),
    ("Why is my bill so high?", "transfer_to_billing"),
    ("I want a refund for last month.", "transfer_to_billing"),
    ("How do I pay my invoice?", "transfer_to_billing"),
    ("Can I change my payment date?", "transfer_to_billing"),
    ("Let me speak to a real person.", "transfer_to_human"),
    ("I'm fed up, get me a manager now.", "transfer_to_human"),
    ("Can I talk to a human please?", "transfer_to_human"),
    ("This is ridiculous, I want to speak to someone.", "transfer_to_human"),
    ("Hello?", "reply"),
    ("What are your opening hours?", "reply"),
    ("Thanks, that's all.", "reply"),
    ("Can you hear me?", "reply"),
    ("Please verify my identity.", "reply"),  # no number given: must ask, not invent one
]


class Case(TypedDict):
    """One routing utterance's outcome."""

    utterance: str
    expected: str
    got: str
    arguments: str | None
    reply: str | None
    correct: bool
    decision_s: float
    first_output_s: float
    generated_tokens: int
    tokens_per_s: float
    retried: bool


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=len(CASES), help="utterances to run")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()

    began = time.perf_counter()
    llm = LlamaCppLLM(LlamaSettings(temperature=0.0))
    load_s = time.perf_counter() - began

    prefill: dict[str, float] = {}
    for name, instructions, tools in (
        ("front_desk", FRONT, FRONT_TOOLS),
        ("support", SUPPORT, SUPPORT_TOOLS),
    ):
        t = time.perf_counter()
        llm.prepare(instructions, tools)
        prefill[name] = time.perf_counter() - t

    # A handoff: the other agent's prefix is restored from its saved state.
    restore: list[float] = []
    for instructions, tools in ((SUPPORT, SUPPORT_TOOLS), (FRONT, FRONT_TOOLS)) * 2:
        list(llm.generate(instructions, [ChatMessage("user", "Hello?")], tools, max_tokens=1))
        assert llm.last_stats is not None
        restore.append(llm.last_stats.prefill_s)

    rows: list[Case] = []
    for utterance, expected in CASES[: args.limit]:
        out = list(llm.generate(FRONT, [ChatMessage("user", utterance)], FRONT_TOOLS))
        stats = llm.last_stats
        assert stats is not None
        choice = next((o for o in out if isinstance(o, ToolChoice)), None)
        got = choice.name if choice else "reply"
        text = "".join(o.text for o in out if isinstance(o, TextChunk))
        rows.append(
            {
                "utterance": utterance,
                "expected": expected,
                "got": got,
                "arguments": choice.arguments if choice else None,
                "reply": text or None,
                "correct": got == expected,
                "decision_s": stats.decision_s,
                "first_output_s": stats.first_output_s,
                "generated_tokens": stats.generated_tokens,
                "tokens_per_s": stats.tokens_per_s,
                "retried": stats.retried,
            }
        )
        mark = "ok " if got == expected else "BAD"
        print(f"{mark} {stats.decision_s:5.2f}s {expected:22} -> {got:22} {utterance[:50]}")

    replies = [r for r in rows if r["got"] == "reply"]
    summary = {
        "model": str(llm.model_path.name),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "load_s": load_s,
        "cold_prefill_s": prefill,
        "cached_prefix_restore_s_median": _median(restore),
        "decision_s_median": _median([r["decision_s"] for r in rows]),
        "first_reply_token_s_median": _median([r["first_output_s"] for r in replies]),
        "tool_choice_s_median": _median(
            [r["first_output_s"] for r in rows if r["got"] != "reply" and not r["retried"]]
        ),
        "reply_tokens_per_s_median": _median([r["tokens_per_s"] for r in replies]),
        "routing_correct": sum(r["correct"] for r in rows),
        "routing_total": len(rows),
    }
    print()
    print(f"{'measure':38} value")
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}s" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.3f}"
        print(f"{key:38} {value}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "llm_bench.json"
    path.write_text(json.dumps({"summary": summary, "cases": rows}, indent=2))
    print(f"\nwrote {path}")
    llm.close()


if __name__ == "__main__":
    main()
