"""Private direct formulas of one distribution on the host, each with its checks.

A formula (:class:`Direct`) sums its terms over blocks of the masses and finishes the
result with the totals. One short distribution takes it after checks that are a few
reductions, with nothing around them (:func:`one_direct`); one long NumPy distribution
takes the checks inside the formula's own pass, block by block while each block is in
cache (:func:`streamed_direct`). Each returns ``None`` where the general path must run
(which then raises the errors, rescales the totals, or takes the careful sum).
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._host import (BLOCK_ELEMENTS, HOST_LIMITS, host_limits, numpy_totals,
                    numpy_views, tensor_of, totals_fit)
from ._masses import DIRECT_FLOOR, MODERATE_RATIO, unscaled
from ._namespaces import NUMPY


class Direct(NamedTuple):
    """A direct formula of one distribution, as :func:`one_direct` and
    :func:`streamed_direct` take it.

    ``dot(a, b, *given(P, Q)[, c], xp=xp)`` sums the formula's terms over masses ``a``,
    ``b`` (and ``c`` of an ``extra`` array), one or two sums (a tuple); ``finish(S, P,
    Q)`` makes the result of the sums and the totals. ``given``, if any, forms numbers of
    the totals, such as ``k = P/Q`` (or returns None where the general path must run).
    A result is accepted when it is finite and, unless ``floor`` is None, every mass is
    positive and the result at least ``floor``. ``calm_ratio``: on NumPy, masses within
    this factor of each other compute without silencing warnings (see :func:`one_direct`).
    ``signs``: which masses the sign check reads (see :func:`one_direct`).
    ``fallback``: for one short distribution, a formula with no floor (the careful
    sum) that :func:`one_direct` takes where this one's finite result lies below
    ``floor`` (nearly equal measures), on this one's checks (its ``signs`` unused: where
    this one reads no smallest mass, the fallback's sum must be NaN at a negative mass
    too), in place of the general path. ``near``: for one long distribution, a formula
    with no floor that :func:`streamed_direct` takes in a pass of its own where this
    one's result lies below ``floor``. ``difference``: the last of ``dot``'s sums is
    ``sum(a - b)``, the block's part of ``P - Q`` (of exact differences, where the
    masses are close), and :func:`streamed_direct` takes ``Q = P - D`` from it in place
    of summing ``q``.
    """

    dot: Callable
    finish: Callable
    floor: float | None = DIRECT_FLOOR
    given: Callable | None = None
    calm_ratio: float = MODERATE_RATIO
    signs: str | None = "both"
    fallback: "Direct | None" = None
    near: "Direct | None" = None
    difference: bool = False


def careful_formula(terms, finish=None):
    """The careful sum of ``terms`` as a formula (:class:`Direct`) of one short host
    distribution, a direct formula's ``fallback``: ``sum(terms(a, b, k, delta, xp=xp))``
    over ``P`` (or ``finish`` of that sum and the totals) for totals that
    :func:`~gancore._masses.aligned` leaves unscaled (:func:`~gancore._masses.unscaled`), by
    :func:`~gancore._masses.careful_sum`'s operations, so its bits. ``terms`` as
    :func:`~gancore._masses.careful_sum` takes them, for masses known positive (or whose sum
    is NaN where a mass is 0 or negative): a sum that is not finite leaves the input to the
    general path."""
    def total(a, b, k, delta, *, xp):
        return xp.sum(terms(a, b, k, delta, xp=xp))

    return Direct(total, finish or _over_first_total, floor=None, given=unscaled)


def _over_first_total(out, p_total, q_total):
    """A careful sum's result, ``out / P`` (:func:`~gancore._masses.careful_sum`)."""
    return out / p_total


