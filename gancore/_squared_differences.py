r"""Private formulas of the f-divergences whose terms are squared differences:
Pearson's :math:`\chi^2`, :math:`\sum (p - q)^2 / q` (Neyman's is Pearson's of the
measures swapped), the squared Hellinger distance,
:math:`\sum (\sqrt p - \sqrt q)^2 = \sum (p - q)^2 / (\sqrt p + \sqrt q)^2`, and the
triangular discrimination, :math:`\sum (p - q)^2 / (p + q)`.

Each has a direct formula, taken where its result is at least ``DIRECT_FLOOR``, and a
careful sum of its non-negative terms, taken below (nearly equal measures); the direct
formulas of one host distribution are records (:class:`~gancore._direct.Direct`).
:func:`gancore.f_divergence` (in :mod:`gancore.f_divergences`) chooses among them.
"""

import math
from functools import partial

import numpy as np

from ._arrays import extremes
from ._direct import Direct, careful_formula, ratio_of_totals
from ._elementwise import plus_times
from ._masses import (MODERATE_RATIO, accepted, block_sum, careful_first, careful_rows,
                      careful_sum, difference, near_mismatch, quiet, rows)


def pearson_near_one(xp, out, a, b, a_total, b_total):
    """Pearson's chi^2 ``out`` again where it is infinite: each careful term
    ``(a - kb)^2 / kb`` is the larger total P times the normalised one, so with totals
    above 1 (up to 2^256 pass unscaled) a term can overflow where the result does not.
    The masses scaled by the power of two that brings the largest total near 1 give
    the same terms over P, exactly, where no positive mass falls to 0 (``out`` is kept
    where one would: the masses' zeros decide which terms are infinite), in the rows
    where it is infinite with no positive mass of ``a`` where ``b``'s is 0."""
    top = max(extremes(xp, a_total)[1], extremes(xp, b_total)[1])
    if not 2.0 < top < math.inf:
        return out
    # a row with a positive mass of a where b's is 0 is inf at every scale (count
    # histograms with an empty bin): no second sum for it
    overflowed = (out == math.inf) & ~xp.any((a > 0.0) & (b == 0.0), axis=-1)
    if not bool(xp.any(overflowed)):
        return out
    scale = 2.0 ** -math.floor(math.log2(top))
    a_scaled, b_scaled = a * scale, b * scale
    if bool(xp.any(((a_scaled == 0.0) & (a > 0.0)) | ((b_scaled == 0.0) & (b > 0.0)))):
        return out
    again = careful_sum(xp, pearson_terms, a_scaled, b_scaled, a_total * scale,
                        b_total * scale)
    return xp.where(overflowed, again, out)


def _pearson_from_dot(dot, a_total, b_total):
    """Pearson's chi^2 from ``D = sum(a^2 / b)`` and the totals P of ``a``, Q of ``b``:
    ``(Q / P)(D / P) - 1`` (the sum of (a/P)^2 / (b/Q), less 1)."""
    return (b_total / a_total) * (dot / a_total) - 1.0


def direct_pearson(xp, a, b, a_total, b_total, *, bounds):
    """Pearson's chi^2 of positive masses by the direct formula,
    ``(Q / P) sum(a^2 / b) / P - 1`` (totals P of ``a``, Q of ``b``).

    The dot product's terms are positive and their normalised sum is ``1 + chi^2``, so
    its roundings (a few eps, plus the dot product's accumulation) leave chi^2 within
    that much times ``(1 + chi^2) / chi^2``: at most 17 times, below 1e-13 relative, for
    a result of at least ``DIRECT_FLOOR``, which the caller accepts (smaller ones are
    summed again, without cancellation). ``bounds`` (the masses' least and an upper
    bound on them): where the masses lie within ``MODERATE_RATIO`` of each other and
    below 1024, no quotient or term can overflow or divide by zero, and no errstate is
    entered.
    """
    low, high = bounds
    with quiet(high <= min(1024.0, low * MODERATE_RATIO)):  # inf is not accepted
        dot = block_sum(xp, lambda x, y: xp.vecdot(x, x / y), (a, b))
        return _pearson_from_dot(dot, rows(a_total), rows(b_total))


def _pearson_dot(a, b, *, xp):
    """``sum(a^2 / b)`` of two blocks of positive masses."""
    return xp.vecdot(a, a / b)


def positive_pearson_terms(a, b, k, delta, *, xp):
    """:func:`pearson_terms` for positive masses: ``d (d / kb)`` with no guard. Where
    ``kb`` is subnormal, ``d / kb`` can overflow though the term need not; the sum is
    then inf, and the caller redoes it with the guards."""
    d = difference(a, b, delta)
    terms = d / (k * b)
    terms *= d
    return terms


