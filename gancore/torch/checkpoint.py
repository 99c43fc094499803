"""Atomic checkpoints: a crash mid-write leaves the previous file whole."""

import os
import tempfile
from pathlib import Path

import torch

__all__ = ["checkpoint_state", "load_checkpoint", "restore_state", "save_checkpoint",
           "save_state"]


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


FORMAT = 3  # of the trainer's checkpoints: 3 holds a population


def checkpoint_state(state, records, /, *, start=0):
    """What a checkpoint holds of ``state`` (a :class:`~gancore.torch.steps.TrainState`)
    with the members' config ``records``: its step, its members' parameter and
    optimiser rows, random streams, histories and stopping records. ``start`` is the
    index of the state's first member in the population (a shard's), by which frozen
    members are keyed."""
    return {"format": FORMAT, "configs": records, "step": state.step,
            "flats": state.flats, "optimisers": state.optimisers,
            "rngs": [r.get_state() for r in state.rngs],
            "histories": state.histories, "stopped": state.stopped,
            "frozen": {start + i: rows for i, rows in state.frozen.items()}}


def save_state(state, records, path, /):
    """Write ``state`` (a :class:`~gancore.torch.steps.TrainState`) with the members'
    config ``records`` to ``path`` atomically."""
    save_checkpoint(checkpoint_state(state, records), path)


def restore_state(path, state, records, resumable, /, *, device, members=None):
    """Load the checkpoint at ``path`` into ``state`` in place, after checking that it
    was written by this trainer for members with the same ``records`` (fields in
    ``resumable`` may differ); ``ValueError`` naming the member and field otherwise.

    ``records`` are the whole population's; ``members`` (a range, default all of them)
    are those ``state`` holds, a shard's. A checkpoint holds the whole population
    however many processes wrote it, so a run resumes on any number of processes."""
    saved = load_checkpoint(path, map_location=device)
    if saved.get("format") != FORMAT:
        raise ValueError(f"resume: {str(path)!r} is a checkpoint of format "
                         f"{saved.get('format')!r}; this gancore reads format {FORMAT} "
                         "(format 2 held one run, format 1 torch.optim states)")
    if len(saved["configs"]) != len(records):
        raise ValueError(f"resume: the checkpoint holds {len(saved['configs'])} members, "
                         f"this population {len(records)}")
    for i, (old, new) in enumerate(zip(saved["configs"], records)):
        for name in old:
            if name not in resumable and old[name] != new.get(name):
                member = f"member {i}: " if len(records) > 1 else ""
                raise ValueError(f"resume: {member}the checkpoint was written with "
                                 f"{name}={old[name]!r}, this config has "
                                 f"{name}={new.get(name)!r}")
    members = range(len(records)) if members is None else members
    rows = slice(members.start, members.stop)
    for name, flat in state.flats.items():
        flat.copy_(saved["flats"][name][rows])
    for player, mine in state.optimisers.items():
        for name, value in saved["optimisers"][player].items():
            if torch.is_tensor(mine[name]):  # the step count: an int on CPU, else a tensor
                value = torch.as_tensor(value)
                mine[name].copy_(value[rows] if value.ndim else value)
            else:
                mine[name] = int(value)
    for rng, rng_state in zip(state.rngs, saved["rngs"][rows]):
        rng.set_state(rng_state.cpu())
    state.step = saved["step"]
    state.histories[:] = [{k: list(v) for k, v in h.items()}
                          for h in saved["histories"][rows]]
    state.stopped[:] = [None if s is None else (int(s[0]), str(s[1]))
                        for s in saved["stopped"][rows]]
    state.frozen.update({int(i) - members.start: kept for i, kept in saved["frozen"].items()
                         if int(i) in members})
