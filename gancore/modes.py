"""Mode coverage on mixtures of Gaussians: the ring and grid benchmarks of the
mode-collapse literature and the measures their tables report.

The benchmarks are those of the VEEGAN (Srivastava et al., 2017) and PacGAN (Lin et
al., 2018) code: 8 Gaussians on a circle and 25 on a square grid, with small equal
spreads. :func:`mode_coverage` scores a generator's samples against such a mixture.
"""

import math
from typing import NamedTuple

import numpy as np
from array_api_compat import device

from ._arrays import (from_numpy, positive_int, positive_number, require_float,
                      require_not_nan)
from ._namespaces import namespace
from .distributions import Mixture, MultivariateNormal, Normal
from .divergences import kl

__all__ = ["ModeCoverage", "gaussian_grid", "gaussian_ring", "mode_coverage"]


def gaussian_ring(modes=8, /, *, radius=1.0, scale=0.01):
    r"""The ring benchmark: ``modes`` equally weighted Gaussians on a circle.

    Component :math:`i` is :math:`N((r\cos(2\pi i/K), r\sin(2\pi i/K)), s^2 I_2)` with
    :math:`K` = ``modes``, :math:`r` = ``radius``, :math:`s` = ``scale``. The defaults
    (8 modes, radius 1, standard deviation 0.01) are those of the VEEGAN and PacGAN
    code's ring experiments.

    Parameters
    ----------
    modes : int
        Number of components K >= 1.
    radius, scale : float
        Radius of the circle and each component's standard deviation, finite and > 0;
        ``scale`` between about 1e-161 and 1e154, so that the variance is a float.

    Returns
    -------
    Mixture
        Of :class:`MultivariateNormal` components in :math:`\mathbb{R}^2`, weights 1/K.

    Examples
    --------
    >>> import gancore
    >>> ring = gancore.gaussian_ring()
    >>> len(ring.components), ring.dim
    (8, 2)
    """
    k = positive_int("modes", modes)
    r, s = positive_number("radius", radius), positive_number("scale", scale)
    angles = 2 * math.pi * np.arange(k) / k
    means = r * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _isotropic(means, s)


def gaussian_grid(side=5, /, *, spacing=2.0, scale=0.05):
    r"""The grid benchmark: ``side**2`` equally weighted Gaussians on a square grid.

    The components are :math:`N((a_i, a_j), s^2 I_2)` with
    :math:`a_i = h\,(i - (n - 1)/2)`, :math:`i, j = 0, \dots, n - 1`, :math:`n` =
    ``side``, :math:`h` = ``spacing``, :math:`s` = ``scale``: the defaults put 25
    components at :math:`\{-4, -2, 0, 2, 4\}^2` with standard deviation 0.05, as in
    the VEEGAN and PacGAN code's grid experiments.

    Parameters
    ----------
    side : int
        Components per row n >= 1.
    spacing, scale : float
        Distance between neighbouring means and each component's standard deviation,
        finite and > 0; ``scale`` as in :func:`gaussian_ring`.

    Returns
    -------
    Mixture
        Of :class:`MultivariateNormal` components in :math:`\mathbb{R}^2`, weights
        :math:`1/n^2`, row by row (the first coordinate varies slowest).

    Examples
    --------
    >>> import gancore
    >>> grid = gancore.gaussian_grid()
    >>> grid.components[0].mean.tolist(), grid.components[-1].mean.tolist()
    ([-4.0, -4.0], [4.0, 4.0])
    """
    n = positive_int("side", side)
    h, s = positive_number("spacing", spacing), positive_number("scale", scale)
    axis = h * (np.arange(n) - (n - 1) / 2)
    means = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    return _isotropic(means, s)


def _isotropic(means, scale):
    """The equally weighted mixture of N(mean, scale^2 I) over the rows of ``means``;
    ``ValueError`` naming ``scale`` where its square, the variance, is 0 or past the
    float range."""
    variance = scale * scale
    if not 0.0 < variance < math.inf:
        raise ValueError(f"scale must lie between about 1e-161 and 1e154, so that its "
                         f"square, the variance, is a positive float; got {scale}")
    cov = variance * np.eye(means.shape[1])
    return Mixture([MultivariateNormal(m, cov) for m in means],
                   np.full(len(means), 1 / len(means)), normalize=True)


