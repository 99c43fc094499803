"""MLP generators and discriminators for :mod:`gancore.torch`.

Both are plain :class:`torch.nn.Sequential` stacks. The discriminator returns logits
(no sigmoid inside): the losses use log-sigmoid forms, and a Wasserstein critic is
the same network read as a real-valued function.
"""

import torch
from torch import nn

from .._arrays import boolean, host_reals, one_of, positive_int
from ._tensors import tensor

__all__ = ["Affine", "discriminator", "generator", "lipschitz_upper_bound"]

_ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2), "elu": nn.ELU,
                "tanh": nn.Tanh, "silu": nn.SiLU}
ACTIVATIONS = tuple(sorted(_ACTIVATIONS))  # the names the networks' activation takes


class Affine(nn.Module):
    r"""The fixed map :math:`x \mapsto (x - \mathrm{shift}) / \mathrm{scale}`, or its
    inverse with ``inverse=True``; its constants are buffers, not parameters, so neither
    an optimiser nor weight clipping touches them.

    The trainer puts it at the generator's output and the discriminator's input, with
    the data's mean and standard deviation: the networks then work in standard units
    while every loss, penalty and distance stays in data units.
    """

    def __init__(self, shift, scale, *, inverse=False):
        super().__init__()
        shift, scale = _constant("shift", shift), _constant("scale", scale)
        if not bool(torch.isfinite(shift).all()):
            raise ValueError("shift must be finite")
        if not bool((torch.isfinite(scale) & (scale != 0)).all()):
            raise ValueError("scale must be finite and non-zero")
        self.register_buffer("shift", shift)
        self.register_buffer("scale", scale)
        self.inverse = boolean("inverse", inverse)

    def forward(self, x):
        """Apply the map to ``x`` of shape ``(n, dim)``."""
        return self.map(x, self.shift, self.scale, inverse=self.inverse)

    @staticmethod
    def map(x, shift, scale, *, inverse=False):
        r""":math:`(x - \mathrm{shift}) / \mathrm{scale}`, or
        :math:`x\,\mathrm{scale} + \mathrm{shift}` with ``inverse``."""
        if inverse:
            return x * scale + shift
        return (x - shift) / scale

    def extra_repr(self):
        return f"dim={self.shift.numel()}, inverse={self.inverse}"


def _constant(name, value):
    """A floating tensor of constants (a tensor, a number or a list of numbers)."""
    if isinstance(value, torch.Tensor):
        return tensor(name, value)
    return torch.as_tensor(host_reals(name, value))


def _together(shift, scale):
    """``shift`` and ``scale`` are given together or not at all."""
    if (shift is None) != (scale is None):
        raise ValueError("shift and scale must be given together (or both left out); got "
                         f"shift={'None' if shift is None else 'a value'}, "
                         f"scale={'None' if scale is None else 'a value'}")


def _mlp(activation, **sizes):
    """Linear layers through ``sizes`` (named, in order: each an int or a sequence of
    ints, every one >= 1), with ``activation`` between them."""
    one_of("activation", activation, ACTIVATIONS)
    widths = []
    for name, value in sizes.items():
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        widths += [positive_int(name, v) for v in values]
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(widths) - 2:
            layers.append(_ACTIVATIONS[activation]())
    return layers


def generator(data_dim, /, *, latent_dim=8, widths=(64, 64), activation="relu",
              shift=None, scale=None):
    r"""An MLP generator :math:`G: \mathbb{R}^{latent} \to \mathbb{R}^{data}`.

    Parameters
    ----------
    data_dim : int
        Dimension of the generated points.
    latent_dim : int
        Dimension of the noise z (the trainer draws z ~ N(0, I)).
    widths : sequence of int
        Hidden layer widths.
    activation : {"relu", "leaky_relu", "elu", "tanh", "silu"}
        Hidden activation; the output layer is linear. (LeakyReLU has slope 0.2.)
    shift, scale : tensor of shape (data_dim,), optional
        When given, the output is ``shift + scale * mlp(z)`` (an :class:`Affine`).

    Returns
    -------
    torch.nn.Sequential
        Maps ``(n, latent_dim)`` to ``(n, data_dim)``.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import generator
    >>> generator(2, latent_dim=3, widths=(16,))(torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    """
    layers = _mlp(activation, latent_dim=latent_dim, widths=widths, data_dim=data_dim)
    _together(shift, scale)
    if shift is not None:
        layers.append(Affine(shift, scale, inverse=True))
    return nn.Sequential(*layers)


