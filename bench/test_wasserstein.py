"""Wasserstein-1 on the line: gancore against SciPy and POT, and against sorting.

``w1``: two samples of n points each (the sort-and-pair path); floor: sorting both.
``w1 weighted``: n points against n/2 with random weights (the merged-support path);
floor: one argsort of the n + n/2 merged points, which any exact method needs.
``w1 batched``: 64 pairs of samples of n/64 points, one call (``axis=0``), against POT's
batched ``wasserstein_1d`` and 64 calls of ``gancore.w1``; floor: sorting both batches.
"""

import statistics

import numpy as np
import ot
import pytest
from scipy import stats

import gancore
from gancore._arrays import to_numpy as to_host
from conftest import (ROUNDS, backend, batch_time, label, samples, smoke, timed,
                      to_namespace)

SIZES = (10**3, 10**5, 10**6, 10**7)
DTYPES = ("float64", "float32")

PEERS = {
    "w1": [("scipy.stats.wasserstein_distance", stats.wasserstein_distance),
           ("POT ot.wasserstein_1d", lambda u, v: ot.wasserstein_1d(u, v, p=1)),
           # the formula for two samples of one size: mean |sorted u - sorted v|
           ("numpy formula", lambda u, v: np.abs(np.sort(u) - np.sort(v)).mean())],
    "w1 weighted": [
        ("scipy.stats.wasserstein_distance", stats.wasserstein_distance),
        ("POT ot.wasserstein_1d",
         lambda u, v, a, b: ot.wasserstein_1d(u, v, a / a.sum(), b / b.sum(), p=1)),
    ],
}


