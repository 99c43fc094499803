r"""A GAN on Gaussians with closed-form gradients, trained without autograd.

Generator: :math:`G(z) = \mu + A z`, :math:`z \sim N(0, I_d)`, so
:math:`p_g = N(\mu, AA^T)` (in 1-D, :math:`G(z) = \mu + s z`).
Discriminator: :math:`D(x) = \sigma(q(x))` with the quadratic logit
:math:`q(x) = c + b^T x + x^T W x`, :math:`W` symmetric. The log density ratio of two
Gaussians is such a quadratic, so this family contains :math:`D^*` exactly
(:func:`~gancore.gaussian_optimal_discriminator`).

Minibatch objective (Algorithm 1 of Goodfellow et al., 2014), with
:math:`\ell_i = q(x_i)` on data and :math:`f_j = q(G(z_j))` on generated points:

.. math::  \tilde V = \frac1m\sum_i \log\sigma(\ell_i) + \frac1m\sum_j \log(1 - \sigma(f_j)).

Its gradient in the discriminator's parameters (ascended), with features
:math:`\phi(x) = (1, x, xx^T)`:

.. math::  \nabla \tilde V = \frac1m\sum_i (1 - D(x_i))\,\phi(x_i)
           - \frac1m\sum_j D(G(z_j))\,\phi(G(z_j)).

The generator descends :math:`L_G = \frac1m\sum_j \lambda(f_j)` with
:math:`\lambda(f) = \log(1 - \sigma(f))` (minimax, :math:`\lambda' = -\sigma(f)`) or
:math:`\lambda(f) = -\log\sigma(f)` (non-saturating, :math:`\lambda' = -(1 - \sigma(f))`);
by the chain rule through :math:`\nabla_x q = b + 2Wx`:

.. math::  \nabla_\mu L_G = \frac1m\sum_j \lambda'(f_j)\,(b + 2W G(z_j)), \qquad
           \nabla_A L_G = \frac1m\sum_j \lambda'(f_j)\,(b + 2W G(z_j))\,z_j^T.

Everything is array-API code: it trains on NumPy, CuPy, PyTorch or array_api_strict.
"""

import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from array_api_compat import array_namespace

from ._arrays import (check_seed, float_dtype, namespace, one_of, positive_int,
                      positive_number, require_finite, to_float, to_numpy)
from ._elementwise import softplus, softplus_pair
from .distributions import MultivariateNormal, Normal

__all__ = [
    "GaussianGANResult",
    "gaussian_criterion",
    "gaussian_gan_gradients",
    "gaussian_optimal_discriminator",
    "train_gaussian_gan",
]

LOSSES = ("minimax", "nonsaturating")


def _moments(dist, name):
    """(mean (d,), cov (d, d)) of a Normal or MultivariateNormal, as host float64."""
    if isinstance(dist, Normal):
        return np.array([dist.loc]), np.array([[dist.scale * dist.scale]])  # inf past range
    if isinstance(dist, MultivariateNormal):
        return dist.mean, dist.cov
    raise TypeError(f"{name} must be a gancore Normal or MultivariateNormal; got "
                    f"{type(dist).__name__}")


def _precision(cov, name):
    """The inverse of a covariance; ``ValueError`` naming ``name`` when it, or the
    covariance, is not finite in float64 (a variance that overflowed or underflowed)."""
    try:
        with np.errstate(all="ignore"):  # an inverse past the range is refused below
            inverse = np.linalg.inv(cov)
    except np.linalg.LinAlgError:  # a variance that underflowed to 0
        inverse = None
    if inverse is None or not (np.isfinite(cov).all() and np.isfinite(inverse).all()):
        raise ValueError(f"{name}'s covariance (variances {np.diag(cov).tolist()}) or its "
                         "inverse is past float64's range: the closed form of D* needs "
                         "both finite")
    return inverse


