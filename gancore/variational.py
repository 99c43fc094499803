r"""The variational side of f-GAN (Nowozin, Cseke and Tomioka, 2016): the convex
conjugate and the sample bound (the optimal critic is in ``gancore.critics``).

For every critic T, :math:`D_f(P \| Q) \ge E_P[T] - E_Q[f^*(T)]`, with the convex
conjugate :math:`f^*(t) = \sup_{u \ge 0} (u t - f(u))` (:func:`conjugate`); equality
holds at the optimal critic :math:`T^* = f'(p / q)` (:func:`optimal_critic`), and
:func:`variational_bound` is the right-hand side, estimated from the critic's values on
samples. The f of each name of :data:`~gancore.f_divergences.F_DIVERGENCES` is
:mod:`gancore.f_divergences`' (Jensen-Shannon's is half the paper's, so its conjugate
and optimal critic are halved accordingly).
"""

import math

import numpy as np

from ._arrays import check_axis, finfo_float, one_of, require_float, require_not_nan
from ._elementwise import log1p_pointwise
from ._host import HOST_LIMITS, blockwise, numpy_views, through_views
from ._masses import mean_in_range
from ._namespaces import NUMPY, namespace
from .f_divergences import F_DIVERGENCES

__all__ = ["conjugate", "variational_bound"]

_LOG2 = math.log(2.0)


def conjugate(f, t, /):
    r"""The convex conjugate :math:`f^*(t) = \sup_{u \ge 0} (u t - f(u))`.

    - ``total-variation``: :math:`\max(t, -\tfrac12)`, finite for :math:`t \le \tfrac12`;
    - ``kl``: :math:`e^{t - 1}`, all t;
    - ``reverse-kl``: :math:`-1 - \log(-t)`, t < 0;
    - ``pearson``: :math:`t^2/4 + t` for t >= -2, -1 below, all t;
    - ``neyman``: :math:`2 - 2\sqrt{1 - t}`, t <= 1;
    - ``hellinger``: :math:`t / (1 - t)`, t < 1;
    - ``jensen-shannon``: :math:`-\tfrac12 \log(2 - e^{2t})`, t < log(2) / 2;
    - ``gan``: :math:`-\log(1 - e^t)`, t < 0;
    - ``triangular``: :math:`4 - t - 4\sqrt{1 - t} = t (3 - s) / (1 + s)` with
      :math:`s = \sqrt{1 - t}`, for :math:`-3 \le t \le 1`, and -1 below.

    The supremum is over u >= 0, the values a density ratio takes (what the bound
    :math:`D_f \ge E_P[T] - E_Q[f^*(T)]` needs). Below the slope of f at 0 it is
    attained at u = 0, :math:`f^*(t) = -f(0)`: for the triangular discrimination
    below t = -3, for Pearson below t = -2 (the paper's
    :math:`t^2/4 + t` is the supremum over all real u, at u = 1 + t/2 < 0 there), and
    for TV below t = -1/2 (where the paper's table, over all real u, is infinite).
    Jensen-Shannon's is for gancore's f (half the paper's):
    :math:`f^*(t) = \tfrac12 f_{paper}^*(2t)`.

    Parameters
    ----------
    f : str
        One of :data:`F_DIVERGENCES`.
    t : array
        Real floating values, no NaN (infinities allowed), of any namespace.

    Returns
    -------
    array
        :math:`f^*(t)` elementwise: ``inf`` outside the domain where it is finite (the
        supremum is unbounded there), and the limits at ``t = -inf``: 0 (KL, GAN),
        -1/2 (TV), -1 (Pearson, Hellinger, triangular), -log(2)/2 (Jensen-Shannon), ``-inf``
        (reverse KL, Neyman); ``inf`` where :math:`f^*(t)` exceeds the dtype's largest
        number (KL and Pearson at large t), without a warning. Computed without
        cancellation: :math:`2t / (1 + \sqrt{1 - t})` for Neyman near 0,
        the GAN's :math:`-\log(1 - e^t)` as ``log1p(1 / expm1(-t))`` (within 4 eps; 6 in
        float64 and 12 in float32 where NumPy's log1p is its scalar loop and a log pass
        corrected by the rounding of 1 + x takes its place; two transcendental passes)
        where ``expm1(-t)`` and its reciprocal stay inside the dtype,
        :math:`\log(1 - e^x)` elsewhere by ``log(-expm1(x))`` or ``log1p(-exp(x))`` as x
        is above or below -log 2, and Jensen-Shannon's :math:`2t - \log 2` with log 2 as
        its rounded value plus the rest, so that it keeps its digits up to the edge of the
        domain (the float64 nearest log(2)/2 lies inside it: :math:`f^* = 18.80...`).
        Cost: O(n) time; host values whose largest lies inside the domain are checked
        by that largest alone.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.conjugate("gan", np.array([-np.log(2.0), 0.0]))   # -log(1 - 1/2) = log 2
    array([0.69314718,        inf])
    """
    name = one_of("f", f, F_DIVERGENCES)
    out = _host_conjugate(name, t)
    if out is not None:  # the commonest call: host values inside the domain
        return out
    xp, arrays = namespace(t=t)
    t = arrays["t"]
    require_float(xp, "t", t)
    require_not_nan(xp, "t", t)
    inside = _DOMAINS[name](t, xp=xp)
    safe = xp.where(inside, t, xp.zeros_like(t) + _INSIDE[name])
    with np.errstate(over="ignore"):  # an f*(t) past the dtype's largest is inf
        return xp.where(inside, _CONJUGATES[name](safe, xp=xp), math.inf)


