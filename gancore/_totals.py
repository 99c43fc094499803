"""Private checks of two measures: their weights (``dx``), their total masses, and the
exact rescaling of totals far from 1, as one validated pair
(:func:`validated_pair`)."""

import math
import numbers

import numpy as np

from ._arrays import (FUSED_CHECK_ELEMENTS, _total_range, boolean, broadcast_pair, extremes,
                      float_dtype, mass_tolerance, require_finite, require_float,
                      require_nonempty, to_float)
from ._host import _host_pair
from ._namespaces import namespace


def weights(xp, dx, like, axis):
    """Quadrature weights ``dx``: a Python float, or an array that broadcasts against
    ``like``.

    A scalar is a uniform grid spacing (> 0), returned as a float; a 1-D array holds one
    weight per point along ``axis``; any other array must broadcast against ``like``.
    Weights must be finite and non-negative.
    """
    if type(dx) is float or (isinstance(dx, numbers.Real)
                             and not isinstance(dx, (bool, np.bool_))):
        if not math.isfinite(dx) or dx <= 0:
            raise ValueError(f"dx must be a finite positive spacing; got {dx!r}")
        return float(dx)
    require_float(xp, "dx", dx)
    require_finite(xp, "dx", dx)
    if bool(xp.any(dx < 0)):
        raise ValueError("dx must be non-negative; it holds negative weights")
    dx = xp.astype(dx, like.dtype)
    if dx.ndim == 1 and like.ndim > 1:
        if dx.shape[0] != like.shape[axis]:
            raise ValueError(
                f"dx has {dx.shape[0]} weights but the distributions have "
                f"{like.shape[axis]} points along axis {axis}"
            )
        shape = [1] * like.ndim
        shape[axis] = dx.shape[0]
        return xp.reshape(dx, tuple(shape))
    try:
        xp.broadcast_arrays(dx, like)
    except (ValueError, RuntimeError, TypeError):
        raise ValueError(
            f"dx with shape {tuple(dx.shape)} does not broadcast against shape "
            f"{tuple(like.shape)}"
        ) from None
    return dx


def spacing(w):
    """Whether the weights ``w`` (from :func:`weights`) are one number for every point."""
    return isinstance(w, float) or w.ndim == 0


def _total(xp, p, w, axis):
    """``sum(p * w)`` along ``axis``, kept as a length-1 axis."""
    if not spacing(w):
        return xp.sum(p * w, axis=axis, keepdims=True)
    mass = xp.sum(p, axis=axis, keepdims=True)
    return mass if isinstance(w, float) and w == 1.0 else mass * w


def total_mass(xp, name, p, w, axis, normalize):
    """Validate a mass (or density) array; return its total along ``axis``, its minimum
    and the smallest and largest of its totals (Python floats).

    ``p`` must be non-empty, finite and non-negative. Its total ``sum(p * w)`` (returned
    with ``axis`` kept as a length-1 axis) must be positive, and within
    :func:`~gancore._arrays.mass_tolerance` of 1 unless ``normalize`` is true. The minimum
    over all of ``p`` is returned as a Python float. Two passes over ``p`` (its minimum and
    its sum) make the whole check: NaN propagates through the minimum and +inf through the
    sum.
    """
    require_nonempty(name, p)
    low = to_float(xp.min(p))
    if math.isnan(low) or low == -math.inf:
        raise ValueError(f"{name} must be finite; it holds NaN or infinity")
    if low < 0:
        raise ValueError(f"{name} must be non-negative; it holds negative mass")
    with np.errstate(over="ignore"):  # an overflowing total is reported just below
        mass = _total(xp, p, w, axis)
    smallest, largest = extremes(xp, mass)
    if not (math.isfinite(smallest) and math.isfinite(largest)):
        require_finite(xp, name, p)
        raise ValueError(f"{name} has a total mass that overflows the dtype {p.dtype}")
    if smallest <= 0:
        raise ValueError(f"{name} has zero total mass along axis {axis}")
    if not normalize:
        tol = mass_tolerance(p.dtype, xp)
        worst = max(abs(smallest - 1), abs(largest - 1))
        if worst > tol:
            raise ValueError(
                f"{name} is not normalised: its total mass (sum of {name} * dx along axis "
                f"{axis}) is off from 1 by {worst:.3g} > {tol:.3g}; pass normalize=True to "
                "rescale it"
            )
    return mass, low, (smallest, largest)


