"""The Wasserstein-1 (earth mover's) distance, on the line and between point clouds.

W(P, Q) = inf over couplings gamma of E_{(x, y) ~ gamma} ||x - y||. On the line it is the
area between the two distribution functions, W = integral |F_P(t) - F_Q(t)| dt, and for
two samples of the same size n, W = (1/n) sum |x_(i) - y_(i)| over the sorted samples.

References
----------
M. Arjovsky, S. Chintala, L. Bottou, "Wasserstein Generative Adversarial Networks",
ICML 2017.
"""

import math

import numpy as np
from array_api_compat import device

from ._arrays import (boolean, check_axis, extremes, finfo_float, float_dtype, from_numpy,
                      require_finite, to_float, to_numpy)
from ._masses import quiet, unit_masses, warns
from ._namespaces import NUMPY, namespace

__all__ = ["w1", "w1_empirical"]

# Rows of the cost matrix built at once in w1_empirical: bounds the (rows, n, d) temporary.
_BLOCK_ELEMENTS = 1 << 22


def _values_and_weights(xp, name, values, weights, axis):
    """Validate one batch of measures on the line: values with at least one dimension
    and at least one point along ``axis`` (their finiteness is read off the distance:
    see :func:`w1`), and optional weights of the values' shape, finite and non-negative
    with a positive sum along ``axis``. Returns the values and weights with ``axis``
    moved last."""
    wname = name.replace("values", "weights")
    if values.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the samples); got a "
                         "scalar")
    ax = check_axis(name, values, axis)
    if values.shape[ax] == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(values.shape)}")
    if weights is not None:
        _check_weights(xp, wname, weights, tuple(values.shape),
                       f"the shape of {name}, {tuple(values.shape)}", ax)
    if ax != values.ndim - 1:
        values = xp.moveaxis(values, ax, -1)
        weights = None if weights is None else xp.moveaxis(weights, ax, -1)
    return values, weights


def _check_weights(xp, name, weights, shape, expected, axis):
    """Weights of ``shape`` (``expected`` says it in words), finite, non-negative, with a
    positive sum along ``axis``; a ``ValueError`` naming ``name`` otherwise."""
    if tuple(weights.shape) != shape:
        raise ValueError(f"{name} must have {expected}; got {tuple(weights.shape)}")
    require_finite(xp, name, weights)
    if bool(xp.any(weights < 0)):
        raise ValueError(f"{name} must be non-negative; it holds negative weights")
    # (non-negative weights: a positive sum is a positive largest, which cannot overflow)
    largest = xp.max(weights, axis=axis)
    if not bool(xp.all(largest > 0) if weights.ndim > 1 else largest > 0):
        raise ValueError(f"{name} must have a positive sum"
                         + (f" along axis {axis}" if weights.ndim > 1 else ""))


def _masses(xp, values, weights, dtype):
    """The probability masses of a sample (last axis) in ``dtype``: its weights over
    their sum, or 1/n each."""
    if weights is None:
        return xp.full(values.shape, 1.0 / values.shape[-1], dtype=dtype,
                       device=device(values))
    return unit_masses(xp, xp.astype(weights, dtype))


def _batch_shape(xp, u, v):
    """The broadcast of the batch shapes (all axes but the last) of ``u`` and ``v``."""
    try:
        return tuple(xp.broadcast_arrays(u[..., :1], v[..., :1])[0].shape[:-1])
    except (ValueError, RuntimeError, TypeError):
        raise ValueError(f"u_values and v_values have batch shapes {tuple(u.shape[:-1])} "
                         f"and {tuple(v.shape[:-1])} that do not broadcast") from None


def _norms(diff, *, xp):
    """Euclidean norms along the last axis, scaled by the largest entry so that squares
    of tiny (< 1e-154) or huge (> 1e154) coordinates neither underflow nor overflow."""
    scale = xp.max(xp.abs(diff), axis=-1, keepdims=True)
    safe = xp.where(scale > 0, scale, 1.0)
    return scale[..., 0] * xp.sqrt(xp.sum((diff / safe) ** 2, axis=-1))


