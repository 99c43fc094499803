"""w1 against scipy.stats.wasserstein_distance and w1_empirical against POT."""

import numpy as np
import ot
import pytest
from scipy import stats

import gancore
from proofs._support import arr, assert_lives_with, host

RNG = np.random.default_rng(2017)

# Results must equal SciPy's to 1e-12 relative: the same integral of |F_u - F_v| summed
# in a different order differs by a few float64 roundings.
REL = 1e-12


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_w1_equal_sizes_matches_scipy(xp, n):
    u, v = RNG.normal(0, 1, n), RNG.normal(0.5, 2, n)
    got = gancore.w1(arr(xp, u), arr(xp, v))
    assert_lives_with(got, arr(xp, u))
    assert host(got) == pytest.approx(stats.wasserstein_distance(u, v), rel=REL, abs=0)


@pytest.mark.parametrize("nu, nv", [(1, 5), (3, 8), (500, 313)])
def test_w1_unequal_sizes_and_weights_match_scipy(xp, nu, nv):
    u, v = RNG.normal(0, 1, nu), RNG.exponential(1.0, nv)
    uw, vw = RNG.random(nu) * 3, RNG.random(nv)
    got = gancore.w1(arr(xp, u), arr(xp, v))
    assert host(got) == pytest.approx(stats.wasserstein_distance(u, v), rel=REL, abs=0)
    got_w = gancore.w1(arr(xp, u), arr(xp, v), arr(xp, uw), arr(xp, vw))
    assert_lives_with(got_w, arr(xp, u))
    assert host(got_w) == pytest.approx(stats.wasserstein_distance(u, v, uw, vw), rel=REL, abs=0)
    one_sided = gancore.w1(arr(xp, u), arr(xp, v), v_weights=arr(xp, vw))
    assert host(one_sided) == pytest.approx(stats.wasserstein_distance(u, v, None, vw), rel=REL, abs=0)


def test_w1_with_ties_and_zero_weights(xp):
    u, v = np.array([0.0, 0.0, 1.0, 1.0, 2.0]), np.array([1.0, 1.0, 3.0])
    uw, vw = np.array([1.0, 0.0, 2.0, 0.0, 1.0]), np.array([0.5, 0.5, 0.0])
    got = host(gancore.w1(arr(xp, u), arr(xp, v), arr(xp, uw), arr(xp, vw)))
    assert got == pytest.approx(stats.wasserstein_distance(u, v, uw, vw), rel=REL, abs=0)
    # mass 1/4 at 0 and 1/4 at 2 each move 1 to reach 1
    assert got == pytest.approx(0.5, rel=1e-15, abs=0)


def test_w1_translation_is_the_shift(xp):
    u = RNG.normal(0, 1, 100)
    assert host(gancore.w1(arr(xp, u), arr(xp, u + 3.25))) == pytest.approx(3.25, rel=1e-14, abs=0)
    assert host(gancore.w1(arr(xp, u), arr(xp, u))) == 0.0


def test_w1_float32(xp):
    u, v = RNG.normal(0, 1, 300), RNG.normal(1, 1, 200)
    got = gancore.w1(arr(xp, u, xp.float32), arr(xp, v, xp.float32))
    assert got.dtype == xp.float32
    # inputs rounded to float32 move W1 by ~1e-7 relative
    assert host(got) == pytest.approx(stats.wasserstein_distance(u, v), rel=1e-5, abs=0)


@pytest.mark.parametrize("n, d", [(1, 1), (5, 2), (60, 3)])
def test_w1_empirical_matches_pot_emd2(xp, n, d):
    x, y = RNG.normal(0, 1, (n, d)), RNG.normal(1, 2, (n, d))
    got = gancore.w1_empirical(arr(xp, x), arr(xp, y))
    assert_lives_with(got, arr(xp, x))
    cost = ot.dist(x, y, metric="euclidean")
    ref = ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), cost)
    # both solve the same linear programme exactly; the optimum differs by rounding
    assert host(got) == pytest.approx(ref, rel=1e-12, abs=0)


def test_w1_empirical_in_one_dimension_equals_w1(xp):
    x, y = RNG.normal(0, 1, 50), RNG.normal(1, 1, 50)
    got = gancore.w1_empirical(arr(xp, x[:, None]), arr(xp, y[:, None]))
    assert host(got) == pytest.approx(host(gancore.w1(arr(xp, x), arr(xp, y))), rel=1e-12, abs=0)
