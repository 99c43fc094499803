r"""f-GAN's losses (Nowozin, Cseke and Tomioka, 2016) for the divergences of
:data:`gancore.F_DIVERGENCES`.

The critic's raw output v goes through an output activation :math:`g_f` into the
domain of the conjugate :math:`f^*`, giving the critic :math:`T = g_f(v)`. The critic
maximises, and the generator minimises, the variational bound

.. math:: F = \overline{g_f(v_{real})} - \overline{f^*(g_f(v_{fake}))}
          \ \le\ D_f(P_{data} \| P_g).

Each :math:`f^* \circ g_f` is written in closed form in v, so neither leaves its domain
nor cancels (the table in :func:`f_gan_activation`).
"""

import math

import torch

from .._arrays import one_of, positive_number
from ..f_divergences import F_DIVERGENCES
from ._tensors import tensor

__all__ = ["f_gan_activation", "f_gan_critic_loss", "f_gan_generator_loss", "f_gan_log_ratio"]

_LOG2 = math.log(2.0)


def softplus(x):
    """``log(1 + e^x)`` as ``max(x, 0) + log1p(e^-|x|)``: exact to a few ulps for every x
    (torch's ``softplus`` returns x itself above 20, dropping ``e^-x``, which the
    critic ``g_f`` needs: ``log sigma(v) = -softplus(-v)``)."""
    return torch.clamp(x, min=0.0) + torch.log1p(torch.exp(-x.abs()))

# divergence -> (g_f(v), f*(g_f(v))), both functions of the raw critic output v
_TABLE = {
    "total-variation": (lambda v: 0.5 * torch.tanh(v), lambda v: 0.5 * torch.tanh(v)),
    "kl": (lambda v: v, lambda v: torch.exp(v - 1.0)),
    "reverse-kl": (lambda v: -torch.exp(v), lambda v: -1.0 - v),
    "pearson": (lambda v: v,
                lambda v: torch.where(v >= -2.0, v * v / 4.0 + v, torch.full_like(v, -1.0))),
    "neyman": (lambda v: -torch.expm1(v), lambda v: -2.0 * torch.expm1(v / 2.0)),
    "hellinger": (lambda v: -torch.expm1(v), lambda v: torch.expm1(-v)),
    "jensen-shannon": (lambda v: 0.5 * (_LOG2 - softplus(-v)),
                       lambda v: 0.5 * (softplus(v) - _LOG2)),
    "gan": (lambda v: -softplus(-v), lambda v: softplus(v)),
    # f*(1 - e^v) = (1 - e^{v/2}) (3 - e^{v/2}) for v <= 2 log 2 (t >= -3), else -1
    "triangular": (lambda v: -torch.expm1(v),
                   lambda v: torch.where(v <= 2.0 * _LOG2, -torch.expm1(v / 2.0) * (
                       2.0 - torch.expm1(torch.clamp(v, max=2.0 * _LOG2) / 2.0)),
                       torch.full_like(v, -1.0))),
}


# divergence -> log(p / q) estimated by the critic's raw output v: at the optimum
# T* = f'(p / q) and T = g_f(v), so log(p / q) = log f'^-1(g_f(v)). Total variation has
# none (f' = sign(u - 1) keeps only the ratio's side of 1).
LOG_RATIO = {
    "kl": lambda v: v - 1.0,                            # f' = 1 + log u
    "reverse-kl": lambda v: -v,                         # f' = -1/u, g_f = -e^v
    "pearson": lambda v: torch.where(                   # f' = 2 (u - 1), g_f = v
        v > -2.0, torch.log1p(torch.clamp(v, min=-2.0) / 2.0), -math.inf),
    "neyman": lambda v: -v / 2.0,                       # f' = 1 - 1/u^2, g_f = 1 - e^v
    "hellinger": lambda v: -2.0 * v,                    # f' = 1 - 1/sqrt(u), g_f = 1 - e^v
    "jensen-shannon": lambda v: v,                      # f' = log(2u/(u+1)) / 2
    "gan": lambda v: v,                                 # f' = log(u/(u+1)) = log sigma(v)
    "triangular": lambda v: torch.where(                # f' = 1 - 4/(u+1)^2, g_f = 1 - e^v
        v < 2.0 * _LOG2, torch.log(torch.expm1(_LOG2 - torch.clamp(v, max=2.0 * _LOG2) / 2.0)),
        -math.inf),
}


