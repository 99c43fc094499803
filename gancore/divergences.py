"""Divergences between probability measures: KL, Jensen-Shannon and total variation.

Each function takes two arrays of masses (``dx=1``) or of densities sampled on a grid
(``dx`` the spacing or the quadrature weights) and reduces along ``axis``, so a batch of
distributions is one call. Inputs must be normalised to within ``max(1e-6, 1000 eps)``
(``normalize=True`` accepts any positive total, subnormal or near the largest float:
a measure whose total lies far from 1 is first scaled by an exact power of two. A
mass below 2**-1022 of its total becomes subnormal and keeps fewer digits, which KL and
the chi^2 divergences feel: with p = (1/2, 1/2) and q = (2**300, 1.23 * 2**-750), KL
is 2e-11 relative off. One below 2**-1074 of it, in float64, becomes 0: that moves
JSD and TV by less than the mass, and where it would turn KL, reverse KL or a chi^2
between finite and inf, they raise a ``ValueError``) and are then divided by their
total mass, so the result is the divergence of two exact probability measures.

Two evaluations, one result. When every mass is positive, a direct formula (one or two
logarithms and a dot product per point) runs first. Its terms may cancel, but their
sizes are bounded by the result: for KL, ``p |log(p/q)| <= |q - p| + (p log(p/q) - p
+ q)`` sums to at most ``2 + KL``; for JSD each term is at most ``(p + q) log 2``, so
they sum to at most ``4 log 2``; TV's direct form, ``1 - sum(min(p, kq)) / P``, sums
terms of total ``1 - TV`` (below 1). The rounding error is a few ulps of that (plus the
dot products' accumulation), so a result of at least ``DIRECT_FLOOR = 1/16`` (in ``_masses.py``) is
accurate to a few hundred ulps (below 1e-13 relative in float64) and is returned.
Smaller results, non-finite ones (an overflowing ratio), and inputs with zero masses
are recomputed term by term in a form that is non-negative and free of cancellation,
so the sums are never negative, and KL and JSD keep full relative precision when ``p``
and ``q`` are nearly equal, nearly disjoint, or tiny (TV, which moves at first order
with the rounding of the totals, keeps an absolute error of a few ulps; its direct
form's overlap ``sum(min(p, kq)) / P``, which the hinge critic's minimum takes, keeps
a relative one). The terms
are insensitive to the rounding of the totals at first order, not at second: in float32,
whose totals round at about 1e-7, a divergence below about 1e-9 carries an absolute
error of order 1e-14 (measured up to 3e-14 for nearly equal inputs of 50 to 1e5
points), so its relative precision falls below that; in float64 that floor is of
order 1e-31 (measured up to 1e-31 for KL of 10 to 200 nearly equal points whose totals
lie far from 1).

On the host (NumPy, PyTorch CPU, ``array_api_strict``) both evaluations walk the
arrays in blocks of ``BLOCK_ELEMENTS`` points, so their temporaries stay in cache and
each input is read from memory about twice (validation, then the formula), KL's
direct formula on one long NumPy distribution once (each block is checked and summed
while it is in cache; see ``_direct.streamed_direct``), and so its careful sum of
nearly equal measures whose totals lie within ``2**-50`` of each other (its terms over
the masses as they are, ``k = 1``, the totals' mismatch applied after: ``KL_NEAR``);
on a GPU each is one whole-array pass. The term-by-term form is chosen per block from
its largest ``|u|`` (see the terms below): where every point is near (``|u| < 1/8``),
KL and JSD sum Taylor series of non-negative terms, cut where the terms left out fall
below ``2**-60`` of the first, and need no logarithm; elsewhere the closed forms. A
host input of at least 16 blocks whose first block is that near (its terms below 1/64
per unit of its mass) skips the direct formula, which would be rejected after a whole
pass.

Per call, the checks cost what they must: for inputs of up to 65536 points, one
minimum over both arrays (NaN propagates through it; small NumPy arrays read it through
an argmin each) and one sum of each, from which the non-negative, finite and normalised
checks all follow; the namespace and each dtype's check are remembered per type, and
NumPy arrays (or CPU torch tensors) of one float dtype and shape with a scalar ``dx``
skip the general path's Python around those passes. One distribution's totals are 0-d,
which broadcast at a third of a (1,) array's cost. One short distribution on the host
(NumPy; CPU torch tensors through their NumPy views, ``_host.numpy_views``) takes
KL's and JSD's direct formula with nothing around those passes
(``_direct.one_direct``), and TV its sign check from its own formula's minimum,
``min(p, kq)``, whose smallest element is negative exactly when a mass is; where the
direct result falls below ``DIRECT_FLOOR`` (nearly equal measures), the careful sum
follows on the same checks, as the general path would take it (1.6 to 2.3 times faster
than through the general path for NumPy arrays of 1e3 nearly equal points, 3.5 to 4.8
for CPU tensors, which took torch's operations there). KL's direct
formula needs the smallest mass of ``p`` alone: where ``p > 0``, a negative ``q`` makes
``log(p/q)`` NaN and a zero one makes it infinite, so that the result is refused; the
one pass of a long NumPy distribution reads that one minimum (short arrays read both
through an argmin each, which costs less than silencing the warnings that an unchecked
``q`` could raise).
"""

