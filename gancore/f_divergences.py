r"""The f-divergence family of f-GAN (Nowozin, Cseke and Tomioka, 2016).

For a convex :math:`f` on :math:`[0, \infty)`,
:math:`D_f(P \| Q) = \sum_x q(x)\, f(p(x) / q(x))`. Its variational side (for every
critic T, :math:`D_f(P \| Q) \ge E_P[T] - E_Q[f^*(T)]`, with equality at
:math:`T^* = f'(p / q)`) is in :mod:`gancore.variational`.

gancore's f for each name of :data:`F_DIVERGENCES`, and the divergence it gives:

- ``total-variation``: :math:`\tfrac12|u - 1|`, total variation;
- ``kl``: :math:`u \log u`, KL(P || Q);
- ``reverse-kl``: :math:`-\log u`, KL(Q || P);
- ``pearson``: :math:`(u - 1)^2`, :math:`\sum (p - q)^2 / q`;
- ``neyman``: :math:`(1 - u)^2 / u`, :math:`\sum (p - q)^2 / p`;
- ``hellinger``: :math:`(\sqrt u - 1)^2`, :math:`\sum (\sqrt p - \sqrt q)^2`;
- ``jensen-shannon``: :math:`\tfrac12 [u \log u - (u + 1) \log \tfrac{u + 1}2]`, JSD;
- ``gan``: :math:`u \log u - (u + 1) \log (u + 1)`, 2 JSD - log 4 = C(G);
- ``triangular``: :math:`(u - 1)^2 / (u + 1)`, the triangular discrimination
  :math:`\sum (p - q)^2 / (p + q)`, twice the least-squares GAN's C(G) (Mao et al.
  2017, with codes a = -1, b = 1, c = 0).

Conventions: the Jensen-Shannon row is gancore's standard JSD (with its 1/2, as
everywhere in gancore), so its f is half of the f-GAN paper's, whose D_f is 2 JSD. The
paper prints Pearson's D_f as :math:`(q - p)^2 / p`; :math:`f = (u - 1)^2` gives
:math:`(p - q)^2 / q`, as here.
"""

import math
from functools import partial

import numpy as np

from ._arrays import NUMPY, boolean, extremes, one_of
from ._direct import Direct, careful_formula, one_direct, ratio_of_totals, streamed_direct
from ._elementwise import plus_times
from ._masses import (MODERATE_RATIO, accepted, block_sum, careful_first, careful_sum,
                      difference, mass_pair, near_mismatch, quiet, rows, shaped)
from .divergences import KL_DIRECT, jsd, kl
from .game import criterion
from .total_variation import tv

__all__ = ["F_DIVERGENCES", "f_divergence"]

F_DIVERGENCES = ("total-variation", "kl", "reverse-kl", "pearson", "neyman", "hellinger",
                 "jensen-shannon", "gan", "triangular")


