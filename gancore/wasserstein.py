"""The Wasserstein-1 (earth mover's) distance, on the line and between point clouds.

W(P, Q) = inf over couplings gamma of E_{(x, y) ~ gamma} ||x - y||. On the line it is the
area between the two distribution functions, W = integral |F_P(t) - F_Q(t)| dt, and for
two samples of the same size n, W = (1/n) sum |x_(i) - y_(i)| over the sorted samples.

References
----------
M. Arjovsky, S. Chintala, L. Bottou, "Wasserstein Generative Adversarial Networks",
ICML 2017.
"""

from array_api_compat import device

from ._arrays import float_dtype, from_numpy, namespace, require_finite, to_numpy

__all__ = ["w1", "w1_empirical"]

# Rows of the cost matrix built at once in w1_empirical: bounds the (rows, n, d) temporary.
_BLOCK_ELEMENTS = 1 << 22


def _values_and_weights(xp, name, values, weights):
    """Validate one 1-D measure: finite values, and optional non-negative weights."""
    if values.ndim != 1 or values.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array; got shape "
                         f"{tuple(values.shape)}")
    require_finite(xp, name, values)
    if weights is None:
        return
    wname = name.replace("values", "weights")
    if tuple(weights.shape) != tuple(values.shape):
        raise ValueError(f"{wname} must have the shape of {name}, {tuple(values.shape)}; "
                         f"got {tuple(weights.shape)}")
    require_finite(xp, wname, weights)
    if bool(xp.any(weights < 0)):
        raise ValueError(f"{wname} must be non-negative; it holds negative weights")
    if not bool(xp.sum(weights) > 0):
        raise ValueError(f"{wname} must have a positive sum")


def _masses(xp, values, weights, dtype):
    """The probability masses of a sample in ``dtype``: its weights over their sum, or
    1/n each."""
    if weights is None:
        return xp.full(values.shape, 1.0 / values.shape[0], dtype=dtype,
                       device=device(values))
    weights = xp.astype(weights, dtype)
    return weights / xp.sum(weights)


def _norms(diff, *, xp):
    """Euclidean norms along the last axis, scaled by the largest entry so that squares
    of tiny (< 1e-154) or huge (> 1e154) coordinates neither underflow nor overflow."""
    scale = xp.max(xp.abs(diff), axis=-1, keepdims=True)
    safe = xp.where(scale > 0, scale, 1.0)
    return scale[..., 0] * xp.sqrt(xp.sum((diff / safe) ** 2, axis=-1))


def w1(u_values, v_values, /, u_weights=None, v_weights=None):
    r"""Wasserstein-1 distance between two measures on the line.

    :math:`W_1(u, v) = \int |F_u(t) - F_v(t)|\,dt`, where :math:`F_u` is the distribution
    function of the measure that puts mass ``u_weights[i] / sum(u_weights)`` at
    ``u_values[i]`` (uniform mass when the weights are omitted). The same quantity as
    ``scipy.stats.wasserstein_distance``.

    Parameters
    ----------
    u_values, v_values : array
        The support points, 1-D, finite, of any sizes, one namespace and device.
    u_weights, v_weights : array, optional
        Non-negative finite weights, one per value, with a positive sum; they need not
        sum to 1.

    Returns
    -------
    array
        The 0-d distance, >= 0, in the values' namespace, device and floating dtype.
        0 for identical measures.

    Raises
    ------
    TypeError
        Non-float dtypes or mixed namespaces.
    ValueError
        Empty or non-1-D values, NaN or infinity, weights of the wrong shape, negative
        weights, weights summing to 0.

    Notes
    -----
    Two unweighted samples of the same size n take the sort-and-pair path,
    :math:`\frac1n \sum_i |u_{(i)} - v_{(i)}|`: two sorts, O(n log n), about the time
    of the sorts alone. Otherwise the distribution functions are compared on the merged
    support: one argsort of the ``n_u + n_v`` values, then a running sum of the signed
    masses (in float64 whatever the input dtype), O((n_u + n_v) log(n_u + n_v)).

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.w1(np.array([0.0, 1.0, 3.0]), np.array([5.0, 6.0, 8.0])))
    5.0
    >>> float(gancore.w1(np.array([0.0, 1.0]), np.array([0.0]), np.array([3.0, 1.0])))
    0.25
    """
    xp, a = namespace(u_values=u_values, v_values=v_values, u_weights=u_weights,
                      v_weights=v_weights)
    named = [(k, v) for k, v in a.items() if v is not None]
    dtype = float_dtype(xp, *named)
    u, v, uw, vw = (None if a[k] is None else xp.astype(a[k], dtype, copy=False)
                    for k in a)
    _values_and_weights(xp, "u_values", u, uw)
    _values_and_weights(xp, "v_values", v, vw)
    if uw is None and vw is None and u.shape[0] == v.shape[0]:
        return xp.mean(xp.abs(xp.sort(u, stable=False) - xp.sort(v, stable=False)))
    # F_u - F_v steps by +u_weight/total at each u value and -v_weight/total at each v
    # value; sorting the merged support once gives it on every gap between neighbours.
    # The running sum is kept in float64 whatever the dtype: in float32 its rounding
    # error grows like sqrt(n) eps and reaches 1e-4 of the total by n = 1e7.
    wide = xp.float64
    steps = xp.concat((_masses(xp, u, uw, wide), -_masses(xp, v, vw, wide)))
    merged = xp.concat((u, v))
    order = xp.argsort(merged, stable=False)
    merged = xp.take(merged, order)
    cdf_gap = xp.cumulative_sum(xp.take(steps, order)[:-1])
    gaps = xp.astype(merged[1:] - merged[:-1], wide)
    return xp.astype(xp.vecdot(xp.abs(cdf_gap), gaps), u.dtype)


