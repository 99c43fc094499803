"""f_divergence, conjugate, optimal_critic and variational_bound: edge values, batches,
namespaces and errors (the theorems are in proofs/test_f_divergences.py)."""

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gancore
from proofs._support import arr, assert_lives_with, host
from proofs.test_f_divergences import F

P, Q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])


# D_f of two measures with disjoint parts: half the mass on a shared point. Each value
# from the module's table: TV = 1/2; KL = Pearson = inf (q = 0 < p); reverse KL = Neyman
# = inf (p = 0 < q); Hellinger (sqrt .5 - 0)^2 * 2 = 1; JSD = log(2) / 2;
# GAN = 2 JSD - log 4 = -log 2; triangular 2 * 0.5^2 / 0.5 = 1.
DISJOINT_HALF = {"total-variation": 0.5, "kl": math.inf, "reverse-kl": math.inf,
                 "pearson": math.inf, "neyman": math.inf, "hellinger": 1.0,
                 "jensen-shannon": math.log(2) / 2, "gan": -math.log(2),
                 # (p - q)^2 / (p + q): 0.5^2 / 0.5 at each unshared point, 0 at the shared
                 "triangular": 1.0}


@pytest.mark.parametrize("name", gancore.F_DIVERGENCES)
def test_edge_values(xp, name):
    got = gancore.f_divergence(arr(xp, P), arr(xp, Q), f=name)
    assert_lives_with(got, arr(xp, P))
    assert float(host(got)) == pytest.approx(DISJOINT_HALF[name], rel=1e-15)
    same = float(host(gancore.f_divergence(arr(xp, P), arr(xp, P), f=name)))
    assert same == (-math.log(4) if name == "gan" else 0.0)


@pytest.mark.parametrize("name", gancore.F_DIVERGENCES)
def test_batches_keepdims_and_grid_spacing(xp, name):
    rng = np.random.default_rng(1)
    p, q = rng.random((3, 5)) + 0.1, rng.random((3, 5)) + 0.1
    p, q = p / p.sum(1, keepdims=True), q / q.sum(1, keepdims=True)
    batch = host(gancore.f_divergence(arr(xp, p.T), arr(xp, q.T), f=name, axis=0,
                                      keepdims=True))
    assert batch.shape == (1, 3)
    rows = [float(host(gancore.f_divergence(arr(xp, a), arr(xp, b), f=name)))
            for a, b in zip(p, q)]
    np.testing.assert_allclose(batch[0], rows, rtol=1e-13)
    # densities on a grid of spacing 0.5 (masses = densities * 0.5)
    on_grid = host(gancore.f_divergence(arr(xp, 2 * p), arr(xp, 2 * q), f=name, dx=0.5))
    np.testing.assert_allclose(on_grid, rows, rtol=1e-13)


def test_optimal_critic_edge_values(xp):
    p, q = arr(xp, [0.5, 0.0, 0.0, 0.3]), arr(xp, [0.0, 0.5, 0.0, 0.3])
    expected = {  # at p_g = 0 < p_data; p_data = 0 < p_g; both 0 (f'(1)); p_data = p_g
        "total-variation": [0.5, -0.5, 0.0, 0.0], "kl": [math.inf, -math.inf, 1.0, 1.0],
        "reverse-kl": [0.0, -math.inf, -1.0, -1.0], "pearson": [math.inf, -2.0, 0.0, 0.0],
        "neyman": [1.0, -math.inf, 0.0, 0.0], "hellinger": [1.0, -math.inf, 0.0, 0.0],
        "jensen-shannon": [math.log(2) / 2, -math.inf, 0.0, 0.0],
        "gan": [0.0, -math.inf, -math.log(2), -math.log(2)],
        "triangular": [1.0, -3.0, 0.0, 0.0]}  # 1 - 4 q^2 / (p + q)^2
    for name, want in expected.items():
        got = gancore.optimal_critic(p, q, f=name)
        assert_lives_with(got, p)
        np.testing.assert_allclose(host(got), want, rtol=1e-15, atol=0, err_msg=name)