import math
from functools import partial

import numpy as np

from ._arrays import NUMPY, boolean, extremes, finfo_float, to_float, tracks_gradient
from ._direct import (Direct, careful_formula, one_direct, ratio_of_totals, short_totals,
                      streamed_direct)
from ._elementwise import log_ratio, plus_times
from ._host import largest, numpy_views, tensor_of
from ._masses import (DIRECT_FLOOR, MODERATE_RATIO, accepted, aligned, block_sum,
                      careful_first, careful_sum, clipped, difference, log_base, mass_pair,
                      near_mismatch, quiet, rows, shaped, unscaled, warns)

__all__ = ["jsd", "kl", "tv"]

# psi(u) / u**2 = ((1 + u) atanh(u) - u) / u**2 = sum_j u**j / (2 ceil(j / 2) + 1)
# = 1 + (u + u**2) g(u**2), whose odd and even terms pair up in g(v) = sum_i g_i v**i,
# g_i = 1 / (2 i + 3): a series in v = u**2, half as long as psi's in u. For |u| < 1/8
# the terms past i = 9 are below 1e-18 of the sum.
_PSI_G_COEFFS = tuple(1.0 / (2 * i + 3) for i in range(10))
_PSI_SERIES_BELOW = 0.125
# Taylor coefficients of phi(u) / (4 u**2) = sum_i d_i u**(2 i), d_i = 1 / (4 (i + 1)
# (2 i + 1)), phi(u) = (1 + u) log(1 + u) + (1 - u) log(1 - u) (all positive: no
# cancellation); the 1/4 is JSD's term s phi / 4 (a power of two: the same bits as
# dividing by 4 after). For |u| < 1/8 the terms past i = 9 are below 1e-18 of the sum.
_PHI_QUARTERS = tuple(1.0 / (4 * (i + 1) * (2 * i + 1)) for i in range(10))
# A series truncated where the terms it leaves out, at the largest |u| (or u**2) of a
# block, are below 2**-60 (8.7e-19) of its first term: beyond rounding.
_TRUNCATION_BITS = 60


def _terms_needed(largest, coefficients, weight=1.0):
    """How many of ``coefficients`` a power series in x needs for ``|x| <= largest``
    (0 < largest < 1), where the terms left out come to at most ``weight`` times the
    next power of ``largest``, relative to the first term: they are then below
    ``2**-60`` of it."""
    if largest == 0.0:
        return 1
    bits = _TRUNCATION_BITS + math.log2(weight)
    return min(len(coefficients), max(1, math.ceil(bits / -math.log2(largest))))