def _host_args(op, n):
    u, v, a, b = samples(n, n if op == "w1" else n // 2)
    return (u, v) if op == "w1" else (u, v, a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["w1", "w1 weighted"])
def test_gancore_w1(benchmark, op, n, namespace, dtype):
    xp, sync = backend(namespace)
    host = _host_args(op, n)
    args = [to_namespace(namespace, a.astype(dtype)) for a in host]
    label(benchmark, op=op, n=n, namespace=namespace, dtype=dtype, role="gancore")
    out = timed(benchmark, gancore.w1, *args, sync=sync)
    # the same distance as SciPy's: to 1e-12 relative in float64
    ref = stats.wasserstein_distance(*host)
    assert float(out) == pytest.approx(ref, rel=1e-12 if dtype == "float64" else 1e-4)


@pytest.mark.parametrize("peer", [0, 1, 2], ids=["scipy", "pot", "numpy"])
@pytest.mark.parametrize("op", ["w1", "w1 weighted"])
def test_peer_w1(benchmark, op, peer, n):
    if peer >= len(PEERS[op]):
        pytest.skip(f"{op} has no NumPy formula peer (its merged support needs a search)")
    name, fn = PEERS[op][peer]
    label(benchmark, op=op, n=n, namespace="numpy", dtype="float64", role="peer",
          name=name)
    timed(benchmark, fn, *_host_args(op, n))


def _plain_torch_w1(torch, u, v):
    """The formula for two samples of one size in torch: mean |sorted u - sorted v|."""
    return (torch.sort(u).values - torch.sort(v).values).abs().mean()


@pytest.mark.parametrize("dtype", DTYPES)
def test_paired_ratio_torch(benchmark, request, n, dtype):
    # the per-call target on torch CPU: gancore within 2x of the plain torch expression
    # at n = 1e3, from alternating calls (as bench/test_divergences.py's)
    if n != 10**3:
        pytest.skip("per call at n = 1e3")
    torch = pytest.importorskip("torch")
    u, v = (torch.from_numpy(a.astype(dtype)) for a in _host_args("w1", n))
    calls, smoke_run, ratios = 200, smoke(request.config), []

    def round_():
        ours_t = batch_time(gancore.w1, (u, v), calls)
        ratios.append(ours_t / batch_time(_plain_torch_w1, (torch, u, v), calls))

    round_()  # warm-up
    ratios.clear()
    benchmark.pedantic(round_, rounds=1 if smoke_run else ROUNDS, iterations=1)
    benchmark.group = f"w1 n=1e3, torch {dtype}, alternating"
    benchmark.extra_info.update(op="w1", n=n, namespace="torch", dtype=dtype,
                                role="paired", name="alternating calls",
                                ratio=statistics.median(ratios), ratios=ratios)
    # the same sorted pairs, summed in the same order: the same bits
    assert torch.equal(gancore.w1(u, v), _plain_torch_w1(torch, u, v))


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_floor(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    u, v = (to_namespace(namespace, a.astype(dtype)) for a in _host_args("w1", n))
    label(benchmark, op="sort both", n=n, namespace=namespace, dtype=dtype, role="floor",
          name="sort both samples")
    timed(benchmark, lambda: (xp.sort(u, stable=False), xp.sort(v, stable=False)),
          sync=sync)


@pytest.mark.parametrize("dtype", DTYPES)
def test_argsort_floor(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    u, v = (to_namespace(namespace, a.astype(dtype)) for a in _host_args("w1 weighted", n)[:2])
    label(benchmark, op="argsort merged", n=n, namespace=namespace, dtype=dtype,
          role="floor", name="argsort of the merged samples")
    timed(benchmark, lambda: xp.argsort(xp.concat((u, v)), stable=False), sync=sync)


# Batches: 64 pairs of samples of n / 64 points each, as columns (POT's layout).
PAIRS = 64


def _columns(n):
    u, v, _, _ = samples(n, n)
    m = max(n // PAIRS, 1)
    return u[:m * PAIRS].reshape(m, PAIRS), v[:m * PAIRS].reshape(m, PAIRS)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gancore_w1_batched(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    host_u, host_v = _columns(n)
    u, v = (to_namespace(namespace, a.astype(dtype)) for a in (host_u, host_v))
    label(benchmark, op="w1 batched", n=n, namespace=namespace, dtype=dtype, role="gancore")
    out = timed(benchmark, lambda: gancore.w1(u, v, axis=0), sync=sync)
    ref = ot.wasserstein_1d(host_u, host_v, p=1)
    # POT forms each distance from cumulative sums of the m masses, whose rounding grows
    # to about m eps relative (4e-12 at m = 156250, where gancore's means of sorted
    # pairs are within 2e-14 of math.fsum): the tolerance is that bound
    m = host_u.shape[0]
    rtol = max(1e-12, m * float(np.finfo(np.float64).eps)) if dtype == "float64" else 1e-4
    np.testing.assert_allclose(np.asarray(to_host(out), dtype=float), ref, rtol=rtol)


@pytest.mark.parametrize("peer", ["pot", "loop"])
def test_peer_w1_batched(benchmark, n, peer):
    u, v = _columns(n)
    if peer == "pot":
        name, fn = "POT ot.wasserstein_1d", lambda: ot.wasserstein_1d(u, v, p=1)
    else:
        columns = [(np.ascontiguousarray(u[:, j]), np.ascontiguousarray(v[:, j]))
                   for j in range(PAIRS)]
        name, fn = "64 calls of gancore.w1", lambda: [gancore.w1(a, b) for a, b in columns]
    label(benchmark, op="w1 batched", n=n, namespace="numpy", dtype="float64", role="peer",
          name=name)
    timed(benchmark, fn)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_columns_floor(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    u, v = (to_namespace(namespace, a.astype(dtype)) for a in _columns(n))
    label(benchmark, op="sort columns", n=n, namespace=namespace, dtype=dtype, role="floor",
          name="sort both batches along the sample axis")
    timed(benchmark, lambda: (xp.sort(u, axis=0, stable=False),
                              xp.sort(v, axis=0, stable=False)), sync=sync)
