"""Why samples fall between modes: the mass a Lipschitz generator can put on far-apart
sets ("no GAN's land").

Let G: R^d -> R^D be L-Lipschitz, z ~ N(0, I_d), and A, B two sets at distance at least
delta. The preimages of A and B under G are at distance at least delta / L, so Gaussian
isoperimetry (the half-space is the extremal set) gives

    Phi^-1(P(G(z) in A)) + Phi^-1(P(G(z) in B)) <= -delta / L.

Two modes that a generator should hit are two such sets: a continuous generator of
Gaussian noise cannot put all its mass on them, and what it puts between them grows as
delta / L does.

References
----------
U. Tanielian, T. Issenhuth, E. Dohmatob, J. Mary, "Learning disconnected manifolds: a no
GAN's land", ICML 2020.
"""

import math

import numpy as np
from array_api_compat import device

from ._arrays import float_dtype, require_finite, to_numpy
from ._namespaces import namespace

__all__ = ["lipschitz_precision_bound"]


def lipschitz_precision_bound(separation, lipschitz, /, *, masses=None):
    r"""The most mass an L-Lipschitz generator of Gaussian noise puts on two sets
    ``separation`` apart.

    For :math:`G` L-Lipschitz, :math:`z \sim N(0, I_d)` (any d) and sets A, B at
    distance at least :math:`\delta`, Gaussian isoperimetry gives
    :math:`\Phi^{-1}(P(A)) + \Phi^{-1}(P(B)) \le -\delta / L`, with
    :math:`P(A) = P(G(z) \in A)`. This function returns the largest total
    :math:`\alpha = P(A) + P(B)` that the inequality allows when the total is split as
    :math:`P(A) = w \alpha`, :math:`P(B) = (1 - w) \alpha`:

    - ``masses=None`` (:math:`w = 1/2`, two sets of equal mass):
      :math:`\alpha^* = 2\,\Phi(-\delta / (2L))`, attained in d = 1 by
      :math:`G(z) = \mathrm{clip}(L z, -\delta/2, \delta/2)` with A, B its end points;
    - ``masses=w``: the root :math:`\alpha^*` of
      :math:`\Phi^{-1}(w\alpha) + \Phi^{-1}((1 - w)\alpha) = -\delta / L` (the left side
      rises with :math:`\alpha`), or 1 when there is none in (0, 1]. An uneven split
      allows more in total: :math:`\alpha^*` is smallest at :math:`w = 1/2`. With A one
      of K equally weighted modes and B the other K - 1, :math:`w = 1/K` bounds the
      high-quality fraction of a generator on K modes.

    Parameters
    ----------
    separation : array or float
        :math:`\delta \ge 0`, the distance between the two sets; finite.
    lipschitz : array or float
        :math:`L > 0`, a Lipschitz constant of G (an upper bound on the smallest one
        gives a valid, looser bound); finite.
    masses : array or float, optional
        :math:`w \in [0, 1]`, the fraction of the total on the first set. None means
        1/2.

    Returns
    -------
    array
        :math:`\alpha^* \in [0, 1]`, the arguments broadcast together, in their
        namespace and floating dtype (float64 for Python numbers). It is 1 for
        :math:`\delta = 0` and for :math:`w \in \{0, 1\}` (one set may carry all the
        mass), falls as :math:`\delta / L` grows, and underflows to 0 beyond
        :math:`\delta / L \approx 75`.

    Raises
    ------
    TypeError
        An argument that is not a real number or an array of real floats, or arguments
        from different namespaces.
    ValueError
        ``separation`` negative, ``lipschitz`` not positive, ``masses`` outside [0, 1],
        any of them NaN or infinite, or shapes that do not broadcast.

    Notes
    -----
    :math:`\Phi` and :math:`\Phi^{-1}` are SciPy's ``ndtr`` and ``ndtri``, evaluated on
    the host; the root is found by bisection on :math:`\log\alpha` to within a few
    roundings. An upper bound on a trained MLP's L is the product of its layers'
    spectral norms times its activations' Lipschitz constants.

    References
    ----------
    U. Tanielian, T. Issenhuth, E. Dohmatob, J. Mary, "Learning disconnected manifolds:
    a no GAN's land", ICML 2020. C. Borell, "The Brunn-Minkowski inequality in Gauss
    space", Invent. Math. 1975.

    Examples
    --------
    The ring benchmark's high-quality balls are 0.705 apart; a generator with L = 10
    puts at most 97% of its mass on two of them, equally:

    >>> import gancore
    >>> round(float(gancore.lipschitz_precision_bound(0.705, 10.0)), 3)
    0.972
    >>> bound = gancore.lipschitz_precision_bound([0.705, 0.705], 10.0, masses=[0.5, 0.125])
    >>> [round(float(b), 3) for b in bound]
    [0.972, 0.985]
    """
    xp, arrays = namespace(separation=separation, lipschitz=lipschitz, masses=masses,
                           optional=("masses",))
    named = [(name, a) for name, a in arrays.items() if a is not None]
    dtype = float_dtype(xp, *named)
    like = named[0][1]
    for name, a in named:
        require_finite(xp, name, a)
    delta, lip = to_numpy(arrays["separation"]), to_numpy(arrays["lipschitz"])
    if np.any(delta < 0):
        raise ValueError("separation must be >= 0; it holds a negative distance")
    if np.any(lip <= 0):
        raise ValueError("lipschitz must be > 0; it holds a value <= 0")
    w = 0.5 if masses is None else to_numpy(arrays["masses"])
    if np.any((w < 0) | (w > 1)):
        raise ValueError("masses must lie in [0, 1] (the first set's fraction of the "
                         "total); it holds values outside")
    try:
        delta, lip, w = np.broadcast_arrays(np.asarray(delta, np.float64),
                                            np.asarray(lip, np.float64),
                                            np.asarray(w, np.float64))
        w = None if masses is None else w
    except ValueError:
        shapes = ", ".join(f"{name} {tuple(a.shape)}" for name, a in named)
        raise ValueError(f"the arguments' shapes do not broadcast: {shapes}") from None
    with np.errstate(over="ignore"):  # delta / L past the dtype: inf, where the bound is 0
        gap = delta / lip
    return xp.asarray(_bound(gap, w), dtype=dtype, device=device(like))


