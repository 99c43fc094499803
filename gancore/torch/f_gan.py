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

from .._arrays import one_of
from ..f_divergences import F_DIVERGENCES
from ._tensors import tensor

__all__ = ["f_gan_activation", "f_gan_critic_loss", "f_gan_generator_loss"]

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
}


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
    - ``gan``: :math:`-\mathrm{softplus}(-v) = \log \sigma(v)`, :math:`\mathrm{softplus}(v)`.

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
        negative for reverse KL and GAN, below 1 for Neyman and Hellinger, below
        log 2 / 2 for Jensen-Shannon, any real for KL and Pearson.
    """
    return _TABLE[one_of("divergence", divergence, F_DIVERGENCES)][0](tensor("values", values))


def f_gan_critic_loss(real_values, fake_values, /, *, divergence):
    r"""The critic's loss :math:`-F = \overline{f^*(g_f(v_{fake}))} - \overline{g_f(v_{real})}`,
    averaged over the last axis (one loss per leading index).

    Parameters
    ----------
    real_values, fake_values : torch.Tensor
        The critic's raw outputs on data and on generated points, shape
        ``(..., batch)``.
    divergence : str
        One of :data:`gancore.F_DIVERGENCES`.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``; minus the bound F, which is at most :math:`D_f` in
        expectation, so the loss is at least :math:`-D_f` and reaches it at the optimal
        critic.
    """
    g, conjugate = _TABLE[one_of("divergence", divergence, F_DIVERGENCES)]
    real, fake = tensor("real_values", real_values), tensor("fake_values", fake_values)
    return conjugate(fake).mean(-1) - g(real).mean(-1)


def f_gan_generator_loss(fake_values, /, *, divergence):
    r"""The generator's loss :math:`-\overline{f^*(g_f(v_{fake}))}` (the part of F that
    depends on G), averaged over the last axis.

    Parameters
    ----------
    fake_values : torch.Tensor
        The critic's raw outputs on generated points, shape ``(..., batch)``.
    divergence : str
        One of :data:`gancore.F_DIVERGENCES`.

    Returns
    -------
    torch.Tensor
        Shape ``(...)``.
    """
    conjugate = _TABLE[one_of("divergence", divergence, F_DIVERGENCES)][1]
    return -conjugate(tensor("fake_values", fake_values)).mean(-1)
