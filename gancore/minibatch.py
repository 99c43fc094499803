"""Minibatch estimates of the value function V(D, G).

From discriminator outputs on m data samples and on m' generated ones,

    V(D, G) ~ (1/m) sum log D(x_i) + (1/m') sum log(1 - D(G(z_j))),

from D itself (:func:`minibatch_value`) or from its log-odds
(:func:`minibatch_value_from_logits`, finite for every finite logit).

References
----------
I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
"""

import math

import numpy as np

from ._arrays import float_dtype, require_nonempty, require_not_nan, require_probability
from ._elementwise import log1m, safe_log, softplus
from ._host import HOST_LIMITS, blockwise, through_views
from ._masses import mean_in_range
from ._namespaces import NUMPY, namespace
from .game import _log_1m_d

__all__ = ["minibatch_value", "minibatch_value_from_logits"]


def _minus_softplus_of_minus(logits, *, xp):
    """``log D = -softplus(-l)`` for ``D = sigmoid(l)``."""
    return -softplus(-logits, xp=xp)


def _minus_softplus(logits, *, xp):
    """``log(1 - D) = -softplus(l)`` for ``D = sigmoid(l)``."""
    return -softplus(logits, xp=xp)


def _minibatch(names, real, fake, probabilities, log_d, log_1m_d):
    """Validate two batches of discriminator outputs (``probabilities``: D in [0, 1];
    else logits, not NaN) and average ``log_d`` of the first and ``log_1m_d`` of the
    second."""
    out = _host_minibatch(real, fake, probabilities, log_d, log_1m_d)
    if out is not None:  # the commonest call
        return out
    xp, arrays = namespace(**{names[0]: real, names[1]: fake})
    real, fake = arrays[names[0]], arrays[names[1]]
    dtype = float_dtype(xp, (names[0], real), (names[1], fake))
    check = require_probability if probabilities else require_not_nan
    for name, x in ((names[0], real), (names[1], fake)):
        require_nonempty(name, x, allow_scalar=True)
        check(xp, name, x)
    log_real = log_d(xp.astype(real, dtype), xp=xp)
    log_1m_fake = log_1m_d(xp.astype(fake, dtype), xp=xp)
    # (log terms of finite logits are finite, and their means too: mean_in_range)
    return mean_in_range(xp, log_real) + mean_in_range(xp, log_1m_fake)


@np.errstate(all="ignore")  # (a sum of softplus terms may pass the range: then None)
def _host_minibatch(real, fake, probabilities, log_d, log_1m_d):
    """:func:`_minibatch` of two NumPy arrays of one float dtype, neither empty, with
    none of the general path's Python: the same checks, read off each array's argmin
    (NaN's index, if any) and, for D, argmax; the same log terms (where D lies inside
    (0, 1), its logs without the guards for 0 and 1: the same bits); their means as
    ``np.mean`` forms them (``mean_in_range`` returns that mean where it is finite).
    So the general path's bits; ``None`` for other input, a failed check or a result
    that is not finite (the general path then names the fault, or takes its mean
    again)."""
    if not (type(real) is np.ndarray and type(fake) is np.ndarray
            and real.dtype in HOST_LIMITS and fake.dtype == real.dtype
            and real.size and fake.size):
        return None
    bounds = []
    for x in (real, fake):
        flat = x.reshape(-1)
        low = flat.item(flat.argmin())
        high = flat.item(flat.argmax()) if probabilities else None
        if not (0.0 <= low and high <= 1.0 if probabilities else low == low):
            return None
        bounds.append((low, high))
    if probabilities:  # (D inside (0, 1): the logs of safe_log and _log_1m_d, unguarded)
        log_real = np.log(real) if bounds[0][0] > 0.0 else log_d(real, xp=NUMPY)
        log_fake = (log1m(fake, xp=NUMPY) if bounds[1][1] < 1.0
                    else log_1m_d(fake, xp=NUMPY))
    else:
        # (block by block: the softplus forms' six operations a point in cache; at 1e7
        # logits in each batch 9.7 -> 7.0 log passes)
        log_real, log_fake = blockwise(log_d, real), blockwise(log_1m_d, fake)
    out = _mean_of(log_real) + _mean_of(log_fake)
    return out if math.isfinite(out) else None


def _mean_of(t):
    """``np.mean(t)`` by its own operations: the pairwise sum, divided by the count as
    an ``intp`` (for float32, in float64, then rounded back)."""
    return t.dtype.type(np.add.reduce(t, axis=None) / np.intp(t.size))


def minibatch_value(d_real, d_fake, /):
    r"""Minibatch estimate of V: :math:`\frac1m \sum \log D(x_i) + \frac1m \sum \log(1 - D(G(z_i)))`.

    Parameters
    ----------
    d_real : array
        Discriminator outputs in [0, 1] on data samples (any shape; every element is one
        sample).
    d_fake : array
        Discriminator outputs in [0, 1] on generated samples (any shape and size).

    Returns
    -------
    array
        The 0-d estimate, in ``[-inf, 0]``: ``-inf`` if some ``d_real`` is 0 or some
        ``d_fake`` is 1. Cost: O(m) time. CPU tensors are computed as in
        :func:`value_from_logits`.

    Raises
    ------
    TypeError
        Non-float dtypes or mixed namespaces.
    ValueError
        Empty input, NaN, or values outside [0, 1].

    See Also
    --------
    minibatch_value_from_logits : the same from logits, finite for every finite logit.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> round(float(gancore.minibatch_value(np.array([0.5]), np.array([0.5]))), 6)
    -1.386294
    """
    out = through_views(minibatch_value, (d_real, d_fake))
    if out is not None:  # CPU tensors: NumPy's operations on their views
        return out
    return _minibatch(("d_real", "d_fake"), d_real, d_fake, True, safe_log, _log_1m_d)


def minibatch_value_from_logits(logits_real, logits_fake, /):
    r"""Minibatch estimate of V from logits :math:`\ell`, with :math:`D = \sigma(\ell)`.

    :math:`-\frac1m \sum \mathrm{softplus}(-\ell(x_i)) - \frac1m \sum \mathrm{softplus}(\ell(G(z_i)))`,
    which stays finite for every finite logit, however extreme.

    Parameters
    ----------
    logits_real, logits_fake : array
        Logits on data and on generated samples; NaN is rejected, ``+-inf`` allowed.

    Returns
    -------
    array
        The 0-d estimate, in ``[-inf, 0]``. Cost: O(m) time. CPU tensors are computed
        as in :func:`value_from_logits`.

    Raises
    ------
    TypeError, ValueError
        As in :func:`minibatch_value`, NaN logits included.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> round(float(gancore.minibatch_value_from_logits(np.array([3.0]), np.array([-3.0]))), 6)
    -0.097175
    >>> float(gancore.minibatch_value_from_logits(np.array([-800.0]), np.array([0.0])))  # finite
    -800.6931471805599
    """
    out = through_views(minibatch_value_from_logits, (logits_real, logits_fake))
    if out is not None:  # CPU tensors: NumPy's operations on their views
        return out
    return _minibatch(("logits_real", "logits_fake"), logits_real, logits_fake, False,
                      _minus_softplus_of_minus, _minus_softplus)