def _host_conjugate(name, t):
    """:func:`conjugate` of host values whose largest lies inside the domain of ``f*``
    (so every value does, and none is NaN: argmax finds a NaN, and it fails the test):
    the formula on ``t`` itself, which the general path takes wherever ``t`` lies inside,
    so its bits; ``None`` for any other input (the general path then checks ``t`` and
    takes ``f* = inf`` outside the domain).

    For NumPy arrays (with NumPy's warnings silenced: an ``f*`` past the dtype's largest
    is inf) and CPU torch tensors, their largest read on their NumPy view and the
    formula in torch (whose exp and log round apart from NumPy's), of a float dtype and
    one dimension or more (an argmax reads 1e6 values in a tenth of one expm1 pass).
    Every domain is a half-line bounded above, and Jensen-Shannon's test is monotone in
    t, so the largest value decides (:data:`_DOMAINS`). The GAN's first form
    (:func:`_gan_conjugate`) is chosen here alone, where the smallest value allows it
    too: the general path, on a device, would pay a transfer to choose it."""
    if type(t) is np.ndarray:
        xp, view = None, t
    else:
        found = numpy_views(t, t)
        if found is None:
            return None
        xp, view = found[0], found[1]
    if (view.dtype not in HOST_LIMITS or not view.ndim
            or not view.size
            or not _DOMAINS[name](top := view.dtype.type(view.item(view.argmax())),
                                  xp=NUMPY)):
        return None
    if name == "gan":  # its first form where every value allows it, read on the view
        low_end, high_end = _gan_core_range(NUMPY, view.dtype)
        if low_end <= view.item(view.argmin()) and top <= high_end:
            # (nothing overflows there; long arrays by blocks, as _numpy_conjugate)
            return blockwise(_gan_core, t) if xp is None else _gan_core(t, xp=xp)
    if xp is None:
        return _numpy_conjugate(_CONJUGATES[name], t)
    return _CONJUGATES[name](t, xp=xp)


@np.errstate(over="ignore")  # (as a decorator: 0.6 us a call, as a context 1.0)
def _numpy_conjugate(formula, t):
    """``formula(t)`` on a NumPy array, an ``f*`` past the dtype's largest inf quietly;
    block by block where ``t`` is longer than one block
    (:func:`~gancore._host.blockwise`: the same bits, its temporaries in cache)."""
    return blockwise(formula, t)


