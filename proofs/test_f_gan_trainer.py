"""The f-GAN trainer minimises the f-divergence it is named for.

Two populations per divergence, each trained as one run (``loss="f-gan"``):

- a misspecified fit: an affine generator G(z) = mu + sigma z (a user module) trained
  on P = 0.3 N(-2, 0.5^2) + 0.7 N(2, 0.5^2) lands on the Gaussian that minimises D_f
  directly (quadrature and ``scipy.optimize``, from the generator's starting point);
- a recovery: the built-in MLPs on generated targets N(m, s^2) reach W1 < 0.1 s at a
  stated rate, with the binomial bound of the trainer proofs (total variation with R1,
  see RECOVERY).

Gradient training is local: from N(0, 1) the direct descent reaches the mode-covering
fit for KL and Pearson (the global minimisers), the heavier mode for reverse KL (the
global minimiser) and a wide local minimiser for squared Hellinger, Jensen-Shannon and
GAN (their global ones sit on the heavier mode). Neyman's D_f is infinite for every
sigma > 1/sqrt 2 (its integrand (q - p)^2 / p grows in the tails), so its generator
starts inside, at N(1, 0.5^2), from where the direct descent reaches the heavier mode;
it trains at batch 2048 (see FIT_BUDGET for why). Total variation is not in the
misspecified-fit proof: started at its direct fit (1.905, 0.701), its members leave it,
at the published lr 2e-4 (sigma 1.04 after 3000 steps at batch 64, 1.33 at batch 1024)
and at 2e-3 (to mu = -3.3, past the lighter mode); from N(0, 1) they spread (sigma
6-200). Its critic T = tanh(v) / 2 is bounded: where it saturates at -1/2 on the
generated points, neither player has a gradient there. R1 keeps its critic alive but
moves the misspecified equilibrium: with gamma 0.1-100 the members agree closely, on a
wide fit (mu 0.78-0.89, sigma 1.77-1.92), not on TV's.
See docs/theory/f-gan.md.
"""

import math
from functools import partial

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import direct_fit, least_successes

torch = pytest.importorskip("torch")
from gancore.torch import TrainConfig, train  # noqa: E402

THEOREM = "f-GAN trainer"
STATEMENT = ("f-GAN populations minimise their D_f: an affine generator lands on the direct "
             "Gaussian fit to a two-mode mixture (every divergence but TV); every divergence "
             "recovers N(m, s^2) at a stated rate")
# one seeded population per proof (no shrinking: a smaller seed is not a simpler
# population, and each try is a long run)
ONE = settings(max_examples=1, phases=[Phase.explicit, Phase.reuse, Phase.generate])

MIXTURE = gancore.Mixture([gancore.Normal(-2.0, 0.5), gancore.Normal(2.0, 0.5)], [0.3, 0.7])
FIT_MEMBERS = 8
# Per divergence: generator steps, Adam's lr, batch size, members and the generator's
# start (mu, sigma). The published lr 2e-4 moves mu by at most 2e-4 a step: too slow for
# the distance to travel. Reverse KL must first break the symmetry between the modes,
# which takes some seeds thousands of steps: 8000 at 5e-3 (at 5000, 2 of seed 0's 8
# members were still between them). Neyman's D_f is finite only for sigma < 1/sqrt 2,
# so its generator starts narrow, at N(1, 0.5^2), and its batch is 2048: the sample
# estimate of its bound has infinite variance once sigma > 0.61, and its generator loss
# 2 e^{v/2} is convex in the critic's value v, so a noisy critic overstates q/p where
# generated points are few and pulls the generator in (measured at lr 1e-3 from
# N(1, 0.5^2), medians over 8 members: sigma 0.42 at batch 1024 with two critic steps
# after 2500 steps; 0.44 at batch 2048 after 2500, still on its way; 0.514 at batch
# 2048 after 4000, seeds 0-7 and 1000-1007, spread 0.003). Its step costs about 30
# batch-64 steps, so it trains 4 members, not 8.
FIT_BUDGET = {"kl": (5000, 2e-3, 64, FIT_MEMBERS, (0.0, 1.0)),
              "reverse-kl": (8000, 5e-3, 64, FIT_MEMBERS, (0.0, 1.0)),
              "pearson": (5000, 2e-3, 64, FIT_MEMBERS, (0.0, 1.0)),
              "neyman": (4000, 1e-3, 2048, 4, (1.0, 0.5)),
              "hellinger": (5000, 2e-3, 64, FIT_MEMBERS, (0.0, 1.0)),
              "jensen-shannon": (5000, 2e-3, 64, FIT_MEMBERS, (0.0, 1.0)),
              "gan": (5000, 2e-3, 64, FIT_MEMBERS, (0.0, 1.0))}


