"""Divergences between probability measures: KL, Jensen-Shannon and total variation.

Each function takes two arrays of masses (``dx=1``) or of densities sampled on a grid
(``dx`` the spacing or the quadrature weights) and reduces along ``axis``, so a batch of
distributions is one call. Inputs must be normalised to within ``max(1e-6, 1000 eps)``
(``normalize=True`` accepts any positive total) and are then divided by their total
mass, so the result is the divergence of two exact probability measures.

Every per-point term is written in a form that is non-negative and free of
cancellation, so the sums are never negative and keep full relative precision when
``p`` and ``q`` are nearly equal, nearly disjoint, or tiny.
"""

import math

from ._arrays import log_ratio, measures

__all__ = ["jsd", "kl", "tv"]

# Taylor coefficients of psi(u) / u**2 = ((1 + u) atanh(u) - u) / u**2 = sum_j c_j u**j,
# c_j = 1 / (2 ceil(j / 2) + 1). For |u| < 1/8 the terms past j = 19 are below 1e-18
# of the sum.
_PSI_COEFFS = tuple(1.0 / (2 * ((j + 1) // 2) + 1) for j in range(20))
_PSI_SERIES_BELOW = 0.125


def _kl_terms(p, q, *, xp):
    """Per-point ``p log(p/q) - p + q`` (>= 0): inf where ``q = 0 < p``, ``q`` where p = 0.

    Adding ``q - p`` leaves the sum unchanged for normalised measures and makes every
    term non-negative. Near ``p = q`` it is evaluated through ``u = (p - q)/(p + q)`` as
    ``(p + q) psi(u)``, psi by its Taylor series; elsewhere directly.
    """
    both = (p > 0) & (q > 0)
    ps, qs = xp.where(both, p, 1.0), xp.where(both, q, 1.0)
    s = ps + qs
    u = (ps - qs) / s
    small = xp.abs(u) < _PSI_SERIES_BELOW
    us = xp.where(small, u, 0.0)
    series = xp.zeros_like(us)
    for c in reversed(_PSI_COEFFS):
        series = series * us + c
    near = s * us * us * series
    far = ps * log_ratio(ps, qs, xp=xp) - ps + qs
    inner = xp.where(small, near, far)
    return xp.where(both, inner, xp.where(p > 0, math.inf, q))


def _jsd_terms(p, q, *, xp):
    """Per-point ``(p log(2p/(p+q)) + q log(2q/(p+q))) / 2`` (>= 0, at most ``s log 2 / 2``).

    With ``s = p + q`` and ``u = (p - q)/s`` the term is ``s phi(u) / 4``, where
    ``phi(u) = (1+u) log(1+u) + (1-u) log(1-u) = 2 u atanh(u) + log1p(-u**2)``. The
    second form has no cancellation for ``|u| < 1/2``; the first, with ``1 +- u = 2p/s,
    2q/s`` formed from the masses, has none beyond a factor of 3 for ``|u| >= 1/2``.
    """
    s = p + q
    pos = s > 0
    ss = xp.where(pos, s, 1.0)
    u = (p - q) / ss
    small = xp.abs(u) < 0.5
    us = xp.where(small, u, 0.0)
    near = 2.0 * us * xp.atanh(us) + xp.log1p(-us * us)
    a, b = 2.0 * p / ss, 2.0 * q / ss
    a_log_a = a * xp.log(xp.where(a > 0, a, 1.0))
    b_log_b = b * xp.log(xp.where(b > 0, b, 1.0))
    phi = xp.where(small, near, a_log_a + b_log_b)
    return xp.where(pos, s * phi / 4.0, 0.0)


def kl(p, q, /, *, axis=-1, dx=1.0, normalize=False):
    r"""Kullback-Leibler divergence :math:`\mathrm{KL}(p \| q) = \sum p \log(p/q)\,dx`.

    In nats, with :math:`0 \log 0 = 0`.

    Parameters
    ----------
    p, q : array
        Masses (``dx=1``) or densities on a grid, non-negative and finite, of one
        namespace and device. They broadcast against each other and must have the same
        length along ``axis``. Lists are converted to NumPy float64.
    axis : int, optional
        The axis holding each distribution; the others are batch axes.
    dx : float or array, optional
        Grid spacing, or quadrature weights (a 1-D array lies along ``axis``).
    normalize : bool, optional
        If false (default), each total mass ``sum(p * dx)`` must be within
        ``max(1e-6, 1000 eps)`` of 1; if true any positive total is accepted. Either way
        ``p`` and ``q`` are divided by their totals.

    Returns
    -------
    array
        KL along ``axis``, in the inputs' namespace, device and floating dtype (lists
        give float64). In ``[0, inf]``: 0 exactly when ``p = q``; ``inf`` where some
        point has ``q = 0 < p``.

    Raises
    ------
    TypeError
        Non-float dtypes, or arrays from different namespaces.
    ValueError
        Negative, NaN or infinite mass; unnormalised input; empty arrays; lengths or
        shapes that do not match; bad ``dx`` or ``axis``.

    Notes
    -----
    Each point contributes :math:`p \log(p/q) - p + q \ge 0` (the added terms sum to 0),
    evaluated near :math:`p = q` by a series in :math:`u = (p-q)/(p+q)`, so the result
    keeps full relative precision as :math:`q \to p`. Cost: O(n) time, a few
    temporaries of the input's size.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> round(float(gancore.kl(np.array([0.5, 0.5]), np.array([0.9, 0.1]))), 6)
    0.510826
    >>> float(gancore.kl(np.array([0.5, 0.5]), np.array([1.0, 0.0])))
    inf
    """
    xp, p, q, w, ax, _ = measures(("p", "q"), p, q, axis, dx, normalize)
    return xp.sum(_kl_terms(p, q, xp=xp) * w, axis=ax)


def jsd(p, q, /, *, axis=-1, dx=1.0, base=None, normalize=False):
    r"""Jensen-Shannon divergence :math:`\tfrac12 \mathrm{KL}(p\|m) + \tfrac12 \mathrm{KL}(q\|m)`.

    With :math:`m = (p + q)/2`. This is the divergence (the standard one, with the
    factor 1/2), not the Jensen-Shannon distance, its square root.

    Parameters
    ----------
    p, q, axis, dx, normalize
        As in :func:`kl`.
    base : float, optional
        Logarithm base; natural logs (nats) by default, ``base=2`` gives bits.

    Returns
    -------
    array
        JSD along ``axis`` in ``[0, log 2]`` (``[0, 1]`` with ``base=2``): 0 exactly when
        ``p = q``, exactly ``log 2`` when the supports are disjoint. Rounding never takes
        it outside that interval (the result is clipped to it). Never NaN for valid input.

    Raises
    ------
    TypeError, ValueError
        As in :func:`kl`; ``ValueError`` for a ``base`` that is not positive and finite
        or equals 1.

    Notes
    -----
    Each point contributes :math:`\tfrac{s}{4}\,\varphi(u)` with :math:`s = p + q`,
    :math:`u = (p - q)/s` and
    :math:`\varphi(u) = (1+u)\log(1+u) + (1-u)\log(1-u) = 2u\,\mathrm{artanh}\,u + \log(1-u^2)`,
    a non-negative term evaluated without cancellation, so near-equal and near-disjoint
    inputs keep full relative precision in float32 and float64. Cost: O(n) time.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    0.6931471805599453
    >>> float(gancore.jsd(np.array([1.0, 0.0]), np.array([0.0, 1.0]), base=2))
    1.0
    """
    if base is not None and (isinstance(base, bool) or not isinstance(base, (int, float))
                             or not math.isfinite(base) or base <= 0 or base == 1):
        raise ValueError(f"base must be a positive finite number other than 1; got {base!r}")
    xp, p, q, w, ax, _ = measures(("p", "q"), p, q, axis, dx, normalize)
    out = xp.clip(xp.sum(_jsd_terms(p, q, xp=xp) * w, axis=ax), 0.0, math.log(2.0))
    return out if base is None else out / math.log(base)


def tv(p, q, /, *, axis=-1, dx=1.0, normalize=False):
    r"""Total variation distance :math:`\mathrm{TV}(p, q) = \tfrac12 \sum |p - q|\,dx`.

    Equal to :math:`\sup_A |P(A) - Q(A)|`.

    Parameters
    ----------
    p, q, axis, dx, normalize
        As in :func:`kl`.

    Returns
    -------
    array
        TV along ``axis`` in ``[0, 1]`` (clipped there against rounding): 0 exactly when
        ``p = q``, 1 when the supports are disjoint.

    Raises
    ------
    TypeError, ValueError
        As in :func:`kl`.

    Notes
    -----
    Cost: O(n) time.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.tv(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])))
    0.5
    """
    xp, p, q, w, ax, _ = measures(("p", "q"), p, q, axis, dx, normalize)
    return xp.clip(0.5 * xp.sum(xp.abs(p - q) * w, axis=ax), 0.0, 1.0)
