"""What this CPU needs at least between the end of a turn and the first reply audio.

Even with every word of the caller already evaluated and a one-word first piece ("Sure,"),
after the turn ends the language model must still evaluate the chat template's tail that
opens the answer, decode twice (the word, then the space that closes its clause), and piper
must synthesize that word. This times each on the default components, with the agent's
prompt and the caller's words already in llama.cpp's cache, as medians of `--repeat` runs:

- the plain ChatML tail (`<|im_end|>`, newline, `<|im_start|>assistant`, newline), the least
  any prompt format needs and what the engine evaluates for an agent with no tools, and the
  tail of an agent with tools replying (its action line `action: reply` adds four tokens);
- one decode (one token);
- piper's first audio of one word.

Added to the end-of-turn wait that voice_bench.py measures, this is the floor of voice to
voice on this machine with these models.

Run: .venv/bin/python benchmarks/floor_bench.py [--repeat N] [--out FILE]
Prints a table and writes benchmarks/results/floor_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from voxline.engine.llm.prompt import ACTION_PREFIX, IM_END, REPLY, build_prompt
from voxline.engine.modelfiles.store import resolve_llm_model
from voxline.engine.ports import ChatMessage

RESULTS = Path(__file__).parent / "results" / "floor_bench.json"
INSTRUCTIONS = (  # voice_bench.py's agent
    "You are a friendly librarian on the phone. The caller reads you lines from a novel. "
    "Answer in two short sentences."
)
CALLER = "He was not an ill-disposed young man, unless to be rather cold-hearted"


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per measure")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the JSON file to write")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the engine runs it
    import llama_cpp

    from voxline.engine.tts.piper import PiperTTS

    llm = llama_cpp.Llama(
        str(resolve_llm_model()), n_ctx=2048, n_batch=256, n_threads=os.cpu_count() or 1,
        verbose=False,
    )  # fmt: skip
    prompt = build_prompt(INSTRUCTIONS, (), [ChatMessage("user", CALLER)])
    heard = prompt.prefix + prompt.conversation.removesuffix(f"{IM_END}\n")
    cached = llm.tokenize(heard.encode(), special=True)
    tails = {
        "plain ChatML tail": f"{IM_END}\n<|im_start|>assistant\n",
        "tail with the action line (agent with tools)": (
            f"{IM_END}\n{prompt.generation}{ACTION_PREFIX} {REPLY}\n"
        ),
    }
    llm.eval(cached)
    rows: dict[str, dict[str, float]] = {}
    for name, text in tails.items():
        tokens = llm.tokenize(text.encode(), add_bos=False, special=True)

        def tail(tokens: list[int] = tokens) -> None:
            llm.n_tokens = len(cached)
            llm.eval(tokens)

        rows[name] = {"tokens": len(tokens), "ms": median_ms(tail, args.repeat)}
    llm.n_tokens = len(cached)
    step = cached[-1]
    rows["one decode"] = {"tokens": 1, "ms": median_ms(lambda: llm.eval([step]), args.repeat)}
    tts = PiperTTS()
    rows["piper: first audio of 'Sure,'"] = {
        "tokens": 0,
        "ms": median_ms(lambda: next(iter(tts.synthesize("Sure,"))), args.repeat),
    }
    least = rows["plain ChatML tail"]["ms"] + 2 * rows["one decode"]["ms"]
    least += rows["piper: first audio of 'Sure,'"]["ms"]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    print(machine)
    print(f"{'after the end of the turn':44}{'tokens':>7}{'ms':>8}")
    for name, row in rows.items():
        print(f"{name:44}{row['tokens'] or '':>7}{row['ms']:>8}")
    print(f"{'least: plain tail + 2 decodes + first audio':44}{'':>7}{least:>8.0f}")
    report = {"machine": machine, "repeat": args.repeat, "rows": rows, "least_ms": least}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