def test_conjugate_past_the_dtype_is_inf_without_warnings(xp):
    # f*(t) = e^(t - 1) (KL, past float64's largest number from t = 711) and t + t^2 / 4
    # (Pearson, from t = 2.7e154); the bound, E_P T - E_Q f*(T), is then -inf
    for name, ts in (("kl", [711.0, 1e200]), ("pearson", [1e155, 1e300])):
        t = arr(xp, ts)
        assert np.all(host(gancore.conjugate(name, t)) == math.inf), name
        bound = gancore.variational_bound(arr(xp, [0.0]), t, f=name)
        assert float(host(bound)) == -math.inf, name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_jensen_shannon_conjugate_keeps_its_digits_up_to_the_edge_of_its_domain(xp, dtype):
    # f*(t) = -log(2 - e^(2t)) / 2 for t < log(2) / 2: with 2t - log 2 formed from one
    # rounded log 2, its rounding (2.3e-17 in float64, 1.9e-9 in float32) was most of
    # 2t - log 2 near the edge: 5e-9 relative 1e-10 inside it in float64, 2e-3 in
    # float32, and inf at the float64 nearest log(2) / 2, which lies inside (f* = 18.8).
    # Against 60 digits on the same floats: 4 ulps (the expm1 and log, each within 1)

    eps = float(np.finfo(dtype).eps)
    nearest = np.float64(math.log(2.0) / 2).astype(dtype)  # below log(2)/2 in float64 only
    zero, one = nearest.dtype.type(0), nearest.dtype.type(1)
    last, first_out = ((nearest, np.nextafter(nearest, one)) if dtype == "float64"
                       else (np.nextafter(nearest, zero), nearest))
    ts = np.array([last, *(last - d for d in (1e-10, 1e-6, 1e-3) if last - d != last),
                   -3.0, -40.0], dtype=dtype)
    got = host(gancore.conjugate("jensen-shannon", arr(xp, ts, getattr(xp, dtype))))
    with mpmath.workdps(60):
        for t, value in zip(ts.tolist(), got.tolist()):
            want = float(-mpmath.log(2 - mpmath.exp(2 * mpmath.mpf(t))) / 2)
            assert value == pytest.approx(want, rel=4 * eps, abs=0), t
    # the float on the far side of log(2) / 2 lies outside: f* is unbounded there
    outside = gancore.conjugate("jensen-shannon", arr(xp, [float(first_out)], getattr(xp, dtype)))
    assert host(outside)[0] == math.inf


def test_optimal_critic_past_the_dtype_is_its_overflow_without_warnings(xp):
    # the ratios 1e300 / 5e-324 and its inverse lie past float64's largest number (their
    # log, 1435, past 709.8): T* = f'(ratio) there is inf or -inf where it overflows (the
    # f's whose T* grows with the ratio or its inverse) and rounds to its limit
    # elsewhere; the configuration's filterwarnings=error fails the test on a warning
    p, q = arr(xp, [1e300, 5e-324]), arr(xp, [5e-324, 1e300])
    log_ratio = math.log(1e300) - math.log(5e-324)
    expected = {
        "total-variation": [0.5, -0.5], "kl": [1 + log_ratio, 1 - log_ratio],
        "reverse-kl": [0.0, -math.inf], "pearson": [math.inf, -2.0],
        "neyman": [1.0, -math.inf], "hellinger": [1.0, -math.inf],
        "jensen-shannon": [math.log(2) / 2, (math.log(2) - log_ratio) / 2],
        "gan": [0.0, -log_ratio], "triangular": [1.0, -3.0]}
    for name, want in expected.items():
        got = host(gancore.optimal_critic(p, q, f=name))
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=name)


def test_bound_at_the_optimal_critic_with_zero_masses(xp):
    # T* is infinite where one density is 0; the zero weights there contribute 0, so
    # the bound is D_f, inf included
    p, q = arr(xp, P), arr(xp, Q)
    for name in gancore.F_DIVERGENCES:
        t = gancore.optimal_critic(p, q, f=name)
        bound = gancore.variational_bound(t, t, f=name, data_weights=p, gen_weights=q)
        assert_lives_with(bound, p)
        assert float(host(bound)) == pytest.approx(DISJOINT_HALF[name], rel=1e-15), name


def test_bound_outside_the_domain_is_minus_infinity(xp):
    t = arr(xp, [0.0, 0.5])  # t = 0.5 is outside the GAN conjugate's domain t < 0
    assert float(host(gancore.variational_bound(t, t, f="gan"))) == -math.inf
    inf_both = arr(xp, [math.inf])  # E_P T = inf and E_Q f*(T) = inf: -inf, not NaN
    assert float(host(gancore.variational_bound(inf_both, inf_both, f="kl"))) == -math.inf


