r"""The least-squares GAN (Mao et al., 2017): its optimal discriminator and its virtual
criterion.

The discriminator D (a real output, no sigmoid) minimises
:math:`\tfrac12 E_{p_{data}}(D - b)^2 + \tfrac12 E_{p_g}(D - a)^2`, and the generator
:math:`\tfrac12 E_{p_{data}}(D - c)^2 + \tfrac12 E_{p_g}(D - c)^2` (the data's term is
constant in G). Pointwise the discriminator's loss is smallest at
:math:`D^* = (b\,p_{data} + a\,p_g) / (p_{data} + p_g)`, and the generator's loss at
:math:`D^*` is

.. math:: C(G) = \frac{(a + b - 2c)^2}{4} + \frac{(b - a)^2}{8}\,\Delta(p_{data}, p_g),
          \qquad \Delta(p, q) = \sum \frac{(p - q)^2}{p + q},

the triangular discrimination (:func:`gancore.f_divergence` with ``f="triangular"``):
with :math:`(\beta, \alpha) = (b - c, a - c)`, :math:`(\beta p + \alpha q)^2 / (p + q)`
splits into :math:`(\tfrac{\beta + \alpha}2)^2 (p + q)`, a multiple of :math:`p - q`
that sums to 0, and :math:`(\tfrac{\beta - \alpha}2)^2 (p - q)^2 / (p + q)`. Mao et al.'s
conditions :math:`b - c = 1`, :math:`b - a = 2` (such as a = -1, b = 1, c = 0) make
it :math:`C(G) = \tfrac12 \Delta`, which the paper writes
:math:`2C(G) = \chi^2_{Pearson}(p_{data} + p_g \| 2p_g)`. The 0-1 coding used in much
code (a = 0, b = c = 1) gives :math:`\tfrac14 + \tfrac18 \Delta` instead: another
constant and scale, the same minimiser.

References
----------
X. Mao et al., "Least squares generative adversarial networks", ICCV 2017.
"""

from functools import partial

from ._arrays import real_number
from ._host import host_positive
from .discriminator import _pointwise_pair, _summable
from .f_divergences import triangular_discrimination

__all__ = ["least_squares_criterion", "least_squares_optimal_discriminator"]


def _codes(a, b):
    """The codes ``(a, b)`` as floats; ``ValueError`` when a equals b (D* is then that
    code, whatever the densities)."""
    a_float, b_float = real_number("a", a), real_number("b", b)
    if a_float == b_float:
        raise ValueError(f"a and b must differ (the codes of generated points and data); "
                         f"got a = b = {a!r}")
    return a_float, b_float


def least_squares_optimal_discriminator(p_data, p_g, /, *, a=-1.0, b=1.0):
    r"""The least-squares GAN's optimal discriminator
    :math:`D^* = (b\,p_{data} + a\,p_g) / (p_{data} + p_g)`.

    For fixed G it minimises :math:`\tfrac12 p_{data}(D - b)^2 + \tfrac12 p_g (D - a)^2`
    at every point: the derivative :math:`p_{data}(D - b) + p_g(D - a)` vanishes there.

    Parameters
    ----------
    p_data, p_g : array
        Densities or masses at the same points, as in
        :func:`gancore.optimal_discriminator` (need not be normalised).
    a, b : float
        The codes of generated points and of data (Mao et al. 2017: -1 and 1); a != b.

    Returns
    -------
    array
        D* between a and b: b where only ``p_data`` is positive, a where only ``p_g``
        is, and (a + b) / 2 where both are 0 (the value at ``p_g = p_data``). For
        codes symmetric about 0 (the default) computed as ``b (p - q) / (p + q)``,
        within 2 eps of D* relative to it; for others from the nearer code, keeping
        its digits (see ``_from_codes``). Cost: O(n) time.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.optimal_discriminator`; a code that is not a finite real
        number, or a = b.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.least_squares_optimal_discriminator(np.array([0.3, 0.0, 0.0]),
    ...                                             np.array([0.1, 0.5, 0.0]))
    array([ 0.5, -1. ,  0. ])
    """
    a, b = _codes(a, b)
    out = host_positive(p_data, p_g, _positive_masses, (a, b))
    if out is not None:  # the commonest call, positive masses
        return out
    xp, p_data, p_g, _, high = _pointwise_pair(p_data, p_g)
    p_data, p_g = _summable(xp, p_data, p_g, high)
    s = p_data + p_g
    near = _from_codes(p_data, p_g, xp.where(s > 0, s, 1.0), a, b, xp=xp)
    return xp.where(s > 0, near, 0.5 * (a + b))