def f_divergence(p, q, /, *, f, axis=-1, dx=1.0, keepdims=False, normalize=False):
    r""":math:`D_f(P \| Q) = \sum q\, f(p / q)\,dx` for ``f`` one of :data:`F_DIVERGENCES`.

    Parameters
    ----------
    p, q : array
        Masses (``dx=1``) or densities on a grid, as in :func:`gancore.kl`.
    f : str
        One of ``"total-variation"``, ``"kl"``, ``"reverse-kl"``, ``"pearson"``,
        ``"neyman"``, ``"hellinger"``, ``"jensen-shannon"``, ``"gan"`` (the module
        docstring gives each f).
    axis, dx, keepdims, normalize
        As in :func:`gancore.kl`.

    Returns
    -------
    array
        :math:`D_f` along ``axis``, in the inputs' namespace, device and dtype. 0 exactly
        when ``p = q``, except ``"gan"``, whose f(1) = -log 4: it is
        :math:`2\,\mathrm{JSD} - \log 4 \in [-\log 4, 0]`. At the other edge: TV 1,
        Hellinger 2, triangular 2, JSD log 2 and GAN 0 for disjoint supports; KL and Pearson are
        ``inf`` where some point has ``q = 0 < p``, reverse KL and Neyman where
        ``p = 0 < q``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.kl`; an unknown ``f``.

    Notes
    -----
    Every f-divergence behaves as :math:`\tfrac{f''(1)}{2} \chi^2` near ``p = q``, so
    its terms must not cancel there. TV, KL, reverse KL and JSD are
    :func:`gancore.tv`, :func:`gancore.kl` (with the arguments swapped for reverse KL)
    and :func:`gancore.jsd`, which keep full precision there. GAN is
    :func:`gancore.virtual_criterion`, :math:`C(G) = 2\,\mathrm{JSD} - \log 4`, whose
    terms are all of one sign: it keeps its relative precision up to disjoint supports,
    where it tends to 0 and :math:`2\,\mathrm{JSD} - \log 4` would cancel. Pearson,
    Neyman, Hellinger and the triangular discrimination sum non-negative terms,
    :math:`(p - q)^2 / q`, :math:`(p - q)^2 / p`,
    :math:`(p - q)^2 / (\sqrt p + \sqrt q)^2` and :math:`(p - q)^2 / (p + q)`, with
    each difference :math:`p - q` of the normalised masses formed without rounding it
    away (exact power-of-two rescalings of the totals, as for KL). Before that sum, each
    tries a direct formula, for masses of totals P and Q: Pearson and Neyman
    :math:`\tfrac{Q}{P^2} \sum p^2 / q - 1` and the triangular discrimination
    :math:`2 - 4 \sum p q / (Q p + P q)` (positive masses), Hellinger
    :math:`2 - 2 \sum \sqrt{p q} / \sqrt{P Q}`, and returns it when it is at least
    1/16, where its rounding error is below ~1e-13 relative (as KL's direct formula).
    Pearson, Neyman and Hellinger take one pass for a long NumPy distribution, its
    checks included (Hellinger's careful sum too, for nearly equal measures whose totals
    lie within ``2**-50`` of each other). Cost: O(n) time.

    References
    ----------
    Nowozin, Cseke and Tomioka, "f-GAN: Training generative neural samplers using
    variational divergence minimization", NeurIPS 2016.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    >>> round(float(gancore.f_divergence(p, q, f="pearson")), 12)   # 0.0625/0.25 + 0.0625/0.75
    0.333333333333
    >>> bool(gancore.f_divergence(p, q, f="kl") == gancore.kl(p, q))
    True
    """
    host = _HOST_PATHS.get(f) if type(f) is str else None  # (first: the commonest call)
    out = None if host is None else _host_shortcut(host, p, q, axis, dx, keepdims, normalize)
    if out is not None:
        return out
    name = one_of("f", f, F_DIVERGENCES)
    if name in ("total-variation", "kl", "jensen-shannon"):
        return {"total-variation": tv, "kl": kl}.get(name, jsd)(
            p, q, axis=axis, dx=dx, keepdims=keepdims, normalize=normalize)
    boolean("keepdims", keepdims)
    if name == "gan":  # C(G): its terms are of one sign, where 2 JSD - log 4 cancels
        return criterion(p, q, axis, dx, normalize, ("p", "q"), keepdims)
    xp, p, q, p_total, q_total, (low, high), ax = mass_pair(
        p, q, axis, dx, normalize, denominator=_DENOMINATORS.get(name))
    if name == "reverse-kl":  # the masses are validated: KL(Q || P) of their normalisations
        out = kl(q, p, normalize=True)
    elif name == "hellinger":
        out = _hellinger_sum(xp, p, q, p_total, q_total, low > 0)
    elif name == "triangular":
        out = _triangular_sum(xp, p, q, p_total, q_total, low > 0)
    else:  # Neyman's chi^2 is Pearson's with the measures swapped
        first, second = (p, q) if name == "pearson" else (q, p)
        totals = (p_total, q_total) if name == "pearson" else (q_total, p_total)
        out = None
        if low > 0:  # no zero mass to guard; a term that overflows is redone below
            if not careful_first(xp, _pearson_terms, first, second, *totals):
                out = _direct_pearson(xp, first, second, *totals, bounds=(low, high))
            if out is None or not accepted(xp, out):
                with np.errstate(over="ignore"):
                    out = careful_sum(xp, _positive_pearson_terms, first, second, *totals)
                if math.isinf(extremes(xp, out)[1]):
                    out = None
        if out is None:
            out = careful_sum(xp, _pearson_terms, first, second, *totals)
        if math.isinf(extremes(xp, out)[1]):
            out = _pearson_near_one(xp, out, first, second, *totals)
    return shaped(xp, out, ax, keepdims)


# the f-divergences with a quotient of the masses, by the measure that divides
_DENOMINATORS = {"pearson": "q", "neyman": "p", "reverse-kl": "p"}


def _pearson_near_one(xp, out, a, b, a_total, b_total):
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
    again = careful_sum(xp, _pearson_terms, a_scaled, b_scaled, a_total * scale,
                        b_total * scale)
    return xp.where(overflowed, again, out)


def _pearson_from_dot(dot, a_total, b_total):
    """Pearson's chi^2 from ``D = sum(a^2 / b)`` and the totals P of ``a``, Q of ``b``:
    ``(Q / P)(D / P) - 1`` (the sum of (a/P)^2 / (b/Q), less 1)."""
    return (b_total / a_total) * (dot / a_total) - 1.0


def _direct_pearson(xp, a, b, a_total, b_total, *, bounds):
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
        dot = block_sum(xp, lambda x, y: xp.vecdot(x, x / y), a, b)
        return _pearson_from_dot(dot, rows(a_total), rows(b_total))


def _pearson_dot(a, b, *, xp):
    """``sum(a^2 / b)`` of two blocks of positive masses."""
    return xp.vecdot(a, a / b)