def total_masses(xp, names, p, q, w, axis, normalize):
    """:func:`total_mass` of two measures of one shape: ``(p_mass, q_mass, low,
    totals)``, with ``low`` the minimum over both and ``totals`` the smallest and the
    largest of their totals, Python floats. The errors are those of checking ``p`` and
    then ``q``; when everything holds, small inputs pay one minimum pass for both."""
    if math.prod(p.shape) <= FUSED_CHECK_ELEMENTS:
        low = to_float(xp.min(xp.minimum(p, q)))  # NaN propagates, -inf shows
        if low >= 0:
            with np.errstate(over="ignore"):
                p_mass, q_mass = _total(xp, p, w, axis), _total(xp, q, w, axis)
            (p_low, p_high), (q_low, q_high) = extremes(xp, p_mass), extremes(xp, q_mass)
            smallest, largest = min(p_low, q_low), max(p_high, q_high)
            tol = math.inf if normalize else mass_tolerance(p.dtype, xp)
            if (0 < smallest and largest < math.inf and abs(smallest - 1) <= tol
                    and abs(largest - 1) <= tol):
                return p_mass, q_mass, low, (smallest, largest)
    # something is wrong, or the arrays are large: the checks one array at a time
    p_mass, p_low, (p_small, p_large) = total_mass(xp, names[0], p, w, axis, normalize)
    q_mass, q_low, (q_small, q_large) = total_mass(xp, names[1], q, w, axis, normalize)
    return p_mass, q_mass, min(p_low, q_low), (min(p_small, q_small), max(p_large, q_large))


def near_one(xp, names, p, q, p_mass, q_mass, totals, w, axis, denominator=None):
    """``(p, q, p_mass, q_mass, low)`` with each measure multiplied, row by row, by the
    exact power of two that brings its total nearest 1, when some total lies outside
    ``[r, 1/r]``, ``r = `` the dtype's largest ``** -1/4`` (2^-256 in float64, 2^-32
    in float32); else the arguments unchanged (``low`` is then None).

    Totals may lie anywhere in the dtype under ``normalize=True``; the divergences
    divide by them, form their ratio and scale by powers of two near their
    reciprocals, which overflow or underflow for totals far from 1 (a subnormal total,
    or a tiny one beside a huge one). Scaling a measure changes nothing else: each
    divergence depends on the masses over their total. The scale is applied in two
    halves, each a finite power of two; it is exact except for masses that fall below
    the smallest normal number, less than 2^-1022 of their total, which keep fewer
    digits, and those below the smallest subnormal, less than 2^-1074 of it (2^-149 in
    float32), which become 0; ``low`` is the smallest scaled mass. Such a 0 moves a
    bounded divergence by less than the lost mass, but a divergence with a quotient of
    the masses can go between finite and inf: for ``denominator`` ``"q"`` (KL,
    Pearson's chi^2) or ``"p"`` (their reverses), a mass of the denominator's measure
    that becomes 0 where the other's is positive, or one of the other measure that
    becomes 0 where the denominator's is 0, is a ``ValueError`` naming its measure.
    The totals are summed again, with the weights ``w`` along ``axis``: subnormal
    masses times weights round, so a total summed at the input's scale can be off in
    its ninth digit.
    """
    bound = _total_range(xp, p.dtype)
    if 1.0 / bound <= totals[0] and totals[1] <= bound:
        return p, q, p_mass, q_mass, None
    scaled = []
    for x, mass in ((p, p_mass), (q, q_mass)):
        power = xp.round(xp.log2(mass))
        half = xp.trunc(power / 2.0)
        for part in (half, power - half):
            x = x * 2.0 ** -part
        scaled.append(x)
    if denominator is not None:
        _keep_quotients(xp, names, (p, q), scaled, 1 if denominator == "q" else 0)
    p, q = scaled
    p_mass, q_mass = _total(xp, p, w, axis), _total(xp, q, w, axis)
    return p, q, p_mass, q_mass, to_float(xp.min(xp.minimum(p, q)))


