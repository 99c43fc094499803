"""Rejection with D* (THEORY.md section 7): draws of the generator, kept with probability
min(1, exp(l - log M)) where l = log(p / q) is D*'s logit, are exact draws of p.

Draw x ~ q and keep it with probability a(x) = min(1, p(x) / (M q(x))). If p <= M q
everywhere, P(kept, x in A) = integral over A of q p / (M q) = P_p(A) / M: the kept
draws follow p and the rate is 1 / M. If not, P(kept, x in A) = integral over A of
min(p, M q) / M: the kept draws follow min(p, M q) / Z, Z = integral of min(p, M q),
and the rate is Z / M.

Each check is a test at a stated risk, so that a true theorem fails a run with
probability below 1e-5 over all examples and namespaces.
"""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

import gancore

from . import strategies as gs
from ._support import arr, binomial_count, host, ks_uniform, rosenblatt, scalar_density

THEOREM = "Rejection with D*"
STATEMENT = ("draws of q kept with probability min(1, exp(l - log M)), l = log(p/q) = "
             "logit D*, follow p exactly at rate 1/M when p <= M q; with M too small "
             "they follow min(p, M q) / Z at rate Z / M")

# Risk of each statistical check: with 40 examples of two properties on three
# namespaces, each making at most three checks, the suite's false-alarm risk is below
# 720 * 1e-8 = 7.2e-6.
RISK = 1e-8
# Draws of q per example: at least 3000 kept on average (the strategies keep M below
# 60, and 3000 M draws cost a few milliseconds to evaluate), so that a KS distance of
# 0.05 is detected at RISK.
KEPT = 3000


def _draws(xp, p, q, n, seed):
    """``n`` draws of q in namespace ``xp`` and their closed-form log-ratio log p - log q."""
    x = arr(xp, q.sample(n, seed=seed))
    return x, p.logpdf(x) - q.logpdf(x)


@given(pair=gs.targets_and_proposals(), seed=st.integers(0, 2**32 - 2))
def test_rejection_with_a_bound_on_the_ratio_draws_p_exactly_at_rate_one_over_m(
        xp, pair, seed):
    p, q, log_m = pair
    n = math.ceil(KEPT * math.exp(log_m))
    x, log_ratio = _draws(xp, p, q, n, seed)
    got = gancore.rejection_sample(x, log_ratio, log_m=log_m, exact=True, seed=seed + 1)
    kept = host(got.samples)
    # the count is Binomial(n, 1 / M): each draw is kept independently with the
    # probability integral of q p / (M q) = 1 / M
    binomial_count(kept.shape[0], n, math.exp(-log_m), RISK, "draws kept")
    # the kept draws follow p: their Rosenblatt transform under p is uniform
    ks_uniform(rosenblatt(p, kept), RISK, "kept draws against p")


@given(pair=gs.targets_and_proposals(dims=(1,)), shortfall=st.floats(0.3, 1.5),
       seed=st.integers(0, 2**32 - 2))
def test_rejection_with_m_too_small_draws_min_of_p_and_m_q(xp, pair, shortfall, seed):
    p, q, _ = pair
    # sup log(p / q) on a fine grid is at most the true supremum: log M below it by
    # shortfall makes p > M q on an interval, where the kept law is cut to M q
    lo = min(c.loc - 12 * c.scale for c in (*p.components, q))
    hi = max(c.loc + 12 * c.scale for c in (*p.components, q))
    grid = np.linspace(lo, hi, 200_001)
    log_m = float(np.max(p.logpdf(grid) - q.logpdf(grid))) - shortfall
    m = math.exp(log_m)
    cut = np.minimum(p.pdf(grid), m * q.pdf(grid))
    # Z by adaptive quadrature, told where p and M q cross; the distribution function
    # of min(p, M q) / Z by the trapezoid rule on the grid (spacing below 3e-4 of the
    # widest scale: error below 1e-7, against KS distances of 1e-2)
    crossings = grid[1:][np.diff(np.sign(p.pdf(grid) - m * q.pdf(grid))) != 0]
    fp, fq = scalar_density(p), scalar_density(q)
    z = integrate.quad(lambda t: min(fp(t), m * fq(t)), lo, hi, points=crossings[:50],
                       limit=500, epsabs=1e-12)[0]
    cdf = integrate.cumulative_trapezoid(cut, grid, initial=0.0) / z
    n = math.ceil(KEPT * m / z)
    x, log_ratio = _draws(xp, p, q, n, seed)
    got = gancore.rejection_sample(x, log_ratio, log_m=log_m, seed=seed + 1)
    kept = host(got.samples)
    binomial_count(kept.shape[0], n, z / m, RISK, "draws kept with M too small")
    ks_uniform(np.interp(kept, grid, cdf)[:, None], RISK, "kept draws against min(p, M q) / Z")
