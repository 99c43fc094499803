"""Divergences between probability measures: KL and Jensen-Shannon; total variation, on
the same conventions, is in ``gancore.total_variation``.

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
host input of at least 4 blocks on NumPy (16 on other namespaces) whose first points
are that near (their terms below 1/64 per unit of their mass: a block's worth over
the rows, at most an eighth of each) skips the direct formula, which would be
rejected after a whole pass (``_masses.careful_first``).

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

from ._arrays import boolean
from ._careful_terms import (PSI_SERIES_BELOW, jsd_terms, kl_terms, largest_element,
                             psi_factor)
from ._direct import Direct, careful_formula, one_direct, ratio_of_totals, streamed_direct
from ._elementwise import plus_times
from ._masses import (MODERATE_RATIO, accepted, block_sum, careful_first, careful_rows,
                      careful_sum, clipped, log_base, mass_pair, near_mismatch, quiet, rows,
                      shaped, warns)
from ._namespaces import NUMPY

__all__ = ["jsd", "kl"]


def _jsd_direct(xp, p, q, p_total, q_total):
    """JSD by the direct formula, for positive masses (see the module docstring).

    With k = P/Q and x = p/(p + kq), 1 - x = kq/(p + kq):
    2 P JSD = sum(p log 2x + kq log 2(1 - x))
            = sum(p log x) + k sum(q log(1 - x)) + 2 P log 2.
    """
    def terms(a, b, k):
        log_x, log_rest = _jsd_dots(a, b, k, xp=xp)
        return log_x + rows(k) * log_rest

    with quiet(not warns(xp)):  # x rounding to 0 or 1 gives a non-finite result
        return (block_sum(xp, terms, (p, q), (p_total / q_total,)) / (2.0 * rows(p_total))
                + math.log(2.0))


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
                     fallback=careful_formula(partial(jsd_terms, positive=True),
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
    terms = partial(kl_terms, positive=positive)
    out = None
    if positive and not careful_first(xp, terms, p, q, p_total, q_total,
                                      costly_direct=True):
        # KL = sum(p log(p/q)) / P + log(Q/P) for masses p, q of totals P, Q. A ratio
        # that overflows falls through below; it cannot where the masses lie within a
        # factor of MODERATE_RATIO of each other, and entering errstate costs a
        # microsecond a call (and silences nothing outside NumPy)
        with quiet(not warns(xp) or high <= low * MODERATE_RATIO):
            dots = block_sum(xp, lambda a, b: xp.vecdot(a, xp.log(a / b)), (p, q))
        p_row = rows(p_total)
        out = dots / p_row + xp.log(rows(q_total) / p_row)
    if out is None or not accepted(xp, out):
        careful = partial(careful_sum, xp, terms)
        out = careful_rows(xp, out, careful, p, q, p_total, q_total)
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
    ``(a + b) psi(u)`` by psi's series, :func:`kl_terms`' form with ``k = 1``, summed
    by a dot product; the second of exact differences (the block's part of P - Q, free
    of the totals' rounding). NaN where a point is not that near (or a mass is NaN,
    infinite or not positive: ``|u| >= 1`` where a mass is 0 or of the other's sign),
    which ends the near pass."""
    s = a + b
    u = a - b
    difference_sum = xp.sum(u)
    u /= s
    v = u * u
    largest_sq = largest_element(xp, v)  # (NaN fails)
    if not largest_sq < PSI_SERIES_BELOW ** 2:
        return math.nan
    s *= v
    return xp.vecdot(s, psi_factor(u, v, largest_sq, xp=xp)), difference_sum


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
                   fallback=careful_formula(partial(kl_terms, positive=True)),
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
    terms = partial(jsd_terms, positive=positive)
    out = None
    if positive and not careful_first(xp, terms, p, q, p_total, q_total,
                                      costly_direct=True):
        out = _jsd_direct(xp, p, q, p_total, q_total)
    if out is None or not accepted(xp, out):
        careful = partial(careful_sum, xp, terms)
        out = careful_rows(xp, out, careful, p, q, p_total, q_total)
    out = clipped(xp, out, math.log(2.0))
    return shaped(xp, out if base is None else out / scale, ax, keepdims)
