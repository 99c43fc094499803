"""Private machinery shared by the divergences: validated pairs of mass arrays, blocked
sums, and the exact rescaling that lets per-point terms be summed without cancellation
(see :mod:`gancore.divergences`' docstring). The direct formulas of one host
distribution, with their checks, are in :mod:`gancore._direct`."""

import contextlib
import math

import numpy as np
from array_api_compat import device

from ._arrays import boolean, extremes, positive_number
from ._host import BLOCK_ELEMENTS
from ._totals import spacing, validated_pair

# Direct-formula results at or above this are returned (see gancore.divergences): the
# bound on their terms' sizes, (2 + KL) or 4 log 2, is then at most 65 times the result.
DIRECT_FLOOR = 1.0 / 16.0


# Masses within this factor of each other have every quotient inside the normal range
# of float32 and of float64 (2^-126 to 2^128): no quotient of two, nor its logarithm,
# overflows, underflows or divides by zero.
MODERATE_RATIO = 2.0 ** 100


def quiet(calm):
    """``np.errstate(all="ignore")``, or, where ``calm`` says that nothing can warn, a
    context that does nothing (entering errstate costs about a microsecond)."""
    return _CALM if calm else np.errstate(all="ignore")


_CALM = contextlib.nullcontext()  # reusable: it holds no state


def warns(xp):
    """Whether ``xp`` computes with NumPy, whose floating-point warnings ``quiet``
    silences (NumPy and array_api_strict do; torch and CuPy never warn)."""
    return xp.__name__ not in ("gancore._torch", "array_api_compat.cupy")


def mean_in_range(xp, t, w=None, axis=None):
    """``sum(w t) / sum(w)`` along ``axis`` (all axes for ``None``), or the plain mean
    for ``w=None``, a zero weight contributing 0 whatever ``t`` is; for values without
    NaN or infinities of both signs, and finite non-negative weights with a positive
    largest along ``axis``.

    Finite values and weights whose sums pass the float range still give their finite
    mean: it is taken again on the values divided by a power of 2 that keeps every sum
    in range (exact) and the weights divided by their largest, and multiplied back
    (``inf`` only where the mean itself passes the range). Otherwise the operations, and
    bits, are the plain formula's; NumPy's warnings are silenced."""
    with quiet(not warns(xp)):  # (a sum past the range is inf: taken again below)
        mean = _mean(xp, t, w, axis)
        if all(map(math.isfinite, extremes(xp, mean))):
            return mean
        size = math.prod(t.shape) if axis is None else t.shape[axis]
        if w is not None:
            w = w / xp.max(w, axis=axis, keepdims=True)
        scale = 2.0 ** math.ceil(math.log2(2 * size))
        return _mean(xp, t / scale, w, axis) * scale


def _mean(xp, t, w, axis):
    """:func:`mean_in_range` by its plain formula."""
    if w is None:
        return xp.mean(t, axis=axis)
    terms = xp.where(w > 0, w * xp.where(w > 0, t, 0.0), 0.0)
    return xp.sum(terms, axis=axis) / xp.sum(w, axis=axis)


def unit_masses(xp, w):
    """``w / sum(w)`` along the last axis, for finite non-negative weights with a
    positive largest; where their sum passes the float range, the weights are divided by
    their largest first, so the masses are those of the exact sum (NumPy's warnings are
    silenced)."""
    with quiet(not warns(xp)):
        total = xp.sum(w, axis=-1, keepdims=True)
        if all(map(math.isfinite, extremes(xp, total))):
            return w / total
        w = w / xp.max(w, axis=-1, keepdims=True)
        return w / xp.sum(w, axis=-1, keepdims=True)


def on_host(x):
    """Whether ``x`` lives in host memory (so that blocking pays), not on a GPU."""
    dev = device(x)
    return "cpu" in str(getattr(dev, "type", dev)).lower()