def discriminator(data_dim, /, *, widths=(64, 64), activation="leaky_relu",
                  shift=None, scale=None, value_scale=None):
    r"""An MLP discriminator or critic returning one logit per point.

    For the GAN losses :math:`D(x) = \sigma(\mathrm{logit}(x))`; for the Wasserstein
    losses the logit is the critic's value :math:`f(x)`.

    Parameters
    ----------
    data_dim : int
        Dimension of the input points.
    widths : sequence of int
        Hidden layer widths.
    activation : {"relu", "leaky_relu", "elu", "tanh", "silu"}
        Hidden activation (LeakyReLU has slope 0.2).
    shift, scale : tensor of shape (data_dim,), optional
        When given, inputs are first mapped to ``(x - shift) / scale``.
    value_scale : float or 0-d tensor, optional
        When given, the output is multiplied by it. The trainer sets it to the mean of
        ``scale`` for the Wasserstein critics, so that
        :math:`f(x) = c\,h((x - \mathrm{shift}) / c)` in one dimension and a slope of 1
        in the network's standard units is a slope of 1 in data units: weight clipping
        and the gradient penalty then act alike on every data scale.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(n, data_dim)`` to ``(n,)``.

    Notes
    -----
    The output layer starts at zero, so the network starts as D = 1/2 everywhere (a
    flat critic). For WGAN-GP this matters: from a random start whose slope points the
    wrong way, the penalty drives the slope's norm to 1 *in that direction*, and in one
    dimension the slope cannot turn round without crossing norm 0, where the penalty
    is lambda; training then runs away until W exceeds about lambda. From a flat start
    the first step follows E f(x) - E f(G(z)) alone.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import discriminator
    >>> discriminator(2, widths=(16,))(torch.zeros(5, 2)).shape
    torch.Size([5])
    """
    layers = _mlp(activation, data_dim=data_dim, widths=widths, output=1)
    _together(shift, scale)
    with torch.no_grad():  # start at logit 0 (D = 1/2, a flat critic): see Notes
        layers[-1].weight.zero_()
        layers[-1].bias.zero_()
    if shift is not None:
        layers.insert(0, Affine(shift, scale))
    if value_scale is not None:
        c = _constant("value_scale", value_scale)
        if c.numel() != 1 or not bool(torch.isfinite(c) & (c > 0)):
            raise ValueError(f"value_scale must be one positive finite number; got {value_scale!r}")
        layers.append(Affine(0.0, c.reshape(()), inverse=True))
    return nn.Sequential(*layers, nn.Flatten(0))


# each activation's Lipschitz constant: its largest |slope| (SiLU's, 1.09983932 at
# x = 2.3994 where its derivative peaks, rounded up)
_LIPSCHITZ = {nn.ReLU: lambda m: 1.0, nn.Tanh: lambda m: 1.0, nn.Flatten: lambda m: 1.0,
              nn.Identity: lambda m: 1.0, nn.LeakyReLU: lambda m: max(1.0, abs(m.negative_slope)),
              nn.ELU: lambda m: max(1.0, m.alpha), nn.SiLU: lambda m: 1.09984}


def lipschitz_upper_bound(network, /):
    r"""An upper bound on the Lipschitz constant (in the Euclidean norms) of an MLP:
    :math:`\prod_i \|W_i\|_2 \prod_j L_j`, the product of its linear layers' spectral
    norms and of its other layers' Lipschitz constants.

    A composition of maps with Lipschitz constants :math:`L_1, \dots, L_k` has
    constant at most :math:`L_1 \cdots L_k`; a linear layer :math:`x \mapsto Wx + b`
    has :math:`\|W\|_2`, its largest singular value; an elementwise activation has the
    largest absolute slope of its scalar function (1 for ReLU, LeakyReLU with slope
    <= 1, ELU with alpha <= 1 and tanh; 1.0998 for SiLU); :class:`Affine` has the
    largest :math:`|\mathrm{scale}|` (inverse) or :math:`1 / |\mathrm{scale}|`.

    Parameters
    ----------
    network : torch.nn.Sequential
        Of ``nn.Linear``, :class:`Affine`, ``nn.Flatten`` and the activations above, as
        :func:`generator` and :func:`discriminator` build.

    Returns
    -------
    float
        The bound, >= the network's smallest Lipschitz constant. It is exact for one
        linear layer, and typically far above the constant for deep networks, whose
        layers' top singular directions do not line up.

    Raises
    ------
    TypeError
        ``network`` not an ``nn.Sequential`` of those layers.

    Examples
    --------
    >>> import torch
    >>> from gancore.torch import lipschitz_upper_bound
    >>> layer = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = layer.weight.copy_(torch.tensor([[3.0, 0.0], [0.0, -4.0]]))
    >>> round(lipschitz_upper_bound(torch.nn.Sequential(layer, torch.nn.Tanh())), 6)
    4.0
    """
    if not isinstance(network, nn.Sequential):
        raise TypeError(f"network must be a torch.nn.Sequential; got {type(network).__name__}")
    bound = 1.0
    with torch.no_grad():
        for layer in network:
            if isinstance(layer, nn.Linear):
                bound *= float(torch.linalg.matrix_norm(layer.weight.double(), ord=2))
            elif isinstance(layer, Affine):
                scale = layer.scale.double().abs()
                bound *= float(scale.max() if layer.inverse else (1 / scale).max())
            elif type(layer) in _LIPSCHITZ:
                bound *= _LIPSCHITZ[type(layer)](layer)
            else:
                raise TypeError(f"network must hold linear layers, Affine maps and "
                                f"activations of known slope; it holds a "
                                f"{type(layer).__name__}")
    return bound
