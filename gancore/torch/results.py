"""What :func:`~gancore.torch.train` returns: a :class:`TrainResult` per GAN, and a
:class:`PopulationResult` for a population."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._arrays import positive_int
from .config import TrainConfig

__all__ = ["PopulationResult", "TrainResult", "member_results"]


@dataclass
class TrainResult:
    """One trained GAN: what :func:`train` returns for one config, and each member of a
    :class:`PopulationResult`.

    Attributes
    ----------
    config : TrainConfig
        The configuration with its defaults filled in.
    generator, discriminator : torch.nn.Module
        The trained networks (the discriminator returns logits, or critic values).
    average : torch.nn.Module or None
        The exponential moving average of the generator's weights (``config.ema``).
    history : dict of lists
        ``step``, ``loss_d``, ``loss_g``, ``d_real`` and ``d_fake`` (mean D(x) and
        D(G(z)); the critic's mean values for the Wasserstein losses) for every step;
        ``eval_step``, ``w1`` and ``jsd`` every ``eval_every`` steps and at the end.
    step : int
        Generator steps taken.
    stopped : tuple or None
        ``(step, message)`` when this member of a population went non-finite and was
        frozen there (its networks and history are as they were then); else None.
    """

    config: TrainConfig
    generator: nn.Module
    discriminator: nn.Module
    average: nn.Module | None
    history: dict
    step: int
    stopped: tuple | None = None

    def sample(self, n, /, *, seed=None):
        """``n`` samples from the averaged generator (the raw one when ``ema`` is None),
        shape ``(n,)`` in 1-D and ``(n, dim)`` otherwise, on the training device."""
        positive_int("n", n)
        if seed is not None:
            positive_int("seed", seed, least=0)
        net = self.generator if self.average is None else self.average
        param = next(net.parameters())
        rng = torch.Generator(device=param.device)
        rng.manual_seed(seed) if seed is not None else rng.seed()
        with torch.no_grad():
            x = net(torch.randn(n, self.config.latent_dim, generator=rng,
                                device=param.device, dtype=param.dtype))
        return x[:, 0] if self.config.dim == 1 else x


class PopulationResult(Sequence):
    """What :func:`train` returns for a sequence of configs: a sequence of
    :class:`TrainResult` (one per member, in the configs' order) whose ``history``
    holds every member's metrics stacked, arrays of shape ``(members, ...)`` (NaN
    after a member stopped)."""

    def __init__(self, members):
        self.members = list(members)
        longest = max(self.members, key=lambda r: len(r.history["step"])).history
        self.history = {key: np.array([np.pad(np.asarray(r.history[key], float),
                                              (0, len(longest[key]) - len(r.history[key])),
                                              constant_values=np.nan)
                                       for r in self.members]) for key in longest}

    def __getitem__(self, i):
        return self.members[i]

    def __len__(self):
        return len(self.members)


def member_results(cfgs, nets, state):
    """Each member's :class:`TrainResult`: its networks (``nets``: the stacked
    generators, discriminators and averages), history and stopping record; a stopped
    member's networks hold the parameters it had when it stopped."""
    g, d, a = nets
    results = [TrainResult(config=c, generator=g.modules[i], discriminator=d.modules[i],
                           average=a.modules[i] if a and c.ema is not None else None,
                           history=state.histories[i], step=state.step,
                           stopped=state.stopped[i]) for i, c in enumerate(cfgs)]
    for i, rows in state.frozen.items():
        for name in ("generator", "discriminator", "average"):
            net = getattr(results[i], name)
            if net is not None:
                # the module's own copy, no longer a view of the population's row
                for p, row in zip(net.parameters(), rows[name].split(
                        [p.numel() for p in net.parameters()])):
                    p.data = row.view_as(p).clone()
    return results
