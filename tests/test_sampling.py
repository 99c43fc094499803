"""Rejection, Metropolis-Hastings and the Lipschitz precision bound: where results live,
their documented edges and deterministic cases, and every named error. The theorems
(exact laws, the bound attained) are proved in proofs/test_rejection.py,
proofs/test_metropolis_hastings.py and proofs/test_no_gans_land.py."""

import math

import numpy as np
import pytest
from scipy import stats

import gancore
from proofs._support import arr, assert_lives_with, host

ROWS = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0]])


def test_rejection_results_live_with_the_inputs(xp):
    x, log_ratio = arr(xp, ROWS), arr(xp, [0.0, -1.0, -math.inf, 2.0])
    got = gancore.rejection_sample(x, log_ratio, log_m=2.0, exact=True, seed=0)
    assert_lives_with(got.samples, x)
    assert_lives_with(got.rate, log_ratio)
    assert got.accepted.dtype == xp.bool and tuple(got.accepted.shape) == (4,)
    assert got.rate.ndim == 0
    kept = host(got.accepted).astype(bool)
    np.testing.assert_array_equal(host(got.samples), ROWS[kept])
    assert float(got.rate) == kept.mean()


def test_rejection_edges_are_deterministic(xp):
    # a(x) = min(1, exp(l - log M)): 1 at and above log M, 0 where l = -inf
    log_ratio = [3.0, 1.0, -math.inf, 1.0 + 1e-12, 5.0]
    got = gancore.rejection_sample(arr(xp, np.arange(5.0)), arr(xp, log_ratio), log_m=1.0,
                                   seed=0)
    kept = host(got.accepted).astype(bool)
    np.testing.assert_array_equal(kept, [True, True, False, True, True])
    # the default log M is the batch's largest ratio, whose row is always accepted
    for seed in range(5):
        got = gancore.rejection_sample(arr(xp, np.arange(3.0)), arr(xp, [-50.0, 7.0, -50.0]),
                                       seed=seed)
        np.testing.assert_array_equal(host(got.accepted).astype(bool), [False, True, False])


def test_log_ratios_apart_by_more_than_the_dtype_decide_without_warnings(xp):
    # -1e308 - 1e308 and 1e308 - (-1e308) overflow to -inf and inf: acceptance
    # probability 0 and 1, as exp of the exact difference rounds to (the
    # configuration's filterwarnings=error fails the test on a warning)
    got = gancore.rejection_sample(arr(xp, np.arange(3.0)), arr(xp, [1e308, -1e308, 0.0]),
                                   log_m=-1e308, seed=0)
    np.testing.assert_array_equal(host(got.accepted).astype(bool), [True, True, True])
    got = gancore.rejection_sample(arr(xp, np.arange(2.0)), arr(xp, [1e308, -1e308]),
                                   seed=0)
    np.testing.assert_array_equal(host(got.accepted).astype(bool), [True, False])
    # a chain at 1e308 never moves to -1e308 and always moves up from it
    chain = arr(xp, [[1e308, -1e308, 1e308, -1e308], [-1e308, 1e308, -1e308, -1e308]])
    got = gancore.metropolis_hastings(arr(xp, np.arange(8.0).reshape(2, 4)), chain, seed=0)
    np.testing.assert_array_equal(host(got.states), [[0, 0, 2, 2], [4, 5, 5, 5]])


def test_rejection_with_no_mass_anywhere_accepts_nothing(xp):
    got = gancore.rejection_sample(arr(xp, ROWS), arr(xp, [-math.inf] * 4), seed=0)
    assert tuple(got.samples.shape) == (0, 2) and float(got.rate) == 0.0


def test_one_seed_gives_the_same_draws_in_every_namespace(xp):
    rng = np.random.default_rng(3)
    x, log_ratio = rng.normal(size=(200, 2)), rng.normal(size=200)
    mine = gancore.rejection_sample(arr(xp, x), arr(xp, log_ratio), log_m=3.0, seed=7)
    numpy = gancore.rejection_sample(x, log_ratio, log_m=3.0, seed=7)
    np.testing.assert_array_equal(host(mine.accepted), numpy.accepted)
    chains = gancore.metropolis_hastings(arr(xp, x.reshape(20, 10, 2)),
                                         arr(xp, log_ratio.reshape(20, 10)), seed=7)
    np.testing.assert_array_equal(host(chains.states), gancore.metropolis_hastings(
        x.reshape(20, 10, 2), log_ratio.reshape(20, 10), seed=7).states)


