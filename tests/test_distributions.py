"""Distributions against scipy.stats, quadrature and their own defining properties."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

import gancore
from proofs._support import arr, assert_lives_with, host

RNG = np.random.default_rng(7)
MVN = gancore.MultivariateNormal([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]])
MIX = gancore.Mixture([gancore.Normal(-2.0, 0.5), gancore.Normal(1.0, 1.5)], [0.3, 0.7])


def test_normal_matches_scipy(xp):
    dist, ref = gancore.Normal(1.5, 0.7), stats.norm(1.5, 0.7)
    x = np.linspace(-6, 9, 101)
    xa = arr(xp, x)
    for method in ("logpdf", "pdf", "cdf"):
        got = getattr(dist, method)(xa)
        assert_lives_with(got, xa)
        np.testing.assert_allclose(host(got), getattr(ref, method)(x), rtol=1e-13)
    u = np.array([0.0, 1e-12, 0.25, 0.5, 0.9, 1.0])
    np.testing.assert_allclose(host(dist.ppf(arr(xp, u))), ref.ppf(u), rtol=1e-13)


def test_multivariate_normal_matches_scipy(xp):
    ref = stats.multivariate_normal([1.0, -2.0], [[2.0, 0.6], [0.6, 0.5]])
    x = RNG.normal(0, 2, (4, 3, 2))
    got = MVN.logpdf(arr(xp, x))
    assert tuple(got.shape) == (4, 3)
    np.testing.assert_allclose(host(got), ref.logpdf(x), rtol=1e-12)
    np.testing.assert_allclose(host(MVN.pdf(arr(xp, x))), ref.pdf(x), rtol=1e-12)


def test_multivariate_normal_far_past_the_float_range_is_minus_infinity(xp):
    # finite points whose standardised distance squared passes float64's range: log
    # density -inf and density 0, without a warning (warnings are errors in this suite),
    # also where the whitening's products overflow to inf - inf; the mixture's log-sum-exp
    # then gives -inf too
    x = np.array([[1e160, 0.0], [1e308, 1e308], [-1e308, 1e308], [1.0, -2.0]])
    got = host(MVN.logpdf(arr(xp, x)))
    ref = stats.multivariate_normal(MVN.mean, MVN.cov).logpdf(x[-1])
    np.testing.assert_array_equal(got[:3], -math.inf)
    assert got[3] == pytest.approx(ref, rel=1e-12)
    np.testing.assert_array_equal(host(MVN.pdf(arr(xp, x)))[:3], 0.0)
    mix = gancore.Mixture([MVN, gancore.MultivariateNormal([-3.0, 0.0], np.eye(2))],
                          [0.4, 0.6])
    np.testing.assert_array_equal(host(mix.logpdf(arr(xp, x[:3]))), -math.inf)


def test_mixture_density_and_distribution_function(xp):
    x = np.linspace(-6, 8, 57)
    ref_pdf = 0.3 * stats.norm(-2, 0.5).pdf(x) + 0.7 * stats.norm(1, 1.5).pdf(x)
    np.testing.assert_allclose(host(MIX.pdf(arr(xp, x))), ref_pdf, rtol=1e-13)
    total = integrate.quad(lambda t: float(MIX.pdf(np.array(t))), -np.inf, np.inf)[0]
    assert total == pytest.approx(1.0, rel=1e-10, abs=0)
    ref_cdf = 0.3 * stats.norm(-2, 0.5).cdf(x) + 0.7 * stats.norm(1, 1.5).cdf(x)
    np.testing.assert_allclose(host(MIX.cdf(arr(xp, x))), ref_cdf, rtol=1e-13)


def test_mixture_ppf_inverts_cdf(xp):
    u = np.array([1e-9, 0.01, 0.3, 0.5, 0.77, 0.999])
    q = MIX.ppf(arr(xp, u))
    assert_lives_with(q, arr(xp, u))
    # bisection to the float64 resolution of x: F(x) recovers u to ~pdf * ulp(x)
    np.testing.assert_allclose(host(MIX.cdf(q)), u, rtol=1e-12)
    edges = host(MIX.ppf(arr(xp, [0.0, 1.0])))
    assert edges[0] == -math.inf and edges[1] == math.inf


def test_mixture_of_multivariate_normals_and_far_points(xp):
    other = gancore.MultivariateNormal([-3.0, 0.0], np.eye(2))
    mix = gancore.Mixture([MVN, other], [0.4, 0.6])
    x = np.array([[0.0, 0.0], [1.0, -2.0], [200.0, 300.0]])
    ref = np.logaddexp(np.log(0.4) + stats.multivariate_normal(MVN.mean, MVN.cov).logpdf(x),
                       np.log(0.6) + stats.multivariate_normal([-3, 0], np.eye(2)).logpdf(x))
    # log-sum-exp keeps far points finite where the densities underflow to 0
    np.testing.assert_allclose(host(mix.logpdf(arr(xp, x))), ref, rtol=1e-12)


def test_line_segment_density_and_samples(xp):
    seg = gancore.LineSegment(0.25)
    x = arr(xp, [[0.25, 0.0], [0.25, 0.999], [0.25, 1.5], [0.3, 0.5]])
    np.testing.assert_array_equal(host(seg.pdf(x)), [1.0, 1.0, 0.0, 0.0])
    s = host(seg.sample(1000, seed=3, xp=xp))
    assert s.shape == (1000, 2) and np.all(s[:, 0] == 0.25)
    assert np.all((s[:, 1] >= 0) & (s[:, 1] <= 1))
    # Kolmogorov-Smirnov against U[0, 1]; a fixed seed makes this deterministic
    assert stats.kstest(s[:, 1], "uniform").pvalue > 1e-3


@pytest.mark.parametrize("dist", [gancore.Normal(3.0, 0.5), MVN, MIX, gancore.LineSegment(1.0)],
                         ids=["normal", "mvn", "mixture", "segment"])
def test_samples_are_reproducible_and_in_the_namespace_asked_for(xp, dist):
    a = dist.sample(2000, seed=11, xp=xp)
    b = dist.sample(2000, seed=11, xp=xp)
    assert a.dtype == xp.float64
    np.testing.assert_array_equal(host(a), host(b))
    np.testing.assert_array_equal(host(a), dist.sample(2000, seed=11))
    assert dist.sample(5, seed=1, xp=xp, dtype=xp.float32).dtype == xp.float32


def test_sample_moments():
    s = gancore.Normal(3.0, 0.5).sample(200_000, seed=5)
    # standard errors: 0.5 / sqrt(2e5) = 1.1e-3 for the mean; allow 5 of them
    assert s.mean() == pytest.approx(3.0, abs=5.6e-3)
    assert s.std() == pytest.approx(0.5, rel=1e-2, abs=0)
    m = MVN.sample(200_000, seed=6)
    np.testing.assert_allclose(m.mean(axis=0), MVN.mean, atol=0.02)
    np.testing.assert_allclose(np.cov(m.T), MVN.cov, atol=0.03)
    mix = MIX.sample(200_000, seed=9)
    assert stats.kstest(mix, lambda t: np.asarray(MIX.cdf(np.asarray(t)))).pvalue > 1e-3


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 1), (0.5, 0.2, -3, 3), (2, 4, 2, 0.3)])
def test_kl_normal_matches_quadrature(m1, s1, m2, s2):
    p, q = stats.norm(m1, s1), stats.norm(m2, s2)
    ref = integrate.quad(lambda t: p.pdf(t) * (p.logpdf(t) - q.logpdf(t)),
                         m1 - 40 * s1, m1 + 40 * s1, limit=400)[0]
    got = gancore.kl_normal(gancore.Normal(m1, s1), gancore.Normal(m2, s2))
    assert got == pytest.approx(ref, rel=1e-9, abs=0)


@pytest.mark.parametrize("a, b", [((0.0, 1.0), (0.0, 1.0 + 2.0**-50)),
                                  ((0.0, 1.0 + 1e-8), (1e-9, 1.0)),
                                  ((3.0, 2.0), (3.0, 2.2)), ((0.0, 1.0), (0.3, 0.89)),
                                  ((1.0, 0.5), (-2.0, 3.0))])
def test_kl_normal_keeps_relative_precision_as_the_normals_meet(a, b):
    # -log r + (r^2 - 1) / 2 cancels as r -> 1 (it gave 0.0 for r = 1 + 1e-15, where
    # the KL is about 1e-30); against 60 digits of the same closed form
    mpmath.mp.dps = 60
    m1, s1, m2, s2 = map(mpmath.mpf, (*a, *b))
    ref = mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2
    got = gancore.kl_normal(gancore.Normal(*a), gancore.Normal(*b))
    assert got == pytest.approx(float(ref), rel=1e-14, abs=0)


def test_kl_normal_past_the_largest_float_is_inf_and_below_it_exact():
    # -log r + (r^2 + d^2) / 2 - 1/2 with r = s_p / s_q and d = (m_p - m_q) / s_q: r or d
    # past the largest float gave NaN (inf - inf) or OverflowError; the KL is inf there
    far = [((0.0, 1e300), (0.0, 1e-300)), ((1e300, 1.0), (-1e300, 1.0)),
           ((0.0, 1.0), (1e200, 1e-200))]
    for p, q in far:
        assert gancore.kl_normal(gancore.Normal(*p), gancore.Normal(*q)) == math.inf
    # r = 1e-300 / 1e10 underflows to 0: the KL is log(1e310) - 1/2, finite
    got = gancore.kl_normal(gancore.Normal(0.0, 1e-300), gancore.Normal(0.0, 1e10))
    assert got == pytest.approx(310 * math.log(10) - 0.5, rel=1e-15, abs=0)


def test_normal_density_is_zero_where_the_standard_score_overflows(xp):
    # (x - loc) / scale past the largest float: log density -inf, density 0, and no
    # warning (the configuration's filterwarnings=error fails the test on one)
    for loc, scale, x in ((0.0, 1e-300, 1e300), (1e300, 1.0, -1e300), (-1e308, 1.0, 1e308)):
        dist, xa = gancore.Normal(loc, scale), arr(xp, [x, loc])
        assert host(dist.logpdf(xa))[0] == -math.inf
        assert host(dist.pdf(xa))[0] == 0.0
        assert host(dist.logpdf(xa))[1] == pytest.approx(
            -math.log(scale) - 0.5 * math.log(2 * math.pi), rel=1e-15, abs=0)


def test_normal_cdf_and_ppf_past_the_float_range_are_their_limits_without_warnings(xp):
    # (x - loc) / scale past the largest float: the distribution function is 0 or 1 there;
    # loc + scale z past it: the quantile lies past every float. Both warned of overflow
    # (the configuration's filterwarnings=error fails the test on a warning)
    for loc, scale, x, want in ((0.0, 1e-300, [1e300, -1e300], [1.0, 0.0]),
                                (-1e308, 1.0, [1e308], [1.0]), (1e300, 1e-300, [-1e300], [0.0])):
        dist = gancore.Normal(loc, scale)
        assert host(dist.cdf(arr(xp, x))).tolist() == want
        mix = gancore.Mixture([dist, gancore.Normal()], [0.5, 0.5])
        assert np.all(np.isfinite(host(mix.cdf(arr(xp, x)))))
    got = host(gancore.Normal(0.0, 1e308).ppf(arr(xp, [1.0 - 2.0**-53, 1e-300, 0.5])))
    assert got.tolist() == [math.inf, -math.inf, 0.0]


def test_kl_normal_multivariate():
    # independent coordinates: the KL is the sum of the 1-D KLs
    p = gancore.MultivariateNormal([0.0, 1.0], np.diag([1.0, 4.0]))
    q = gancore.MultivariateNormal([1.0, -1.0], np.diag([2.0, 0.5]))
    ref = (gancore.kl_normal(gancore.Normal(0, 1), gancore.Normal(1, math.sqrt(2)))
           + gancore.kl_normal(gancore.Normal(1, 2), gancore.Normal(-1, math.sqrt(0.5))))
    assert gancore.kl_normal(p, q) == pytest.approx(ref, rel=1e-13, abs=0)
    assert gancore.kl_normal(MVN, MVN) == pytest.approx(0.0, abs=1e-15)
    # correlated: a grid integral of p log(p/q) in the plane
    g = np.linspace(-12, 14, 801)
    xx = np.stack(np.meshgrid(g, g, indexing="ij"), axis=-1)
    lp, lq = MVN.logpdf(xx), q.logpdf(xx)
    grid = np.sum(np.exp(lp) * (lp - lq)) * (g[1] - g[0]) ** 2
    assert gancore.kl_normal(MVN, q) == pytest.approx(grid, rel=1e-8, abs=0)


def _kl_normal_by_mpmath(p, q):
    """KL of two MultivariateNormals by the closed form at 60 digits, on their float64
    parameters taken exactly."""
    with mpmath.workdps(60):
        sp, sq = mpmath.matrix(p.cov.tolist()), mpmath.matrix(q.cov.tolist())
        m = mpmath.matrix((q.mean - p.mean).tolist())  # (an exact difference here)
        inv = sq**-1
        trace = sum((inv * sp)[i, i] for i in range(p.dim))
        return float((trace + (m.T * inv * m)[0] - p.dim
                      + mpmath.log(mpmath.det(sq) / mpmath.det(sp))) / 2)


@given(d=st.sampled_from([2, 3]), log_gap=st.floats(-12.0, math.log10(0.4)),
       signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=3, max_size=3),
       angle=st.floats(0.0, math.pi), shift=st.floats(-1e-6, 1e-6))
def test_kl_normal_multivariate_keeps_relative_precision_as_the_normals_meet(
        d, log_gap, signs, angle, shift):
    # q = N(0, R diag(1, 2, 3) R^T), p's covariance q's with its eigenvalues moved by
    # relative gaps down to 1e-12, and p's mean moved by up to 1e-6: tr(A A^T) - d +
    # log det cancels as p -> q (a KL of 2.5e-17 came out -1.25e-17, a mean 1e-8 apart
    # gave 0). Against 60 digits of the same closed form on the same float64 inputs;
    # 1e-11 covers B's rounding through q's Cholesky factor (condition 3 here)
    turn = np.eye(d)
    turn[:2, :2] = [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    scales = np.arange(1.0, d + 1.0)
    gaps = np.array(signs[:d]) * 10.0**log_gap * np.linspace(1.0, 0.5, d)
    sym = lambda c: 0.5 * (c + c.T)  # noqa: E731 (exactly symmetric: what both read)
    q = gancore.MultivariateNormal(np.zeros(d), sym(turn @ np.diag(scales) @ turn.T))
    p = gancore.MultivariateNormal(np.full(d, shift),
                                   sym(turn @ np.diag(scales * (1.0 + gaps)) @ turn.T))
    want = _kl_normal_by_mpmath(p, q)
    assert want > 0
    assert gancore.kl_normal(p, q) == pytest.approx(want, rel=1e-11, abs=0)
