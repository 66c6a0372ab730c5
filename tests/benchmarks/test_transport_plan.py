"""How long the transport benchmark streams, so every client gets --min-samples turns."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.benchmarks.scripts import BENCHMARKS, load_script


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # the script imports its `transport` package
    return load_script("transport_bench.py")


def plans(bench: ModuleType, *argv: str) -> dict[int, tuple[float, int, int]]:
    """seconds per round, rounds, and the turns every client gets, by session count."""
    args = bench.parse_args(list(argv))
    return {
        n: (t.seconds, rounds, t.turns(n) * rounds)
        for n, (t, rounds) in bench.plan(args, bench.traffic_of(args)).items()
    }


def test_the_default_run_gives_every_client_40_turns_in_two_rounds_of_at_most_a_minute(
    bench: ModuleType,
) -> None:
    got = plans(bench)
    assert got[1] == (59.5, 2, 40)  # one session: two interleaved rounds of 20 turns
    # more sessions give 40 turns in one round, but two rounds show the machine's drift
    assert got[10][:2] == (20.0, 2)
    assert got[50][:2] == (20.0, 2)
    assert all(turns >= 40 for _s, _r, turns in got.values())


def test_more_samples_or_rounds_stretch_the_run_and_fixed_seconds_do_not(bench: ModuleType) -> None:
    assert plans(bench, "--sessions", "1", "--min-samples", "100")[1] == (59.5, 5, 100)
    assert plans(bench, "--sessions", "1", "--repeat", "4")[1] == (29.5, 4, 40)
    assert plans(bench, "--sessions", "10", "--min-samples", "200")[10][0] > 20
    assert plans(bench, "--sessions", "1", "--seconds", "5", "--repeat", "3")[1] == (5.0, 3, 3)


def test_a_negative_sample_count_is_refused(bench: ModuleType) -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--min-samples", "-1"])


def test_rounds_alternate_the_clients_order_so_a_drifting_host_falls_alike(
    bench: ModuleType,
) -> None:
    clients = ["voxline", "push", "floor"]
    assert bench.run_order(clients, 0) == ["voxline", "push", "floor"]
    assert bench.run_order(clients, 1) == ["floor", "push", "voxline"]
    assert bench.run_order(clients, 2) == ["voxline", "push", "floor"]
    # over any two rounds in a row every client's mean place is the same
    for first in range(4):
        places = {
            c: sum(bench.run_order(clients, r).index(c) for r in (first, first + 1))
            for c in clients
        }
        assert set(places.values()) == {2}
    assert clients == ["voxline", "push", "floor"]  # the caller's list is left as it was
