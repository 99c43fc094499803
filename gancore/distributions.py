"""Reference distributions: Normal, MultivariateNormal, Mixture and LineSegment (the
closed-form KL between two normals is :func:`gancore.kl_normal`, in
:mod:`gancore.gaussian_kl`).

Parameters live on the host as Python floats or NumPy float64 arrays. ``pdf`` and
``logpdf`` evaluate in the namespace and on the device of their argument; ``cdf`` and
``ppf`` (1-D only) evaluate SciPy's special functions on the host and return to the
argument's namespace and device. ``sample(n, seed=..., xp=...)`` draws with NumPy's
``default_rng(seed)`` on the host and returns the draws in the namespace asked for
(NumPy by default), so one seed gives the same numbers in every namespace.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from array_api_compat import array_namespace

from ._arrays import (boolean, check_seed, float_dtype, from_numpy, mass_tolerance,
                      positive_int, positive_number, real_number, require_not_nan,
                      require_probability, to_numpy)
from ._namespaces import namespace

__all__ = ["LineSegment", "Mixture", "MultivariateNormal", "Normal"]

_LOG_2PI = math.log(2 * math.pi)


def _host_array(name, value, ndim):
    """``value`` as a finite float64 NumPy array with ``ndim`` dimensions."""
    _, converted = namespace(**{name: value})
    arr = to_numpy(converted[name])
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers; got dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.float64)
    if arr.ndim != ndim or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it holds NaN or infinity")
    return arr


def _points(x, dim, name="x"):
    """Validate evaluation points: float, no NaN, last axis of length ``dim`` if dim > 1."""
    xp, a = namespace(**{name: x})
    x = a[name]
    float_dtype(xp, (name, x))
    require_not_nan(xp, name, x)
    if dim > 1 and (x.ndim == 0 or x.shape[-1] != dim):
        raise ValueError(f"{name} must have its last axis of length {dim} (points in "
                         f"R^{dim}); got shape {tuple(x.shape)}")
    return xp, x


def _host_eval(x, fn, check=None, name="x"):
    """Apply a NumPy/SciPy function to ``x`` on the host and return in ``x``'s namespace.

    Overflow is quiet: a standard score ``(x - loc) / scale`` past the float range, or
    a quantile ``loc + scale z`` past it, is +-inf, where the distribution function is
    0 or 1 and the quantile past every float (they warned)."""
    xp, x = _points(x, 1, name)
    if check is not None:
        check(xp, name, x)
    with np.errstate(over="ignore"):
        return from_numpy(fn(to_numpy(x).astype(np.float64)), like=x, xp=xp)


class _Distribution:
    """What every distribution shares: ``pdf`` from the log density (``logpdf``'s
    ``_log_density``, which each one defines for points already checked), and
    ``sample``."""

    dim = 1

    def pdf(self, x, /):
        """Density at ``x``: ``exp(logpdf(x))``, in ``x``'s namespace and device."""
        xp, x = _points(x, self.dim)
        return xp.exp(self._log_density(xp, x))

    def sample(self, n, /, *, seed=None, xp=None, device=None, dtype=None):
        """Draw ``n`` independent samples.

        Parameters
        ----------
        n : int
            Number of samples, >= 1.
        seed : int, numpy.random.Generator or None
            Passed to ``numpy.random.default_rng``; the same seed gives the same draws,
            whatever ``xp``.
        xp : array namespace, optional
            Namespace of the result (``numpy``, ``array_api_strict``, ``torch``,
            ``cupy``, ...); NumPy by default.
        device : optional
            Device in ``xp``; its default device if omitted.
        dtype : optional
            A floating dtype of ``xp``; float64 by default.

        Returns
        -------
        array
            Shape ``(n,)`` in 1-D, ``(n, dim)`` otherwise.
        """
        draws = self._draw(positive_int("n", n), np.random.default_rng(check_seed(seed)))
        if xp is None:
            return draws
        ns = array_namespace(xp.asarray(0.0))
        return ns.asarray(draws, dtype=ns.float64 if dtype is None else dtype,
                          device=device)


