"""Proposition 2: with D = D* at every step, improving p_g drives it to p_data.

On a discrete support, C(p_g) = sum p_d log(p_d/(p_d+p_g)) + p_g log(p_g/(p_d+p_g)) is
convex in p_g with gradient log(1 - D*) (the envelope theorem: the gradient of V at the
optimal D) and diagonal Hessian p_d / (p_g (p_d + p_g)) = D* / p_g. Projected gradient
descent on the simplex, with half the inverse of the largest current curvature as step,
decreases C monotonically to -log 4 and p_g converges to p_data.
"""

import math

import numpy as np
from hypothesis import given

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host

THEOREM = "Proposition 2"
STATEMENT = "gradient steps on p_g with D = D* decrease C(G) monotonically to -log 4"
EPS = float(np.finfo(np.float64).eps)
LOG4 = math.log(4.0)
MAX_STEPS = 3000


def _project_to_simplex(v, *, xp):
    """Euclidean projection onto {p >= 0, sum p = 1} (sort, then threshold)."""
    u = xp.flip(xp.sort(v))
    cumulative = xp.cumulative_sum(u) - 1.0
    ranks = xp.arange(1, v.shape[0] + 1, dtype=v.dtype)
    rho = int(xp.sum(xp.astype(u - cumulative / ranks > 0, xp.int64))) - 1
    tau = cumulative[rho] / (rho + 1)
    return xp.maximum(v - tau, 0.0)


@given(p_data=gs.probability_vectors(min_size=2, max_size=8, tiny=False, floor=0.1),
       p_start=gs.probability_vectors(min_size=8, max_size=8, zeros=False, tiny=False,
                                      floor=0.1),
       )
def test_gradient_steps_with_optimal_d_reach_p_data(xp, p_data, p_start):
    # p_data: zeros allowed, positive masses >= 0.1 / 8 before normalisation, so the
    # curvature 1/(2 p_data) at the optimum is bounded; p_g starts with full support
    # (at p_g = 0 < p_data the gradient log(1 - D*) is -inf).
    n = p_data.size
    start = p_start[:n] / p_start[:n].sum()
    P = arr(xp, p_data)
    g = arr(xp, start)
    history = [float(host(gancore.virtual_criterion(P, g)))]
    for _ in range(MAX_STEPS):
        d_star = gancore.optimal_discriminator(P, g)
        # step 1 / (2 L), L = max D*/p_g over p_data > 0: the largest eigenvalue of the
        # Hessian here (it is 0 where p_data = 0, whatever D* is there)
        positive = P > 0
        step = 0.5 * float(xp.min(xp.where(positive, g / xp.where(positive, d_star, 1.0),
                                           math.inf)))
        # where p_data = 0, D* = 0 for every p_g > 0, so the gradient is log 1 = 0; the
        # convention D* = 1/2 at p_g = p_data = 0 is not that limit, so mask it out
        grad = xp.where(positive, xp.log1p(-d_star), 0.0)
        g = _project_to_simplex(g - step * grad, xp=xp)
        history.append(float(host(gancore.virtual_criterion(P, g))))
        if history[-1] + LOG4 < 1e-13:
            break
    c = np.array(history)
    # each C carries ~8 terms of rounding, |C| <= log 4
    tol = 64 * EPS * LOG4
    at_most(c[1:], c[:-1], tol, "C(G) never increases")
    close(c[-1], -LOG4, 1e-12, f"C(G) reaches -log 4 within {MAX_STEPS} steps")
    # Pinsker: TV <= sqrt(C + log 4), so TV is below 1e-6 once C is within 1e-12
    at_most(float(host(gancore.tv(P, g))), 1e-6, 0.0, "p_g -> p_data in TV")
