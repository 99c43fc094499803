"""f-divergences and their variational bound (Nowozin, Cseke and Tomioka, 2016).

D_f(P || Q) = sum q f(p / q); for every critic T, D_f >= E_P[T] - E_Q[f*(T)] with
f*(t) = sup_u (u t - f(u)), and T* = f'(p / q) attains it. Each f of gancore's table
is checked: D_f against the sum computed in mpmath, f* against Fenchel-Young and a
numerical supremum, the bound for generated critics and its equality at T*, and the
GAN row as Theorem 1 (D_f = C(G)) and Proposition 1 (T* = log D*).
"""

import math

import mpmath
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host

THEOREM = "f-divergences (f-GAN)"
STATEMENT = ("D_f = sum q f(p/q) for 9 f, GAN's = C(G); conjugates by Fenchel-Young; "
             "E_P T - E_Q conj(T) <= D_f, equal at T = f'(p/q), for GAN log D_opt")
EPS = float(np.finfo(np.float64).eps)
NAMES = gancore.F_DIVERGENCES

# f on mpmath numbers, with its value at u = 0 and its slope at infinity (lim f(u)/u,
# the weight of a point where q = 0 < p), for the reference sums
_HALF_LOG2 = mpmath.log(2) / 2
F = {
    "total-variation": (lambda u: abs(u - 1) / 2, mpmath.mpf(1) / 2, mpmath.mpf(1) / 2),
    "kl": (lambda u: u * mpmath.log(u), 0, mpmath.inf),
    "reverse-kl": (lambda u: -mpmath.log(u), mpmath.inf, 0),
    "pearson": (lambda u: (u - 1) ** 2, 1, mpmath.inf),
    "neyman": (lambda u: (1 - u) ** 2 / u, mpmath.inf, 1),
    "hellinger": (lambda u: (mpmath.sqrt(u) - 1) ** 2, 1, 1),
    "jensen-shannon": (lambda u: (u * mpmath.log(u) - (u + 1) * mpmath.log((u + 1) / 2)) / 2,
                       _HALF_LOG2, _HALF_LOG2),
    "gan": (lambda u: u * mpmath.log(u) - (u + 1) * mpmath.log(u + 1), 0, 0),
    "triangular": (lambda u: (u - 1) ** 2 / (u + 1), 1, 1),
}


def _reference(p, q, name):
    """sum q f(p / q) over the exactly normalised float inputs, at 700 digits: the
    terms are of order 1 and the sum can be as small as the square of the smallest
    difference of masses (1e-308 squared), so the direct sum needs about 620 digits."""
    f, at_zero, slope = F[name]
    with mpmath.workdps(700):
        ps, qs = ([mpmath.mpf(v) / mpmath.fsum(map(mpmath.mpf, x)) for v in x] for x in (p, q))
        total = mpmath.mpf(0)
        for a, b in zip(ps, qs):
            if b == 0:
                total += a * slope if a else 0
            else:
                total += b * (at_zero if a == 0 else f(a / b))
        return float(total), float(mpmath.fsum(abs(a - b) for a, b in zip(ps, qs)) / 2)


# f''(1): near p = q every D_f is about f''(1) / 2 chi^2 (TV, with its kink, moves at
# first order: 1 here)
CURVATURE = {"total-variation": 1.0, "kl": 1.0, "reverse-kl": 1.0, "pearson": 2.0,
             "neyman": 2.0, "hellinger": 0.5, "jensen-shannon": 0.25, "gan": 0.5,
             "triangular": 1.0}


@given(pq=gs.distribution_pairs())
def test_f_divergence_is_the_sum_of_q_f_of_the_ratio(xp, pq):
    # every f on every generated pair (a sampled f could miss one f for a whole run)
    for name in NAMES:
        _check_sum(xp, *pq, name)


def _check_sum(xp, p, q, name):
    got = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f=name)))
    want, tv = _reference(p, q, name)
    # Each f sums at most 12 terms computed to a few ulps without cancellation: 64 * 12
    # eps relative (TV: of 1 absolutely, as it moves at first order with the totals;
    # GAN's terms are all of one sign, C(G)'s, so relative up to disjoint supports). The reference divides by the
    # exact totals of the inputs, gancore by their float sums, a relative 12 eps apart:
    # that shifts each normalised difference p - q by up to 12 eps of the masses, so
    # D_f (f''(1) / 2 chi^2 near p = q, first order in p - q) by up to about
    # 2 f''(1) * 12 eps * TV(p, q) (hypothesis found pairs a few ulps apart, where that
    # term is the whole of the error: KL(q || p) 2.353e-35 against 2.351e-35)
    tol = 64 * 12 * EPS * (abs(want) + 1.0 if name == "total-variation" else abs(want))
    close(got, want, tol + 4 * CURVATURE[name] * 12 * EPS * tv, f"D_{name} = sum q f(p/q)")


