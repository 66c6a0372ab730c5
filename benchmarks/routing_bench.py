"""Benchmark routing on the offline engine: the customer-service router agent, the utterances of
conversations/local/customer_service_routing.yaml, with and without the embedding router.

For each utterance the decision is taken by the real llama.cpp model (the router only narrows
the choices); both modes share one model and take turns going first, so machine noise and the
reuse of an already evaluated utterance hit both alike. Reports accuracy, decision latency
(median, p95) and the router's own cost.

Run: .venv/bin/python benchmarks/routing_bench.py [--limit N] [--modes hybrid,llm]
Prints a table and writes benchmarks/results/routing_bench.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from voxline.agents.graph import AgentGraph
from voxline.engine.llm.llama import LlamaCppLLM, LlamaSettings
from voxline.engine.ports import ChatMessage, ToolChoice
from voxline.engine.router import EmbeddingRouter
from voxline.engine.router.embedder import MiniLMEmbedder
from voxline.scenarios import customer_service
from voxline.testing.runner.spec import load_file

SUITE = Path(__file__).parent.parent / "conversations" / "local" / "customer_service_routing.yaml"


def load_cases(path: Path) -> list[tuple[str, str]]:
    """(utterance, expected action) per one-turn conversation of the suite file."""
    cases = []
    for loaded in load_file(path):
        step = loaded.spec.steps[0]
        expect = step.expect
        if expect.handoff:
            want = f"transfer_to_{expect.handoff}"
        elif expect.tools:
            want = expect.tools[0].name
        else:
            want = "reply"
        cases.append((step.text or "", want))
    return cases


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="utterances to run (0: all)")
    parser.add_argument("--modes", default="hybrid,llm", help="hybrid (router on) and/or llm")
    parser.add_argument("--threads", type=int, default=None, help="llama.cpp threads")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    scenario = customer_service.build(Path(tempfile.mkdtemp(prefix="voxline-bench-")))
    graph = AgentGraph(scenario.agent, scenario.agents)
    tools = graph.tool_specs(scenario.agent.name)
    instructions = scenario.agent.instructions
    assert isinstance(instructions, str)
    cases = load_cases(SUITE)[: args.limit or None]

    began = time.perf_counter()
    router = EmbeddingRouter(MiniLMEmbedder())
    router_load_s = time.perf_counter() - began
    llm = LlamaCppLLM(
        LlamaSettings(temperature=0.0, router="off", n_threads=args.threads), router=None
    )
    began = time.perf_counter()
    llm.prepare(instructions, tools)
    prefill_s = time.perf_counter() - began

    rows: list[dict[str, object]] = []
    for n, (utterance, expected) in enumerate(cases):
        # The second mode finds the utterance already evaluated in the context: alternate
        # which mode goes first so neither is favoured.
        for mode in modes if n % 2 == 0 else modes[::-1]:
            llm.router = router if mode == "hybrid" else None
            got = "reply"
            for out in llm.generate(
                instructions, [ChatMessage("user", utterance)], tools, max_tokens=1
            ):
                if isinstance(out, ToolChoice):
                    got = out.name
                break
            stats = llm.last_stats
            assert stats is not None
            rows.append(
                {
                    "mode": mode,
                    "utterance": utterance,
                    "expected": expected,
                    "got": got,
                    "correct": got == expected,
                    "decision_s": stats.decision_s,
                    "first_output_s": stats.first_output_s,
                    "route": stats.route,
                    "route_s": stats.route_s,
                    "retried": stats.retried,
                }
            )
            mark = "ok " if got == expected else "BAD"
            print(
                f"{mark} {mode:6} {stats.first_output_s:6.2f}s {stats.route or '-':10} "
                f"{expected:24} -> {got:24} {utterance[:48]}",
                flush=True,
            )

    summary: dict[str, object] = {
        "model": llm.model_path.name,
        "utterances": len(cases),
        "router_load_s": router_load_s,
        "cold_prefill_s": prefill_s,
    }
    print(f"\n{'mode':8} {'correct':>9} {'decide med':>11} {'p95':>7} {'router med':>11} retries")
    for mode in modes:
        mine = [r for r in rows if r["mode"] == mode]
        times = [float(str(r["first_output_s"])) for r in mine]
        routes = [float(str(r["route_s"])) for r in mine]
        result = {
            "correct": sum(bool(r["correct"]) for r in mine),
            "total": len(mine),
            "first_output_s_median": statistics.median(times),
            "first_output_s_p95": _pct(times, 0.95),
            "route_s_median": statistics.median(routes),
            "retries": sum(bool(r["retried"]) for r in mine),
            "wrong": [f"{r['utterance']} -> {r['got']}" for r in mine if not r["correct"]],
        }
        summary[mode] = result
        print(
            f"{mode:8} {result['correct']:>4}/{result['total']:<4} "
            f"{result['first_output_s_median']:10.2f}s {result['first_output_s_p95']:6.2f}s "
            f"{result['route_s_median']:10.3f}s {result['retries']:>4}"
        )
    print(f"\nrouter load {router_load_s:.2f}s, cold prefill {prefill_s:.2f}s")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "routing_bench.json"
    path.write_text(json.dumps({"summary": summary, "cases": rows}, indent=2))
    print(f"wrote {path}")
    llm.close()


if __name__ == "__main__":
    main()