@dataclass(frozen=True)
class Normal(_Distribution):
    r"""The normal distribution :math:`N(\mathrm{loc}, \mathrm{scale}^2)` on the line.

    Parameters
    ----------
    loc : float
        Mean, finite.
    scale : float
        Standard deviation, finite and > 0.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> round(float(gancore.Normal(0.0, 1.0).pdf(np.array(0.0))), 6)
    0.398942
    >>> gancore.Normal(3.0, 0.5).sample(2, seed=0).shape
    (2,)
    """

    loc: float = 0.0
    scale: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "loc", real_number("loc", self.loc))
        object.__setattr__(self, "scale", positive_number("scale", self.scale))

    def logpdf(self, x, /):
        r"""Log density :math:`-\tfrac12 ((x - \mu)/\sigma)^2 - \log\sigma - \tfrac12\log 2\pi`."""
        return self._log_density(*_points(x, 1))

    def _log_density(self, xp, x):
        """:meth:`logpdf` of points ``x`` of namespace ``xp`` already checked (-inf where
        ``(x - loc) / scale`` overflows, without a warning)."""
        with np.errstate(over="ignore"):
            z = (x - self.loc) / self.scale
            return -0.5 * z * z - (math.log(self.scale) + 0.5 * _LOG_2PI)

    def cdf(self, x, /):
        r"""Distribution function :math:`\Phi((x - \mu)/\sigma)` (SciPy's ``ndtr``, on the host)."""
        from scipy.special import ndtr

        return _host_eval(x, lambda a: ndtr((a - self.loc) / self.scale))

    def ppf(self, u, /):
        r"""Quantile function :math:`\mu + \sigma\Phi^{-1}(u)` for u in [0, 1]; +-inf at 1, 0."""
        from scipy.special import ndtri

        return _host_eval(u, lambda a: self.loc + self.scale * ndtri(a), require_probability,
                          "u")

    def _draw(self, n, rng):
        return self.loc + self.scale * rng.standard_normal(n)


@dataclass(frozen=True, eq=False)
class MultivariateNormal(_Distribution):
    r"""The normal distribution :math:`N(\mu, \Sigma)` on :math:`\mathbb{R}^d`.

    Parameters
    ----------
    mean : array_like
        Shape (d,), finite.
    cov : array_like
        Shape (d, d), symmetric (to 1e-12 relative) and positive definite.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> mvn = gancore.MultivariateNormal([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]])
    >>> mvn.sample(3, seed=0).shape
    (3, 2)
    """

    mean: np.ndarray
    cov: np.ndarray
    _chol: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        mean = _host_array("mean", self.mean, 1)
        cov = _host_array("cov", self.cov, 2)
        d = mean.shape[0]
        if cov.shape != (d, d):
            raise ValueError(f"cov must have shape ({d}, {d}) to match mean; got {cov.shape}")
        if not np.allclose(cov, cov.T, rtol=1e-12, atol=1e-12 * np.abs(cov).max()):
            raise ValueError("cov must be symmetric")
        try:
            chol = np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite; its Cholesky factorisation "
                             "failed") from None
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", cov)
        object.__setattr__(self, "_chol", chol)

    @property
    def dim(self):
        """Dimension d."""
        return self.mean.shape[0]

    def logpdf(self, x, /):
        r"""Log density :math:`-\tfrac12 \|L^{-1}(x-\mu)\|^2 - \sum\log L_{ii} - \tfrac d2\log 2\pi`.

        ``x`` has shape (..., d), :math:`\Sigma = LL^T`; the result has shape (...):
        ``-inf`` at points with an infinite coordinate, and where the square passes the
        dtype's range, without a warning.
        """
        return self._log_density(*_points(x, self.dim))

    def _log_density(self, xp, x):
        """:meth:`logpdf` of points ``x`` of namespace ``xp`` already checked."""
        inv_chol_t = from_numpy(np.linalg.inv(self._chol).T, like=x, xp=xp)
        mean = from_numpy(self.mean, like=x, xp=xp)
        # a point with an infinite coordinate has density 0 (log density -inf); it is
        # replaced by the mean before the product, where inf * 0 would give NaN
        finite = xp.all(xp.isfinite(x), axis=-1)
        half_log_det = float(np.sum(np.log(np.diag(self._chol))))
        with np.errstate(over="ignore", invalid="ignore"):
            z = (xp.where(finite[..., None], x, mean) - mean) @ inv_chol_t
            out = -0.5 * xp.sum(z * z, axis=-1) - (half_log_det + 0.5 * self.dim * _LOG_2PI)
        # a finite point whose z passes the range has log density -inf: -inf from the
        # squares, or NaN where z's products overflowed to inf - inf (then |z| >=
        # |x - mean| / ||L|| is near the range, and its square past it for any L of
        # condition number below 1e154)
        return xp.where(finite & (out == out), out, -math.inf)

    def _draw(self, n, rng):
        return self.mean + rng.standard_normal((n, self.dim)) @ self._chol.T


