"""The Gaussian GAN trainer: short runs, and the same run on every namespace."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gancore


@pytest.mark.parametrize("steps", [1, 2, 3, 4])
def test_short_runs_average_at_least_one_step(steps):
    result = gancore.train_gaussian_gan(gancore.Normal(1.0, 2.0), steps=steps, seed=0)
    assert np.all(np.isfinite(result.averaged_mean)) and np.all(np.isfinite(result.averaged_cov))
    assert result.history["step"][-1] == steps - 1


def test_every_namespace_trains_the_same_run(xp):
    data = gancore.MultivariateNormal([1.0, -2.0], [[2.0, 0.5], [0.5, 1.0]])
    here = gancore.train_gaussian_gan(data, steps=30, seed=4, xp=xp, record_every=10)
    ref = gancore.train_gaussian_gan(data, steps=30, seed=4, record_every=10)
    # the same draws and arithmetic: only the summation order may differ
    np.testing.assert_allclose(here.averaged_mean, ref.averaged_mean, rtol=1e-12)
    np.testing.assert_allclose(here.averaged_cov, ref.averaged_cov, rtol=1e-12)
    np.testing.assert_allclose(here.history["criterion"], ref.history["criterion"], rtol=1e-10)


@pytest.mark.parametrize("scale, name", [(1e-300, "data"), (1e300, "data"), (1e-160, "gen")])
def test_a_covariance_past_float64_is_a_named_error(scale, name):
    # the closed form needs each covariance and its inverse: a scale of 1e-300 or 1e300
    # has a variance or precision past float64 (it raised LinAlgError or OverflowError
    # from NumPy and Python)
    odd, plain = gancore.Normal(0.0, scale), gancore.Normal(0.0, 1.0)
    data, gen = (odd, plain) if name == "data" else (plain, odd)
    for f in (gancore.gaussian_optimal_discriminator, gancore.gaussian_criterion):
        with pytest.raises(ValueError, match=f"{name}'s covariance"):
            f(data, gen)


@pytest.mark.parametrize("shift", [2.2250738585072014e-308, 1e-300, 1e-12])
def test_criterion_of_normals_a_hair_apart_is_minus_log4_without_warnings(shift):
    # the logit's root lies a hair from both means: quad's break points there, closer
    # than 1e-9 scales, made it warn of bad integrand behaviour (found by a fresh
    # example of the theory suite); C(G) = -log 4 + 2 JSD, and JSD ~ shift^2 / (8 s^2)
    got = gancore.gaussian_criterion(gancore.Normal(0.0, 0.2), gancore.Normal(shift, 0.2))
    assert got == pytest.approx(-np.log(4.0), rel=1e-12, abs=0)


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case, past", [
    # x = -big: logit -big, D = 0, so W's gradient holds x^2 / 2 (past the range)
    ("x_real", "w"),
    # mean = big: the fake points' logits big + big^2 pass the range, V and L_G with them
    ("mean", "value"),
    # c = 3 big (three quarters of the largest float): each logit is finite, and V's
    # sum of two of them passes the range
    ("c", "value"),
])
def test_gradients_past_the_float_range_are_a_named_error_without_warnings(
        xp, dtype, loss, case, past):
    from proofs._support import arr, host

    big = float(np.finfo(dtype).max) / 4
    dt = getattr(xp, dtype)
    args = {"x_real": [[1.0], [2.0]], "z": [[0.5], [-0.3]], "mean": [1.0], "a": [[1.0]],
            "c": 0.0, "b": [1.0], "w": [[1.0]]}
    args[case] = {"x_real": [[-big], [2.0]], "mean": [big], "c": 3 * big}[case]
    if case == "x_real":
        args["w"] = [[0.0]]
    given = [arr(xp, args[k], dt) for k in ("x_real", "z", "mean", "a", "c", "b", "w")]
    with pytest.raises(ValueError, match=f"Gaussian GAN's .*{past}.* overflow .*{dtype}"):
        gancore.gaussian_gan_gradients(*given, loss=loss)
    # the same arguments scaled into the range give finite results
    args[case] = {"x_real": [[-1e3], [2.0]], "mean": [1e3], "c": 1e3}[case]
    given = [arr(xp, args[k], dt) for k in ("x_real", "z", "mean", "a", "c", "b", "w")]
    out = gancore.gaussian_gan_gradients(*given, loss=loss)
    assert all(np.isfinite(np.asarray(host(v))).all() for v in out.values())


@pytest.mark.parametrize("offset", [1e4, 1e8, 1e12])
def test_criterion_and_discriminator_are_the_same_far_from_the_origin(offset):
    # C(G) does not move when both Gaussians move by the same offset. It read the
    # log-odds c + b x + W x^2 at x near the offset, and c = (mu^2 - m^2) / 2 lost its
    # digits: 4% off at 1e8 unit scales from 0 (an IntegrationWarning at 1e10). Each
    # expectation is now taken about its own Gaussian's mean, and c from the difference
    # of the means: with equal scales, c = (m + mu) (mu - m) / (2 s^2) and b = -(mu - m) / s^2
    near = gancore.gaussian_criterion(gancore.Normal(0.0, 1.0), gancore.Normal(1.0, 2.0))
    far = gancore.gaussian_criterion(gancore.Normal(offset, 1.0),
                                     gancore.Normal(offset + 1.0, 2.0))
    assert far == pytest.approx(near, rel=1e-12, abs=0)
    cov = [[1.5, 0.2], [0.2, 1.0]]
    near = gancore.gaussian_criterion(gancore.MultivariateNormal([0.0, 0.0], np.eye(2)),
                                      gancore.MultivariateNormal([1.0, 0.5], cov))
    far = gancore.gaussian_criterion(gancore.MultivariateNormal([offset, -offset], np.eye(2)),
                                     gancore.MultivariateNormal([offset + 1.0, 0.5 - offset], cov))
    assert far == pytest.approx(near, rel=1e-12, abs=0)
    c, b, w = gancore.gaussian_optimal_discriminator(gancore.Normal(offset, 1.0),
                                                     gancore.Normal(offset + 1.0, 1.0))
    assert (c, b.tolist(), w.tolist()) == (offset + 0.5, [-1.0], [[0.0]])  # (exact here)


def test_criterion_takes_a_one_dimensional_multivariate_normal():
    # a MultivariateNormal of dimension 1 took the 1-D quadrature, which read a Normal's
    # loc and scale (AttributeError)
    got = gancore.gaussian_criterion(gancore.MultivariateNormal([0.0], [[4.0]]),
                                     gancore.MultivariateNormal([1.0], [[1.0]]))
    assert got == gancore.gaussian_criterion(gancore.Normal(0.0, 2.0), gancore.Normal(1.0, 1.0))


def _criterion_in_pieces(data, gen):
    """C(G) of two Normals by quad over 4000 pieces of each Normal's +-40 scales and
    4000 of the other's, with the log-odds as the difference of the log densities: a
    reference that no narrow stretch of the integrand can slip through."""
    from scipy import integrate

    def log_n(t, n):
        z = (t - n.loc) / n.scale
        return -0.5 * z * z - math.log(n.scale) - 0.5 * math.log(2 * math.pi)

    total = 0.0
    for own, other, sign in ((data, gen, -1.0), (gen, data, 1.0)):
        lo, hi = own.loc - 40 * own.scale, own.loc + 40 * own.scale
        edges = np.union1d(np.linspace(lo, hi, 4001),
                           np.clip(np.linspace(other.loc - 40 * other.scale,
                                               other.loc + 40 * other.scale, 4001), lo, hi))
        with warnings.catch_warnings():  # (pieces far out in a tail, where the integrand
            # underflows, make quad report bad behaviour; they add nothing)
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            for a, b in zip(edges[:-1], edges[1:]):
                if a < b:
                    total -= integrate.quad(
                        lambda t: math.exp(log_n(t, own)) * np.logaddexp(
                            0.0, sign * (log_n(t, data) - log_n(t, gen))), a, b)[0]
    return total


@pytest.mark.parametrize("data, gen", [((0.0, 1.0), (3.0, 1e3)), ((0.0, 1e3), (3.0, 1.0)),
                                       ((1.0, 2.0), (10.0, 1e5)), ((5.0, 1.0), (0.0, 1.3))])
def test_criterion_of_normals_of_scales_far_apart_matches_a_fine_quadrature(data, gen):
    # where one Normal is much narrower, the integrand lives on its scale: one quad piece
    # from a root out to 40 of the wider Normal's scales missed the tail past the root,
    # 1% of C(G) for scales 1e3 apart (with an error estimate of 4e-16)
    data, gen = gancore.Normal(*data), gancore.Normal(*gen)
    want = _criterion_in_pieces(data, gen)
    assert gancore.gaussian_criterion(data, gen) == pytest.approx(want, rel=1e-12, abs=0)


@pytest.mark.parametrize("data, gen", [((1.0, 2.0), (5.79e15, 6.54e15)),
                                       ((1457421423252621.0, 1.0), (0.0, 149689211128326.0))])
def test_criterion_of_normals_of_scales_1e15_apart_lies_in_its_range(data, gen):
    # the log-odds c + b t + W t^2 cancelled 1e30-sized terms where the narrow Normal
    # lies many of the wide one's scales out: C(G) came out -9e5 (a Gaussian GAN run
    # at learning rates 1e8 met it), or quad warned of divergence. They are now the
    # difference of the two log densities: C(G) in [-log 4, 0], near 0 (the narrow
    # Normal's mass is where the wide one has almost none), without a warning
    got = gancore.gaussian_criterion(gancore.Normal(*data), gancore.Normal(*gen))
    assert -1e-12 < got <= 0.0


def _criterion_by_mpmath(data, gen):
    """C(G) of two Normals by mpmath's quadrature at 40 digits, of
    -p log1p(q/p) - q log1p(p/q) with q/p from the two log densities, in pieces at
    each Normal's mean and out to 60 of its scales: a reference independent of
    gancore's integral in the complex plane."""
    import mpmath as mp

    with mp.workdps(40):
        def log_n(x, n):
            return (-((x - n.loc) / mp.mpf(n.scale)) ** 2 / 2 - mp.log(n.scale)
                    - mp.log(2 * mp.pi) / 2)

        def integrand(x):
            a, b = log_n(x, data), log_n(x, gen)
            return -(mp.exp(a) * mp.log1p(mp.exp(b - a)) + mp.exp(b) * mp.log1p(mp.exp(a - b)))

        cuts = sorted({mp.mpf(n.loc) + k * mp.mpf(n.scale) for n in (data, gen)
                       for k in (-60, -30, -15, -8, -4, -2, -1, -0.5, 0, 0.5, 1, 2, 4, 8,
                                 15, 30, 60)})
        return float(mp.quad(integrand, [-mp.inf, *cuts, mp.inf]))