def pearson_terms(a, b, k, delta, *, xp):
    """Per-point ``(a - kb)^2 / (kb)`` (>= 0; inf where ``b = 0 < a``); summed and divided
    by P it is Pearson's chi^2 (see ``_masses.aligned``)."""
    kb = k * b
    d = difference(a, b, delta)
    # d (d / kb), not d^2 / kb: d^2 underflows for tiny masses whose term need not
    with np.errstate(over="ignore"):
        ratio = d / xp.where(kb > 0, kb, 1.0)
        terms = d * ratio
        far = xp.isinf(ratio)
        if bool(xp.any(far)):  # kb subnormal: d / kb overflows where the term need not
            root = d / xp.sqrt(xp.where(far, kb, 1.0))
            terms = xp.where(far, root * root, terms)
    return xp.where(kb > 0, terms, xp.where(a > 0, math.inf, xp.zeros_like(a)))


# Hellinger's and the triangular discrimination's direct formulas. Each normalised sum
# is 2 less a positive sum of the masses' products: H = 2 - 2 BC, BC = sum sqrt(p q) /
# sqrt(P Q) (the Bhattacharyya coefficient), and Delta = 2 - 4 sum p q / (Q p + P q),
# since (p/P - q/Q)^2 / (p/P + q/Q) = p/P + q/Q - 4 (p/P)(q/Q) / (p/P + q/Q). The
# products' roundings (a few eps, and the dot product's accumulation) move the result
# by that much of 2, so at least DIRECT_FLOOR it lies within 32 times that, below 1e-13
# relative, as KL's and Pearson's direct formulas; smaller results (nearly equal
# measures) are summed term by term, without cancellation.
def _hellinger_dot(a, b, *, xp):
    """``sum(sqrt(a) sqrt(b))`` of two blocks of masses (each root exact to half an ulp:
    no product of two tiny masses underflows)."""
    return xp.vecdot(xp.sqrt(a), xp.sqrt(b))


def _hellinger_from_dot(dot, p_total, q_total, *, sqrt=np.sqrt):
    """The squared Hellinger distance ``2 - 2 S / sqrt(P Q)`` from ``S = sum(sqrt(p)
    sqrt(q))`` and the totals; ``sqrt`` of the totals' namespace (NumPy's by
    default)."""
    return 2.0 - 2.0 * (dot / sqrt(p_total * q_total))


def hellinger_sum(xp, p, q, p_total, q_total, positive):
    """Hellinger's sum of validated masses: the direct formula, where accepted, else the
    careful sum (its guards of points where both masses are 0 left out for ``positive``
    masses)."""
    return _direct_else_careful(xp, partial(_hellinger_terms, guarded=not positive),
                                p, q, p_total, q_total, dot=_hellinger_dot,
                                finish=partial(_hellinger_from_dot, sqrt=xp.sqrt))


def _direct_else_careful(xp, terms, p, q, p_total, q_total, *, dot, finish, given=None):
    """A direct formula of validated masses, ``finish(S, P, Q)`` with ``S`` the sum over
    blocks of ``dot(a, b, *given(P, Q), xp=xp)`` (``_direct.one_direct``'s convention),
    returned where accepted (finite and at least ``DIRECT_FLOOR``); else, and at once
    where the first points are nearly equal (``careful_first``), the careful sum of
    ``terms``."""
    out = None
    if not careful_first(xp, terms, p, q, p_total, q_total):
        numbers = () if given is None else given(p_total, q_total)
        dots = block_sum(xp, partial(dot, xp=xp), (p, q), numbers)
        out = finish(dots, rows(p_total), rows(q_total))
        if accepted(xp, out):
            return out
    careful = partial(careful_sum, xp, terms)
    return careful_rows(xp, out, careful, p, q, p_total, q_total)


def _triangular_dot(a, b, k, *, xp):
    """``sum(a b / (a + k b))`` of two blocks of positive masses (``k = P/Q``)."""
    return xp.vecdot(a, b / plus_times(a, k, b, xp=xp))


def _triangular_from_dot(dot, p_total, q_total):
    """The triangular discrimination ``2 - 4 S / Q`` from ``S = sum(p q / (p + k q))``,
    k = P/Q, and the totals (``p q / (Q p + P q) = (p q / (p + k q)) / Q``)."""
    return 2.0 - 4.0 * (dot / q_total)