def w1(u_values, v_values, /, u_weights=None, v_weights=None, *, axis=-1, keepdims=False):
    r"""Wasserstein-1 distance between two measures on the line, or between batches.

    :math:`W_1(u, v) = \int |F_u(t) - F_v(t)|\,dt`, where :math:`F_u` is the distribution
    function of the measure that puts mass ``u_weights[i] / sum(u_weights)`` at
    ``u_values[i]`` (uniform mass when the weights are omitted). The same quantity as
    ``scipy.stats.wasserstein_distance``, and as POT's ``ot.wasserstein_1d(..., p=1)``
    on batches.

    Parameters
    ----------
    u_values, v_values : array
        The support points along ``axis``: finite, of any sizes along ``axis``, one
        namespace and device. The other axes are batch axes: each index of them is one
        measure, so many distances are one call. The two batch shapes broadcast.
    u_weights, v_weights : array, optional
        Non-negative finite weights of their values' shape, with a positive sum along
        ``axis``; they need not sum to 1. ``None`` (default) means uniform weights.
    axis : int, optional
        The axis holding each measure's points (default: the last one).
    keepdims : bool, optional
        Keep ``axis`` in the result as a length-1 axis.

    Returns
    -------
    array
        The distances, >= 0, of the broadcast batch shape (0-d for two 1-D samples), in
        the values' namespace, device and floating dtype. 0 for identical measures;
        ``inf`` only where a distance passes the dtype's range (values whose
        differences or sums would pass it are first scaled by a power of 2, exactly).

    Raises
    ------
    TypeError
        Non-float dtypes, mixed namespaces, arguments that are not arrays of real
        numbers, a non-int ``axis`` or non-bool ``keepdims``.
    ValueError
        0-d values, none along ``axis``, NaN or infinity, weights of the wrong shape,
        negative weights, weights summing to 0, batch shapes that do not broadcast.

    Notes
    -----
    Two unweighted samples of the same size n take the sort-and-pair path,
    :math:`\frac1n \sum_i |u_{(i)} - v_{(i)}|`: two sorts, O(n log n), about the time
    of the sorts alone. Otherwise the distribution functions are compared on the merged
    support: one argsort of the ``n_u + n_v`` values, then a running sum of the signed
    masses (in float64 whatever the input dtype), O((n_u + n_v) log(n_u + n_v)). A
    batch of B measures costs B times that, in one call of each array operation. The
    values' finiteness is read off the distances (a NaN or infinite value makes its
    distance NaN or infinite), so valid values cost no pass of their own.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.w1(np.array([0.0, 1.0, 3.0]), np.array([5.0, 6.0, 8.0])))
    5.0
    >>> float(gancore.w1(np.array([0.0, 1.0]), np.array([0.0]), np.array([3.0, 1.0])))
    0.25
    >>> gancore.w1(np.array([[0.0, 1.0], [0.0, 3.0]]), np.array([[1.0, 2.0], [0.0, 1.0]]))
    array([1., 1.])
    """
    xp, a = namespace(u_values=u_values, v_values=v_values, u_weights=u_weights,
                      v_weights=v_weights, optional=("u_weights", "v_weights"))
    boolean("keepdims", keepdims)
    named = [(k, v) for k, v in a.items() if v is not None]
    dtype = float_dtype(xp, *named)
    u, v, uw, vw = (None if a[k] is None else xp.astype(a[k], dtype, copy=False)
                    for k in a)
    ax = check_axis("u_values", u, axis) if u.ndim else None
    u, uw = _values_and_weights(xp, "u_values", u, uw, axis)
    v, vw = _values_and_weights(xp, "v_values", v, vw, axis)
    if u.ndim != v.ndim:
        raise ValueError(f"u_values and v_values must have the same number of dimensions; "
                         f"got {u.ndim} and {v.ndim}")
    batch = () if u.ndim == 1 else _batch_shape(xp, u, v)
    with quiet(not warns(xp)):  # (NaN or inf from bad or huge values: checked below)
        out = _distances(xp, u, v, uw, vw, batch)
    # A NaN or infinite value makes its measure's distance NaN or infinite (a term
    # |x - y| or |F_u - F_v| (y - x) with it is NaN or inf, whatever the other factor:
    # 0 inf is NaN): the values are checked where the distances are not all finite,
    # in place of a pass over each
    if not all(map(math.isfinite, extremes(xp, out))):  # (one read for one distance)
        for name, values in (("u_values", u), ("v_values", v)):
            require_finite(xp, name, values)
        # finite values whose differences or sums pass the float range: the distances
        # of the values divided by a power of 2 that keeps every sum in range (exact),
        # multiplied back (inf only where a distance itself passes the range)
        scale = 2.0 ** math.ceil(math.log2(2 * (u.shape[-1] + v.shape[-1])))
        with quiet(not warns(xp)):
            out = _distances(xp, u / scale, v / scale, uw, vw, batch) * scale
    return xp.expand_dims(out, axis=ax) if keepdims else out