def block_sum(xp, kernel, arrays, numbers=()):
    """The sums along the last axis of ``kernel(*blocks, *rows)``, of the batch shape of
    ``arrays`` (masses of one shape, the distribution axis last): each block holds whole
    rows of ``arrays``, and ``rows`` the same rows of ``numbers``, numbers of each row
    with that axis kept (such as ``k = P/Q``; they broadcast against the rows), or
    numbers for every row (Python floats, 0-d arrays), passed as they are. ``kernel``
    returns its block's sums along the last axis, of the block's batch shape.

    On the host a block holds up to ``BLOCK_ELEMENTS`` points, so that its temporaries
    stay in cache: as many whole rows as fit, or, for a row longer than that, the row
    alone, in blocks of that many points summed as one distribution's. Each row's sum is
    thus the one it has alone (on NumPy, for C-contiguous rows, the same bits), and a
    batch of short rows takes blocks of many rows, where blocks of a few columns of
    every row took a call for every few points (at 1000 rows of 100 points, TV in half
    the time and V in 60%; docs/backends.md gives the measured times). Off the host,
    one block."""
    shape = arrays[0].shape
    if math.prod(shape) <= BLOCK_ELEMENTS or not on_host(arrays[0]):
        return kernel(*arrays, *numbers)
    n = shape[-1]
    if len(shape) == 1:  # one distribution: its blocks' sums, summed
        parts = [kernel(*(x[i:min(i + BLOCK_ELEMENTS, n)] for x in arrays), *numbers)
                 for i in range(0, n, BLOCK_ELEMENTS)]  # (stops in range: the standard's)
        return parts[0] if len(parts) == 1 else xp.sum(xp.stack(parts), axis=0)
    batch = math.prod(shape[:-1])
    arrays = [xp.reshape(x, (batch, n)) for x in arrays]
    per_row = [not (isinstance(x, float) or x.ndim == 0) for x in numbers]
    numbers = [xp.reshape(xp.broadcast_to(x, (*shape[:-1], 1)), (batch, 1)) if row else x
               for x, row in zip(numbers, per_row)]
    if n <= BLOCK_ELEMENTS:  # whole rows a block
        step = BLOCK_ELEMENTS // n
        at = [(slice(i, min(i + step, batch)), ...) for i in range(0, batch, step)]
        sums = [kernel(*(x[part] for x in arrays),
                       *(x[part] if row else x for x, row in zip(numbers, per_row)))
                for part in at]
        out = sums[0] if len(sums) == 1 else xp.concat(sums)
    else:  # a row at a time, as one distribution
        out = xp.stack([block_sum(xp, kernel, [x[i, ...] for x in arrays],
                                  [x[i, 0] if row else x
                                   for x, row in zip(numbers, per_row)])
                        for i in range(batch)])
    return xp.reshape(out, shape[:-1])


def mass_pair(p, q, axis, dx, normalize, names=("p", "q"), denominator=None):
    """Validated masses with the distribution axis last, their totals, and bounds on
    them (errors name the arrays by ``names``; ``denominator``, ``"p"`` or ``"q"`` for
    a divergence with a quotient of the masses, as for
    :func:`~gancore._totals.near_one`).

    Returns ``(xp, p, q, p_total, q_total, bounds, ax)``: masses (densities times
    array weights; a scalar spacing cancels in every divergence), their sums along the
    last axis with that axis kept (0-d for one distribution), bounds ``(low, high)`` on
    the masses (``low`` the smallest, ``high`` at least the largest: ``inf`` where it
    is not known), and where the distribution axis was (non-negative, in the broadcast
    shape).
    """
    xp, p, q, w, ax, p_total, q_total, bounds, _ = validated_pair(
        names, p, q, axis, dx, normalize, denominator=denominator)
    if not spacing(w):  # zero weights make zero masses, which the direct formulas leave alone
        p, q = p * w, q * w
    elif not (isinstance(w, float) and w == 1.0):
        p_total, q_total = p_total / w, q_total / w
    if ax != p.ndim - 1:
        p, q = xp.moveaxis(p, ax, -1), xp.moveaxis(q, ax, -1)
        p_total, q_total = xp.moveaxis(p_total, ax, -1), xp.moveaxis(q_total, ax, -1)
    elif p.ndim == 1:  # one distribution: 0-d totals broadcast at a third of the cost
        p_total, q_total = p_total[..., 0], q_total[..., 0]
    return xp, p, q, p_total, q_total, bounds, ax