def streamed_direct(p, q, axis, dx, normalize, formula, extra=None):
    """A direct formula of one long distribution, checked and computed in one pass over
    blocks; ``None`` where the general path must run.

    For NumPy arrays of one float dtype, one dimension and at least 16 blocks (with a
    float ``dx``), each block of ``BLOCK_ELEMENTS`` points gives, while it is in cache,
    its minimum over both arrays, its two sums (or the first, see :class:`Direct`'s
    ``difference``) and ``dot(a, b, xp=xp)`` (such as KL's
    ``sum(a log(a/b))``; ``dot(a, b, c, xp=xp)`` with ``c`` the block of ``extra``, a third
    array of the same shape and dtype): the checks of
    :func:`gancore._totals.validated_pair` and the formula read the arrays once, where
    checking first reads them twice more. The result is ``finish(sum of the dots, P,
    Q)``, with the totals summed from the blocks' pairwise sums (as accurate as one
    pairwise sum). ``None`` (the general path then raises its errors, rescales, or
    takes the careful sum) where a check fails, a total needs rescaling, or the result
    is not finite (a block whose sum is NaN ends the pass); and, for a direct formula
    accepted from ``floor`` up, where a mass is 0, the first block's own result is below
    ``floor / 4`` (nearly equal inputs, for which the careful sum is taken at once) or
    the result is below ``floor``: in those two cases ``formula.near``, where there is
    one, takes a pass of its own instead. With
    ``floor=None`` every finite result is accepted, and masses may be 0. ``signs`` as
    for :func:`one_direct`: each block's smallest mass is read over both arrays, over the
    first alone (``"first"``), or not at all (``None``, where masses may be 0). The
    formula's ``given`` and ``calm_ratio`` are not used (no streamed formula has them).
    """
    step = BLOCK_ELEMENTS
    if not (type(p) is np.ndarray and p.ndim == 1 and p.shape[0] >= 16 * step):
        return None  # (first: most calls are short, and leave here)
    dot, finish, floor, signs = formula.dot, formula.finish, formula.floor, formula.signs
    found = host_limits(p, q, axis, dx, normalize)
    if found is None or not (extra is None or (type(extra) is np.ndarray
                                                and extra.dtype == p.dtype
                                                and extra.shape == p.shape)):
        return None
    lows, p_sums, q_sums, dots = [], [], [], []
    with np.errstate(all="ignore"):  # invalid input gives NaN or inf, then None
        for i in range(0, p.shape[0], step):
            a, b = p[i:i + step], q[i:i + step]
            if signs is not None:  # (argmin gives a NaN's index; np.minimum.reduce of
                # the lows below propagates it)
                lows.append(a.item(a.argmin()))
                if signs == "both":
                    lows.append(b.item(b.argmin()))
            p_sums.append(np.add.reduce(a))
            if not formula.difference:
                q_sums.append(np.add.reduce(b))
            dots.append(dot(a, b, xp=NUMPY) if extra is None
                        else dot(a, b, extra[i:i + step], xp=NUMPY))
            if dots[-1] != dots[-1]:  # a NaN sum (a tuple of sums never is): the result
                return None           # would be NaN, so the rest is not read
            if (i == 0 and floor is not None
                    and not finish(dots[0], p_sums[0], q_sums[0]) >= floor / 4):
                return _near_pass(p, q, axis, dx, normalize, formula, extra)
        signed = signs is None or _signs_fit(np.minimum.reduce(np.array(lows)), floor)
        p_total = np.add.reduce(np.array(p_sums))
        sums = np.add.reduce(np.array(dots), axis=0)
        q_total = (p_total - sums[-1] if formula.difference
                   else np.add.reduce(np.array(q_sums)))
        smallest, largest = sorted((float(p_total * dx), float(q_total * dx)))
        out = finish(sums, p_total, q_total)
    if not (signed and totals_fit(found[1], smallest, largest, normalize)
            and math.isfinite(out)):
        return None
    if floor is not None and not out >= floor:
        return _near_pass(p, q, axis, dx, normalize, formula, extra)
    return out


def _near_pass(p, q, axis, dx, normalize, formula, extra):
    """:func:`streamed_direct` of ``formula.near`` (nearly equal measures, or invalid
    ones, which it also leaves to the general path); ``None`` where there is none."""
    if formula.near is None:
        return None
    return streamed_direct(p, q, axis, dx, normalize, formula.near, extra)


def ratio_of_totals(p_total, q_total):
    """``(P / Q,)``: the number ``k`` of a ``given`` (:func:`one_direct`) for the direct
    formulas that take ``p + k q`` (JSD's, the triangular discrimination's)."""
    return (p_total / q_total,)


def _signs_fit(low, floor):
    """Whether the smallest mass ``low`` suits a direct formula: positive where it is
    accepted from ``floor`` up, else non-negative (NaN fails)."""
    return low > 0 if floor is not None else low >= 0


def short_totals(p, q, axis, dx, normalize, extra=None):
    """The namespace and totals ``(xp, P, Q)`` of one short distribution on the host, as
    the general path holds the totals, ``(sum * dx) / dx``, when they pass its checks;
    ``None`` for any other input.

    For NumPy arrays (exactly ``numpy.ndarray``) of one float dtype, one dimension and
    1 to ``BLOCK_ELEMENTS`` points (one block, as the general path sums it; ``extra``, a
    third array, alike), with ``axis`` 0 or -1, a float ``dx`` and a bool ``normalize``
    (:func:`~gancore._host.host_limits`' checks for one dimension, inline: 0.3 us a
    call less): NumPy scalars of the dtype. ``None`` where a total is 0, infinite, NaN,
    unnormalised (unless ``normalize``) or to be rescaled.
    """
    if type(p) is not np.ndarray:
        return None
    dtype = p.dtype
    limits = HOST_LIMITS.get(dtype)
    if not (limits is not None and type(q) is np.ndarray and q.dtype == dtype
            and p.ndim == 1 == q.ndim and 0 < (n := len(p)) <= BLOCK_ELEMENTS
            and len(q) == n and type(axis) is int and -1 <= axis <= 0
            and type(dx) is float and 0.0 < dx < math.inf
            and (normalize is False or normalize is True)
            and (extra is None or (type(extra) is np.ndarray and extra.dtype == dtype
                                   and extra.shape == p.shape))):
        return None
    p_total, q_total = numpy_totals(p, q, 0, False)  # (an overflowing sum is inf, quietly)
    low, high = float(p_total) * dx, float(q_total) * dx
    if low > high:  # (NaN stays, and fails)
        low, high = high, low
    if not totals_fit(limits, low, high, normalize):
        return None
    if dx != 1.0:  # checked at that size, then divided back (mass_pair)
        p_total, q_total = p_total * dx / dx, q_total * dx / dx
    return NUMPY, p_total, q_total


