"""What each loss optimises: one :class:`Objective` per loss, looked up once by the
trainer, so that its loop never branches on the loss's name."""

from dataclasses import dataclass, replace
from functools import partial
from typing import Callable

import torch

from .config import column
from .f_gan import LOG_RATIO, f_gan_activation, f_gan_critic_loss, f_gan_generator_loss
from .losses import (critic_loss, discriminator_loss, minimax_generator_loss,
                     nonsaturating_generator_loss, wasserstein_generator_loss)

__all__ = ["OBJECTIVES", "Objective", "Penalty", "member_objective", "objective"]


@dataclass(frozen=True)
class Penalty:
    """A gradient-norm penalty on the critic's input gradients at some of its inputs:
    ``weight * mean (||grad|| - target)^2`` (:func:`gradient_norm_penalty`).

    ``at`` is ``"real"`` for the data (R1) or ``"x_hat"`` for the interpolates
    (WGAN-GP); ``weight`` names the config field that sets it and ``factor`` scales it
    (R1's gamma / 2)."""

    at: str
    weight: str
    target: float
    factor: float = 1.0


@dataclass(frozen=True)
class Objective:
    """One loss: the critic's and the generator's per-member losses (each averaged over
    the batch), what the critic's step is penalised with, whether the critic's weights
    are clipped after each step, how D's outputs are summarised (D itself for the
    GAN losses, the critic's value otherwise), and the map from D's outputs to its
    estimate of log(p_data / p_g) where its optimum determines one (None otherwise:
    a Wasserstein critic is a Kantorovich potential), which refinement uses."""

    critic: Callable
    generator: Callable
    penalty: Penalty | None
    clip: bool
    summary: Callable
    log_ratio: Callable | None


def _logit(v):
    """A GAN discriminator's logit is its log-ratio estimate: D* / (1 - D*) = p / q."""
    return v


_R1 = Penalty(at="real", weight="r1_gamma", target=0.0, factor=0.5)
OBJECTIVES = {
    "minimax": Objective(discriminator_loss, minimax_generator_loss, _R1, False,
                         torch.sigmoid, _logit),
    "nonsaturating": Objective(discriminator_loss, nonsaturating_generator_loss, _R1, False,
                               torch.sigmoid, _logit),
    "wgan": Objective(critic_loss, wasserstein_generator_loss, None, True, torch.as_tensor,
                      None),
    "wgan-gp": Objective(critic_loss, wasserstein_generator_loss,
                         Penalty(at="x_hat", weight="gp_lambda", target=1.0), False,
                         torch.as_tensor, None),
}


def _f_gan(divergence, value_penalty):
    """f-GAN's objective for one divergence: the critic and generator losses of the
    variational bound (less the values' penalty with weights ``value_penalty``, or
    without it when that is 0), R1 on the critic's value v at the data, D's outputs
    summarised as the critic T = g_f(v)."""
    losses = dict(divergence=divergence, value_penalty=value_penalty)
    return Objective(partial(f_gan_critic_loss, **losses),
                     partial(f_gan_generator_loss, **losses), _R1, False,
                     partial(f_gan_activation, divergence=divergence),
                     LOG_RATIO.get(divergence))


def member_objective(cfg, value_penalty=None):
    """The :class:`Objective` of one config's loss (f-GAN's for its divergence, with
    ``value_penalty``: the config's own by default, or the population's column)."""
    if cfg.loss == "f-gan":
        return _f_gan(cfg.divergence,
                      cfg.value_penalty if value_penalty is None else value_penalty)
    return OBJECTIVES[cfg.loss]


def objective(cfgs, setting):
    """The population's :class:`Objective`: its loss's (f-GAN's for its divergence,
    with the members' ``value_penalty`` from ``setting``, the trainer's per-member
    settings), without the R1 penalty when every member's ``r1_gamma`` is 0."""
    weights = (0.0 if all(c.value_penalty == 0 for c in cfgs)
               else column(setting("value_penalty")))
    obj = member_objective(cfgs[0], weights)
    if obj.penalty is _R1 and all(c.r1_gamma == 0 for c in cfgs):
        return replace(obj, penalty=None)
    return obj
