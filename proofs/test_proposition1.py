"""Proposition 1: for fixed G, D* = p_data / (p_data + p_g) maximises V(D, G).

Pointwise: for a, b >= 0 with a + b > 0, f(y) = a log y + b log(1 - y) has its unique
maximum on [0, 1] at y* = a / (a + b). Since f''(y) = -a/y^2 - b/(1-y)^2 <= -(a + b),
f is strongly concave: f(y*) - f(y) >= (a + b)/2 (y - y*)^2, which states both the
maximum and its uniqueness as one inequality that can fail.
"""

import math

import mpmath
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import expit

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host

THEOREM = "Proposition 1"
STATEMENT = "D* = p_data/(p_data+p_g) maximises V(D, G); V(D*) - V(D) >= sum (p+q)(D-D*)^2/2"
EPS = float(np.finfo(np.float64).eps)
# Subnormal masses (hypothesis draws them) carry fewer than 53 bits: products with them
# are exact only to the subnormal spacing 2**-1074, so tolerances get that floor too.
FLOOR = 16 * 2.0 ** -1074


def _f(a, b, y):
    """(a log y, b log(1 - y)) on the host, with 0 log 0 = 0."""
    return (a * math.log(y) if a else 0.0), (b * math.log1p(-y) if b else 0.0)


def _f_star(a, b):
    """The two terms of f(a/(a+b)), from the masses: D* itself rounds to 1 when
    b/a < 1e-16, but log D* = -log1p(b/a) and log(1 - D*) = -log1p(a/b) do not."""
    return (-_x_log1p_ratio(a, b) if a else 0.0), (-_x_log1p_ratio(b, a) if b else 0.0)


def _x_log1p_ratio(x, y):
    """``x log1p(y / x)`` for x, y > 0, finite where ``y / x`` overflows (a subnormal x
    against a normal y): then ``log1p(y / x) = log y - log x + log1p(x / y)``, a sum of
    positive terms."""
    ratio = y / x
    if ratio < math.inf:
        return x * math.log1p(ratio)
    return x * (math.log(y) - math.log(x) + math.log1p(x / y))


@given(a=st.floats(0.0, 100.0), b=st.floats(0.0, 100.0),
       y=st.floats(0.0, 1.0, exclude_min=True, exclude_max=True))
def test_pointwise_maximum_at_a_over_a_plus_b(xp, a, b, y):
    assume(a + b > 0)
    y_star = float(host(gancore.optimal_discriminator(arr(xp, a), arr(xp, b))))
    close(y_star, a / (a + b), 2 * EPS * y_star, "D* = a/(a+b)")
    f_y, f_max = _f(a, b, y), _f_star(a, b)
    # each term carries a few eps of relative error; 8 eps of their total covers both
    tol = 8 * EPS * (sum(map(abs, f_y)) + sum(map(abs, f_max))) + FLOOR
    at_most(sum(f_y) + 0.5 * (a + b) * (y - y_star) ** 2, sum(f_max), tol,
            "f(y) + (a+b)(y-y*)^2/2 <= f(y*)")


@given(a=st.floats(1e-3, 100.0), b=st.floats(1e-3, 100.0))
def test_derivative_vanishes_at_the_maximum(xp, a, b):
    y_star = float(host(gancore.optimal_discriminator(arr(xp, a), arr(xp, b))))
    # 1 - y* computed from the swapped masses keeps its relative precision near y* = 1
    one_minus = float(host(gancore.optimal_discriminator(arr(xp, b), arr(xp, a))))
    close(y_star + one_minus, 1.0, 2 * EPS, "D*(a, b) + D*(b, a) = 1")
    # a/y* and b/(1-y*) both equal a + b to within 2 eps relative
    close(a / y_star - b / one_minus, 0.0, 8 * EPS * (a + b), "f'(y*) = 0")


@given(a=st.floats(0.0, 100.0), b=st.floats(0.0, 100.0),
       y1=st.floats(1e-9, 1 - 1e-9), y2=st.floats(1e-9, 1 - 1e-9), t=st.floats(0.0, 1.0))
