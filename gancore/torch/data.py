"""A population's data: each member's training points and evaluation target."""

import numpy as np
import torch
from array_api_compat import torch as xp_torch

from .config import held_out

__all__ = ["batches", "draws", "member_data"]


def member_data(cfg, device, dtype):
    """Member ``cfg``'s training points, shape ``(n, d)`` on ``device``, and its
    evaluation target, a host array of shape ``(n_eval, d)``.

    From a distribution: ``data_pool`` points drawn with ``seed`` and
    ``eval_samples`` points drawn with ``seed + 1``. From an array of samples: a
    random part (a fifth, at most ``eval_samples`` points; chosen with ``seed``) is
    held out as the target, the rest trains.
    """
    if isinstance(cfg.data, np.ndarray):
        order = np.random.default_rng(cfg.seed).permutation(len(cfg.data))
        held = held_out(cfg)
        target, train = cfg.data[order[:held]], cfg.data[order[held:]]
        pool = torch.as_tensor(train, device=device, dtype=dtype)
    else:
        pool = cfg.data.sample(cfg.data_pool, seed=cfg.seed, xp=xp_torch, device=device,
                               dtype=dtype).reshape(cfg.data_pool, cfg.dim)
        target = np.asarray(cfg.data.sample(cfg.eval_samples, seed=cfg.seed + 1))
        target = target.reshape(cfg.eval_samples, cfg.dim)
    if not torch.isfinite(pool).all():  # finite floats beyond the training dtype's range
        big = np.abs(cfg.data if isinstance(cfg.data, np.ndarray) else target).max()
        raise ValueError(f"data (seed {cfg.seed}): its points are not finite in "
                         f"{str(dtype).removeprefix('torch.')} (largest magnitude {big:.3g}); "
                         "rescale them or train in float64")
    return pool, target


def batches(pools, sizes, rngs, n):
    """``n`` points per member drawn with replacement from its pool: ``(N, n, d)``.

    ``pools`` is ``(N, n_max, d)``, member i's points in its first ``sizes[i]`` rows;
    member i's indices come from ``rngs[i]``."""
    index = torch.stack([torch.randint(size, (n,), generator=rng, device=pools.device)
                         for size, rng in zip(sizes, rngs)])
    return torch.gather(pools, 1, index.unsqueeze(-1).expand(-1, -1, pools.shape[-1]))


def draws(rngs, sample, shape, /, **kwargs):
    """``sample(shape, generator=rng, **kwargs)`` for every member's ``rng``, stacked:
    shape ``(N, *shape)``."""
    return torch.stack([sample(shape, generator=rng, **kwargs) for rng in rngs])
