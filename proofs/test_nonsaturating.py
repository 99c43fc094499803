"""The non-saturating generator loss does not saturate; the minimax one does.

With D = sigmoid(l) on a generated sample, the minimax generator minimises log(1 - D),
whose gradient in l is -sigmoid(l) -> 0 as D -> 0; the non-saturating one minimises
-log D, whose gradient is -(1 - sigmoid(l)) -> -1. In D: d/dD log(1 - D) = -1/(1 - D)
stays near -1 while d/dD (-log D) = -1/D grows without bound. The losses are evaluated
with gancore's minibatch value functions and differentiated by central differences.
"""

import math

from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit

import gancore

from ._record import at_most, close
from ._support import arr, host

THEOREM = "Non-saturating loss"
STATEMENT = "as D(G(z)) -> 0, grad log(1 - D) -> 0 while grad -log D does not"
INF = math.inf


def _minimax_loss(xp, logit):
    # V with a real logit of +inf (log D(x) = 0) leaves log(1 - D(G(z)))
    return float(host(gancore.minibatch_value_from_logits(arr(xp, [INF]), arr(xp, [logit]))))


def _nonsaturating_loss(xp, logit):
    # V with a fake logit of -inf (log(1 - D) = 0) leaves log D(G(z)); its negative
    return -float(host(gancore.minibatch_value_from_logits(arr(xp, [logit]), arr(xp, [-INF]))))


def _derivative(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


@given(logit=st.floats(-60.0, -3.0))
def test_gradients_in_the_logit(xp, logit):
    h = 1e-3
    g_mm = _derivative(lambda t: _minimax_loss(xp, t), logit, h)
    g_ns = _derivative(lambda t: _nonsaturating_loss(xp, t), logit, h)
    # central differences: truncation h^2/6 relative; rounding eps * |loss| / h
    close(g_mm, -expit(logit), 1e-6 * expit(logit), "d/dl log(1 - D) = -sigmoid(l)")
    close(g_ns, -expit(-logit), 1e-6 + 1e-12 * abs(logit) / h, "d/dl -log D = -(1 - sigmoid(l))")
    at_most(abs(g_mm), math.exp(logit), 1e-6 * math.exp(logit), "|minimax gradient| <= e^l -> 0")
    at_most(1.0 - math.exp(logit), abs(g_ns), 1e-6, "|non-saturating gradient| >= 1 - e^l")


@given(d=st.floats(1e-10, 1e-2))
def test_gradients_in_d(xp, d):
    h = d * 1e-4

    def minimax(t):
        return float(host(gancore.minibatch_value(arr(xp, [1.0]), arr(xp, [t]))))

    def nonsaturating(t):
        return -float(host(gancore.minibatch_value(arr(xp, [t]), arr(xp, [0.0]))))

    g_mm, g_ns = _derivative(minimax, d, h), _derivative(nonsaturating, d, h)
    # truncation (h/d)^2 / 3 ~ 3e-9 relative; rounding eps * |log d| * d / h ~ 1e-10
    close(g_mm, -1.0 / (1.0 - d), 1e-7, "d/dD log(1 - D) = -1/(1 - D), about -1")
    close(g_ns, -1.0 / d, 1e-7 / d, "d/dD -log D = -1/D")
    # their ratio (1 - D)/D grows without bound as D -> 0
    close(g_ns / g_mm, (1.0 - d) / d, 1e-6 * (1.0 - d) / d, "ratio of gradients = (1 - D)/D")
