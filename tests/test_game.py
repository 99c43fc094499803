"""V(D, G), D*, C(G) and the minibatch estimates against independent references."""

import math
import re
from fractions import Fraction
from functools import partial

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import expit, logit

import gancore
from gancore._elementwise import softplus, softplus_pair
from gancore._host import _MODERATE_LIMITS, _ratio_block, moderate_bound
from gancore._namespaces import NUMPY
from proofs._support import arr, assert_lives_with, host

LOG4 = math.log(4.0)
RNG = np.random.default_rng(2014)


def _simplex(n, zeros=0):
    p = RNG.random(n)
    p[RNG.choice(n, zeros, replace=False)] = 0.0
    return p / p.sum()


def test_value_matches_the_direct_sum(xp):
    p, q, d = _simplex(30, 3), _simplex(30, 3), RNG.uniform(0.05, 0.95, 30)
    got = gancore.value(arr(xp, d), arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    ref = np.sum(p * np.log(d) + q * np.log1p(-d))
    assert host(got) == pytest.approx(ref, rel=1e-13, abs=0)
    from_logits = gancore.value_from_logits(arr(xp, logit(d)), arr(xp, p), arr(xp, q))
    assert host(from_logits) == pytest.approx(ref, rel=1e-13, abs=0)


def test_value_is_minus_inf_where_d_hits_0_or_1_against_mass(xp):
    p, q = arr(xp, [0.5, 0.5, 0.0]), arr(xp, [0.0, 0.5, 0.5])
    assert host(gancore.value(arr(xp, [0.0, 0.5, 0.5]), p, q)) == -math.inf
    assert host(gancore.value(arr(xp, [0.5, 0.5, 1.0]), p, q)) == -math.inf
    # 0 and 1 where the opposing mass is 0 cost nothing: 0 log 0 = 0
    got = host(gancore.value(arr(xp, [1.0, 0.5, 0.0]), p, q))
    assert got == pytest.approx(0.5 * math.log(0.5) + 0.5 * math.log(0.5), rel=1e-15, abs=0)
    assert host(gancore.value_from_logits(arr(xp, [math.inf, 0.0, -math.inf]), p, q)) == got
    assert host(gancore.value_from_logits(arr(xp, [-math.inf, 0.0, 0.0]), p, q)) == -math.inf


def test_optimal_discriminator_is_the_density_ratio(xp):
    p, q = _simplex(40, 8), _simplex(40, 8)
    got = gancore.optimal_discriminator(arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    s = p + q
    ref = np.where(s > 0, p / np.where(s > 0, s, 1), 0.5)
    np.testing.assert_allclose(host(got), ref, rtol=1e-15)
    logits = host(gancore.optimal_discriminator_logits(arr(xp, p), arr(xp, q)))
    np.testing.assert_allclose(expit(logits), ref, rtol=1e-14)
    assert np.all(logits[(p > 0) & (q == 0)] == math.inf)
    assert np.all(logits[(p == 0) & (q > 0)] == -math.inf)
    assert np.all(logits[(p == 0) & (q == 0)] == 0.0)


@pytest.mark.parametrize("bad, message", [(-1e-3, "p_g must be non-negative"),
                                          (math.nan, "p_g must be finite"),
                                          (math.inf, "p_g must be finite")])
def test_optimal_discriminator_checks_large_arrays_by_reductions(xp, bad, message):
    # past FUSED_CHECK_ELEMENTS points the checks are four reductions, not the extremes
    # of minimum(p, q) and maximum(p, q): the same result and the same errors
    from gancore._arrays import FUSED_CHECK_ELEMENTS

    n = FUSED_CHECK_ELEMENTS + 5
    p, q = _simplex(n, 7), _simplex(n, 7)
    got = host(gancore.optimal_discriminator(arr(xp, p), arr(xp, q)))
    s = p + q
    np.testing.assert_array_equal(got, np.where(s > 0, p / np.where(s > 0, s, 1), 0.5))
    q[n // 2] = bad
    with pytest.raises(ValueError, match=message):
        gancore.optimal_discriminator(arr(xp, p), arr(xp, q))


@pytest.mark.parametrize("repeat", [1, 20000])
def test_optimal_discriminator_of_masses_whose_sum_overflows(xp, repeat):
    # p + q past the float64 range at the first two points: D* is the ratio all the
    # same (halving both masses there leaves it unchanged), as is the least-squares D*;
    # the other points, a subnormal mass among them, are untouched. Repeated past
    # FUSED_CHECK_ELEMENTS, where the maximum of the sum finds the overflow
    big = 1e308
    p = arr(xp, [big, big, 1.0, 5e-324, 0.0] * repeat)
    q = arr(xp, [big, 0.5 * big, 3.0, 0.0, 0.0] * repeat)
    got = host(gancore.optimal_discriminator(p, q))
    np.testing.assert_allclose(got, [0.5, 2 / 3, 0.25, 1.0, 0.5] * repeat, rtol=1e-15)
    ls = host(gancore.least_squares_optimal_discriminator(p, q))
    np.testing.assert_allclose(ls, [0.0, 1 / 3, -0.5, 1.0, 0.0] * repeat, rtol=1e-15,
                               atol=1e-16)


@pytest.mark.parametrize("where", ["p_data", "p_g"])
@pytest.mark.parametrize("bad, message", [(-1e-300, "must be non-negative"),
                                          (math.nan, "must be finite"),
                                          (math.inf, "must be finite"), (1e308, None)])
def test_optimal_discriminator_of_positive_masses_checks_each_fault(xp, where, bad,
                                                                  message):
    # positive host masses take a shortcut (_host.host_positive: the masses' extremes,
    # on CPU torch tensors through their NumPy views): a tiny negative mass beside a
    # large one (their sum rounds to the large one), NaN and infinity are each named,
    # and a sum past the float64 range keeps the ratio (1e308 against 1e308 is 1/2)
    p, q = _simplex(9) + 0.01, _simplex(9) + 0.01
    p[4], q[4] = 1.0, 1.0
    (p if where == "p_data" else q)[4] = bad
    if message is None:
        (q if where == "p_data" else p)[4] = bad
        got = host(gancore.optimal_discriminator(arr(xp, p), arr(xp, q)))
        want = p / (p + np.where(np.arange(9) == 4, 0.0, q))  # (no sum past the range)
        want[4] = 0.5
        np.testing.assert_array_equal(got, want)
        return
    with pytest.raises(ValueError, match=f"{where} {message}"):
        gancore.optimal_discriminator(arr(xp, p), arr(xp, q))


@pytest.mark.parametrize("p_bad, q_bad, named", [
    (-1e-3, -1e-3, "p_data"),   # both negative: a negative sum, p / s inside (0, 1)
    (-1e-320, 1e10, "p_data"),  # the share -1e-330 rounds to -0
    (1e10, -1e-320, "p_g"),     # the sum rounds to p: the share is exactly 1
    (-math.inf, 1.0, "p_data"), (1.0, -math.inf, "p_g"),
    (math.inf, math.inf, "p_data"), (math.nan, -1.0, "p_data"),
    (1.0, 1e-20, None),         # a share that rounds to 1 (the general path gives it)
    (1e-320, 1.0, None),        # a subnormal share
    (0.0, 1.0, None), (0.0, 0.0, None)])
def test_optimal_discriminator_of_host_masses_sees_what_its_shares_hide(xp, p_bad, q_bad,
                                                                         named):
    # a check of the shares p / s, s = p + q, in place of the masses' extremes would
    # pass some part of each case here (p / s inside (0, 1), the least share, the
    # largest): each must still be named, or given exactly
    p, q = _simplex(9) + 0.01, _simplex(9) + 0.01
    p[4], q[4] = p_bad, q_bad
    if named is not None:
        with pytest.raises(ValueError, match=f"{named} must be"):
            gancore.optimal_discriminator(arr(xp, p), arr(xp, q))
        return
    got = host(gancore.optimal_discriminator(arr(xp, p), arr(xp, q)))
    total = p + q
    want = np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.5)
    np.testing.assert_array_equal(got, want)


class _Plain(np.ndarray):
    """An ndarray subclass: the host shortcuts take exact ndarrays only, so D* of these
    runs the general path."""


# The host shortcuts of D*, its log-odds, the least-squares D* and the hinge critic
# (_host.host_positive: the masses' four extremes, then the formula)
_POINTWISE = {"D*": gancore.optimal_discriminator,
              "logits": gancore.optimal_discriminator_logits,
              "hinge critic": gancore.hinge_optimal_critic,
              "least squares": gancore.least_squares_optimal_discriminator,
              "least squares, 0-1 codes": partial(gancore.least_squares_optimal_discriminator,
                                                  a=0.0, b=1.0)}


@pytest.mark.parametrize("function", list(_POINTWISE))
@pytest.mark.parametrize("where", ["p", "q", "both"])
@pytest.mark.parametrize("fault", [None, "zero", "negative", "tiny negative", "-0",
                                   "subnormal", "nan", "inf", "-inf", "huge", "far ratio"])
@given(seed=st.integers(0, 2**32 - 1),
       shape=st.sampled_from([(), (1,), (7,), (40,), (3, 5), (20000,), (3, 6000)]),
       dtype=st.sampled_from(["float64", "float32"]), kind=st.sampled_from(["numpy", "torch"]),
       strided=st.booleans())
def test_pointwise_shortcuts_are_the_general_paths(function, where, fault, seed, shape,
                                                   dtype, kind, strided):
    # each host shortcut returns the general path's result bit for bit, of its type,
    # and raises where it raises. The general path runs on an ndarray subclass (NumPy) or
    # on tensors that track a gradient (torch). "far ratio": a mass 2^-100 of the
    # dtype's smallest normal, whose ratios to the others leave log_ratio's direct form.
    # Arrays past 16384 points go block by block (_host.by_blocks), the fault then
    # mostly in a later block than the first; "strided": every other element of an
    # array twice as long (no longer contiguous)
    rng = np.random.default_rng(seed)
    p, q = (np.asarray(rng.random(shape) + 0.01, dtype=dtype) for _ in range(2))
    if fault is not None:
        value = {"zero": 0.0, "negative": -1e-3, "tiny negative": -1e-30, "-0": -0.0,
                 "subnormal": 1e-40, "nan": math.nan, "inf": math.inf, "-inf": -math.inf,
                 "huge": float(np.finfo(dtype).max) / 2,
                 "far ratio": float(np.finfo(dtype).smallest_normal) * 2.0**-100}[fault]
        i = rng.integers(0, p.size)
        for x in ((p, q) if where == "both" else (p if where == "p" else q,)):
            x.reshape(-1)[i] = value
    if strided:
        p, q = (np.stack([x, x], axis=-1)[..., 0] for x in (p, q))
    call = _POINTWISE[function]
    if kind == "numpy":
        fast, general = (p, q), (p.view(_Plain), q.view(_Plain))
    else:
        torch = pytest.importorskip("torch")
        fast = torch.from_numpy(p), torch.from_numpy(q)
        general = (fast[0].clone().requires_grad_(), fast[1])
    try:
        want = call(*general)
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            call(*fast)
        return
    got = call(*fast)
    if kind == "numpy":  # (the subclass's results come back as the subclass)
        want = want.view(np.ndarray) if isinstance(want, _Plain) else want
        # (NumPy gives D* and the hinge critic of 0-d masses as a scalar, and of the
        # subclass's as a 0-d array)
        if function in ("D*", "hinge critic"):
            got, want = np.asarray(got), np.asarray(want)
    else:
        want = want.detach()
    assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
    assert (np.array_equal(got, want) if kind == "numpy" else torch.equal(got, want))


def _at_the_bound(dtype, seed, steps, factor, n):
    """Masses ``a`` and ``b`` of ``n`` points (1 to 3e4) of ``dtype``, moderate but for
    the point at index ``n // 2``, whose ratio ``b / a`` is ``factor`` times the dtype's
    moderate bound B (``_host.moderate_bound``), ``b`` there ``steps`` times the smallest
    subnormal step, or a normal mass (``steps`` None): where ``a B`` is subnormal it
    rounds, and ``fl(a B) < b`` may fail although ``b / a`` rounds above B."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    bound = moderate_bound(NUMPY, np.dtype(dtype))
    low = (float(info.smallest_normal) * 2.0 ** rng.uniform(0, 60) if steps is None
           else float(info.smallest_subnormal) * steps)
    # every other ratio within a factor 4 of 1, and that point's a the largest, b the
    # least: the extremes that the host's checks read
    scale = low / (bound * factor)
    a, b = rng.uniform(0.5, 1.0, n) * scale, rng.uniform(0.5, 2.0, n) * scale
    a[n // 2], b[n // 2] = scale, low
    return a.astype(dtype), b.astype(dtype), bound


# b at the bound: a normal mass, or a few subnormal steps (a B rounds by up to half a
# step), up to a million
_STEPS = st.one_of(st.none(), st.integers(1, 8), st.integers(1, 2**20))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@given(seed=st.integers(0, 2**32 - 1), steps=_STEPS, factor=st.floats(0.25, 16.0),
       n=st.sampled_from([1, 5, 30000]))
@example(seed=0, steps=2, factor=1.05, n=5)  # (a B: 1.9 steps)
@example(seed=0, steps=1, factor=1.5, n=5)  # (a B: 0.67 steps)
def test_the_ratios_check_passes_moderate_ratios_only(dtype, seed, steps, factor, n):
    # _host._ratio_block, with host_positive's bound, accepts masses only where every
    # point passes the general path's own test of a moderate ratio, fl(a B) < b and
    # fl(b B) < a in the dtype, in particular at a ratio of a few times B where b, or
    # a B, is subnormal. It fails here with a least ratio of B in place of 4 B (b two
    # steps, a B 1.9, which rounds to 2), and in float32 with B in place of the host's 2B
    # (a B of 0.67 steps, which Python's float64 product keeps below b = 1 step)
    a, b, bound = _at_the_bound(dtype, seed, steps, factor, n)
    host_bound = _MODERATE_LIMITS[a.dtype][1]
    for num, den in ((b, a), (a, b)):
        if _ratio_block(num, den, lambda r, *, xp: r, host_bound) is not None:
            assert bool(np.all((num * bound < den) & (den * bound < num)))


@pytest.mark.parametrize("function", ["logits", *gancore.F_DIVERGENCES])
@pytest.mark.parametrize("kind", ["numpy", "torch"])
@given(seed=st.integers(0, 2**32 - 1), steps=_STEPS, factor=st.floats(0.25, 16.0),
       n=st.sampled_from([5, 30000]), dtype=st.sampled_from(["float64", "float32"]),
       swap=st.booleans())
@example(seed=0, steps=2, factor=1.05, n=5, dtype="float64", swap=False)
@example(seed=0, steps=1, factor=1.5, n=5, dtype="float32", swap=False)
@example(seed=0, steps=1, factor=1.5, n=5, dtype="float32", swap=True)
def test_moderate_shortcuts_at_the_bound_are_the_general_paths(function, kind, seed, steps,
                                                              factor, n, dtype, swap):
    # the log-odds and every optimal critic (_host.host_positive with moderate, or with
    # ratio: the log-odds', KL's, reverse KL's and GAN's) at a ratio of a few times the
    # moderate bound, either way round: the general path's bits, of its type (with the
    # bound of _MODERATE_LIMITS not doubled for float32, Pearson's and reverse KL's
    # critics, among others, were an ulp away from them)
    a, b, _ = _at_the_bound(dtype, seed, steps, factor, n)
    p, q = (b, a) if swap else (a, b)
    call = (gancore.optimal_discriminator_logits if function == "logits"
            else partial(gancore.optimal_critic, f=function))
    if kind == "numpy":
        got, want = call(p, q), call(p.view(_Plain), q.view(_Plain)).view(np.ndarray)
        assert type(got) is np.ndarray and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        return
    torch = pytest.importorskip("torch")
    p, q = torch.from_numpy(p), torch.from_numpy(q)
    got, want = call(p, q), call(p.clone().requires_grad_(), q).detach()
    assert type(got) is torch.Tensor and torch.equal(got, want)


@pytest.mark.parametrize("a, b", [(0.0, 1.0), (-1.0, 1.0), (-0.75, 0.75)])
@pytest.mark.parametrize("zero", [False, True])
def test_least_squares_optimal_discriminator_keeps_its_relative_digits(xp, a, b, zero):
    # D* next to 0 keeps its relative precision, against its exact rational value: next
    # to a code of 0 (codes 0 and 1: D* = 1e-300 at the first point), where the far
    # code's form b + (a - b) q / s rounds to 0, and next to the midpoint 0 of codes
    # symmetric about 0 (D* = 2^-41 b at the seventh point), where the nearer code's
    # form cancels. Positive masses take the host shortcut, a zero mass the general path
    p = [1e-300, 1e-20, 0.25, 1.0, 3.0, 1.0, 1.0 + 2.0**-40, 0.1 + 1e-15]
    q = [1.0, 1.0, 0.75, 1e-30, 1.0, 1.0, 1.0, 0.1]
    if zero:
        p, q = p + [0.0, 0.0], q + [1.0, 0.0]
    got = host(gancore.least_squares_optimal_discriminator(arr(xp, p), arr(xp, q), a=a,
                                                          b=b))
    want = [float((Fraction(b) * Fraction(x) + Fraction(a) * Fraction(y))
                  / (Fraction(x) + Fraction(y))) if x + y > 0 else 0.5 * (a + b)
            for x, y in zip(p, q)]
    # (a few roundings of the masses' sum, difference or shares, each within eps of
    # what it rounds: a few eps relative)
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(np.float64).eps, atol=0)


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("fault", [None, "nan", "inf", "-inf", "negative", "above one",
                                   "zero", "one", "huge", "empty"])
@given(seed=st.integers(0, 2**32 - 1), sizes=st.sampled_from([(1, 1), (5, 64), (64, 7),
                                                             (1000, 1200), ((4, 3), ()),
                                                             (20000, 9000)]),
       dtype=st.sampled_from(["float64", "float32", "mixed"]),
       where=st.sampled_from(["real", "fake"]))
def test_minibatch_short_path_is_the_general_paths(logits, fault, seed, sizes, dtype,
                                                    where):
    # the minibatch estimates of two NumPy arrays take a short path (_host_minibatch):
    # the general path's result and type, bit for bit, or None wherever that path
    # raises, gives a result that is not finite, or mixes dtypes (an ndarray subclass
    # takes the general path)
    from gancore.minibatch import (_host_minibatch, _log_1m_d, _minus_softplus,
                                   _minus_softplus_of_minus)

    rng = np.random.default_rng(seed)
    real, fake = ((4 * rng.standard_normal(size) if logits else rng.uniform(0, 1, size))
                  for size in sizes)
    real, fake = (np.asarray(x, dtype="float32" if dtype == "float32" else "float64")
                  for x in (real, fake))
    if dtype == "mixed":
        fake = fake.astype("float32")
    x = real if where == "real" else fake
    if fault == "empty":
        x = x.reshape(-1)[:0]
    elif fault is not None:
        x = x.reshape(-1).copy()
        x[0] = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "negative": -0.25,
                "above one": 1.5, "zero": 0.0, "one": 1.0, "huge": -3e38}[fault]
    real, fake = (x, fake) if where == "real" else (real, x)
    function, terms = ((gancore.minibatch_value_from_logits,
                        (_minus_softplus_of_minus, _minus_softplus)) if logits else
                       (gancore.minibatch_value, (gancore.minibatch.safe_log, _log_1m_d)))
    got = _host_minibatch(real, fake, not logits, *terms)
    try:
        want = function(real.view(_Plain), fake.view(_Plain))
    except (TypeError, ValueError):
        assert got is None
        return
    if got is None:
        assert dtype == "mixed" or not math.isfinite(float(want))
        return
    want = want.view(np.ndarray)[()] if isinstance(want, np.ndarray) else want
    assert type(got) is type(want) and np.array_equal(got, want)
    assert np.array_equal(function(real, fake), want)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("fault", [None, "nan", "inf", "negative", "short"])
@pytest.mark.parametrize("function", ["value_from_logits", "minibatch_value",
                                      "minibatch_value_from_logits"])
def test_cpu_tensors_take_numpys_operations_on_their_views(function, fault, dtype):
    # V from logits and the minibatch estimates of CPU tensors run NumPy's operations on
    # their views (_host.through_views): a tensor of their dtype holding the NumPy
    # path's bits, close to torch's own path (which tensors tracking a gradient take),
    # and for bad input the error that torch's own path raises
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    p, q = (x / x.sum() for x in rng.random((2, 1000)))
    logits, d = 4 * rng.standard_normal(1000), rng.uniform(0.05, 0.95, 1000)
    args = [np.array(x, dtype=dtype) for x in {
        "value_from_logits": (logits, p, q), "minibatch_value": (d, d[:64]),
        "minibatch_value_from_logits": (logits, logits[:64])}[function]]
    if fault in ("nan", "inf"):  # (an infinite logit is D = 0 or 1, and allowed)
        args[0][5] = math.nan if fault == "nan" else math.inf
    elif fault == "negative":  # a negative mass or D; a negative logit is allowed
        args[-1][3] = -0.1
    elif fault == "short":  # logits that do not broadcast; a smaller minibatch
        args[0] = args[0][:-1].copy()
    call = getattr(gancore, function)
    tensors = [torch.from_numpy(x) for x in args]
    tracked = [tensors[0].clone().requires_grad_(), *tensors[1:]]
    try:
        want = call(*tracked).detach()
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            call(*tensors)
        return
    got = call(*tensors)
    assert type(got) is torch.Tensor and got.dtype == tensors[0].dtype
    assert got.shape == want.shape
    assert torch.equal(got, torch.from_numpy(np.asarray(call(*args))))
    # (terms of one sign, each within a few ulps in either library: a few eps of the sum)
    eps = float(np.finfo(dtype).eps)
    torch.testing.assert_close(got, want, rtol=16 * eps, atol=0)


def test_optimal_discriminator_takes_scalars_and_broadcasts(xp):
    assert host(gancore.optimal_discriminator(arr(xp, 0.3), arr(xp, 0.1))) == pytest.approx(0.75)
    got = host(gancore.optimal_discriminator(arr(xp, [[1.0], [3.0]]), arr(xp, [1.0, 0.0])))
    np.testing.assert_allclose(got, [[0.5, 1.0], [0.75, 1.0]])


def _c_reference(p, q):
    """C(G) = sum p log(p/(p+q)) + q log(q/(p+q)) at 60 digits (no JSD involved)."""
    mpmath.mp.dps = 60
    p, q = [mpmath.mpf(v) for v in p], [mpmath.mpf(v) for v in q]
    tp, tq = mpmath.fsum(p), mpmath.fsum(q)
    total = mpmath.mpf(0)
    for a, b in zip(p, q):
        a, b = a / tp, b / tq
        total += (a * mpmath.log(a / (a + b)) if a else 0) + (b * mpmath.log(b / (a + b)) if b else 0)
    return total


@pytest.mark.parametrize("zeros", [0, 3])
def test_virtual_criterion_matches_a_high_precision_reference(xp, zeros):
    p, q = _simplex(25, zeros), _simplex(25, zeros)
    got = gancore.virtual_criterion(arr(xp, p), arr(xp, q))
    assert_lives_with(got, arr(xp, p))
    # |C| ~ 1: float64 sums of 25 terms carry ~1e-15 absolute error
    assert float(host(got)) == pytest.approx(float(_c_reference(p, q)), abs=1e-14)


def test_virtual_criterion_where_a_ratio_leaves_the_dtype(xp):
    # p / q = 0.5 / 1e-320 overflows float64: the ratio form gives way to the log-odds,
    # and C(G) stays finite and agrees with the 60-digit reference
    p = np.array([0.5, 0.25, 0.25])
    q = np.array([1e-320, 0.5, 0.5 - 1e-320])
    got = host(gancore.virtual_criterion(arr(xp, p), arr(xp, q)))
    assert np.isfinite(got) and float(got) == pytest.approx(float(_c_reference(p, q)),
                                                            abs=1e-15)


def test_virtual_criterion_edges(xp):
    p = arr(xp, _simplex(10))
    assert host(gancore.virtual_criterion(p, p)) == pytest.approx(-LOG4, abs=1e-15)
    a, b = arr(xp, [0.3, 0.7, 0.0, 0.0]), arr(xp, [0.0, 0.0, 0.4, 0.6])
    assert host(gancore.virtual_criterion(a, b)) == 0.0


def test_tiny_mass_ratios_stay_finite_and_exact(xp):
    # p_g / p_data = 1e-300 at one point: D* rounds to 1, but C(G) and V at the log-odds
    # of D* are finite and agree with the 60-digit reference
    tiny = np.finfo(np.float64).smallest_normal
    p = np.array([0.5 - tiny, 0.5, tiny])
    q = np.array([1e-300, 1.0 - 1e-300 - tiny, tiny])
    ref = float(_c_reference(p, q))
    got = host(gancore.virtual_criterion(arr(xp, p), arr(xp, q)))
    assert np.isfinite(got) and float(got) == pytest.approx(ref, abs=1e-15)
    logits = gancore.optimal_discriminator_logits(arr(xp, p), arr(xp, q))
    assert host(logits)[0] == pytest.approx(math.log(0.5 / 1e-300), rel=1e-15, abs=0)
    # V at those log-odds is C(G) too (computed in another form: checked on the reference)
    v = host(gancore.value_from_logits(logits, arr(xp, p), arr(xp, q)))
    assert float(v) == pytest.approx(ref, abs=1e-15)
    # the probability form meets D* = 1.0 against mass 1e-300: V is then truly -inf
    d_star = gancore.optimal_discriminator(arr(xp, p), arr(xp, q))
    assert host(d_star)[0] == 1.0
    assert host(gancore.value(d_star, arr(xp, p), arr(xp, q))) == -math.inf


def test_value_and_criterion_of_gaussians_match_quadrature(xp):
    a, b = stats.norm(0.0, 1.0), stats.norm(2.0, 1.5)
    x = np.linspace(-15, 17, 32001)
    dx = x[1] - x[0]

    def d(t):
        return expit(0.8 - 0.5 * t)

    ref_v = integrate.quad(lambda t: a.pdf(t) * math.log(d(t)) + b.pdf(t) * math.log1p(-d(t)),
                           -15, 17, limit=200)[0]

    def c_integrand(t):
        pa, pb = a.pdf(t), b.pdf(t)
        s = pa + pb
        return (pa * math.log(pa / s) if pa else 0.0) + (pb * math.log(pb / s) if pb else 0.0)

    ref_c = integrate.quad(c_integrand, -15, 17, limit=200)[0]
    p, q = arr(xp, a.pdf(x)), arr(xp, b.pdf(x))
    # smooth integrands, uniform fine grid: Riemann sums accurate far below 1e-9
    got_v = gancore.value(arr(xp, d(x)), p, q, dx=dx, normalize=True)
    assert host(got_v) == pytest.approx(ref_v, rel=1e-9, abs=0)
    assert host(gancore.virtual_criterion(p, q, dx=dx, normalize=True)) == pytest.approx(
        ref_c, rel=1e-9, abs=0)


def test_value_broadcasts_a_batch_of_discriminators(xp):
    p, q = _simplex(6), _simplex(6)
    ds = RNG.uniform(0.1, 0.9, (4, 6))
    got = host(gancore.value(arr(xp, ds), arr(xp, p), arr(xp, q)))
    ref = [np.sum(p * np.log(d) + q * np.log1p(-d)) for d in ds]
    np.testing.assert_allclose(got, ref, rtol=1e-13)


def test_minibatch_value(xp):
    d_real, d_fake = RNG.uniform(0.01, 0.99, 64), RNG.uniform(0.01, 0.99, 32)
    ref = np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake))
    got = gancore.minibatch_value(arr(xp, d_real), arr(xp, d_fake))
    assert_lives_with(got, arr(xp, d_real))
    assert host(got) == pytest.approx(ref, rel=1e-13, abs=0)
    got_l = gancore.minibatch_value_from_logits(arr(xp, logit(d_real)), arr(xp, logit(d_fake)))
    assert host(got_l) == pytest.approx(ref, rel=1e-12, abs=0)
    assert host(gancore.minibatch_value(arr(xp, [0.0, 0.5]), arr(xp, [0.5]))) == -math.inf
    assert host(gancore.minibatch_value(arr(xp, [0.5]), arr(xp, [1.0]))) == -math.inf


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softplus_pair_is_softplus_of_both_signs_bit_for_bit(xp, dtype):
    # the log-odds' (-log D, -log(1 - D)) share log1p(exp(-|l|)), formed once; each must
    # be softplus's own bits, at the edges too: infinities, the float range, subnormals
    info = np.finfo(dtype)
    edges = [math.inf, float(info.max), 800.0, 40.0, 1.0, 1e-8,
             float(info.smallest_subnormal), 0.0]
    logits = arr(xp, edges + [-x for x in edges] + list(RNG.normal(0, 30, 64)),
                 getattr(xp, dtype))
    pair = softplus_pair(logits, xp=xp)
    for got, want in zip(pair, (softplus(-logits, xp=xp), softplus(logits, xp=xp))):
        assert_lives_with(got, logits)
        np.testing.assert_array_equal(host(got), host(want), strict=True)


def test_minibatch_logits_stay_finite_at_extremes(xp):
    got = host(gancore.minibatch_value_from_logits(arr(xp, [-800.0, 40.0]),
                                                    arr(xp, [800.0, -40.0])))
    # softplus(800) = 800 exactly in float64; softplus(-40) = exp(-40) to 1e-16 relative
    assert got == pytest.approx(-0.5 * (800 + math.exp(-40)) - 0.5 * (800 + math.exp(-40)),
                                rel=1e-15, abs=0)
    got32 = gancore.minibatch_value_from_logits(arr(xp, [-200.0], xp.float32),
                                                arr(xp, [200.0], xp.float32))
    assert got32.dtype == xp.float32 and host(got32) == pytest.approx(-400.0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_minibatch_logits_near_the_float_range_stay_finite_without_warnings(xp, dtype):
    # softplus(l) = l exactly for these logits, whose sums pass the range, not their
    # means: the estimate is the mean's (-big / 2), taken on halved values (exact)
    big = float(np.finfo(dtype).max)
    dt = getattr(xp, dtype)
    for real, fake in (([-big / 2] * 3, [-800.0]), ([800.0], [big / 2] * 4)):
        got = gancore.minibatch_value_from_logits(arr(xp, real, dt), arr(xp, fake, dt))
        assert got.dtype == dt
        assert host(got) == pytest.approx(-big / 2, rel=4 * float(np.finfo(dtype).eps))


def test_float32_log_odds_beyond_the_float32_range_stay_finite(xp):
    # the ratio 1e40 overflows float32 (max 3.4e38); the log-odds 40 log 10 do not.
    # 1e10 and 1e-30 round to float32 within 3e-8 relative: log-odds within 1e-6
    p, q = arr(xp, [1e10, 1e-30], xp.float32), arr(xp, [1e-30, 1e10], xp.float32)
    got = gancore.optimal_discriminator_logits(p, q)
    assert got.dtype == xp.float32
    np.testing.assert_allclose(host(got), [40 * np.log(10), -40 * np.log(10)], rtol=1e-6)



def _mp_log_terms(x, logits):
    """``(log D, log(1 - D))`` at 40 digits, for ``D = x`` or, with ``logits``, for ``D =
    sigmoid(x)``: ``-log1p(exp(-x))`` and ``-log1p(exp(x))``."""
    x = mpmath.mpf(x)
    if logits:
        return -mpmath.log1p(mpmath.exp(-x)), -mpmath.log1p(mpmath.exp(x))
    return mpmath.log(x), mpmath.log1p(-x)


@pytest.mark.parametrize("logits", [False, True])
@pytest.mark.parametrize("zeros", [False, True])
def test_value_of_one_long_distribution_in_one_checked_pass_matches_mpmath(small_blocks,
                                                                           zeros, logits):
    # at least 16 blocks, D inside (0, 1) (finite logits): the checks and both sums in
    # one pass (masses may be 0 there); every term is of one sign, so a few ulps plus
    # the dot products' accumulation: 1e-13 relative against 40 digits, and the general
    # path's result
    from gancore._direct import streamed_direct
    from gancore.game import _LOGIT_VALUE_DIRECT, _VALUE_DIRECT

    rng = np.random.default_rng(11)
    n = 3000
    p, q = rng.random(n), rng.random(n)
    d = 8 * rng.standard_normal(n) if logits else rng.uniform(1e-6, 1 - 1e-6, n)
    if zeros:
        p[::7], q[::5] = 0.0, 0.0
    p, q = p / p.sum(), q / q.sum()
    formula, call = ((_LOGIT_VALUE_DIRECT, gancore.value_from_logits) if logits
                     else (_VALUE_DIRECT, gancore.value))
    one_pass = streamed_direct(p, q, -1, 1.0, False, formula, d)
    assert one_pass is not None
    with mpmath.workdps(40):
        sp, sq = mpmath.fsum(map(mpmath.mpf, p)), mpmath.fsum(map(mpmath.mpf, q))
        want = float(mpmath.fsum(mpmath.mpf(a) / sp * log_d + mpmath.mpf(b) / sq * log_1m_d
                                 for a, b, (log_d, log_1m_d)
                                 in zip(p, q, (_mp_log_terms(c, logits) for c in d))))
    got = call(d, p, q)
    assert float(got) == float(one_pass) == pytest.approx(want, rel=1e-13, abs=0)
    assert float(got) == pytest.approx(float(call(d.tolist(), p, q)), rel=1e-14)


@pytest.mark.parametrize("n", [1, 3, 1000])
@pytest.mark.parametrize("zeros", [False, True])
def test_value_from_finite_logits_is_one_form_on_every_path(xp, n, zeros):
    # finite logits keep both logs finite: the short host path (one distribution, its
    # checks first) and the general path (a batch of one) take the same two dot products
    # over the totals, so the same bits; within 1e-13 of 40 digits (terms of one sign)
    rng = np.random.default_rng(n)
    p, q, logits = rng.random(n) + 0.01, rng.random(n) + 0.01, 30 * rng.standard_normal(n)
    if zeros:
        p[1::3] = 0.0  # (every third mass from the second on: one point keeps p_data)
    p, q = p / p.sum(), q / q.sum()
    short = gancore.value_from_logits(arr(xp, logits), arr(xp, p), arr(xp, q))
    batch = gancore.value_from_logits(arr(xp, logits[None]), arr(xp, p[None]),
                                      arr(xp, q[None]))
    assert_lives_with(short, arr(xp, p))
    assert host(short).shape == () and host(batch).shape == (1,)
    assert float(host(short)) == float(host(batch)[0])
    with mpmath.workdps(40):
        sp, sq = mpmath.fsum(map(mpmath.mpf, p)), mpmath.fsum(map(mpmath.mpf, q))
        want = float(mpmath.fsum(mpmath.mpf(a) / sp * log_d + mpmath.mpf(b) / sq * log_1m_d
                                 for a, b, (log_d, log_1m_d)
                                 in zip(p, q, (_mp_log_terms(c, True) for c in logits))))
    assert float(host(short)) == pytest.approx(want, rel=1e-13, abs=0)


def _sharp_pair(n, seed):
    """Masses and a discriminator that tells them apart to within 1e-12 to 1e-6: p on
    the first half (1e-15 of it on the second), q the other way round, D = 1 - delta on
    the first half and epsilon on the second (delta, epsilon log-uniform in [1e-12,
    1e-6]). V is about -1e-6 and C(G) about -1e-13: both are sums of log(1 - x) and
    log(1 + x) at tiny x, which log(1 + x) in floating point gets wrong by up to 1e-4
    relative."""
    rng = np.random.default_rng(seed)
    half = n // 2
    p, q = rng.random(n) + 0.5, rng.random(n) + 0.5
    p[half:] *= 1e-15
    q[:half] *= 1e-15
    small = 10.0 ** rng.uniform(-12, -6, n)
    d = np.concatenate([1.0 - small[:half], small[half:]])
    return p / p.sum(), q / q.sum(), d


@pytest.mark.parametrize("n, blocks", [(3000, None), (20_000, 1024)])
def test_value_and_criterion_of_a_sharp_discriminator_keep_relative_precision(
        xp, monkeypatch, n, blocks):
    # one short distribution (n = 3000, one block) and one long one in the one checked
    # pass (blocks of 1024); every term of V and of C(G) is of one sign, so each keeps a
    # few ulps plus the dot products' accumulation: 1e-13 relative against 40 digits
    import gancore._direct
    import gancore._masses

    if blocks is not None:  # (V's one pass reads _direct's, C(G)'s blocks _masses')
        for module in (gancore._masses, gancore._direct):
            monkeypatch.setattr(module, "BLOCK_ELEMENTS", blocks)
    p, q, d = _sharp_pair(n, seed=n)
    with mpmath.workdps(40):
        sp, sq = mpmath.fsum(map(mpmath.mpf, p)), mpmath.fsum(map(mpmath.mpf, q))
        mp_p = [mpmath.mpf(a) / sp for a in p]
        mp_q = [mpmath.mpf(b) / sq for b in q]
        v_want = float(mpmath.fsum(a * mpmath.log(c) + b * mpmath.log1p(-c)
                                   for a, b, c in zip(mp_p, mp_q, map(mpmath.mpf, d))))
        c_want = float(mpmath.fsum(a * mpmath.log(a / (a + b)) + b * mpmath.log(b / (a + b))
                                   for a, b in zip(mp_p, mp_q)))
    v_got = gancore.value(arr(xp, d), arr(xp, p), arr(xp, q))
    c_got = gancore.virtual_criterion(arr(xp, p), arr(xp, q))
    assert_lives_with(v_got, arr(xp, p))
    assert float(host(v_got)) == pytest.approx(v_want, rel=1e-13, abs=0)
    assert float(host(c_got)) == pytest.approx(c_want, rel=1e-13, abs=0)


@pytest.mark.parametrize("fault, want", [
    ("d is 0 under mass", -math.inf), ("d is 1 under mass", -math.inf),
    ("d outside [0, 1]", "d must lie in \\[0, 1\\]"), ("d NaN", "d must not hold NaN"),
    ("p negative", "p_data must be non-negative"), ("q NaN", "p_g must be finite")])
@pytest.mark.parametrize("n, blocks", [(3000, 64), (20_000, 1024)])  # log1m: both forms
def test_value_of_one_long_distribution_leaves_its_one_pass_for_the_general_path(
        monkeypatch, fault, want, n, blocks):
    import gancore._direct
    import gancore._masses

    for module in (gancore._masses, gancore._direct):
        monkeypatch.setattr(module, "BLOCK_ELEMENTS", blocks)
    rng = np.random.default_rng(12)
    p, q, d = rng.random(n) + 0.1, rng.random(n) + 0.1, rng.uniform(0.01, 0.99, n)
    p, q = p / p.sum(), q / q.sum()
    i = n // 2
    if fault.startswith("d is"):
        d[i] = 0.0 if "0" in fault else 1.0
    elif fault.startswith("d"):
        d[i] = 1.5 if "outside" in fault else math.nan
    elif fault == "p negative":  # normalised again: only the sign check can see it
        p[i] = -1e-300
        p = p / p.sum()
    else:
        q[i] = math.nan
    if isinstance(want, float):
        assert float(gancore.value(d, p, q)) == want
    else:
        with pytest.raises(ValueError, match=want):
            gancore.value(d, p, q)


@pytest.mark.parametrize("spread", [1e-3, 1.0])  # nearly equal, and far
def test_gradients_of_value_criterion_and_optimal_discriminator_on_torch(spread):
    # tensors that track a gradient take the general path: the gradients of V, C(G) and
    # D* are those of their plain expressions of p/P and q/Q (D*: of p and q)
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(5)
    p = torch.rand(60, dtype=torch.float64, generator=gen) + 0.1
    q = p * (1 + spread * torch.rand(60, dtype=torch.float64, generator=gen))
    d = torch.rand(60, dtype=torch.float64, generator=gen) * 0.9 + 0.05
    p, q = p / p.sum(), q / q.sum()

    def plain_criterion(a, b):
        a, b = a / a.sum(), b / b.sum()
        return torch.sum(a * torch.log(a / (a + b)) + b * torch.log(b / (a + b)))

    cases = [(lambda a, b, c: gancore.value(c, a, b),
              lambda a, b, c: torch.sum(a / a.sum() * torch.log(c)
                                        + b / b.sum() * torch.log1p(-c))),
             (lambda a, b, c: gancore.virtual_criterion(a, b),
              lambda a, b, c: plain_criterion(a, b)),
             (lambda a, b, c: torch.sum(gancore.optimal_discriminator(a, b) * c),
              lambda a, b, c: torch.sum(a / (a + b) * c))]
    for ours, plain in cases:
        grads = []
        for call in (ours, plain):
            a, b, c = (x.clone().requires_grad_(True) for x in (p, q, d))
            call(a, b, c).backward()
            grads.append([x.grad for x in (a, b, c)])
        # float64 gradients of size up to about 1/min(d, 1 - d) = 20 and 1/min(p + q);
        # the two evaluations round differently
        for got, want in zip(*grads):
            if want is None:
                assert got is None
            else:
                torch.testing.assert_close(got, want, rtol=1e-9, atol=1e-11)
