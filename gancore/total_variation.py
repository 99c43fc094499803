r"""Total variation, :math:`\mathrm{TV}(p, q) = \tfrac12 \sum |p - q|\,dx`, and the
overlap ``1 - TV`` that the hinge critic's minimum takes.

Inputs and conventions as in :mod:`gancore.divergences`: arrays of masses or of
densities on a grid, reduced along ``axis``, normalised (or ``normalize=True``). The
direct form ``1 - sum(min(p, kq)) / P``, ``k = P/Q``, sums terms of total ``1 - TV``;
below ``DIRECT_FLOOR`` (nearly equal measures) the careful form
``sum |(p - q) - delta q| / 2P``, ``delta = (P - Q)/Q``. TV moves at first order with
the rounding of the totals, so it keeps an absolute error of a few ulps; the overlap,
a sum of non-negative terms, a relative one.
"""

from functools import partial

import numpy as np

from ._arrays import boolean, extremes, finfo_float, tracks_gradient
from ._direct import short_totals
from ._host import numpy_views, tensor_of
from ._masses import (DIRECT_FLOOR, accepted, aligned, block_sum, careful_rows, clipped,
                      difference, mass_pair, rows, shaped, unscaled)

__all__ = ["tv"]


def tv(p, q, /, *, axis=-1, dx=1.0, keepdims=False, normalize=False):
    r"""Total variation distance :math:`\mathrm{TV}(p, q) = \tfrac12 \sum |p - q|\,dx`.

    Equal to :math:`\sup_A |P(A) - Q(A)|`.

    Parameters
    ----------
    p, q, axis, dx, keepdims, normalize
        As in :func:`kl`.

    Returns
    -------
    array
        TV along ``axis`` in ``[0, 1]`` (clipped there against rounding): 0 exactly when
        ``p = q``, 1 when the supports are disjoint.

    Raises
    ------
    TypeError, ValueError
        As in :func:`kl`.

    Notes
    -----
    For masses of totals P and Q, the direct form
    :math:`1 - \frac1P \sum \min(p, \tfrac PQ q)` is returned when it is at least 1/16
    (its rounding error is a few ulps of 1; :math:`P/Q` within 4 ulps of 1 is taken as
    1, which moves the result by at most as much, except for masses that track a
    gradient, whose gradient keeps the totals' part). Otherwise TV is computed as
    :math:`\frac{1}{2P} \sum |(p - q) - \delta q|` after exact power-of-two scalings
    that bring the totals within a factor of 2, with :math:`\delta = (P - Q)/Q`, so no
    point's difference is rounded away. TV moves at first order with the totals, so its
    absolute error is that of the computed totals: a few ulps (``log2(n)`` eps at most
    for the pairwise sums).
    Cost: O(n) time, in blocks of 8192 points on the CPU.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.tv(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])))
    0.5
    """
    out = _one_host_tv(p, q, axis, dx, keepdims, normalize)  # (no frame between)
    return out if out is not None else _general_tv(p, q, axis, dx, keepdims, normalize)


def _general_tv(p, q, axis, dx, keepdims, normalize, names=("p", "q"), of_overlap=None):
    """:func:`tv` for every input (after :func:`_one_host_tv`), its errors naming the
    measures by ``names`` (for callers whose arguments are ``p_data`` and ``p_g``); or,
    where ``of_overlap`` is given, ``of_overlap(O)`` of the overlap
    ``O = sum(min(p/P, q/Q)) = 1 - TV`` itself, the direct form's sum over P: a sum of
    non-negative terms, within a few ulps of O relative to it (no careful form is
    needed; ``1 - TV`` would lose O's digits where the supports barely overlap)."""
    boolean("keepdims", keepdims)
    xp, p, q, p_total, q_total, _, ax = mass_pair(p, q, axis, dx, normalize, names)
    # direct: min(x, y) = (x + y - |x - y|) / 2, so TV = 1 - sum(min(p, k q)) / P, k = P/Q
    k = p_total / q_total
    if _unit_ratio(*extremes(xp, k), finfo_float(xp, p.dtype, "eps")) and not (
            tracks_gradient(p) or tracks_gradient(q)):
        k = None  # (masses that track a gradient keep k: its gradient holds Q's part)

    def overlap_sum(a, b, *k):  # sum(min(p, k q)), k = P/Q where it is not 1
        return xp.sum(xp.minimum(a, k[0] * b if k else b), axis=-1)

    overlap = block_sum(xp, overlap_sum, (p, q), () if k is None else (k,)) / rows(p_total)
    if of_overlap is not None:  # sum(min(p, kq)) lies in [0, P]
        return of_overlap(shaped(xp, clipped(xp, overlap, 1.0), ax, keepdims))
    direct = 1.0 - overlap
    if accepted(xp, direct):  # in [1/16, 1]
        return shaped(xp, direct, ax, keepdims)
    out = careful_rows(xp, direct, partial(_careful_tv, xp), p, q, p_total, q_total)
    return shaped(xp, clipped(xp, out, 1.0), ax, keepdims)