def test_bound_with_both_infinities_is_minus_infinity_without_warnings(xp):
    # -inf in t_data at a positive weight makes the bound -inf whatever the other values
    # are, +inf beside it included (whose mean with it would be NaN, with NumPy's
    # warning); at zero weight the -inf contributes nothing and +inf's mean is inf
    t = arr(xp, [math.inf, -math.inf, 0.5])
    for name in ("kl", "gan", "total-variation"):
        assert float(host(gancore.variational_bound(t, arr(xp, [-1.0]), f=name))) == (
            -math.inf), name
        for weights, want in (([0.5, 0.25, 0.25], -math.inf), ([0.5, 0.0, 0.5], math.inf)):
            bound = gancore.variational_bound(t, arr(xp, [-1.0]), f=name,
                                              data_weights=arr(xp, weights))
            assert float(host(bound)) == want, (name, weights)
    # batched along another axis: each row is decided by its own values
    rows = arr(xp, [[math.inf, -math.inf], [0.25, 0.75]])
    bound = host(gancore.variational_bound(rows, arr(xp, [[-1.0], [-1.0]]), f="gan"))
    assert bound[0] == -math.inf and math.isfinite(bound[1])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_bound_of_finite_values_near_the_float_range_is_finite_without_warnings(xp, dtype):
    # means whose sums pass the float range: each is taken again on the values halved
    # until every sum is in range (exact for powers of 2), and the weights divided by
    # their largest; the bound is then the exact mean's
    big = float(np.finfo(dtype).max)

    def a(values):
        return arr(xp, values, getattr(xp, dtype))

    for t_data, weights, want in (([big] * 4, None, big), ([-big] * 3, None, -big),
                                  ([big, big], [big, big], big),
                                  ([big, -big, big / 2], [1.0, 0.0, 1.0], 0.75 * big)):
        bound = gancore.variational_bound(
            a(t_data), a([-0.25]), f="total-variation",
            data_weights=None if weights is None else a(weights))
        assert bound.dtype == getattr(xp, dtype)
        eps = float(np.finfo(dtype).eps)
        assert float(host(bound)) == pytest.approx(want, rel=4 * eps), t_data
    # E_Q f*(T) past the range: f*(t) = e^(t - 1) is finite at each value, their sum not
    t_gen = a([float(np.log(big)) + 0.5] * 4)
    star = float(host(gancore.conjugate("kl", t_gen))[0])
    assert math.isfinite(star)
    bound = gancore.variational_bound(a([0.0]), t_gen, f="kl")
    assert float(host(bound)) == -star


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"f must be one of"):
        gancore.f_divergence(P, Q, f="chi2")
    with pytest.raises(TypeError, match=r"f must be one of"):
        gancore.conjugate(None, np.zeros(2))
    with pytest.raises(ValueError, match="t must not hold NaN"):
        gancore.conjugate("kl", np.array([math.nan]))
    with pytest.raises(ValueError, match="data_weights must be non-negative"):
        gancore.variational_bound(np.zeros(2), np.zeros(2), f="kl",
                                  data_weights=np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="gen_weights must have the shape"):
        gancore.variational_bound(np.zeros(2), np.zeros(2), f="kl", gen_weights=np.ones(3))
    with pytest.raises(ValueError, match="t_gen must not be empty"):
        gancore.variational_bound(np.zeros(2), np.zeros(0), f="kl")
    with pytest.raises(ValueError, match="p_g must be non-negative"):
        gancore.optimal_critic(P, -Q, f="kl")


@pytest.mark.parametrize("tiny", [1e-300, 1e-310, 1e-320])
def test_pearson_of_a_subnormal_mass_is_its_term_not_an_overflow(xp, tiny):
    # (p - q)^2 / q with q subnormal: d / q overflows at 1e-310 although the term,
    # about 1e-2 / 1e-310 = 1e308, does not; at 1e-320 the term itself exceeds the
    # float64 range and is inf. Reference: the sum at 50 digits (its float64 rounding)

    p, q = np.array([0.9, 0.1]), np.array([1 - tiny, tiny])
    with mpmath.workdps(50):
        exact = sum((mpmath.mpf(a) - mpmath.mpf(b)) ** 2 / mpmath.mpf(b) for a, b in zip(p, q))
        want = float(exact) if exact < mpmath.mpf(np.finfo(np.float64).max) else math.inf
    got = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f="pearson")))
    # a few roundings of the term and of the sum: 4 eps relative
    assert got == want or abs(got - want) <= 4 * np.finfo(np.float64).eps * want


