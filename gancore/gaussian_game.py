r"""The GAN game between two Gaussians in closed form: the optimal discriminator and the
virtual criterion.

For :math:`p_{data} = N(m, \Sigma)` and :math:`p_g = N(\mu, S)` the log-odds of
:math:`D^*` are a quadratic in x (:func:`gancore.gaussian_optimal_discriminator`), the
family of discriminators that :mod:`gancore.gaussian_gan` trains, and
:math:`C(G) = -\log 4 + 2\,\mathrm{JSD}` is an integral of the two Gaussians' Chernoff
coefficient along a vertical line through its saddle point
(:func:`gancore.gaussian_criterion`), which keeps its relative precision (within 1e-13
of mpmath) however far apart the Gaussians lie.

References
----------
I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

import math

import numpy as np

from .distributions import MultivariateNormal, Normal

__all__ = ["gaussian_criterion", "gaussian_optimal_discriminator"]


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