def gaussian_optimal_discriminator(data, gen, /):
    r"""Parameters :math:`(c, b, W)` of :math:`D^* = \sigma(c + b^Tx + x^TWx)` for two Gaussians.

    :math:`\log p_{data} - \log p_g` for :math:`p_{data} = N(m, \Sigma)`,
    :math:`p_g = N(\mu, S)`:
    :math:`W = \tfrac12(S^{-1} - \Sigma^{-1})`, :math:`b = \Sigma^{-1}m - S^{-1}\mu`,
    :math:`c = \tfrac12(\mu^TS^{-1}\mu - m^T\Sigma^{-1}m) + \tfrac12\log(\det S/\det\Sigma)`,
    computed with :math:`\delta = \mu - m` as :math:`b = -S^{-1}\delta - 2Wm` and
    :math:`c = m^TWm + \tfrac12(m + \mu)^TS^{-1}\delta + \tfrac12\log(\det S/\det\Sigma)`,
    which keep their digits for means far from 0 (the difference of squares does not).

    Parameters
    ----------
    data, gen : Normal or MultivariateNormal
        Of one dimension d.

    Returns
    -------
    (float, numpy.ndarray, numpy.ndarray)
        ``c``, ``b`` of shape (d,), ``W`` of shape (d, d); all zero when data = gen
        (D* = 1/2).

    Raises
    ------
    TypeError
        ``data`` or ``gen`` not a Normal or MultivariateNormal.
    ValueError
        Different dimensions; a covariance, or its inverse, past float64's range (a
        scale below about 1e-154 or above 1e154), or means so far out (``m^T Sigma^-1 m``
        above about 1e308), that the closed form is not a float.

    Examples
    --------
    >>> import gancore
    >>> c, b, W = gancore.gaussian_optimal_discriminator(gancore.Normal(1, 1), gancore.Normal(0, 1))
    >>> float(c), b.tolist(), W.tolist()
    (-0.5, [1.0], [[0.0]])
    """
    return _log_odds(*_pair_moments(data, gen))


def _pair_moments(data, gen):
    """``(m, Sigma, mu, S)`` of data and gen (:func:`_moments`), of one dimension."""
    m, sigma = _moments(data, "data")
    mu, s = _moments(gen, "gen")
    if m.shape != mu.shape:
        raise ValueError(f"data and gen must have one dimension; got {m.size} and {mu.size}")
    return m, sigma, mu, s


def _log_odds(m, sigma, mu, s):
    """:func:`gaussian_optimal_discriminator`'s ``(c, b, W)`` from the moments, written
    with the difference of the means, delta = mu - m: b = -S^-1 delta - 2 W m and
    c = m^T W m + (m + mu)^T S^-1 delta / 2 + log(det S / det Sigma) / 2 (the closed form
    expanded). For equal covariances (W = 0) no large terms cancel, as they do in
    mu^T S^-1 mu - m^T Sigma^-1 m for means far from 0 (at 1e8 unit scales apart from 0,
    that difference is off by up to 1)."""
    sigma_inv, s_inv = _precision(sigma, "data"), _precision(s, "gen")
    with np.errstate(all="ignore"):  # a term past the range is refused below
        w = 0.5 * (s_inv - sigma_inv)
        w = 0.5 * (w + w.T)
        shift = s_inv @ (mu - m)
        b = -shift - 2.0 * (w @ m)
        log_det = np.linalg.slogdet(s)[1] - np.linalg.slogdet(sigma)[1]
        c = m @ w @ m + 0.5 * ((m + mu) @ shift) + 0.5 * log_det
    if not (math.isfinite(c) and np.isfinite(b).all() and np.isfinite(w).all()):
        raise ValueError("data and gen give log-odds coefficients past float64's range "
                         "(means or precisions too large: m^T Sigma^-1 m above about "
                         "1e308)")
    return float(c), b, w