def _keep_quotients(xp, names, given, scaled, den):
    """Raise where scaling made 0 a mass that a quotient of the masses needs (see
    :func:`near_one`): the measure ``den`` (0 or 1) divides, the other is divided."""
    num = 1 - den
    lost = [(s == 0.0) & (x > 0.0) for x, s in zip(given, scaled)]
    for which, where in ((den, lost[den] & (scaled[num] > 0.0)),
                         (num, lost[num] & (given[den] == 0.0))):
        if bool(xp.any(where)):
            name = names[which]
            raise ValueError(
                f"{name} has a positive mass below its dtype's smallest positive number "
                f"times its total: normalize=True cannot hold it once {name} is divided "
                "by its total, and as 0 it would make this divergence inf or finite "
                "where it is not")


def validated_pair(names, p, q, axis, dx, normalize, extra=None, denominator=None):
    """Resolve and validate two measures for the divergences and V, without rescaling.

    Returns ``(xp, p, q, w, axis, p_mass, q_mass, bounds, extra)``: ``p`` and ``q``
    broadcast to one shape, the weights ``w`` (which broadcast against them), the totals
    ``sum(p * w)`` and ``sum(q * w)`` along ``axis`` (kept as length-1 axes, checked by
    :func:`total_mass`), ``bounds = (low, high)``, Python floats with ``low`` the
    smallest element of ``p`` and ``q`` and ``high`` an upper bound on every element
    (``inf`` where none is known), and ``extra`` (another array argument, such as D)
    converted in the same namespace.
    """
    common = _host_pair(p, q, axis, dx, normalize, extra)
    return common if common is not None else general_pair(names, p, q, axis, dx,
                                                          normalize, extra, denominator)


def general_pair(names, p, q, axis, dx, normalize, extra=None, denominator=None):
    """:func:`validated_pair` for every input: what it returns, or the error it
    raises (``denominator`` as for :func:`near_one`)."""
    boolean("normalize", normalize)
    extra_name, extra_value = extra if extra is not None else ("_", None)
    spacing = type(dx) is float or (isinstance(dx, numbers.Real)
                                     and not isinstance(dx, (bool, np.bool_)))
    if not spacing and isinstance(dx, (bool, np.bool_)):
        raise TypeError(f"dx must be a positive number or an array of weights; got {dx!r}")
    xp, arrays = namespace(**{names[0]: p, names[1]: q, "dx": None if spacing else dx,
                              extra_name: extra_value},
                           optional=("dx", "_") if spacing else ("_",))
    p, q = arrays[names[0]], arrays[names[1]]
    dtype = float_dtype(xp, (names[0], p), (names[1], q))
    if p.dtype != dtype or q.dtype != dtype:
        p, q = xp.astype(p, dtype, copy=False), xp.astype(q, dtype, copy=False)
    require_nonempty(names[0], p)
    require_nonempty(names[1], q)
    p, q, ax = broadcast_pair(xp, names, p, q, axis)
    w = weights(xp, arrays["dx"] if arrays["dx"] is not None else dx, p, ax)
    p_mass, q_mass, low, totals = total_masses(xp, names, p, q, w, ax, normalize)
    p, q, p_mass, q_mass, scaled_low = near_one(xp, names, p, q, p_mass, q_mass, totals,
                                                w, ax, denominator)
    low = low if scaled_low is None else scaled_low
    return xp, p, q, w, ax, p_mass, q_mass, (low, math.inf), arrays[extra_name]


def measures(names, p, q, axis, dx, normalize, extra=None):
    """:func:`validated_pair`, with ``p`` and ``q`` divided by their totals.

    Returns ``(xp, p, q, w, axis, extra)`` with ``sum(p * w) = sum(q * w) = 1`` along
    ``axis`` up to rounding.
    """
    xp, p, q, w, ax, p_mass, q_mass, _, extra = validated_pair(names, p, q, axis, dx,
                                                               normalize, extra)
    return xp, p / p_mass, q / q_mass, w, ax, extra