def _kl_terms(a, b, k, delta, *, xp, positive=False):
    """Per-point ``a log(a/kb) - a + kb`` (>= 0): inf where ``b = 0 < a``, ``kb`` where
    ``a = 0``; summed and divided by P (see :func:`aligned`) it is KL.

    Adding ``kb - a`` leaves the sum unchanged for normalised measures and makes every
    term non-negative. Near ``a = kb`` it is evaluated through ``u = (a - kb)/(a + kb)``
    as ``(a + kb) psi(u)``, psi by its Taylor series; elsewhere directly. ``positive``:
    every mass is known positive, so no point needs the guards of a zero mass; a block
    whose points are all near takes the series alone.
    """
    if positive:
        a_s, b_s = a, b
    else:
        both = (a > 0) & (b > 0)
        a_s, b_s = xp.where(both, a, 1.0), xp.where(both, b, 1.0)
    kb = k * b_s
    s = a_s + kb
    u = difference(a_s, b_s, delta)  # ((a - b) - delta b) / s, updated in place (the
    u /= s                           # same bits, fewer temporaries)
    v = u * u
    # the largest u**2, not |u|: the same comparisons (|u| < c iff u**2 < c**2 for a
    # power of two c, rounding included) without a pass for |u|
    largest_sq = _largest(xp, v)
    if largest_sq < _PSI_SERIES_BELOW ** 2:  # every point near: the series, as long as needed
        h = _psi_factor(u, v, largest_sq, xp=xp)  # s v h, as s * v * h rounds it
        inner = s * v
        inner *= h
    else:
        small = v < _PSI_SERIES_BELOW ** 2
        us, vs = xp.where(small, u, 0.0), xp.where(small, v, 0.0)
        near = s * vs * (1.0 + (us + vs) * _horner(vs, _PSI_G_COEFFS, xp=xp))
        far = a_s * log_ratio(a_s, kb, xp=xp) - a_s + kb
        inner = xp.where(small, near, far)
    return inner if positive else xp.where(both, inner, xp.where(a > 0, math.inf, k * b))


def _psi_factor(u, v, largest_sq, *, xp):
    """``psi(u) / u**2 = 1 + (u + v) g(v)`` (``v = u**2``) by g's series, as long as the
    block's largest ``v``, ``largest_sq`` (below 1/64), needs: as
    ``1.0 + (u + v) * g`` rounds it."""
    # g enters as (u + v) g, and the coefficients it leaves out are at most 1/5, their
    # tail at most 1/4.9 of the next power (u**2 < 1/64): 3 of them in place of 4 for
    # |u| < 2e-3 (q = p (1 +- 1e-3)), two operations a point fewer
    weight = (math.sqrt(largest_sq) + largest_sq) / 4.9
    g = _horner(v, _PSI_G_COEFFS[:_terms_needed(largest_sq, _PSI_G_COEFFS, weight)], xp=xp)
    h = u + v
    h *= g
    h += 1.0
    return h


def _horner(u, coefficients, *, xp):
    """``sum_j coefficients[j] u**j`` by Horner's rule (``u`` finite); the constant itself,
    a float, for one coefficient."""
    if len(coefficients) == 1:
        return coefficients[0]
    series = coefficients[-1] * u  # (updated in place: the same bits as series * u + c)
    series += coefficients[-2]
    for c in reversed(coefficients[:-2]):
        series *= u
        series += c
    return series


def _largest(xp, x):
    """The largest element of ``x`` (finite), as a Python float: through ``argmax`` on
    NumPy (1.2 us for 8192 points in place of ``max``'s 2.8)."""
    return largest(xp, x) if xp is NUMPY else to_float(xp.max(x))


def _jsd_terms(a, b, k, delta, *, xp, positive=False):
    """Per-point ``(a log(2a/s) + kb log(2kb/s)) / 2``, ``s = a + kb`` (>= 0, at most
    ``s log 2 / 2``); summed and divided by P (see :func:`aligned`) it is JSD.

    With ``u = (a - kb)/s`` the term is ``s phi(u) / 4``, where
    ``phi(u) = (1+u) log(1+u) + (1-u) log(1-u) = 2 u atanh(u) + log1p(-u**2)``. The
    second form has no cancellation for ``|u| < 1/2``; the first, with ``1 +- u = 2a/s,
    2kb/s`` formed from the masses, has none beyond a factor of 3 for ``|u| >= 1/2``.
    ``positive``: every mass is known positive (no guard for ``s = 0``); a block whose
    points all have ``|u| < 1/2`` takes the second form alone, and one whose points all
    have ``|u| < 1/8`` phi's Taylor series in ``u**2`` (positive terms).
    """
    kb = k * b
    s = a + kb
    if positive:
        ss = s
    else:
        pos = s > 0
        ss = xp.where(pos, s, 1.0)
    u = difference(a, b, delta)  # ((a - b) - delta b) / ss, in place as in _kl_terms
    u /= ss
    v = u * u
    largest_sq = _largest(xp, v)  # as in _kl_terms: u**2's bounds are |u|'s
    if largest_sq < _PSI_SERIES_BELOW ** 2:  # every point near: phi's series, no log
        quarter = _PHI_QUARTERS[:_terms_needed(largest_sq, _PHI_QUARTERS)]
        inner = v * _horner(v, quarter, xp=xp)  # s (v h), as s * (v * h) rounds it
        inner *= s
        return inner if positive else xp.where(pos, inner, 0.0)
    if largest_sq < 0.25:
        phi = 2.0 * u * xp.atanh(u) + xp.log1p(-v)
    else:
        small = v < 0.25
        us = xp.where(small, u, 0.0)
        near = 2.0 * us * xp.atanh(us) + xp.log1p(-us * us)
        x, y = 2.0 * a / ss, 2.0 * kb / ss
        x_log_x = x * xp.log(xp.where(x > 0, x, 1.0))
        y_log_y = y * xp.log(xp.where(y > 0, y, 1.0))
        phi = xp.where(small, near, x_log_x + y_log_y)
    return s * phi / 4.0 if positive else xp.where(pos, s * phi / 4.0, 0.0)


