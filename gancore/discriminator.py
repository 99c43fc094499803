"""The optimal discriminator D* and its log-odds.

For a fixed generator, V(D, G) is largest, point by point, at

    D*(x) = p_data(x) / (p_data(x) + p_g(x))

(Proposition 1 of Goodfellow et al., 2014), since y -> a log y + b log(1 - y) peaks at
a / (a + b). Its log-odds ``log(p_data / p_g)`` stay exact where D* itself rounds to 0
or 1. Positive host masses take a shortcut (``_host.host_positive``) that checks their
extremes (for the log-odds, that every ratio is moderate: ``_host.moderate_bound``) and
gives the general path's bits.

References
----------
I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

import math

import numpy as np

from ._arrays import (FUSED_CHECK_ELEMENTS, finfo_float, float_dtype, require_finite,
                      require_nonempty, to_float)
from ._elementwise import log_ratio
from ._host import host_extremes, host_positive
from ._namespaces import namespace

__all__ = ["optimal_discriminator", "optimal_discriminator_logits"]


def _pointwise_pair(p_data, p_g, largest=True):
    """Validate two non-negative finite density arrays for the pointwise D*; return
    them broadcast, with whether every mass is positive and the largest mass.

    With ``largest=False``, two long arrays of one shape are checked for non-negative
    masses and NaN only, and the largest mass is ``None``: the caller then checks for
    infinities itself (through the maximum of their sum)."""
    common = host_extremes(p_data, p_g)  # anything wrong goes on below, which names it
    if common is not None and 0.0 <= common[1] and common[2] < math.inf:
        return common[0], p_data, p_g, common[1] > 0, common[2]
    xp, arrays = namespace(p_data=p_data, p_g=p_g)
    p_data, p_g = arrays["p_data"], arrays["p_g"]
    dtype = float_dtype(xp, ("p_data", p_data), ("p_g", p_g))
    for name, x in (("p_data", p_data), ("p_g", p_g)):
        require_nonempty(name, x, allow_scalar=True)
    if p_data.dtype != dtype or p_g.dtype != dtype:
        p_data, p_g = xp.astype(p_data, dtype), xp.astype(p_g, dtype)
    same = tuple(p_data.shape) == tuple(p_g.shape)
    if same and math.prod(p_data.shape) <= FUSED_CHECK_ELEMENTS:
        # both arrays' extremes, one pass each over both (NaN propagates)
        low = to_float(xp.min(xp.minimum(p_data, p_g)))
        high = to_float(xp.max(xp.maximum(p_data, p_g)))
    elif same:  # reductions, which write no temporary of the arrays' size
        low = to_float(xp.minimum(xp.min(p_data), xp.min(p_g)))
        high = to_float(xp.maximum(xp.max(p_data), xp.max(p_g))) if largest else None
    if not same or not (0.0 <= low and (high is None or high < math.inf)):
        for name, x in (("p_data", p_data), ("p_g", p_g)):
            require_finite(xp, name, x)
            if bool(xp.any(x < 0)):
                raise ValueError(f"{name} must be non-negative; it holds negative mass")
    if not same:
        try:
            p_data, p_g = xp.broadcast_arrays(p_data, p_g)
        except (ValueError, RuntimeError, TypeError):
            raise ValueError(f"p_data and p_g have shapes {tuple(p_data.shape)} and "
                             f"{tuple(p_g.shape)} that do not broadcast") from None
        low = to_float(xp.min(xp.minimum(p_data, p_g)))
        high = to_float(xp.max(xp.maximum(p_data, p_g)))
    return xp, p_data, p_g, low > 0, high


def _summable(xp, p_data, p_g, high):
    """``p_data`` and ``p_g`` halved at the points where their sum would overflow (a
    mass above a quarter of the dtype's largest): pointwise ratios such as D* are
    unchanged, and ``p_data + p_g`` is then finite. ``high``: the largest mass."""
    quarter = finfo_float(xp, p_data.dtype, "max") / 4
    if high <= quarter:
        return p_data, p_g
    huge = xp.maximum(p_data, p_g) > quarter
    half = 1.0 - 0.5 * xp.astype(huge, p_data.dtype)  # 0.5 there, 1 elsewhere: exact
    return p_data * half, p_g * half


def optimal_discriminator(p_data, p_g, /):
    r"""The optimal discriminator :math:`D^*(x) = p_{data}(x) / (p_{data}(x) + p_g(x))`.

    Proposition 1 of Goodfellow et al. (2014): for fixed G it maximises V(D, G)
    pointwise, since :math:`y \mapsto a \log y + b \log(1-y)` peaks at :math:`a/(a+b)`.

    Parameters
    ----------
    p_data, p_g : array
        Densities or masses at the same points, non-negative and finite; they broadcast
        against each other. They need not be normalised (D* is a pointwise ratio).

    Returns
    -------
    array
        D* in [0, 1]: 1 where only ``p_data`` is positive, 0 where only ``p_g`` is, and
        1/2 where both are 0 (outside both supports D does not affect V; 1/2 is the
        value at ``p_g = p_data``). Rounds to 1 (or 0) when the ratio of masses passes
        1e16; use :func:`optimal_discriminator_logits` to keep the difference. Masses
        whose sum passes the dtype's range keep their ratio (1/2 at ``p = q = 1e308``).
        Cost: O(n) time.

    Raises
    ------
    TypeError
        Non-float dtypes or mixed namespaces.
    ValueError
        Negative, NaN or infinite mass, empty arrays, shapes that do not broadcast.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.optimal_discriminator(np.array([0.2, 0.0, 0.0]), np.array([0.6, 0.5, 0.0]))
    array([0.25, 0.  , 0.5 ])
    """
    share = host_positive(p_data, p_g)  # the commonest call: positive finite masses
    if share is not None:
        return share
    xp, p_data, p_g, positive, high = _pointwise_pair(p_data, p_g, largest=False)
    s = None
    if high is None:  # long arrays: their sum's maximum checks for infinities, where
        # the maxima of both would read them again
        with np.errstate(over="ignore"):
            s = p_data + p_g
        if not to_float(xp.max(s)) < math.inf:  # an infinite mass, or a sum that overflows:
            s = None                          # the checks name it, or give the largest
            xp, p_data, p_g, positive, high = _pointwise_pair(p_data, p_g)
    if s is None:
        p_data, p_g = _summable(xp, p_data, p_g, high)
        s = p_data + p_g
    if positive:
        return p_data / s
    pos = s > 0
    return xp.where(pos, p_data / xp.where(pos, s, 1.0), 0.5)


def _log(r, *, xp):
    """``log r`` of a ratio ``r = p / q`` of positive masses, formed first as
    :func:`~gancore._elementwise.log_ratio` forms it where the ratios are moderate (the
    check of ``host_positive(..., ratio="p/q")``): its bits there."""
    return xp.log(r)


def _itself(r, *, xp):
    """The ratio ``r`` itself."""
    return r


def _host_logits(p, q):
    """``log(p / q)`` of positive host masses of moderate ratios (``host_positive`` with
    ``ratio``), the general path's bits; ``None`` for any other input.
    CPU tensors have the ratio formed (on their NumPy views where they are short: a
    division rounds alike in NumPy and torch), then its log taken in place by torch,
    whose log rounds apart from NumPy's: in float32 at 1e3 points 8.2 -> 7.6 us a call,
    where torch's ``log(p / q)`` takes 3.6."""
    if type(p) is np.ndarray:
        return host_positive(p, q, _log, ratio="p/q")
    ratio = host_positive(p, q, _itself, views="short", ratio="p/q")
    return None if ratio is None else ratio.log_()


def _logit_of_ratio(p_data, p_g, *, xp):
    """``log(p_data / p_g)``: ``+inf`` / ``-inf`` where one mass is 0, 0 where both are."""
    both = (p_data > 0) & (p_g > 0)
    inner = log_ratio(xp.where(both, p_data, 1.0), xp.where(both, p_g, 1.0), xp=xp)
    one_sided = xp.where(p_data > 0, math.inf, xp.where(p_g > 0, -math.inf,
                                                        xp.zeros_like(p_g)))
    return xp.where(both, inner, one_sided)


def optimal_discriminator_logits(p_data, p_g, /):
    r"""Log-odds of the optimal discriminator, :math:`\log(p_{data}(x) / p_g(x))`.

    :math:`D^* = \sigma(\log(p_{data}/p_g))`, and this form stays exact when D* itself
    would round to 0 or 1.

    Parameters
    ----------
    p_data, p_g : array
        As in :func:`optimal_discriminator`.

    Returns
    -------
    array
        The log-odds: ``+inf`` where only ``p_data`` is positive, ``-inf`` where only
        ``p_g`` is, 0 where both are 0 (D* = 1/2 there). Accurate for masses down to the
        smallest normal float. Cost: O(n) time.

    Raises
    ------
    TypeError, ValueError
        As in :func:`optimal_discriminator`.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.optimal_discriminator_logits(np.array([1e-300, 1.0]), np.array([1.0, 0.0]))
    array([-690.7755279,          inf])
    """
    logits = _host_logits(p_data, p_g)  # the commonest call
    if logits is not None:
        return logits
    xp, p_data, p_g, _, _ = _pointwise_pair(p_data, p_g)
    return _logit_of_ratio(p_data, p_g, xp=xp)
