"""Test support shared by proofs/ and tests/: profiles, the ``xp`` fixture, array helpers.

Hypothesis profiles: ``ci`` (derandomised, bounded, no deadline; the default, so that a
plain ``pytest`` is fast and repeatable), ``dev`` (100 random examples) and ``thorough``
(thousands), chosen with ``HYPOTHESIS_PROFILE``. Namespaces: ``GANCORE_NAMESPACES`` (comma-separated names
from :data:`BACKENDS`) restricts the ``xp`` fixture; by default every backend is tried
and those without their library or a GPU skip.
"""

import math
import os

import numpy as np
import pytest
from array_api_compat import array_namespace
from array_api_compat import device as array_device
from hypothesis import HealthCheck, settings

from gancore._arrays import to_numpy
from gancore.verify import BACKENDS


def load_profile():
    """Register the hypothesis profiles and load the one the environment names."""
    slow = [HealthCheck.too_slow]
    settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None,
                              print_blob=True, suppress_health_check=slow)
    settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True)
    settings.register_profile("thorough", max_examples=3000, deadline=None,
                              print_blob=True, suppress_health_check=slow)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def selected_backends():
    """The backends named by ``GANCORE_NAMESPACES``, or all of them."""
    names = os.environ.get("GANCORE_NAMESPACES", "").replace(" ", "")
    if not names:
        return BACKENDS
    chosen = tuple(names.split(","))
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        raise ValueError(f"GANCORE_NAMESPACES names unknown backends {unknown}; "
                         f"choose from {list(BACKENDS)}")
    return chosen


def _torch(cuda):
    torch = pytest.importorskip("torch")
    if cuda and not torch.cuda.is_available():
        pytest.skip("torch CUDA: no GPU")
    from array_api_compat import torch as compat_torch

    return compat_torch, torch


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CUDA runtime errors share no base class beyond Exception
        pytest.skip("cupy: no usable GPU")
    from array_api_compat import cupy as compat_cupy

    return compat_cupy


@pytest.fixture(scope="module", params=["torch", "torch_cuda"])
def device(request):
    """The trainer's device, ``"cpu"`` or ``"cuda"``: each runs only where it is among
    the selected backends, and CUDA only where torch sees a GPU."""
    if request.param not in selected_backends():
        pytest.skip(f"{request.param} not among GANCORE_NAMESPACES")
    torch = pytest.importorskip("torch")
    if request.param == "torch_cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return "cuda" if request.param == "torch_cuda" else "cpu"


@pytest.fixture(params=selected_backends(), scope="module")
def xp(request):
    """An array namespace; torch_cuda and cupy skip where no GPU is available.

    Arrays made with ``xp.asarray`` land on the backend's default device (the GPU for
    torch_cuda and cupy). Module-scoped, so hypothesis tests may use it.
    """
    name = request.param
    if name == "numpy":
        from array_api_compat import numpy as compat_numpy

        yield compat_numpy
    elif name == "array_api_strict":
        yield pytest.importorskip("array_api_strict")
    elif name == "cupy":
        yield _cupy()
    else:
        ns, torch = _torch(cuda=name == "torch_cuda")
        previous = torch.get_default_device()
        torch.set_default_device("cuda" if name == "torch_cuda" else "cpu")
        try:
            yield ns
        finally:
            torch.set_default_device(previous)


def arr(xp, data, dtype=None):
    """``data`` as an array of namespace ``xp`` (float64 unless ``dtype`` says otherwise)."""
    return xp.asarray(np.asarray(data, dtype=np.float64),
                      dtype=xp.float64 if dtype is None else dtype)


def host(x):
    """A result as a NumPy float64 array."""
    return np.asarray(to_numpy(x), dtype=np.float64)


def assert_lives_with(result, like):
    """``result`` is in ``like``'s namespace, on its device, with its dtype."""
    assert array_namespace(result) is array_namespace(like)
    assert array_device(result) == array_device(like)
    assert result.dtype == like.dtype


def direct_fit(mixture, f, start, x):
    """The Gaussian N(mu, sigma^2) that minimises ``D_f(mixture || N(mu, sigma^2))``,
    found by Nelder-Mead over (mu, log sigma) from ``start`` (three restarts: a simplex
    can stall on a flat valley's side), with D_f by quadrature (``gancore.f_divergence``
    on the uniform grid ``x``, masses normalised): ``(mu, sigma, min D_f)``."""
    import gancore
    from scipy.optimize import minimize

    dx, p = float(x[1] - x[0]), mixture.pdf(x)

    def divergence(theta):
        # a trial sigma so small that q underflows where p is positive gives D_f = inf;
        # the simplex needs finite values to compare, and 1e300 is above every finite one
        q = gancore.Normal(theta[0], math.exp(theta[1])).pdf(x)
        value = float(gancore.f_divergence(p, q, f=f, dx=dx, normalize=True))
        return value if math.isfinite(value) else 1e300

    for _ in range(3):
        found = minimize(divergence, start, method="Nelder-Mead",
                         options={"xatol": 1e-10, "fatol": 1e-15, "maxiter": 4000})
        start = found.x
    return found.x[0], math.exp(found.x[1]), found.fun


def least_successes(n, rate, risk=1e-3):
    """The least k with P(Bin(n, rate) >= k) <= ``risk``: a trainer whose per-member
    success rate is at most ``rate`` reaches k successes of n with probability at most
    ``risk``."""
    from scipy.stats import binom

    return int(binom.isf(risk, n, rate)) + 1