class AffineGenerator(torch.nn.Module):
    """G(z) = mu + sigma z on a 1-D latent, starting at N(mu, sigma^2) (sigma =
    e^{log_sigma})."""

    def __init__(self, mu=0.0, sigma=1.0):
        super().__init__()
        self.mu = torch.nn.Parameter(torch.full((1,), float(mu)))
        self.log_sigma = torch.nn.Parameter(torch.full((1,), math.log(sigma)))

    def forward(self, z):
        return self.mu + torch.exp(self.log_sigma) * z


def trained_gaussian(member):
    """(mu, sigma) of a trained affine generator, read off its averaged network exactly:
    mu = G(0), sigma = G(1) - G(0)."""
    net = member.average if member.average is not None else member.generator
    param = next(net.parameters())
    with torch.no_grad():
        out = net(torch.tensor([[0.0], [1.0]], dtype=param.dtype, device=param.device))
    g0, g1 = (float(v) for v in out.reshape(-1).cpu())
    return g0, g1 - g0


def fit_population(divergence, *, seed=0, device="cpu"):
    """The affine population of the misspecified fit: the members' seeds from ``seed``,
    trained on :data:`MIXTURE` in data units (``standardize=False``: the generator starts
    where :data:`FIT_BUDGET` says, not at the mixture's moments) with that budget."""
    steps, lr, batch_size, members, start = FIT_BUDGET[divergence]
    generator = partial(AffineGenerator, *start)   # one callable: members must agree on it
    configs = [TrainConfig(loss="f-gan", divergence=divergence, data=MIXTURE,
                           generator=generator, latent_dim=1,
                           standardize=False, lr=lr, steps=steps, batch_size=batch_size,
                           seed=seed + i, device=device,
                           eval_every=steps, eval_samples=2000)
               for i in range(members)]
    return np.array([trained_gaussian(m) for m in train(configs, progress=False)])


@ONE
@given(seed=st.integers(0, 2**31))
@pytest.mark.parametrize("divergence", list(FIT_BUDGET))
def test_affine_generator_lands_on_the_direct_fit(device, divergence, seed):
    # The direct minimiser reached by descent from the generator's start.
    mu0, sigma0 = FIT_BUDGET[divergence][4]
    x, _ = gs.grid_for(MIXTURE, points=4001, width=16.0)
    mu, sigma, _ = direct_fit(MIXTURE, divergence, [mu0, math.log(sigma0)], x)
    fits = fit_population(divergence, seed=seed, device=device)
    # The members are independent runs. Their spread is measured robustly, as 1.4826
    # times the median absolute deviation (the sd at the normal; a member still on its
    # way counts as an outlier, not as width), and the median of N of them is off its
    # centre by about 1.25 spread / sqrt(N) (the median's efficiency at the normal). The
    # median must be within 4 such errors of the direct fit (spread floored at 0.01, the
    # jitter of Adam's steps left in the weight average, so that identical members are
    # not held to zero), plus 0.02 (about 1% of the wide fits' scale) for the
    # generator's remaining approach: the critic, trained at the generator's pace, lags
    # it, and the wide fits end slightly wider than the direct one. Measured on seeds 0
    # and 1000 (8 members each): spreads 0.002-0.04; medians within 0.035 of the
    # direct fit in mu and 0.02 in sigma (Hellinger's sigma 1.843 against 1.822, which
    # 10000 steps bring to 1.828). The spread itself is bounded by 0.05 (half the
    # members agree to a fortieth of the wide fits' scale), so that a noisy population
    # cannot pass by its width. KL's fit and the wide fits of Hellinger and JS differ by
    # 0.04-0.08 in (mu, sigma); the heavier mode is 1.2 away from every wide fit.
    for k, (name, want) in enumerate((("mu", mu), ("sigma", sigma))):
        centre = float(np.median(fits[:, k]))
        spread = 1.4826 * float(np.median(np.abs(fits[:, k] - centre)))
        at_most(spread, 0.05, 0.0, f"robust spread of the trained {name} over the members")
        error = 4 * 1.25 * max(spread, 0.01) / math.sqrt(len(fits)) + 0.02
        close(centre, want, error, f"median trained {name} = the direct fit's")