@pytest.mark.parametrize("data, gen", [((0.0, 1.0), (0.0, 1e-15)), ((0.0, 1e-15), (1.0, 1.0)),
                                       ((0.0, 1.0), (3.0, 1e-3)), ((0.0, 1.0), (40.0, 5.0))])
def test_criterion_of_a_spike_or_of_normals_far_apart_matches_mpmath(data, gen):
    # a Normal 1e15 times narrower than the other is a spike on it: C(G) ~ -1e-13, which
    # the quadrature in x got 96% wrong (its absolute tolerance, 1e-14, was most of it);
    # Normals 40 of one's scales apart have C(G) ~ -1e-10. The integral in the complex
    # plane keeps 1e-15 relative; 1e-13 leaves room for the reference's own quadrature
    data, gen = gancore.Normal(*data), gancore.Normal(*gen)
    want = _criterion_by_mpmath(data, gen)
    assert gancore.gaussian_criterion(data, gen) == pytest.approx(want, rel=1e-13, abs=0)


@given(shift=st.floats(-40.0, 40.0), log_ratio=st.floats(-12.0, 12.0),
       log_other=st.floats(-3.0, 3.0), offset=st.floats(-1e3, 1e3), d=st.sampled_from([2, 3, 5]))
def test_criterion_in_d_dimensions_is_that_of_the_one_axis_where_they_differ(
        shift, log_ratio, log_other, offset, d):
    # data = N(0, 1) x N(offset, t^2)^(d-1) and gen = N(shift, r^2) x the same: the
    # log-odds depend on the first coordinate alone, so C(G) is the 1-D one, for scale
    # ratios r out to 1e12 either way and other axes of scales 1e-3 to 1e3. It was
    # Gauss-Hermite quadrature in each Gaussian's own axes, 8% off for scales 10 apart
    # and 75% off at 100 (limited to d <= 3); covariances here are diagonal, so the
    # axes that diagonalise both are exact and 1e-12 holds
    r, t = 10.0**log_ratio, 10.0**log_other
    want = gancore.gaussian_criterion(gancore.Normal(0.0, 1.0), gancore.Normal(shift, r))
    m, mu = np.full(d, offset), np.full(d, offset)
    m[0], mu[0] = 0.0, shift
    sigma, s = np.diag([1.0] + [t * t] * (d - 1)), np.diag([r * r] + [t * t] * (d - 1))
    got = gancore.gaussian_criterion(gancore.MultivariateNormal(m, sigma),
                                     gancore.MultivariateNormal(mu, s))
    assert got == pytest.approx(want, rel=1e-12, abs=0)