@np.errstate(all="ignore")  # (as a decorator errstate costs 0.6 us a call, as a context 1.0)
def _quietly(kernel, *args):
    """``kernel(*args)`` with NumPy's floating-point warnings silenced."""
    return kernel(*args)


def one_direct(p, q, axis, dx, normalize, formula, extra=None, then=None):
    """A direct formula (:class:`Direct`) of one short distribution on the host, with
    nothing around its checks but their passes; ``None`` where the general path must run.

    For the inputs of :func:`short_totals`, whose totals it checks as the general path
    does (one block, as the general path sums it, so the results are its bits): the
    smallest mass (NaN propagates), then ``finish(dot(a, b, *given(P, Q)[, c], xp=xp), P,
    Q)``, with ``c`` the array ``extra``, returned where ``formula`` accepts it, else,
    where its finite result lies below its floor, its ``fallback``'s (the careful sum)
    where that is finite. The operations are the general path's.

    The formula's ``signs`` says which masses the sign check reads: ``"both"``;
    ``"first"``, for a ``dot`` that is NaN or infinite wherever the first mass is
    positive and the second is not (KL's ``a log(a/b)``: a negative ratio's logarithm is
    NaN, a zero's denominator makes it infinite), which :func:`streamed_direct` uses
    (here both are read: an argmin each costs less than the errstate that an unknown
    second array would need); ``None``, for a ``dot`` that is NaN
    wherever a mass is negative (square roots), so that no pass reads the smallest mass
    and the formula runs with NumPy's warnings silenced.

    NumPy gives a scalar of the dtype. CPU torch tensors take the same on their NumPy
    views (:func:`~gancore._host.numpy_views`), the result a 0-d tensor of NumPy's
    bits. The formula runs with warnings silenced, unless the masses lie within the
    formula's ``calm_ratio`` of each other (the totals bound them; ``MODERATE_RATIO``
    keeps every quotient finite) and there is no ``extra``. ``then``, if given, maps
    the accepted result, for tensors before it becomes one (on a 0-d tensor each
    arithmetic operation costs 5 to 8 us).
    """
    tensors = None  # (torch's namespace, for tensors: their views run on here)
    if type(p) is not np.ndarray:
        views = numpy_views(p, q, extra)
        if views is None:
            return None
        tensors, p, q, extra = views
    found = short_totals(p, q, axis, dx, normalize, extra)
    if found is None:
        return None
    xp, p_total, q_total = found
    low = None
    if formula.signs is not None:  # (least_of's reads, inline: NaN in either is low)
        x, y = p.item(p.argmin()), q.item(q.argmin())
        low = x if x < y or x != x else y
        if not _signs_fit(low, formula.floor):
            return None
    out = _evaluated(formula, xp, p, q, extra, p_total, q_total, low)
    if out is not None and formula.floor is not None and not out >= formula.floor:
        fallback = formula.fallback  # (nearly equal measures: the careful sum)
        out = None if fallback is None else _evaluated(fallback, xp, p, q, extra, p_total,
                                                       q_total, low)
    if out is not None and then is not None:
        out = then(out)
    return out if tensors is None else tensor_of(tensors, out)


def _evaluated(formula, xp, p, q, extra, p_total, q_total, low):
    """``formula``'s result (:func:`one_direct`) of checked masses whose smallest is
    ``low`` (``None`` where unread); ``None`` where it is not finite or ``given`` refuses
    the totals."""
    dot, finish, given = formula.dot, formula.finish, formula.given
    arrays = (p, q) if extra is None else (p, q, extra)
    if given is not None:
        numbers = given(p_total, q_total)
        if numbers is None:
            return None
        arrays = (p, q, *numbers, *arrays[2:])
    if (extra is None and low is not None
            and max(p_total, q_total) <= low * formula.calm_ratio):
        out = finish(dot(*arrays, xp=xp), p_total, q_total)
    else:
        out = _quietly(lambda: finish(dot(*arrays, xp=xp), p_total, q_total))
    return out if math.isfinite(out) else None