def f_gan_log_ratio(values, /, *, divergence):
    r"""The critic's estimate of :math:`\log(p/q)` from its raw outputs v: at the optimum
    :math:`T^* = f'(p/q)` and :math:`T = g_f(v)`, so :math:`\log(p/q) = \log
    f'^{-1}(g_f(v))`: :math:`v - 1` (KL), :math:`-v` (reverse KL), :math:`\log(1 + v/2)`
    (Pearson; :math:`-\infty` for :math:`v \le -2`), :math:`-v/2` (Neyman), :math:`-2v`
    (squared Hellinger), v (Jensen-Shannon, GAN) and :math:`\log(2e^{-v/2} - 1)`
    (triangular; :math:`-\infty` for :math:`v \ge 2\log 2`).

    Raises
    ------
    ValueError
        For total variation, whose :math:`f' = \mathrm{sign}(u - 1)` keeps only the
        ratio's side of 1.
    """
    one_of("divergence", divergence, F_DIVERGENCES)
    if divergence not in LOG_RATIO:
        raise ValueError(f"the critic of divergence {divergence!r} estimates no density "
                         "ratio: its f' = sign(u - 1) keeps only the ratio's side of 1")
    return LOG_RATIO[divergence](tensor("values", values))


def f_gan_activation(values, /, *, divergence):
    r"""The critic :math:`T = g_f(v)` from its raw outputs v, inside the domain of f*.

    - ``total-variation``: :math:`g_f = \tfrac12 \tanh v`, :math:`f^*(g_f) = \tfrac12 \tanh v`;
    - ``kl``: :math:`v`, :math:`e^{v - 1}`;
    - ``reverse-kl``: :math:`-e^v`, :math:`-1 - v`;
    - ``pearson``: :math:`v`, :math:`v^2/4 + v` (-1 below v = -2);
    - ``neyman``: :math:`1 - e^v`, :math:`2 - 2e^{v/2}`;
    - ``hellinger``: :math:`1 - e^v`, :math:`e^{-v} - 1`;
    - ``jensen-shannon``: :math:`\tfrac12(\log 2 - \mathrm{softplus}(-v))`,
      :math:`\tfrac12(\mathrm{softplus}(v) - \log 2)`;
    - ``gan``: :math:`-\mathrm{softplus}(-v) = \log \sigma(v)`, :math:`\mathrm{softplus}(v)`;
    - ``triangular``: :math:`1 - e^v`, :math:`(1 - e^{v/2})(3 - e^{v/2})` (-1 above
      :math:`v = 2 \log 2`).

    The activations are the f-GAN paper's, halved for Jensen-Shannon (gancore's f is
    half the paper's); for ``"gan"`` the critic is :math:`\log D` with :math:`D = \sigma(v)`,
    and the f-GAN losses are then the minimax GAN's.

    Parameters
    ----------
    values : torch.Tensor
        The critic's raw outputs v, any shape.
    divergence : str
        One of :data:`gancore.F_DIVERGENCES`.

    Returns
    -------
    torch.Tensor
        :math:`g_f(v)`, of ``values``' shape: in (-1/2, 1/2) for total variation,
        negative for reverse KL and GAN, below 1 for Neyman, Hellinger and triangular, below
        log 2 / 2 for Jensen-Shannon, any real for KL and Pearson.
    """
    return _TABLE[one_of("divergence", divergence, F_DIVERGENCES)][0](tensor("values", values))


