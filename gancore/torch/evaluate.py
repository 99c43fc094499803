"""Distances between generated and target samples, computed by gancore's core."""

import numpy as np
import torch

from .._arrays import float_dtype, positive_int, require_finite, to_numpy
from .._namespaces import namespace
from ..divergences import jsd
from ..wasserstein import w1, w1_empirical

__all__ = ["evaluate_members", "population_distances", "sample_distances"]

_W1_POINTS_ND = 1000  # exact optimal assignment in d > 1 costs O(n^3)


def _host_sample(name, sample):
    """A sample of any namespace and device as a validated host NumPy array."""
    xp, a = namespace(**{name: sample})
    float_dtype(xp, (name, a[name]))
    if a[name].ndim not in (1, 2) or 0 in a[name].shape:
        raise ValueError(f"{name} must be a non-empty sample of shape (n,) or (n, d); got "
                         f"{tuple(a[name].shape)}")
    require_finite(xp, name, a[name])
    return to_numpy(a[name])


def sample_distances(generated, target, /, *, bins=64):
    r"""W1 and JSD between two samples of the same dimension.

    W1: in 1-D the exact distance between the empirical measures (:func:`gancore.w1`,
    in the samples' namespace); in d > 1 the optimal assignment between the first
    1000 points of each (:func:`gancore.w1_empirical`, on the host). JSD (nats): between
    histograms on a common grid of ``bins`` cells per axis spanning both samples, in
    d <= 2; NaN in higher dimensions, where histograms say little. Both are 0 for
    identical samples; JSD is at most log 2.

    Parameters
    ----------
    generated, target : array, shape (n,) or (n, d)
        Finite samples; each of any namespace and device (both are copied to the host).
    bins : int

    Returns
    -------
    (float, float)
    """
    positive_int("bins", bins)
    x, y = (_host_sample(name, s) for name, s in (("generated", generated),
                                                  ("target", target)))
    if x.ndim != y.ndim or x.shape[1:] != y.shape[1:]:
        raise ValueError(f"generated and target must be samples of the same dimension; "
                         f"got shapes {x.shape} and {y.shape}")
    if x.ndim == 1:
        distance = float(w1(x, y))
        x, y = x[:, None], y[:, None]
    else:
        distance = float(w1_empirical(x[:_W1_POINTS_ND], y[:_W1_POINTS_ND]))
    return distance, _histogram_jsd(x, y, bins)


def population_distances(generated, targets, /, *, bins=64):
    """:func:`sample_distances` of each member: ``generated`` of shape ``(N, n, d)``
    (a tensor) against ``targets[i]`` (host arrays of shape ``(n_i, d)``).

    The samples are copied to the host once. In 1-D with targets of one size, W1 of
    all members is one batched :func:`gancore.w1` call; otherwise one call per member
    (in d > 1 an optimal assignment between 1000 points each, about 0.1 s per
    member). Returns a list of ``(w1, jsd)`` pairs."""
    x = to_numpy(generated.detach())
    if x.shape[-1] == 1 and len({len(t) for t in targets}) == 1:
        y = np.stack([t[:, 0] for t in targets])
        distances = to_numpy(w1(x[..., 0], y, axis=-1)).tolist()
        return [(w, _histogram_jsd(xi, yi, bins)) for w, xi, yi in zip(distances, x, targets)]
    return [sample_distances(xi[:, 0] if xi.shape[-1] == 1 else xi,
                             t[:, 0] if t.shape[-1] == 1 else t, bins=bins)
            for xi, t in zip(x, targets)]


def _histogram_jsd(x, y, bins):
    """JSD (nats) between histograms of samples ``x`` and ``y`` (shape ``(n, d)``) on
    a common grid of ``bins`` cells per axis spanning both; NaN for d > 2."""
    if x.shape[1] > 2:
        return float("nan")
    lo, hi = np.minimum(x.min(0), y.min(0)), np.maximum(x.max(0), y.max(0))
    edges = [np.linspace(a, b if b > a else a + 1.0, bins + 1) for a, b in zip(lo, hi)]
    p = np.histogramdd(x, bins=edges)[0].ravel()
    q = np.histogramdd(y, bins=edges)[0].ravel()
    return float(jsd(p, q, normalize=True))


def evaluate_members(state, sampler, cfgs, targets, *, noise_seed):
    """W1 and JSD of every live member's generated samples (``eval_samples`` of them,
    from noise seeded with the member's seed + the step) to its target."""
    live = [i for i, s in enumerate(state.stopped) if s is None]
    if not live:
        return
    n = cfgs[0].eval_samples
    rngs = [torch.Generator(sampler.flat.device).manual_seed(c.seed + noise_seed) for c in cfgs]
    with torch.no_grad():
        x = sampler(torch.stack([torch.randn(n, cfgs[0].latent_dim, generator=r,
                                             device=sampler.flat.device, dtype=sampler.flat.dtype)
                                 for r in rngs]))
    for i, (w, js) in zip(live, population_distances(x[live], [targets[i] for i in live])):
        history = state.histories[i]
        history["eval_step"].append(state.step)
        history["w1"].append(w)
        history["jsd"].append(js)