def rows(total):
    """Totals (from :func:`mass_pair`) without their kept last axis; a NumPy scalar for
    one distribution, on which arithmetic costs a tenth of a 0-d array's."""
    if total.ndim:
        return total[..., 0]
    return total[()] if type(total) is np.ndarray else total


def log_base(base):
    """``log(base)`` for a logarithm base (positive, finite, not 1); 1.0 for ``None``."""
    if base is None:
        return 1.0
    if positive_number("base", base) == 1:
        raise ValueError(f"base must be a positive finite number other than 1; got {base!r}")
    return math.log(base)


def shaped(xp, out, ax, keepdims):
    """The result with the distribution axis put back as a length-1 axis, if asked."""
    return xp.expand_dims(out, axis=ax) if boolean("keepdims", keepdims) else out


def accepted(xp, direct):
    """Whether a direct-formula result is finite and large enough to be returned."""
    low, high = extremes(xp, direct)  # NaN propagates to both
    return math.isfinite(low) and math.isfinite(high) and low >= DIRECT_FLOOR


def careful_rows(xp, direct, careful, p, q, p_total, q_total):
    """The results of masses ``p``, ``q`` (totals ``p_total``, ``q_total``, the
    distribution axis last and kept) whose direct results ``direct`` some row refuses
    (:func:`accepted`), or that have none (``None``): the careful sum
    ``careful(p, q, p_total, q_total)`` of the rows that refuse theirs, summed for those
    rows alone, and the direct results of the others. So a row's result does not depend
    on the rows beside it, and a batch with a few nearly equal rows takes the careful
    sum for those rows only (KL of 1e5 rows of 10 random points, some nearly equal:
    31 to 46 ms in three runs, where the careful sum of every row took 101 to 124 and
    the plain formula takes about 20). One distribution, or a batch whose every row
    refuses, takes the careful sum whole."""
    if direct is None or not getattr(direct, "ndim", 0):
        return careful(p, q, p_total, q_total)
    rows_ = math.prod(direct.shape)
    refused = xp.reshape(~(xp.isfinite(direct) & (direct >= DIRECT_FLOOR)), (rows_,))
    at = xp.nonzero(refused)[0]  # (NaN refuses)
    if at.shape[0] == rows_:
        return careful(p, q, p_total, q_total)
    n = p.shape[-1]

    def taken(x, width):
        return xp.take(xp.reshape(x, (rows_, width)), at, axis=0)

    sums = careful(taken(p, n), taken(q, n), taken(p_total, 1), taken(q_total, 1))
    # each refused row's place among the refused (the others' discarded below)
    place = xp.clip(xp.cumulative_sum(xp.astype(refused, xp.int64)) - 1, 0)
    out = xp.where(refused, xp.take(sums, place), xp.reshape(direct, (rows_,)))
    return xp.reshape(out, direct.shape)


def clipped(xp, out, high):
    """``clip(out, 0, high)``; the result itself when it lies inside (found from its
    extremes, one transfer for one result)."""
    low, top = extremes(xp, out)
    return out if 0.0 <= low and top <= high else xp.clip(out, 0.0, high)


# Ratios Q/P of the totals for which aligned scales nothing (round(log2) is 0 there)
_UNSCALED = (0.75, 1.25)


def _unit_scales(p_total, q_total):
    """``(k, delta)`` of :func:`aligned` where it scales nothing."""
    return p_total / q_total, (p_total - q_total) / q_total


def unscaled(p_total, q_total):
    """:func:`aligned`'s ``(k, delta)`` for two scalar totals (of one distribution) when
    it scales nothing, formed as it forms them; ``None`` where it would scale."""
    if not _UNSCALED[0] <= q_total / p_total <= _UNSCALED[1]:
        return None
    return _unit_scales(p_total, q_total)