def gaussian_criterion(data, gen, /):
    r""":math:`C(G) = E_{p_{data}}[\log D^*] + E_{p_g}[\log(1 - D^*)]` for two Gaussians.

    Equal to :math:`-\log 4 + 2\,\mathrm{JSD}`, in :math:`[-\log 4, 0]`: :math:`-\log 4`
    exactly when data = gen, and towards 0 as they part. With :math:`p = p_{data}`,
    :math:`q = p_g` and the Chernoff coefficient :math:`A(s) = \int p^{1-s} q^s\,dx`
    (a closed form for Gaussians, analytic for :math:`0 < \mathrm{Re}\,s < 1`),

    .. math::

        C(G) = -\frac12 \int_{-\infty}^{\infty}
        \mathrm{Re}\,\frac{A(s)}{s (1 - s) \sin \pi s}\,d\omega,
        \qquad s = c + i\omega,

    for every :math:`c \in (0, 1)`: the inverse of
    :math:`\int e^{st} \log(1 + e^{-t})\,dt = \pi / (s \sin \pi s)`, applied to the
    log-odds under each measure (the derivation is on the Gaussian GAN's theory page).
    It is taken at the saddle point :math:`c^* = \arg\min_c A(c)`, where the integrand
    is a bump of one sign, by the trapezoidal rule, which converges geometrically for an
    integrand analytic in a strip: the step is halved until two steps agree to
    :math:`10^{-8}`, so that the finer one's error is about the square of that. In the
    axes that diagonalise both covariances (data's whitened; gen's
    :math:`N(\delta, \mathrm{diag}\,\lambda)` there),
    :math:`\log A(s) = \sum_i \tfrac{1-s}{2} \log\lambda_i - \tfrac12 \log D_i(s)
    - s(1-s)\delta_i^2 / (2 D_i(s))`, :math:`D_i(s) = \lambda_i + s(1 - \lambda_i)`.

    The result keeps its relative precision in any dimension: for Gaussians of scales
    many orders apart (one a narrow spike on the other), crossed (each narrower along
    some axis), far apart (C(G) down to the smallest float; below it, ``-0.0``), and
    far from the origin (the means enter through their difference). Measured: within
    1e-13 relative of 40-digit mpmath and of 2-D grid sums; where C(G) is far below 1,
    the rounding of :math:`\log A(c^*)` sets the relative error, about
    :math:`\varepsilon |\log A(c^*)|` (data and gen swapped differ by 7e-12 at
    C(G) = 1e-247).
    Cost: an eigendecomposition, a root of :math:`(\log A)'` and a few hundred to a
    few thousand evaluations of :math:`\log A`: 1 to 4 ms for scales within 1e3 of
    each other, 16 ms (1-D) and 37 ms (3-D) for scales 1e30 apart, 56 and 124 ms at
    1e100 (the steps shrink with the saddle's distance to 0 or 1).

    Parameters
    ----------
    data, gen : Normal or MultivariateNormal
        Of one dimension d.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        ``data`` or ``gen`` not a Normal or MultivariateNormal.
    ValueError
        Different dimensions; a covariance, or its inverse, past float64's range (a
        scale below about 1e-154 or above 1e154); or two covariances too far apart in
        shape or size for float64 (gen's variances in the axes where data's covariance
        is the identity, not all positive and finite there).

    Examples
    --------
    >>> import gancore
    >>> round(gancore.gaussian_criterion(gancore.Normal(0, 1), gancore.Normal(0, 1)), 10)
    -1.3862943611
    >>> round(gancore.gaussian_criterion(gancore.Normal(0, 1), gancore.Normal(1, 2)), 10)
    -1.129944415
    """
    delta, lam = _shared_axes(*_pair_moments(data, gen))
    c = _saddle(delta, lam)
    log_peak = float(_log_chernoff(c, delta, lam).real)
    if log_peak < -800.0:  # |C(G)| <= A(c) int |kernel| < exp(-800) / min(c, 1 - c)^2,
        # with min(c, 1 - c) >= 1e-3: below the smallest float
        return -0.0
    # The integrand is analytic for |Im omega| < min(c, 1 - c) (the poles at s = 0, 1),
    # where |A| grows by at most exp(kappa eta^2 / 2), kappa = (log A)''(c) (log A is
    # convex in c): the trapezoidal rule's error is then about
    # exp(kappa eta^2 / 2 - 2 pi eta / h), which this step puts below exp(-45); the
    # kernel is below exp(-pi |omega|) / omega^2 past omega = 14 (exp(-44)).
    eta = 0.8 * min(c, 1.0 - c)
    step = 1e-6 * min(c, 1.0 - c)
    kappa = max((_log_chernoff_slope(c + step, delta, lam)
                 - _log_chernoff_slope(c - step, delta, lam)) / (2 * step), 0.0)
    h = 2 * math.pi * eta / (45.0 + 2 * math.log(1 / eta) + kappa * eta**2 / 2)

    def bump(omega):  # the integrand, over A(c) (far out it underflows to 0)
        s = c + 1j * omega
        with np.errstate(under="ignore"):
            return (np.exp(_log_chernoff(s, delta, lam) - log_peak)
                    / (s * (1.0 - s) * np.sin(np.pi * s))).real

    # the integrand is even in omega: h (g(0) + 2 sum_{k >= 1} g(k h)) over the line, to
    # the first node past 14; each halving adds the nodes midway between the last ones
    nodes = math.ceil(14.0 / h)
    first = bump(np.arange(nodes + 1) * h)
    coarse = h * (2.0 * np.sum(first) - first[0])
    for _ in range(8):
        nodes, h = 2 * nodes, h / 2
        fine = 0.5 * coarse + 2.0 * h * np.sum(bump(np.arange(1, nodes, 2) * h))
        if abs(fine - coarse) <= 1e-8 * abs(fine):
            return -0.5 * math.exp(log_peak + math.log(fine))
        coarse = fine
    raise RuntimeError("gaussian_criterion's trapezoidal rule did not converge; please "
                       "report these Gaussians")