def _gan_conjugate(t, *, xp):
    """The GAN's ``f*(t) = -log(1 - e^t)`` for t < 0 (or -inf): with y = expm1(-t) > 0,
    ``1 - e^t = y / (1 + y)``, so ``f* = log1p(1 / y)``: two roundings, then a log1p whose
    condition number is at most 1, within 4 eps of f* relative to it, in two
    transcendental passes (5.5 eps in float64 and 11.5 in float32 where the log1p is
    the log pass of :func:`~gancore._elementwise.log1p_pointwise`, within 4 and 10
    ulps, after the 1.5 of the two roundings). Where y or 1/y would leave the dtype (t
    below half the log of its largest number, -354.9 in float64, or within 4 of its
    reciprocal of 0), f* is ``-log1mexp(t)`` (its two stable forms, four passes). Host
    values all inside take the first form alone (:func:`_host_conjugate`), with the same
    bits there."""
    low_end, high_end = _gan_core_range(xp, t.dtype)
    inside = (t >= low_end) & (t <= high_end)
    return xp.where(inside, _gan_core(xp.where(inside, t, -1.0), xp=xp),
                    -_log1mexp(t, xp=xp))


def _gan_core(t, *, xp):
    """:func:`_gan_conjugate`'s first form, ``log1p(1 / expm1(-t))``; the reciprocal by
    the namespace's own (torch's ``1 / x`` is a reciprocal and a product: 3.8 against
    1.4 us at n = 1e3); the log1p by :func:`~gancore._elementwise.log1p_pointwise` (a
    log pass where NumPy's is its scalar loop, from 3000 float64 points)."""
    return log1p_pointwise(xp.reciprocal(xp.expm1(-t)), xp=xp)


def _gan_core_range(xp, dtype):
    """The t of :func:`_gan_conjugate`'s first form: ``[-log(max) / 2, -4 / max]``, max
    the dtype's largest number (y = expm1(-t) stays below sqrt(max), 1/y below max/4)."""
    largest = finfo_float(xp, dtype, "max")
    return -0.5 * math.log(largest), -4.0 / largest


def _log1mexp(x, *, xp):
    """``log(1 - exp(x))`` for x < 0, accurate for every x (Maechler, 2012)."""
    near = x > -_LOG2
    return xp.where(near, xp.log(-xp.expm1(xp.where(near, x, -1.0))),
                    xp.log1p(-xp.exp(xp.where(near, -1.0, x))))


# log(2) as its float64 value and the rest (log 2 - float(log 2), to 40 digits)
_LOG2_REST = 2.319046813846299558417771e-17


def _minus_log2(y, *, xp):
    """``y - log 2`` in ``y``'s floating dtype, with log 2 as its value rounded to the
    dtype plus the rest: near y = log 2, ``y - hi`` is exact (Sterbenz), so the result
    keeps its relative precision where one rounded log 2 would leave only the rounding
    (2.3e-17 in float64, 1.9e-9 in float32), and is not 0 at the float nearest log 2."""
    if finfo_float(xp, y.dtype, "eps") < 1e-10:  # (float64)
        return (y - _LOG2) - _LOG2_REST
    high = float(np.float32(_LOG2))
    return (y - high) - ((_LOG2 - high) + _LOG2_REST)


_DOMAINS = {
    "total-variation": lambda t, *, xp: t <= 0.5,
    "kl": lambda t, *, xp: t < math.inf,
    "reverse-kl": lambda t, *, xp: t < 0,
    "pearson": lambda t, *, xp: t < math.inf,
    "neyman": lambda t, *, xp: t <= 1,
    "hellinger": lambda t, *, xp: t < 1,
    # t < log(2) / 2 exactly: the float nearest log(2) / 2 lies inside in float64
    # (below it) and outside in float32 (above it)
    "jensen-shannon": lambda t, *, xp: _minus_log2(2.0 * t, xp=xp) < 0,
    "gan": lambda t, *, xp: t < 0,
    "triangular": lambda t, *, xp: t <= 1,
}
# a point inside each domain, fed to the formula where t lies outside (then discarded)
_INSIDE = {"total-variation": 0.0, "kl": 0.0, "reverse-kl": -1.0, "pearson": 0.0,
           "neyman": 0.0, "hellinger": 0.0, "jensen-shannon": -1.0, "gan": -1.0,
           "triangular": 0.0}