@given(pq=gs.distribution_pairs())
def test_gan_f_divergence_is_the_virtual_criterion(xp, pq):
    P, Q = arr(xp, pq[0]), arr(xp, pq[1])
    got = float(host(gancore.f_divergence(P, Q, f="gan")))
    # virtual_criterion evaluates V(D*, G) from the log-odds, another code path; both
    # within 16 * 12 eps * log 4 of exact (Theorem 1's tolerance)
    close(got, float(host(gancore.virtual_criterion(P, Q))), 2 * 16 * 12 * EPS * math.log(4),
          "D_GAN = C(G)")
    js = float(host(gancore.f_divergence(P, Q, f="jensen-shannon")))
    close(got, 2 * js - math.log(4), 2 * 16 * 12 * EPS * math.log(4), "D_GAN = 2 JSD - log 4")


@given(depth=st.floats(3.0, 300.0), rest=st.lists(st.floats(0.0, 1.0), max_size=6),
       share=st.floats(0.0, 1.0))
def test_gan_f_divergence_keeps_its_relative_precision_as_the_supports_part(
        xp, depth, rest, share):
    # D_GAN = 2 JSD - log 4 tends to 0 as the supports part: two points, each nearly all
    # of one measure's mass and 10^-depth of the other's, and points where one measure
    # alone has mass. Its terms are all of one sign (C(G)'s), so it stays within
    # 64 * 12 eps relative of the sum at 700 digits even where it is 1e-300; the
    # difference 2 JSD - log 4 keeps only an absolute 12 eps * log 4 there
    t = 10.0 ** -depth
    p = [1.0, t] + [share * x for x in rest] + [0.0] * len(rest)
    q = [t, 1.0] + [0.0] * len(rest) + [(1.0 - share) * x for x in rest]
    got = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f="gan", normalize=True)))
    want, _ = _reference(p, q, "gan")
    close(got, want, 64 * 12 * EPS * abs(want), "D_GAN near disjoint supports")


def _f_float(name, u):
    """f(u) rounded to float64 from 40 digits (u > 0; the GAN f cancels 3 digits)."""
    with mpmath.workdps(40):
        return float(F[name][0](mpmath.mpf(u)))


ratios = st.floats(1e-3, 1e3)  # u = p / q, where the conjugate's maximiser lies


@given(name=st.sampled_from(NAMES), u=ratios, v=ratios)
def test_fenchel_young_inequality_with_equality_at_the_derivative(xp, name, u, v):
    # t = f'(u) (the optimal critic at p / q = u) lies in dom f*; for every other v,
    # f*(t) >= v t - f(v); and f*(t) = u t - f(u). The values are at most ~1e3 and
    # each is computed to a few ulps: tolerance 64 eps times their size.
    t = host(gancore.optimal_critic(arr(xp, [u]), arr(xp, [1.0]), f=name))
    star = float(host(gancore.conjugate(name, arr(xp, t)))[0])
    t = float(t[0])
    size = abs(u * t) + abs(_f_float(name, u)) + abs(v * t) + abs(_f_float(name, v)) + 1.0
    at_most(v * t - _f_float(name, v), star, 64 * EPS * size, "f*(t) >= v t - f(v)")
    close(star, u * t - _f_float(name, u), 64 * EPS * size, "f*(f'(u)) = u f'(u) - f(u)")


@given(name=st.sampled_from(NAMES), u=st.floats(1e-2, 1e2))
def test_conjugate_is_the_numerical_supremum(xp, name, u):
    # at t = f'(u) the supremum of v t - f(v) is attained at v = u (f is strictly
    # convex there, except TV, whose supremum over the kink at v = 1 is f*(t) = t).
    # A bounded scalar search over [u / 100, 100 u] stops once its bracket is within
    # sqrt(eps) |v| + xatol / 3 of the maximiser (scipy's stopping rule), xatol = 1e-12 u.
    # Where f is smooth, that misses the value by about f''(u) (1.5e-8 u)^2, far below
    # the tolerance of 1e-9 (1 + |f*|). At TV's kink the objective is linear on either
    # side, with slopes 1/2 -+ t, so the search misses it by up to (1/2 + |t|) times
    # the bracket: twice sqrt(eps) |v| + xatol (hypothesis found 3.4e-9 at u = 1, t = 0).
    t = float(host(gancore.optimal_critic(arr(xp, [u]), arr(xp, [1.0]), f=name))[0])
    found = minimize_scalar(lambda v: _f_float(name, v) - v * t, bounds=(u / 100, 100 * u),
                            method="bounded", options={"xatol": 1e-12 * u})
    star = float(host(gancore.conjugate(name, arr(xp, t))))
    bracket = 2 * (math.sqrt(EPS) * found.x + 1e-12 * u)
    kink = (0.5 + abs(t)) * bracket if name == "total-variation" else 0.0
    close(star, -found.fun, 1e-9 * (1 + abs(star)) + kink, f"f*({t:.6g}) = numerical sup")


# the slope of f at 0 where it is finite, and f(0): below that slope the supremum of
# u t - f(u) over u >= 0 is at u = 0
AT_ZERO = {"pearson": (-2.0, 1.0), "total-variation": (-0.5, 0.5), "triangular": (-3.0, 1.0)}


