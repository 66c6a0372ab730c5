"""The transport benchmark's bootstrap interval for a ratio of medians (a pure function)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.benchmarks.scripts import load_script

stats = load_script("transport/stats.py")


def samples(median: float, n: int, seed: int) -> list[float]:
    """`n` skewed latencies (log-normal, like the benchmark's) around `median`."""
    rng = np.random.default_rng(seed)
    return [float(x) for x in median * rng.lognormal(0.0, 0.4, n)]


def test_the_same_samples_and_seed_give_the_same_interval() -> None:
    a, b = samples(0.4, 60, 1), samples(0.25, 60, 2)
    assert stats.ratio_interval(a, b) == stats.ratio_interval(a, b)
    assert stats.ratio_interval(a, b, seed=7) == stats.ratio_interval(a, b, seed=7)
    assert stats.ratio_interval(a, b, seed=7) != stats.ratio_interval(a, b, seed=8)


def test_the_interval_holds_the_ratio_of_medians_and_narrows_with_more_samples() -> None:
    few = stats.ratio_interval(samples(0.4, 10, 1), samples(0.25, 10, 2))
    many = stats.ratio_interval(samples(0.4, 1000, 3), samples(0.25, 1000, 4))
    assert few is not None
    assert many is not None
    assert few[0] < 1.6 < few[1]
    assert many[0] < 1.6 < many[1]
    assert many[1] - many[0] < (few[1] - few[0]) / 3
    assert many[0] > 1.4
    assert many[1] < 1.8


def test_a_lower_level_gives_a_narrower_interval_inside_the_wider_one() -> None:
    a, b = samples(0.4, 80, 5), samples(0.25, 80, 6)
    wide = stats.ratio_interval(a, b, level=0.95)
    narrow = stats.ratio_interval(a, b, level=0.5)
    assert wide is not None
    assert narrow is not None
    assert wide[0] <= narrow[0] <= narrow[1] <= wide[1]


def test_constant_samples_give_the_exact_ratio() -> None:
    assert stats.ratio_interval([3.0] * 5, [2.0] * 7) == (1.5, 1.5)


def test_many_resamples_of_many_samples_are_drawn_in_batches_with_the_same_result() -> None:
    # 3000 samples x 2000 resamples is more than one batch holds: the batches must add up
    a, b = samples(0.4, 3000, 7), samples(0.25, 3000, 8)
    interval = stats.ratio_interval(a, b)
    assert interval is not None
    assert 1.5 < interval[0] < interval[1] < 1.7


def test_no_samples_or_a_zero_denominator_give_no_interval() -> None:
    assert stats.ratio_interval([], [1.0]) is None
    assert stats.ratio_interval([1.0], []) is None
    assert stats.ratio_interval([1.0, 2.0], [0.0, 0.0, 0.0]) is None


@pytest.mark.parametrize(("level", "resamples"), [(0.0, 100), (1.0, 100), (0.95, 0)])
def test_a_bad_level_or_resample_count_is_refused(level: float, resamples: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        stats.ratio_interval([1.0], [1.0], level=level, resamples=resamples)