def _careful_tv(xp, p, q, p_total, q_total):
    """TV's careful form ``sum |(p - q) - delta q| / 2P`` of validated masses (the
    distribution axis last), after :func:`~gancore._masses.aligned`'s exact scalings."""
    cp, cq, p_scaled, _, delta = aligned(p_total, q_total, xp=xp)

    def distance(a, b, delta, *scales):  # sum |p/P - q/Q| = |(a - b) - delta b| / P of
        if scales:                         # the scaled a, b
            a, b = a * scales[0], b * scales[1]
        return xp.sum(xp.abs(difference(a, b, delta)), axis=-1)

    dist = block_sum(xp, distance, (p, q), (delta,) if cp is None else (delta, cp, cq))
    return 0.5 * dist / rows(p_scaled)


def _unit_ratio(low, high, eps):
    """Whether the ratios of the totals, from ``low`` to ``high``, all lie within 4 ulps
    (``eps``: the dtype's epsilon) of 1, where TV's direct form takes ``k = 1``: as
    ``|min(p, kq) - min(p, q)| <= |k - 1| q``, TV moves by at most ``|k - 1|``, the size
    of the rounding of its sum, and a pass (``k q``) is saved. Totals normalised by
    their own sums lie within an ulp or two of each other."""
    least, most = _unit_bounds(eps)
    return least <= low and high <= most


def _unit_bounds(eps):
    """The ratios within 4 ulps of 1 (:func:`_unit_ratio`), ``(1 - 4 eps, 1 + 4 eps)``."""
    return 1.0 - 4.0 * eps, 1.0 + 4.0 * eps


# _unit_ratio's bounds of NumPy's float dtypes
_UNIT_RATIOS = {dtype: _unit_bounds(float(np.finfo(dtype).eps))
                for dtype in (np.dtype(np.float64), np.dtype(np.float32))}


def _one_host_tv(p, q, axis, dx, keepdims, normalize, of_overlap=None):
    """:func:`total_variation`'s direct form for one distribution on the host, its
    checks taken from the formula's own operations; ``None`` where the general path must
    run (it then raises the errors, or rescales the totals).

    For NumPy arrays of one float dtype, one dimension and at most ``BLOCK_ELEMENTS``
    points (one block, as the general path sums it), a float ``dx`` and
    ``keepdims=False``: the totals P and Q (NaN and infinities propagate into them) are
    checked as the general path checks them, then ``m = min(p, kq)``, ``k = P/Q``, gives
    both the sign check
    (its smallest element is negative exactly when some mass is: with ``k > 1/2`` no
    negative ``kq`` rounds to 0, and NaN propagates) and TV = 1 - sum(m)/P. Five
    operations on the arrays (four when ``k`` is 1 to within 4 ulps, see
    :func:`_unit_ratio`), where checking first takes seven. Below 1/16, where that form
    cancels (nearly equal measures), the careful form ``sum |(p - q) - delta q| / 2P``,
    ``delta = (P - Q)/Q``, where the totals need no scaling. The arithmetic is the
    general path's, so the results are the same bits. CPU torch tensors take the same on their
    NumPy views (:func:`~gancore._host.numpy_views`), the result a 0-d tensor.
    Where ``of_overlap`` is given, ``of_overlap(sum(m)/P)`` (:func:`_general_tv`), for
    CPU tensors on the NumPy result of their views, before it becomes a tensor (on a 0-d
    tensor each arithmetic operation costs 5 to 8 us).
    """
    if type(p) is not np.ndarray:
        views = numpy_views(p, q)
        return None if views is None else tensor_of(views[0], _one_host_tv(
            views[1], views[2], axis, dx, keepdims, normalize, of_overlap))
    found = None if keepdims is not False else short_totals(p, q, axis, dx, normalize)
    if found is None:
        return None
    _, p_total, q_total = found
    k = p_total / q_total
    unit_low, unit_high = _UNIT_RATIOS[p.dtype]
    if unit_low <= k <= unit_high:  # (_unit_ratio)
        least = np.minimum(p, q)
    elif k > 0.5:  # k q <= k Q = P, unless q holds a negative mass: then it may
        with np.errstate(over="ignore"):  # overflow, and the check below sees it
            least = np.minimum(p, k * q)
    else:
        return None
    # in [1/16, 1] where accepted (sum(least) lies in [0, P]); argmin gives NaN's index
    if not least.item(least.argmin()) >= 0.0:  # a negative mass, or NaN
        return None
    overlap = np.add.reduce(least) / p_total
    if of_overlap is not None:  # (above 1 by rounding, where dx rounds P: the general
        return of_overlap(overlap) if overlap <= 1.0 else None  # path clips)
    out = 1.0 - overlap
    if not out >= DIRECT_FLOOR:  # nearly equal: the careful form, as the general path
        numbers = unscaled(p_total, q_total)  # takes it (where it scales nothing)
        if numbers is None:
            return None
        out = 0.5 * np.add.reduce(np.abs(difference(p, q, numbers[1]))) / p_total
        if not out <= 1.0:  # (rounding: the general path clips)
            return None
    return out