@pytest.mark.parametrize("name", ["pearson", "neyman"])
def test_chi2_of_totals_far_above_1_is_its_value_not_an_overflow(xp, name):
    # normalize=True takes totals up to 2**256 unscaled, and the careful terms
    # (a - kb)^2 / kb are the larger total times the normalised ones: here 2**200 times
    # (1/2)^2 / 2**-900, which overflows though the result, 2**898 + 1/4 over the other
    # points, does not (it was inf). The zero mass keeps the direct formula out

    heavy, light = np.array([2.0**200, 2.0**-700, 1.0]), np.array([1.0, 1.0, 0.0])
    p, q = (light, heavy) if name == "pearson" else (heavy, light)
    with mpmath.workdps(50):
        mp_p, mp_q = [mpmath.mpf(x) for x in p], [mpmath.mpf(x) for x in q]
        # Pearson's (p - q)^2 / q, Neyman's (q - p)^2 / p, of the normalised masses
        first, second = (mp_p, mp_q) if name == "pearson" else (mp_q, mp_p)
        a, b = [x / sum(first) for x in first], [x / sum(second) for x in second]
        want = float(sum((x - y) ** 2 / y for x, y in zip(a, b)))
    got = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f=name, normalize=True)))
    assert got == pytest.approx(want, rel=1e-14)


# Masses uniform on [1 - s, 1 + s] put each direct formula's result just above the floor
# of 1/16, where its bound is loosest, at this s (chi^2 near 2 s^2 / 3; the squared
# Hellinger distance and the triangular discrimination a quarter and a half of it)
_LOOSEST = {"pearson": 0.33, "neyman": 0.33, "hellinger": 0.65, "triangular": 0.5}


@pytest.mark.parametrize("name", list(_LOOSEST))
@pytest.mark.parametrize("n, spread", [(50, None), (2000, None), (2000, 0.9), (20000, None)])
def test_direct_formulas_keep_their_stated_precision(xp, small_blocks, name, n, spread):
    # For positive masses whose divergence is at least 1/16 the direct formula is
    # returned: Pearson's and Neyman's (Q / P^2) sum p^2/q - 1, Hellinger's
    # 2 - 2 sum sqrt(p q) / sqrt(P Q) and the triangular 2 - 4 sum p q / (Q p + P q).
    # Each is a sum of positive terms of size about 1 less or more than the result, so
    # their few ulps of rounding leave at most 32 times as much in the result: below
    # 1e-13. In blocks of 64 points, 2000 and 20000 NumPy points take the one pass that
    # checks and sums together (Pearson, Neyman) or many blocks (the others). s = None:
    # the loosest spread (_LOOSEST). Reference: the exactly normalised inputs at 40 digits.

    spread = _LOOSEST[name] if spread is None else spread
    rng = np.random.default_rng(n)
    p = rng.uniform(1.0 - spread, 1.0 + spread, n)
    q = rng.uniform(1.0 - spread, 1.0 + spread, n)
    p, q = p / p.sum(), q / q.sum()
    a, b = (q, p) if name == "neyman" else (p, q)
    term = {"hellinger": lambda x, y: (mpmath.sqrt(x) - mpmath.sqrt(y)) ** 2,
            "triangular": lambda x, y: (x - y) ** 2 / (x + y)}.get(
                name, lambda x, y: (x - y) ** 2 / y)
    with mpmath.workdps(40):
        sa, sb = mpmath.fsum(map(mpmath.mpf, a)), mpmath.fsum(map(mpmath.mpf, b))
        want = float(mpmath.fsum(term(mpmath.mpf(x) / sa, mpmath.mpf(y) / sb)
                                 for x, y in zip(a, b)))
    assert want >= 1 / 16  # the direct formula's case
    got = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f=name)))
    assert abs(got - want) <= 1e-13 * want


_PLAIN_TORCH = {  # each f-divergence of normalised p, q as a plain torch expression
    "kl": lambda t, p, q: t.sum(p * t.log(p / q)),
    "reverse-kl": lambda t, p, q: t.sum(q * t.log(q / p)),
    "pearson": lambda t, p, q: t.sum((p - q) ** 2 / q),
    "neyman": lambda t, p, q: t.sum((p - q) ** 2 / p),
    "hellinger": lambda t, p, q: t.sum((t.sqrt(p) - t.sqrt(q)) ** 2),
    "triangular": lambda t, p, q: t.sum((p - q) ** 2 / (p + q)),
    "jensen-shannon": lambda t, p, q: 0.5 * t.sum(p * t.log(2 * p / (p + q))
                                                  + q * t.log(2 * q / (p + q))),
    "total-variation": lambda t, p, q: 0.5 * t.sum(t.abs(p - q)),
}