def w1_empirical(x, y, /):
    r"""Exact Wasserstein-1 distance between two point clouds of equal size in R^d.

    :math:`W_1 = \min_\sigma \frac1n \sum_i \|x_i - y_{\sigma(i)}\|_2` over permutations
    :math:`\sigma`: for uniform weights on equally many points an optimal coupling is a
    permutation (Birkhoff), so the assignment problem gives the exact optimum.

    Parameters
    ----------
    x, y : array
        Point clouds of shape (n, d), finite, one namespace and device.

    Returns
    -------
    array
        The 0-d distance, >= 0, in the inputs' namespace, device and dtype.

    Raises
    ------
    TypeError
        Non-float dtypes or mixed namespaces.
    ValueError
        Inputs that are not 2-D, of different shapes, empty, or not finite.

    Notes
    -----
    The (n, n) matrix of Euclidean distances is built in the inputs' namespace (on their
    device), in row blocks: O(n^2 d) time, O(n^2) memory. It is then copied to the host
    and the assignment problem is solved by ``scipy.optimize.linear_sum_assignment``:
    O(n^3) time in the worst case, which limits n to a few thousand.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> x = np.array([[0.0, 0.0], [0.0, 1.0]])
    >>> float(gancore.w1_empirical(x, x + np.array([3.0, 4.0])))
    5.0
    """
    from scipy.optimize import linear_sum_assignment

    xp, a = namespace(x=x, y=y)
    x, y = a["x"], a["y"]
    dtype = float_dtype(xp, ("x", x), ("y", y))
    x, y = xp.astype(x, dtype), xp.astype(y, dtype)
    for name, c in (("x", x), ("y", y)):
        if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
            raise ValueError(f"{name} must be a non-empty (n, d) array of points; got "
                             f"shape {tuple(c.shape)} (use w1 for samples on the line)")
        require_finite(xp, name, c)
    if tuple(x.shape) != tuple(y.shape):
        raise ValueError(f"x and y must have the same shape (n, d); got {tuple(x.shape)} "
                         f"and {tuple(y.shape)}")
    n, d = x.shape
    rows = max(1, _BLOCK_ELEMENTS // (n * d))
    y_row = xp.expand_dims(y, axis=0)
    blocks = [_norms(xp.expand_dims(x[i:min(i + rows, n), :], axis=1) - y_row, xp=xp)
              for i in range(0, n, rows)]
    cost = to_numpy(xp.concat(blocks, axis=0))
    i, j = linear_sum_assignment(cost)
    return from_numpy(cost[i, j].mean(), like=x, xp=xp)
