r"""The hinge GAN (Lim and Ye, 2017; Miyato et al., 2018): its optimal critic and the
critic's minimal loss.

The critic D (a real output) minimises
:math:`E_{p_{data}} \max(0, 1 - D) + E_{p_g} \max(0, 1 + D)` and the generator
:math:`-E_{p_g} D`. At a point with densities p and q the critic's loss
:math:`p\max(0, 1 - t) + q\max(0, 1 + t)` is piecewise linear in t with slopes
:math:`-(p + q)` below -1, :math:`q - p` on [-1, 1] and :math:`p + q` above 1, so it is
smallest at :math:`t = \mathrm{sign}(p - q)` (anywhere in [-1, 1] where p = q), with
value :math:`2\min(p, q)`. Summed, the critic's minimal loss is
:math:`\sum 2\min(p, q) = 2\,(1 - \mathrm{TV}(p_{data}, p_g))`.

References
----------
J. H. Lim and J. C. Ye, "Geometric GAN", 2017. T. Miyato et al., "Spectral
normalization for generative adversarial networks", ICLR 2018.
"""

from ._host import host_positive
from .discriminator import _pointwise_pair
from .total_variation import _general_tv, _one_host_tv

__all__ = ["hinge_critic_minimum", "hinge_optimal_critic"]


def hinge_optimal_critic(p_data, p_g, /):
    r"""The hinge critic's pointwise optimum :math:`\mathrm{sign}(p_{data} - p_g)`.

    Parameters
    ----------
    p_data, p_g : array
        Densities or masses at the same points, as in
        :func:`gancore.optimal_discriminator`.

    Returns
    -------
    array
        1 where ``p_data > p_g``, -1 where ``p_data < p_g``, and 0 where they are equal
        (every value of [-1, 1] is optimal there; 0 is its middle). Cost: O(n).

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.optimal_discriminator`.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.hinge_optimal_critic(np.array([0.3, 0.1, 0.2]), np.array([0.1, 0.3, 0.2]))
    array([ 1., -1.,  0.])
    """
    critic = host_positive(p_data, p_g, _sign_of_difference)  # the commonest call
    if critic is not None:
        return critic
    xp, p_data, p_g, _, _ = _pointwise_pair(p_data, p_g)
    return _sign_of_difference(p_data, p_g, xp=xp)


def _sign_of_difference(p, q, *, xp):
    """``sign(p - q)``: exact wherever ``p - q`` does not overflow (both masses within a
    quarter of the largest float, or of one sign)."""
    return xp.sign(p - q)


def hinge_critic_minimum(p_data, p_g, /, *, axis=-1, dx=1.0, normalize=False):
    r"""The hinge critic's minimal loss over all critics,
    :math:`\sum 2\min(p_{data}, p_g)\,dx = 2\,(1 - \mathrm{TV}(p_{data}, p_g))`.

    Parameters
    ----------
    p_data, p_g, axis, dx, normalize
        As in :func:`gancore.tv`.

    Returns
    -------
    array
        In [0, 2]: 2 exactly when ``p_g = p_data`` (the critic can do no better than
        0 everywhere), 0 for disjoint supports. Computed as twice the overlap
        :math:`\sum \min(p_{data}/P, p_g/Q)` of the masses over their totals P and Q,
        the sum of :func:`gancore.tv`'s direct form: non-negative terms, so within a
        few ulps of the minimum relative to it, however small (``2 (1 - TV)`` would
        keep only its digits above TV's absolute error, a few ulps of 1). Cost: O(n).

    Raises
    ------
    TypeError, ValueError
        As in :func:`gancore.tv`.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> float(gancore.hinge_critic_minimum(np.array([0.5, 0.5, 0.0]), np.array([0.0, 0.5, 0.5])))
    1.0
    """
    # the commonest call first, with no frame between (at 1e3 points 0.1 to 0.3 us less
    # than through one more call with keywords, of 7 to 10)
    out = _one_host_tv(p_data, p_g, axis, dx, False, normalize, _twice)
    if out is not None:
        return out
    return _general_tv(p_data, p_g, axis, dx, False, normalize, ("p_data", "p_g"), _twice)


def _twice(overlap):
    """The critic's minimum from the overlap ``sum(min(p/P, q/Q))``: twice it."""
    return 2.0 * overlap
