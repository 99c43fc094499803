r"""The GAN objectives and their penalties, as PyTorch losses: the minimax,
non-saturating, Wasserstein, least-squares and hinge losses.

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
Mao et al. (2017), Least squares generative adversarial networks. Lim and Ye (2017),
Geometric GAN. Miyato et al. (2018), Spectral normalization for generative adversarial
networks.
"""

import torch
from torch.nn.functional import softplus

from .._arrays import positive_number, real_number
from . import _tensors
from ._tensors import function, tensor

__all__ = [
    "clip_weights",
    "critic_loss",
    "discriminator_loss",
    "gradient_norm_penalty",
    "gradient_penalty",
    "hinge_critic_loss",
    "interpolates",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
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


def least_squares_discriminator_loss(real_values, fake_values, /, *, a=-1.0, b=1.0):
    r"""The least-squares discriminator's loss (Mao et al. 2017, equation 2):

    .. math:: \tfrac12\,\overline{(D(x_i) - b)^2} + \tfrac12\,\overline{(D(G(z_j)) - a)^2}

    with D the discriminator's raw output (no sigmoid), b the data's code and a the
    generated points'. Pointwise in x it is smallest at
    :math:`D^* = (b\,p_{data} + a\,p_g) / (p_{data} + p_g)`. Returns a value in
    :math:`[0, \infty)`; :math:`(a^2 + b^2) / 2` when every output is 0.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import least_squares_discriminator_loss
    >>> float(least_squares_discriminator_loss(torch.ones(4), -torch.ones(4)))
    0.0
    """
    real, fake = tensor("real_values", real_values), tensor("fake_values", fake_values)
    if real_number("a", a) == real_number("b", b):
        raise ValueError(f"a and b must differ (the codes of generated points and data); "
                         f"got a = b = {a!r}")
    return 0.5 * ((real - b) ** 2).mean(-1) + 0.5 * ((fake - a) ** 2).mean(-1)


def least_squares_generator_loss(fake_values, /, *, c=0.0):
    r"""The least-squares generator's loss :math:`\tfrac12\,\overline{(D(G(z_j)) - c)^2}`
    (Mao et al. 2017, equation 2; the data's term of their equation 3 is constant in
    G). With :math:`b - c = 1` and :math:`b - a = 2`, at :math:`D^*` the generator
    minimises :math:`\tfrac12 \int (p_{data} - p_g)^2 / (p_{data} + p_g)`, half the
    triangular discrimination (:func:`gancore.f_divergence` with ``"triangular"``).
    Returns a value in :math:`[0, \infty)`.
    """
    fake = tensor("fake_values", fake_values)
    return 0.5 * ((fake - real_number("c", c)) ** 2).mean(-1)


def hinge_critic_loss(real_values, fake_values, /):
    r"""The hinge critic's loss (Lim and Ye 2017; Miyato et al. 2018, equation 16):

    .. math:: \overline{\max(0, 1 - D(x_i))} + \overline{\max(0, 1 + D(G(z_j)))}.

    Pointwise in x, :math:`p\max(0, 1 - t) + q\max(0, 1 + t)` is smallest at
    :math:`t = \mathrm{sign}(p - q)` (anywhere in [-1, 1] where p = q), with value
    :math:`2\min(p, q)`, so over all critics the loss's minimum is
    :math:`2\,(1 - \mathrm{TV}(P_{data}, P_g))`. The generator minimises
    :math:`-\overline{D(G(z_j))}` (:func:`wasserstein_generator_loss`). Returns a value
    in :math:`[0, \infty)`; 2 when every output is 0.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import hinge_critic_loss
    >>> float(hinge_critic_loss(torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0])))
    0.5
    """
    real, fake = tensor("real_values", real_values), tensor("fake_values", fake_values)
    return torch.relu(1 - real).mean(-1) + torch.relu(1 + fake).mean(-1)


def _input_gradients(values, x):
    """Per-sample gradients of ``values`` (shape ``(..., m)``, each computed from its own
    sample of ``x``, a tensor of shape ``(..., m, ...)`` that requires grad) with respect
    to ``x``: shape ``(..., m, k)``, one flattened gradient per sample, kept in the
    graph. Summing over the batch before differentiating is exact: each value depends
    on its own sample alone."""
    (grad,) = torch.autograd.grad(values.sum(), x, create_graph=True)
    return grad if grad.ndim == values.ndim + 1 else grad.flatten(values.ndim)


def gradient_norm_penalty(grads, weight, /, *, target=1.0):
    r"""The penalty :math:`w\,\frac1m\sum_i (\|g_i\|_2 - t)^2` on per-sample gradients.

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
    _weight("weight", weight)
    if target == 0:
        return weight * (grads ** 2).sum(-1).mean(-1)
    target = positive_number("target", target)
    return weight * ((torch.linalg.vector_norm(grads, dim=-1) - target) ** 2).mean(-1)


def gradient_penalty(critic, real, fake, /, *, lam=10.0, eps=None, generator=None,
                     x_hat=None):
    r"""The WGAN-GP penalty :math:`\lambda\,\frac1m\sum_i (\|\nabla f(\hat x_i)\|_2 - 1)^2`.

    :math:`\hat x_i = \epsilon_i x_i + (1 - \epsilon_i)\tilde x_i` with one
    :math:`\epsilon_i \sim U[0, 1]` *per sample* (shared by that sample's
    coordinates), and the norm taken *per sample* over all of its coordinates.
    The sum over the batch before differentiating is exact because sample i's output
    depends on sample i's input alone.

    Parameters
    ----------
    critic : callable
        Maps samples ``(..., m, ...)`` to values ``(..., m)``: ``(m, ...)`` to ``(m,)``
        for one critic, or a population's ``(N, m, ...)`` to ``(N, m)``.
    real, fake : torch.Tensor
        Same shape; ``fake`` is detached here.
    lam : float or torch.Tensor
        :math:`\lambda` (10 in Gulrajani et al., 2017); a tensor gives one per leading
        index (shape ``(N,)`` for a population).
    eps : torch.Tensor, optional
        The :math:`\epsilon_i`, one per sample, broadcasting against ``real`` (shape
        ``(m, 1, ...)``); by default drawn here.
    generator : torch.Generator, optional
        Source of the :math:`\epsilon_i` when ``eps`` is None.
    x_hat : torch.Tensor, optional
        The interpolates themselves, of ``real``'s shape, when formed beforehand by
        :func:`interpolates` (the trainer forms a whole iteration's at once: for one
        GAN, four tensor operations a critic step fewer); ``eps`` and ``generator``
        are then None.

    Returns
    -------
    torch.Tensor
        One penalty per leading index (a scalar for one critic); 0 exactly when every
        interpolate has gradient norm 1.

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
    _weight("lam", lam)
    function("critic", critic)
    _pair(real, fake)
    if x_hat is not None:
        if eps is not None or generator is not None:
            raise ValueError("give the interpolates x_hat or what draws them (eps, "
                             "generator), not both")
        if tensor("x_hat", x_hat).shape != real.shape:
            raise ValueError(f"x_hat must have real's shape {tuple(real.shape)}; got "
                             f"{tuple(x_hat.shape)}")
        x_hat = x_hat.detach()
    else:
        if eps is None:
            if generator is not None and not isinstance(generator, torch.Generator):
                raise TypeError(f"generator must be a torch.Generator or None; got "
                                f"{type(generator).__name__}")
            eps = torch.rand((real.shape[0],) + (1,) * (real.ndim - 1),
                             generator=generator, device=real.device, dtype=real.dtype)
        x_hat = interpolates(real, fake, eps)
    x_hat.requires_grad_(True)
    return gradient_norm_penalty(_input_gradients(critic(x_hat), x_hat), lam)


def interpolates(real, fake, eps, /):
    r"""WGAN-GP's interpolates :math:`\hat x_i = \epsilon_i x_i + (1 - \epsilon_i)
    \tilde x_i` between ``real`` and ``fake`` (one shape), with ``eps`` broadcasting
    against them (one :math:`\epsilon_i` per sample); a new tensor, outside the graphs
    of ``real`` and ``fake`` (:func:`gradient_penalty` differentiates at it). At
    :math:`\epsilon_i = 1` it is the real sample, at 0 the generated one.

    ``eps`` must broadcast to ``real``'s shape without changing it and, for samples of
    one or more coordinates (``real`` at least 2-D), have a last axis of length 1 (or
    be 0-d): a weight that varied along the coordinates would not be one per sample.
    A ``ValueError`` names it otherwise.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import interpolates
    >>> interpolates(torch.ones(3, 2), torch.zeros(3, 2), torch.tensor([[0.0], [0.5], [1.0]]))
    tensor([[0.0000, 0.0000],
            [0.5000, 0.5000],
            [1.0000, 1.0000]])
    """
    _pair(real, fake), tensor("eps", eps)
    try:
        spread = torch.broadcast_shapes(eps.shape, real.shape)
    except RuntimeError:
        spread = None
    if spread != real.shape or (real.ndim > 1 and eps.ndim > 0 and eps.shape[-1] != 1):
        raise ValueError(f"eps must hold one weight per sample: broadcast to real's shape "
                         f"{tuple(real.shape)} with a last axis of length 1; got shape "
                         f"{tuple(eps.shape)}")
    if real.requires_grad or fake.requires_grad:  # no gradient reaches them through x_hat
        real, fake = real.detach(), fake.detach()
    return eps * real + (1 - eps) * fake


def _pair(real, fake):
    """Check ``real`` and ``fake``: tensors of one shape, at least 1-D."""
    tensor("real", real, min_ndim=1), tensor("fake", fake, min_ndim=1)
    if real.shape != fake.shape:
        raise ValueError(f"real and fake must have the same shape; got {tuple(real.shape)} "
                         f"and {tuple(fake.shape)}")


def r1_penalty(discriminator, real, /, *, gamma):
    r"""The R1 penalty :math:`\frac\gamma2\,\frac1m\sum_i \|\nabla_x l(x_i)\|^2` on data.

    Here l is the discriminator's logit (its raw output); the penalty is equation 9 of
    Mescheder, Geiger and Nowozin (2018).

    Parameters
    ----------
    discriminator : callable
        Maps samples ``(..., m, ...)`` to raw outputs ``(..., m)``: one network's, or a
        population's ``(N, m, ...)`` to ``(N, m)``.
    real : torch.Tensor
        The data, shape ``(..., m, ...)``; detached here.
    gamma : float or torch.Tensor
        :math:`\gamma`; a tensor gives one per leading index (shape ``(N,)``).

    Returns
    -------
    torch.Tensor
        One penalty per leading index (a scalar for one network); 0 when ``gamma`` is 0.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import r1_penalty
    >>> float(r1_penalty(lambda x: x @ torch.tensor([3.0, 4.0]), torch.ones(4, 2), gamma=2.0).detach())
    25.0
    """
    _weight("gamma", gamma)
    function("discriminator", discriminator)
    tensor("real", real, min_ndim=1)
    x = real.detach().requires_grad_(True)
    return gradient_norm_penalty(_input_gradients(discriminator(x), x), gamma / 2, target=0)


def _weight(name, value):
    """A penalty's weight: a number >= 0, or a tensor of them (one per leading index,
    whose values the trainer's configs checked)."""
    if isinstance(value, torch.Tensor):
        return tensor(name, value)
    return positive_number(name, value, allow_zero=True)


@torch.no_grad()
def clip_weights(params, c, /):
    """Clip every parameter of ``params`` to ``[-c, c]`` in place (WGAN, after every
    critic step; Arjovsky et al. use c = 0.01).

    ``params`` is a module, or a tensor of parameters such as a population's ``(N, P)``
    rows; ``c`` is a number > 0, or for a tensor one bound per row (shape ``(N, 1)``).

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import clip_weights
    >>> rows = torch.tensor([[0.5, -2.0], [0.05, 0.2]])
    >>> clip_weights(rows, torch.tensor([[1.0], [0.1]])).tolist()
    [[0.5, -1.0], [0.05000000074505806, 0.10000000149011612]]
    """
    if isinstance(params, torch.Tensor):
        if isinstance(c, torch.Tensor):
            tensor("c", c)
        else:
            positive_number("c", c)
        return params.clamp_(-c, c)
    positive_number("c", c)
    module = _tensors.module("params", params)
    for p in module.parameters():
        p.clamp_(-c, c)
    return module