def _rotated(scales, angle):
    turn = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return turn @ np.diag(np.square(scales)) @ turn.T


def _criterion_on_a_grid(m, sigma, mu, s, per_scale=10, width=10.0):
    """C(G) of two 2-D Gaussians as gancore.virtual_criterion of their densities on a
    grid of 10 points per smallest scale, out to 10 scales past each mean: the
    Riemann sum of a smooth, fast-decaying integrand, accurate to about 1e-12 here
    (measured against a grid of half the spacing)."""
    from scipy import stats

    low = np.minimum(m - width * np.sqrt(np.diag(sigma)), mu - width * np.sqrt(np.diag(s)))
    high = np.maximum(m + width * np.sqrt(np.diag(sigma)), mu + width * np.sqrt(np.diag(s)))
    step = math.sqrt(min(np.linalg.eigvalsh(sigma).min(), np.linalg.eigvalsh(s).min())) / per_scale
    axes = [np.arange(a, b + step, step) for a, b in zip(low, high)]
    x = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
    p, q = stats.multivariate_normal(m, sigma).pdf(x), stats.multivariate_normal(mu, s).pdf(x)
    return float(gancore.virtual_criterion(p, q, dx=step * step, normalize=True))


@settings(max_examples=max(4, settings().max_examples // 5))
@given(scales=st.lists(st.floats(0.25, 2.0), min_size=4, max_size=4),
       angles=st.lists(st.floats(0.0, math.pi), min_size=2, max_size=2),
       m=st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2),
       shift=st.lists(st.floats(-3.0, 3.0), min_size=2, max_size=2))
def test_criterion_of_two_dimensional_gaussians_matches_a_grid(scales, angles, m, shift):
    # any two 2-D Gaussians, each narrower than the other along some axis (crossed) or
    # not, with scales up to 8 apart: gancore's C(G) against a grid sum of the
    # densities (scales from 0.25 keep the grid below 2e6 points); 1e-10 is 100 times
    # the grid's own error
    m = np.array(m)
    mu = m + np.array(shift)
    sigma, s = _rotated(scales[:2], angles[0]), _rotated(scales[2:], angles[1])
    got = gancore.gaussian_criterion(gancore.MultivariateNormal(m, sigma),
                                     gancore.MultivariateNormal(mu, s))
    assert got == pytest.approx(_criterion_on_a_grid(m, sigma, mu, s), rel=1e-10, abs=0)


def test_trains_in_four_dimensions_recording_the_criterion():
    # every record computes C(G), which took d <= 3 alone: a 4-D run raised at its first
    # record. C(G) of the records lies in [-log 4, 0] and falls towards -log 4
    # (measured on this seed: -0.449 at the start, -1.3862 after 500 steps)
    data = gancore.MultivariateNormal(np.arange(4.0), np.diag([1.0, 2.0, 0.5, 1.5]))
    result = gancore.train_gaussian_gan(data, steps=500, seed=1, record_every=100)
    criterion = result.history["criterion"]
    assert np.all((-np.log(4.0) <= criterion) & (criterion <= 0.0))
    assert criterion[-1] + np.log(4.0) < 1e-3 < criterion[0] + np.log(4.0)
