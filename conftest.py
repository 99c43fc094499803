"""Shared test set-up: hypothesis profiles and the ``xp`` fixture over array namespaces.

Profiles: ``ci`` (derandomised, bounded, no deadline; the default when ``CI`` is set),
``dev`` (the default otherwise) and ``thorough``; pick one with ``HYPOTHESIS_PROFILE``.
"""

import os

import array_api_strict
import pytest
from array_api_compat import numpy as compat_numpy
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True)
settings.register_profile(
    "thorough", max_examples=3000, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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
    except Exception:  # CUDA runtime errors are not one exception type
        pytest.skip("cupy: no usable GPU")
    from array_api_compat import cupy as compat_cupy

    return compat_cupy


BACKENDS = ["numpy", "array_api_strict", "torch", "torch_cuda", "cupy"]


@pytest.fixture(params=BACKENDS)
def xp(request):
    """An array namespace; torch_cuda and cupy skip where no GPU is available.

    Arrays made with ``xp.asarray`` land on the backend's default device (the GPU for
    torch_cuda and cupy).
    """
    name = request.param
    if name == "numpy":
        yield compat_numpy
    elif name == "array_api_strict":
        yield array_api_strict
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
