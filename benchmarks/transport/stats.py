"""How sure a ratio of medians is: a seeded bootstrap interval over two clients' samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

RESAMPLES = 2000
"""Bootstrap resamples per interval: the 2.5% and 97.5% points move by about 1% between seeds."""
SEED = 20261122
"""The fixed seed: a rerun on the same samples prints the same interval."""
_BATCH_VALUES = 2_000_000
"""At most this many resampled values in memory at once (16 MB of float64)."""


def _medians(
    values: NDArray[np.float64], resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """The medians of `resamples` resamples (with replacement) of `values`, in batches."""
    n = len(values)
    batch = max(1, _BATCH_VALUES // n)
    parts = []
    for start in range(0, resamples, batch):
        rows = min(batch, resamples - start)
        picks = rng.integers(0, n, size=(rows, n))
        parts.append(np.median(values[picks], axis=1))
    return np.concatenate(parts)


def ratio_interval(
    numerator: Sequence[float],
    denominator: Sequence[float],
    *,
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float] | None:
    """A percentile bootstrap interval for median(numerator) / median(denominator).

    Each client's samples are resampled on their own (the two runs are independent), the
    ratio of the two resampled medians is taken `resamples` times, and the central `level`
    of those ratios is returned. The same inputs and seed give the same interval.

    Args:
        numerator: One client's samples (e.g. voxline's first-chunk latencies).
        denominator: The other client's samples (e.g. the floor's).
        level: The interval's coverage, between 0 and 1.
        resamples: How many bootstrap resamples to draw.
        seed: The random generator's seed.

    Returns:
        (low, high), or None when either side has no samples or a resampled median of the
        denominator is not positive (a ratio would be meaningless).

    Raises:
        ValueError: `level` is not strictly between 0 and 1, or `resamples` is below 1.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level!r}")
    if resamples < 1:
        raise ValueError(f"resamples must be 1 or more, not {resamples!r}")
    if not numerator or not denominator:
        return None
    rng = np.random.default_rng(seed)
    top = _medians(np.asarray(numerator, dtype=np.float64), resamples, rng)
    bottom = _medians(np.asarray(denominator, dtype=np.float64), resamples, rng)
    if float(bottom.min()) <= 0:
        return None
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(top / bottom, [tail, 100 - tail])
    return float(low), float(high)
