r"""The four classic GAN objectives and their penalties, as PyTorch losses.

Every loss is to be *minimised* by the player it names. Logits ``l`` are the
discriminator's pre-sigmoid outputs, :math:`D = \sigma(l)`, so that
:math:`\log D = -\mathrm{softplus}(-l)` and :math:`\log(1 - D) = -\mathrm{softplus}(l)`
are computed without forming D (no log 0, no saturation in float32).

Each loss averages over the last axis, the batch; leading axes (the members of a
population) are kept, so that one call gives every member's loss.

References
----------
Goodfellow et al. (2014), Generative adversarial nets. Arjovsky, Chintala, Bottou (2017),
Wasserstein GAN. Gulrajani et al. (2017), Improved training of Wasserstein GANs.
Mescheder, Geiger, Nowozin (2018), Which training methods for GANs do actually converge?
"""

import torch
from torch.nn.functional import softplus

from .._arrays import positive_number
from . import _tensors
from ._tensors import function, tensor

__all__ = [
    "clip_weights",
    "critic_loss",
    "discriminator_loss",
    "gradient_norm_penalty",
    "gradient_penalty",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "r1_penalty",
    "wasserstein_generator_loss",
]


def discriminator_loss(real_logits, fake_logits):
    r"""The GAN discriminator's loss, minus the minibatch value :math:`\tilde V`.

    .. math::  -\frac1m\sum_i \log D(x_i) - \frac1m\sum_j \log(1 - D(G(z_j)))
               = \overline{\mathrm{softplus}(-l_{real})} + \overline{\mathrm{softplus}(l_{fake})}.

    Its minimum over D, pointwise, is at :math:`D^* = p_{data} / (p_{data} + p_g)`
    (Proposition 1). Returns a value in :math:`[0, \infty)`; ``2 log 2`` when every
    logit is 0 (D = 1/2).
    """
    tensor("real_logits", real_logits), tensor("fake_logits", fake_logits)
    return softplus(-real_logits).mean(-1) + softplus(fake_logits).mean(-1)


def minimax_generator_loss(fake_logits):
    r"""The minimax generator's loss :math:`\frac1m\sum_j \log(1 - D(G(z_j)))
    = -\overline{\mathrm{softplus}(l_{fake})}` (Algorithm 1), in :math:`(-\infty, 0]`.

    It saturates: when D rejects the samples (:math:`l \to -\infty`) its gradient
    :math:`-\sigma(l)` vanishes.
    """
    return -softplus(tensor("fake_logits", fake_logits)).mean(-1)


def nonsaturating_generator_loss(fake_logits):
    r"""The non-saturating generator's loss :math:`-\frac1m\sum_j \log D(G(z_j))
    = \overline{\mathrm{softplus}(-l_{fake})}`, in :math:`[0, \infty)`.

    Same fixed point as the minimax loss; its gradient :math:`-(1 - \sigma(l))` stays
    near -1 exactly where the minimax loss saturates.
    """
    return softplus(-tensor("fake_logits", fake_logits)).mean(-1)


def critic_loss(real_values, fake_values):
    r"""The Wasserstein critic's loss :math:`\frac1m\sum_j f(G(z_j)) - \frac1m\sum_i f(x_i)`.

    Minus the Kantorovich-Rubinstein objective: over 1-Lipschitz f its minimum is
    :math:`-W(P_{data}, P_g)`.
    """
    tensor("real_values", real_values), tensor("fake_values", fake_values)
    return fake_values.mean(-1) - real_values.mean(-1)


def wasserstein_generator_loss(fake_values):
    r"""The Wasserstein generator's loss :math:`-\frac1m\sum_j f(G(z_j))`."""
    return -tensor("fake_values", fake_values).mean(-1)


def _input_gradients(values, x):
    """Per-sample gradients of ``values`` (each computed from its own row of ``x``, a
    tensor that requires grad) with respect to ``x``, one flattened row per row of
    ``x``, kept in the graph. Summing over the batch before differentiating is exact:
    each value depends on its own row of ``x`` alone."""
    (grad,) = torch.autograd.grad(values.sum(), x, create_graph=True)
    return grad.flatten(1)