@dataclass(frozen=True, eq=False)
class Mixture(_Distribution):
    r"""A finite mixture :math:`\sum_k w_k P_k` of distributions of one dimension.

    Parameters
    ----------
    components : sequence of distributions
        Normal, MultivariateNormal or Mixture instances, all of the same dimension.
    weights : array_like
        Non-negative, one per component, summing to 1 within 1e-6 unless
        ``normalize=True``.
    normalize : bool, optional
        Rescale the weights to sum to 1.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> mix = gancore.Mixture([gancore.Normal(-2, 1), gancore.Normal(2, 1)], [0.5, 0.5])
    >>> round(float(mix.cdf(np.array(0.0))), 12)
    0.5
    """

    components: tuple
    weights: np.ndarray
    normalize: bool = False

    def __post_init__(self):
        boolean("normalize", self.normalize)
        if isinstance(self.components, (str, bytes)) or not hasattr(self.components,
                                                                    "__iter__"):
            raise TypeError(f"components must be a sequence of gancore distributions; got "
                            f"{self.components!r}")
        comps = tuple(self.components)
        if not comps:
            raise ValueError("components must hold at least one distribution")
        for c in comps:
            if not isinstance(c, (Normal, MultivariateNormal, Mixture)):
                raise TypeError(f"components must be gancore distributions; got {c!r}")
        dims = {c.dim for c in comps}
        if len(dims) != 1:
            raise ValueError(f"components must share one dimension; got {sorted(dims)}")
        w = _host_array("weights", self.weights, 1)
        if w.shape[0] != len(comps):
            raise ValueError(f"weights must have one entry per component ({len(comps)}); "
                             f"got {w.shape[0]}")
        if np.any(w < 0):
            raise ValueError("weights must be non-negative")
        total = w.sum()
        if total <= 0:
            raise ValueError("weights must have a positive sum")
        if not self.normalize and abs(total - 1) > mass_tolerance(np.float64, np):
            raise ValueError(f"weights must sum to 1; they sum to {total!r} (pass "
                             "normalize=True to rescale them)")
        object.__setattr__(self, "components", comps)
        object.__setattr__(self, "weights", w / total)

    @property
    def dim(self):
        """Dimension shared by the components."""
        return self.components[0].dim

    def logpdf(self, x, /):
        r"""Log density :math:`\log \sum_k w_k p_k(x)`, by a max-shifted log-sum-exp."""
        return self._log_density(*_points(x, self.dim))

    def _log_density(self, xp, x):
        """:meth:`logpdf` of points ``x`` of namespace ``xp`` already checked."""
        terms = xp.stack([c._log_density(xp, x) + math.log(w)
                          for c, w in zip(self.components, self.weights) if w > 0])
        top = xp.max(terms, axis=0)
        finite = xp.isfinite(top)  # top = -inf: every component has density 0 there
        finite_top = xp.where(finite, top, 0.0)
        total = xp.sum(xp.exp(terms - finite_top), axis=0)
        return xp.where(finite, finite_top + xp.log(xp.where(finite, total, 1.0)), -math.inf)

    def cdf(self, x, /):
        r"""Distribution function :math:`\sum_k w_k F_k(x)` (1-D components only)."""
        self._require_1d("cdf")
        return _host_eval(x, self._cdf_host)

    def ppf(self, u, /):
        r"""Quantile function: the x with :math:`\sum_k w_k F_k(x) = u`, by bisection.

        The root is bracketed by the components' own quantiles at ``u``; 100 halvings on
        the host reach the float64 resolution of any bracket narrower than 1e14. +-inf at u = 1, 0.
        """
        self._require_1d("ppf")
        return _host_eval(u, self._ppf_host, require_probability, "u")

    def _require_1d(self, what):
        if self.dim != 1:
            raise ValueError(f"{what} is defined for 1-D mixtures only; this one has "
                             f"dimension {self.dim}")

    def _cdf_host(self, a):
        return sum(w * to_numpy(c.cdf(a)) for c, w in zip(self.components, self.weights))

    def _ppf_host(self, u):
        qs = np.stack([to_numpy(c.ppf(u)) for c in self.components])
        lo, hi = qs.min(axis=0), qs.max(axis=0)
        inner = np.isfinite(lo) & np.isfinite(hi)
        lo, hi = np.where(inner, lo, 0.0), np.where(inner, hi, 0.0)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            below = self._cdf_host(mid) < u
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return np.where(inner, 0.5 * (lo + hi), np.where(u >= 1, np.inf, -np.inf))

    def _draw(self, n, rng):
        which = rng.choice(len(self.components), size=n, p=self.weights)
        out = np.empty((n,) if self.dim == 1 else (n, self.dim))
        for k, c in enumerate(self.components):
            picked = which == k
            if picked.any():
                out[picked] = c._draw(int(picked.sum()), rng)
        return out