def aligned(p_total, q_total, *, xp):
    """Exact power-of-two scales that bring the totals within sqrt 2 of each other, and
    what remains of their mismatch.

    Returns ``(cp, cq, P, k, delta)`` (each with the totals' shape): the smaller total's
    measure is scaled up (the other's scale is 1), so ``p * cp`` and ``q * cq`` are
    exact, subnormal masses included (scaling down would round them, or flush them to
    0); ``P = p_total * cp``, ``k = P / (q_total * cq)`` and ``delta = k - 1``, formed
    as ``(P - Q) / Q`` (exact subtraction, as P/Q lies within a factor of 2). The
    normalised masses are then ``a / P`` and ``k b / P`` for the scaled ``a, b``, and
    their difference is ``((a - b) - delta b) / P``: when p and q are nearly equal,
    ``a - b`` is exact and ``delta b`` is tiny, so the difference keeps full relative
    precision, which dividing each by its own total would not. The totals' ratio must be
    finite (:func:`gancore._totals.near_one` sees to it); each term is homogeneous in
    the masses, so their overall size needs no scaling. Where every ratio of the totals
    lies within [3/4, 5/4] (normalised input), every power is 0, and the scales are
    returned as ``None``: there is nothing to apply.
    """
    ratio = q_total / p_total
    low, high = extremes(xp, ratio)
    if _UNSCALED[0] <= low and high <= _UNSCALED[1]:  # round(log2(ratio)) = 0 everywhere
        return None, None, p_total, *_unit_scales(p_total, q_total)
    power = xp.round(xp.log2(ratio))
    cp = 2.0 ** xp.where(power > 0.0, power, 0.0)
    cq = 2.0 ** xp.where(power < 0.0, -power, 0.0)
    p_scaled, q_scaled = p_total * cp, q_total * cq
    return cp, cq, p_scaled, p_scaled / q_scaled, (p_scaled - q_scaled) / q_scaled


def difference(a, b, delta):
    """``a - k b`` (k = 1 + delta, :func:`aligned`) for rescaled masses, exact when a
    and b are close: ``(a - b) - delta b``, the difference of the careful terms (KL's,
    JSD's, TV's and the f-divergences').

    Its temporary is updated in place (``d -= x`` rounds as ``d - x``), as the careful
    terms update theirs (``x += a`` rounds as ``a + x``): the same bits with a block's
    temporaries fewer, so more of them stay in cache (near-equal Pearson and triangular
    sums at n = 1e7: about 0.2 of a log pass less). Only results that no torch gradient
    keeps are updated (a difference's, a product's, a quotient's; not a square
    root's)."""
    d = a - b
    d -= delta * b
    return d


