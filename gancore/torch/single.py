"""One member: every place where a population of one member computes otherwise than a
population of N, each with its measured reason.

:func:`~gancore.torch.train` decides it once, on the whole population (``_setup``'s
``alone``: one config in all; a shard that holds one member of a larger population is
not alone, and computes as the population does). The four differences:

- **Networks** (:func:`alone`, :data:`LAYERS`): a plain MLP of a population of one
  runs as its layers' own functions (``F.linear``, the activations' ``forward``,
  :meth:`~gancore.torch.Affine.map`) on the member's rows, without the member axis:
  the arithmetic of calling the module, without ``nn.Module``'s machinery around each
  layer, which made one GAN's training 4-7% faster on the CPU than calling the module.
  Batched products (``torch.baddbmm``) over a member axis of one round otherwise in
  their backward, so this is also the single-run trainer's numbers.
- **Settings** (:func:`numbers`): every per-member setting of a population of one is a
  Python number, not a ``(1, 1)`` column: the optimiser's arithmetic is then
  ``torch.optim``'s on Python scalars, bit for bit the single-run trainer's (columns
  measured 0-9% slower for one GAN, within this CPU's noise).
- **The critic's pass** (``fused`` of :class:`~gancore.torch.steps.Run`): a population
  of one evaluates the data, the fakes and the penalised inputs in one call of the
  critic; a population passes the penalised inputs apart, so that the double backward
  runs on their rows only (1.4x faster at 64 members on the CPU). For one member the
  two orders measured alike (0.99-1.00 with WGAN-GP and with R1); the one pass is kept
  because it gives the single-run trainer's numbers, bit for bit, where the other
  rounds otherwise.
- **A shard's one member** (:func:`beside_copy`): computed beside a detached copy of
  itself, so that its numbers are the population's, bit for bit.
"""

from dataclasses import fields

import torch
import torch.nn.functional as F

from .models import Affine
from .settings import Settings

__all__ = ["LAYERS", "alone", "beside_copy", "numbers"]

#: The layer functions of a population of one's MLP path, in the form of the table
#: :mod:`~gancore.torch.stacking` keeps for a population's batched ones: ``Linear``,
#: ``Affine`` and ``Flatten(0)`` on the member's own ``(batch, ...)`` rows.
LAYERS = {"linear": F.linear, "affine": Affine.map, "flatten_dim": 0}


def alone(module, steps):
    """A population of one's networks on ``x`` of shape ``(1, batch, ...)``, without the
    member axis: the MLP ``steps`` (its layers' functions, :data:`LAYERS`) on the
    member's rows, or for ``steps=None`` the module itself."""
    def forward(x):
        x = x.squeeze(0)
        if steps is None:
            return module(x).unsqueeze(0)
        for step in steps:
            x = step(x)
        return x.unsqueeze(0)
    return forward


def numbers(cfg):
    """The :class:`~gancore.torch.settings.Settings` of a population of one, ``cfg``'s:
    each field a Python float (``None`` as 0: no weight average), ``betas`` a pair of
    them or None (RMSProp)."""
    values = {f.name: 0.0 if getattr(cfg, f.name) is None else float(getattr(cfg, f.name))
              for f in fields(Settings) if f.name != "betas"}
    return Settings(**values, betas=None if cfg.betas is None else
                    tuple(float(beta) for beta in cfg.betas))


def beside_copy(population, params, buffers, x):
    """One member of a larger population (a shard's) on ``x`` of shape
    ``(1, batch, ...)``: computed beside a detached copy of itself, which takes no
    gradient. Batched products of one member run other kernels than those of two or
    more (``baddbmm``'s backward rounds differently for a single output unit), so this
    keeps the member's numbers the population's, bit for bit, at twice one member's
    cost. ``population(params, buffers)`` is the population's forward with those
    stacked parameters and buffers."""
    params = {k: torch.cat([p, p.detach()]) for k, p in params.items()}
    buffers = {k: torch.cat([b, b]) for k, b in buffers.items()}
    return population(params, buffers)(torch.cat([x, x.detach()]))[:1]
