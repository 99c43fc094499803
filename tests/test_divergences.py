"""KL, JSD and TV against SciPy, quadrature and mpmath, on every namespace."""

import math
from functools import cache, partial

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon

import gancore
from proofs._support import arr, assert_lives_with, host

LOG2 = math.log(2.0)
EPS = float(np.finfo(np.float64).eps)
RNG = np.random.default_rng(20141110)


def _simplex(n, zeros=0, rng=RNG):
    p = rng.random(n)
    p[rng.choice(n, zeros, replace=False)] = 0.0
    return p / p.sum()


PAIRS = [(_simplex(n, z), _simplex(n, z)) for n, z in [(2, 0), (5, 1), (17, 4), (1000, 100)]]


@pytest.mark.parametrize("p, q", PAIRS)
def test_kl_matches_scipy_entropy(xp, p, q):
    got = gancore.kl(arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    # float64 sums of <= 1000 terms: rounding well under 1e-13 relative
    ref = stats.entropy(p, q)
    assert host(got) == pytest.approx(ref, rel=1e-13, abs=0 if np.isfinite(ref) else None)


@pytest.mark.parametrize("p, q", PAIRS)
def test_jsd_matches_squared_scipy_jensenshannon(xp, p, q):
    got = gancore.jsd(arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    # SciPy's formula cancels to about 1e-16 absolute; these JSDs are > 1e-3
    assert host(got) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-12, abs=0)
    assert host(gancore.jsd(arr(xp, p), arr(xp, q), base=2)) == pytest.approx(
        jensenshannon(p, q, base=2) ** 2, rel=1e-12, abs=0)


@pytest.mark.parametrize("p, q", PAIRS)
def test_tv_is_half_l1(xp, p, q):
    got = gancore.tv(arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    assert host(got) == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-14, abs=0)


def test_kl_is_infinite_where_q_vanishes_under_p(xp):
    p, q = arr(xp, [0.5, 0.5, 0.0]), arr(xp, [0.0, 0.5, 0.5])
    assert host(gancore.kl(p, q)) == math.inf
    assert host(gancore.kl(arr(xp, [0.0, 1.0]), arr(xp, [0.5, 0.5]))) == pytest.approx(LOG2)


def test_disjoint_supports_give_the_bounds_exactly(xp):
    p, q = arr(xp, [0.25, 0.75, 0.0, 0.0]), arr(xp, [0.0, 0.0, 0.6, 0.4])
    assert host(gancore.jsd(p, q)) == LOG2
    assert host(gancore.jsd(p, q, base=2)) == 1.0
    assert host(gancore.tv(p, q)) == 1.0


def test_identical_distributions_give_zero(xp):
    p = arr(xp, _simplex(50, 5))
    for f in (gancore.kl, gancore.jsd, gancore.tv):
        assert host(f(p, p)) == 0.0


def test_batches_reduce_along_axis(xp):
    ps = np.stack([p for p, _ in PAIRS[1:2] * 3])
    qs = np.stack([_simplex(5, 1) for _ in range(3)])
    for f, ref in ((gancore.kl, stats.entropy),
                   (gancore.jsd, lambda a, b: jensenshannon(a, b) ** 2)):
        rows = host(f(arr(xp, ps), arr(xp, qs)))
        cols = host(f(arr(xp, ps.T), arr(xp, qs.T), axis=0))
        expect = [ref(a, b) for a, b in zip(ps, qs)]
        np.testing.assert_allclose(rows, expect, rtol=1e-12)
        np.testing.assert_allclose(cols, expect, rtol=1e-12)
    # one q against a batch of p broadcasts
    got = host(gancore.jsd(arr(xp, ps), arr(xp, qs[0])))
    np.testing.assert_allclose(got, [jensenshannon(a, qs[0]) ** 2 for a in ps], rtol=1e-12)


def test_float32_in_gives_float32_out(xp):
    p, q = _simplex(64, 8), _simplex(64, 8)
    p32, q32 = arr(xp, p, xp.float32), arr(xp, q, xp.float32)
    for f, ref in ((gancore.kl, stats.entropy(p, q)),
                   (gancore.jsd, jensenshannon(p, q) ** 2),
                   (gancore.tv, 0.5 * np.abs(p - q).sum())):
        got = f(p32, q32)
        assert_lives_with(got, p32)
        # inputs rounded to float32 (2^-24 relative) move the result by ~1e-6 relative
        assert host(got) == pytest.approx(ref, rel=1e-5, abs=0)


@pytest.mark.parametrize("eps", [1e-3, 1e-6])
def test_float32_near_equal_precision_is_relative_down_to_its_floor(xp, eps):
    # float32 masses against the same values in float64: full float32 precision while
    # the divergence is above about 1e-9 (eps = 1e-3 gives about 1e-7), an absolute
    # error of order float32's eps squared (1.4e-14) below it (eps = 1e-6, about 1e-13),
    # as the module's notes state
    rng = np.random.default_rng(int(1 / eps))
    p = rng.random(1000).astype(np.float32)
    q = np.abs(p * (1 + eps * rng.standard_normal(1000))).astype(np.float32)
    for f in (gancore.kl, gancore.jsd):
        got = float(host(f(arr(xp, p, xp.float32), arr(xp, q, xp.float32), normalize=True)))
        want = float(host(f(arr(xp, p), arr(xp, q), normalize=True)))
        assert abs(got - want) <= (1e-6 * want if eps == 1e-3 else 1e-13), f.__name__


def test_float32_near_equal_jsd_is_tiny_and_non_negative(xp):
    p = _simplex(1000)
    q = p * (1 + 1e-4 * RNG.standard_normal(1000))
    got = host(gancore.jsd(arr(xp, p, xp.float32), arr(xp, q / q.sum(), xp.float32),
                           normalize=True))
    assert 0.0 <= got < 1e-8 and np.isfinite(got)


def _mp_jsd(p, q):
    mpmath.mp.dps = 60
    total = mpmath.mpf(0)
    for a, b in zip(map(mpmath.mpf, p), map(mpmath.mpf, q)):
        m = (a + b) / 2
        total += (a * mpmath.log(a / m) if a else 0) + (b * mpmath.log(b / m) if b else 0)
    return total / 2


def _mp_kl(p, q):
    mpmath.mp.dps = 60
    return sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))
               for a, b in zip(p, q) if a)


def _mp_normalised(x):
    """Exact float inputs whose sum is 1 to within rounding: the mpmath reference uses the
    same normalisation gancore does, so both see the same measure."""
    mpmath.mp.dps = 60
    total = mpmath.fsum(map(mpmath.mpf, x))
    return [mpmath.mpf(v) / total for v in x]


@pytest.mark.parametrize("eps", [1e-2, 1e-4, 1e-6, 1e-8])
def test_near_equal_distributions_keep_full_relative_precision(xp, eps):
    p = _simplex(200)
    q = p * (1 + eps * RNG.standard_normal(200))
    ps, qs = _mp_normalised(p), _mp_normalised(q)
    for f, ref in ((gancore.jsd, _mp_jsd(ps, qs)), (gancore.kl, _mp_kl(ps, qs))):
        got = host(f(arr(xp, p), arr(xp, q), normalize=True))
        # per-point terms are non-negative and evaluated without cancellation, so the
        # result keeps ~1e-14 relative precision even at JSD ~ 1e-17
        assert float(got) == pytest.approx(float(ref), rel=1e-12, abs=0)


@pytest.mark.parametrize("largest", [1e-9, 1e-3, 0.1, 0.3, 0.9])
def test_each_evaluation_of_the_careful_terms_keeps_relative_precision(xp, largest):
    # q = p (1 + r) with |r| up to 2 largest / (1 + largest), so that |u| = |p - q| / (p + q)
    # reaches about ``largest``: below 1/8 a block takes the series alone (KL's psi in u,
    # JSD's phi in u**2, truncated to the terms its largest |u| needs), JSD's atanh form
    # below 1/2, and past it the mixed evaluation. Each keeps the terms free of
    # cancellation, so both results stay within 1e-12 of the 60-digit reference.
    rng = np.random.default_rng(int(largest * 1e9))
    p = _simplex(300, rng=rng)
    u = largest * rng.uniform(-1.0, 1.0, 300)
    u[0] = largest
    q = p * (1 - u) / (1 + u)
    ps, qs = _mp_normalised(p), _mp_normalised(q)
    for f, ref in ((gancore.jsd, _mp_jsd(ps, qs)), (gancore.kl, _mp_kl(ps, qs))):
        got = host(f(arr(xp, p), arr(xp, q), normalize=True))
        assert float(got) == pytest.approx(float(ref), rel=1e-12, abs=0), f.__name__


