"""Sampling with the discriminator: Proposition 1 read backwards.

For the data law p and the generator's law q, the optimal discriminator
D*(x) = p(x) / (p(x) + q(x)) has the logit l*(x) = log p(x) - log q(x), so
p / q = D* / (1 - D*) = exp(l*). Samples of the generator, weighed by that ratio, become
samples of the data:

- :func:`rejection_sample` keeps a draw x of q with probability min(1, exp(l(x)) / M)
  (von Neumann's rejection; Azadi et al.'s discriminator rejection sampling when l is a
  trained discriminator's logit). If p <= M q everywhere, the kept draws follow p
  exactly, and a draw is kept with probability 1 / M.
- :func:`metropolis_hastings` runs the independence sampler with proposal q and target
  p (Turner et al.'s Metropolis-Hastings GAN): no M is needed, and when p <= M q its
  law after T steps is within (1 - 1/M)^T of p in total variation.

References
----------
S. Azadi et al., "Discriminator rejection sampling", ICLR 2019.
R. Turner et al., "Metropolis-Hastings generative adversarial networks", ICML 2019.
"""

import math
from typing import NamedTuple

import numpy as np
from array_api_compat import device

from ._arrays import (boolean, check_seed, from_numpy, real_number, require_float,
                      require_nonempty, require_not_nan, to_float)
from ._namespaces import namespace

__all__ = ["MetropolisHastingsResult", "RejectionResult", "metropolis_hastings",
           "rejection_sample"]


class RejectionResult(NamedTuple):
    """What :func:`rejection_sample` returns."""

    samples: object   #: the accepted rows of ``samples``, in their order
    accepted: object  #: boolean mask over the rows: True where the row was accepted
    rate: object      #: the fraction of rows accepted (0-d, in ``log_ratio``'s dtype)


class MetropolisHastingsResult(NamedTuple):
    """What :func:`metropolis_hastings` returns."""

    states: object  #: each chain's state after each step, shape of ``proposals``
    last: object    #: each chain's last state, ``states[:, -1]``: one draw per chain
    rate: object    #: the fraction of proposed moves accepted (0-d)


def _log_ratios(xp, rows, log_ratio, shape):
    """Validate ``log_ratio``: real floats of ``shape`` (one per row), no NaN, no +inf.

    Returns the largest log-ratio as a Python float."""
    require_float(xp, "log_ratio", log_ratio)
    if tuple(log_ratio.shape) != shape:
        raise ValueError(f"log_ratio must have shape {shape}, one log-ratio per {rows}; "
                         f"got {tuple(log_ratio.shape)}")
    require_not_nan(xp, "log_ratio", log_ratio)
    top = to_float(xp.max(log_ratio))
    if top == math.inf:
        raise ValueError("log_ratio must be < +inf: log(p / q) is finite wherever q > 0, "
                         "as it is at every draw of q (-inf, where p = 0, is allowed)")
    return top


def _uniforms(seed, shape, like, xp):
    """Uniform draws on [0, 1) from NumPy's ``default_rng(seed)``, in ``like``'s
    namespace, device and dtype (one seed gives the same run in every namespace)."""
    return from_numpy(np.random.default_rng(seed).random(shape), like=like, xp=xp)


def _accept(log_u_bound, u, *, xp):
    """``u < exp(a)`` for ``a <= 0`` or ``a`` positive (always true), with no overflow:
    a draw is accepted with probability ``min(1, exp(a))``. Where ``a >= 0`` it is
    accepted outright, so a uniform that rounds up to 1 in float32 cannot refuse it.
    The callers form ``a``, a difference of finite logs, under ``errstate(over=
    "ignore")``: past the dtype's range it is +-inf (probability 1 or 0)."""
    return (log_u_bound >= 0) | (u < xp.exp(xp.minimum(log_u_bound, 0.0)))


