"""Root test set-up: the shared hypothesis profiles and ``xp`` fixture (proofs/_support.py),
and ``small_blocks``.

Under pytest-xdist (``pytest -n N``) each worker computes on one thread: N workers
already share the cores, and torch's and BLAS's own thread pools on top of them
oversubscribe the machine (busy-waiting threads slow every worker down)."""

import os

import pytest

if "PYTEST_XDIST_WORKER" in os.environ:  # before numpy and torch load their pools
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.set_num_threads(1)

from proofs._support import load_profile, xp  # noqa: E402,F401  (xp is a fixture)

load_profile()


@pytest.fixture
def small_blocks(monkeypatch):
    """The host's blocks at 64 points (``BLOCK_ELEMENTS`` of ``gancore._masses`` and
    ``gancore._direct``), so that short inputs cross many block boundaries and 1024
    points take the one checked pass of ``gancore._direct.streamed_direct``."""
    import gancore._direct
    import gancore._masses

    for module in (gancore._masses, gancore._direct):
        monkeypatch.setattr(module, "BLOCK_ELEMENTS", 64)