def _from_codes(p, q, s, a, b, *, xp):
    """D* of masses ``p`` and ``q``, ``s = p + q`` (1 where both are 0), exactly b where
    q = 0 and exactly a where p = 0.

    For codes symmetric about 0 (a = -b, the default): ``b (p - q) / s``. Each of its
    four operations rounds once (``p - q`` is exact where the masses lie within a factor
    of 2, Sterbenz), so D* is within 2 eps of its value relative to itself, next to
    the midpoint 0 as next to a code. For other codes, from the nearer code: ``b + (a -
    b) q / s`` where p >= q, ``a + (b - a) p / s`` otherwise. The share added is at most
    half the gap, so D* keeps the nearer code's digits (next to a code of 0, its
    relative ones)."""
    if a == -b:
        u = (p - q) / s
        return u if b == 1.0 else b * u
    return xp.where(p >= q, b + (a - b) * (q / s), a + (b - a) * (p / s))


def _positive_masses(p, q, a, b, *, xp):
    """:func:`least_squares_optimal_discriminator` of positive host masses
    (:func:`~gancore._host.host_positive`): every point has mass, so no guard."""
    return _from_codes(p, q, p + q, a, b, xp=xp)


def least_squares_criterion(p_data, p_g, /, *, a=-1.0, b=1.0, c=0.0, axis=-1, dx=1.0,
                            normalize=False):
    r"""The least-squares GAN's virtual criterion, the generator's loss at D*:

    .. math:: C(G) = \tfrac12 \sum (p_{data} + p_g)(D^* - c)^2\,dx
              = \frac{(a + b - 2c)^2}{4} + \frac{(b - a)^2}{8}\,\Delta(p_{data}, p_g)

    (see the module's derivation), with Δ the triangular discrimination. With
    :math:`b - c = 1` and :math:`b - a = 2` it is :math:`\tfrac12 \Delta`.

    Parameters
    ----------
    p_data, p_g, axis, dx, normalize
        As in :func:`gancore.kl`.
    a, b, c : float
        The codes (default -1, 1, 0: Mao et al.'s choice, for which C(G) = Δ / 2).

    Returns
    -------
    array
        C(G) along ``axis``: :math:`(a + b - 2c)^2 / 4` exactly when ``p_g = p_data``,
        plus :math:`(b - a)^2 / 4` for disjoint supports (Δ = 2). Cost: that of
        :func:`gancore.f_divergence` (O(n)).

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.kl`; a code that is not a finite real number, or a = b.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> p, q = np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])
    >>> float(gancore.least_squares_criterion(p, q))       # Delta = 1
    0.5
    >>> float(gancore.least_squares_criterion(p, q, a=0.0, b=1.0, c=1.0))  # 1/4 + 1/8
    0.375
    """
    c = real_number("c", c)
    a, b = _codes(a, b)
    scale = (b - a) ** 2 / 8.0
    offset = (a + b - 2.0 * c) ** 2 / 4.0
    return triangular_discrimination(p_data, p_g, axis=axis, dx=dx, normalize=normalize,
                                     names=("p_data", "p_g"),
                                     then=partial(_from_triangular, scale=scale,
                                                  offset=offset))


def _from_triangular(delta, *, scale, offset):
    """The criterion from the triangular discrimination, ``offset + scale * delta``."""
    return offset + scale * delta if offset else scale * delta