def _bound(gap, w):
    r"""The largest :math:`\alpha \le 1` with
    :math:`\Phi^{-1}(w\alpha) + \Phi^{-1}((1 - w)\alpha) \le -` ``gap`` (NumPy float64,
    elementwise; ``w`` None for 1/2): :math:`2\Phi(-\mathrm{gap}/2)` where
    :math:`w = 1/2`, else the root found by bisection."""
    from scipy.special import ndtr, ndtri

    equal = np.minimum(2 * ndtr(-gap / 2), 1.0)
    if w is None:
        return equal
    # Phi^-1(0) = -inf: a set of no mass; w in {0, 1} (-inf + inf) is handled apart
    with np.errstate(divide="ignore", invalid="ignore"):
        def excess(alpha):
            return ndtri(w * alpha) + ndtri((1 - w) * alpha) + gap

        whole = (gap == 0) | (w == 0) | (w == 1) | (excess(np.ones_like(gap)) <= 0)
        # bisection on log(alpha) in [log(tiny), 0]: the excess rises with alpha
        lo = np.full_like(gap, math.log(np.finfo(np.float64).tiny))
        hi = np.zeros_like(gap)
        for _ in range(100):  # the bracket (709 wide) halves to below float spacing
            mid = (lo + hi) / 2
            below = excess(np.exp(mid)) <= 0
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        alpha = np.where(excess(np.exp(lo)) <= 0, np.exp(lo), 0.0)
    return np.where(w == 0.5, equal, np.where(whole, 1.0, alpha))
