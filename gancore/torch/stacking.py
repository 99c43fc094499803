"""A population's networks run as one: N modules of one architecture, their parameters
rows of one ``(N, P)`` tensor, evaluated on ``(N, batch, ...)`` inputs in one call.

Two evaluation paths give the same outputs (``tests/test_population.py`` compares
them). Any module runs through PyTorch's ensembling machinery
(:func:`torch.func.stack_module_state` layout, :func:`torch.func.functional_call`
under :func:`torch.func.vmap`). A plain MLP (an ``nn.Sequential``, possibly nested,
of ``nn.Linear``, elementwise activations, :class:`~gancore.torch.Affine` and a
final ``nn.Flatten(0)``: the built-in networks and most small user networks) runs as
batched matrix products instead (``torch.baddbmm``), which the trainer's benchmark
measured at about 1.5x the ``vmap`` path's speed on the CPU for populations of 64. A
population of one, and a shard's one member, run as :mod:`gancore.torch.single` says.
Neither MLP path runs module hooks.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn
from torch.func import functional_call, vmap

from . import single
from .models import Affine
from .updates import flatten_parameters

__all__ = ["Stack", "stack"]

_ELEMENTWISE = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.Tanh, nn.SiLU, nn.Sigmoid, nn.GELU,
                nn.Softplus, nn.Identity)


@dataclass
class Stack:
    """N networks of one architecture evaluated as one.

    Attributes
    ----------
    modules : list of torch.nn.Module
        The members; member i's parameters are views of ``flat[i]``, so each is an
        ordinary module giving the outputs it gives inside the population.
    flat : torch.Tensor, shape (N, P)
        Every member's parameters, a row each (optimisers, clipping and the weight
        average act on it in place).
    params : dict of str to torch.Tensor
        Views of ``flat`` of shape ``(N, *shape)`` per parameter name (``torch.func``'s
        stacked layout), requiring grad; for N = 1, the one module's parameters (it
        runs without the batching).
    buffers : dict of str to torch.Tensor
        The members' buffers, stacked.
    batched_mlp : bool
        Whether the networks are plain MLPs run through their layers' functions:
        batched matrix products, or for a population of one the one module's own.
    forward : callable
        The members' outputs on ``x`` of shape ``(N, batch, ...)``; what calling the
        stack does.
    """

    modules: list
    flat: torch.Tensor
    params: dict
    buffers: dict
    batched_mlp: bool
    forward: Callable
    param_list: list  #: ``params``' tensors, in order (what gradients are taken for)

    def __call__(self, x):
        """The members' outputs on ``x`` of shape ``(N, batch, ...)``: member i's
        module on ``x[i]``, stacked."""
        return self.forward(x)


def stack(modules, /, *, batched_mlp=None, alone=None):
    """Stack ``modules`` (one architecture, one dtype and device) into a :class:`Stack`.

    ``batched_mlp=None`` takes the batched-matmul path wherever the architecture
    allows it; ``False`` forces the ``torch.func`` path (for comparison). ``alone``
    (default: whether there is one module) runs one module without the member axis;
    ``False`` runs it as a member of a population (a shard of one member does).
    """
    first = modules[0]
    shapes = [(n, p.shape) for n, p in first.named_parameters()]
    for i, m in enumerate(modules[1:], 1):
        if [(n, p.shape) for n, p in m.named_parameters()] != shapes:
            raise ValueError(f"member {i}'s network has other parameters than member 0's "
                             "(names or shapes differ); a population needs one architecture")
    if not shapes:
        raise ValueError("the networks have no parameters to train")
    n, trained = len(modules), any(p.requires_grad for p in first.parameters())
    alone = n == 1 if alone is None else alone and n == 1
    flat = torch.empty(n, sum(shape.numel() for _, shape in shapes),
                       dtype=next(first.parameters()).dtype,
                       device=next(first.parameters()).device)
    for row, m in zip(flat, modules):
        flatten_parameters(m, out=row)
    params, start = {}, 0
    for name, shape in shapes:
        size = shape.numel()
        params[name] = flat[:, start:start + size].view(n, *shape).requires_grad_(trained)
        start += size
    buffers = {name: torch.stack([dict(m.named_buffers())[name] for m in modules])
               for name, _ in first.named_buffers()}
    base = copy.deepcopy(first).to("meta")
    mlp = _is_mlp(first) if batched_mlp is None else bool(batched_mlp) and _is_mlp(first)
    population = partial(_population, first, base, mlp)
    if alone:  # the module's own parameters and layers (gancore.torch.single)
        params = dict(first.named_parameters())
        forward = single.alone(first, _plan(first, params, dict(first.named_buffers()),
                                            layers=single.LAYERS) if mlp else None)
    elif n == 1:  # a shard's one member (gancore.torch.single)
        forward = partial(single.beside_copy, population, params, buffers)
    else:
        forward = population(params, buffers)
    return Stack(modules=list(modules), flat=flat, params=params, buffers=buffers,
                 batched_mlp=mlp, forward=forward, param_list=list(params.values()))


def _population(module, base, mlp, params, buffers):
    """The members' forward with the stacked ``params`` and ``buffers``: the MLP's
    batched steps, or ``torch.func``'s ensembling of ``base`` (``module`` on the meta
    device)."""
    if mlp:
        return partial(_chain, _plan(module, params, buffers, layers=_BATCHED))
    return partial(_vmapped, base, params, buffers)


def _chain(steps, x):
    """``x`` through the MLP ``steps`` in turn."""
    for step in steps:
        x = step(x)
    return x


def _vmapped(base, params, buffers, x):
    """Any module's members on ``x``: ``torch.func``'s ensembling."""
    return vmap(lambda p, b, xi: functional_call(base, (p, b), (xi,)))(params, buffers, x)


def _is_mlp(module, last=True):
    """Whether ``module`` is a Sequential the batched-matmul path evaluates exactly."""
    if not isinstance(module, nn.Sequential):
        return False
    layers = list(module)
    for i, layer in enumerate(layers):
        final = last and i == len(layers) - 1
        if isinstance(layer, nn.Sequential):
            if not _is_mlp(layer, final):
                return False
        elif isinstance(layer, nn.Flatten):
            # Flatten(0) on a member's (batch, 1) logits, followed by Affines at most
            if (layer.start_dim, layer.end_dim) != (0, -1) or not all(
                    isinstance(rest, (Affine, nn.Flatten)) for rest in layers[i + 1:]):
                return False
        elif not isinstance(layer, (nn.Linear, Affine, *_ELEMENTWISE)):
            return False
    return True


def _plan(module, params, buffers, *, layers, prefix=""):
    """The MLP path's steps for ``module`` (accepted by :func:`_is_mlp`), with
    ``params`` and ``buffers`` bound in: each layer's function from ``layers``
    (:data:`_BATCHED` on ``(N, batch, ...)`` with the stacked ones, or
    :data:`gancore.torch.single.LAYERS` on one member's ``(batch, ...)`` rows with the
    module's own), applied as the layer's ``forward`` does."""
    steps = []
    for name, layer in module.named_children():
        key = f"{prefix}{name}"
        if isinstance(layer, nn.Sequential):
            steps += _plan(layer, params, buffers, layers=layers, prefix=key + ".")
        elif isinstance(layer, nn.Linear):
            steps.append(partial(layers["linear"], weight=params[key + ".weight"],
                                 bias=params.get(key + ".bias")))
        elif isinstance(layer, Affine):
            steps.append(partial(layers["affine"], shift=buffers[key + ".shift"],
                                 scale=buffers[key + ".scale"], inverse=layer.inverse))
        elif isinstance(layer, nn.Flatten):  # Flatten(0) of a member's (batch, 1) logits
            steps.append(partial(torch.flatten, start_dim=layers["flatten_dim"]))
        else:
            steps.append(layer.forward)  # elementwise
    return steps


def _linear(x, *, weight, bias):
    """``x @ weight^T + bias`` for every member at once."""
    if bias is None:
        return torch.bmm(x, weight.mT)
    return torch.baddbmm(bias.unsqueeze(1), x, weight.mT)


def _affine(x, *, shift, scale, inverse):
    """:class:`~gancore.torch.Affine`'s map with each member's constants, broadcast
    against its own ``(batch, ...)`` rows."""
    shift, scale = (c.view(len(c), *[1] * (x.ndim - c.ndim), *c.shape[1:])
                    for c in (shift, scale))
    return Affine.map(x, shift, scale, inverse=inverse)


#: A population's layer functions on ``(N, batch, ...)`` inputs, member by member.
_BATCHED = {"linear": _linear, "affine": _affine, "flatten_dim": 1}
