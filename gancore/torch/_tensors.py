"""Argument checks shared by :mod:`gancore.torch`: tensors and modules, named in errors.

They read only metadata (type, dtype, shape), never values, so they cost no device
synchronisation and run inside a captured CUDA graph.
"""

import torch
from torch import nn


def tensor(name, x, /, *, min_ndim=0):
    """``x`` if it is a non-empty floating ``torch.Tensor`` with at least ``min_ndim``
    dimensions; ``TypeError`` for another type or dtype, ``ValueError`` for its shape."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {type(x).__module__}."
                        f"{type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must have a floating dtype; got {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s); got shape "
                         f"{tuple(x.shape)}")
    if x.numel() == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(x.shape)}")
    return x


def module(name, m, /):
    """``m`` if it is a ``torch.nn.Module``, else ``TypeError`` naming it."""
    if not isinstance(m, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module; got {type(m).__name__}")
    return m


def function(name, f, /):
    """``f`` if it is callable (a module or a function of tensors), else ``TypeError``."""
    if not callable(f):
        raise TypeError(f"{name} must be callable (a module or a function of tensors); "
                        f"got {type(f).__name__}")
    return f