def _shared_axes(m, sigma, mu, s):
    """``(delta, lambda)``: gen as :math:`N(\\delta, \\mathrm{diag}\\,\\lambda)` in the
    axes where data is :math:`N(0, I)` and gen's covariance is diagonal (data whitened
    by its Cholesky factor, then rotated onto the eigenvectors of gen's whitened
    covariance). The Chernoff coefficient, and so C(G), does not change under this
    affine map. The means' difference is taken first, so offsets cancel exactly."""
    _precision(sigma, "data"), _precision(s, "gen")  # (both finite, as D*'s closed form)
    factor = np.linalg.cholesky(sigma)
    with np.errstate(all="ignore"):  # (past the range: -0.0 below, or refused)
        shift = np.linalg.solve(factor, mu - m)
        whitened = np.linalg.solve(factor, np.linalg.solve(factor, s).T)
        lam, axes = np.linalg.eigh(0.5 * (whitened + whitened.T))
        delta = axes.T @ shift
    if not (np.isfinite(lam).all() and (lam > 0).all() and np.isfinite(axes).all()):
        raise ValueError("gen's covariance, in the axes where data's is the identity, "
                         f"has variances {lam.tolist()}, not all positive and finite: "
                         "the two covariances are too far apart in shape or size for "
                         "float64")
    # a mean difference past the range: the Gaussians lie further apart than any scale,
    # so C(G) is -0.0 (an infinite delta makes log A -inf at the saddle)
    return np.where(np.isnan(delta), np.inf, delta), lam


def _log_chernoff(s, delta, lam):
    """:math:`\\log A(s) = \\log \\int p^{1-s} q^s\\,dx` for p = N(0, I), q = N(delta,
    diag(lam)), at the real or complex ``s`` (an array, over its last axis the
    dimensions): :math:`\\sum_i \\tfrac{1-s}{2}\\log\\lambda_i - \\tfrac12\\log D_i
    - s(1 - s)\\delta_i^2/(2 D_i)`, :math:`D_i = \\lambda_i + s(1 - \\lambda_i)`, whose
    real part is positive for :math:`0 < \\mathrm{Re}\\,s < 1` (so the principal
    logarithm is continuous there). 0 at s = 0 and s = 1."""
    s = np.asarray(s)[..., None]
    spread = lam + s * (1.0 - lam)
    with np.errstate(over="ignore", invalid="ignore"):  # (an infinite delta: -inf)
        far = np.where(np.isinf(delta), -np.inf, -s * (1.0 - s) * delta**2 / (2 * spread))
    return np.sum((1.0 - s) / 2 * np.log(lam) - 0.5 * np.log(spread) + far, axis=-1)


