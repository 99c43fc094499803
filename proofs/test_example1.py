"""Example 1 of the WGAN paper: parallel segments P_0 and P_theta in the plane.

Z ~ U[0, 1], P_0 the law of (0, Z), P_theta of (theta, Z). W(P_0, P_theta) = |theta|,
while JS = log 2, KL = inf and TV = 1 for every theta != 0 (and all are 0 at theta = 0):
only W is continuous in theta. Everything below is computed from samples and from a
discretisation, not asserted.
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import gancore

from ._record import at_most, close
from ._support import host

THEOREM = "Example 1 (WGAN)"
STATEMENT = "W(P_0, P_theta) = |theta| is 1-Lipschitz; JS = log 2, KL = inf, TV = 1 jump at 0"
EPS = float(np.finfo(np.float64).eps)
LOG2 = math.log(2.0)

# theta: exactly 0, ordinary values, and values down to 1e-300 (W must see them all)
thetas = st.one_of(st.just(0.0), st.floats(-5.0, 5.0),
                   st.builds(lambda m, e, s: s * m * 10.0 ** -e, st.floats(1.0, 9.99),
                             st.integers(1, 300), st.sampled_from([-1.0, 1.0])))
seeds = st.integers(0, 2**32 - 1)


@given(theta=thetas, n=st.integers(1, 48), seed=seeds)
def test_wasserstein_is_abs_theta_when_the_z_samples_coincide(xp, theta, n, seed):
    # one seed draws the same z for both segments; every pair then costs at least
    # |theta| and pairing equal z costs exactly |theta|
    x0 = gancore.LineSegment(0.0).sample(n, seed=seed, xp=xp)
    xt = gancore.LineSegment(theta).sample(n, seed=seed, xp=xp)
    close(float(host(gancore.w1_empirical(x0, xt))), abs(theta), 4 * EPS * abs(theta),
          "W1 of the point clouds = |theta|")
    close(float(host(gancore.w1(x0[:, 0], xt[:, 0]))), abs(theta), 4 * EPS * abs(theta),
          "W1 of the first coordinates = |theta|")


@given(theta=thetas, n=st.integers(1, 48), seeds=st.tuples(seeds, seeds))
def test_wasserstein_is_bracketed_with_independent_samples(xp, theta, n, seeds):
    # |theta| <= W <= |theta| + W1(z samples): each pair costs >= |theta|, and pairing
    # by sorted z costs <= |theta| + |z - z'|
    x0 = gancore.LineSegment(0.0).sample(n, seed=seeds[0], xp=xp)
    xt = gancore.LineSegment(theta).sample(n, seed=seeds[1], xp=xp)
    w = float(host(gancore.w1_empirical(x0, xt)))
    wz = float(host(gancore.w1(x0[:, 1], xt[:, 1])))
    tol = 8 * EPS * (abs(theta) + wz)
    at_most(abs(theta), w, tol, "|theta| <= W")
    at_most(w, abs(theta) + wz, tol, "W <= |theta| + W1(z)")


@given(t1=thetas, t2=thetas, n=st.integers(1, 32), seed=seeds)
def test_wasserstein_is_1_lipschitz_in_theta(xp, t1, t2, n, seed):
    x0 = gancore.LineSegment(0.0).sample(n, seed=seed, xp=xp)
    w = [float(host(gancore.w1_empirical(x0, gancore.LineSegment(t).sample(
        n, seed=seed, xp=xp)))) for t in (t1, t2)]
    at_most(abs(w[0] - w[1]), abs(t1 - t2), 8 * EPS * (abs(t1) + abs(t2)),
            "|W(t1) - W(t2)| <= |t1 - t2|")


@given(theta=thetas, m=st.integers(1, 64))
def test_divergences_jump_at_zero(xp, theta, m):
    # discretise the plane: the columns x in {0, theta}, m cells of z; the densities are
    # with respect to counting measure in x times Lebesgue measure in z (cell width 1/m)
    columns = sorted({0.0, theta})
    z = (np.arange(m) + 0.5) / m
    points = np.array([[c, zz] for c in columns for zz in z])
    pts = xp.asarray(points, dtype=xp.float64)
    p0 = gancore.LineSegment(0.0).pdf(pts)
    pt = gancore.LineSegment(theta).pdf(pts)
    apart = theta != 0.0
    js = float(host(gancore.jsd(p0, pt, dx=1.0 / m)))
    close(js, LOG2 if apart else 0.0, 4 * m * EPS, "JS = log 2 (theta != 0), 0 (theta = 0)")
    for a, b in ((p0, pt), (pt, p0)):
        close(float(host(gancore.kl(a, b, dx=1.0 / m))), math.inf if apart else 0.0, 0.0,
              "KL = inf (theta != 0), 0 (theta = 0)")
    close(float(host(gancore.tv(p0, pt, dx=1.0 / m))), 1.0 if apart else 0.0, 4 * m * EPS,
          "TV = 1 (theta != 0), 0 (theta = 0)")
