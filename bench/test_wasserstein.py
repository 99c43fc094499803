"""Wasserstein-1 on the line: gancore against SciPy and POT, and against sorting.

``w1``: two samples of n points each (the sort-and-pair path); floor: sorting both.
``w1 weighted``: n points against n/2 with random weights (the merged-support path);
floor: one argsort of the n + n/2 merged points, which any exact method needs.
"""

import ot
import pytest
from scipy import stats

import gancore
from conftest import backend, label, samples, timed, to_namespace

SIZES = (10**3, 10**5, 10**6, 10**7)
DTYPES = ("float64", "float32")

PEERS = {
    "w1": [("scipy.stats.wasserstein_distance", stats.wasserstein_distance),
           ("POT ot.wasserstein_1d", lambda u, v: ot.wasserstein_1d(u, v, p=1))],
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


@pytest.mark.parametrize("peer", [0, 1], ids=["scipy", "pot"])
@pytest.mark.parametrize("op", ["w1", "w1 weighted"])
def test_peer_w1(benchmark, op, peer, n):
    name, fn = PEERS[op][peer]
    label(benchmark, op=op, n=n, namespace="numpy", dtype="float64", role="peer",
          name=name)
    timed(benchmark, fn, *_host_args(op, n))


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