def _log_chernoff_slope(c, delta, lam):
    """The derivative of :func:`_log_chernoff` at a real ``c`` in (0, 1) (increasing:
    log A is convex), from -KL(data || gen) at 0 to KL(gen || data) at 1."""
    spread = lam + c * (1.0 - lam)
    with np.errstate(over="ignore", invalid="ignore"):
        terms = (-0.5 * np.log(lam) - (1.0 - lam) / (2 * spread)
                 - (1.0 - 2 * c) * delta**2 / (2 * spread)
                 + c * (1.0 - c) * delta**2 * (1.0 - lam) / (2 * spread**2))
    return float(np.sum(terms))


def _saddle(delta, lam):
    """The minimiser of log A over [1e-3, 1 - 1e-3] (1/2 where data = gen, where A is
    1): where :func:`gaussian_criterion`'s integrand is a bump of one sign. Kept 1e-3
    from the poles at 0 and 1 (the minimiser, about 1 / (2 |log lambda|) from them for
    scales far apart, comes that near only for scales 1e100 apart), so that the
    trapezoidal steps stay above about 1e-4."""
    from scipy import optimize

    low, high = 1e-3, 1.0 - 1e-3
    middle = _log_chernoff_slope(0.5, delta, lam)
    if middle == 0.0 or not math.isfinite(middle):  # (data = gen, or apart past the
        return 0.5  # range, where log A is -inf for every c)
    end = high if middle < 0 else low
    if (_log_chernoff_slope(end, delta, lam) < 0) == (middle < 0):
        return end
    a, b = (0.5, end) if middle < 0 else (end, 0.5)
    return optimize.brentq(_log_chernoff_slope, a, b, args=(delta, lam), xtol=1e-12)


def _logits(x, c, b, w, *, xp):
    return c + x @ b + xp.sum((x @ w) * x, axis=-1)