@pytest.mark.parametrize("spread", [1e-3, 1.0])  # nearly equal (careful sums), and far
@pytest.mark.parametrize("f", list(_PLAIN_TORCH))
def test_gradients_flow_through_each_f_divergence_on_torch(f, spread):
    # tensors that track a gradient take the general path, whose careful terms update
    # their own temporaries in place: none that torch keeps for the gradient may be
    # (torch raises at backward()). The gradient is the plain expression's of p/P, q/Q
    # (TV's too: its direct form keeps k = P/Q where it would take a k within 4 ulps of
    # 1 as 1, which would drop Q's part of the gradient)
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(3)
    p = torch.rand(60, dtype=torch.float64, generator=gen) + 0.1
    q = p * (1 + spread * torch.rand(60, dtype=torch.float64, generator=gen))
    p, q = p / p.sum(), q / q.sum()
    grads = []
    for through_gancore in (True, False):
        a, b = p.clone().requires_grad_(True), q.clone().requires_grad_(True)
        out = (gancore.f_divergence(a, b, f=f) if through_gancore
               else _PLAIN_TORCH[f](torch, a / a.sum(), b / b.sum()))
        out.backward()
        grads.append((a.grad, b.grad))
    # float64 gradients of size up to about 1; the two evaluations round differently
    for ours, plain in zip(*grads):
        torch.testing.assert_close(ours, plain, rtol=1e-9, atol=1e-12)


# The host shortcuts of conjugate, optimal_critic and variational_bound (sample means):
# the general path's operations where they apply, so its bits. array_api_strict takes the
# general path on NumPy's own operations; a tensor that tracks a gradient takes torch's.
@st.composite
def _critic_values(draw, name, dtype):
    """1 to 40 values inside the domain of f* (or, one time in four, with one outside,
    or NaN), spread over magnitudes from 1e-300 to 1e3."""
    n = draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    t = (rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-300, 3, n)).astype(dtype)
    top = {"total-variation": 0.5, "reverse-kl": 0.0, "neyman": 1.0, "hellinger": 1.0,
           "jensen-shannon": 0.34, "gan": 0.0, "triangular": 1.0}.get(name)
    if top is not None:  # folded below the domain's edge (its sup for TV, Neyman, triangular)
        t = np.where(t < top, t, top - np.abs(t) - 1e-3).astype(dtype)
    spoil = draw(st.sampled_from([None, None, None, "outside", "nan"]))
    if spoil is not None:
        t[draw(st.integers(0, n - 1))] = np.nan if spoil == "nan" else (
            2.0 if top is not None else np.inf)
    return t


@given(data=st.data(), name=st.sampled_from(gancore.F_DIVERGENCES),
       dtype=st.sampled_from(["float64", "float32"]))
def test_host_conjugate_is_the_general_paths(data, name, dtype):
    strict = pytest.importorskip("array_api_strict")
    t = data.draw(_critic_values(name, dtype))
    # (also as a long array, past 16384 values: the shortcut has no size limit)
    t = np.tile(t, data.draw(st.sampled_from([1, 1, 1, 500])))
    clean = not np.isnan(t).any()
    taken = gancore.variational._host_conjugate(name, t) is not None
    inside = clean and bool(np.all(gancore.variational._DOMAINS[name](t, xp=np)))
    assert taken == inside  # (the shortcut answers exactly where every value lies inside)
    if not clean:
        with pytest.raises(ValueError, match="t must not hold NaN"):
            gancore.conjugate(name, t)
        return
    got = gancore.conjugate(name, t)
    want = np.asarray(gancore.conjugate(name, strict.asarray(t)))
    assert got.dtype == want.dtype and got.shape == want.shape
    if name == "gan" and _log_pass_taken(t):  # (the log1p's log pass: see _APART)
        np.testing.assert_allclose(got, want, rtol=_APART[dtype], atol=0)
        outside = t.copy()  # (a last value outside the domain: every value's general path)
        outside[-1] = 2.0
        np.testing.assert_array_equal(got[:-1], gancore.conjugate(name, outside)[:-1])
    else:
        np.testing.assert_array_equal(got, want)
    torch = pytest.importorskip("torch")
    got = gancore.conjugate(name, torch.from_numpy(t))
    want = gancore.conjugate(name, torch.from_numpy(t).requires_grad_()).detach()
    assert torch.equal(got, want)