class ModeCoverage(NamedTuple):
    """What :func:`mode_coverage` measures; each field has the samples' batch shape."""

    high_quality: object  #: fraction of samples within ``within`` of their nearest mode
    counts: object        #: high-quality samples per component (last axis)
    modes: object         #: components with at least one high-quality sample
    reverse_kl: object    #: KL(q || w), q the normalised counts, w the weights
    spread: object        #: high-quality samples' mean squared distance to their mode


def mode_coverage(samples, mixture, /, *, within=3.0):
    r"""How well samples cover the components of a Gaussian mixture.

    Each sample :math:`x` is assigned to its nearest component in Mahalanobis distance,
    :math:`k(x) = \arg\min_k \|L_k^{-1}(x - \mu_k)\|` with :math:`\Sigma_k = L_k L_k^T`
    (for the benchmarks' isotropic components, the Euclidean distance in units of
    the component's standard deviation), and is *high quality* when that distance is
    below ``within``. Then

    - ``high_quality``: the fraction of high-quality samples;
    - ``counts``: :math:`c_k`, the number of high-quality samples with :math:`k(x) = k`;
    - ``modes``: the number of components with :math:`c_k > 0` (modes captured);
    - ``reverse_kl``: :math:`\mathrm{KL}(q \| w) = \sum_k q_k \log(q_k / w_k)` with
      :math:`q = c / \sum_k c_k` and :math:`w` the mixture's weights (0 log 0 = 0);
    - ``spread``: the high-quality samples' mean squared Mahalanobis distance to their
      nearest component. The mixture's own samples (well-separated components in
      :math:`\mathbb{R}^d`) score :math:`E[\chi^2_d \mid \chi^2_d < r^2]`, r =
      ``within``: 1.90 in 2-D at r = 3. A generator whose modes are narrower than the
      data's scores less, so a high ``high_quality`` with a small ``spread`` says the
      samples sit on the means, not that they are spread like the data.

    These are the measures of the VEEGAN and PacGAN tables (high quality within three
    standard deviations). Their code's exact reverse-KL computation could not be
    confirmed; the definition above is gancore's.

    Parameters
    ----------
    samples : array
        Shape ``(..., n, d)`` for a mixture in :math:`\mathbb{R}^d` (``(..., n)`` when
        d = 1), any real floating dtype and namespace; leading axes are a batch (a
        population's members). No NaN; infinite samples count as not high quality.
    mixture : Mixture
        Of :class:`Normal` or :class:`MultivariateNormal` components.
    within : float, optional
        The high-quality radius in standard deviations, finite and > 0.

    Returns
    -------
    ModeCoverage
        Arrays in the samples' namespace and device with the batch shape ``(...)``
        (``counts``: ``(..., K)``, int64; ``modes``: int64; the others in the samples'
        dtype). ``high_quality`` lies in [0, 1]; ``modes`` in [0, K]; ``reverse_kl`` in
        [0, log(1 / min w)]: 0 when the counts are proportional to the weights,
        ``log K`` for equal weights when every high-quality sample sits in one
        component, and ``inf`` when no sample is high quality (q is undefined);
        ``spread`` in [0, r^2) with r = ``within``, NaN when no sample is high quality.

    Raises
    ------
    TypeError
        ``samples`` not an array of real floats; ``mixture`` not a Mixture of normal
        components; ``within`` not a real number.
    ValueError
        ``samples`` of the wrong shape, empty, or holding NaN; ``within`` not > 0.

    Notes
    -----
    Cost: :math:`O(n K d^2)` time and :math:`O(n K d)` memory per batch entry.

    References
    ----------
    Srivastava et al., "VEEGAN: Reducing mode collapse in GANs using implicit
    variational learning", NeurIPS 2017. Lin et al., "PacGAN: The power of two samples
    in generative adversarial networks", NeurIPS 2018.

    Examples
    --------
    >>> import gancore
    >>> ring = gancore.gaussian_ring()
    >>> score = gancore.mode_coverage(ring.sample(2500, seed=0), ring)
    >>> int(score.modes), float(score.high_quality) > 0.98
    (8, True)
    >>> collapsed = ring.components[0].sample(2500, seed=0)
    >>> int(gancore.mode_coverage(collapsed, ring).modes)
    1
    """
    if not isinstance(mixture, Mixture):
        raise TypeError(f"mixture must be a gancore Mixture; got {type(mixture).__name__}")
    if not all(isinstance(c, (Normal, MultivariateNormal)) for c in mixture.components):
        raise TypeError("mixture must have Normal or MultivariateNormal components")
    radius = positive_number("within", within)
    xp, arrays = namespace(samples=samples)
    x = arrays["samples"]
    require_float(xp, "samples", x)
    d = mixture.dim
    if d == 1:
        x = x[..., None]
    if x.ndim < 2 or x.shape[-1] != d or x.shape[-2] == 0:
        shape = "(..., n)" if d == 1 else f"(..., n, {d})"
        raise ValueError(f"samples must have shape {shape} with n >= 1 for this mixture; "
                         f"got {tuple(arrays['samples'].shape)}")
    require_not_nan(xp, "samples", x)
    means, whiten = _whitening(mixture)
    means, whiten = from_numpy(means, like=x, xp=xp), from_numpy(whiten, like=x, xp=xp)
    finite = xp.all(xp.isfinite(x), axis=-1)                              # (..., n)
    x = xp.where(finite[..., None], x, means[0, :])
    # a finite sample so far out that its whitened distance overflows (inf, or NaN from
    # inf - inf in the product) is near no mean: it fails the radius test below
    with np.errstate(over="ignore", invalid="ignore"):
        z = ((x[..., None, :] - means)[..., None, :] @ whiten)[..., 0, :]  # (..., n, K, d)
        distance2 = xp.sum(z * z, axis=-1)                                 # (..., n, K)
    nearest = xp.argmin(distance2, axis=-1)
    nearest2 = xp.min(distance2, axis=-1)
    good = finite & (nearest2 < radius * radius)  # (inf past the range, where ** raises)
    k = len(mixture.components)
    hit = (nearest[..., None] == xp.arange(k, device=device(nearest))) & good[..., None]
    counts = xp.sum(xp.astype(hit, xp.int64), axis=-2)
    high_quality = xp.mean(xp.astype(good, x.dtype), axis=-1)
    modes = xp.sum(xp.astype(counts > 0, xp.int64), axis=-1)
    mass = xp.astype(counts, x.dtype)
    weights = from_numpy(mixture.weights, like=x, xp=xp)
    some = xp.sum(mass, axis=-1, keepdims=True) > 0
    divergence = kl(xp.where(some, mass, weights), xp.broadcast_to(weights, mass.shape),
                    normalize=True)
    reverse_kl = xp.where(some[..., 0], divergence, math.inf)
    total = xp.sum(mass, axis=-1)
    spread = (xp.sum(xp.where(good, nearest2, 0.0), axis=-1)
              / xp.where(some[..., 0], total, math.nan))
    return ModeCoverage(high_quality, counts, modes, reverse_kl, spread)


def _whitening(mixture):
    """The components' means, shape (K, d), and the matrices W_k = L_k^{-T}, shape
    (K, d, d), so that the row (x - mu_k) @ W_k is L_k^{-1}(x - mu_k)."""
    means, whiten = [], []
    for c in mixture.components:
        if isinstance(c, Normal):
            means.append([c.loc])
            whiten.append([[1 / c.scale]])
        else:
            means.append(c.mean)
            whiten.append(np.linalg.inv(np.linalg.cholesky(c.cov)).T)
    return np.asarray(means, dtype=np.float64), np.asarray(whiten, dtype=np.float64)
