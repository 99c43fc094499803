"""The GAN game: the value function V(D, G) and the virtual criterion C(G).

Goodfellow et al. (2014) define, for a discriminator D: X -> [0, 1] and a generator
whose samples have law p_g,

    V(D, G) = E_{p_data}[log D(x)] + E_{p_g}[log(1 - D(x))],

and show that D*(x) = p_data(x) / (p_data(x) + p_g(x)) maximises it (Proposition 1), with
C(G) = V(D*, G) = -log 4 + 2 JSD(p_data || p_g) (Theorem 1).

Each function comes in two forms: one that takes D as a probability, and one that takes
its log-odds ``logit(D) = log D - log(1 - D)``. The log-odds form is exact where the
probability form cannot be: when ``p_g / p_data < 1e-16``, D* rounds to 1 in float64 and
``log(1 - D*)`` to ``-inf``, while the log-odds ``log(p_data / p_g)`` stays finite and
``log(1 - D*) = -softplus(logit)`` keeps every digit.

D* and its log-odds are in ``gancore.discriminator``, V's minibatch estimates in
``gancore.minibatch``.

References
----------
I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

import math

from ._arrays import extremes, float_dtype, require_nonempty, require_probability
from ._direct import Direct, one_direct, ratio_of_totals, streamed_direct
from ._elementwise import log1m, log1p, safe_log, softplus_pair, xlog
from ._host import through_views
from ._masses import MODERATE_RATIO, block_sum, mass_pair, quiet, rows, shaped, warns
from ._totals import measures, spacing, validated_pair
from .discriminator import _logit_of_ratio

__all__ = ["value", "value_from_logits", "virtual_criterion"]


def _log_d(d, *, xp):
    """``(log d, log(1 - d))`` for ``d`` in [0, 1], ``-inf`` at the ends, no warnings."""
    return safe_log(d, xp=xp), _log_1m_d(d, xp=xp)


def _log_1m_d(d, *, xp):
    """``log(1 - d)`` for ``d`` in [0, 1], ``-inf`` at 1, no warnings."""
    below_one = d < 1
    return xp.where(below_one, log1m(xp.where(below_one, d, 0.0), xp=xp), -math.inf)


def _log_d_from_logits(logits, *, xp):
    """``(log D, log(1 - D))`` for ``D = sigmoid(logits)``: ``-softplus(-l), -softplus(l)``."""
    minus_log_d, minus_log_1m_d = softplus_pair(logits, xp=xp)
    return -minus_log_d, -minus_log_1m_d


def _expected_log(log_d, log_1m_d, p_data, p_g, w, axis, *, xp):
    """``sum((p_data log D + p_g log(1 - D)) w)`` along ``axis``, with 0 log 0 = 0."""
    terms = xlog(p_data, log_d, xp=xp) + xlog(p_g, log_1m_d, xp=xp)
    return xp.sum(terms if isinstance(w, float) and w == 1.0 else terms * w, axis=axis)


def _value(name, d, p_data, p_g, axis, dx, normalize, inside, log_terms, dots):
    """Validate D (or its log-odds) and the two measures, then integrate V on the grid:
    by ``dots`` (:func:`_interior_value`) where ``inside(xp, name, d)``, which raises for
    a bad ``d``, says that both logs are finite at every point, else by ``log_terms``,
    with ``0 log 0 = 0``."""
    xp, p_data, p_g, w, ax, p_mass, q_mass, _, d = validated_pair(
        ("p_data", "p_g"), p_data, p_g, axis, dx, normalize, extra=(name, d))
    dtype = float_dtype(xp, (name, d), ("p_data", p_data))
    require_nonempty(name, d)
    finite = inside(xp, name, d)
    if d.dtype != dtype:
        d = xp.astype(d, dtype)
    if p_data.dtype != dtype:
        p_data, p_g = xp.astype(p_data, dtype), xp.astype(p_g, dtype)
        p_mass, q_mass = xp.astype(p_mass, dtype), xp.astype(q_mass, dtype)
    ax -= p_data.ndim  # negative: counts from the right, so it survives broadcasting
    if tuple(d.shape) != tuple(p_data.shape):
        try:
            d, p_data, p_g = xp.broadcast_arrays(d, p_data, p_g)
        except (ValueError, RuntimeError, TypeError):
            raise ValueError(f"{name} with shape {tuple(d.shape)} does not broadcast "
                             f"against p_data with shape {tuple(p_data.shape)}") from None
    if finite:
        return _interior_value(xp, d, p_data, p_g, w, ax, p_mass, q_mass, dots)
    log_d, log_1m_d = log_terms(d, xp=xp)
    return _expected_log(log_d, log_1m_d, p_data / p_mass, p_g / q_mass, w, ax, xp=xp)


def _d_inside(xp, name, d):
    """Raise ``ValueError`` unless ``d`` lies in [0, 1]; whether it lies inside (0, 1),
    where ``log D`` and ``log(1 - D)`` are finite."""
    low, high = require_probability(xp, name, d)
    return 0.0 < low and high < 1.0


def _finite_logits(xp, name, logits):
    """Raise ``ValueError`` if ``logits`` hold NaN; whether all are finite, where ``log D``
    and ``log(1 - D)`` are."""
    low, high = extremes(xp, logits)
    if low != low or high != high:  # (NaN propagates through both reductions)
        raise ValueError(f"{name} must not hold NaN")
    return -math.inf < low and high < math.inf


def _interior_value(xp, d, p_data, p_g, w, ax, p_mass, q_mass, dots):
    """V where both logs are finite at every point: ``sum(p_data w log D) / P +
    sum(p_g w log(1 - D)) / Q`` with the totals P and Q, the two sums ``dots(p_data w,
    p_g w, d)`` (:func:`_value_dots`, :func:`_logit_value_dots`), in blocks on the host
    (no normalised copies)."""
    if not spacing(w):
        p_data, p_g = p_data * w, p_g * w
    elif not (isinstance(w, float) and w == 1.0):
        p_mass, q_mass = p_mass / w, q_mass / w
    if ax != -1:  # ax counts from the right, in every array's own dimensions
        d, p_data, p_g = (xp.moveaxis(x, ax, -1) for x in (d, p_data, p_g))
        p_mass, q_mass = xp.moveaxis(p_mass, ax, -1), xp.moveaxis(q_mass, ax, -1)

    def kernel(db, pb, qb, p_total, q_total):
        return _value_from_dots(dots(pb, qb, db, xp=xp), rows(p_total), rows(q_total))

    return block_sum(xp, kernel, (d, p_data, p_g), (p_mass, q_mass))


def _value_dots(a, b, c, *, xp):
    """``(sum(a log c), sum(b log(1 - c)))`` of blocks of masses and of D."""
    return xp.vecdot(a, xp.log(c)), xp.vecdot(b, log1m(c, xp=xp))


def _logit_value_dots(a, b, c, *, xp):
    """``(sum(a log D), sum(b log(1 - D)))`` of blocks of masses and of D's log-odds
    ``c``: ``-sum(a softplus(-c))`` and ``-sum(b softplus(c))``."""
    minus_log_d, minus_log_1m_d = softplus_pair(c, xp=xp)
    return -xp.vecdot(a, minus_log_d), -xp.vecdot(b, minus_log_1m_d)


def _value_from_dots(dots, p_total, q_total):
    """V from its two sums and the totals: ``dots[0] / P + dots[1] / Q``."""
    return dots[0] / p_total + dots[1] / q_total


# (masses may be 0: a D of 0 or 1, or an infinite logit, where the mass is 0 leaves its
# term's product NaN, and the general path takes it)
_VALUE_DIRECT = Direct(_value_dots, _value_from_dots, floor=None)
_LOGIT_VALUE_DIRECT = Direct(_logit_value_dots, _value_from_dots, floor=None)


def _direct_value(formula, d, p_data, p_g, axis, dx, normalize):
    """V of one host distribution by ``formula`` (:data:`_VALUE_DIRECT`,
    :data:`_LOGIT_VALUE_DIRECT`), its checks in the formula's own pass for one long
    NumPy distribution (a D of 0 or 1, or an infinite logit, where a mass is positive
    makes a dot infinite, a bad one makes it NaN), or first for a short one; ``None``
    where the general path must run (it names a ``d`` of None)."""
    if d is None:  # (an extra of None is no extra array to these paths)
        return None
    out = streamed_direct(p_data, p_g, axis, dx, normalize, formula, d)
    return one_direct(p_data, p_g, axis, dx, normalize, formula, d) if out is None else out


def value(d, p_data, p_g, /, *, axis=-1, dx=1.0, normalize=False):
    r"""The GAN value function :math:`V(D, G) = \sum (p_{data} \log D + p_g \log(1 - D))\,dx`.

    Parameters
    ----------
    d : array
        Discriminator outputs :math:`D(x) \in [0, 1]` at the points of the grid; it
        broadcasts against ``p_data``.
    p_data, p_g : array
        The data and generator distributions (masses, or densities on a grid), as in
        :func:`gancore.kl`: non-negative, finite, normalised unless ``normalize=True``.
    axis, dx, normalize
        As in :func:`gancore.kl`.

    Returns
    -------
    array
        V along ``axis``, in ``[-inf, 0]``. ``-inf`` (not NaN) where ``d = 0`` against
        positive ``p_data`` or ``d = 1`` against positive ``p_g``; points where a mass is
        0 contribute 0 whatever D is there.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.kl`; ``ValueError`` when ``d`` holds NaN or leaves [0, 1].

    Notes
    -----
    :math:`\log(1 - D)` is ``log1p(-d)`` to a few ulps: on NumPy arrays of 1000 points
    or more where NumPy's ``log1p`` is its scalar loop (x86 without AVX-512), a ``log``
    pass corrected by the rounding error of ``1 - d``, at about half the cost. Cost:
    O(n) time, a few temporaries of the input's size; one long NumPy distribution (at
    least 16 blocks of 8192 points) with D inside (0, 1) is checked and summed in one
    pass over blocks.

    See Also
    --------
    value_from_logits : the same with D given as log-odds, exact near D = 0 and D = 1.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> p = np.array([0.5, 0.5])
    >>> round(float(gancore.value(np.array([0.5, 0.5]), p, p)), 6)  # -log 4
    -1.386294
    """
    out = _direct_value(_VALUE_DIRECT, d, p_data, p_g, axis, dx, normalize)
    if out is not None:
        return out
    return _value("d", d, p_data, p_g, axis, dx, normalize, _d_inside, _log_d, _value_dots)


def value_from_logits(logits, p_data, p_g, /, *, axis=-1, dx=1.0, normalize=False):
    r"""V(D, G) for :math:`D = \sigma(\ell)` given by its log-odds :math:`\ell`.

    :math:`V = \sum (-p_{data}\,\mathrm{softplus}(-\ell) - p_g\,\mathrm{softplus}(\ell))\,dx`,
    since :math:`\log\sigma(\ell) = -\mathrm{softplus}(-\ell)` and
    :math:`\log(1 - \sigma(\ell)) = -\mathrm{softplus}(\ell)`.

    Parameters
    ----------
    logits : array
        :math:`\ell = \log D - \log(1 - D)`, any real value or ``+-inf`` (D = 1 or 0),
        not NaN; it broadcasts against ``p_data``.
    p_data, p_g, axis, dx, normalize
        As in :func:`value`.

    Returns
    -------
    array
        V along ``axis``, in ``[-inf, 0]``; finite for finite logits; ``-inf`` only
        where an infinite logit meets positive mass on the wrong side. Cost: O(n). CPU
        tensors of one float dtype that no derivative runs through are computed by
        NumPy on their views: NumPy's bits, as a tensor.

    Raises
    ------
    TypeError, ValueError
        As in :func:`value`; ``ValueError`` when ``logits`` holds NaN.

    Notes
    -----
    Where every logit is finite, both logs are, and V is taken as :func:`value` takes
    it inside (0, 1): two dot products over the totals P and Q,
    :math:`-\sum p_{data}\,\mathrm{softplus}(-\ell) / P - \sum
    p_g\,\mathrm{softplus}(\ell) / Q`; every term has one sign, so the result is within
    a few ulps plus the dot products' accumulation. With infinite logits each point's
    terms are summed with ``0 log 0 = 0``. One distribution of the host (NumPy, or CPU
    tensors' views) is checked first and summed without the general path's Python (one
    long NumPy distribution in one pass over blocks).

    Examples
    --------
    >>> import numpy as np, gancore
    >>> p = np.array([0.5, 0.5])
    >>> round(float(gancore.value_from_logits(np.array([0.0, 0.0]), p, p)), 6)
    -1.386294
    """
    # CPU tensors: NumPy's whole path on their views (its direct formulas included);
    # NumPy arrays: the direct formulas here
    out = through_views(value_from_logits, (logits, p_data, p_g), axis=axis, dx=dx,
                        normalize=normalize)
    if out is None:
        out = _direct_value(_LOGIT_VALUE_DIRECT, logits, p_data, p_g, axis, dx, normalize)
    if out is not None:
        return out
    return _value("logits", logits, p_data, p_g, axis, dx, normalize, _finite_logits,
                  _log_d_from_logits, _logit_value_dots)


def virtual_criterion(p_data, p_g, /, *, axis=-1, dx=1.0, normalize=False):
    r"""The virtual training criterion :math:`C(G) = \max_D V(D, G) = V(D^*_G, G)`.

    Computed as the value function at the optimal discriminator, in log-odds form, not
    through the JSD; Theorem 1 of Goodfellow et al. (2014) says that
    :math:`C(G) = -\log 4 + 2\,\mathrm{JSD}(p_{data} \| p_g)`, which the theory suite
    checks against :func:`gancore.jsd`.

    Parameters
    ----------
    p_data, p_g, axis, dx, normalize
        As in :func:`value`.

    Returns
    -------
    array
        C(G) along ``axis``, in ``[-log 4, 0]``: ``-log 4`` exactly when
        ``p_g = p_data``, 0 when the supports are disjoint. Always finite.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.kl`.

    Notes
    -----
    Each point contributes
    :math:`-p_{data}\,\mathrm{softplus}(-\ell) - p_g\,\mathrm{softplus}(\ell)` with
    :math:`\ell = \log(p_{data}/p_g)`, finite for every pair of masses. When every mass
    is positive, with :math:`m \le M` the two masses of a point and
    :math:`\rho = m / M`, its term
    :math:`-p_{data} \log(1 + p_g/p_{data}) - p_g \log(1 + p_{data}/p_g)` is evaluated
    as :math:`-(m + M) \log(1 + \rho) + m \log \rho` (``log1p`` and ``log`` of one
    ratio in (0, 1]: two logarithms a point, every term of one sign, so the sum keeps a
    few ulps of relative precision); where a ratio leaves the dtype's range, through
    the log-odds. Cost: O(n) time, in blocks of 8192 points on the CPU.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.virtual_criterion(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    0.0
    """
    return criterion(p_data, p_g, axis, dx, normalize)


def criterion(p_data, p_g, axis, dx, normalize, names=("p_data", "p_g"), keepdims=False):
    """:func:`virtual_criterion`, its errors naming the measures by ``names``, with the
    distribution axis kept as a length-1 axis for ``keepdims`` (``f_divergence``'s
    ``"gan"``, 2 JSD - log 4, is C(G))."""
    out = None
    if keepdims is False:  # one short host distribution: the formula below, checks first
        out = one_direct(p_data, p_g, axis, dx, normalize, _CRITERION_DIRECT)
    if out is not None:
        return out
    xp, p, q, p_total, q_total, (low, high), ax = mass_pair(p_data, p_g, axis, dx,
                                                            normalize, names)
    if low > 0:
        def kernel(a, b, k):
            first, second = _criterion_dots(a, b, k, xp=xp)
            return -(first + second)

        # a ratio past the dtype, or kq underflowing to 0, gives inf or NaN, which
        # falls through to the pointwise form below. Neither can where the largest
        # total is within MODERATE_RATIO of the least mass, whatever k: kq <= kQ = P
        # and p <= P, so both ratios lie within high / low; entering errstate costs a
        # microsecond a call
        with quiet(not warns(xp) or high <= low * MODERATE_RATIO):
            out = block_sum(xp, kernel, (p, q), (p_total / q_total,)) / rows(p_total)
        if all(map(math.isfinite, extremes(xp, out))):
            return shaped(xp, out, ax, keepdims)
    xp, p_data, p_g, w, ax, _ = measures(names, p_data, p_g, axis, dx, normalize)
    log_d, log_1m_d = _log_d_from_logits(_logit_of_ratio(p_data, p_g, xp=xp), xp=xp)
    return shaped(xp, _expected_log(log_d, log_1m_d, p_data, p_g, w, ax, xp=xp), ax,
                  keepdims)


def _criterion_dots(a, b, k, *, xp):
    """``(sum((a + kb) log1p(rho)), -sum(m log(rho)))`` of positive masses, ``k = P/Q``,
    with ``m`` the smaller and ``M`` the larger of ``a`` and ``kb`` and ``rho = m / M`` in
    (0, 1]. With r = kb/a (= 1/exp(logit D*)), log D* = -log1p(r) and log(1 - D*) =
    -log1p(1/r), and a log1p(r) + kb log1p(1/r) = (a + kb) log1p(rho) - m log(rho): two
    terms of one sign, so that P C(G) = -(the first + the second), each of them >= 0."""
    kb = k * b
    low = xp.minimum(a, kb)
    rho = low / xp.maximum(a, kb)
    return xp.vecdot(a + kb, log1p(rho, xp=xp)), -xp.vecdot(low, xp.log(rho))


# (masses may be 0 here: a zero mass makes a product 0 * inf, NaN, and the general path
# takes it; so does a ratio past the dtype)
_CRITERION_DIRECT = Direct(_criterion_dots,
                           lambda dots, p_total, q_total: -(dots[0] + dots[1]) / p_total,
                           floor=None, given=ratio_of_totals)