def _positive_pearson_terms(a, b, k, delta, *, xp):
    """:func:`_pearson_terms` for positive masses: ``d (d / kb)`` with no guard. Where
    ``kb`` is subnormal, ``d / kb`` can overflow though the term need not; the sum is
    then inf, and the caller redoes it with the guards."""
    d = difference(a, b, delta)
    terms = d / (k * b)
    terms *= d
    return terms


def _pearson_terms(a, b, k, delta, *, xp):
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


def triangular_discrimination(p, q, *, axis, dx, normalize, names=("p", "q"), then=None):
    """The triangular discrimination sum (p - q)^2 / (p + q) (``f_divergence`` with
    ``f="triangular"``), its errors naming the measures by ``names``, or ``then`` of it
    where ``then`` is given (for CPU tensors taken before the result becomes a tensor,
    as in :func:`~gancore._direct.one_direct`)."""
    out = _host_shortcut(_HOST_PATHS["triangular"], p, q, axis, dx, False, normalize, then)
    if out is not None:  # one short host distribution (f_divergence's shortcut)
        return out
    xp, p, q, p_total, q_total, (low, _), ax = mass_pair(p, q, axis, dx, normalize, names)
    out = shaped(xp, _triangular_sum(xp, p, q, p_total, q_total, low > 0), ax, False)
    return out if then is None else then(out)


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


def _hellinger_sum(xp, p, q, p_total, q_total, positive):
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
    where the first block is nearly equal (``careful_first``), the careful sum of
    ``terms``."""
    if not careful_first(xp, terms, p, q, p_total, q_total):
        numbers = () if given is None else given(p_total, q_total)
        dots = block_sum(xp, lambda a, b: dot(a, b, *numbers, xp=xp), p, q)
        out = finish(dots, rows(p_total), rows(q_total))
        if accepted(xp, out):
            return out
    return careful_sum(xp, terms, p, q, p_total, q_total)


def _triangular_dot(a, b, k, *, xp):
    """``sum(a b / (a + k b))`` of two blocks of positive masses (``k = P/Q``)."""
    return xp.vecdot(a, b / plus_times(a, k, b, xp=xp))


def _triangular_from_dot(dot, p_total, q_total):
    """The triangular discrimination ``2 - 4 S / Q`` from ``S = sum(p q / (p + k q))``,
    k = P/Q, and the totals (``p q / (Q p + P q) = (p q / (p + k q)) / Q``)."""
    return 2.0 - 4.0 * (dot / q_total)


def _triangular_sum(xp, p, q, p_total, q_total, positive):
    """The triangular discrimination of validated masses: for ``positive`` masses the
    direct formula, where accepted, else the careful sum (as :func:`_hellinger_sum`)."""
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
_PEARSON = Direct(_pearson_dot, _pearson_from_dot,
                  fallback=careful_formula(_positive_pearson_terms))
# (a negative mass makes its square root NaN, and the sum with it: no pass reads the
# smallest mass, and masses may be 0)
_HELLINGER = Direct(_hellinger_dot, _hellinger_from_dot, signs=None,
                    fallback=careful_formula(partial(_hellinger_terms, guarded=False)),
                    near=Direct(_hellinger_near_dot, _hellinger_from_near_dot, floor=None,
                                signs=None, difference=True))
_TRIANGULAR = Direct(_triangular_dot, _triangular_from_dot, given=ratio_of_totals,
                     fallback=careful_formula(partial(_triangular_terms, guarded=False)))

# f -> its formula for one host distribution; whether it also takes one long NumPy
# distribution in one pass; whether it takes the measures swapped; and whether it needs
# dx = 1 (reverse KL: with another spacing its general path takes the masses' sums as
# they are, not times dx / dx)
_HOST_PATHS = {
    "pearson": (_PEARSON, True, False, False),
    "neyman": (_PEARSON, True, True, False),  # Pearson's of (q, p)
    "hellinger": (_HELLINGER, True, False, False),
    "triangular": (_TRIANGULAR, False, False, False),
    "reverse-kl": (KL_DIRECT, True, True, True),  # KL(Q || P)
}


def _host_shortcut(host, p, q, axis, dx, keepdims, normalize, then=None):
    """``f_divergence`` of one host distribution through its entry ``host`` of
    :data:`_HOST_PATHS`: (with ``keepdims`` false) the short paths in turn, else one long
    NumPy distribution's one pass, each the general path's operations; ``None`` where the
    general path must run (it names ``p`` and ``q`` as given, and a ``keepdims`` that is
    not a bool). ``then``, if given, maps the result (:func:`one_direct`)."""
    formula, streams, swapped, unit_dx = host
    if (keepdims is not False and keepdims is not True) or (
            unit_dx and not (type(dx) is float and dx == 1.0)):
        return None
    first, second = (q, p) if swapped else (p, q)
    if keepdims is False:  # (the commonest call first)
        out = one_direct(first, second, axis, dx, normalize, formula, then=then)
        if out is not None:
            return out
    out = streamed_direct(first, second, axis, dx, normalize, formula) if streams else None
    if out is None:
        return None
    out = shaped(NUMPY, out, 0, keepdims)
    return out if then is None else then(out)
