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

from ._arrays import boolean, extremes, one_of
from ._direct import one_direct, streamed_direct
from ._masses import accepted, careful_first, careful_rows, careful_sum, mass_pair, shaped
from ._namespaces import NUMPY
from ._squared_differences import (HELLINGER, PEARSON, TRIANGULAR, direct_pearson,
                                   hellinger_sum, pearson_near_one, pearson_terms,
                                   positive_pearson_terms, triangular_sum)
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
        out = hellinger_sum(xp, p, q, p_total, q_total, low > 0)
    elif name == "triangular":
        out = triangular_sum(xp, p, q, p_total, q_total, low > 0)
    else:  # Neyman's chi^2 is Pearson's with the measures swapped
        first, second = (p, q) if name == "pearson" else (q, p)
        totals = (p_total, q_total) if name == "pearson" else (q_total, p_total)
        out = None
        if low > 0:  # no zero mass to guard; a term that overflows is redone below
            if not careful_first(xp, pearson_terms, first, second, *totals):
                out = direct_pearson(xp, first, second, *totals, bounds=(low, high))
            if out is None or not accepted(xp, out):
                with np.errstate(over="ignore"):
                    careful = partial(careful_sum, xp, positive_pearson_terms)
                    out = careful_rows(xp, out, careful, first, second, *totals)
                if math.isinf(extremes(xp, out)[1]):
                    out = None
        if out is None:
            out = careful_sum(xp, pearson_terms, first, second, *totals)
        if math.isinf(extremes(xp, out)[1]):
            out = pearson_near_one(xp, out, first, second, *totals)
    return shaped(xp, out, ax, keepdims)


# the f-divergences with a quotient of the masses, by the measure that divides
_DENOMINATORS = {"pearson": "q", "neyman": "p", "reverse-kl": "p"}


def triangular_discrimination(p, q, *, axis, dx, normalize, names=("p", "q"), then=None):
    """The triangular discrimination sum (p - q)^2 / (p + q) (``f_divergence`` with
    ``f="triangular"``), its errors naming the measures by ``names``, or ``then`` of it
    where ``then`` is given (for CPU tensors taken before the result becomes a tensor,
    as in :func:`~gancore._direct.one_direct`)."""
    out = _host_shortcut(_HOST_PATHS["triangular"], p, q, axis, dx, False, normalize, then)
    if out is not None:  # one short host distribution (f_divergence's shortcut)
        return out
    xp, p, q, p_total, q_total, (low, _), ax = mass_pair(p, q, axis, dx, normalize, names)
    out = shaped(xp, triangular_sum(xp, p, q, p_total, q_total, low > 0), ax, False)
    return out if then is None else then(out)


# f -> its formula for one host distribution; whether it also takes one long NumPy
# distribution in one pass; whether it takes the measures swapped; and whether it needs
# dx = 1 (reverse KL: with another spacing its general path takes the masses' sums as
# they are, not times dx / dx)
_HOST_PATHS = {
    "pearson": (PEARSON, True, False, False),
    "neyman": (PEARSON, True, True, False),  # Pearson's of (q, p)
    "hellinger": (HELLINGER, True, False, False),
    "triangular": (TRIANGULAR, False, False, False),
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