def test_tiny_masses_down_to_the_smallest_normal(xp):
    tiny = np.finfo(np.float64).smallest_normal
    p = np.array([1.0 - 3 * tiny, tiny, 2 * tiny, 0.0])
    q = np.array([1.0 - 3 * tiny, 2 * tiny, 0.0, tiny])
    ps, qs = _mp_normalised(p), _mp_normalised(q)
    got_jsd = host(gancore.jsd(arr(xp, p), arr(xp, q)))
    assert float(got_jsd) == pytest.approx(float(_mp_jsd(ps, qs)), rel=1e-12, abs=1e-320)
    assert host(gancore.kl(arr(xp, p), arr(xp, q))) == math.inf
    # KL between measures that differ only in masses of order 1e-308: ~ tiny * log 2
    p, q = p[:3], np.array([1.0 - 3 * tiny, 2 * tiny, tiny])
    ref = _mp_kl(_mp_normalised(p), _mp_normalised(q))
    got_kl = host(gancore.kl(arr(xp, p), arr(xp, q)))
    assert got_kl > 0 and float(got_kl) == pytest.approx(float(ref), rel=1e-12, abs=0)


def test_nearly_disjoint_jsd_keeps_precision(xp):
    # log 2 - JSD is tiny here; the reference is evaluated at 60 digits
    p = np.array([1.0 - 1e-12, 1e-12, 0.0])
    q = np.array([1e-12, 0.0, 1.0 - 1e-12])
    ref = _mp_jsd(_mp_normalised(p), _mp_normalised(q))
    got = host(gancore.jsd(arr(xp, p), arr(xp, q)))
    assert float(got) == pytest.approx(float(ref), rel=1e-14, abs=0)
    assert got <= LOG2


def test_densities_on_a_grid_match_quadrature(xp):
    a, b = stats.norm(0.0, 1.0), stats.norm(1.5, 0.7)
    x = np.linspace(-12, 12, 24001)
    dx = x[1] - x[0]

    def m(t):
        return 0.5 * (a.pdf(t) + b.pdf(t))

    def xlogy(u, v):
        return u * math.log(u / v) if u > 0 else 0.0

    ref_kl = integrate.quad(lambda t: xlogy(a.pdf(t), b.pdf(t)), -12, 12, limit=200)[0]
    ref_jsd = 0.5 * integrate.quad(
        lambda t: xlogy(a.pdf(t), m(t)) + xlogy(b.pdf(t), m(t)), -12, 12, limit=200)[0]
    ref_tv = 0.5 * integrate.quad(lambda t: abs(a.pdf(t) - b.pdf(t)), -12, 12,
                                  points=[0.5, 3.0], limit=200)[0]
    p, q = arr(xp, a.pdf(x)), arr(xp, b.pdf(x))
    # smooth integrands on a fine uniform grid: the Riemann sum is accurate to ~1e-10
    assert host(gancore.kl(p, q, dx=dx, normalize=True)) == pytest.approx(ref_kl, rel=1e-9, abs=0)
    assert host(gancore.jsd(p, q, dx=dx, normalize=True)) == pytest.approx(ref_jsd, rel=1e-9, abs=0)
    # |p - q| has kinks: first-order quadrature error, O(dx^2) ~ 1e-6 here
    assert host(gancore.tv(p, q, dx=dx, normalize=True)) == pytest.approx(ref_tv, rel=1e-5, abs=0)
    # quadrature weights as an array give the same as the scalar spacing
    w = arr(xp, np.full(x.size, dx))
    assert host(gancore.kl(p, q, dx=w, normalize=True)) == pytest.approx(
        host(gancore.kl(p, q, dx=dx, normalize=True)), rel=1e-13, abs=0)


def test_normalize_rescales_and_otherwise_unnormalised_is_rejected(xp):
    p, q = arr(xp, [2.0, 2.0]), arr(xp, [1.0, 3.0])
    got = gancore.kl(p, q, normalize=True)
    assert host(got) == pytest.approx(stats.entropy([0.5, 0.5], [0.25, 0.75]), rel=1e-14, abs=0)
    with pytest.raises(ValueError, match="p is not normalised"):
        gancore.kl(p, q)



def _mp_pair(p, q):
    return _mp_normalised(p), _mp_normalised(q)


@pytest.mark.parametrize("eps", [1e-2, 1e-4, 1e-6, 1e-8])
def test_near_equal_precision_holds_across_blocks(xp, small_blocks, eps):
    # the precision target, over 40 blocks: q = p (1 + eps noise). The totals (~1250)
    # differ in the ~eps/50 place and are not powers of two: dividing each input by its
    # own total would round p/P and q/Q independently and leave the differences only
    # eps/|p - q| ~ 1e-8 precise; gancore aligns the totals exactly instead.
    rng = np.random.default_rng(7)
    p = rng.random(2500) + 1e-3
    q = p * (1 + eps * rng.standard_normal(2500))
    ps, qs = _mp_pair(p, q)
    for f, ref in ((gancore.jsd, _mp_jsd(ps, qs)), (gancore.kl, _mp_kl(ps, qs))):
        got = host(f(arr(xp, p), arr(xp, q), normalize=True))
        assert float(got) == pytest.approx(float(ref), rel=1e-12, abs=0)
    # TV, unlike KL and JSD, moves at first order with the totals: their rounding (a
    # pairwise sum: log2(n) eps relative) bounds its absolute error, 16 eps here
    ref_tv = mpmath.fsum(abs(a - b) for a, b in zip(ps, qs)) / 2
    got = host(gancore.tv(arr(xp, p), arr(xp, q), normalize=True))
    assert float(got) == pytest.approx(float(ref_tv), rel=1e-12, abs=16 * EPS)


def test_long_nearly_equal_inputs_take_the_careful_sum_at_once(xp, small_blocks, monkeypatch):
    # 32 blocks of 64 points: nearly equal measures skip the direct formula (it would be
    # rejected); far ones try it; one whose first block alone is near takes the careful
    # sum, which is accurate for every input. Off the host nothing is skipped. (A batch
    # of one: one short distribution takes _direct.one_direct, which tries the direct
    # formula in its own pass; at the real block size it takes at most 65536 points,
    # below the 16 blocks from which the careful sum is taken at once.)
    from gancore._masses import on_host

    rng = np.random.default_rng(11)
    p = rng.random(2048) + 1e-3
    near = p * (1 + 1e-4 * rng.standard_normal(2048))
    far, first_near = rng.random(2048) + 1e-3, near.copy()
    first_near[64:] = far[64:]
    calls = []
    direct = gancore.divergences._jsd_direct
    monkeypatch.setattr(gancore.divergences, "_jsd_direct",
                        lambda *args: calls.append(1) or direct(*args))
    host_side = on_host(arr(xp, p))
    for q, tried in ((near, not host_side), (far, True), (first_near, not host_side)):
        calls.clear()
        ps, qs = _mp_pair(p, q)
        got = host(gancore.jsd(arr(xp, p[None]), arr(xp, q[None]), normalize=True))[0]
        assert bool(calls) == tried
        assert float(got) == pytest.approx(float(_mp_jsd(ps, qs)), rel=1e-12, abs=0)
        got = host(gancore.kl(arr(xp, p[None]), arr(xp, q[None]), normalize=True))[0]
        assert float(got) == pytest.approx(float(_mp_kl(ps, qs)), rel=1e-12, abs=0)