def test_rejection_rate_is_the_mean_acceptance():
    # accepted ~ Bernoulli(exp(l - log M)) independently: the count is
    # Poisson-binomial; 6 standard deviations
    log_ratio = np.log(np.linspace(0.01, 1.0, 100_000))
    got = gancore.rejection_sample(np.zeros(100_000), log_ratio, log_m=0.0, seed=1)
    a = np.exp(log_ratio)
    assert abs(float(got.rate) - a.mean()) <= 6 * math.sqrt(np.sum(a * (1 - a))) / a.size


def test_mh_results_live_with_the_inputs(xp):
    proposals = arr(xp, np.arange(24.0).reshape(3, 4, 2))
    log_ratio = arr(xp, np.zeros((3, 4)))
    got = gancore.metropolis_hastings(proposals, log_ratio, seed=0)
    assert_lives_with(got.states, proposals)
    assert_lives_with(got.last, proposals)
    assert_lives_with(got.rate, log_ratio)
    # equal ratios: every move is accepted, so the states are the proposals
    np.testing.assert_array_equal(host(got.states), host(proposals))
    np.testing.assert_array_equal(host(got.last), host(proposals)[:, -1])
    assert float(got.rate) == 1.0


def test_mh_moves_up_always_and_never_to_zero_mass(xp):
    # chain 0: rising ratios, every move accepted; chain 1: p = 0 at every proposal
    # after the start, so it stays there; chain 2: 1-D states from a -inf start move
    # to the first point where p > 0
    log_ratio = [[-3.0, -2.0, 0.0, 4.0],
                 [1.0, -math.inf, -math.inf, -math.inf],
                 [-math.inf, 0.5, -math.inf, -math.inf]]
    proposals = np.arange(12.0).reshape(3, 4)
    got = gancore.metropolis_hastings(arr(xp, proposals), arr(xp, log_ratio), seed=0)
    np.testing.assert_array_equal(host(got.states), [[0, 1, 2, 3], [4, 4, 4, 4],
                                                     [8, 9, 9, 9]])
    assert float(got.rate) == pytest.approx(4 / 9)


def test_mh_acceptance_probability_is_the_ratio_of_odds():
    # from l = log 3 to l' = 0 the move is accepted with probability exp(0 - log 3) = 1/3:
    # binomial over 200000 chains, 6 standard deviations
    chains = 200_000
    log_ratio = np.tile([math.log(3.0), 0.0], (chains, 1))
    got = gancore.metropolis_hastings(np.zeros((chains, 2)), log_ratio, seed=2)
    assert abs(float(got.rate) - 1 / 3) <= 6 * math.sqrt(2 / 9 / chains)


def test_bound_closed_form_and_root_agree(xp):
    gap = np.array([0.0, 0.3, 1.0, 4.0, 20.0])
    got = host(gancore.lipschitz_precision_bound(arr(xp, gap), arr(xp, np.ones(5))))
    # 2 Phi(-delta / (2L)) with SciPy's survival function, and the root found by
    # bisection for w just off 1/2 (the bound is continuous in w)
    np.testing.assert_allclose(got, 2 * stats.norm.sf(gap / 2), rtol=1e-14)
    near = host(gancore.lipschitz_precision_bound(arr(xp, gap), 1.0 + 0 * arr(xp, gap),
                                                  masses=0.5 + 1e-9 + 0 * arr(xp, gap)))
    np.testing.assert_allclose(near, got, rtol=1e-7)


def test_a_separation_past_the_dtype_gives_the_bound_0_without_warnings():
    # delta / L = 1e300 / 1e-300 overflows: the bound, which underflows to 0 beyond
    # delta / L of about 75, is 0 (filterwarnings=error fails the test on a warning)
    assert float(gancore.lipschitz_precision_bound(1e300, 1e-300)) == 0.0
    got = gancore.lipschitz_precision_bound([1e300, 1.0], 1e-300, masses=[0.3, 0.5])
    np.testing.assert_array_equal(got, [0.0, 0.0])


