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


@pytest.mark.parametrize("nu, nv, weighted", [(40, 40, False), (40, 25, False), (30, 30, True)])
def test_batched_w1_matches_pot_and_each_pair(xp, nu, nv, weighted):
    k = 6
    u, v = RNG.normal(0, 1, (nu, k)), RNG.normal(0.3, 2, (nv, k))
    uw, vw = (RNG.random((nu, k)), RNG.random((nv, k))) if weighted else (None, None)
    args = [None if a is None else arr(xp, a) for a in (u, v, uw, vw)]
    got = gancore.w1(*args, axis=0)
    assert_lives_with(got, args[0])
    assert tuple(got.shape) == (k,)
    # POT takes (n, k) columns with normalised weights, as gancore does with axis=0
    ref = ot.wasserstein_1d(u, v, None if uw is None else uw / uw.sum(0),
                            None if vw is None else vw / vw.sum(0), p=1)
    np.testing.assert_allclose(host(got), ref, rtol=1e-12)
    pairs = [stats.wasserstein_distance(u[:, j], v[:, j], None if uw is None else uw[:, j],
                                        None if vw is None else vw[:, j]) for j in range(k)]
    np.testing.assert_allclose(host(got), pairs, rtol=1e-12)
    # the batch axis last, and kept with keepdims
    rows = gancore.w1(*[None if a is None else arr(xp, a.T) for a in (u, v, uw, vw)],
                      keepdims=True)
    assert tuple(rows.shape) == (k, 1)
    np.testing.assert_allclose(host(rows)[:, 0], pairs, rtol=1e-12)


def test_batched_w1_broadcasts_one_sample_against_many(xp):
    target, gens = RNG.normal(0, 1, 50), RNG.normal(0, 1, (4, 70))
    got = host(gancore.w1(arr(xp, target[None, :]), arr(xp, gens)))
    np.testing.assert_allclose(got, [stats.wasserstein_distance(target, g) for g in gens],
                               rtol=1e-12)


@pytest.mark.parametrize("n, m, d, weighted", [(1, 4, 2, False), (7, 12, 3, False),
                                               (20, 20, 2, True), (35, 18, 4, True)])
def test_w1_empirical_of_any_sizes_and_weights_matches_pot_and_scipy(xp, n, m, d, weighted):
    x, y = RNG.normal(0, 1, (n, d)), RNG.normal(1, 2, (m, d))
    a, b = (RNG.random(n) * 2, RNG.random(m)) if weighted else (None, None)
    args = [None if t is None else arr(xp, t) for t in (x, y, a, b)]
    got = gancore.w1_empirical(*args)
    assert_lives_with(got, args[0])
    a_n = np.full(n, 1 / n) if a is None else a / a.sum()
    b_n = np.full(m, 1 / m) if b is None else b / b.sum()
    ref = ot.emd2(a_n, b_n, ot.dist(x, y, metric="euclidean"))
    # exact linear programmes: the optima agree up to the solvers' rounding
    assert host(got) == pytest.approx(ref, rel=1e-9, abs=0)
    assert host(got) == pytest.approx(stats.wasserstein_distance_nd(x, y, a, b), rel=1e-9,
                                      abs=0)


def test_w1_empirical_linprog_path_matches_the_network_simplex():
    from gancore.wasserstein import _emd_cost, _linprog_cost

    x, y = RNG.normal(0, 1, (15, 2)), RNG.normal(0.5, 1, (9, 2))
    cost = ot.dist(x, y, metric="euclidean")
    a, b = RNG.random(15), RNG.random(9)
    a, b = a / a.sum(), b / b.sum()
    assert _linprog_cost(cost, a, b) == pytest.approx(_emd_cost(ot, cost, a, b), rel=1e-9,
                                                      abs=0)


