"""The ring and grid benchmarks and mode_coverage, on hand-built samples of known counts."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import mahalanobis

import gancore
from gancore._arrays import to_numpy
from proofs._support import arr, assert_lives_with, host


def test_ring_has_the_published_components():
    ring = gancore.gaussian_ring()
    angles = 2 * np.pi * np.arange(8) / 8
    assert np.allclose([c.mean for c in ring.components],
                       np.stack([np.cos(angles), np.sin(angles)], 1), rtol=0, atol=1e-15)
    assert all(np.allclose(c.cov, 0.01**2 * np.eye(2), rtol=1e-15, atol=0) for c in ring.components)
    assert np.array_equal(ring.weights, np.full(8, 1 / 8))
    wide = gancore.gaussian_ring(3, radius=2.0, scale=0.5)
    assert np.allclose(np.linalg.norm([c.mean for c in wide.components], axis=1), 2.0)
    assert all(np.array_equal(c.cov, 0.25 * np.eye(2)) for c in wide.components)


def test_grid_has_the_published_components():
    grid = gancore.gaussian_grid()
    means = {tuple(c.mean) for c in grid.components}
    assert means == {(i, j) for i in (-4.0, -2.0, 0.0, 2.0, 4.0) for j in (-4.0, -2.0, 0.0, 2.0, 4.0)}
    assert all(np.allclose(c.cov, 0.05**2 * np.eye(2), rtol=1e-15, atol=0) for c in grid.components)
    assert np.allclose(grid.weights, 1 / 25, rtol=1e-15)
    assert [tuple(c.mean) for c in gancore.gaussian_grid(2, spacing=1.0).components] == [
        (-0.5, -0.5), (-0.5, 0.5), (0.5, -0.5), (0.5, 0.5)]


def _ring_points(counts, offset):
    """counts[k] points at mode k of the default ring, each ``offset`` standard
    deviations (0.01) from its mean in a direction that turns with the point."""
    ring = gancore.gaussian_ring()
    points = []
    for k, n in enumerate(counts):
        turn = 2 * np.pi * np.arange(n) / max(n, 1)
        points.append(ring.components[k].mean
                      + 0.01 * offset * np.stack([np.cos(turn), np.sin(turn)], 1))
    return ring, np.concatenate(points)


def test_samples_too_far_for_their_distance_are_far_from_every_mode(xp):
    # whitened distances past the largest float (inf, or NaN from inf - inf in the
    # product) make those samples miss every mode, without a warning (the
    # configuration's filterwarnings=error fails the test on one); the one sample on
    # a mode still counts
    ring = gancore.gaussian_ring()
    samples = arr(xp, [[1e308, 1e308], [-1e308, 0.0], [1.0, 0.0]])
    score = gancore.mode_coverage(samples, ring)
    assert host(score.counts).tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert float(score.high_quality) == pytest.approx(1 / 3, abs=1e-15)


def test_a_radius_whose_square_passes_the_largest_float_takes_every_finite_sample():
    # within = 1.35e154 standard deviations: its square is past the largest float (inf),
    # and every finite sample is high quality, with neither an error nor a warning
    score = gancore.mode_coverage(np.array([[0.0, 0.0], [5.0, 5.0]]), gancore.gaussian_ring(),
                                  within=1.35e154)
    assert float(score.high_quality) == 1.0


def test_counts_of_hand_built_samples(xp):
    counts = [5, 0, 3, 0, 0, 1, 0, 7]
    ring, inside = _ring_points(counts, 2.9)      # within 3 sd of their mode
    _, outside = _ring_points([2] * 8, 3.1)       # just beyond
    samples = arr(xp, np.concatenate([inside, outside]))
    score = gancore.mode_coverage(samples, ring)
    assert_lives_with(score.high_quality, samples)
    assert_lives_with(score.reverse_kl, samples)
    assert host(score.counts).tolist() == counts
    assert int(score.modes) == 4
    assert float(score.high_quality) == pytest.approx(16 / 32, abs=1e-15)
    # the reference: SciPy's entropy (KL in nats) of the normalised counts to the weights
    expected = stats.entropy(np.array(counts) / 16, np.full(8, 1 / 8))
    assert float(score.reverse_kl) == pytest.approx(expected, rel=1e-13)
    assert to_numpy(score.counts).dtype == np.int64
    # every high-quality point sits 2.9 sd from its mode: spread 2.9^2
    assert_lives_with(score.spread, samples)
    assert float(score.spread) == pytest.approx(2.9**2, rel=1e-12)


def test_a_collapsed_sampler_covers_one_mode_and_a_covering_one_all(xp):
    ring = gancore.gaussian_ring()
    collapsed = gancore.mode_coverage(arr(xp, ring.components[2].sample(2500, seed=1)), ring)
    assert int(collapsed.modes) == 1
    assert float(collapsed.reverse_kl) == pytest.approx(math.log(8), rel=1e-14)
    covering = gancore.mode_coverage(arr(xp, ring.sample(2500, seed=1)), ring)
    assert int(covering.modes) == 8
    # counts are multinomial(n_hq, 1/8): KL(q || w) ~ chi2_7 / (2 n) with mean 7 / 5000
    assert float(covering.reverse_kl) < 0.01


def test_a_perfect_sampler_is_high_quality_with_the_chi2_probability(xp):
    # a sample of the mixture is within 3 sd of its own mode with probability
    # P(chi2_2 < 9) = 1 - exp(-9/2) = 0.98889 (the modes are far apart, so its own mode
    # is the nearest); 1e5 samples: binomial standard error 3.3e-4, checked to 5 of them
    grid = gancore.gaussian_grid()
    score = gancore.mode_coverage(arr(xp, grid.sample(100_000, seed=2)), grid)
    assert abs(float(score.high_quality) - (1 - math.exp(-4.5))) < 5 * 3.3e-4
    assert int(score.modes) == 25


def test_a_batch_is_scored_member_by_member(xp):
    grid = gancore.gaussian_grid()
    samples = np.stack([grid.sample(300, seed=s) for s in range(3)])
    samples[1, :200] = grid.components[7].mean     # member 1 partly collapsed
    batch = gancore.mode_coverage(arr(xp, samples), grid)
    assert tuple(batch.counts.shape) == (3, 25) and tuple(batch.modes.shape) == (3,)
    for i in range(3):
        one = gancore.mode_coverage(arr(xp, samples[i]), grid)
        assert np.array_equal(host(batch.counts)[i], host(one.counts))
        assert int(host(batch.modes)[i]) == int(one.modes)
        assert host(batch.high_quality)[i] == float(one.high_quality)
        # KL sums its terms in another order for a batch: a few ulps apart
        assert host(batch.reverse_kl)[i] == pytest.approx(float(one.reverse_kl), rel=1e-14)
        assert host(batch.spread)[i] == pytest.approx(float(one.spread), rel=1e-14)


def test_distance_is_mahalanobis_per_component(xp):
    # A narrow component (sd 0.1 at 0) and a wide one (sd 2 at 1): x = 0.45 is nearer to
    # the wide one's mean in sd (0.275 against 4.5) though nearer the narrow one's in
    # x (x = 0.02: 0.2 against 0.49 sd); in 2-D, anisotropic covariances against SciPy's Mahalanobis distance.
    line = gancore.Mixture([gancore.Normal(0.0, 0.1), gancore.Normal(1.0, 2.0)], [0.5, 0.5])
    score = gancore.mode_coverage(arr(xp, [0.45, 0.02]), line)
    assert host(score.counts).tolist() == [1, 1]
    covs = [np.array([[1.0, 0.8], [0.8, 1.0]]), np.array([[0.2, 0.0], [0.0, 3.0]])]
    mix = gancore.Mixture([gancore.MultivariateNormal([0.0, 0.0], covs[0]),
                           gancore.MultivariateNormal([2.0, 1.0], covs[1])], [0.3, 0.7])
    x = np.random.default_rng(3).normal(0, 2, (400, 2))
    distances = np.array([[mahalanobis(p, c.mean, np.linalg.inv(c.cov)) for c in mix.components]
                          for p in x])
    good = distances.min(1) < 1.5
    expected = np.bincount(distances.argmin(1)[good], minlength=2)
    score = gancore.mode_coverage(arr(xp, x), mix, within=1.5)
    assert host(score.counts).tolist() == expected.tolist()
    assert float(score.high_quality) == pytest.approx(good.mean(), abs=1e-15)


def test_infinite_samples_are_not_high_quality_and_none_gives_infinite_kl(xp):
    ring = gancore.gaussian_ring()
    samples = arr(xp, [[math.inf, 0.0], [1.0, 0.0], [-math.inf, -math.inf]])
    score = gancore.mode_coverage(samples, ring)
    assert host(score.counts).tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert float(score.high_quality) == pytest.approx(1 / 3, abs=1e-15)
    none = gancore.mode_coverage(arr(xp, [[0.0, 0.0]]), ring)
    assert int(none.modes) == 0 and float(none.reverse_kl) == math.inf
    assert math.isnan(float(none.spread))


def test_bad_arguments_are_named():
    ring = gancore.gaussian_ring()
    with pytest.raises(TypeError, match="mixture"):
        gancore.mode_coverage(np.zeros((3, 2)), gancore.Normal())
    nested = gancore.Mixture([ring, ring], [0.5, 0.5])
    with pytest.raises(TypeError, match="mixture"):
        gancore.mode_coverage(np.zeros((3, 2)), nested)
    with pytest.raises(ValueError, match=r"samples must have shape \(\.\.\., n, 2\)"):
        gancore.mode_coverage(np.zeros((3, 3)), ring)
    with pytest.raises(ValueError, match="samples must have shape"):
        gancore.mode_coverage(np.zeros((0, 2)), ring)
    with pytest.raises(ValueError, match="samples must not hold NaN"):
        gancore.mode_coverage(np.array([[0.0, math.nan]]), ring)
    with pytest.raises(TypeError, match="samples must have a real floating dtype"):
        gancore.mode_coverage(np.zeros((3, 2), dtype=int), ring)
    with pytest.raises(ValueError, match="within"):
        gancore.mode_coverage(np.zeros((3, 2)), ring, within=0.0)
    with pytest.raises(ValueError, match="modes"):
        gancore.gaussian_ring(0)
    # a scale whose square, the variance, passes the float range or rounds to 0 (it
    # raised OverflowError from scale**2, or named a cov the caller never gave)
    for scale in (1e155, 1e-170):
        for benchmark in (gancore.gaussian_ring, gancore.gaussian_grid):
            with pytest.raises(ValueError, match="scale must lie between"):
                benchmark(scale=scale)
    with pytest.raises(ValueError, match="spacing"):
        gancore.gaussian_grid(5, spacing=-1.0)