def _distances(xp, u, v, uw, vw, batch):
    """W1 of each pair of measures (values along the last axis, validated): the sorted
    samples paired for two unweighted samples of one size, else the merged support."""
    if uw is None and vw is None and u.shape[-1] == v.shape[-1]:
        return xp.mean(xp.abs(xp.sort(u, axis=-1, stable=False)
                              - xp.sort(v, axis=-1, stable=False)), axis=-1)
    return _merged_support(xp, u, v, uw, vw, batch)


def _merged_support(xp, u, v, uw, vw, batch):
    """W1 from the merged support of each pair (last axis): F_u - F_v steps by
    +u_weight/total at each u value and -v_weight/total at each v value; sorting the
    merged points once gives it on every gap between neighbours.

    The running sum is kept in float64 whatever the dtype: in float32 its rounding
    error grows like sqrt(n) eps and reaches 1e-4 of the total by n = 1e7.
    """
    wide = xp.float64
    u_mass, v_mass = _masses(xp, u, uw, wide), -_masses(xp, v, vw, wide)
    if u.ndim > 1:
        u, u_mass = (xp.broadcast_to(x, batch + (u.shape[-1],)) for x in (u, u_mass))
        v, v_mass = (xp.broadcast_to(x, batch + (v.shape[-1],)) for x in (v, v_mass))
    merged = xp.concat((u, v), axis=-1)
    order = xp.argsort(merged, axis=-1, stable=False)
    # one pair: take, which is faster than take_along_axis on a 1-D array
    take = (lambda x: xp.take(x, order)) if u.ndim == 1 else (
        lambda x: xp.take_along_axis(x, order, axis=-1))
    merged = take(merged)
    steps = take(xp.concat((u_mass, v_mass), axis=-1))
    cdf_gap = xp.cumulative_sum(steps[..., :-1], axis=-1)
    gaps = xp.astype(merged[..., 1:] - merged[..., :-1], wide)
    return xp.astype(xp.vecdot(xp.abs(cdf_gap), gaps, axis=-1), u.dtype)