@given(name=st.sampled_from(gancore.F_DIVERGENCES), seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from(["float64", "float32"]), spread=st.sampled_from([1.0, 1e200]),
       n=st.sampled_from([30, 30, 5000, 20000, 16484]))
def test_host_optimal_critic_is_the_general_paths(name, seed, dtype, spread, n):
    # positive masses; a spread of 1e200 (1e30 in float32) takes ratios past the
    # moderate ones, to the general path's log-ratio; 20000 and 16484 points go block by
    # block (the last 100 points in the last block, not alone: see by_blocks); 5000
    # tensors take their short views, with torch's log1p past log1p_pointwise's threshold.
    # The general path on NumPy itself (a last pair of a ratio past the moderate ones
    # sends every point there) and on array_api_strict: the same bits, except that
    # GAN's and Jensen-Shannon's log1p is NumPy's own in strict, where NumPy's arrays
    # of 3000 float64 (800 float32) points or more take the log pass in its place on a
    # CPU whose NumPy log1p is its scalar loop (log1p_pointwise): there within the two
    # log1p's distance (_APART; both forms hold 16 eps of T*,
    # test_optimal_critic_keeps_its_relative_digits_next_to_ratio_one)

    strict = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(seed)
    if dtype == "float32":  # (the same reach in float32's range)
        spread = min(spread, 1e30)
    p, q = (rng.random(n) * spread ** rng.random(n)).astype(dtype), rng.random(n).astype(dtype)
    if not (np.isfinite(p).all() and (p > 0).all() and (q > 0).all()):
        with pytest.raises(ValueError):
            gancore.optimal_critic(p, q, f=name)
        return
    got = gancore.optimal_critic(p, q, f=name)
    far_p, far_q = p.copy(), q.copy()
    far_p[-1], far_q[-1] = 1, np.finfo(dtype).smallest_normal
    general = gancore.optimal_critic(far_p, far_q, f=name)
    assert got.dtype == general.dtype
    np.testing.assert_array_equal(got[:-1], general[:-1])
    want = np.asarray(gancore.optimal_critic(strict.asarray(p), strict.asarray(q), f=name))
    assert got.dtype == want.dtype
    if name in ("gan", "jensen-shannon") and _log_pass_taken(p):
        np.testing.assert_allclose(got, want, rtol=_APART[dtype], atol=0)
    else:
        np.testing.assert_array_equal(got, want)
    torch = pytest.importorskip("torch")
    p, q = torch.from_numpy(p), torch.from_numpy(q)
    got = gancore.optimal_critic(p, q, f=name)
    assert torch.equal(got, gancore.optimal_critic(p.requires_grad_(), q, f=name).detach())


# Where NumPy's log1p is its scalar loop, NumPy's arrays of 3000 float64 (800 float32)
# points or more take log1p_pointwise's log pass in its place, within 4 ulps (10 in
# float32: tests/test_log1p.py), and array_api_strict NumPy's log1p, within 1: the two
# lie within 5 (11) eps of each other, relative to the result
_APART = {"float64": 5 * 2.0**-52, "float32": 11 * 2.0**-23}


def _log_pass_taken(x):
    """Whether log1p_pointwise takes the log pass for NumPy arrays of ``x``'s size and
    dtype."""
    from gancore._elementwise import _WIDE_BY_LOG_FROM

    return x.size >= _WIDE_BY_LOG_FROM.get(x.dtype, math.inf)


@pytest.mark.parametrize("n", [8193, 16383, 16384, 16385, 3 * 8192 + 1, 10**5])
def test_blocks_are_never_shorter_than_a_block(n):
    # by_blocks' last block takes what remains, so that a kernel choosing its operations
    # by size (log1p_pointwise, up to a block) chooses as on the whole array
    from gancore._host import BLOCK_ELEMENTS, by_blocks

    sizes = []

    def kernel(a):
        sizes.append(a.size)
        return -a

    x = np.arange(n, dtype=np.float64)
    np.testing.assert_array_equal(by_blocks(kernel, (x,)), -x)
    assert sum(sizes) == n and min(sizes) >= BLOCK_ELEMENTS > max(sizes) // 2


@given(data=st.data(), name=st.sampled_from(gancore.F_DIVERGENCES),
       dtype=st.sampled_from(["float64", "float32"]), m=st.integers(1, 40))
