"""The theory suite's strategies generate what their docstrings say, edges included."""

import numpy as np
from hypothesis import find, given, settings

from proofs import strategies as gs

TINY = gs.SMALLEST_NORMAL


@given(gs.probability_vectors())
def test_probability_vectors_are_normalised_and_non_negative(p):
    assert p.ndim == 1 and 1 <= p.size <= 12
    assert np.all(p >= 0) and abs(p.sum() - 1) <= 16 * np.finfo(float).eps
    assert np.all((p == 0) | (p >= TINY))  # no subnormal masses


def test_probability_vectors_reach_zeros_and_tiny_masses():
    assert 0.0 in find(gs.probability_vectors(), lambda p: np.any(p == 0))
    tiny = find(gs.probability_vectors(), lambda p: np.any((p > 0) & (p < 1e-250)))
    assert tiny.min(initial=1.0, where=tiny > 0) < 1e-250
    # down to a few times the smallest normal float
    least = find(gs.probability_vectors(), lambda p: np.any((p > 0) & (p < 100 * TINY)))
    assert least.min(initial=1.0, where=least > 0) < 100 * TINY
    full = find(gs.probability_vectors(zeros=False, tiny=False), lambda p: p.size > 3)
    assert np.all(full > 0)


@given(gs.distribution_pairs())
def test_pairs_share_a_length(pq):
    assert pq[0].shape == pq[1].shape


@given(gs.disjoint_pairs())
def test_disjoint_pairs_have_disjoint_supports(pq):
    p, q = pq
    assert np.all(p * q == 0) and p.sum() > 0 and q.sum() > 0
    assert abs(p.sum() - 1) < 1e-15 and abs(q.sum() - 1) < 1e-15


@given(gs.discriminator_outputs(5))
def test_discriminator_outputs_lie_in_the_unit_interval(d):
    assert d.shape == (5,) and np.all((d >= 0) & (d <= 1))


def test_discriminator_outputs_reach_both_ends():
    assert find(gs.discriminator_outputs(3), lambda d: np.any(d == 0)).min() == 0
    assert find(gs.discriminator_outputs(3), lambda d: np.any(d == 1)).max() == 1
    # within a few ulps of each end: subnormals above 0, 1 - k 2**-53 below 1
    near_0 = find(gs.discriminator_outputs(3), lambda d: np.any((d > 0) & (d < 1e-320)))
    assert near_0.min(initial=1.0, where=near_0 > 0) <= 8 * gs.SMALLEST_SUBNORMAL
    near_1 = find(gs.discriminator_outputs(3), lambda d: np.any((d < 1) & (d > 1 - 1e-15)))
    assert near_1.max(initial=0.0, where=near_1 < 1) >= 1 - 8 * gs.HALF_EPS


@given(gs.discriminator_logits(4))
def test_discriminator_logits_are_real_or_infinite(logits):
    assert logits.shape == (4,) and not np.any(np.isnan(logits))
    assert np.all(np.isinf(logits) | (np.abs(logits) <= 745))


def test_discriminator_logits_reach_the_float_extremes():
    assert find(gs.discriminator_logits(3), lambda l: np.any(l == np.inf)).max() == np.inf
    big = find(gs.discriminator_logits(3), lambda l: np.any(np.isfinite(l) & (l <= -700)))
    assert big.min() <= -700


@settings(max_examples=30)
@given(gs.mixtures(scale_ratio=2.0))
def test_mixtures_respect_their_ranges(mix):
    scales = [c.scale for c in mix.components]
    assert 1 <= len(scales) <= 3 and all(0.2 <= s <= 3 for s in scales)
    assert max(scales) <= 2 * min(scales) * (1 + 1e-12)
    assert all(-5 <= c.loc <= 5 for c in mix.components)
    assert np.all(mix.weights >= 0.05 / 2.05) and abs(mix.weights.sum() - 1) < 1e-12
    x, dx = gs.grid_for(mix)
    # the grid holds all but a negligible part of the mass
    assert abs(mix.pdf(x).sum() * dx - 1) < 1e-9


@given(gs.benchmark_mixtures())
def test_benchmark_mixtures_keep_their_modes_12_deviations_apart(mixture):
    means = np.array([c.mean for c in mixture.components])
    sd = float(np.sqrt(mixture.components[0].cov[0, 0]))
    gaps = np.linalg.norm(means[:, None] - means[None], axis=-1)
    assert 4 <= len(means) <= 25 or 2 <= len(means) <= 12
    assert np.min(gaps[~np.eye(len(means), dtype=bool)]) >= 12 * sd * (1 - 1e-12)
