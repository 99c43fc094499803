"""The hinge GAN (Lim and Ye 2017; Miyato et al. 2018): the critic's loss
p max(0, 1 - t) + q max(0, 1 + t) is smallest at t = sign(p - q), where it is 2 min(p, q),
so over all critics its minimum is 2 (1 - TV).

The pointwise loss is piecewise linear, and its excess over the minimum is at least
min(|p - q|, p, q) |t - t*|: the minimum and its uniqueness (where p, q and p - q are
not 0) as one inequality that can fail.
"""

import math

import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host, scalar_density

THEOREM = "Hinge GAN"
STATEMENT = ("t* = sign(p - q) minimises p max(0, 1 - t) + q max(0, 1 + t), at 2 min(p, q); "
             "the critic's minimal loss is 2 (1 - TV)")
EPS = float(np.finfo(np.float64).eps)


def _loss(p, q, t):
    """The critic's pointwise loss p max(0, 1 - t) + q max(0, 1 + t)."""
    return p * max(0.0, 1.0 - t) + q * max(0.0, 1.0 + t)


@given(p=st.floats(0.0, 100.0), q=st.floats(0.0, 100.0), t=st.floats(-5.0, 5.0))
def test_sign_of_p_minus_q_minimises_the_hinge_loss_pointwise(xp, p, q, t):
    t_star = float(host(gancore.hinge_optimal_critic(arr(xp, p), arr(xp, q))))
    close(_loss(p, q, t_star), 2 * min(p, q), 4 * EPS * (p + q), "L(t*) = 2 min(p, q)")
    # each loss is a sum of two products, a few ulps of its size
    tol = 8 * EPS * (_loss(p, q, t) + _loss(p, q, t_star)) + 1e-300
    at_most(_loss(p, q, t_star) + min(abs(p - q), p, q) * abs(t - t_star), _loss(p, q, t),
            tol, "L(t*) + min(|p-q|, p, q)|t - t*| <= L(t)")


def _reference(p, q):
    """sum 2 min(p, q) and TV over the exactly normalised inputs at 60 digits."""
    with mpmath.workdps(60):
        ps, qs = ([mpmath.mpf(v) / mpmath.fsum(map(mpmath.mpf, x)) for v in x] for x in (p, q))
        return (float(mpmath.fsum(2 * min(a, b) for a, b in zip(ps, qs))),
                float(mpmath.fsum(abs(a - b) for a, b in zip(ps, qs)) / 2))


@given(pq=gs.distribution_pairs())
def test_critic_minimum_is_twice_one_minus_total_variation(xp, pq):
    p, q = pq
    got = float(host(gancore.hinge_critic_minimum(arr(xp, p), arr(xp, q))))
    want, tv = _reference(p, q)
    close(want, 2 * (1 - tv), 1e-15, "sum 2 min(p, q) = 2 (1 - TV) (60 digits)")
    # twice the overlap sum(min(p/P, q/Q)), non-negative terms: the rounding of P/Q, of
    # the pairwise sum and of the totals (n <= 12) is a few ulps relative to the minimum
    close(got, want, 16 * EPS * want, "hinge minimum = 2 (1 - TV), to its relative digits")
    # and the loss at the optimal critic, summed in full precision, is that minimum
    t_star = host(gancore.hinge_optimal_critic(arr(xp, p), arr(xp, q)))
    total_p, total_q = math.fsum(p), math.fsum(q)
    at_t_star = math.fsum(_loss(a / total_p, b / total_q, t) for a, b, t in zip(p, q, t_star))
    close(at_t_star, want, 64 * EPS, "sum of L(t*) = the minimum")


@given(theta=st.floats(-4.0, 4.0))
def test_critic_minimum_of_two_normals_matches_quadrature(xp, theta):
    # N(0, 1) against N(theta, 1): TV = 2 Phi(|theta| / 2) - 1 in closed form, and
    # 2 min(p, q) integrated by quad (split at the crossing theta / 2); gancore on a grid
    # of 4001 points over 16 standard deviations: a Riemann sum of a smooth integrand
    # (error below 1e-10) with one kink, whose cell is off by at most J dx^2 / 8, J the
    # jump of its slope, 2 |theta| phi(theta / 2); a quarter for margin
    p, q = norm(0.0, 1.0), norm(theta, 1.0)
    lo, hi = min(-8.0, theta - 8.0), max(8.0, theta + 8.0)
    fp, fq = scalar_density(gancore.Normal(0.0, 1.0)), scalar_density(gancore.Normal(theta, 1.0))
    quad = sum(integrate.quad(lambda x: 2 * min(fp(x), fq(x)), a, b, epsabs=1e-13)[0]
               for a, b in ((lo, theta / 2), (theta / 2, hi)))
    closed = 2 * (1 - (2 * norm.cdf(abs(theta) / 2) - 1))
    close(quad, closed, 1e-10, "quad of 2 min(p, q) = 2 (1 - TV)")
    x = np.linspace(lo, hi, 4001)
    got = float(host(gancore.hinge_critic_minimum(arr(xp, p.pdf(x)), arr(xp, q.pdf(x)),
                                                  dx=float(x[1] - x[0]))))

    dx = float(x[1] - x[0])
    kink = 2 * abs(theta) * norm.pdf(theta / 2) * dx**2 / 4
    close(got, closed, kink + 1e-10, "hinge minimum on a grid = 2 (1 - TV)")
