"""The least-squares GAN (Mao et al. 2017): D* = (b p + a q) / (p + q) minimises the
discriminator's loss pointwise, and at D* the generator's loss is an affine function of
the triangular discrimination, C(G) = (a + b - 2c)^2 / 4 + (b - a)^2 / 8 Delta: half of
Delta under Mao et al.'s conditions (b - c = 1, b - a = 2), not under the 0-1 coding.

Pointwise the discriminator's loss L(y) = p (y - b)^2 / 2 + q (y - a)^2 / 2 is a
quadratic with curvature p + q, so L(y) - L(y*) = (p + q) (y - y*)^2 / 2 exactly: the
minimum and its uniqueness as one identity that can fail.
"""


import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.stats import norm

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host

THEOREM = "Least-squares GAN"
STATEMENT = ("D* = (b p + a q)/(p + q) minimises the LSGAN loss pointwise; C(G) = "
             "(a+b-2c)^2/4 + (b-a)^2/8 Delta, = Delta/2 at (-1, 1, 0), not at 0-1")
EPS = float(np.finfo(np.float64).eps)
codes = st.floats(-5.0, 5.0)


def _loss(p, q, a, b, y):
    """The discriminator's pointwise loss p (y - b)^2 / 2 + q (y - a)^2 / 2."""
    return 0.5 * p * (y - b) ** 2 + 0.5 * q * (y - a) ** 2


@given(p=st.floats(0.0, 100.0), q=st.floats(0.0, 100.0), a=codes, b=codes,
       y=st.floats(-10.0, 10.0))
def test_optimal_discriminator_minimises_the_loss_pointwise(xp, p, q, a, b, y):
    assume(p + q > 0 and abs(a - b) > 1e-3)
    y_star = float(host(gancore.least_squares_optimal_discriminator(
        arr(xp, p), arr(xp, q), a=a, b=b)))
    # the reference in exact rational arithmetic (masses may be subnormal: b p rounds)
    want = float((Fraction(b) * Fraction(p) + Fraction(a) * Fraction(q))
                 / (Fraction(p) + Fraction(q)))
    close(y_star, want, 8 * EPS * (abs(a) + abs(b)), "D* = (bp+aq)/(p+q)")
    # the loss is a quadratic of curvature p + q: the gap is exactly (p + q)(y - y*)^2 / 2
    # at the exact D*; each term is computed to a few ulps of its size (at most
    # 100 * 15^2), and the computed D* is off by at most delta (the check above), which
    # moves the two sides apart by at most (p + q)(|y - y*| delta + delta^2)
    gap = _loss(p, q, a, b, y) - _loss(p, q, a, b, y_star)
    size = _loss(p, q, a, b, y) + _loss(p, q, a, b, y_star) + (p + q) * (y - y_star) ** 2
    delta = 8 * EPS * (abs(a) + abs(b))
    close(gap, 0.5 * (p + q) * (y - y_star) ** 2,
          16 * EPS * size + (p + q) * (abs(y - y_star) * delta + delta**2) + 1e-300,
          "L(y) - L(D*) = (p+q)(y-D*)^2/2")


def _reference(p, q, a, b, c):
    """C(G) = sum (p + q)(D* - c)^2 / 2 with D* = (b p + a q) / (p + q), and
    Delta = sum (p - q)^2 / (p + q), over the exactly normalised inputs at 60 digits."""
    with mpmath.workdps(60):
        ps, qs = ([mpmath.mpf(v) / mpmath.fsum(map(mpmath.mpf, x)) for v in x] for x in (p, q))
        a, b, c = map(mpmath.mpf, (a, b, c))
        pairs = [(x, y) for x, y in zip(ps, qs) if x + y > 0]
        criterion = mpmath.fsum((x + y) * ((b * x + a * y) / (x + y) - c) ** 2
                                for x, y in pairs) / 2
        delta = mpmath.fsum((x - y) ** 2 / (x + y) for x, y in pairs)
        return float(criterion), float(delta)


@given(pq=gs.distribution_pairs(), a=codes, b=codes, c=codes)
def test_virtual_criterion_is_affine_in_the_triangular_discrimination(xp, pq, a, b, c):
    assume(abs(a - b) > 1e-3)
    p, q = pq
    got = float(host(gancore.least_squares_criterion(arr(xp, p), arr(xp, q), a=a, b=b, c=c)))
    want, delta = _reference(p, q, a, b, c)
    # Delta to the f-divergence proof's accuracy (64 * 12 eps relative, plus the shift of
    # the normalised differences, 4 * 12 eps TV <= 48 eps); the constant and the scale
    # to a few ulps each: 64 eps of the sum of the terms' sizes
    scale = (b - a) ** 2 / 8
    offset = (a + b - 2 * c) ** 2 / 4
    close(got, want, 64 * EPS * (offset + scale * delta) + scale * (64 * 12 + 48) * EPS
          * max(delta, 1.0), "C(G) = (a+b-2c)^2/4 + (b-a)^2/8 Delta")


