"""Kantorovich-Rubinstein duality: W(P, Q) = sup over 1-Lipschitz f of E_P f - E_Q f.

For discrete measures on the line the supremum is a linear programme over the values of
f at the support points, with |f(x_i) - f(x_j)| <= |x_i - x_j| for every pair; its
optimum, found by SciPy's HiGHS solver, must equal ``gancore.w1``.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

import gancore

from . import strategies as gs
from ._record import close
from ._support import arr, host

THEOREM = "Kantorovich-Rubinstein"
STATEMENT = "W1(P, Q) = max over 1-Lipschitz f of E_P f - E_Q f (a linear programme)"


def _dual_optimum(x, a, b):
    k = x.size
    rows, bounds = [], []
    for i in range(k):
        for j in range(k):
            if i != j:
                row = np.zeros(k)
                row[i], row[j] = 1.0, -1.0
                rows.append(row)
                bounds.append(abs(x[i] - x[j]))
    # f is defined up to a constant (sum(a - b) = 0): pin f(x_0) = 0
    limits = [(0.0, 0.0)] + [(None, None)] * (k - 1)
    res = linprog(-(a - b), A_ub=np.array(rows), b_ub=np.array(bounds), bounds=limits,
                  method="highs")
    assert res.status == 0, res.message
    return -res.fun


@given(x=st.lists(st.floats(-10.0, 10.0), min_size=2, max_size=9, unique=True),
       data=st.data())
def test_w1_equals_the_dual_linear_programme(xp, x, data):
    x = np.array(x)
    a = data.draw(gs.probability_vectors(size=x.size, tiny=False))
    b = data.draw(gs.probability_vectors(size=x.size, tiny=False))
    X = arr(xp, x)
    w = float(host(gancore.w1(X, X, arr(xp, a), arr(xp, b))))
    # HiGHS meets its constraints and optimality to ~1e-9 relative to the data, whose
    # scale is the spread of x (<= 20)
    close(w, _dual_optimum(x, a, b), 1e-7 * (1.0 + np.ptp(x)), "W1 = dual optimum")