def f_gan_critic_loss(real_values, fake_values, /, *, divergence, value_penalty=0.0):
    r"""The critic's loss :math:`-F_\lambda`, minus the bound less a penalty on the
    critic's values, averaged over the last axis (one loss per leading index):

    .. math:: F_\lambda = \overline{g_f(v_{real}) - \tfrac\lambda2 v_{real}^2}
              - \overline{f^*(g_f(v_{fake})) + \tfrac\lambda2 v_{fake}^2}
              \ \le\ F.

    Pointwise in x (at the ratio u = p/q) the critic's best value maximises
    :math:`u\,g_f(v) - f^*(g_f(v)) - \tfrac\lambda2 (u + 1) v^2`, at most
    :math:`f(u) - \tfrac\lambda2 (u + 1) v^2` by Fenchel-Young, so it is a finite v,
    and :math:`\sup_v F_\lambda = D_{f_\lambda}(P \| Q)` with

    .. math:: f_\lambda(u) = \sup_v \big[u\,(g_f(v) - \tfrac\lambda2 v^2)
              - f^*(g_f(v)) - \tfrac\lambda2 v^2\big] \ \le\ f(u),

    convex in u (a supremum of affine functions) and increasing to f as
    :math:`\lambda \to 0`; :math:`f_\lambda(1) \le 0`, with equality where
    :math:`g_f(0) = f'(1)`. Total variation needs the penalty: its
    :math:`T^* = \pm\tfrac12` sits at :math:`v = \pm\infty`, where its critic
    saturates and stops learning; with it, :math:`0 \le TV - D_{f_\lambda} \le
    \min_{V \ge 0} (1 - \tanh V + \lambda V^2)` (0.0136 at :math:`\lambda = 10^{-3}`).

    Parameters
    ----------
    real_values, fake_values : torch.Tensor
        The critic's raw outputs on data and on generated points, shape
        ``(..., batch)``.
    divergence : str
        One of :data:`gancore.F_DIVERGENCES`.
    value_penalty : float or torch.Tensor, optional
        :math:`\lambda \ge 0`, a number or one per leading index (shape ``(...)``);
        0, the default, is the plain bound F.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``; minus the bound F (at :math:`\lambda = 0`), which is at most
        :math:`D_f` in expectation, so the loss is at least :math:`-D_f` and reaches it
        at the optimal critic.
    """
    g, conjugate = _TABLE[one_of("divergence", divergence, F_DIVERGENCES)]
    real, fake = tensor("real_values", real_values), tensor("fake_values", fake_values)
    loss = conjugate(fake).mean(-1) - g(real).mean(-1)
    return loss + _penalty(value_penalty, real, fake)


def f_gan_generator_loss(fake_values, /, *, divergence, value_penalty=0.0):
    r"""The generator's loss: the part of :math:`F_\lambda` that depends on G,
    :math:`-\overline{f^*(g_f(v_{fake})) + \tfrac\lambda2 v_{fake}^2}` (see
    :func:`f_gan_critic_loss`), averaged over the last axis. With the penalty's term the
    generator descends the same :math:`F_\lambda` that the critic ascends, so at the
    critic's optimum its gradient is that of :math:`D_{f_\lambda}`.

    Parameters
    ----------
    fake_values : torch.Tensor
        The critic's raw outputs on generated points, shape ``(..., batch)``.
    divergence : str
        One of :data:`gancore.F_DIVERGENCES`.
    value_penalty : float or torch.Tensor, optional
        :math:`\lambda \ge 0`, as for :func:`f_gan_critic_loss`.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``.
    """
    conjugate = _TABLE[one_of("divergence", divergence, F_DIVERGENCES)][1]
    fake = tensor("fake_values", fake_values)
    return -conjugate(fake).mean(-1) - _penalty(value_penalty, fake)


def _penalty(value_penalty, *values):
    """``lambda / 2`` times the sum of the values' mean squares over the last axis (0
    without computing anything when lambda is 0). A number is checked (finite, >= 0);
    a tensor, one lambda per leading index as the trainer passes, is not (the
    trainer's configs were)."""
    if not torch.is_tensor(value_penalty):
        if positive_number("value_penalty", value_penalty, allow_zero=True) == 0:
            return 0.0
    return 0.5 * value_penalty * sum((v * v).mean(-1) for v in values)
