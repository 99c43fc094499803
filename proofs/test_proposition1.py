"""Proposition 1: for fixed G, D* = p_data / (p_data + p_g) maximises V(D, G).

Pointwise: for a, b >= 0 with a + b > 0, f(y) = a log y + b log(1 - y) has its unique
maximum on [0, 1] at y* = a / (a + b). Since f''(y) = -a/y^2 - b/(1-y)^2 <= -(a + b),
f is strongly concave: f(y*) - f(y) >= (a + b)/2 (y - y*)^2, which states both the
maximum and its uniqueness as one inequality that can fail.
"""

import math

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
    return (-a * math.log1p(b / a) if a else 0.0), (-b * math.log1p(a / b) if b else 0.0)


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
    y = arr(xp, [y1, y2, t * y1 + (1 - t) * y2])
    f = host(a * xp.log(y) + b * xp.log1p(-y))
    gap = 0.5 * (a + b) * t * (1 - t) * (y1 - y2) ** 2
    tol = 8 * EPS * float(np.sum(np.abs(a * np.log(host(y))) + np.abs(b * np.log1p(-host(y))))
                          ) + FLOOR
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