def _jsd_direct(xp, p, q, p_total, q_total):
    """JSD by the direct formula, for positive masses (see the module docstring).

    With k = P/Q and x = p/(p + kq), 1 - x = kq/(p + kq):
    2 P JSD = sum(p log 2x + kq log 2(1 - x))
            = sum(p log x) + k sum(q log(1 - x)) + 2 P log 2.
    """
    k = p_total / q_total
    k_row = rows(k)

    def terms(a, b):
        log_x, log_rest = _jsd_dots(a, b, k, xp=xp)
        return log_x + k_row * log_rest

    with quiet(not warns(xp)):  # x rounding to 0 or 1 gives a non-finite result
        return block_sum(xp, terms, p, q) / (2.0 * rows(p_total)) + math.log(2.0)


def _jsd_dots(a, b, k, *, xp):
    """``(sum(a log x), sum(b log(1 - x)))``, ``x = a / (a + k b)``, of positive masses
    (``k = P/Q``; see :func:`_jsd_direct`)."""
    x = a / plus_times(a, k, b, xp=xp)
    return xp.vecdot(a, xp.log(x)), xp.vecdot(b, xp.log(1.0 - x))


def _jsd_from_dots(dots, p_total, q_total):
    """JSD from :func:`_jsd_dots`' sums and the totals, as :func:`_jsd_direct` forms it
    (with the clip to log 2 of :func:`jsd`: a scalar of the sums' type)."""
    out = (dots[0] + (p_total / q_total) * dots[1]) / (2.0 * p_total) + math.log(2.0)
    return out if out <= math.log(2.0) else type(out)(math.log(2.0))


def _jsd_from_careful(out, p_total, q_total):
    """JSD from its careful sum and the totals, ``out / P`` with :func:`jsd`'s clip to
    log 2 (the careful sum is never negative)."""
    out = out / p_total
    return out if out <= math.log(2.0) else type(out)(math.log(2.0))


# one short host distribution: every x = a/(a + kb) may round to 1 (1 - x to 0), so the
# formula runs with NumPy's warnings silenced (calm_ratio 0)
_JSD_DIRECT = Direct(_jsd_dots, _jsd_from_dots, given=ratio_of_totals, calm_ratio=0.0,
                     fallback=careful_formula(partial(_jsd_terms, positive=True),
                                              _jsd_from_careful))


