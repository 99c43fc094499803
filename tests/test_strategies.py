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