_CONJUGATES = {
    "total-variation": lambda t, *, xp: xp.maximum(t, -0.5),
    "kl": lambda t, *, xp: xp.exp(t - 1.0),
    "reverse-kl": lambda t, *, xp: -1.0 - xp.log(-t),
    "pearson": lambda t, *, xp: xp.where(t >= -2.0, _pearson(xp.maximum(t, -2.0)), -1.0),
    # each in two forms: one without cancellation near t = 0, one that keeps the
    # limit at t = -inf (-inf for Neyman, -1 for Hellinger) instead of inf / inf
    "neyman": lambda t, *, xp: xp.where(t < -1.0, 2.0 - 2.0 * xp.sqrt(1.0 - t),
                                        2.0 * t / (1.0 + xp.sqrt(1.0 - xp.maximum(t, -1.0)))),
    "hellinger": lambda t, *, xp: xp.where(t < -1.0, 1.0 / (1.0 - t) - 1.0,
                                           xp.maximum(t, -1.0) / (1.0 - t)),
    "jensen-shannon": lambda t, *, xp: -0.5 * (_LOG2 + _log1mexp(_minus_log2(2.0 * t, xp=xp),
                                                                 xp=xp)),
    "gan": lambda t, *, xp: _gan_conjugate(t, xp=xp),
    "triangular": lambda t, *, xp: xp.where(t >= -3.0, _triangular(xp.maximum(t, -3.0), xp=xp),
                                            -1.0),
}


def _triangular(t, *, xp):
    """``4 - t - 4 sqrt(1 - t)`` for ``-3 <= t <= 1`` as ``t (3 - s) / (1 + s)``, s =
    sqrt(1 - t): the supremum of ``u t - (u - 1)^2 / (u + 1)`` at u = 2 / s - 1, with
    no cancellation near t = 0."""
    s = xp.sqrt(1.0 - t)
    return t * (3.0 - s) / (1.0 + s)


def _pearson(t):
    """``t^2 / 4 + t`` for ``t >= -2``: the supremum of ``u t - (u - 1)^2`` at u = 1 + t/2."""
    return t * t / 4.0 + t


def variational_bound(t_data, t_gen, /, *, f, data_weights=None, gen_weights=None,
                      axis=-1):
    r"""The f-GAN lower bound :math:`E_P[T] - E_Q[f^*(T)] \le D_f(P \| Q)`.

    With samples, ``t_data`` holds the critic at points drawn from P and ``t_gen`` at
    points drawn from Q, and the expectations are sample means. With quadrature, both
    hold the critic at grid points and the weights are the masses :math:`p\,dx` and
    :math:`q\,dx` there: the expectations are :math:`\sum w T / \sum w`.

    Parameters
    ----------
    t_data, t_gen : array
        Critic values, real floats without NaN (``-inf`` in ``t_data`` and ``+inf`` in
        ``t_gen`` are allowed where their weight is 0: a zero weight contributes 0).
    f : str
        One of :data:`F_DIVERGENCES`.
    data_weights, gen_weights : array, optional
        Non-negative finite weights along ``axis`` with a positive sum; ``None`` means
        equal weights (sample means).
    axis : int, optional
        The axis of the samples or grid points; the others are batch axes.

    Returns
    -------
    array
        The bound along ``axis``: ``-inf`` where a critic value of positive weight
        leaves the domain of :math:`f^*` (``f*`` is infinite there) or ``t_data`` is
        ``-inf``, whatever the other expectation is (``+inf`` beside it included);
        ``inf`` only where ``E_P T`` is; equal to :math:`D_f` at :func:`optimal_critic`
        in quadrature. Finite values give finite expectations, also where their sums
        pass the dtype's range. Cost: O(n) time. CPU tensors of one float dtype that
        no derivative runs through, without weights, are computed by NumPy on their
        views: NumPy's bits, as a tensor.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> p, q = np.array([0.5, 0.5]), np.array([0.25, 0.75])
    >>> t = gancore.optimal_critic(p, q, f="hellinger")
    >>> bound = gancore.variational_bound(t, t, f="hellinger", data_weights=p, gen_weights=q)
    >>> bool(np.isclose(bound, gancore.f_divergence(p, q, f="hellinger")))
    True
    """
    name = one_of("f", f, F_DIVERGENCES)
    if data_weights is None and gen_weights is None:  # sample means, the commonest call
        out = (_sample_bound(name, t_data, t_gen, axis) if type(t_data) is np.ndarray
               else through_views(variational_bound, (t_data, t_gen), f=name, axis=axis))
        if out is not None:
            return out
    xp, arrays = namespace(optional=("data_weights", "gen_weights"), t_data=t_data,
                           t_gen=t_gen, data_weights=data_weights, gen_weights=gen_weights)
    means, voids = [], []
    for values, weights, sink in (("t_data", "data_weights", -math.inf),
                                  ("t_gen", "gen_weights", math.inf)):
        t, w = arrays[values], arrays[weights]
        require_float(xp, values, t)
        require_not_nan(xp, values, t)
        check_axis(values, t, axis)
        if t.shape[axis] == 0:
            raise ValueError(f"{values} must not be empty along axis {axis}; got shape "
                             f"{tuple(t.shape)}")
        if values == "t_gen":
            t = conjugate(name, t)
        # a value of positive weight at the sink (-inf in T, inf in f*(T)) makes the
        # bound -inf, whatever the other values are: it is left out of the mean, which
        # then holds infinities of one sign only (no inf - inf, no NaN)
        sunk = t == sink
        means.append(_weighted_mean(xp, xp.where(sunk, 0.0, t), w, weights, axis))
        voids.append(xp.any(sunk if w is None else sunk & (w > 0), axis=axis))
    data, gen = means
    void = voids[0] | voids[1]
    return xp.where(void, -math.inf, xp.where(void, 0.0, data) - xp.where(void, 0.0, gen))


