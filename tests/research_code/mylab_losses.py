"""Losses as research code writes them, outside gancore: each is a gancore.torch.Loss
record built from the lab's own functions, trained with no change to gancore."""

import math

import numpy as np
from torch.nn.functional import softplus

from gancore.torch import Loss

SMOOTH = 0.9  # one-sided label smoothing (Salimans et al. 2016): real targets 0.9


def smoothed_critic(real_logits, fake_logits):
    """-0.9 log D(x) - 0.1 log(1 - D(x)) - log(1 - D(G(z))), from logits."""
    real = SMOOTH * softplus(-real_logits) + (1 - SMOOTH) * softplus(real_logits)
    return real.mean(-1) + softplus(fake_logits).mean(-1)


def nonsaturating(fake_logits):
    """-log D(G(z))."""
    return softplus(-fake_logits).mean(-1)


def flipped(fake_logits):
    """The non-saturating generator loss with its sign flipped: G runs from the data."""
    return -softplus(-fake_logits).mean(-1)


def smoothed_optimum(p, q):
    """The smoothed critic's optimal logit: sigmoid(t*) = 0.9 p / (p + q), so
    t* = log(0.9 p) - log(0.1 p + q)."""
    return np.log(SMOOTH * p) - np.log((1 - SMOOTH) * p + q)


smoothed = Loss("smoothed-gan", "the non-saturating GAN with one-sided label smoothing 0.9",
                smoothed_critic, nonsaturating, optimal_critic=smoothed_optimum)
# the same loss under the same name, but another generator: a checkpoint refuses it
smoothed_other = Loss("smoothed-gan", "the same name, another generator loss",
                      smoothed_critic, flipped)
# two bugs at once: the generator's sign flipped, and the optimum stated without the
# smoothing, as the unsmoothed logit log(p / q)
broken = Loss("smoothed-gan-broken", "the smoothed GAN, its generator's sign flipped and "
              "its optimum misstated", smoothed_critic, flipped,
              optimal_critic=lambda p, q: math.log(p) - math.log(q))