@given(depth=st.floats(0.0, 1e6))
def test_conjugate_below_the_slope_at_zero_is_minus_f_of_zero(xp, depth):
    for name, (slope, f0) in AT_ZERO.items():
        t = slope - depth
        star = float(host(gancore.conjugate(name, arr(xp, t))))
        close(star, -f0, 0.0, f"f*({t!r}) = -f(0)")
        # and above it, f* exceeds -f(0) (the maximiser moves off u = 0)
        above = float(host(gancore.conjugate(name, arr(xp, slope + 0.25))))
        at_most(-f0 + 1e-3, above, 0.0, "f* above the slope at 0 > -f(0)")


@given(pq=gs.distribution_pairs(zeros=False, tiny=False), data=st.data())
def test_variational_bound_holds_for_every_critic_and_is_attained_at_t_star(xp, pq, data):
    # every f on every generated pair and critic (a sampled f could miss one f for a
    # whole run); another critic: T* moved by generated offsets (where that leaves
    # dom f*, f* is infinite and the bound -inf: the inequality holds trivially there)
    p, q = pq
    offsets = np.array(data.draw(st.lists(st.floats(-3.0, 3.0), min_size=len(p),
                                          max_size=len(p))))
    for name in NAMES:
        _check_bound(xp, p, q, offsets, name)


def _check_bound(xp, p, q, offsets, name):
    d_f = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f=name)))
    t_star = gancore.optimal_critic(arr(xp, p), arr(xp, q), f=name)
    attained = float(host(gancore.variational_bound(t_star, t_star, f=name,
                                                    data_weights=arr(xp, p),
                                                    gen_weights=arr(xp, q))))
    # E_P T* - E_Q f*(T*) sums 2 x 12 terms of size up to max(|T*|, |f*(T*)|) ~ the
    # largest ratio p / q (<= 1e3 here): 64 * 24 eps of that
    scale = 1.0 + float(np.max(p / q)) ** 2
    close(attained, d_f, 64 * 24 * EPS * scale, f"bound at T* = D_{name}")
    t = host(t_star) + offsets
    bound = float(host(gancore.variational_bound(arr(xp, t), arr(xp, t), f=name,
                                                 data_weights=arr(xp, p),
                                                 gen_weights=arr(xp, q))))
    at_most(bound, d_f, 64 * 24 * EPS * scale, f"E_P T - E_Q f*(T) <= D_{name}")


@given(pq=gs.distribution_pairs())
def test_gan_optimal_critic_is_log_optimal_discriminator(xp, pq):
    P, Q = arr(xp, pq[0]), arr(xp, pq[1])
    t = host(gancore.optimal_critic(P, Q, f="gan"))
    d = host(gancore.optimal_discriminator(P, Q))
    # log D* where D* does not round to 0 (T* = -inf exactly where p_data = 0); both
    # from the same ratio, so within a few ulps of |log D*| + 1
    with np.errstate(divide="ignore"):
        log_d = np.log(d)
    finite = np.isfinite(log_d)
    close(t, log_d, 8 * EPS * (np.max(np.abs(log_d[finite]), initial=0.0) + 1.0),
          "T*_GAN = log D*")


@given(samples=st.integers(200, 2000), seed=st.integers(0, 2**32 - 1),
       name=st.sampled_from(NAMES))
def test_sample_bound_is_an_unbiased_estimate_below_the_divergence(xp, samples, seed, name):
    # P = N(1, 1), Q = N(0, 1) on a grid of masses; draws from each, T* at the draws:
    # the sample bound is an unbiased estimate of D_f with standard error sd (the
    # terms' standard deviations, from the grid, over sqrt(n)). Some terms are heavy
    # tailed (Neyman's f*(T*) = 2 - 2 q / p, Pearson's T*^2 / 4 + T*), where 6 standard
    # errors of the normal approximation failed at n = 200; Chebyshev's inequality
    # holds for any finite variance: 100 standard errors, risk at most 1e-4
    x = np.linspace(-8.0, 9.0, 4001)
    p, q = np.exp(-(x - 1.0) ** 2 / 2), np.exp(-x**2 / 2)
    p, q = p / p.sum(), q / q.sum()
    rng = np.random.default_rng(seed)
    i, j = rng.choice(len(x), samples, p=p), rng.choice(len(x), samples, p=q)
    t_star = host(gancore.optimal_critic(arr(xp, p), arr(xp, q), f=name))
    estimate = float(host(gancore.variational_bound(arr(xp, t_star[i]), arr(xp, t_star[j]),
                                                    f=name)))
    d_f = float(host(gancore.f_divergence(arr(xp, p), arr(xp, q), f=name)))
    star = host(gancore.conjugate(name, arr(xp, t_star)))
    sd = math.sqrt(np.sum(p * (t_star - p @ t_star) ** 2) / samples
                   + np.sum(q * (star - q @ star) ** 2) / samples)
    close(estimate, d_f, 100 * sd, f"sample bound of D_{name}")