def rejection_sample(samples, log_ratio, /, *, log_m=None, exact=False, seed=None):
    r"""Rejection sampling with a log density ratio: draws of q become draws of p.

    Row :math:`x_i` of ``samples`` (a draw of q) is accepted with probability

    .. math:: a(x_i) = \min\bigl(1, \exp(l(x_i) - \log M)\bigr),

    where :math:`l = \log(p / q)` is ``log_ratio``: the logit of the discriminator
    :math:`D = p / (p + q)` (Proposition 1 read backwards: :math:`p / q = D / (1 - D)`).
    If :math:`p \le M q` everywhere, the accepted rows are independent draws of p and
    each row is accepted with probability :math:`1 / M`. If not, they follow
    :math:`\min(p, M q) / Z` with :math:`Z = \int \min(p, M q)`, accepted with
    probability :math:`Z / M`.

    Parameters
    ----------
    samples : array
        Shape ``(n, ...)``: n draws of q, one per row (``(n,)`` for draws in 1-D), real
        floats, no NaN.
    log_ratio : array
        Shape ``(n,)``: :math:`\log p(x_i) - \log q(x_i)`, real floats; ``-inf`` where
        p = 0 (never accepted); no NaN, no ``+inf``.
    log_m : float, optional
        :math:`\log M`. By default the largest ``log_ratio`` of the batch (see Notes).
    exact : bool, optional
        Ask for exact samples of p: then ``log_m`` must be given, as a bound on
        :math:`\sup \log(p / q)`, and a ``log_ratio`` above it (a draw that proves the
        bound wrong) is a ``ValueError``. By default ``log_m`` may be exceeded, and the
        accepted rows follow :math:`\min(p, M q) / Z`.
    seed : int, numpy.random.Generator or None, optional
        The uniform draws' seed (NumPy's ``default_rng``, on the host, moved to
        ``log_ratio``'s device); None draws fresh entropy from the system.

    Returns
    -------
    RejectionResult
        ``samples``: the accepted rows, in their order, shape ``(k, ...)`` (k = 0 when
        none is accepted); ``accepted``: the boolean mask, shape ``(n,)``; ``rate``:
        k / n, a 0-d array in ``log_ratio``'s dtype. All in the inputs' namespace and on
        their device.

    Raises
    ------
    TypeError
        ``samples`` or ``log_ratio`` not arrays of real floats, from different
        namespaces; ``log_m`` not a real number; ``exact`` not a bool.
    ValueError
        ``samples`` empty or 0-d, or holding NaN; ``log_ratio`` of the wrong shape,
        holding NaN or ``+inf``; ``log_m`` not finite; ``exact=True`` without
        ``log_m``, or with a ``log_ratio`` above it.

    Notes
    -----
    **The default M.** ``log_m=None`` takes :math:`\log M = \max_i l(x_i)`, the largest
    ratio in the batch, as discriminator rejection sampling does with its burn-in. That
    costs exactness: the batch maximum is at most the supremum, so wherever
    :math:`p > M q` the accepted law is :math:`\min(p, M q) / Z`, not p; the row with
    the largest ratio is always accepted; and M is random, so rows are not accepted
    independently of each other. The bias shrinks as the batch grows (its maximum nears
    the supremum), while the rate (:math:`Z / M`) falls. Pass ``log_m`` for a known
    bound, and ``exact=True`` to have it checked against the batch.

    With a trained discriminator, l is its logit, an estimate of the log-ratio: the
    accepted law is then :math:`\propto q \min(1, e^{l} / M)`, which is p only as far
    as the discriminator is calibrated (:math:`D = D^*`).

    Cost: :math:`O(n)` time; one transfer of n uniforms to the device and one of the
    largest ``log_ratio`` to the host (the checks).

    References
    ----------
    J. von Neumann, "Various techniques used in connection with random digits", 1951.
    S. Azadi et al., "Discriminator rejection sampling", ICLR 2019.

    Examples
    --------
    Draws of :math:`q = N(0, 2^2)` become draws of :math:`p = N(0, 1)`; the ratio's
    supremum is :math:`\log 2` (at 0), so the acceptance rate is 1/2:

    >>> import numpy as np
    >>> import gancore
    >>> p, q = gancore.Normal(0.0, 1.0), gancore.Normal(0.0, 2.0)
    >>> x = q.sample(100_000, seed=0)
    >>> kept = gancore.rejection_sample(x, p.logpdf(x) - q.logpdf(x),
    ...                                 log_m=np.log(2.0), exact=True, seed=1)
    >>> round(float(kept.rate), 2), round(float(np.std(kept.samples)), 2)
    (0.5, 1.0)
    """
    xp, arrays = namespace(samples=samples, log_ratio=log_ratio)
    samples, log_ratio = arrays["samples"], arrays["log_ratio"]
    require_float(xp, "samples", samples)
    require_nonempty("samples", samples)
    require_not_nan(xp, "samples", samples)
    if log_m is not None:
        log_m = real_number("log_m", log_m)
    boolean("exact", exact)
    seed = check_seed(seed)
    n = samples.shape[0]
    top = _log_ratios(xp, "row of samples", log_ratio, (n,))
    if exact and log_m is None:
        raise ValueError("exact=True needs log_m, a bound on sup log(p / q): the batch's "
                         "largest log_ratio (log_m=None) is below the supremum in general")
    if exact and top > log_m:
        raise ValueError(f"log_m = {log_m!r} is below the largest log_ratio {top!r}: p > M q "
                         "at that row, so the accepted rows would not follow p (pass a "
                         "larger log_m, or exact=False for min(p, M q) / Z)")
    u = _uniforms(seed, (n,), log_ratio, xp)
    if top == -math.inf:  # p = 0 at every row: nothing to accept (and no M to divide by)
        accepted = xp.zeros((n,), dtype=xp.bool, device=device(log_ratio))
    else:
        bound = top if log_m is None else log_m
        with np.errstate(over="ignore"):
            accepted = _accept(log_ratio - bound, u, xp=xp)
    rate = xp.mean(xp.astype(accepted, log_ratio.dtype))
    return RejectionResult(samples[accepted], accepted, rate)