def test_f_is_strongly_concave(xp, a, b, y1, y2, t):
    assume(a + b > 0)
    y3 = t * y1 + (1 - t) * y2
    y = arr(xp, [y1, y2, y3])
    f = host(a * xp.log(y) + b * xp.log1p(-y))
    gap = 0.5 * (a + b) * t * (1 - t) * (y1 - y2) ** 2
    # each f value carries a few eps of its terms' size; and the evaluation point y3 is
    # the rounded t y1 + (1 - t) y2 (1 - t, two products and a sum: within
    # 2 eps (t y1 + (1 - t) y2) of the exact point), which f moves by its slope
    # |f'| <= a/y + b/(1 - y) times that: the condition number 1/(1 - y) of log1p(-y)
    # makes this the larger part near y = 1 (1e-11 at y = 0.99999).
    evaluation = 2 * EPS * (t * y1 + (1 - t) * y2)
    slope = a / y3 + b / (1 - y3)
    tol = 8 * EPS * float(np.sum(np.abs(a * np.log(host(y))) + np.abs(b * np.log1p(-host(y))))
                          ) + 2 * slope * evaluation + FLOOR
    at_most(t * f[0] + (1 - t) * f[1] + gap, f[2], tol, "f(ty1 + (1-t)y2) >= chord + gap")


@given(pq=gs.distribution_pairs(), data=st.data())
def test_optimal_discriminator_maximises_value(xp, pq, data):
    p, q = pq
    d = data.draw(gs.discriminator_outputs(p.size))
    P, Q = arr(xp, p), arr(xp, q)
    logits = gancore.optimal_discriminator_logits(P, Q)
    d_star = host(gancore.optimal_discriminator(P, Q))
    # D* as a probability is sigmoid of its log-odds (the logistic rounds to 1 ulp)
    close(expit(host(logits)), d_star, 2 * EPS, "D* = sigmoid(log(p_data/p_g))")
    v_star = float(host(gancore.value_from_logits(logits, P, Q)))
    v_d = float(host(gancore.value(arr(xp, d), P, Q)))
    close(v_star, float(host(gancore.virtual_criterion(P, Q))), 4 * EPS * (1 + abs(v_star)),
          "V(D*, G) = C(G)")
    margin = 0.5 * float(np.sum((p + q) * (d - d_star) ** 2))
    # every term of V is <= 0, so |V| bounds the sum of |terms|; n <= 12 terms of a few
    # eps each
    tol = 32 * EPS * (abs(v_star) + (abs(v_d) if math.isfinite(v_d) else 0.0) + margin)
    at_most(v_d + margin, v_star, tol, "V(D) + sum (p+q)(D-D*)^2/2 <= V(D*)")


def _mp_sum_of_terms(coefficients, logs):
    """(sum c log, sum |c log|) at 60 digits with 0 log 0 = 0: the exact value of a sum
    of terms from float inputs, and the size that its rounding error scales with."""
    total = size = mpmath.mpf(0)
    for c, log in zip(coefficients, logs):
        if c == 0:
            continue
        term = c * log
        total += term
        size += abs(term)
    return total, size


def _mp_masses(p):
    """A float mass vector normalised exactly (as gancore divides by its total)."""
    mp = [mpmath.mpf(float(x)) for x in p]
    total = mpmath.fsum(mp)
    return [x / total for x in mp]


# D on data and on fakes at the finite float edges: the smallest subnormal and 1e-300
# (log D = -744 and -691), 1 - 2**-53 (log(1 - D) = -36.7); and log-odds out to +-745
EDGE_D = (np.array([gs.SMALLEST_SUBNORMAL, 1e-300, 0.5]),
          np.array([1.0 - 2.0**-53, 1e-300, 0.5]))
EDGE_LOGITS = (np.array([-745.0, -700.0, 0.0]), np.array([745.0, 700.0, 0.0]))


def _mp_log(x):
    return -mpmath.inf if x == 0 else mpmath.log(x)


def _mp_log1m(x):
    """log(1 - x) of a float x in [0, 1], exact to the working digits: ``log1p(-x)``, as
    ``1 - x`` at 60 digits loses the digits of an x below 1e-44 (a D of sigmoid(-109)
    came out 8e-15 off)."""
    return -mpmath.inf if x == 1 else mpmath.log1p(-mpmath.mpf(x))


def _mp_softplus(l):
    """log(1 + exp(l)) at 60 digits, for a float l (+-inf included)."""
    if l == math.inf:
        return mpmath.inf
    return mpmath.mpf(0) if l == -math.inf else mpmath.log1p(mpmath.exp(mpmath.mpf(l)))