def _sample_bound(name, t_data, t_gen, axis):
    """:func:`variational_bound` by sample means of two non-empty NumPy arrays of one
    float dtype and one dimension, with ``axis`` 0 or -1, where ``t_gen`` lies inside
    the domain of ``f*`` (:func:`_host_conjugate`) and the bound is finite:
    ``mean(t_data) - mean(f*(t_gen))`` by ``numpy.mean``'s operations, which the
    general path takes there (its bits). ``None`` otherwise: NaN,
    infinities, a sum past the range or a value outside the domain make the bound NaN
    or infinite, or fail the domain's test, and the general path sorts them out and
    names them."""
    if not (type(t_gen) is np.ndarray and t_data.ndim == 1 == t_gen.ndim
            and t_data.dtype == t_gen.dtype and type(axis) is int and -1 <= axis <= 0):
        return None
    gen = _host_conjugate(name, t_gen)
    if gen is None or not t_data.size:
        return None
    out = _mean_difference(t_data, gen)
    return np.asarray(out) if math.isfinite(out) else None


@np.errstate(all="ignore")  # (NaN, infinities and overflowing sums: refused after)
def _mean_difference(a, b):
    """``mean(a) - mean(b)`` of two NumPy arrays of one dimension, by ``numpy.mean``'s
    operations (its sum, then its division by the count as an ``intp``), quietly."""
    a_sum, b_sum = np.add.reduce(a), np.add.reduce(b)
    return (a_sum.dtype.type(a_sum / np.intp(a.size))
            - b_sum.dtype.type(b_sum / np.intp(b.size)))


def _weighted_mean(xp, t, w, name, axis):
    """:func:`~gancore._masses.mean_in_range` of critic values ``t`` with weights ``w``
    named ``name``, validated first."""
    if w is not None:
        require_float(xp, name, w)
        if w.shape != t.shape:
            raise ValueError(f"{name} must have the shape of its critic values "
                             f"{tuple(t.shape)}; got {tuple(w.shape)}")
        if not bool(xp.all(xp.isfinite(w))) or bool(xp.any(w < 0)):
            raise ValueError(f"{name} must be non-negative and finite")
        # (non-negative weights: a positive sum is a positive largest, which cannot
        # overflow)
        if bool(xp.any(xp.max(w, axis=axis) <= 0)):
            raise ValueError(f"{name} must have a positive sum along axis {axis}")
    return mean_in_range(xp, t, w, axis)