def test_bound_root_solves_the_isoperimetric_equation():
    w = np.linspace(0.01, 0.99, 25)
    for gap in (0.05, 1.0, 3.0, 10.0):
        alpha = gancore.lipschitz_precision_bound(gap, 1.0, masses=w)
        # Phi^-1(w a) + Phi^-1((1 - w) a) = -gap, to a few roundings of the quantiles
        residual = stats.norm.ppf(w * alpha) + stats.norm.ppf((1 - w) * alpha) + gap
        np.testing.assert_allclose(residual, 0.0, atol=1e-9 * (1 + gap))
        # symmetric in the two sets, and smallest for equal masses
        np.testing.assert_allclose(alpha, alpha[::-1], rtol=1e-12)
        assert np.all(alpha >= gancore.lipschitz_precision_bound(gap, 1.0) * (1 - 1e-12))


def test_bound_edges():
    bound = gancore.lipschitz_precision_bound
    assert float(bound(0.0, 3.0)) == 1.0
    assert float(bound(0.0, 3.0, masses=0.2)) == 1.0
    assert float(bound(5.0, 1.0, masses=0.0)) == 1.0
    assert float(bound(5.0, 1.0, masses=1.0)) == 1.0
    assert float(bound(200.0, 1.0)) == 0.0 and float(bound(200.0, 1.0, masses=0.3)) == 0.0
    # depends on delta / L only, and falls as it grows
    assert float(bound(2.0, 4.0, masses=0.1)) == pytest.approx(float(bound(0.5, 1.0, masses=0.1)),
                                                                rel=1e-13)
    values = bound(np.linspace(0, 10, 50), 1.0, masses=0.2)
    assert np.all(np.diff(values) < 0)
    assert bound(np.float32(1.0), np.float32(2.0)).dtype == np.float32
    assert bound([1.0, 2.0], [[1.0], [2.0]]).shape == (2, 2)


@pytest.mark.parametrize("call, match", [
    (lambda: gancore.rejection_sample(ROWS, np.zeros(3)), r"log_ratio must have shape \(4,\)"),
    (lambda: gancore.rejection_sample(ROWS, np.zeros((4, 1))), "log_ratio must have shape"),
    (lambda: gancore.rejection_sample(ROWS, [0.0, math.nan, 0.0, 0.0]),
     "log_ratio must not hold NaN"),
    (lambda: gancore.rejection_sample(ROWS, [0.0, math.inf, 0.0, 0.0]),
     r"log_ratio must be < \+inf"),
    (lambda: gancore.rejection_sample(ROWS, np.zeros(4), exact=True), "exact=True needs log_m"),
    (lambda: gancore.rejection_sample(ROWS, [0.0, 0.7, 0.0, 0.0], log_m=0.5, exact=True),
     "log_m = 0.5 is below the largest log_ratio 0.7"),
    (lambda: gancore.rejection_sample(np.zeros((0, 2)), np.zeros(0)), "samples must not be empty"),
    (lambda: gancore.rejection_sample(np.array([[math.nan, 0.0]]), [0.0]),
     "samples must not hold NaN"),
    (lambda: gancore.rejection_sample(ROWS, np.zeros(4), log_m=math.inf), "log_m must be finite"),
    (lambda: gancore.metropolis_hastings(np.zeros((3, 1, 2)), np.zeros((3, 1))), "steps >= 2"),
    (lambda: gancore.metropolis_hastings(np.zeros(4), np.zeros(4)), r"shape \(chains, steps"),
    (lambda: gancore.metropolis_hastings(np.zeros((3, 4, 2)), np.zeros((3, 5))),
     r"log_ratio must have shape \(3, 4\), one log-ratio per proposal"),
    (lambda: gancore.lipschitz_precision_bound(-1.0, 1.0), "separation must be >= 0"),
    (lambda: gancore.lipschitz_precision_bound(1.0, 0.0), "lipschitz must be > 0"),
    (lambda: gancore.lipschitz_precision_bound(1.0, 1.0, masses=1.5), "masses must lie in"),
    (lambda: gancore.lipschitz_precision_bound(1.0, math.inf), "lipschitz must be finite"),
    (lambda: gancore.lipschitz_precision_bound([1.0, 2.0], [1.0, 2.0, 3.0]), "do not broadcast"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_wrong_types_are_named():
    with pytest.raises(TypeError, match="log_ratio must have a real floating dtype"):
        gancore.rejection_sample(ROWS, np.zeros(4, dtype=np.int64))
    with pytest.raises(TypeError, match="exact must be True or False"):
        gancore.rejection_sample(ROWS, np.zeros(4), exact=1)
    with pytest.raises(TypeError, match="log_m must be a real number"):
        gancore.rejection_sample(ROWS, np.zeros(4), log_m="1")
