"""Shared set-up for the benchmarks: namespaces, sizes, synchronisation, cached inputs.

Run the timing suite with ``python -m pytest bench --benchmark-json=bench/results.json``
and turn it into tables with ``python bench/report.py`` (see the README). Under
``--benchmark-disable`` (the CI smoke run) every benchmark runs once, on small inputs.

``GANCORE_BENCH_SIZES`` (comma-separated, e.g. ``1000,100000``) overrides the sizes;
``GANCORE_NAMESPACES`` restricts the namespaces as for the tests. GPU namespaces skip
where there is no GPU; their work is synchronised inside every timed call.
"""

import functools
import os
import time

import numpy as np
import pytest

from proofs._support import selected_backends

# numpy and torch on the host; cupy and torch_cuda on a GPU (array_api_strict is a
# conformance namespace, not a fast one, so it has no timings)
NAMESPACES = tuple(n for n in ("numpy", "torch", "cupy", "torch_cuda")
                   if n in selected_backends())
GPU_NAMESPACES = ("cupy", "torch_cuda")


def smoke(config):
    """Whether this run only checks that the benchmarks work (``--benchmark-disable``)."""
    return config.getoption("benchmark_disable")


# Rounds of the per-call comparisons, each timing gancore and its reference back to
# back (see bench/test_divergences.py)
ROUNDS = 41


def batch_time(fn, args, calls):
    """Seconds for ``calls`` calls of ``fn(*args)``."""
    start = time.perf_counter()
    for _ in range(calls):
        fn(*args)
    return time.perf_counter() - start


def sizes(config, default):
    """The problem sizes: ``GANCORE_BENCH_SIZES``, a small one when smoke testing, or
    ``default``."""
    given = os.environ.get("GANCORE_BENCH_SIZES", "").replace(" ", "")
    if given:
        return [int(float(s)) for s in given.split(",")]
    return [1000] if smoke(config) else list(default)


def pytest_generate_tests(metafunc):
    """Parametrise ``n`` (see each module's ``SIZES``) and ``namespace``."""
    if "n" in metafunc.fixturenames:
        default = getattr(metafunc.module, "SIZES", (10**3, 10**5, 10**7))
        if has_gpu() and getattr(metafunc.module, "GPU_SIZES", ()):
            default = (*default, *metafunc.module.GPU_SIZES)
        metafunc.parametrize("n", sizes(metafunc.config, default),
                             ids=lambda n: f"n={n:.0e}".replace("+0", ""))
    if "namespace" in metafunc.fixturenames:
        metafunc.parametrize("namespace", NAMESPACES)


@functools.cache
def backend(name):
    """``(xp, sync)`` for a benchmark namespace, or a skip where it is unavailable.

    ``sync()`` waits for the device's queued work, so a timed call that ends with it
    measures the computation, not its launch.
    """
    if name == "numpy":
        from array_api_compat import numpy as xp

        return xp, lambda: None
    if name in ("torch", "torch_cuda"):
        torch = pytest.importorskip("torch")
        if name == "torch_cuda" and not torch.cuda.is_available():
            pytest.skip("torch CUDA: no GPU")
        from array_api_compat import torch as xp

        return xp, (torch.cuda.synchronize if name == "torch_cuda" else lambda: None)
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CUDA runtime errors share no base class beyond Exception
        pytest.skip("cupy: no usable GPU")
    from array_api_compat import cupy as xp

    return xp, cupy.cuda.get_current_stream().synchronize


def to_namespace(name, a):
    """NumPy array ``a`` moved to namespace ``name`` (on the GPU for the GPU ones)."""
    xp, sync = backend(name)
    dev = "cuda" if name == "torch_cuda" else None
    out = xp.asarray(a, device=dev) if dev else xp.asarray(a)
    sync()
    return out


def label(benchmark, *, op, n, namespace, dtype, role, name=None):
    """Tag a benchmark for the report: its group (operation and size) and what it is.

    ``role`` is ``"gancore"``, ``"peer"`` or ``"floor"``; ``name`` says which peer or
    floor (default: the namespace).
    """
    benchmark.group = f"{op} n={n:.0e}".replace("+0", "")
    benchmark.extra_info.update(op=op, n=n, namespace=namespace, dtype=dtype, role=role,
                                name=name or namespace)


def timed(benchmark, fn, *args, sync=lambda: None):
    """Benchmark ``fn(*args)`` followed by ``sync()``; return its result."""

    def call():
        out = fn(*args)
        sync()
        return out

    return benchmark(call)


@functools.cache
def simplex_pair(n, kind, seed=0):
    """Two float64 probability vectors of length n (NumPy, cached).

    ``kind="far"``: independent uniform masses (JSD ~ 0.1, KL ~ 0.5), the direct path.
    ``kind="near"``: q = p (1 + 1e-3 noise), renormalised (JSD ~ 1e-7), the
    cancellation-free path.
    """
    rng = np.random.default_rng(seed)
    p = rng.random(n) + 1e-3
    q = p * (1 + 1e-3 * rng.standard_normal(n)) if kind == "near" else rng.random(n) + 1e-3
    return p / p.sum(), q / q.sum()


@functools.cache
def samples(n, m, seed=0):
    """Samples of N(0, 1) (size n) and N(0.5, 1.5^2) (size m), with random weights."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n), 0.5 + 1.5 * rng.standard_normal(m), rng.random(n),
            rng.random(m))


@functools.cache
def has_gpu():
    """Whether torch or CuPy sees a CUDA device (decides whether n = 1e8 runs)."""
    try:
        import torch

        if torch.cuda.is_available():
            return True
    except ImportError:
        pass
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no CuPy, or no CUDA runtime: CuPy's errors have no common base
        return False


def pytest_benchmark_update_machine_info(config, machine_info):
    """Record the library versions and the GPU (if any) with the machine."""
    import scipy

    versions = {"numpy": np.__version__, "scipy": scipy.__version__}
    gpu = None
    try:
        import torch

        versions["torch"] = torch.__version__
        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    machine_info["gancore_versions"] = versions
    machine_info["gpu"] = gpu