# members per recovery population: 32 under ci and dev, 256 under thorough
RECOVERY_MEMBERS = 256 if settings().max_examples >= 1000 else 32
# Every divergence's members must reach W1 < 0.1 s at a stated rate of 0.5: k = 26 of
# 32 (154 of 256), which a trainer whose true rate is 0.93 reaches with probability
# 0.994. Per divergence: the step budget and R1's gamma. Measured on the 32 targets of
# seed 0 (U[-5, 5] means, U[0.2, 3] scales) with the built-in MLPs at the published
# Adam(2e-4, (0.5, 0.999)):
RECOVERY_TOLERANCE, RECOVERY_RATE = 0.1, 0.5
RECOVERY = {
    # 1200 steps: 30-32 of 32 below 0.1 s (medians 0.04-0.05 s)
    "reverse-kl": (1200, 0.0),
    "pearson": (1200, 0.0),
    "neyman": (1200, 0.0),
    "hellinger": (1200, 0.0),
    "jensen-shannon": (1200, 0.0),
    "gan": (1200, 0.0),
    # KL is slower (13 of 32 at 1200 steps, median 0.15 s); at 2500 steps 31 of 32
    "kl": (2500, 0.0),
    # TV's T* = +-1/2 sits at v = +-infinity, where tanh(v) / 2 is flat: unpenalised, its
    # critic saturates and stops learning, and at most 13 of 32 members pass below 0.1 s
    # (at 1500 steps; 0 of 32 at 5000, five of them off at 1.4-3.3 s). R1 (gamma 10, on
    # v at the data) keeps the critic smooth and is 0 at the equilibrium P = Q (a
    # constant critic): 32 of 32 below 0.1 s on seeds 0 and 1 (medians 0.024, 0.027 s)
    "total-variation": (1200, 10.0),
}


@ONE
@given(seed=st.integers(0, 2**31))
@pytest.mark.parametrize("divergence", list(RECOVERY))
def test_every_divergence_recovers_a_gaussian_at_the_stated_rate(device, divergence, seed):
    steps, r1_gamma = RECOVERY[divergence]
    rng = np.random.default_rng(seed)
    targets = list(zip(rng.uniform(-5.0, 5.0, RECOVERY_MEMBERS),
                       rng.uniform(0.2, 3.0, RECOVERY_MEMBERS)))
    configs = [TrainConfig(loss="f-gan", divergence=divergence, data=gancore.Normal(m, s),
                           steps=steps, r1_gamma=r1_gamma, seed=i, device=device,
                           eval_every=steps)
               for i, (m, s) in enumerate(targets)]
    result = train(configs, progress=False)
    # W1 between 1e4 generated and 1e4 target points (sampling floor about 0.01 s)
    w1 = result.history["w1"][:, -1] / np.array([s for _, s in targets])
    reached = int(np.sum(w1 < RECOVERY_TOLERANCE))
    at_most(least_successes(RECOVERY_MEMBERS, RECOVERY_RATE), reached, 0.0,
            f"members below {RECOVERY_TOLERANCE} s: {reached} of {RECOVERY_MEMBERS} "
            f"(median W1 / s {np.median(w1):.3f})")