def metropolis_hastings(proposals, log_ratio, /, *, seed=None):
    r"""The independence Metropolis-Hastings sampler with proposal q and target p.

    Each chain starts at its first proposal, :math:`x_0 = y_0` (a draw of q), and at
    step :math:`t = 1, \dots, T - 1` moves to the proposal :math:`y_t` with probability

    .. math:: \min\bigl(1, \exp(l(y_t) - l(x_{t-1}))\bigr)
              = \min\Bigl(1, \frac{1/D(x_{t-1}) - 1}{1/D(y_t) - 1}\Bigr),

    else stays, where :math:`l = \log(p / q)` is ``log_ratio`` (a discriminator's
    logit). The chain's stationary law is p, and no bound M is needed. If
    :math:`p \le M q` everywhere, every step regenerates the chain with probability at
    least 1/M, and the law of :math:`x_{T-1}` is within :math:`(1 - 1/M)^T` of p in
    total variation (the start, a draw of q, counts as one such step: q is within
    :math:`1 - 1/M` of p). K independent chains give K independent draws: their last
    states.

    Parameters
    ----------
    proposals : array
        Shape ``(chains, steps, ...)``: independent draws of q, ``steps >= 2`` per chain
        (``(chains, steps)`` for draws in 1-D); real floats, no NaN.
    log_ratio : array
        Shape ``(chains, steps)``: :math:`\log p - \log q` at each proposal, real floats;
        ``-inf`` where p = 0 (never moved to, from a point where p > 0); no NaN, no
        ``+inf``.
    seed : int, numpy.random.Generator or None, optional
        The uniform draws' seed (NumPy's ``default_rng``, on the host); None draws
        fresh entropy from the system.

    Returns
    -------
    MetropolisHastingsResult
        ``states``: each chain's state after each step, the shape of ``proposals``
        (``states[:, 0]`` is the start); ``last``: ``states[:, -1]``, shape
        ``(chains, ...)``; ``rate``: the fraction of the ``chains * (steps - 1)``
        proposed moves accepted, a 0-d array in ``log_ratio``'s dtype. All in the
        inputs' namespace and on their device.

    Raises
    ------
    TypeError
        ``proposals`` or ``log_ratio`` not arrays of real floats, from different
        namespaces.
    ValueError
        ``proposals`` with fewer than 2 axes, fewer than 2 steps, no chains, or NaN;
        ``log_ratio`` of the wrong shape, holding NaN or ``+inf``.

    Notes
    -----
    The chains start at a draw of q, not at a data point (Turner et al. start theirs at
    a real sample, so that a chain that never moves still returns real data); the
    bound above is the price: take ``steps`` with :math:`(1 - 1/M)^T` small. A chain
    that sits on a large :math:`l(x)` rarely moves, and a long run of one state in
    ``states`` is the sign.

    Cost: ``steps`` vectorised updates over the chains, :math:`O(\text{chains} \cdot
    \text{steps})` time; one gather of the states.

    References
    ----------
    R. Turner, J. Hung, E. Frank, Y. Saatci, J. Yosinski, "Metropolis-Hastings generative
    adversarial networks", ICML 2019.

    Examples
    --------
    5000 chains of 20 steps from :math:`q = N(0, 2^2)` to :math:`p = N(1, 1)`
    (:math:`M = 2 e^{1/6}`, so the law of the last states is within
    :math:`(1 - 1/M)^{20} = 1.7 \cdot 10^{-5}` of p):

    >>> import numpy as np
    >>> import gancore
    >>> p, q = gancore.Normal(1.0, 1.0), gancore.Normal(0.0, 2.0)
    >>> y = np.reshape(q.sample(100_000, seed=0), (5000, 20))
    >>> run = gancore.metropolis_hastings(y, p.logpdf(y) - q.logpdf(y), seed=1)
    >>> run.last.shape, round(float(np.mean(run.last)), 1), round(float(np.std(run.last)), 1)
    ((5000,), 1.0, 1.0)
    """
    xp, arrays = namespace(proposals=proposals, log_ratio=log_ratio)
    proposals, log_ratio = arrays["proposals"], arrays["log_ratio"]
    require_float(xp, "proposals", proposals)
    if proposals.ndim < 2 or proposals.shape[0] < 1 or proposals.shape[1] < 2:
        raise ValueError("proposals must have shape (chains, steps, ...) with chains >= 1 "
                         f"and steps >= 2; got {tuple(proposals.shape)}")
    require_nonempty("proposals", proposals)
    require_not_nan(xp, "proposals", proposals)
    chains, steps = proposals.shape[0], proposals.shape[1]
    _log_ratios(xp, "proposal", log_ratio, (chains, steps))
    u = _uniforms(check_seed(seed), (chains, steps - 1), log_ratio, xp)
    dev = device(log_ratio)
    step = xp.arange(steps, dtype=xp.int64, device=dev)  # on the device, made once
    at = xp.zeros((chains,), dtype=xp.int64, device=dev)  # each chain's proposal index
    current = log_ratio[:, 0]
    indices, moves = [at], []
    with np.errstate(over="ignore"):  # once for the loop: see _accept
        for t in range(1, steps):
            proposed = log_ratio[:, t]
            up = proposed >= current  # also where both are -inf: no -inf - -inf below
            move = up | _accept(xp.where(up, 0.0, proposed - xp.where(up, 0.0, current)),
                                u[:, t - 1], xp=xp)
            at = xp.where(move, step[t], at)
            current = xp.where(move, proposed, current)
            indices.append(at)
            moves.append(move)
    rows = (xp.reshape(xp.arange(chains, dtype=xp.int64, device=dev), (chains, 1)) * steps
            + xp.stack(indices, axis=1))
    rest = tuple(proposals.shape[2:])
    flat = xp.reshape(proposals, (chains * steps, *rest))
    states = xp.reshape(xp.take(flat, xp.reshape(rows, (-1,)), axis=0),
                        (chains, steps, *rest))
    rate = xp.mean(xp.astype(xp.stack(moves, axis=1), log_ratio.dtype))
    return MetropolisHastingsResult(states, states[:, -1, ...], rate)
