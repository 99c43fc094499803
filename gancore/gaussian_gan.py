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

from ._arrays import (check_seed, float_dtype, one_of, positive_int, positive_number,
                      require_finite, to_float, to_numpy)
from ._elementwise import softplus, softplus_pair
from ._namespaces import namespace
from .distributions import MultivariateNormal, Normal
from .gaussian_game import _moments, gaussian_criterion

__all__ = ["GaussianGANResult", "gaussian_gan_gradients", "train_gaussian_gan"]

LOSSES = ("minimax", "nonsaturating")


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
    center, scale = _standardisation(data, m_true, cov_true, rng)
    scale_inv = np.linalg.inv(scale)
    mean0, a0 = _generator_start(init, m_true, cov_true)

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
    c_x, b_x, w_x = _discriminator_in_data(_host(c), _host(b), _host(w), center, scale_inv)
    return GaussianGANResult(
        mean=mean_x, a=scale @ _host(a), c=c_x, b=b_x, w=w_x,
        averaged_mean=center + scale @ (_host(sum_mean) / (steps - average_from)),
        averaged_cov=scale @ (_host(sum_aat) / (steps - average_from)) @ scale.T,
        history={key: np.array(v) for key, v in hist.items()})


def _standardisation(data, m_true, cov_true, rng):
    """``(center, scale)``: the mean and the Cholesky factor of the covariance of 4096
    samples of ``data`` (of mean ``m_true`` and covariance ``cov_true``), drawn from
    ``rng``, so that ``x = center + scale u`` maps standardised points ``u`` to the
    data's; ``ValueError`` where that covariance is not positive definite and finite."""
    d = m_true.size
    fit = np.atleast_2d(data._draw(4096, rng).reshape(4096, d))
    with np.errstate(all="ignore"):  # (a covariance past the range is refused below)
        center = fit.mean(axis=0)
        spread = np.atleast_2d(np.cov(fit.T))
    try:
        scale = np.linalg.cholesky(spread) if np.isfinite(spread).all() else None
    except np.linalg.LinAlgError:
        scale = None
    if scale is None:
        raise ValueError(
            "data's samples do not resolve its covariance in float64 (mean "
            f"{m_true.tolist()}, variances {np.diag(cov_true).tolist()}): the 4096 that "
            "fix the standardisation have a covariance that is not positive definite and "
            "finite, as where the scale is below the spacing of floats at the mean")
    return center, scale


def _generator_start(init, m_true, cov_true):
    """The generator's start ``(mean, A)`` in data coordinates, as NumPy arrays:
    ``init``, checked, or by default ``m + L 1 * 1.5 / sqrt(d)`` and ``A = L / 2``, with
    ``LL^T = cov_true`` and ``m = m_true``."""
    d = m_true.size
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
    return mean0, a0


def _discriminator_in_data(c, b, w, center, scale_inv):
    """The quadratic discriminator's logit ``c + b.u + u^T W u`` of standardised points
    ``u = S^-1 (x - center)`` (``S^-1 = scale_inv``) as the same function of the data's
    ``x``: ``(c_x, b_x, W_x)``."""
    w_x = scale_inv.T @ w @ scale_inv
    b_x = scale_inv.T @ b - 2.0 * w_x @ center
    c_x = float(c) - b @ scale_inv @ center + center @ w_x @ center
    return c_x, b_x, w_x


def _host(x):
    return np.asarray(to_numpy(x), dtype=np.float64)
