"""What :func:`~gancore.torch.train` returns: a :class:`TrainResult` per GAN, and a
:class:`PopulationResult` for a population."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._arrays import one_of, positive_int
from .config import TrainConfig
from .refine import REFINEMENTS, refined_sample

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

    def sample(self, n, /, *, seed=None, refine=None):
        r"""``n`` samples, shape ``(n,)`` in 1-D and ``(n, dim)`` otherwise, on the
        training device.

        Parameters
        ----------
        n : int
            Number of samples, >= 1.
        seed : int or None, optional
            Seeds the generator's noise (and, with ``refine``, the acceptance draws);
            None draws fresh entropy.
        refine : {None, "rejection", "mh"}, optional
            None: draws of the averaged generator (the raw one when ``ema`` is None).
            ``"rejection"`` or ``"mh"``: draws of the *raw* generator, refined with the
            trained discriminator's estimate :math:`l` of :math:`\log(p_{data} / p_g)`
            (Proposition 1 read backwards; :mod:`gancore.torch.refine`):

            - ``"rejection"``: discriminator rejection sampling (Azadi et al. 2019):
              each draw is kept with probability :math:`\min(1, e^{l - \log M})`
              (:func:`gancore.rejection_sample`), :math:`\log M` the largest
              :math:`l` of a burn-in of 10000 draws, raised to the largest of each
              later batch before that batch is judged, until n are kept;
            - ``"mh"``: n independent Metropolis-Hastings chains of 100 proposals
              each (Turner et al. 2019; :func:`gancore.metropolis_hastings`), their
              last states; no M is needed.

            A packed discriminator (``pack`` = m) judges packs of m draws, and its
            logit estimates the sum of their log-ratios: packs are accepted whole, each
            m independent draws.

        Notes
        -----
        **Which generator.** The refinement draws from the raw generator because the
        discriminator was trained against it: its logit estimates
        :math:`\log(p_{data} / p_g)` for the raw :math:`p_g`, not for the weight
        average, whose law differs. Measured on the ring (non-saturating, 3 x 128,
        latent 2, 20000 steps, seeds 0-9, 2500 samples; *spread*: the high-quality
        samples' mean squared Mahalanobis distance to their mode, 1.90 under the data):

        ========  ==========  =====  ==========  ======  ========
        draws of  refine      HQ %   reverse KL  spread  accepted
        ========  ==========  =====  ==========  ======  ========
        raw       None        59.5   0.235       3.35    --
        raw       rejection   83.9   0.303       2.64    16%
        raw       mh          84.0   0.299       2.63    56%
        average   None        85.1   0.089       0.62    --
        average   rejection   98.3   0.070       0.56    28%
        ========  ==========  =====  ==========  ======  ========

        Rejection from the average scores the highest HQ, but its modes are narrower
        than the data's (spread 0.56 against 1.90), and no refinement can widen
        them: where :math:`p_{data} > M p_g` the ratio is cut. From the raw generator
        the spread moves toward the data's, as the theorem says, as far as the
        discriminator is calibrated: a discriminator trained for more steps against
        the final raw generator (DRS's calibration) moves it further (see the
        "Sampling with D*" page).

        **Which losses.** The minimax and non-saturating GANs' logit estimates the
        log-ratio; f-GAN's critic does too, through :math:`T^* = f'(p/q)`
        (:func:`gancore.torch.refine.log_ratio_of_critic`), except for total
        variation. WGAN's and WGAN-GP's critics do not, and ``refine`` is refused for
        them.

        Raises
        ------
        TypeError, ValueError
            ``n`` not an int >= 1, ``seed`` not an int >= 0, ``refine`` not one of the
            choices, or ``refine`` with a loss whose critic does not estimate the ratio.
        RuntimeError
            ``refine="rejection"`` at a rate that keeps fewer than n in
            :math:`\max(10^8, 1000 n)` draws, judged from :math:`10^6` draws on (a
            discriminator whose largest logit is far above its typical ones: calibrated
            discriminators on the ring reach this; ``"mh"`` does not).
        """
        positive_int("n", n)
        if seed is not None:
            positive_int("seed", seed, least=0)
        if refine is not None:
            one_of("refine", refine, REFINEMENTS)
            return refined_sample(self, n, refine, seed).samples
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


def member_results(cfgs, state):
    """Each member's :class:`TrainResult`: its networks (the state's stacked
    generators, discriminators and averages), history and stopping record; a stopped
    member's networks hold the parameters it had when it stopped."""
    g, d, a = state.generator, state.discriminator, state.average
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
