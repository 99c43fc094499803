"""Atomic checkpoints: a crash mid-write leaves the previous file whole."""

import os
import tempfile
from pathlib import Path

import torch

__all__ = ["load_checkpoint", "save_checkpoint"]


def _path(path):
    """``path`` as a ``Path``; ``TypeError`` unless it is a string or path-like."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a string or path-like; got {type(path).__name__}")
    return Path(path)


def save_checkpoint(state, path, /):
    """Write ``state`` (tensors, numbers, strings, lists and dicts) to ``path`` atomically.

    The state goes to a temporary file in the same directory, is flushed to disk
    (``fsync``), and replaces ``path`` with ``os.replace``, which is atomic on POSIX and
    Windows: at every instant ``path`` holds either the old checkpoint or the new one.
    """
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict; got {type(state).__name__}")
    path = _path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path, /, *, map_location="cpu"):
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only`` loading:
    no code in the file is run)."""
    if map_location is not None:
        if not isinstance(map_location, (str, torch.device)):
            raise TypeError(f"map_location must be None, a device name or a torch.device; "
                            f"got {map_location!r}")
        try:
            torch.device(map_location)
        except RuntimeError as err:
            raise ValueError(f"map_location {map_location!r} is not a device: {err}") from None
    path = _path(path)
    if not path.is_file():
        raise FileNotFoundError(f"resume: no checkpoint at {str(path)!r}")
    return torch.load(path, map_location=map_location, weights_only=True)