def _hide_pot(monkeypatch):
    """Make ``import ot`` raise ImportError, as where POT is not installed."""
    import builtins

    real_import = builtins.__import__

    def no_pot(name, *args, **kwargs):
        if name == "ot":
            raise ImportError("POT is not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pot)


def test_w1_empirical_without_pot_uses_highs(monkeypatch):
    x, y = RNG.normal(0, 1, (6, 2)), RNG.normal(0, 1, (4, 2))
    with_pot = float(gancore.w1_empirical(x, y))
    _hide_pot(monkeypatch)
    assert float(gancore.w1_empirical(x, y)) == pytest.approx(with_pot, rel=1e-9, abs=0)


@pytest.mark.parametrize("solver", ["pot", "highs"])
@pytest.mark.parametrize("scale", [1e-200, 1e-79, 1e-10, 1e10, 1e150])
def test_w1_empirical_of_point_clouds_of_any_scale_is_that_of_unit_ones_scaled(
        monkeypatch, solver, scale):
    # W1 scales with the points. Both solvers compare costs with absolute tolerances:
    # points 1e-79 apart, all of whose costs the network simplex took for ties, gave 3.8
    # times the optimum. The costs are now scaled to a largest one in [1/2, 1) and back
    rng = np.random.default_rng(9)
    x, y = rng.normal(0, 1, (23, 1)), rng.normal(0.5, 1, (32, 1))
    a, b = rng.random(23), rng.random(32)
    want = ot.emd2(a / a.sum(), b / b.sum(), ot.dist(x, y, metric="euclidean")) * scale
    if solver == "highs":
        _hide_pot(monkeypatch)
    got = float(gancore.w1_empirical(x * scale, y * scale, a, b))
    # (x * scale is x's scaling rounded: 1e-15 relative at most, far inside 1e-9)
    assert got == pytest.approx(want, rel=1e-9, abs=0)


def test_w1_empirical_with_equal_weights_equals_the_assignment(xp):
    x, y = RNG.normal(0, 1, (25, 2)), RNG.normal(1, 1, (25, 2))
    plain = host(gancore.w1_empirical(arr(xp, x), arr(xp, y)))
    weighted = host(gancore.w1_empirical(arr(xp, x), arr(xp, y), arr(xp, np.full(25, 3.0)),
                                         arr(xp, np.ones(25))))
    assert weighted == pytest.approx(plain, rel=1e-9, abs=0)


@pytest.mark.parametrize("sizes", [(30, 30), (30, 17)])
def test_w1_differentiates_on_torch_and_w1_empirical_does_not(sizes):
    # w1 is piecewise linear in the values: its gradient is that of the plain expression
    # mean |sort u - sort v| for equal sizes, and the central difference of step 1e-7
    # (no breakpoint within it for these draws) for others; w1_empirical's distance
    # comes back from the host solver as a number, without a gradient
    torch = pytest.importorskip("torch")
    gen = torch.Generator().manual_seed(4)
    u, v = (torch.randn(n, dtype=torch.float64, generator=gen) for n in sizes)
    a = u.clone().requires_grad_(True)
    gancore.w1(a, v).backward()
    if sizes[0] == sizes[1]:
        b = u.clone().requires_grad_(True)
        (torch.sort(b).values - torch.sort(v).values).abs().mean().backward()
        want = b.grad
    else:
        h, eye = 1e-7, torch.eye(sizes[0], dtype=torch.float64)
        want = torch.stack([(gancore.w1(u + h * e, v) - gancore.w1(u - h * e, v)) / (2 * h)
                            for e in eye])
    # (float64 differences of values of size 1 over 2e-7: about 1e-9 of rounding)
    torch.testing.assert_close(a.grad, want, rtol=0, atol=1e-8)
    x = u.reshape(-1, 2).clone().requires_grad_(True)
    assert not gancore.w1_empirical(x, v[:10].reshape(-1, 2)).requires_grad


@pytest.mark.parametrize("fault", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["u_values", "v_values"])
@pytest.mark.parametrize("path", ["sorted", "merged", "weighted", "zero weight", "batch",
                                  "broadcast"])
def test_w1_names_a_value_that_is_not_finite_on_every_path(xp, path, where, fault):
    # w1 reads its values' finiteness off the distances (a term |x - y|, or
    # |F_u - F_v| (y - x), with a NaN or infinite value is NaN or inf, 0 inf included)
    # and checks the values only where a distance is not finite: every path must still
    # name the array, at any position, the first and the last among them
    shapes = {"sorted": ((9,), (9,)), "merged": ((9,), (4,)), "weighted": ((9,), (4,)),
              "zero weight": ((9,), (4,)), "batch": ((3, 9), (3, 9)),
              "broadcast": ((3, 9), (1, 9))}[path]
    for spot in (0, -1, 4):
        u, v = RNG.normal(0, 1, shapes[0]), RNG.normal(0.5, 2, shapes[1])
        x = u if where == "u_values" else v
        x.reshape(-1)[spot % x.size] = fault
        weights = ()
        if path in ("weighted", "zero weight"):
            uw, vw = RNG.random(u.shape) + 0.1, RNG.random(v.shape) + 0.1
            if path == "zero weight":  # the faulty point carries no mass
                (uw if where == "u_values" else vw).reshape(-1)[spot % x.size] = 0.0
            weights = (arr(xp, uw), arr(xp, vw))
        with pytest.raises(ValueError, match=f"{where} must be finite"):
            gancore.w1(arr(xp, u), arr(xp, v), *weights)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_w1_of_finite_values_near_the_float_range(xp, dtype):
    # finite values pass their checks even where a difference, or the sum of the terms,
    # passes the float range: the distance is then that of the values halved until
    # every sum is in range (exact), doubled back; inf only where it passes the range
    big = float(np.finfo(dtype).max)
    ones = np.ones(2)
    cases = [  # (u, v, weights, the exact distance)
        ([big / 2] * 4, [-big / 2] * 4, (), big),     # each |x - y| is big: their sum is not
        ([-big, big], [-big, big], (ones, ones), 0.0),  # gaps of 2 big meet F_u - F_v = 0
        ([-big, big], [-big], (), big),                 # half the mass moves 2 big
        ([big], [-big], (), np.inf),                    # 2 big: past the range
    ]
    for u, v, weights, want in cases:
        got = gancore.w1(arr(xp, u, getattr(xp, dtype)), arr(xp, v, getattr(xp, dtype)),
                         *(arr(xp, w, getattr(xp, dtype)) for w in weights))
        assert got.dtype == getattr(xp, dtype) and host(got) == want


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_w1_empirical_of_points_near_the_float_range(xp, dtype):
    # B is the dtype's largest power of 2: differences of 2B pass the range, as do the
    # solvers' sums of such costs; the points are then halved until nothing passes it
    # (exact) and the distance doubled back, inf only where it passes the range itself
    big = 2.0 ** (np.finfo(dtype).maxexp - 1)
    dt = getattr(xp, dtype)
    cases = [  # (x, y, y_weights, the exact distance)
        ([[big, 0.0], [0.0, 0.0]], [[-big, 0.0], [0.0, 0.0]], None, big),  # the assignment
        ([[big, 0.0], [0.0, 0.0]], [[0.0, 0.0]], None, big / 2),           # the programme
        ([[big, 0.0]], [[big / 2, 0.0], [0.0, 1.0]], [1.0, 3.0], big / 8 * 7),
        ([[big, 0.0]], [[-big, 0.0]], None, np.inf),                      # 2B: past it
    ]
    for x, y, y_weights, want in cases:
        got = gancore.w1_empirical(arr(xp, x, dt), arr(xp, y, dt), None,
                                   None if y_weights is None else arr(xp, y_weights, dt))
        assert got.dtype == dt
        assert host(got) == pytest.approx(want, rel=1e-9), (x, y)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_weights_whose_sum_passes_the_float_range_give_their_masses(xp, dtype):
    # weights at the float maximum: their masses are those of the exact sum (the
    # weights are divided by their largest first), with no warning, in w1 and in
    # w1_empirical
    big = float(np.finfo(dtype).max)
    dt = getattr(xp, dtype)
    u, v = arr(xp, [0.0, 1.0], dt), arr(xp, [2.0], dt)
    rel = 4 * float(np.finfo(dtype).eps)  # (the result's rounding to the dtype)
    for weights, want in (([big, big], 1.5), ([big, big / 2], 5.0 / 3), ([big, 0.0], 2.0)):
        got = gancore.w1(u, v, arr(xp, weights, dt), None)
        assert got.dtype == dt
        assert host(got) == pytest.approx(want, rel=rel)
        got = gancore.w1_empirical(arr(xp, [[0.0], [1.0]], dt), arr(xp, [[2.0]], dt),
                                   arr(xp, weights, dt))
        assert host(got) == pytest.approx(want, rel=max(rel, 1e-9))  # (or the solvers')