def w1_empirical(x, y, /, x_weights=None, y_weights=None):
    r"""Exact Wasserstein-1 distance between two weighted point clouds in :math:`\mathbb{R}^d`.

    :math:`W_1 = \min_{\gamma} \sum_{ij} \gamma_{ij} \|x_i - y_j\|_2` over couplings
    :math:`\gamma \ge 0` with row sums :math:`a_i` and column sums :math:`b_j`, where
    ``a = x_weights / sum(x_weights)`` and ``b = y_weights / sum(y_weights)`` (uniform
    when the weights are omitted). The same quantity as
    ``scipy.stats.wasserstein_distance_nd`` and POT's ``ot.emd2`` with Euclidean costs.

    Parameters
    ----------
    x, y : array
        Point clouds of shapes (n, d) and (m, d), of any sizes n, m >= 1, finite, one
        namespace and device.
    x_weights, y_weights : array, optional
        Shapes (n,) and (m,): non-negative, finite, with a positive sum; they need not
        sum to 1. ``None`` (default) means uniform weights.

    Returns
    -------
    array
        The 0-d distance, >= 0, in the inputs' namespace, device and dtype. 0 for
        identical measures; ``inf`` only where it passes the dtype's range (points near
        the range are scaled by a power of 2, exactly, so that no cost or sum of costs
        passes it). It carries no gradient: the coupling is found on the host and the
        distance comes back as a number (use :func:`w1` on the line, which
        differentiates).

    Raises
    ------
    TypeError
        Non-float dtypes, mixed namespaces, arguments that are not arrays of real
        numbers.
    ValueError
        Point clouds that are not 2-D, empty, of different dimensions d, or not finite;
        weights of the wrong shape, negative, not finite or summing to 0.

    Notes
    -----
    The (n, m) matrix of Euclidean distances is built in the inputs' namespace (on their
    device), in row blocks: O(n m d) time, O(n m) memory. It is then copied to the host,
    where one of two exact solvers finds the optimal coupling:

    - equal sizes without weights: for uniform weights on equally many points an
      optimal coupling is a permutation (Birkhoff), so the assignment problem
      (``scipy.optimize.linear_sum_assignment``) gives the optimum: O(n^3) time in the
      worst case, a few thousand points;
    - otherwise the transport linear programme: POT's network simplex (``ot.emd2``)
      when POT is installed (``pip install 'gancore[ot]'``), typically
      O((n + m) n m log(n + m)); without POT, SciPy's HiGHS solver (``linprog``) on the
      n m variables and n + m constraints, several times slower. Both are exact up to
      the solvers' tolerances (below 1e-9 relative in the tests). Their tolerances are
      absolute, so the costs are first scaled by a power of 2 (exactly) to a largest
      cost in [1/2, 1), and the result scaled back: the distance scales with the
      points at any size.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> x = np.array([[0.0, 0.0], [0.0, 1.0]])
    >>> float(gancore.w1_empirical(x, x + np.array([3.0, 4.0])))
    5.0
    >>> float(gancore.w1_empirical(x, np.array([[0.0, 0.5]])))  # all mass to one point
    0.5
    """
    from scipy.optimize import linear_sum_assignment

    xp, a = namespace(x=x, y=y, x_weights=x_weights, y_weights=y_weights,
                      optional=("x_weights", "y_weights"))
    x, y = a["x"], a["y"]
    dtype = float_dtype(xp, *((k, v) for k, v in a.items() if v is not None))
    x, y = xp.astype(x, dtype), xp.astype(y, dtype)
    for name, c in (("x", x), ("y", y)):
        if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
            raise ValueError(f"{name} must be a non-empty (n, d) array of points; got "
                             f"shape {tuple(c.shape)} (use w1 for samples on the line)")
        require_finite(xp, name, c)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be points of one dimension d; got shapes "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    # points near the float range: a difference, or the solvers' sums of the costs, would
    # pass it; the distance is then that of the points divided by 2^shift (exact, to
    # below 2^8; the factor is a normal float32 too, which no device flushes to 0),
    # multiplied back (inf only where the distance itself passes the range)
    big = max(to_float(xp.max(xp.abs(c))) for c in (x, y))
    shift = math.frexp(big)[1] - 8 if big > _far(xp, dtype) else 0
    if shift:
        x, y = x * math.ldexp(1.0, -shift), y * math.ldexp(1.0, -shift)
    masses = []
    for name, points, w in (("x_weights", x, a["x_weights"]), ("y_weights", y, a["y_weights"])):
        if w is not None:
            n = points.shape[0]
            _check_weights(xp, name, w, (n,), f"shape ({n},), one weight per point", 0)
            w = unit_masses(NUMPY, to_numpy(xp.astype(w, xp.float64)))
        masses.append(w)
    n, d = x.shape
    rows = max(1, _BLOCK_ELEMENTS // (y.shape[0] * d))
    y_row = xp.expand_dims(y, axis=0)
    blocks = [_norms(xp.expand_dims(x[i:min(i + rows, n), :], axis=1) - y_row, xp=xp)
              for i in range(0, n, rows)]
    cost = np.asarray(to_numpy(xp.concat(blocks, axis=0)), dtype=np.float64)
    if masses[0] is None and masses[1] is None and x.shape[0] == y.shape[0]:
        i, j = linear_sum_assignment(cost)
        distance = cost[i, j].mean()
    else:
        distance = _transport_cost(cost, *(np.full(k, 1.0 / k) if m is None else m
                                           for m, k in zip(masses, cost.shape)))
    if shift:  # (inf where the distance passes the dtype's range)
        with np.errstate(over="ignore"):
            return from_numpy(np.ldexp(np.float64(distance), shift), like=x, xp=xp)
    return from_numpy(distance, like=x, xp=xp)


def _far(xp, dtype):
    """The largest coordinate that :func:`w1_empirical` takes as it is: no difference
    of two passes the range (a quarter of the dtype's largest float), nor, in float64,
    a sum of up to 2^90 costs (2^-100 of it)."""
    return min(finfo_float(xp, dtype, "max") / 4,
               float(np.finfo(np.float64).max) * 2.0**-100)


def _transport_cost(cost, a, b):
    """The optimal transport cost min <gamma, cost> over couplings of ``a`` and ``b``
    (host float64): POT's network simplex when POT is installed, else HiGHS.

    Both solvers compare costs with absolute tolerances (of order 1e-15 and 1e-7), so
    the costs are scaled by a power of 2 (exactly) to a largest cost in [1/2, 1), and
    the result scaled back: points 1e-79 apart, all of whose costs the network simplex
    took for ties, gave a distance 3.8 times the optimum."""
    top = float(cost.max())
    if not top > 0.0:  # (every cost 0: identical points)
        return 0.0
    exponent = math.frexp(top)[1]
    cost = np.ldexp(cost, -exponent)
    try:
        import ot
    except ImportError:
        return math.ldexp(_linprog_cost(cost, a, b), exponent)
    return math.ldexp(_emd_cost(ot, cost, a, b), exponent)


def _emd_cost(ot, cost, a, b):
    """POT's exact network simplex; ``RuntimeError`` if it stops before the optimum."""
    value, log = ot.emd2(a, b, cost, numItermax=max(100_000, 50 * cost.size), log=True)
    if log.get("warning"):
        raise RuntimeError(f"w1_empirical: POT's network simplex did not reach the "
                           f"optimum ({log['warning']})")
    return float(value)


def _linprog_cost(cost, a, b):
    """The transport linear programme solved by SciPy's HiGHS: variables gamma_ij >= 0
    (row-major), equality constraints sum_j gamma_ij = a_i and sum_i gamma_ij = b_j."""
    from scipy import sparse
    from scipy.optimize import linprog

    n, m = cost.shape
    rows = sparse.kron(sparse.eye(n), np.ones((1, m)))
    cols = sparse.kron(np.ones((1, n)), sparse.eye(m))
    done = linprog(cost.ravel(), A_eq=sparse.vstack([rows, cols]).tocsr(),
                   b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    if done.status != 0:
        raise RuntimeError(f"w1_empirical: HiGHS did not solve the transport problem "
                           f"({done.message})")
    return float(done.fun)