def kl(p, q, /, *, axis=-1, dx=1.0, base=None, keepdims=False, normalize=False):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p \| q) = \sum p \log(p/q)\,dx`.

    In nats (bits with ``base=2``), with :math:`0 \log 0 = 0`.

    Parameters
    ----------
    p, q : array
        Masses (``dx=1``) or densities on a grid, non-negative and finite, of one
        namespace and device. They broadcast against each other and must have the same
        length along ``axis``. Lists are converted to NumPy float64.
    axis : int, optional
        The axis holding each distribution; the others are batch axes.
    dx : float or array, optional
        Grid spacing, or quadrature weights (a 1-D array lies along ``axis``).
    base : float, optional
        Logarithm base: natural logarithms (nats) by default, ``base=2`` gives bits; the
        result is the natural one divided by ``log(base)``.
    keepdims : bool, optional
        Keep ``axis`` in the result as a length-1 axis (as ``scipy.stats.entropy``).
    normalize : bool, optional
        If false (default), each total mass ``sum(p * dx)`` must be within
        ``max(1e-6, 1000 eps)`` of 1; if true any positive total is accepted. Either way
        ``p`` and ``q`` are divided by their totals.

    Returns
    -------
    array
        KL along ``axis``, in the inputs' namespace, device and floating dtype (lists
        give float64). In ``[0, inf]``: 0 exactly when ``p = q``; ``inf`` where some
        point has ``q = 0 < p``.

    Raises
    ------
    TypeError
        Non-float dtypes (integers, booleans, complex numbers, objects), arguments that
        are not arrays of real numbers (``None``, strings, ragged lists), arrays from
        different namespaces, an ``axis`` that is not an int, a ``normalize`` or
        ``keepdims`` that is not a bool.
    ValueError
        Negative, NaN or infinite mass; unnormalised input; with ``normalize``, a total
        that overflows, or a positive mass below the dtype's smallest positive number
        times its total, which would count as 0, where the other measure's mass makes
        that turn KL between finite and inf; empty or 0-d arrays; lengths or shapes
        that do not match; arrays on different devices; bad ``dx``, ``axis`` or
        ``base``.

    Notes
    -----
    For masses :math:`p, q > 0` with totals :math:`P, Q`, the direct formula
    :math:`\mathrm{KL} = \frac1P \sum p \log(p/q) + \log(Q/P)` is tried first (a
    division, a logarithm and a dot product per point) and returned when it is at least
    1/16, where its rounding error is below ~1e-13 relative. Otherwise each point
    contributes :math:`p \log(p/q) - p + q \ge 0` (the added terms sum to 0),
    evaluated near :math:`p = q` by a series in :math:`u = (p-q)/(p+q)`, so the result
    keeps full relative precision as :math:`q \to p`. Cost: O(n) time; on the CPU the
    work runs in blocks of 8192 points, so temporaries stay in cache, and one NumPy
    distribution of at least 16 blocks is checked in the formula's own pass (nearly
    equal ones in the series' own pass, where their totals lie within ``2**-50`` of each
    other).

    Examples
    --------
    >>> import numpy as np, gancore
    >>> round(float(gancore.kl(np.array([0.5, 0.5]), np.array([0.9, 0.1]))), 6)
    0.510826
    >>> float(gancore.kl(np.array([0.5, 0.5]), np.array([1.0, 0.0])))
    inf
    >>> round(float(gancore.kl(np.array([0.5, 0.5]), np.array([0.25, 0.75]), base=2)), 12)
    0.207518749639
    """
    out = one_direct(p, q, axis, dx, normalize, KL_DIRECT) if keepdims is False else None
    if out is not None and base is None:  # the commonest call: nothing left to check
        return out
    scale, _ = log_base(base), boolean("keepdims", keepdims)
    if out is not None:
        return out / scale
    out = streamed_direct(p, q, axis, dx, normalize, KL_DIRECT)
    if out is not None:
        return shaped(NUMPY, out if base is None else out / scale, 0, keepdims)
    xp, p, q, p_total, q_total, (low, high), ax = mass_pair(p, q, axis, dx, normalize,
                                                            denominator="q")
    positive = low > 0
    terms = partial(_kl_terms, positive=positive)
    out = None
    if positive and not careful_first(xp, terms, p, q, p_total, q_total):
        # KL = sum(p log(p/q)) / P + log(Q/P) for masses p, q of totals P, Q. A ratio
        # that overflows falls through below; it cannot where the masses lie within a
        # factor of MODERATE_RATIO of each other, and entering errstate costs a
        # microsecond a call (and silences nothing outside NumPy)
        with quiet(not warns(xp) or high <= low * MODERATE_RATIO):
            dots = block_sum(xp, lambda a, b: xp.vecdot(a, xp.log(a / b)), p, q)
        p_row = rows(p_total)
        out = dots / p_row + xp.log(rows(q_total) / p_row)
    if out is None or not accepted(xp, out):
        out = careful_sum(xp, terms, p, q, p_total, q_total)
    return shaped(xp, out if base is None else out / scale, ax, keepdims)


def _kl_dot(a, b, *, xp):
    """``sum(a log(a/b))`` of two blocks of positive masses."""
    return xp.vecdot(a, xp.log(a / b))


def _kl_from_dot(dot, p_total, q_total):
    """KL from ``sum(p log(p/q))`` and the totals (NumPy scalars): ``dot / P + log(Q /
    P)``."""
    return dot / p_total + np.log(q_total / p_total)


def _kl_near_dot(a, b, *, xp):
    """``(sum(a log(a/b) - a + b), sum(a - b))`` of two blocks of positive masses that
    all lie near each other (``|u| < 1/8``, ``u = (a - b)/(a + b)``): the first as
    ``(a + b) psi(u)`` by psi's series, :func:`_kl_terms`' form with ``k = 1``, summed
    by a dot product; the second of exact differences (the block's part of P - Q, free
    of the totals' rounding). NaN where a point is not that near (or a mass is NaN,
    infinite or not positive: ``|u| >= 1`` where a mass is 0 or of the other's sign),
    which ends the near pass."""
    s = a + b
    u = a - b
    difference_sum = xp.sum(u)
    u /= s
    v = u * u
    largest_sq = _largest(xp, v)  # (NaN fails)
    if not largest_sq < _PSI_SERIES_BELOW ** 2:
        return math.nan
    s *= v
    return xp.vecdot(s, _psi_factor(u, v, largest_sq, xp=xp)), difference_sum


def _kl_from_near_dot(sums, p_total, q_total):
    """KL from ``(S, D)``, ``S = sum(p log(p/q) - p + q)`` and ``D = sum(p - q)`` over
    the masses, and their totals P and Q, which lie within ``NEAR_TOTALS`` of each
    other (NaN otherwise: the general path aligns them): with ``x = D/P``,
    ``KL = S/P + x + log(1 - x) = S/P - x**2/2``, the terms of ``x**3`` and beyond below
    ``2**-50`` of ``x**2``. D in place of the totals' difference leaves their rounding
    (delta relative, a few eps) a part ``delta x**2`` of the result, where P - Q would
    leave ``x delta`` (1e-31 in float64)."""
    total, difference_sum = sums
    x = near_mismatch(difference_sum, p_total)
    return total / p_total - 0.5 * x * x


# KL of nearly equal measures in one pass over one long NumPy distribution (their terms
# with k = 1, in place of the careful sum's aligned totals, which it would need before
# its pass); where p > 0, a q that is 0 or negative makes |u| >= 1 (the sign check reads
# p alone)
KL_NEAR = Direct(_kl_near_dot, _kl_from_near_dot, floor=None, signs="first",
                 difference=True)
# (where p > 0, a q that is negative makes log(p/q) NaN and a q of 0 makes it infinite:
# the sign check reads p alone)
KL_DIRECT = Direct(_kl_dot, _kl_from_dot, signs="first",
                   fallback=careful_formula(partial(_kl_terms, positive=True)),
                   near=KL_NEAR)


def jsd(p, q, /, *, axis=-1, dx=1.0, base=None, keepdims=False, normalize=False):
    r"""Jensen-Shannon divergence :math:`\tfrac12 \mathrm{KL}(p\|m) + \tfrac12 \mathrm{KL}(q\|m)`.

    With :math:`m = (p + q)/2`. This is the divergence (the standard one, with the
    factor 1/2), not the Jensen-Shannon distance, its square root.

    Parameters
    ----------
    p, q, axis, dx, base, keepdims, normalize
        As in :func:`kl`.

    Returns
    -------
    array
        JSD along ``axis`` in ``[0, log 2]`` (``[0, 1]`` with ``base=2``): 0 exactly when
        ``p = q``, exactly ``log 2`` when the supports are disjoint. Rounding never takes
        it outside that interval (the result is clipped to it). Never NaN for valid input.

    Raises
    ------
    TypeError, ValueError
        As in :func:`kl`.

    Notes
    -----
    Each point contributes :math:`\tfrac{s}{4}\,\varphi(u)` with :math:`s = p + q`,
    :math:`u = (p - q)/s` and
    :math:`\varphi(u) = (1+u)\log(1+u) + (1-u)\log(1-u) = 2u\,\mathrm{artanh}\,u + \log(1-u^2)`,
    a non-negative term evaluated without cancellation, so near-equal and near-disjoint
    inputs keep full relative precision (in float32 down to a JSD of about 1e-9, below
    which the rounding of the totals leaves an absolute error of order 1e-14; see the
    module's notes). When every mass is
    positive, the direct formula (two logarithms and two dot products per point) is
    tried first and returned when it is at least 1/16, where its rounding error is below
    ~1e-13 relative. Cost: O(n) time, in blocks of 8192 points on the CPU.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    0.6931471805599453
    >>> float(gancore.jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0]), base=2))
    1.0
    """
    scale, _ = log_base(base), boolean("keepdims", keepdims)
    out = None if keepdims else one_direct(p, q, axis, dx, normalize, _JSD_DIRECT)
    if out is not None:
        return out if base is None else out / scale
    xp, p, q, p_total, q_total, (low, _), ax = mass_pair(p, q, axis, dx, normalize)
    positive = low > 0
    terms = partial(_jsd_terms, positive=positive)
    out = None
    if positive and not careful_first(xp, terms, p, q, p_total, q_total):
        out = _jsd_direct(xp, p, q, p_total, q_total)
    if out is None or not accepted(xp, out):
        out = careful_sum(xp, terms, p, q, p_total, q_total)
    out = clipped(xp, out, math.log(2.0))
    return shaped(xp, out if base is None else out / scale, ax, keepdims)


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


def total_variation(p, q, *, axis, dx, keepdims, normalize, names=("p", "q"),
                    of_overlap=None):
    """:func:`tv`, its errors naming the measures by ``names`` (for callers whose
    arguments are ``p_data`` and ``p_g``); or, where ``of_overlap`` is given,
    ``of_overlap(O)`` of the overlap ``O = sum(min(p/P, q/Q)) = 1 - TV`` itself,
    the direct form's sum over P: a sum of non-negative terms, within a few ulps of O
    relative to it (no careful form is needed; ``1 - TV`` would lose O's digits where
    the supports barely overlap). For CPU tensors ``of_overlap`` is taken on the NumPy
    result of their views, before it becomes a tensor (on a 0-d tensor each arithmetic
    operation costs 5 to 8 us)."""
    out = _one_host_tv(p, q, axis, dx, keepdims, normalize, of_overlap)
    if out is not None:
        return out
    return _general_tv(p, q, axis, dx, keepdims, normalize, names, of_overlap)


def _general_tv(p, q, axis, dx, keepdims, normalize, names=("p", "q"), of_overlap=None):
    """:func:`total_variation` for every input (after :func:`_one_host_tv`)."""
    boolean("keepdims", keepdims)
    xp, p, q, p_total, q_total, _, ax = mass_pair(p, q, axis, dx, normalize, names)
    # direct: min(x, y) = (x + y - |x - y|) / 2, so TV = 1 - sum(min(p, k q)) / P, k = P/Q
    k = p_total / q_total
    if _unit_ratio(*extremes(xp, k), finfo_float(xp, p.dtype, "eps")) and not (
            tracks_gradient(p) or tracks_gradient(q)):
        k = None  # (masses that track a gradient keep k: its gradient holds Q's part)
    overlap = (block_sum(xp, lambda a, b: xp.sum(xp.minimum(a, b if k is None else k * b),
                                                 axis=-1), p, q)
               / rows(p_total))
    if of_overlap is not None:  # sum(min(p, kq)) lies in [0, P]
        return of_overlap(shaped(xp, clipped(xp, overlap, 1.0), ax, keepdims))
    direct = 1.0 - overlap
    if accepted(xp, direct):  # in [1/16, 1]
        return shaped(xp, direct, ax, keepdims)
    cp, cq, p_scaled, _, delta = aligned(p_total, q_total, xp=xp)

    def distance(a, b):  # |p/P - q/Q| = |(a - b) - delta b| / P for the scaled a, b
        if cp is not None:
            a, b = a * cp, b * cq
        return xp.sum(xp.abs(difference(a, b, delta)), axis=-1)

    dist = block_sum(xp, distance, p, q)
    return shaped(xp, clipped(xp, 0.5 * dist / rows(p_scaled), 1.0), ax, keepdims)


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
    Where ``of_overlap`` is given, ``of_overlap(sum(m)/P)`` (:func:`total_variation`).
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