@cache
def _measures_that_start_near(blocks):
    """Three rows of ``p`` and of measures ``q`` nearly equal to them, far from them, and
    nearly equal on their first eighth only (``blocks`` blocks of 64 points and ten
    more), with each pair's JSD by mpmath."""
    rng = np.random.default_rng(blocks)
    n = 64 * blocks + 10
    p = rng.random((3, n)) + 1e-3
    near, far = p * (1 + 1e-4 * rng.standard_normal((3, n))), rng.random((3, n)) + 1e-3
    # (near on the first eighth, which the probe reads; JSD still above 1/16: 0.074 to
    # 0.097 here)
    near_then_far = np.concatenate([near[:, :n // 8], far[:, n // 8:]], axis=1)
    cases = [(q, starts_near, [_mp_jsd(*_mp_pair(a, b)) for a, b in zip(p, q)])
             for q, starts_near in ((near, True), (far, False), (near_then_far, True))]
    return p, cases


@pytest.mark.parametrize("blocks", [3, 4, 15, 32])
def test_inputs_that_start_nearly_equal_skip_the_direct_formula_from_four_blocks(
        xp, small_blocks, monkeypatch, blocks):
    # JSD, blocks of 64 points: from 4 blocks in all on NumPy (16 elsewhere on the
    # host), measures that start nearly equal take the careful sum at once, accurate
    # whether they stay near or not; far ones try the direct formula, without the
    # careful terms of their first points (the screen answers first); below, every
    # input tries it. One distribution and a batch of three rows
    from gancore import _masses
    from gancore._masses import on_host

    p, cases = _measures_that_start_near(blocks)
    direct, careful = gancore.divergences._jsd_direct, _masses.careful_sum
    tried, probed = [], []
    monkeypatch.setattr(gancore.divergences, "_jsd_direct",
                        lambda *args: tried.append(1) or direct(*args))
    monkeypatch.setattr(_masses, "careful_sum",  # (careful_first's own calls)
                        lambda *args: probed.append(1) or careful(*args))
    for k, (q, starts_near, wants) in enumerate(cases):
        for rows in (1, 3):
            tried.clear(), probed.clear()
            a, b = arr(xp, p[:rows]), arr(xp, q[:rows])
            least = 4 if type(a) is np.ndarray else 16
            at_once = starts_near and on_host(a) and rows * p.shape[1] >= least * 64
            got = host(gancore.jsd(a, b, normalize=True))
            assert bool(tried) != at_once, (k, rows)
            assert bool(probed) == at_once, (k, rows)
            for row in range(rows):
                assert float(got[row]) == pytest.approx(float(wants[row]), rel=1e-12, abs=0)
                assert (wants[row] >= 1 / 16) == (k > 0)  # (far, and near then far)


@pytest.mark.parametrize("seed", range(4))
def test_direct_path_matches_mpmath(xp, small_blocks, seed):
    # positive masses, distributions far apart (KL ~ 0.5, JSD ~ 0.1): the direct formula
    # is taken; its rounding error is a few ulps of sum(p + q) = 2, so relative to
    # results >= 1/16 it stays below ~1e-13 (see gancore.divergences)
    rng = np.random.default_rng(seed)
    p, q = rng.random(1000) + 1e-9, rng.random(1000) + 1e-9
    ps, qs = _mp_pair(p, q)
    assert float(_mp_kl(ps, qs)) > 1 / 16 and float(_mp_jsd(ps, qs)) > 1 / 16
    for f, ref in ((gancore.jsd, _mp_jsd(ps, qs)), (gancore.kl, _mp_kl(ps, qs))):
        got = host(f(arr(xp, p), arr(xp, q), normalize=True))
        assert float(got) == pytest.approx(float(ref), rel=1e-13, abs=0)
    ref_tv = 0.5 * float(mpmath.fsum(abs(a - b) for a, b in zip(ps, qs)))
    assert host(gancore.tv(arr(xp, p), arr(xp, q), normalize=True)) == pytest.approx(
        ref_tv, rel=1e-13, abs=0)


@pytest.mark.parametrize("shift", [0.05, 0.3, 0.6])
def test_both_paths_agree_around_the_direct_floor(xp, small_blocks, shift):
    # two shifted discretised Gaussians: JSD from ~0.0003 to ~0.04 and KL from ~0.001
    # to ~0.2 straddle the 1/16 floor between the two evaluations
    x = np.linspace(-8, 8, 900)
    p, q = np.exp(-x**2 / 2), np.exp(-(x - shift) ** 2 / 2)
    ps, qs = _mp_pair(p, q)
    for f, ref in ((gancore.jsd, _mp_jsd(ps, qs)), (gancore.kl, _mp_kl(ps, qs))):
        got = host(f(arr(xp, p), arr(xp, q), normalize=True))
        assert float(got) == pytest.approx(float(ref), rel=1e-12, abs=0)


def test_batches_cross_blocks(xp, small_blocks):
    rng = np.random.default_rng(3)
    p = rng.random((3, 500)) + 1e-3
    q = rng.random((3, 500)) + 1e-3
    q[1] = p[1] * (1 + 1e-6 * rng.standard_normal(500))  # one row takes the other path
    p, q = p / p.sum(1, keepdims=True), q / q.sum(1, keepdims=True)
    got = host(gancore.jsd(arr(xp, p.T), arr(xp, q.T), axis=0))
    expect = [jensenshannon(a, b) ** 2 for a, b in zip(p, q)]
    np.testing.assert_allclose(got[[0, 2]], [expect[0], expect[2]], rtol=1e-12)
    ref = _mp_jsd(*_mp_pair(p[1], q[1]))
    assert float(got[1]) == pytest.approx(float(ref), rel=1e-12, abs=0)
    got_kl = host(gancore.kl(arr(xp, p), arr(xp, q)))
    np.testing.assert_allclose(got_kl[[0, 2]], [stats.entropy(p[0], q[0]),
                                                stats.entropy(p[2], q[2])], rtol=1e-12)


# Each function of two measures that sums over blocks, on a batch
_BATCHED = {"kl": gancore.kl, "jsd": gancore.jsd, "tv": gancore.tv,
            "virtual_criterion": gancore.virtual_criterion,
            "hinge_critic_minimum": gancore.hinge_critic_minimum,
            "least_squares_criterion": gancore.least_squares_criterion,
            **{f"f_divergence ({f})": partial(gancore.f_divergence, f=f)
               for f in gancore.F_DIVERGENCES},
            "value": lambda p, q, **kw: gancore.value(np.full(p.shape, 0.3) if isinstance(
                p, np.ndarray) else p * 0.0 + 0.3, p, q, **kw)}


# The functions whose rows of a batch are their one-distribution calls' bits on NumPy
# (JSD's short path forms its sums apart: a few far rows of up to 64 points differ by
# an ulp)
_ROWS_OWN_BITS = ("kl", "tv", "f_divergence (pearson)", "f_divergence (neyman)",
                  "f_divergence (hellinger)", "f_divergence (triangular)")


@given(rows=st.integers(1, 12), lead=st.sampled_from([(), (2,)]),
       n=st.sampled_from([1, 2, 7, 30, 64, 65, 130, 200]),
       dtype=st.sampled_from([np.float64, np.float32]), seed=st.integers(0, 2**32 - 1))
def test_a_batch_sums_each_row_as_that_row_alone(rows, lead, n, dtype, seed):
    # blocks of 64 points: up to 64 points a row, blocks of whole rows (as many as fit);
    # beyond, a row at a time in blocks of 64, as one distribution of that row. Either
    # way a row's sum is the bits of that row summed alone (NumPy, C-contiguous rows),
    # with its own number k (a Python float c goes to every block as it is)
    from gancore import _masses
    from gancore._namespaces import NUMPY as xp

    rng = np.random.default_rng(seed)
    shape = (*lead, rows, n)
    p, q = (rng.random(shape).astype(dtype) + dtype(0.01) for _ in range(2))
    k = (rng.random((*lead, rows, 1)) + 0.5).astype(dtype)

    def kernel(a, b, k, c):
        return xp.vecdot(a, xp.log(c * a / (k * b)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_masses, "BLOCK_ELEMENTS", 64)
        got = _masses.block_sum(xp, kernel, (p, q), (k, 0.75))
        alone = [_masses.block_sum(xp, kernel, (a, b), (c[0], 0.75)) for a, b, c in zip(
            p.reshape(-1, n), q.reshape(-1, n), k.reshape(-1, 1))]
    assert got.shape == shape[:-1] and got.dtype == dtype
    assert np.array_equal(got.reshape(-1), np.array(alone, dtype))
    whole = kernel(p, q, k, 0.75)  # the sums of the whole rows in one operation
    # (the terms take either sign, so the two orders of summation agree to a few
    # roundings of the sum of the terms' magnitudes, not of the sum: in float32 the
    # thorough profile found a row 1.07e-5 apart relative to its sum)
    magnitude = xp.vecdot(p, np.abs(np.log(0.75 * p / (k * q))))
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    assert np.all(np.abs(got - whole) <= tolerance * magnitude)


@pytest.mark.parametrize("shape", [(700, 3), (40, 30), (3, 200), (2, 3, 50)])
def test_batches_of_short_and_long_rows_are_each_rows_own(xp, small_blocks, shape):
    # blocks of 64 points: many short rows take blocks of whole rows, long rows a row
    # at a time. Rows of both kinds, far apart (each function's direct form) and nearly
    # equal (the careful sums), each of its own totals (normalize=True: each row's own
    # numbers, such as P/Q, go with its block): each row is that row's own result,
    # within 1e-12
    rng = np.random.default_rng(sum(shape))
    p = rng.random(shape) + 1e-3
    q = rng.random(shape) + 1e-3
    near = rng.random(shape[:-1]) < 0.5
    q = np.where(near[..., None], p * (1 + 1e-6 * rng.standard_normal(shape)), q)
    p, q = (x * 2.0 ** rng.integers(-3, 4, (*shape[:-1], 1)) for x in (p, q))
    for name, f in _BATCHED.items():
        got = np.asarray(host(f(arr(xp, p), arr(xp, q), normalize=True)))
        assert got.shape == shape[:-1], name
        alone = np.array([float(host(f(arr(xp, a), arr(xp, b), normalize=True)))
                          for a, b in zip(p.reshape(-1, shape[-1]), q.reshape(-1, shape[-1]))])
        # (an absolute floor: TV, the hinge minimum, Pearson's and the triangular's of
        # nearly equal rows are sums of terms of either sign, a few eps of 1 absolute)
        np.testing.assert_allclose(got.reshape(-1), alone, rtol=1e-12, atol=1e-15,
                                   err_msg=name)
        if type(arr(xp, p)) is np.ndarray and name in _ROWS_OWN_BITS:
            # the careful sum for the nearly equal rows alone: every row takes the path
            # it takes alone, and NumPy's C-contiguous rows give its bits
            assert np.array_equal(got.reshape(-1), alone), name


def test_overflowing_ratio_falls_back_without_warnings(xp):
    # p/q overflows at the second point: the direct formula gives inf, the
    # cancellation-free terms the finite answer (filterwarnings=error catches warnings)
    tiny = 5e-324
    p, q = np.array([0.5, 0.5]), np.array([1.0 - tiny, tiny])
    ref = _mp_kl(*_mp_pair(p, q))
    got = host(gancore.kl(arr(xp, p), arr(xp, q)))
    assert np.isfinite(got) and float(got) == pytest.approx(float(ref), rel=1e-12, abs=0)


@pytest.mark.parametrize("base", [2.0, 10.0, 3.0])
def test_base_matches_scipy_entropy_and_jensenshannon(xp, base):
    p, q = PAIRS[1]
    got = gancore.kl(arr(xp, p), arr(xp, q), base=base)
    assert_lives_with(got, arr(xp, p))
    # the natural result divided by log(base): one more rounding
    assert host(got) == pytest.approx(stats.entropy(p, q, base=base), rel=1e-13, abs=0)
    got = host(gancore.jsd(arr(xp, p), arr(xp, q), base=base))
    assert got == pytest.approx(jensenshannon(p, q, base=base) ** 2, rel=1e-12, abs=0)
    # bits: disjoint supports give exactly 1 bit of JSD
    assert host(gancore.jsd(arr(xp, [1.0, 0.0]), arr(xp, [0.0, 1.0]), base=2)) == 1.0


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_keepdims_keeps_the_reduced_axis_as_scipy_does(xp, axis):
    ps = np.stack([_simplex(4) for _ in range(3)])
    qs = np.stack([_simplex(4) for _ in range(3)])
    if axis == 0:
        ps, qs = ps.T, qs.T
    for f, ref in ((gancore.kl, lambda a, b: stats.entropy(a, b, axis=axis, keepdims=True)),
                   (gancore.jsd, lambda a, b: jensenshannon(a, b, axis=axis, keepdims=True) ** 2),
                   (gancore.tv, lambda a, b: 0.5 * np.abs(a - b).sum(axis=axis, keepdims=True))):
        got = f(arr(xp, ps), arr(xp, qs), axis=axis, keepdims=True)
        plain = f(arr(xp, ps), arr(xp, qs), axis=axis)
        want = ref(ps, qs)
        assert tuple(got.shape) == want.shape
        np.testing.assert_allclose(host(got), want, rtol=1e-12)
        np.testing.assert_array_equal(host(got).squeeze(axis), host(plain))


# Whole-number masses: times any power of two within the dtype's range they stay exact,
# subnormal ones included, so every scaled pair below is the same pair of measures.
COUNTS = (np.array([1.0, 3.0, 0.0, 7.0, 2.0]), np.array([2.0, 1.0, 5.0, 0.0, 4.0]))
# every function that checks a pair of measures as kl does (gancore._masses.mass_pair)
PAIR_FUNCTIONS = {"kl": gancore.kl, "jsd": gancore.jsd, "tv": gancore.tv,
                  "virtual_criterion": gancore.virtual_criterion,
                  **{f"f_divergence {f}": lambda p, q, f=f, **kw: gancore.f_divergence(
                      p, q, f=f, **kw) for f in gancore.F_DIVERGENCES}}


@pytest.mark.parametrize("dtype, p_power, q_power", [
    # subnormal totals, alone or both; a tiny total beside a huge one, whose ratio
    # overflows; a total near the largest float; float32's subnormals
    ("float64", -1060, 0), ("float64", -1060, -1068), ("float64", 1000, -1000),
    ("float64", -1000, 1000), ("float64", 1016, 0), ("float32", -140, 0),
    ("float32", 100, -100)])
def test_normalize_takes_totals_anywhere_in_the_dtype(xp, dtype, p_power, q_power):
    # the same measures give the same divergences, to rounding, as at totals near 1
    # (these gave NaN before the totals were brought near 1 by exact powers of two)
    p, q = (x.astype(dtype) for x in COUNTS)
    scaled = (p * np.asarray(2.0 ** p_power, dtype), q * np.asarray(2.0 ** q_power, dtype))
    assert all(np.array_equal(s / np.asarray(2.0 ** e, dtype), x)
               for s, e, x in zip(scaled, (p_power, q_power), (p, q)))  # exact
    rel = 1e-13 if dtype == "float64" else 1e-5
    kind = getattr(xp, dtype)
    # quadrature weights too: subnormal masses times weights round, so the totals must
    # be formed again at the new scale (they were off in the ninth digit)
    for dx in (1.0, arr(xp, [0.3, 1.1, 0.7, 2.5, 0.9], kind)):
        for name, f in PAIR_FUNCTIONS.items():
            want = float(host(f(arr(xp, p, kind), arr(xp, q, kind), dx=dx, normalize=True)))
            got = float(host(f(arr(xp, scaled[0], kind), arr(xp, scaled[1], kind), dx=dx,
                               normalize=True)))
            assert got == pytest.approx(want, rel=rel, abs=1e-300), name


def test_a_subnormal_mass_beside_a_total_far_from_1_keeps_its_value(xp):
    # q's second mass is the smallest subnormal and its total 4: scaling q down by 4 to
    # meet p's total would flush that mass to 0 (KL inf); the careful sum scales p up
    p, q = np.array([0.5, 0.5]), np.array([4.0, 5e-324])
    ps, qs = _mp_pair(p, q)
    got = float(host(gancore.kl(arr(xp, p), arr(xp, q), normalize=True)))
    assert got == pytest.approx(float(_mp_kl(ps, qs)), rel=1e-12, abs=0)
    got = float(host(gancore.jsd(arr(xp, p), arr(xp, q), normalize=True)))
    assert got == pytest.approx(float(_mp_jsd(ps, qs)), rel=1e-12, abs=0)
    got = float(host(gancore.virtual_criterion(arr(xp, p), arr(xp, q), normalize=True)))
    assert got == pytest.approx(2 * float(_mp_jsd(ps, qs)) - math.log(4), rel=1e-12, abs=0)


# The functions whose value a mass made 0 can turn between finite and inf, and the
# measure that divides in each (the rest are bounded: such a 0 moves them by less than
# the mass it lost)
_QUOTIENTS = {"kl": "q", "f_divergence kl": "q", "f_divergence pearson": "q",
              "f_divergence reverse-kl": "p", "f_divergence neyman": "p"}


@pytest.mark.parametrize("p, q, lost", [
    # q's total is 2**972 and a mass 2**-887: over its total it is 2**-1859, past
    # float64, and scaled near 1 it became 0, so that KL (finite, about 644) was inf
    ([0.5, 0.5], [2.0**972, 2.0**-887], "q"),
    # p's mass 2**-737 beside a total of 2**998, where q is 0 (KL inf): it became 0,
    # and KL 0
    ([2.0**998, 2.0**-737], [1.0, 0.0], "p")])
def test_normalize_refuses_a_mass_that_its_total_would_flush_to_0(xp, p, q, lost):
    # normalize=True brings a total far from 1 near 1 by a power of two, and a positive
    # mass below 2**-1074 of its total becomes 0. Where that 0 turns a quotient's term
    # between finite and inf (the divisor's mass lost where the other is positive, or
    # the other's lost where the divisor's is 0), the function names the measure; the
    # others give what they give with that mass 0, which moves them by less than it
    p, q = np.array(p), np.array(q)
    zeroed = [np.where(x < 2.0**-500 * x.sum(), 0.0, x) for x in (p, q)]
    for label, f in PAIR_FUNCTIONS.items():
        divisor = _QUOTIENTS.get(label)
        harmed = divisor is not None and (
            (divisor == lost == "q" and p[1] > 0) or (divisor == "q" and lost == "p" and q[1] == 0)
            or (divisor == lost == "p" and q[1] > 0) or (divisor == "p" and lost == "q" and p[1] == 0))
        if harmed:
            with pytest.raises(ValueError, match=f"^{lost} has a positive mass below its "
                                                 "dtype's smallest positive number times"):
                f(arr(xp, p), arr(xp, q), normalize=True)
            continue
        got = float(host(f(arr(xp, p), arr(xp, q), normalize=True)))
        want = float(host(f(arr(xp, zeroed[0]), arr(xp, zeroed[1]), normalize=True)))
        assert got == pytest.approx(want, rel=1e-14, abs=1e-300), label


@given(seed=st.integers(0, 2**32 - 1), batch=st.sampled_from([(), (1,), (3,), (2, 2)]),
       n=st.integers(1, 40), dtype=st.sampled_from(["float64", "float32"]),
       dx=st.sampled_from([1.0, 0.5, 3.0]), normalize=st.booleans(),
       fault=st.sampled_from([None, "zero", "negative", "nan", "inf", "unnormalised",
                              "huge"]),
       axis=st.sampled_from([-1, 0]), broadcast=st.booleans(),
       kind=st.sampled_from(["numpy", "torch"]))
def test_the_common_case_shortcut_returns_what_the_general_path_does(
        seed, batch, n, dtype, dx, normalize, fault, axis, broadcast, kind):
    # validated_pair takes a shortcut for NumPy arrays or CPU torch tensors of one float
    # dtype and shape and a float spacing; its result must be the general path's, bit
    # for bit, and anything the general path would reject, or broadcast (q one
    # distribution against p's batch), must leave the shortcut (which returns None)
    from gancore._host import _host_pair
    from gancore._totals import general_pair

    if kind == "torch":
        torch = pytest.importorskip("torch")

    rng = np.random.default_rng(seed)
    shape = (*batch, n)
    p, q = (rng.random(shape) + 0.01 for _ in range(2))
    p, q = (x / (x.sum(axis=axis, keepdims=True) * dx) for x in (p, q))
    p, q = p.astype(dtype), q.astype(dtype)
    if fault is not None:
        where = tuple(rng.integers(0, s) for s in shape)
        p[where] = {"zero": 0.0, "negative": -1e-300, "nan": math.nan, "inf": math.inf,
                    "unnormalised": p[where] + 0.5, "huge": 1e30}[fault]
    d = rng.random(shape).astype(dtype)
    broadcast = broadcast and batch != ()
    if broadcast:
        q = q[(0,) * len(batch)]
    if kind == "torch":
        p, q, d = (torch.from_numpy(np.ascontiguousarray(x)) for x in (p, q, d))
    args = (p, q, axis, dx, normalize)
    try:
        want = general_pair(("p", "q"), *args, extra=("d", d))
    except ValueError:
        assert _host_pair(*args, ("d", d)) is None
        return
    got = _host_pair(*args, ("d", d))
    if got is None:  # left to the general path: broadcasting, or totals that it rescales
        assert broadcast or (fault == "huge" and normalize)
        return
    assert not broadcast
    for g, w in zip(got[:7] + got[8:], want[:7] + want[8:]):
        if isinstance(w, np.ndarray):
            assert g.dtype == w.dtype and np.array_equal(g, w)
        elif kind == "torch" and isinstance(w, torch.Tensor):
            assert g.dtype == w.dtype and torch.equal(g, w)
        else:
            assert g is w or g == w
    (low, high), (want_low, want_high) = got[7], want[7]
    assert low == want_low and want_high == math.inf
    assert max(float(p.max()), float(q.max())) <= high < math.inf


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("dx, normalize", [(1.0, False), (0.25, False), (1.0, True)])
def test_one_long_distribution_checked_in_one_pass_matches_mpmath(small_blocks, seed, dx,
                                                                    normalize):
    # A NumPy distribution of at least 16 blocks is checked and summed in one pass over
    # its blocks (its totals sums of the blocks' sums): the direct formula's bound
    # holds, 1e-13 relative for KL >= 1/16, and the result is the general path's
    from gancore._direct import streamed_direct
    from gancore.divergences import KL_DIRECT

    rng = np.random.default_rng(seed)
    p, q = rng.random(2000) + 1e-9, rng.random(2000) + 1e-9
    scale = 3.0 if normalize else 1.0 / (p.sum() * dx)
    p, q = p * scale, q * (1.0 / (q.sum() * dx) if not normalize else 1.0)
    streamed = streamed_direct(p, q, -1, dx, normalize, KL_DIRECT)
    assert streamed is not None  # the one-pass path was taken
    ps, qs = _mp_pair(p, q)
    want = float(_mp_kl(ps, qs))
    assert want > 1 / 16 and float(streamed) == pytest.approx(want, rel=1e-13, abs=0)
    general = gancore.kl(p.tolist(), q.tolist(), dx=dx, normalize=normalize)  # lists
    assert float(gancore.kl(p, q, dx=dx, normalize=normalize)) == float(streamed)
    assert float(streamed) == pytest.approx(float(general), rel=1e-14, abs=0)


@pytest.mark.parametrize("base", ["far", "near"])
@pytest.mark.parametrize("fault, message", [
    ("negative", "p must be non-negative"), ("both negative", "p must be non-negative"),
    ("nan", "p must be finite"), ("inf", "p must be finite"),
    ("unnormalised", "p is not normalised"), ("scaled", "p is not normalised"),
    ("zero", None), (None, None)])
def test_one_long_distribution_leaves_its_one_pass_for_the_general_path(base, fault,
                                                                         message):
    # at the real block size: faults are reported by the general path's checks, a zero
    # mass is summed there. KL's passes read the signs of p alone (log(p/q) is NaN, or
    # |u| >= 1 in the near pass, where q alone is negative), so a point where both are
    # negative must still be seen. Nearly equal inputs take the near passes of KL and
    # Hellinger (their results within a few eps of the general path's), or the general
    # path where a fault sends them there
    from gancore._direct import streamed_direct
    from gancore.divergences import KL_DIRECT

    rng = np.random.default_rng(7)
    n = 16 * 8192 + 3
    p, q = rng.random(n) + 0.5, rng.random(n) + 0.5
    if base == "near":
        p = q * (1 + 1e-6 * rng.standard_normal(n))
    p, q = p / p.sum(), q / q.sum()
    p[n // 2] = {"negative": -1e-300, "both negative": -1e-300, "nan": math.nan,
                 "inf": math.inf, "unnormalised": p[n // 2] + 1e-3, "zero": 0.0,
                 "scaled": p[n // 2], None: p[n // 2]}[fault]
    if fault == "both negative":
        q[n // 2] = -1e-300
        q = q / q.sum()
    if fault in ("zero", "negative", "both negative"):  # normalised again: only the
        p = p / p.sum()                                 # sign check can see the fault
    if fault == "scaled":  # every point moved alike: only the totals show it
        p = p * (1 + 1e-3)
    # (far: the direct formula's pass answers; near: its near pass)
    assert (streamed_direct(p, q, -1, 1.0, False, KL_DIRECT) is None) is (fault is not None)
    for name in ("kl", "reverse-kl", "pearson", "neyman", "hellinger"):  # their one pass
        if message is not None:
            with pytest.raises(ValueError, match=message):
                gancore.f_divergence(p, q, f=name)
            continue
        got = float(gancore.f_divergence(p, q, f=name))
        general = float(gancore.f_divergence(p.tolist(), q.tolist(), f=name))  # lists
        if fault is None or name == "hellinger":
            # the one passes' totals are the blocks' sums, the general path's one sum
            # (Hellinger's takes a zero mass: sqrt 0 = 0); the near passes sum their own
            # terms, without the general path's aligned totals
            assert got == pytest.approx(general, rel=1e-14, abs=0)
            continue
        assert got == general  # the general path's result, bit for bit


def _mp_hellinger(p, q):
    """sum((sqrt p - sqrt q)^2) of mpmath numbers."""
    mpmath.mp.dps = 60
    return mpmath.fsum((mpmath.sqrt(a) - mpmath.sqrt(b)) ** 2 for a, b in zip(p, q))


def _near_passes():
    """(name, gancore's call, the direct formula whose near pass it takes, the mpmath
    reference of normalised masses) of KL and Hellinger."""
    from gancore._squared_differences import HELLINGER
    from gancore.divergences import KL_DIRECT

    return {"kl": (gancore.kl, KL_DIRECT, _mp_kl),
            "hellinger": (partial(gancore.f_divergence, f="hellinger"), HELLINGER,
                          _mp_hellinger)}


@pytest.mark.parametrize("name", ["kl", "hellinger"])
@pytest.mark.parametrize("eps", [1e-2, 1e-4, 1e-7, 1e-11])
@pytest.mark.parametrize("dx, normalize", [(1.0, False), (0.25, False), (1.0, True)])
def test_one_long_nearly_equal_distribution_takes_its_near_pass(small_blocks, name, eps,
                                                                 dx, normalize):
    # q = p (1 + eps noise), both normalised (or both scaled by 3): the direct formula's
    # first block is near, and the near pass sums KL's p log(p/q) - p + q (by its
    # series) or Hellinger's ((p - q)/(sqrt p + sqrt q))^2 over the masses as they are
    # (k = 1), the totals' mismatch x = sum(p - q)/P (a few eps) taken after as -x**2/2
    # or -x**2/4. Against mpmath: within 1e-14 relative, down to KL ~ 5e-23 at
    # eps = 1e-11, where the general path's careful sum reaches the floor of order
    # eps**2 that the totals' rounding leaves it (1e-31 absolute, the module docstring's)
    from gancore._direct import streamed_direct

    call, direct, reference = _near_passes()[name]
    rng = np.random.default_rng(11)
    p = rng.random(1500) + 1e-3
    q = p * (1 + eps * rng.standard_normal(1500))
    scale = 3.0 if normalize else 1.0
    p, q = p * (scale / (p.sum() * dx)), q * (scale / (q.sum() * dx))
    near = streamed_direct(p, q, -1, dx, normalize, direct.near)
    assert near is not None  # the near pass answers
    assert streamed_direct(p, q, -1, dx, normalize, direct) == near  # through its own
    assert float(call(p, q, dx=dx, normalize=normalize)) == float(near)
    want = float(reference(*_mp_pair(p, q)))
    assert float(near) == pytest.approx(want, rel=1e-14, abs=0)
    general = float(call(p.tolist(), q.tolist(), dx=dx, normalize=normalize))
    assert general == pytest.approx(want, rel=1e-14, abs=1e-31)


@pytest.mark.parametrize("name", ["kl", "hellinger"])
@pytest.mark.parametrize("fault", ["totals apart", "both zero"])
def test_near_pass_leaves_what_it_cannot_sum_to_the_general_path(small_blocks, name,
                                                                 fault):
    # totals further apart than 2**-50 (relative) need the careful sum's alignment, and
    # a point where both masses are 0 its guards: the near pass answers None, and the
    # result is the general path's, within 1e-14 of mpmath
    from gancore._direct import streamed_direct

    call, direct, reference = _near_passes()[name]
    rng = np.random.default_rng(5)
    p = rng.random(1500) + 1e-3
    q = p * (1 + 1e-6 * rng.standard_normal(1500))
    if fault == "both zero":
        p[700] = q[700] = 0.0
    p, q = p / p.sum(), q / q.sum()
    if fault == "totals apart":
        q = q * (1 + 2.0**-40)
    normalize = fault == "totals apart"
    assert streamed_direct(p, q, -1, 1.0, normalize, direct.near) is None
    got = float(call(p, q, normalize=normalize))
    assert got == float(call(p.tolist(), q.tolist(), normalize=normalize))
    assert got == pytest.approx(float(reference(*_mp_pair(p, q))), rel=1e-14, abs=0)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1024, 1500),
       log_eps=st.floats(-13.0, -1.5), decades=st.floats(0.0, 30.0),
       scale=st.sampled_from([None, 1e-3, 3.0, 1e3]),
       name=st.sampled_from(["kl", "hellinger"]))
def test_near_passes_keep_their_precision(seed, n, log_eps, decades, scale, name):
    # nearly equal masses over up to 30 decades, normalised or scaled (normalize=True),
    # in blocks of 64 points: where a near pass answers, its result lies within 1e-14
    # relative of mpmath's. (Its floor, from the totals' rounding delta times x**2 and
    # the terms in x**3 left out, |x| <= 2**-50, lies below 1e-46; the aligned careful
    # sum's, of order eps**2, was measured up to 1.8e-31 absolute on such inputs.)
    import gancore._direct
    from gancore._direct import streamed_direct

    _, direct, reference = _near_passes()[name]
    rng = np.random.default_rng(seed)
    p = 10.0 ** rng.uniform(-decades, 0.0, n)
    q = p * (1 + 10.0**log_eps * rng.standard_normal(n))
    p, q = p / p.sum(), q / q.sum()
    if scale is not None:
        p, q = p * scale, q * scale
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gancore._direct, "BLOCK_ELEMENTS", 64)
        near = streamed_direct(p, q, -1, 1.0, scale is not None, direct.near)
    if near is not None:
        want = float(reference(*_mp_pair(p, q)))
        assert float(near) == pytest.approx(want, rel=1e-14, abs=1e-46)


def test_kl_near_pass_leaves_a_point_beyond_its_series(small_blocks):
    # a point whose masses lie a factor 1.5 apart (|u| = 0.2 >= 1/8) needs the closed
    # form: KL's near pass answers None, and kl's result is the general path's
    from gancore._direct import streamed_direct
    from gancore.divergences import KL_NEAR

    rng = np.random.default_rng(5)
    p = rng.random(1500) + 1e-3
    q = p * (1 + 1e-6 * rng.standard_normal(1500))
    q[700] *= 1.5
    p, q = p / p.sum(), q / q.sum()
    assert streamed_direct(p, q, -1, 1.0, False, KL_NEAR) is None
    got = float(gancore.kl(p, q))
    assert got == float(gancore.kl(p.tolist(), q.tolist()))
    assert got == pytest.approx(float(_mp_kl(*_mp_pair(p, q))), rel=1e-14, abs=0)


def test_one_long_distribution_below_the_direct_floor_is_summed_again(small_blocks):
    # the first block far apart, every other point equal: the one pass's direct result
    # is below DIRECT_FLOOR (KL ~ 0.01), so it is not returned; the careful sum is
    from gancore._direct import streamed_direct
    from gancore.divergences import KL_DIRECT

    rng = np.random.default_rng(3)
    p = rng.random(4000) + 0.5
    q = p.copy()
    q[:64] = rng.random(64) + 0.01
    p, q = p / p.sum(), q / q.sum()
    ps, qs = _mp_pair(p, q)
    want = float(_mp_kl(ps, qs))
    assert 1e-4 < want < 1 / 16
    assert streamed_direct(p, q, -1, 1.0, False, KL_DIRECT) is None
    assert float(gancore.kl(p, q)) == pytest.approx(want, rel=1e-13, abs=0)


def _ratio_of_totals(p, q, dx):
    """The ratio of the totals of ``p`` and ``q`` (NumPy arrays or CPU tensors) as the
    short paths form it, each total ``(sum * dx) / dx`` in the masses' dtype: at the
    bounds that decide the careful form's rescaling (Q/P in [3/4, 5/4]), the ratio of
    float64 sums can fall on the other side."""
    with np.errstate(all="ignore"):  # (the faults' NaN and inf)
        p_total, q_total = ((np.add.reduce(np.asarray(x)) * dx) / dx for x in (p, q))
        return float(p_total / q_total)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40),
       dtype=st.sampled_from(["float64", "float32"]), dx=st.sampled_from([1.0, 0.5, 3.0]),
       normalize=st.booleans(), near=st.booleans(), where=st.sampled_from(["p", "q"]),
       fault=st.sampled_from([None, "zero", "negative", "subnormal", "nan", "inf",
                              "unnormalised", "huge"]),
       kind=st.sampled_from(["numpy", "torch"]))
def test_one_distributions_tv_checked_in_its_formula_is_the_general_paths(
        seed, n, dtype, dx, normalize, near, where, fault, kind):
    # tv of one host distribution takes its checks from the formula's own operations
    # (_one_host_tv); it returns the general path's result bit for bit (a batch of one
    # takes the general path; for tensors NumPy's, on their views), the careful form
    # below 1/16 (nearly equal inputs) included, or None wherever the general path
    # raises or rescales the totals
    from gancore.total_variation import _one_host_tv

    rng = np.random.default_rng(seed)
    p = rng.random(n) + 0.01
    q = p * (1 + 1e-3 * rng.standard_normal(n)) if near else rng.random(n) + 0.01
    p, q = (np.asarray(x / (x.sum() * dx), dtype=dtype) for x in (p, q))
    if fault is not None:
        x, i = (p if where == "p" else q), rng.integers(0, n)
        x[i] = {"zero": 0.0, "negative": -1e-3, "subnormal": -5e-324, "nan": math.nan,
                "inf": math.inf, "unnormalised": x[i] + 0.5, "huge": 1e30}[fault]
    if kind == "torch":
        torch = pytest.importorskip("torch")
        p, q = torch.from_numpy(p), torch.from_numpy(q)
    got = _one_host_tv(p, q, -1, dx, False, normalize)
    try:
        want = gancore.tv(p[None], q[None], dx=dx, normalize=normalize)[0]
    except ValueError:
        assert got is None
        return
    if got is None:  # totals that are rescaled (below 1/16, the careful form's, where
        # Q/P lies outside [3/4, 5/4]), or k = P/Q <= 1/2 (where k q could round a
        # negative subnormal to -0)
        k = _ratio_of_totals(p, q, dx)
        assert ((float(want) < 1 / 16 and not 0.75 <= _ratio_of_totals(q, p, dx) <= 1.25)
                or (fault == "huge" and normalize) or k <= 0.5)
        return
    assert type(got) is type(want) and got.dtype == want.dtype
    if kind == "torch":  # NumPy's bits; torch's general path sums S = sum(min(p, kq))
        # <= P in another order: (n + 4) ulps of 1
        numpy_want = gancore.tv(p.numpy()[None], q.numpy()[None], dx=dx,
                                normalize=normalize)[0]
        assert float(got) == float(numpy_want)
        eps = float(np.finfo(dtype).eps)
        assert float(got) == pytest.approx(float(want), rel=0, abs=(n + 4) * eps)
    else:
        assert float(got) == float(want)
    assert float(gancore.tv(p, q, dx=dx, normalize=normalize)) == float(got)


@pytest.mark.parametrize("ulps", [0, 1, 4, 5, 100])
def test_tv_takes_totals_within_4_ulps_as_equal_within_their_bound(ulps):
    # TV's direct form takes k = P/Q = 1 when it lies within 4 ulps of 1: the result
    # moves by at most |k - 1| (derivation in total_variation._unit_ratio); against mpmath
    # the error stays below (|k - 1| + 16 eps), the sum's rounding included, and below
    # 16 eps where k is further from 1 and applied
    rng = np.random.default_rng(ulps)
    p, q = rng.random(1000), rng.random(1000)
    p, q = p / p.sum(), q / q.sum()
    q = q * (1.0 + ulps * EPS)  # within the normalisation tolerance, k = 1 - ulps eps
    ps, qs = _mp_pair(p, q)
    want = mpmath.fsum(abs(a - b) for a, b in zip(ps, qs)) / 2
    got = gancore.tv(p, q)
    k = float(p.sum() / q.sum())
    taken_as_one = abs(k - 1.0) <= 4 * EPS
    assert abs(float(got) - float(want)) <= (abs(k - 1.0) if taken_as_one else 0.0) + 16 * EPS


@pytest.mark.parametrize("op", ["kl", "jsd", "pearson", "hellinger", "triangular", "value",
                                "virtual_criterion"])
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40),
       dtype=st.sampled_from(["float64", "float32"]), dx=st.sampled_from([1.0, 0.5, 3.0]),
       normalize=st.booleans(), near=st.booleans(), where=st.sampled_from(["p", "q", "d"]),
       fault=st.sampled_from([None, "zero", "one", "negative", "nan", "inf",
                              "unnormalised", "huge"]),
       kind=st.sampled_from(["numpy", "torch"]))
def test_one_short_distributions_direct_formula_is_the_general_paths(
        seed, n, dtype, dx, normalize, near, where, fault, kind, op):
    # KL, JSD, Pearson, V, C(G), Hellinger and the triangular discrimination (direct
    # formulas; all but V and C(G) fall back on their careful sums below 1/16) of one
    # short host distribution run with nothing around their checks (_direct.one_direct):
    # the result is the general path's (a batch of one takes it), bit for bit on NumPy
    # (for tensors, NumPy's on their views), and None wherever that path raises, meets a
    # zero mass or, below 1/16, rescales
    from gancore._direct import one_direct
    from gancore.divergences import _JSD_DIRECT, KL_DIRECT
    from gancore.f_divergences import _HOST_PATHS
    from gancore.game import _CRITERION_DIRECT, _VALUE_DIRECT

    rng = np.random.default_rng(seed)
    p = rng.random(n) + 0.01
    q = p * (1 + 1e-3 * rng.standard_normal(n)) if near else rng.random(n) + 0.01
    p, q = (np.asarray(x / (x.sum() * dx), dtype=dtype) for x in (p, q))
    d = np.asarray(rng.uniform(0.05, 0.95, n), dtype=dtype)
    if fault is not None:
        x, i = {"p": p, "q": q, "d": d}[where], rng.integers(0, n)
        x[i] = {"zero": 0.0, "one": 1.0, "negative": -1e-3, "nan": math.nan,
                "inf": math.inf, "unnormalised": x[i] + 0.5, "huge": 1e30}[fault]
    if kind == "torch":
        torch = pytest.importorskip("torch")
        p, q, d = (torch.from_numpy(x) for x in (p, q, d))
    # the formula (with its careful fallback) and the public function
    formula, call = {"kl": (KL_DIRECT, gancore.kl),
                     "jsd": (_JSD_DIRECT, gancore.jsd),
                     "value": (_VALUE_DIRECT, partial(gancore.value, d)),
                     "virtual_criterion": (_CRITERION_DIRECT,
                                           gancore.virtual_criterion)}.get(op) or (
        _HOST_PATHS[op][0], partial(gancore.f_divergence, f=op))
    got = one_direct(p, q, -1, dx, normalize, formula, d if op == "value" else None)
    def general(p, q, d):
        """The general path's result (a batch of one takes it)."""
        return (gancore.value(d[None], p[None], q[None], dx=dx, normalize=normalize)
                if op == "value" else call(p[None], q[None], dx=dx, normalize=normalize))[0]

    try:
        want = general(p, q, d)
    except ValueError:
        assert got is None
        return
    if got is None:  # a zero mass, or, below 1/16, totals that the careful sums would
        # rescale (ratio outside [3/4, 5/4])
        ratio = _ratio_of_totals(q, p, dx)
        assert (fault in ("zero", "one")
                or (fault == "huge" and normalize) or not math.isfinite(float(want))
                or (op not in ("value", "virtual_criterion") and float(want) < 1 / 16
                    and not 0.75 <= ratio <= 1.25))
        return
    assert type(got) is type(want) and got.dtype == want.dtype
    if kind == "numpy":  # the same operations: the same bits
        assert float(got) == float(want)
    else:  # NumPy's bits on the tensors' views; torch's general path sums in another
        # order (each term at most 65 times a direct result, and non-negative in a
        # careful sum): 2 * 65 * n rounding errors of the terms, and a few of the finish
        assert float(got) == float(general(p.numpy(), q.numpy(), d.numpy()))
        eps = float(np.finfo(dtype).eps)
        assert float(got) == pytest.approx(float(want), rel=(130 * n + 8) * eps,
                                           abs=4 * eps)
    assert float(call(p, q, dx=dx, normalize=normalize)) == float(got)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
@pytest.mark.parametrize("where", ["p", "q", "both"])
@pytest.mark.parametrize("op", ["kl", "jsd", "tv", "pearson", "neyman", "hellinger",
                                "triangular", "reverse-kl", "value", "virtual_criterion"])
def test_one_short_distribution_with_a_negative_mass_is_named(kind, where, op):
    # under normalize=True the totals of a measure with one negative mass pass; the short
    # host paths (one_direct, TV's) must still see the sign, whatever their formula
    # makes of it (a^2 / b and the careful sums stay finite; KL's log(p/q), whose sign
    # check reads one measure, is finite where both are negative), and leave the call to
    # the general path, which names the argument (p first where both are negative)
    rng = np.random.default_rng(5)
    p, q = rng.random(50) + 0.1, rng.random(50) + 0.1
    for x in (p, q) if where == "both" else (p if where == "p" else q,):
        x[7] = -1e-3
    d = rng.uniform(0.05, 0.95, 50)
    if kind == "torch":
        torch = pytest.importorskip("torch")
        p, q, d = (torch.from_numpy(x) for x in (p, q, d))
    call = {"kl": gancore.kl, "jsd": gancore.jsd, "tv": gancore.tv,
            "value": partial(gancore.value, d),
            "virtual_criterion": gancore.virtual_criterion}.get(
        op, partial(gancore.f_divergence, f=op))
    first = "q" if where == "q" else "p"
    name = ({"p": "p_data", "q": "p_g"}[first] if op in ("value", "virtual_criterion")
            else first)
    with pytest.raises(ValueError, match=f"{name} must be non-negative"):
        call(p, q, normalize=True)


@pytest.mark.parametrize("n", [3, 1000, 20_000, 200_000])
@pytest.mark.parametrize("where", ["p", "q"])
@pytest.mark.parametrize("op", ["kl", "jsd", "tv", "pearson", "hellinger", "triangular",
                                "reverse-kl", "value", "virtual_criterion"])
def test_masses_holding_both_infinities_are_named_without_a_warning(xp, n, where, op):
    # +inf and -inf in one measure sum to NaN, which NumPy reports as an invalid value
    # in its reduction: every path (one short distribution, one fused pass, the blocks,
    # the long streamed pass) must name the argument, with no RuntimeWarning first
    # (warnings are errors in this suite)
    p, q = np.full(n, 1.0 / n), np.full(n, 1.0 / n)
    x = p if where == "p" else q
    x[n // 3], x[-1] = math.inf, -math.inf
    for normalize in (False, True):
        a, b = arr(xp, p), arr(xp, q)
        call = {"kl": gancore.kl, "jsd": gancore.jsd, "tv": gancore.tv,
                "value": partial(gancore.value, arr(xp, np.full(n, 0.5))),
                "virtual_criterion": gancore.virtual_criterion}.get(
            op, partial(gancore.f_divergence, f=op))
        name = ({"p": "p_data", "q": "p_g"}[where] if op in ("value", "virtual_criterion")
                else where)
        with pytest.raises(ValueError, match=f"{name} must be finite"):
            call(a, b, normalize=normalize)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_tv_names_a_negative_mass_whose_scaling_overflows_without_a_warning(xp, dtype):
    # q = (big, -big, 1/3) under normalize=True: Q = 1/3, so k = P/Q = 3 and k q
    # passes the dtype's range at big = max/2; the short path's scaling must stay quiet
    # and the general path name q's negative mass (warnings are errors in this suite)
    big = float(np.finfo(dtype).max) / 2
    p, q = np.full(3, 1.0 / 3, dtype=dtype), np.array([big, -big, 1.0 / 3], dtype=dtype)
    with pytest.raises(ValueError, match="q must be non-negative"):
        gancore.tv(arr(xp, p, getattr(xp, dtype)), arr(xp, q, getattr(xp, dtype)),
                   normalize=True)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_tv_sees_a_negative_subnormal_mass_beside_a_small_ratio_of_totals(kind):
    # k = P/Q = 1/4: k times the smallest negative subnormal rounds to -0, which
    # min(p, kq) would not show; the short path leaves such ratios (k <= 1/2) to the
    # general path, which names the mass
    p, q = np.full(8, 1.0 / 8), np.full(8, 0.5)
    q[3] = -5e-324
    if kind == "torch":
        torch = pytest.importorskip("torch")
        p, q = torch.from_numpy(p), torch.from_numpy(q)
    with pytest.raises(ValueError, match="q must be non-negative"):
        gancore.tv(p, q, normalize=True)


def _tensor_pair(torch, dtype, batch):
    """Two normalised tensors of 50 masses of ``dtype``, as one distribution or a batch
    of one."""
    rng = np.random.default_rng(7)
    p, q = (torch.from_numpy((x / x.sum()).astype(dtype)) for x in rng.random((2, 50)))
    return (p[None], q[None]) if batch else (p, q)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", [False, True])
def test_least_squares_criterion_is_its_divergences_arithmetic_on_tensors(batch, dtype):
    # offset + scale * Delta (codes 0, 1, 1: 1/4 + Delta / 8) is formed on the NumPy
    # result of the tensors' views before it becomes a tensor (one distribution), or on
    # the general path's tensor (a batch): either way the bits of torch's arithmetic on
    # the divergence's 0-d tensor, and a tensor of the masses' dtype
    torch = pytest.importorskip("torch")
    p, q = _tensor_pair(torch, dtype, batch)
    got = gancore.least_squares_criterion(p, q, a=0.0, b=1.0, c=1.0)
    want = 0.25 + 0.125 * gancore.f_divergence(p, q, f="triangular")
    assert type(got) is torch.Tensor and got.dtype == p.dtype and got.shape == want.shape
    assert torch.equal(got, want)


def _twice_overlap(p, q):
    """sum 2 min(p/P, q/Q) at 60 digits, P and Q the exact totals of the float masses."""
    with mpmath.workdps(60):
        ps, qs = ([mpmath.mpf(v) / mpmath.fsum(map(mpmath.mpf, x)) for v in x] for x in (p, q))
        return float(mpmath.fsum(2 * min(a, b) for a, b in zip(ps, qs)))


@given(n=st.integers(2, 40), log_leak=st.floats(-15.0, 0.0), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([1.0, 3.0, 1e-200]))
def test_hinge_minimum_keeps_its_relative_digits_where_supports_barely_overlap(
        xp, n, log_leak, seed, scale):
    # p lives on the first half and q on the second, each leaking a share 10**log_leak
    # onto the other's half: the minimum 2 sum min(p, q) runs down to 1e-15, where
    # 2 (1 - TV) would keep only TV's absolute error, a few ulps of 1. Twice the
    # overlap is a sum of non-negative terms: its rounding (k = P/Q, the pairwise sum,
    # the division; the totals' own, n <= 40) stays within 32 ulps relative. With
    # normalize=True and totals of 3 or 1e-200 the same (1e-200: rescaled totals)
    rng = np.random.default_rng(seed)
    p, q = rng.random(n) + 0.01, rng.random(n) + 0.01
    half = np.arange(n) < n // 2
    leak = 10.0**log_leak
    p, q = np.where(half, p, leak * p), np.where(half, leak * q, q)
    p, q = p / p.sum() * scale, q / q.sum()
    want = _twice_overlap(p, q)
    for kind in ("short", "long", "batch"):
        a, b = p, q
        if kind == "long":  # past the short path: the general one, in blocks
            copies = 8200 // n + 1
            a, b = np.tile(p, copies) / copies, np.tile(q, copies) / copies
        if kind == "batch":
            a, b = p[None], q[None]
        got = host(gancore.hinge_critic_minimum(arr(xp, a), arr(xp, b),
                                                normalize=scale != 1.0))
        assert abs(float(np.ravel(got)[0]) - want) <= 32 * EPS * want, (kind, got, want)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", [False, True])
def test_hinge_minimum_on_tensors_is_a_tensor_of_their_dtype_with_a_gradient(batch, dtype):
    # one distribution takes the short path on the tensors' views, a batch the general
    # path: both a tensor of the masses' dtype and shape; masses that track a gradient
    # take it through the totals (k = P/Q) as through the minimum, as finite
    # differences of the float64 function show
    torch = pytest.importorskip("torch")
    p, q = _tensor_pair(torch, dtype, batch)
    got = gancore.hinge_critic_minimum(p, q)
    assert type(got) is torch.Tensor and got.dtype == p.dtype and got.shape == p.shape[:-1]
    want = _twice_overlap(p.reshape(-1).double().numpy(), q.reshape(-1).double().numpy())
    assert abs(float(got.reshape(-1)[0]) - want) <= 32 * float(np.finfo(dtype).eps) * want
    if dtype == "float64":
        grad_p = p.clone().requires_grad_()
        torch.autograd.gradcheck(
            lambda a: gancore.hinge_critic_minimum(a, q, normalize=True), (grad_p,))
