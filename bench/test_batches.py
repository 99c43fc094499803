"""Batches of distributions: gancore on a NumPy batch (one call, the distribution axis
last) against the plain NumPy formula of the whole batch, in alternating rounds.

The rows are independent uniform masses, normalised, so that some rows of a batch lie
nearly equal (below the direct formulas' 1/16): those take the careful sum, the others
their direct formula (``_masses.careful_rows``), each in blocks of whole rows
(``_masses.block_sum``).
"""

import statistics

import numpy as np
import pytest

import gancore
from conftest import ROUNDS, batch_time, smoke

SHAPES = ((100_000, 10), (1000, 100), (100, 1000))

# The formulas in plain NumPy over the last axis, as research code writes them inline
PLAIN = {
    "kl": lambda p, q, d: np.sum(p * np.log(p / q), axis=-1),
    "jsd": lambda p, q, d: 0.5 * (np.sum(p * np.log(2 * p / (p + q)), axis=-1)
                                  + np.sum(q * np.log(2 * q / (p + q)), axis=-1)),
    "tv": lambda p, q, d: 0.5 * np.sum(np.abs(p - q), axis=-1),
    "virtual_criterion": lambda p, q, d: np.sum(p * np.log(p / (p + q))
                                                + q * np.log(q / (p + q)), axis=-1),
    "value": lambda p, q, d: np.sum(p * np.log(d) + q * np.log1p(-d), axis=-1),
}
CALLS = {
    "kl": lambda p, q, d: gancore.kl(p, q),
    "jsd": lambda p, q, d: gancore.jsd(p, q),
    "tv": lambda p, q, d: gancore.tv(p, q),
    "virtual_criterion": lambda p, q, d: gancore.virtual_criterion(p, q),
    "value": lambda p, q, d: gancore.value(d, p, q),
}


def _batch(shape, seed=0):
    rng = np.random.default_rng(seed)
    p, q = (rng.random(shape) + 0.01 for _ in range(2))
    d = rng.uniform(0.05, 0.95, shape)
    return p / p.sum(-1, keepdims=True), q / q.sum(-1, keepdims=True), d


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("op", list(PLAIN))
def test_batch_against_the_plain_formula(benchmark, request, op, shape):
    p, q, d = _batch(shape)
    call, plain = CALLS[op], PLAIN[op]
    np.testing.assert_allclose(call(p, q, d), plain(p, q, d), rtol=1e-9, atol=1e-12)
    calls = max(1, 2_000_000 // (shape[0] * shape[1]))
    ours, theirs = [], []

    def round_():
        ours.append(batch_time(call, (p, q, d), calls) / calls)
        theirs.append(batch_time(plain, (p, q, d), calls) / calls)

    round_()  # warm-up
    ours.clear()
    theirs.clear()
    benchmark.pedantic(round_, rounds=1 if smoke(request.config) else ROUNDS // 4,
                       iterations=1)
    benchmark.group = f"{op} batch {shape[0]}x{shape[1]}, alternating"
    benchmark.extra_info.update(
        op=op, n=shape[0] * shape[1], namespace="numpy", dtype="float64", role="batch",
        name="alternating rounds", rows=shape[0], points=shape[1], rounds=len(ours),
        gancore=statistics.median(ours), plain=statistics.median(theirs),
        ratio=statistics.median(a / b for a, b in zip(ours, theirs)))