def careful_first(xp, terms, p, q, p_total, q_total, *, costly_direct=False):
    """Whether to take the careful sum at once, without trying the direct formula first.

    Yes, on the host, where the careful terms of each row's first points (a block's
    worth over the rows, at most an eighth of a row) come to less than ``DIRECT_FLOOR /
    4`` of their mass in every row: nearly equal measures, whose direct result would be
    rejected after a whole pass. A screen comes first (:func:`_starts_near`, ten
    operations on at most 512 of those points): a row far from nearly equal at its
    start answers no without the careful terms, which for far masses take several
    times the direct formula's time a point (at 1e5 points, one block of KL's took 510
    us, its direct formula 790 in all).

    Inputs shorter than 16 blocks answer no, and with ``costly_direct`` (a direct
    formula with a logarithm a point: KL's, JSD's) NumPy inputs shorter than 4. There
    the screen, 15 to 30 us on NumPy and several times that on torch, would cost far
    inputs more than it saves nearly equal ones. Measured at 32768 and 1e5 points and
    on 100 rows of 1000, NumPy: far inputs 2 to 9% slower with it, nearly equal ones
    30 to 59% faster (KL, JSD); 4 to 20% slower and at most 25% faster (Pearson's,
    Hellinger's, the triangular discrimination's direct formulas, of arithmetic and
    square roots); on torch at 32768 points, KL of far inputs 23% slower. From 16
    blocks the screen spares far inputs the careful terms: on 16 rows of 8192 far
    points 15 to 26% faster, nearly equal ones 2 to 5% slower.

    It decides only the speed: the careful sum is accurate for every input, the direct
    formula where it is accepted (so a row that starts nearly equal but whose
    divergence reaches ``DIRECT_FLOOR`` takes the careful sum's bits here, and the
    direct formula's in a shorter input).
    """
    least = 4 if costly_direct and type(p) is np.ndarray else 16  # blocks
    if math.prod(p.shape) < least * BLOCK_ELEMENTS or not on_host(p):
        return False
    batch = max(math.prod(p.shape[:-1]), 1)
    step = max(1, min(BLOCK_ELEMENTS // batch, p.shape[-1] // 8))
    if not _starts_near(xp, p, q, p_total, q_total, min(step, max(1, 512 // batch))):
        return False
    a, b = p[..., :step], q[..., :step]
    mass = xp.sum(a, axis=-1)
    if not extremes(xp, mass)[0] > 0:
        return False
    part = careful_sum(xp, terms, a, b, p_total, q_total)  # the block's terms over P
    return extremes(xp, part * rows(p_total) / mass)[1] < DIRECT_FLOOR / 4


def _starts_near(xp, p, q, p_total, q_total, points):
    """Whether every row's first ``points`` masses, divided by the row's totals
    (``a = p / P``, ``b = q / Q``), may be nearly equal: their triangular discrimination
    ``sum((a - b)**2 / (a + b))`` is below ``DIRECT_FLOOR`` times ``sum(a)``.

    Near ``a = b`` that sum is about KL, half of Pearson's (and Neyman's) chi^2, twice
    Hellinger's divergence and four times JSD, so a row whose careful terms lie below
    :func:`careful_first`'s ``DIRECT_FLOOR / 4`` of its mass, in any of them, passes,
    and a row that fails would fail there too (to first order in ``a - b``). A zero
    in both masses gives NaN, which fails."""
    with np.errstate(divide="ignore", invalid="ignore"):  # (zero masses: NaN, quietly)
        a, b = p[..., :points] / p_total, q[..., :points] / q_total
        gap = a - b
        spread = xp.vecdot(gap, gap / (a + b)) / xp.sum(a, axis=-1)
    return extremes(xp, spread)[1] < DIRECT_FLOOR


def careful_sum(xp, terms, p, q, p_total, q_total):
    """The sum of ``terms`` over the scaled masses, divided by P: KL or JSD evaluated
    term by term without cancellation."""
    cp, cq, p_scaled, k, delta = aligned(p_total, q_total, xp=xp)
    if cp is None or (extremes(xp, cp) == (1.0, 1.0) and extremes(xp, cq) == (1.0, 1.0)):
        def kernel(a, b, k, delta):  # totals near 1: scales of 1, exact to skip
            return xp.sum(terms(a, b, k, delta, xp=xp), axis=-1)

        return block_sum(xp, kernel, (p, q), (k, delta)) / rows(p_scaled)

    def scaled(a, b, k, delta, cp, cq):
        return xp.sum(terms(a * cp, b * cq, k, delta, xp=xp), axis=-1)

    return block_sum(xp, scaled, (p, q), (k, delta, cp, cq)) / rows(p_scaled)


# How far apart, relative, the totals of a near pass's masses may lie (its terms taken
# with k = 1, the totals' mismatch x = (P - Q)/P applied after, as a term in x**2, of
# the exact differences' sum D = sum(p - q)): the terms in x**3 left out, and the
# totals' rounding delta (a few eps) times x**2, then move its result by below 1e-46
NEAR_TOTALS = 2.0**-50


def near_mismatch(difference_sum, p_total):
    """A near pass's totals' mismatch ``x = D / P`` from ``D = sum(p - q)`` and P, where
    ``|x| <= NEAR_TOTALS``; NaN otherwise, which makes the near result NaN (the general
    path then aligns the totals)."""
    x = difference_sum / p_total
    return x if abs(x) <= NEAR_TOTALS else math.nan
