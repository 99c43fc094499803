"""Closed forms for Gaussians (THEORY.md section 3) against quadrature and the core.

KL(N(m1, s1^2) || N(m2, s2^2)) = log(s2/s1) + (s1^2 + (m1 - m2)^2)/(2 s2^2) - 1/2;
W1 = |m1 - m2| when s1 = s2; W2 = sqrt((m1 - m2)^2 + (s1 - s2)^2); in general
W1 = int_0^1 |F1^-1(u) - F2^-1(u)| du = int |F1(t) - F2(t)| dt.
"""

import math

import numpy as np
from hypothesis import given
from scipy import integrate, special

import gancore

from . import strategies as gs
from ._record import close
from ._support import arr, host

THEOREM = "Gaussian closed forms"
STATEMENT = "KL, W1 (equal scales) and W2 of 1-D Gaussians match quadrature and the core"
EPS = float(np.finfo(np.float64).eps)


@given(a=gs.normals(), b=gs.normals())
def test_gaussian_kl_closed_form(xp, a, b):
    ref = integrate.quad(lambda t: math.exp(float(a.logpdf(np.array(t))))
                         * float(a.logpdf(np.array(t)) - b.logpdf(np.array(t))),
                         a.loc - 40 * a.scale, a.loc + 40 * a.scale, limit=400)[0]
    kl = gancore.kl_normal(a, b)
    # quad converges to ~1e-10 relative on this smooth integrand
    close(kl, ref, 1e-8 * (1 + kl), "closed form = quadrature")
    x, dx = gs.grid_for(a, b, points=8001)
    p, q = a.pdf(arr(xp, x)), b.pdf(arr(xp, x))
    grid = float(host(gancore.kl(p, q, dx=dx, normalize=True)))
    if float(host(xp.min(q))) > 0:
        # >= 10 points per scale: the Riemann sum of these smooth densities is near exact
        close(grid, kl, 1e-8 * (1 + kl), "closed form = gancore.kl on a grid")
    else:
        # far in p's tail q underflows to 0 in float64 (beyond 38 of its scales): for the
        # float measures given, KL is then truly infinite
        close(grid, math.inf, 0.0, "KL = inf where q underflows under p")


@given(m=gs.gaussian_params(), shift=gs.gaussian_params())
def test_w1_of_equal_scale_gaussians_is_the_mean_gap(xp, m, shift):
    a, b = gancore.Normal(m[0], m[1]), gancore.Normal(shift[0], m[1])
    gap = abs(a.loc - b.loc)
    # quantile samples at the midpoints of 4096 cells: their sorted pairing gives the
    # midpoint rule for int_0^1 |F1^-1 - F2^-1| du, a constant integrand here. The
    # second sample comes in reverse order: W1 sees samples as sets, not sequences.
    u = (np.arange(4096) + 0.5) / 4096
    w = float(host(gancore.w1(a.ppf(arr(xp, u)), b.ppf(arr(xp, u[::-1].copy())))))
    close(w, gap, 64 * EPS * (1 + gap + 5 * a.scale), "W1 = |m1 - m2|")
    x, dx = gs.grid_for(a, b, points=8001)
    X = arr(xp, x)
    area = float(host(xp.sum(xp.abs(a.cdf(X) - b.cdf(X))))) * dx
    # |F1 - F2| is smooth here (the CDFs never cross): the Riemann sum is near exact
    close(area, gap, 1e-8 * (1 + gap), "W1 = int |F1 - F2| dt")


@given(a=gs.normals(), b=gs.normals())
def test_w2_of_gaussians(xp, a, b):
    def squared_quantile_gaps(z):
        # (F1^-1 - F2^-1)^2 at u = Phi(z) <= 1/2 and at 1 - u (a normal's quantiles are
        # symmetric about its mean), times du/dz = phi(z). Over u in (0, 1) quad's
        # extrapolation towards the log singularities at the ends met the integrand's
        # double zero where the quantile functions cross near one (u = 7.8e-4 for scales
        # 1.0 and 2.4, a loc gap of 4.4) and settled 1.2e-5 off, with an error estimate
        # of 2.6e-8; in z the integrand is smooth, a Gaussian times a square
        u = special.ndtr(z)
        gap = float(gancore.Normal(a.loc, a.scale).ppf(np.array(u)) - b.ppf(np.array(u)))
        weight = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        return (gap ** 2 + (2.0 * (a.loc - b.loc) - gap) ** 2) * weight

    # (the integral below z = -37, where u nears the smallest normal float, is under 1e-290)
    ref = math.sqrt(integrate.quad(squared_quantile_gaps, -37.0, 0.0, limit=200)[0])
    want = math.hypot(a.loc - b.loc, a.scale - b.scale)
    close(want, ref, 1e-8 * (1 + want), "W2 = sqrt((m1-m2)^2 + (s1-s2)^2)")
    # and W1 <= W2 (Jensen), with W1 from the core on quantile samples
    u = arr(xp, (np.arange(4096) + 0.5) / 4096)
    w1 = float(host(gancore.w1(a.ppf(u), b.ppf(u))))
    close(min(w1, want), w1, 1e-9 * (1 + want), "W1 <= W2")