def test_sample_bound_is_the_general_paths(data, name, dtype, m):
    # sample means of critic values (t_gen inside the domain, or not; NaN): NumPy's
    # shortcut against array_api_strict's general path, and CPU tensors through their
    # NumPy views, NumPy's bits; non-finite bounds and faults go to the general path
    strict = pytest.importorskip("array_api_strict")
    t_gen = data.draw(_critic_values(name, dtype))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    # (a scale of an eighth of the largest float: sums of a few values pass the range)
    scale = data.draw(st.sampled_from([1.0, float(np.finfo(dtype).max) / 8]))
    t_data = np.clip(rng.normal(0.0, 1.0, m) * scale, -8 * scale, 8 * scale).astype(dtype)
    if np.isnan(t_gen).any():
        with pytest.raises(ValueError, match="t_gen must not hold NaN"):
            gancore.variational_bound(t_data, t_gen, f=name)
        return
    got = gancore.variational_bound(t_data, t_gen, f=name)
    want = np.asarray(gancore.variational_bound(strict.asarray(t_data), strict.asarray(t_gen),
                                                f=name))
    assert type(got) is np.ndarray and got.dtype == want.dtype and got.shape == ()
    np.testing.assert_array_equal(got, want)
    torch = pytest.importorskip("torch")
    on_views = gancore.variational_bound(torch.from_numpy(t_data), torch.from_numpy(t_gen),
                                         f=name)
    assert type(on_views) is torch.Tensor and on_views.dtype == torch.from_numpy(t_data).dtype
    np.testing.assert_array_equal(on_views.numpy(), got)


# f' of the f's whose optimal critic is formed from the masses' difference and ratio
# where their ratio is moderate (the others take the log-ratio), on mpmath numbers: the
# derivatives of proofs' f (checked against mpmath's numerical derivative below)
_F_PRIME = {
    "total-variation": lambda u: mpmath.sign(u - 1) / 2,
    "reverse-kl": lambda u: -1 / u,
    "pearson": lambda u: 2 * (u - 1),
    "neyman": lambda u: 1 - 1 / u**2,  # f = u - 2 + 1/u
    "hellinger": lambda u: 1 - 1 / mpmath.sqrt(u),  # f = u - 2 sqrt(u) + 1
    "gan": lambda u: mpmath.log(u / (u + 1)),
    "jensen-shannon": lambda u: mpmath.log(2 * u / (u + 1)) / 2,  # gancore's f, with 1/2
    "triangular": lambda u: 1 - 4 / (u + 1) ** 2,  # (u - 1)(u + 3) / (u + 1)^2
}


@pytest.mark.parametrize("name", list(_F_PRIME))
def test_closed_form_derivatives_are_those_of_f(name):
    with mpmath.workdps(50):
        for u in map(mpmath.mpf, ("0.3", "2.5", "7")):
            assert abs(_F_PRIME[name](u) - mpmath.diff(F[name][0], u)) < mpmath.mpf(10) ** -30


@pytest.mark.parametrize("xp_name", ["numpy", "array_api_strict", "torch"])
@given(log_gap=st.floats(-15.0, -0.5), log_ratio=st.floats(-100.0, 100.0),
       sign=st.sampled_from([-1.0, 1.0]), dtype=st.sampled_from(["float64", "float32"]))
def test_optimal_critic_keeps_its_relative_digits_next_to_ratio_one(
        xp_name, log_gap, log_ratio, sign, dtype):
    # T* = f'(p/q) passes 0 at p = q; from the log-ratio it kept only an absolute
    # precision there, the rounding of p / q (Pearson: 1e-4 relative at p/q = 1 + 1e-12).
    # Against f' of the exact ratio of the float masses at 150 digits: 16 eps relative,
    # next to 1 (ratios 1 -+ 1e-15 to 1 -+ 0.3) and far from it (1e-100 to 1e100; in
    # float32 1e-15 to 1e15), on the short path, the general one (array_api_strict) and
    # torch's (both its paths); the two points alone, and repeated to 3000 points (where
    # NumPy's log1p is its scalar loop, GAN's and Jensen-Shannon's forms then take the
    # log pass in its place, log1p_pointwise)
    reach = 100.0 if dtype == "float64" else 15.0
    ratios = [1.0 + sign * 10.0**log_gap, 10.0 ** (log_ratio * reach / 100.0)]
    p = np.array([r * 0.3 for r in ratios], dtype=dtype)
    q = np.full(2, 0.3, dtype=dtype)
    eps = float(np.finfo(dtype).eps)
    for name, f_prime in _F_PRIME.items():
        with mpmath.workdps(150):  # (u / (u + 1) at u = 1e100 keeps 50 digits)
            want = [float(f_prime(mpmath.mpf(float(a)) / mpmath.mpf(float(b))))
                    for a, b in zip(p, q)]
        for reps in (1, 1500):
            for got in _critics_on_every_path(xp_name, np.tile(p, reps), np.tile(q, reps),
                                              name):
                np.testing.assert_allclose(got, np.tile(want, reps), rtol=16 * eps, atol=0,
                                           err_msg=name)