def triangular_sum(xp, p, q, p_total, q_total, positive):
    """The triangular discrimination of validated masses: for ``positive`` masses the
    direct formula, where accepted, else the careful sum (as :func:`hellinger_sum`)."""
    terms = partial(_triangular_terms, guarded=not positive)
    if not positive:
        return careful_sum(xp, terms, p, q, p_total, q_total)
    return _direct_else_careful(xp, terms, p, q, p_total, q_total, dot=_triangular_dot,
                                finish=_triangular_from_dot, given=ratio_of_totals)


def _triangular_terms(a, b, k, delta, *, xp, guarded=True):
    """Per-point ``(a - kb)^2 / (a + kb)`` (>= 0, at most ``a + kb``); summed and divided
    by P it is the triangular discrimination sum (p - q)^2 / (p + q). ``guarded=False``
    leaves out the guards of points where both masses are 0 (NaN there)."""
    d = difference(a, b, delta)
    total = k * b
    total += a
    if not guarded:
        terms = d / total
        terms *= d
        return terms
    return xp.where(total > 0, d * (d / xp.where(total > 0, total, 1.0)), 0.0)


def _hellinger_terms(a, b, k, delta, *, xp, guarded=True):
    """Per-point ``(a - kb)^2 / (sqrt a + sqrt kb)^2`` (>= 0, at most ``a + kb``); summed
    and divided by P it is the squared Hellinger distance sum (sqrt p - sqrt q)^2.
    ``guarded=False`` as for :func:`_triangular_terms`."""
    d = difference(a, b, delta)
    root = xp.sqrt(a) + xp.sqrt(k * b)  # (not in place: torch's sqrt keeps its result
    if not guarded:                      # for the gradient, and ratio * ratio both)
        ratio = d / root
        return ratio * ratio
    ratio = d / xp.where(root > 0, root, 1.0)
    return xp.where(root > 0, ratio * ratio, 0.0)


def _hellinger_near_dot(a, b, *, xp):
    """``(sum((sqrt a - sqrt b)^2), sum(a - b))`` of two blocks of masses: the first as
    ``sum(((a - b) / (sqrt a + sqrt b))^2)``, :func:`_hellinger_terms`' form with
    ``k = 1``, no cancellation at any ratio; the second of exact differences (as
    :func:`gancore.divergences._kl_near_dot`'s). NaN where a mass is negative, NaN or
    infinite, or both are 0, which ends the near pass."""
    root = xp.sqrt(a)
    root += xp.sqrt(b)
    d = a - b
    difference_sum = xp.sum(d)
    d /= root
    total = xp.vecdot(d, d)
    return (total, difference_sum) if total == total else math.nan


def _hellinger_from_near_dot(sums, p_total, q_total):
    """The squared Hellinger distance from ``(S, D)``, ``S = sum((sqrt p - sqrt q)^2)``
    and ``D = sum(p - q)`` over the masses, and their totals P and Q, within
    ``NEAR_TOTALS`` of each other (NaN otherwise: the general path aligns them): with
    ``x = D/P``, ``(S - (sqrt P - sqrt Q)^2) / sqrt(P Q) = S / sqrt(P Q) - x**2/4``,
    the terms of ``x**3`` and beyond below ``2**-49`` of ``x**2`` (D, not P - Q: as
    :func:`gancore.divergences._kl_from_near_dot`)."""
    total, difference_sum = sums
    x = near_mismatch(difference_sum, p_total)
    return total / np.sqrt(p_total * q_total) - 0.25 * x * x


# The direct formulas of one host distribution, each with its careful sum as the
# fallback where its result is below DIRECT_FLOOR (nearly equal measures; the careful
# Pearson's sum of positive masses, inf where a term overflows, leaves such an input to
# the general path). Hellinger's and the triangular discrimination's careful sums are
# NaN where both masses are 0, which leaves that input to the general path too.
PEARSON = Direct(_pearson_dot, _pearson_from_dot,
                 fallback=careful_formula(positive_pearson_terms))
# (a negative mass makes its square root NaN, and the sum with it: no pass reads the
# smallest mass, and masses may be 0)
HELLINGER = Direct(_hellinger_dot, _hellinger_from_dot, signs=None,
                   fallback=careful_formula(partial(_hellinger_terms, guarded=False)),
                   near=Direct(_hellinger_near_dot, _hellinger_from_near_dot, floor=None,
                               signs=None, difference=True))
TRIANGULAR = Direct(_triangular_dot, _triangular_from_dot, given=ratio_of_totals,
                    fallback=careful_formula(partial(_triangular_terms, guarded=False)))
