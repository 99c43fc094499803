"""Mode coverage (THEORY.md section 6): what the measures of the mode-collapse tables
say, and the trainer capturing every mode of the ring.

For samples scored against a mixture of K components with weights w,
``mode_coverage`` counts c_k high-quality samples per component; q = c / sum(c) has at
most ``modes`` non-zero entries, so its entropy is at most log(modes) and, for equal
weights, KL(q || w) = log K - H(q) >= log(K / modes): a collapsed generator cannot
score a small reverse KL. A sample of the mixture itself is high quality with the
probability that its own component puts within 3 standard deviations (for
well-separated components its own mean is the nearest), P(chi2_d < 9): 1 - exp(-9/2)
in 2-D.
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._shards import train_population
from ._support import (POPULATION, arr, host, least_successes, member_seeds, one_run,
                       thorough)

THEOREM = "Mode coverage"
STATEMENT = ("a mixture's own samples cover all K modes at HQ P(chi2_d < 9) and spread "
             "E[chi2_d | chi2_d < 9]; a sampler on j "
             "modes covers j with reverse KL >= log(K / j); the trainer captures all 8 ring "
             "modes in 4 of 5 trials (stated rate 0.2, risk 0.01; under thorough 9 of 10: "
             "0.45, 0.01)")


@given(mixture=gs.benchmark_mixtures(), seed=st.integers(0, 2**32 - 1))
def test_a_mixtures_own_samples_cover_every_mode(xp, mixture, seed):
    k = len(mixture.components)
    n = 200 * k  # P(a mode gets no sample) <= k (1 - 1/k)^n < k exp(-200): never
    score = gancore.mode_coverage(arr(xp, mixture.sample(n, seed=seed)), mixture)
    at_most(k, int(score.modes), 0.0, "modes captured by the mixture's own samples")
    # the high-quality fraction is binomial(n, p), p = P(chi2_2 < 9): 5 standard errors
    p = stats.chi2.cdf(9.0, 2)
    close(float(score.high_quality), p, 5 * math.sqrt(p * (1 - p) / n),
          "high-quality fraction = P(chi2_2 < 9)")
    # the counts are multinomial: 2 n_hq KL(q || w) is the G statistic, asymptotically
    # chi2_{k-1}; its 1e-6 quantile, times 1.5 for the asymptotics at these n (a bound
    # of 10 (k - 1) instead, about the 1e-3 quantile for k = 2, failed on a fresh
    # random 2-mode ring: 0.0133 against 0.0126)
    n_hq = float(np.sum(host(score.counts)))
    at_most(float(score.reverse_kl), 1.5 * stats.chi2.isf(1e-6, k - 1) / (2 * n_hq), 0.0,
            "reverse KL of the mixture's own samples")
    # the spread is the mean of n_hq draws of chi2_2 truncated at 9 (the components
    # are 12 sd apart or more, so the nearest mean is the own one): its mean and
    # standard deviation by quadrature, 5 standard errors
    pdf = stats.chi2(2).pdf
    moments = [integrate.quad(lambda t, j=j: t**j * pdf(t), 0.0, 9.0)[0] / p for j in (1, 2)]
    close(float(score.spread), moments[0],
          5 * math.sqrt((moments[1] - moments[0] ** 2) / n_hq),
          "spread = E[chi2_2 | chi2_2 < 9]")


@given(mixture=gs.benchmark_mixtures(), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_a_sampler_on_j_modes_covers_j_with_reverse_kl_at_least_log_k_over_j(
        xp, mixture, data, seed):
    k = len(mixture.components)
    used = sorted(data.draw(st.sets(st.integers(0, k - 1), min_size=1, max_size=k)))
    skew = data.draw(st.lists(st.floats(0.05, 1.0), min_size=len(used), max_size=len(used)))
    part = gancore.Mixture([mixture.components[i] for i in used], skew, normalize=True)
    # each used mode has weight >= 0.05 / j: with n = 400 j draws it expects >= 20, and
    # misses all of them (and 3 sd) with probability < exp(-19): never
    n = 400 * len(used)
    score = gancore.mode_coverage(arr(xp, part.sample(n, seed=seed)), mixture)
    counts = host(score.counts)
    assert set(np.flatnonzero(counts)) == set(used), "captured modes = sampled modes"
    j = int(score.modes)
    at_most(len(used), j, 0.0, "modes captured = modes sampled")
    # the identity behind the bound: KL(q || 1/k) = log k - H(q) >= log(k / j); tolerance:
    # a few roundings of a sum of at most 25 terms of size <= log k
    q = counts / counts.sum()
    entropy = -float(np.sum(q[q > 0] * np.log(q[q > 0])))
    close(float(score.reverse_kl), math.log(k) - entropy, 1e-12 * (1 + math.log(k)),
          "reverse KL = log K - H(q)")
    at_most(math.log(k / j) - 1e-12, float(score.reverse_kl), 0.0,
            "reverse KL >= log(K / modes)")
    at_most(float(counts.sum()), n * float(score.high_quality), 1e-9 * n,
            "sum of counts = high-quality fraction * n")


# The trainer's documented configuration for the ring (docs/theory/mode-collapse.md):
# the non-saturating GAN at its published optimiser settings with three hidden layers
# of 128 and latent dimension 2. Measured at 3000 steps: 30 of 30 trials (seeds 0-9,
# 20-29, 770-779) captured all 8 modes (HQ 32 to 62%), 25 s per population of 10 on a
# 2-core CPU. At 2000 steps, the proof's budget since `gancore verify` had to answer
# faster, the same 30 trials captured all 8 too (HQ 9 to 52%, 31-34 s per population
# beside another run); at 1500 steps only 24 of 30 did (one population of 10 had 7), so
# 2000 keeps a margin. The default networks (2 x 64, latent 8) are not enough for a
# proof: at 6000 steps 3 of 50 trials had 0, 4 or 7 modes (slow starters whose
# generator still hops between modes), so 9 of 10 would fail about one run in eight.
RING = {"widths": (128, 128, 128), "latent_dim": 2, "steps": 2000}
# Trials and the required k: under ci and dev the trainer proofs' _support.POPULATION,
# 4 of 5 (a stated rate of 0.2 at risk 0.01; a trainer whose rate is the measured 30 of
# 30, or 0.97, shows 4 of 5 with probability 0.9915, where 9 of 10 came with 0.965),
# for half the training; under thorough 9 of 10 as before (a rate of 0.45 at 0.01).
RING_TRIALS, RING_REQUIRED = ((10, 9) if thorough() else
                              (POPULATION[0], least_successes(*POPULATION)))


@one_run
@given(seed=st.integers(0, 2**32 - 10))
def test_training_captures_every_mode_of_the_ring(device, seed):
    from gancore.torch import TrainConfig, sweep

    ring = gancore.gaussian_ring()
    config = TrainConfig(data=ring, eval_every=RING["steps"], eval_samples=500,
                         device=device, **RING)
    population = train_population(sweep(config, seed=member_seeds(seed, RING_TRIALS)))
    samples = np.stack([m.sample(2500, seed=seed).double().cpu().numpy() for m in population])
    score = gancore.mode_coverage(samples, ring)
    modes = host(score.modes)
    at_most(RING_REQUIRED, int(np.sum(modes == 8)), 0.0,
            f"trials with all 8 modes of {RING_TRIALS} (modes per trial {modes.tolist()})")
