"""Helpers for the unit tests: moving results to NumPy and checking where they live."""

import numpy as np
from array_api_compat import array_namespace, device

from gancore._arrays import to_numpy


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
    assert device(result) == device(like)
    assert result.dtype == like.dtype