def gaussian_gan_gradients(x_real, z, mean, a, c, b, w, /, *, loss="minimax"):
    r"""Minibatch value and hand-derived gradients of the Gaussian GAN.

    The formulas are derived in :mod:`gancore.gaussian_gan`.

    Parameters
    ----------
    x_real : array, shape (m, d)
        Data minibatch.
    z : array, shape (n, d)
        Latent minibatch, :math:`z \sim N(0, I)`.
    mean, a : arrays, shapes (d,), (d, d)
        Generator :math:`G(z) = \mu + Az`.
    c, b, w : arrays, shapes (), (d,), (d, d)
        Discriminator logit :math:`c + b^Tx + x^TWx`, ``w`` symmetric.
    loss : {"minimax", "nonsaturating"}
        The generator's loss.

    Returns
    -------
    dict
        ``value``: :math:`\tilde V`; ``c``, ``b``, ``w``: :math:`\nabla\tilde V` in the
        discriminator's parameters (to ascend; ``w`` symmetric); ``mean``, ``a``:
        :math:`\nabla L_G` in the generator's (to descend); ``generator_loss``:
        :math:`L_G`. All in the inputs' namespace. Cost: O((m + n) d^2).

    Raises
    ------
    TypeError
        Arguments that are not arrays of real floating numbers, or of two namespaces.
    ValueError
        Shapes other than those above, NaN or infinity, an unknown ``loss``; finite
        arguments whose value or gradients overflow the dtype (their logits, the
        logits' sums, or their products with the points, pass its range), named
        without a warning.
    """
    one_of("loss", loss, LOSSES)
    names = ("x_real", "z", "mean", "a", "c", "b", "w")
    xp, given = namespace(**dict(zip(names, (x_real, z, mean, a, c, b, w))))
    dtype = float_dtype(xp, *given.items())
    d = given["mean"].shape[0] if given["mean"].ndim == 1 else None
    shapes = {"x_real": ("m", d), "z": ("n", d), "mean": (d,), "a": (d, d), "c": (),
              "b": (d,), "w": (d, d)}
    for name, want in shapes.items():
        got = tuple(given[name].shape)
        if d is None or len(got) != len(want) or any(
                isinstance(k, int) and g != k for g, k in zip(got, want)) or 0 in got:
            spelled = "(" + ", ".join(str(k) for k in want) + ("," if len(want) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {spelled} (d = len(mean)); got {got}")
        require_finite(xp, name, given[name])
    with np.errstate(all="ignore"):  # (NumPy's overflow is named below instead)
        out = _gradients(*(xp.astype(given[k], dtype) for k in names), loss=loss, xp=xp)
        # one device read where all is finite: x * 0 is 0 where x is finite, else NaN
        probe = to_float(sum(xp.sum(x * 0.0) for x in out.values()))
    if not math.isfinite(probe):
        past = [key for key, x in out.items() if not bool(xp.all(xp.isfinite(x)))]
        raise ValueError(
            f"the Gaussian GAN's {', '.join(past)} overflow {dtype} at these arguments "
            "(the logits c + b^T x + x^T W x at x_real and at mean + A z, their sums, or "
            "their products with the points pass its range); rescale the data or the "
            "parameters")
    return out


def _gradients(x_real, z, mean, a, c, b, w, *, loss, xp):
    """:func:`gaussian_gan_gradients` without its checks (the training loop's kernel)."""
    fake = mean + z @ xp.matrix_transpose(a)
    l_real, l_fake = _logits(x_real, c, b, w, xp=xp), _logits(fake, c, b, w, xp=xp)
    # -log D = softplus(-l), -log(1 - D) = softplus(l) and D = exp(-softplus(-l))
    minus_log_d_real = softplus(-l_real, xp=xp)
    minus_log_d_fake, minus_log_1m_d_fake = softplus_pair(l_fake, xp=xp)
    d_real, d_fake = xp.exp(-minus_log_d_real), xp.exp(-minus_log_d_fake)
    m, n = x_real.shape[0], z.shape[0]
    value = -xp.sum(minus_log_d_real) / m - xp.sum(minus_log_1m_d_fake) / n
    coef_real, coef_fake = (1.0 - d_real) / m, -d_fake / n
    grad_c = xp.sum(coef_real) + xp.sum(coef_fake)
    grad_b = coef_real @ x_real + coef_fake @ fake
    grad_w = (xp.matrix_transpose(x_real * coef_real[:, None]) @ x_real
              + xp.matrix_transpose(fake * coef_fake[:, None]) @ fake)
    if loss == "minimax":
        dloss = -d_fake
        gen_loss = -xp.sum(minus_log_1m_d_fake) / n
    else:
        dloss = -(1.0 - d_fake)
        gen_loss = xp.sum(minus_log_d_fake) / n
    grad_x = dloss[:, None] * (b + 2.0 * fake @ w) / n
    return {"value": value, "c": grad_c, "b": grad_b, "w": grad_w,
            "mean": xp.sum(grad_x, axis=0), "a": xp.matrix_transpose(grad_x) @ z,
            "generator_loss": gen_loss}


@dataclass
class GaussianGANResult:
    """What :func:`train_gaussian_gan` returns (host NumPy arrays, data coordinates).

    Attributes
    ----------
    mean, a : numpy.ndarray
        Final generator parameters; ``averaged_mean``, ``averaged_cov``: those of the
        generator averaged over the last quarter of training (its mean and the mean of
        :math:`AA^T`), the usual remedy for the oscillation of GAN training.
    c, b, w : numpy.ndarray
        Final discriminator parameters.
    history : dict of numpy.ndarray
        Every ``record_every`` steps: ``step``, ``mean``, ``cov`` (of the generator),
        ``value`` (minibatch V), ``criterion`` (exact C(G) of the current generator).
    """

    mean: np.ndarray
    a: np.ndarray
    c: float
    b: np.ndarray
    w: np.ndarray
    averaged_mean: np.ndarray
    averaged_cov: np.ndarray
    history: dict = field(default_factory=dict)


def _as_dist(mean, cov):
    return (Normal(float(mean[0]), math.sqrt(cov[0, 0])) if mean.size == 1
            else MultivariateNormal(mean, 0.5 * (cov + cov.T)))


def train_gaussian_gan(data, /, *, loss="minimax", steps=2000, k=5, lr_d=0.1, lr_g=0.02,
                       batch=256, update="alternating", seed=0, init=None, xp=None,
                       record_every=50):
    r"""Train the Gaussian GAN on samples of ``data`` with the hand-derived gradients.

    Each step draws fresh minibatches and takes ``k`` discriminator ascent steps of
    size ``lr_d`` on :math:`\tilde V`, then one generator descent step of size ``lr_g``
    on its loss (``update="alternating"``); or, with ``update="simultaneous"``, the
    generator steps from the same parameters as the discriminator's first step.

    Coordinates: the data are standardised by the mean and covariance of 4096 data
    samples (a fixed affine map, fitted once), training runs there, and the results
    are mapped back, so step sizes do not depend on the data's location or scale.

    Parameters
    ----------
    data : Normal or MultivariateNormal
        The target; its dimension d fixes the model's.
    loss : {"minimax", "nonsaturating"}
    steps : int
        Generator steps.
    k : int
        Discriminator steps per generator step (the paper's k), >= 1.
    lr_d, lr_g : float
        Step sizes (in standardised coordinates).
    batch : int
        Minibatch size m for data and latent samples.
    update : {"alternating", "simultaneous"}
    seed : int
        Seeds every draw (data, latents, the fit of the standardisation).
    init : (mean, A), optional
        Generator start in data coordinates; default: 1.5 Mahalanobis units from the
        data mean, ``m + L 1 * 1.5 / sqrt(d)``, with ``A = L / 2``, where ``LL^T`` is the
        data covariance (1.5 standard deviations off, half as wide, in 1-D).
    xp : namespace, optional
        Where to train (NumPy by default; CuPy, torch, array_api_strict). Minibatches
        are drawn on the host with NumPy and moved there once per block of steps.
    record_every : int
        Steps between history records (each computes C(G) on the host).

    Raises
    ------
    TypeError, ValueError
        Bad arguments, each named; ``data`` whose samples do not resolve its covariance
        in float64 (a scale below the spacing of floats at its mean, such as
        ``Normal(1e17, 1)``); training that diverges past float64's range (learning
        rates far too large), named at the first record after it, with the step.

    Returns
    -------
    GaussianGANResult
    """
    one_of("loss", loss, LOSSES)
    one_of("update", update, ("alternating", "simultaneous"))
    for name, v in (("steps", steps), ("k", k), ("batch", batch),
                    ("record_every", record_every)):
        positive_int(name, v)
    for name, v in (("lr_d", lr_d), ("lr_g", lr_g)):
        positive_number(name, v)
    m_true, cov_true = _moments(data, "data")
    d = m_true.size
    rng = np.random.default_rng(check_seed(seed))
    fit = np.atleast_2d(data._draw(4096, rng).reshape(4096, d))
    with np.errstate(all="ignore"):  # (a covariance past the range is refused below)
        center = fit.mean(axis=0)
        spread = np.atleast_2d(np.cov(fit.T))
    try:
        scale = np.linalg.cholesky(spread) if np.isfinite(spread).all() else None
    except np.linalg.LinAlgError:
        scale = None
    if scale is None:  # x = center + scale u, for the standardised u
        raise ValueError(
            "data's samples do not resolve its covariance in float64 (mean "
            f"{m_true.tolist()}, variances {np.diag(cov_true).tolist()}): the 4096 that "
            "fix the standardisation have a covariance that is not positive definite and "
            "finite, as where the scale is below the spacing of floats at the mean")
    scale_inv = np.linalg.inv(scale)
    if init is None:
        chol = np.linalg.cholesky(cov_true)
        init = (m_true + chol @ np.full(d, 1.5 / math.sqrt(d)), 0.5 * chol)
    if not isinstance(init, (tuple, list)) or len(init) != 2:
        raise TypeError(f"init must be a pair (mean, A); got {init!r}")
    mean0 = np.atleast_1d(to_numpy(namespace(init_mean=init[0])[1]["init_mean"]))
    a0 = np.atleast_2d(to_numpy(namespace(init_a=init[1])[1]["init_a"]))
    if mean0.shape != (d,) or a0.shape != (d, d) or not (
            np.isfinite(mean0).all() and np.isfinite(a0).all()):
        raise ValueError(f"init must be finite: (mean of shape ({d},), A of shape ({d}, {d}))")

    ns = array_namespace(np.empty(0)) if xp is None else array_namespace(xp.asarray(0.0))
    grad = partial(_gradients, loss=loss, xp=ns)

    def put(a):
        return ns.asarray(np.asarray(a, dtype=np.float64), dtype=ns.float64)

    mean, a = put(scale_inv @ (mean0 - center)), put(scale_inv @ a0)
    c, b, w = put(0.0), put(np.zeros(d)), put(np.zeros((d, d)))
    hist = {"step": [], "mean": [], "cov": [], "value": [], "criterion": []}
    # running sums of mean and A A^T over the last quarter, kept where training runs
    # (no host copy per step); averaging commutes with the affine map back to the data
    average_from = steps - max(1, steps // 4)
    sum_mean, sum_aat = put(np.zeros(d)), put(np.zeros((d, d)))

    def to_data(mean_u, a_u):
        a_x = scale @ np.asarray(a_u)
        return center + scale @ np.asarray(mean_u), a_x @ a_x.T

    # steps past float64 (too large a learning rate) overflow quietly, and are named at
    # the next record (every record, and the last step, checks what it copies)
    with np.errstate(over="ignore", invalid="ignore"):
        block = max(1, min(steps, 100))
        for start in range(0, steps, block):
            n_steps = min(block, steps - start)
            real = put(((data._draw(n_steps * k * batch, rng).reshape(-1, d) - center)
                        @ scale_inv.T).reshape((n_steps, k, batch, d)))
            noise = put(rng.standard_normal((n_steps, k + 1, batch, d)))
            for t in range(n_steps):
                step = start + t
                g_first = None
                for j in range(k):
                    g = grad(real[t, j, ...], noise[t, j, ...], mean, a, c, b, w)
                    g_first = g if g_first is None else g_first
                    c, b, w = c + lr_d * g["c"], b + lr_d * g["b"], w + lr_d * g["w"]
                if update == "alternating":
                    g = grad(real[t, k - 1, ...], noise[t, k, ...], mean, a, c, b, w)
                else:
                    g = g_first
                mean, a = mean - lr_g * g["mean"], a - lr_g * g["a"]
                if step >= average_from:
                    sum_mean = sum_mean + mean
                    sum_aat = sum_aat + a @ ns.matrix_transpose(a)
                if step % record_every == 0 or step == steps - 1:
                    mean_x, cov_x = to_data(_host(mean), _host(a))
                    value = float(_host(g["value"]))
                    if not (np.isfinite(mean_x).all() and np.isfinite(cov_x).all()
                            and math.isfinite(value)):
                        raise ValueError(
                            f"training diverged: by step {step} the generator's mean or "
                            "covariance, or the value, left float64's range (lr_d = "
                            f"{lr_d}, lr_g = {lr_g}); take smaller steps")
                    hist["step"].append(step)
                    hist["mean"].append(mean_x)
                    hist["cov"].append(cov_x)
                    hist["value"].append(value)
                    hist["criterion"].append(
                        gaussian_criterion(data, _as_dist(mean_x, cov_x)))
    mean_x, cov_x = to_data(_host(mean), _host(a))
    # D in data coordinates: q(x) = q_u(S^-1 (x - center))
    w_u, b_u, c_u = _host(w), _host(b), float(_host(c))
    w_x = scale_inv.T @ w_u @ scale_inv
    b_x = scale_inv.T @ b_u - 2.0 * w_x @ center
    c_x = c_u - b_u @ scale_inv @ center + center @ w_x @ center
    return GaussianGANResult(
        mean=mean_x, a=scale @ _host(a), c=c_x, b=b_x, w=w_x,
        averaged_mean=center + scale @ (_host(sum_mean) / (steps - average_from)),
        averaged_cov=scale @ (_host(sum_aat) / (steps - average_from)) @ scale.T,
        history={key: np.array(v) for key, v in hist.items()})


def _host(x):
    return np.asarray(to_numpy(x), dtype=np.float64)