def _close_to_mp(got, want, size, n, what):
    """``got`` (a float) against an mpmath value: each of the n terms carries a few eps
    of relative error (a log, a product, the division by the computed total, whose own
    rounding is n eps) and the sum adds n eps of their total size, so (2n + 8) eps times
    the sum of |terms| bounds the error; the floor covers products that land among the
    subnormals (2**-1074 each)."""
    tol = (2 * n + 8) * EPS * float(size) + FLOOR * n
    close(got, float(want), tol, what)


@given(pq=gs.distribution_pairs(), data=st.data())
def test_value_matches_mpmath_at_the_float_extremes(xp, pq, data):
    """V(D) and V from log-odds against 60-digit references, for D within ulps of 0 and
    1, log-odds out to +-745 and +-inf, and masses down to the smallest normal float;
    D* and its log-odds pointwise. A clamp of D or of the log-odds anywhere in these
    functions changes a term by far more than the rounding."""
    mpmath.mp.dps = 60
    p, q = pq
    n = p.size
    d = data.draw(gs.discriminator_outputs(n))
    logits = data.draw(gs.discriminator_logits(n))
    mp_p, mp_q = _mp_masses(p), _mp_masses(q)
    P, Q = arr(xp, p), arr(xp, q)
    # V(D): -inf exactly where D = 0 meets p_data > 0 or D = 1 meets p_g > 0
    want, size = _mp_sum_of_terms(mp_p + mp_q, [_mp_log(mpmath.mpf(x)) for x in d]
                                  + [_mp_log1m(x) for x in d])
    _close_to_mp(float(host(gancore.value(arr(xp, d), P, Q))), want, size, n, "V(D) = mpmath")
    # V from log-odds: log D = -softplus(-l), log(1 - D) = -softplus(l)
    want, size = _mp_sum_of_terms(mp_p + mp_q, [-_mp_softplus(-x) for x in logits]
                                  + [-_mp_softplus(x) for x in logits])
    _close_to_mp(float(host(gancore.value_from_logits(arr(xp, logits), P, Q))), want, size,
                 n, "V(sigmoid(l)) = mpmath")
    # minibatch estimates: the mean of log D over data points, of log(1 - D) over fakes
    # on the drawn values, and on fixed finite edge values whatever was drawn (so that a
    # clamp is caught in every example, not only when the draw reaches the edges)
    for real, fake in ((d, d[::-1].copy()), EDGE_D):
        k = mpmath.mpf(len(real))
        want, size = _mp_sum_of_terms([1 / k] * 2 * len(real),
                                      [_mp_log(mpmath.mpf(x)) for x in real]
                                      + [_mp_log1m(x) for x in fake])
        _close_to_mp(float(host(gancore.minibatch_value(arr(xp, real), arr(xp, fake)))),
                     want, size, 2 * len(real), "minibatch V(D) = mpmath")
    for real, fake in ((logits, logits[::-1].copy()), EDGE_LOGITS):
        k = mpmath.mpf(len(real))
        want, size = _mp_sum_of_terms([1 / k] * 2 * len(real),
                                      [-_mp_softplus(-x) for x in real]
                                      + [-_mp_softplus(x) for x in fake])
        _close_to_mp(float(host(gancore.minibatch_value_from_logits(
            arr(xp, real), arr(xp, fake)))), want, size, 2 * len(real),
            "minibatch V(sigmoid(l)) = mpmath")
    # D* = a / (a + b) and its log-odds log(a / b), pointwise, for masses a, b >= 0
    a, b = p, q
    d_star = host(gancore.optimal_discriminator(P, Q))
    logit_star = host(gancore.optimal_discriminator_logits(P, Q))
    for i in range(n):
        ai, bi = mpmath.mpf(float(a[i])), mpmath.mpf(float(b[i]))
        if ai + bi == 0:
            continue
        ratio = ai / (ai + bi)
        # one division and one addition: 2 eps relative, above the subnormal floor
        close(d_star[i], float(ratio), 2 * EPS * float(ratio) + FLOOR, "D* = a/(a+b)")
        if ai > 0 and bi > 0:
            # log(a/b) from the rounded ratio (eps absolute), or as log a - log b (eps
            # relative to each log)
            tol = 2 * EPS * (abs(math.log(a[i])) + abs(math.log(b[i])) + 1)
            close(logit_star[i], float(mpmath.log(ai / bi)), tol, "logit D* = log(a/b)")
        else:
            close(logit_star[i], math.inf if ai > 0 else -math.inf, 0.0,
                  "logit D* = +-inf off the other support")