@given(pq=gs.distribution_pairs())
def test_mao_coding_gives_half_the_triangular_discrimination(xp, pq):
    # a = -1, b = 1, c = 0 (b - c = 1, b - a = 2): C(G) = Delta / 2, with Delta the
    # f-divergence of f(u) = (u - 1)^2 / (u + 1)
    p, q = pq
    got = float(host(gancore.least_squares_criterion(arr(xp, p), arr(xp, q))))
    delta = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f="triangular")))
    want, reference = _reference(p, q, -1.0, 1.0, 0.0)
    close(reference, 2 * want, 1e-15 * max(reference, 1e-300), "Delta = 2 C(G) (60 digits)")
    # as the f-divergence proof allows: 64 * 12 eps relative, and the shift of the
    # normalised differences by the float totals, first order in TV (f''(1) = 1 here):
    # 4 * 12 eps TV (thorough found pairs a few ulps apart, Delta 1.5e-33, where that
    # term is the whole of the error)
    tv = 0.5 * float(np.sum(np.abs(np.asarray(p) / math.fsum(p) - np.asarray(q) / math.fsum(q))))
    tol = 64 * 12 * EPS * reference + 4 * 12 * EPS * tv + 1e-300
    close(got, want, tol, "C(G) = Delta / 2")
    close(delta, reference, 2 * tol, "f-divergence 'triangular' = Delta")


@given(pq=gs.distribution_pairs())
def test_the_zero_one_coding_does_not_give_the_identity(xp, pq):
    # a = 0, b = c = 1 (b - c = 0): C(G) = 1/4 + Delta / 8, which is Delta / 2 only where
    # Delta = 2/3; at p = q it is 1/4, not 0. Both of its terms are checked against the
    # definition, and its distance from Delta / 2 is |1/4 - 3 Delta / 8|
    p, q = pq
    got = float(host(gancore.least_squares_criterion(arr(xp, p), arr(xp, q),
                                                     a=0.0, b=1.0, c=1.0)))
    want, delta = _reference(p, q, 0.0, 1.0, 1.0)
    close(want, 0.25 + delta / 8, 1e-15, "C_01(G) = 1/4 + Delta/8 (60 digits)")
    close(got, want, 64 * EPS + (64 * 12 + 48) * EPS * delta, "C_01(G) = 1/4 + Delta/8")
    assume(abs(0.25 - 3 * delta / 8) > 1e-6)
    at_most(1e-6, abs(got - delta / 2), 0.0, "C_01(G) differs from Delta / 2")


@given(theta=st.floats(-4.0, 4.0), sigma=st.floats(0.5, 2.0))
def test_criterion_of_two_normals_matches_quadrature(xp, theta, sigma):
    # N(0, 1) against N(theta, sigma^2): Delta / 2 by 20-digit mpmath quadrature of its
    # integrand (split at the two means) against gancore on a grid of 4001 points over 12
    # standard deviations of both (a Riemann sum of a smooth integrand that decays like
    # a Gaussian: its error is below 1e-10 here). SciPy's quad settled 1.9e-9 off at
    # theta = sigma = 0.517 and, given the means as break points, 1.8e-9 off at 0.689,
    # where mpmath and gancore agree to 1e-17
    p, q = norm(0.0, 1.0), norm(theta, sigma)
    lo, hi = min(-8.0, theta - 8 * sigma), max(8.0, theta + 8 * sigma)

    def integrand(x):
        fp, fq = mpmath.npdf(x, 0.0, 1.0), mpmath.npdf(x, theta, sigma)
        return (fp - fq) ** 2 / (2 * (fp + fq))

    with mpmath.workdps(20):
        want = float(mpmath.quad(integrand, sorted({lo, 0.0, theta, hi})))
    x = np.linspace(lo, hi, 4001)
    got = float(host(gancore.least_squares_criterion(arr(xp, p.pdf(x)), arr(xp, q.pdf(x)),
                                                     dx=float(x[1] - x[0]))))
    close(got, want, 1e-9, "C(G) on a grid = quad of (p - q)^2 / (2 (p + q))")