def gradient_norm_penalty(grads, weight, /, *, target=1.0):
    r"""The penalty :math:`w\,rac1m\sum_i (\|g_i\|_2 - t)^2` on per-sample gradients.

    WGAN-GP's penalty is ``gradient_norm_penalty(grads, lam)`` at the interpolates
    (:func:`gradient_penalty`); R1 is ``gradient_norm_penalty(grads, gamma / 2,
    target=0)`` at the data (:func:`r1_penalty`), where the squared norm is summed
    directly (no square root, whose gradient is undefined at 0).

    Parameters
    ----------
    grads : torch.Tensor, shape (..., m, k)
        One gradient of k numbers per sample; leading axes (a population's members)
        are kept.
    weight : float or torch.Tensor
        w; a tensor broadcasts against the leading axes (one weight per member).
    target : float
        t: 1 for WGAN-GP, 0 for R1.

    Returns
    -------
    torch.Tensor, shape (...)
        0 exactly when every gradient's norm is t.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import gradient_norm_penalty
    >>> grads = torch.tensor([[3.0, 4.0], [0.0, 1.0]])   # norms 5 and 1
    >>> float(gradient_norm_penalty(grads, 10.0)), float(gradient_norm_penalty(grads, 1.0, target=0))
    (80.0, 13.0)
    """
    tensor("grads", grads, min_ndim=2)
    if isinstance(weight, torch.Tensor):
        tensor("weight", weight)
    else:
        positive_number("weight", weight, allow_zero=True)
    if target == 0:
        return weight * (grads ** 2).sum(-1).mean(-1)
    target = positive_number("target", target)
    return weight * ((torch.linalg.vector_norm(grads, dim=-1) - target) ** 2).mean(-1)


def gradient_penalty(critic, real, fake, /, *, lam=10.0, generator=None):
    r"""The WGAN-GP penalty :math:`\lambda\,\frac1m\sum_i (\|\nabla f(\hat x_i)\|_2 - 1)^2`.

    :math:`\hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i` with one
    :math:`\epsilon_i \sim U[0, 1]` *per sample* (shared by that sample's
    coordinates), and the norm taken *per sample* over all of its coordinates.
    The sum over the batch before differentiating is exact because sample i's output
    depends on sample i's input alone.

    Parameters
    ----------
    critic : callable
        Maps ``(m, ...)`` to ``(m,)``.
    real, fake : torch.Tensor
        Same shape ``(m, ...)``; ``fake`` is detached here.
    lam : float
        :math:`\lambda` (10 in Gulrajani et al., 2017).
    generator : torch.Generator, optional
        Source of the :math:`\epsilon_i`.

    Returns
    -------
    torch.Tensor
        A scalar; 0 exactly when every interpolate has gradient norm 1.

    Examples
    --------
    For :math:`f(x) = a \cdot x` the gradient is a everywhere, and the penalty is
    :math:`\lambda (\|a\| - 1)^2` whatever the :math:`\epsilon_i`:

    >>> import torch
    >>> from gancore.torch import gradient_penalty
    >>> a = torch.tensor([3.0, 4.0])
    >>> float(gradient_penalty(lambda x: x @ a, torch.ones(6, 2), torch.zeros(6, 2)).detach())
    160.0
    """
    positive_number("lam", lam, allow_zero=True)
    function("critic", critic)
    tensor("real", real, min_ndim=1), tensor("fake", fake, min_ndim=1)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None; got "
                        f"{type(generator).__name__}")
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape; got {tuple(real.shape)} "
                         f"and {tuple(fake.shape)}")
    eps = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1), generator=generator,
                     device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    return gradient_norm_penalty(_input_gradients(critic(x_hat), x_hat), lam)


def r1_penalty(discriminator, real, /, *, gamma):
    r"""The R1 penalty :math:`\frac\gamma2\,\frac1m\sum_i \|\nabla_x l(x_i)\|^2` on data.

    Here l is the discriminator's logit; the penalty is equation 9 of Mescheder,
    Geiger and Nowozin (2018).

    Returns a scalar, 0 when ``gamma`` is 0.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import r1_penalty
    >>> float(r1_penalty(lambda x: x @ torch.tensor([3.0, 4.0]), torch.ones(4, 2), gamma=2.0).detach())
    25.0
    """
    positive_number("gamma", gamma, allow_zero=True)
    function("discriminator", discriminator)
    tensor("real", real, min_ndim=1)
    x = real.detach().requires_grad_(True)
    return gradient_norm_penalty(_input_gradients(discriminator(x), x), gamma / 2, target=0)


@torch.no_grad()
def clip_weights(module, c, /):
    """Clip every parameter of ``module`` to ``[-c, c]`` in place (WGAN, after every
    critic step; Arjovsky et al. use c = 0.01)."""
    positive_number("c", c)
    for p in _tensors.module("module", module).parameters():
        p.clamp_(-c, c)
