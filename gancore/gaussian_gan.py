r"""A GAN on Gaussians with closed-form gradients, trained without autograd.

Generator: :math:`G(z) = \mu + A z`, :math:`z \sim N(0, I_d)`, so
:math:`p_g = N(\mu, AA^T)` (in 1-D, :math:`G(z) = \mu + s z`).
Discriminator: :math:`D(x) = \sigma(q(x))` with the quadratic logit
:math:`q(x) = c + b^T x + x^T W x`, :math:`W` symmetric. The log density ratio of two
Gaussians is such a quadratic, so this family contains :math:`D^*` exactly
(:func:`gaussian_optimal_discriminator`).

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

from ._arrays import (check_seed, float_dtype, namespace, one_of, positive_int, positive_number,
                      require_finite, softplus, softplus_pair, to_float, to_numpy)
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


# multiples of a scale about a mean, as break points of gaussian_criterion's quadrature
_STEPS = (-40, -20, -10, -5, -2, -1, 0, 1, 2, 5, 10, 20, 40)


def gaussian_criterion(data, gen, /, *, nodes=64):
    r""":math:`C(G) = E_{p_{data}}[\log D^*] + E_{p_g}[\log(1 - D^*)]` for two Gaussians.

    Computed from the log-odds :math:`\ell` of :func:`gaussian_optimal_discriminator`
    as :math:`-E_{p_{data}}[\mathrm{softplus}(-\ell)] - E_{p_g}[\mathrm{softplus}(\ell)]`,
    each expectation about its own Gaussian's mean (where :math:`\ell` has no large terms
    to cancel), so that moving both Gaussians by one offset leaves C(G) as it is.
    In 1-D both expectations are adaptive quadratures (``scipy.integrate.quad``) of
    :math:`\ell` as the difference of the two log densities, split where :math:`\ell`
    changes sign and at the other Gaussian's mean and its scales out to 40 (where one
    Gaussian is much narrower, the integrand lives on its scale); in d = 2 or 3 they
    are tensor-product Gauss-Hermite rules with ``nodes`` points per dimension, accurate
    to about 1e-6 while the two Gaussians' scales differ by less than 2x (D* then varies
    smoothly on each Gaussian's scale). Equal to :math:`-\log 4 + 2\,\mathrm{JSD}`, in
    :math:`[-\log 4, 0]`: :math:`-\log 4` exactly when data = gen.

    Parameters
    ----------
    data, gen : Normal or MultivariateNormal
        Of one dimension d <= 3.
    nodes : int
        Gauss-Hermite points per dimension (d >= 2).

    Returns
    -------
    float

    Examples
    --------
    >>> import gancore
    >>> round(gancore.gaussian_criterion(gancore.Normal(0, 1), gancore.Normal(0, 1)), 10)
    -1.3862943611
    """
    positive_int("nodes", nodes)
    m, sigma, mu, s = _pair_moments(data, gen)
    d = m.size
    if d > 3:
        raise ValueError(f"gaussian_criterion takes dimension <= 3; got {d}")
    # Each expectation is taken in its own Gaussian's frame, centred on its mean, where
    # the log-odds are evaluated near 0 (far from 0, c + b^T x + x^T W x cancels): the
    # means of data and gen there, the sign of the softplus, the own covariance
    frames = [(np.zeros(d), mu - m, -1.0, sigma), (m - mu, np.zeros(d), 1.0, s)]
    total = 0.0
    if d == 1:
        from scipy import integrate

        for m0, mu0, sign, cov in frames:
            c, b, w = _log_odds(m0, sigma, mu0, s)
            scale = math.sqrt(cov[0, 0])
            lo, hi = -40 * scale, 40 * scale
            roots = np.roots([w[0, 0], b[0], c]) if (w[0, 0] or b[0]) else np.array([])
            cuts = sorted(float(r.real) for r in np.atleast_1d(roots)
                          if abs(r.imag) < 1e-12 and lo < r.real < hi)
            # the log-odds as the difference of the two log densities, each of its own
            # standardised distance: c + b t + W t^2 cancels where the other Gaussian
            # lies many of this one's scales out (scales 1e15 apart gave C(G) = -9e5)
            data0 = Normal(float(m0[0]), math.sqrt(sigma[0, 0]))
            gen0 = Normal(float(mu0[0]), math.sqrt(s[0, 0]))

            def integrand(t, data0=data0, gen0=gen0, sign=sign):
                t = np.array(t)  # (quad's own finite floats, unchecked)
                log_data, log_gen = data0._log_density(np, t), gen0._log_density(np, t)
                return (float(np.exp(log_data if sign < 0 else log_gen))
                        * np.logaddexp(0.0, sign * (log_data - log_gen)))

            # break points: the mean, the roots, and the other Gaussian's mean and its
            # scales out to 40, so that where the integrand lives on the other's (much
            # smaller) scale, quad's pieces are of that scale (one piece from a root
            # out to 40 scales missed the tail past the root: 1% of C(G) for scales 1e3
            # apart, with an error estimate of 4e-16)
            other = gen0 if sign < 0 else data0
            near = [t for t in (other.loc + k * other.scale for k in _STEPS) if lo < t < hi]
            points = []  # break points closer than 1e-9 scales would make quad warn of
            for t in sorted(cuts + near + [0.0]):  # bad behaviour there, and add nothing
                if not points or t - points[-1] > 1e-9 * scale:
                    points.append(t)
            total -= integrate.quad(integrand, lo, hi, points=points, limit=400,
                                    epsabs=1e-14, epsrel=1e-12)[0]
        return float(total)
    x1, w1 = np.polynomial.hermite_e.hermegauss(nodes)
    grid = np.stack(np.meshgrid(*[x1] * d, indexing="ij"), axis=-1).reshape(-1, d)
    weight = np.prod(np.stack(np.meshgrid(*[w1 / w1.sum()] * d, indexing="ij"),
                              axis=-1).reshape(-1, d), axis=1)
    for m0, mu0, sign, cov in frames:
        c, b, w = _log_odds(m0, sigma, mu0, s)
        x = grid @ np.linalg.cholesky(cov).T
        logit = c + x @ b + np.einsum("ni,ij,nj->n", x, w, x)
        total -= weight @ np.logaddexp(0.0, sign * logit)
    return float(total)


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
    center = fit.mean(axis=0)
    scale = np.linalg.cholesky(np.atleast_2d(np.cov(fit.T)))  # x = center + scale u
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
                hist["step"].append(step)
                hist["mean"].append(mean_x)
                hist["cov"].append(cov_x)
                hist["value"].append(float(_host(g["value"])))
                hist["criterion"].append(gaussian_criterion(data, _as_dist(mean_x, cov_x)))
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