@dataclass(frozen=True)
class LineSegment(_Distribution):
    r"""The law of :math:`(\theta, Z)` in :math:`\mathbb{R}^2`, :math:`Z \sim U[0, 1]`.

    Example 1 of Arjovsky et al. (2017): :math:`P_0` and :math:`P_\theta` are parallel
    vertical segments. These measures have no density with respect to Lebesgue measure
    on the plane; ``pdf`` is the density with respect to counting measure on the first
    coordinate times Lebesgue measure on the second, the reference measure under which
    :math:`P_0` and :math:`P_\theta` are both absolutely continuous: 1 on the segment,
    0 elsewhere.

    Parameters
    ----------
    theta : float
        Horizontal position of the segment, finite.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.LineSegment(0.5).pdf(np.array([[0.5, 0.2], [0.0, 0.2]]))
    array([1., 0.])
    """

    theta: float = 0.0
    dim = 2

    def __post_init__(self):
        object.__setattr__(self, "theta", real_number("theta", self.theta))

    def logpdf(self, x, /):
        """Log density: 0 on the segment ``{theta} x [0, 1]``, ``-inf`` off it."""
        return self._log_density(*_points(x, 2))

    def _log_density(self, xp, x):
        """:meth:`logpdf` of points ``x`` of namespace ``xp`` already checked."""
        on = (x[..., 0] == self.theta) & (x[..., 1] >= 0) & (x[..., 1] <= 1)
        return xp.where(on, xp.zeros_like(x[..., 0]), -math.inf)

    def _draw(self, n, rng):
        return np.stack([np.full(n, self.theta), rng.uniform(0.0, 1.0, n)], axis=1)