def _critics_on_every_path(xp_name, p, q, name):
    """optimal_critic of p and q (NumPy) in the namespace named ``xp_name``, as float64."""
    if xp_name == "numpy":
        return [gancore.optimal_critic(p, q, f=name).astype(np.float64)]
    if xp_name == "array_api_strict":
        strict = pytest.importorskip("array_api_strict")
        out = gancore.optimal_critic(strict.asarray(p), strict.asarray(q), f=name)
        return [np.asarray(out).astype(np.float64)]
    torch = pytest.importorskip("torch")
    a, b = torch.from_numpy(p), torch.from_numpy(q)
    return [gancore.optimal_critic(a, b, f=name).double().numpy(),
            gancore.optimal_critic(a.requires_grad_(), b, f=name).detach().double().numpy()]


@pytest.mark.parametrize("xp_name", ["numpy", "array_api_strict", "torch"])
@given(seed=st.integers(0, 2**32 - 1), dtype=st.sampled_from(["float64", "float32"]),
       spread=st.sampled_from(["core", "all"]))
def test_gan_conjugate_keeps_its_relative_digits_over_its_domain(xp_name, seed, dtype, spread):
    # f*(t) = -log(1 - e^t), t < 0: log1p(1 / expm1(-t)) where y = expm1(-t) and 1/y stay
    # in the dtype, its two stable forms beyond; 40 values of magnitudes 1e-320 to 1e3
    # (float32: 1e-45 to 1e2), or only those of the first form. Against 800 digits (1 -
    # e^t needs 330 of them next to t = 0 and at t = -745): 4 eps relative, a subnormal
    # result within one subnormal step; the values repeated to 3000 or more too, where
    # NumPy's arrays may take a log pass for the first form's log1p: 6 eps in float64
    # and 12 in float32 there (conjugate's docstring: 1.5 + 4 and 1.5 + 10)
    rng = np.random.default_rng(seed)
    fine = np.finfo(dtype)
    low, high = ((-0.5 * math.log(float(fine.max)), -4.0 / float(fine.max)) if spread == "core"
                 else (-(10.0 ** (2 if dtype == "float32" else 3)), -float(fine.smallest_subnormal)))
    magnitude = 10.0 ** rng.uniform(math.log10(-high), math.log10(-low), 40)
    t = (-magnitude).astype(dtype)
    t = t[t < 0]
    want = []
    with mpmath.workdps(800):
        for v in t.tolist():
            want.append(float(np.asarray(float(-mpmath.log(1 - mpmath.exp(mpmath.mpf(v)))),
                                         dtype=dtype)))
    want = np.array(want)
    for reps in (1, -(-3000 // t.size)):
        eps = 4 if reps == 1 or xp_name != "numpy" else {"float64": 6, "float32": 12}[dtype]
        wants = np.tile(want, reps)
        subnormal = np.abs(wants) < float(fine.smallest_normal)
        for got in _conjugates_on_every_path(xp_name, np.tile(t, reps)):
            np.testing.assert_allclose(got[~subnormal], wants[~subnormal],
                                       rtol=eps * float(fine.eps), atol=0)
            assert np.all(np.abs(got - wants)[subnormal] <= float(fine.smallest_subnormal))


def _conjugates_on_every_path(xp_name, t):
    """The GAN's conjugate of ``t`` (NumPy) in the namespace named ``xp_name``, float64."""
    if xp_name == "numpy":
        return [gancore.conjugate("gan", t).astype(np.float64)]
    if xp_name == "array_api_strict":
        strict = pytest.importorskip("array_api_strict")
        return [np.asarray(gancore.conjugate("gan", strict.asarray(t))).astype(np.float64)]
    torch = pytest.importorskip("torch")
    a = torch.from_numpy(t)
    return [gancore.conjugate("gan", a).double().numpy(),
            gancore.conjugate("gan", a.requires_grad_()).detach().double().numpy()]
