"""Private short paths on the host: NumPy arrays, and CPU torch tensors read through
their NumPy views.

A short call's checks are a few reductions (argmin and argmax, read as Python floats),
with nothing around them; long arrays go block by block, each block in cache
(:func:`by_blocks`). Each path computes the general path's operations, so its results
are the general path's bits; where a check fails it returns ``None``, and the general
path runs (and raises the errors).
"""

import functools
import math

import numpy as np
from array_api_compat import array_namespace

from ._arrays import FUSED_CHECK_ELEMENTS, _total_range, finfo_float, mass_tolerance
from ._namespaces import NUMPY, _faster

# Points per block on the host: 64 KiB of float64, below glibc's 128 KiB mmap threshold,
# so the temporaries of a block are recycled from the heap rather than paged in.
BLOCK_ELEMENTS = 1 << 13


# Up to this many elements a NumPy minimum or maximum is read through argmin / argmax
# (NaN is their answer, as the reductions' result): 0.7 against 1.7 us at n = 1e3,
# 2.5 against 2.8 at 16384, and slower than the reductions from about 32768 on.
ARG_EXTREME_ELEMENTS = 1 << 14


def smallest(xp, x):
    """The smallest element of ``x`` (a NumPy array, or a torch tensor on the CPU; not
    empty) as a Python float; NaN propagates."""
    if xp is NUMPY:
        if x.size > ARG_EXTREME_ELEMENTS:
            return float(np.minimum.reduce(x, axis=None))
        flat = x if x.ndim == 1 else x.reshape(-1)
        return float(flat[flat.argmin()])
    return x.min().item()  # (item: 0.15 us less than float())


def largest(xp, x):
    """The largest element of ``x``, as :func:`smallest` the smallest."""
    if xp is NUMPY:
        if x.size > ARG_EXTREME_ELEMENTS:
            return float(np.maximum.reduce(x, axis=None))
        flat = x if x.ndim == 1 else x.reshape(-1)
        return float(flat[flat.argmax()])
    return x.max().item()


def least_of(xp, a, b):
    """The smallest element of ``a`` and ``b``, arrays of one shape (NumPy arrays, or
    torch tensors on the CPU), as a Python float; NaN propagates. Small NumPy arrays
    are read through an argmin each (0.35 us a call at n = 1e3, where ``minimum`` and
    its reduction take 1.2 together), larger ones in one pass over both."""
    if xp is NUMPY and a.size <= ARG_EXTREME_ELEMENTS:
        if a.ndim != 1:
            a, b = a.reshape(-1), b.reshape(-1)
        x, y = float(a[a.argmin()]), float(b[b.argmin()])
        return x if x < y or x != x else y  # NaN in either is the answer
    return smallest(xp, np.minimum(a, b) if xp is NUMPY else a.minimum(b))


def _most(xp, a, b):
    """The largest element of ``a`` and ``b``, as :func:`least_of` the smallest."""
    if xp is NUMPY and a.size <= ARG_EXTREME_ELEMENTS:
        if a.ndim != 1:
            a, b = a.reshape(-1), b.reshape(-1)
        x, y = float(a[a.argmax()]), float(b[b.argmax()])
        return x if x > y or x != x else y
    return largest(xp, np.maximum(a, b) if xp is NUMPY else a.maximum(b))


def _span(xp, a, b):
    """``(smallest, largest)`` element of ``a`` and ``b`` (:func:`least_of`,
    :func:`_most`; for arrays free of NaN), read off directly for one element each."""
    if math.prod(a.shape) == 1:
        x, y = a.item(), b.item()
        return (x, y) if x <= y else (y, x)
    return least_of(xp, a, b), _most(xp, a, b)


def _limits(xp, dtype):
    """A float dtype's mass tolerance and the range of totals that need no rescaling
    (:func:`~gancore._totals.near_one`)."""
    return (mass_tolerance(dtype, xp), 1.0 / _total_range(xp, dtype),
            _total_range(xp, dtype))


# The float dtypes of the shortcuts below, each with its _limits: NumPy's now, torch's
# when the first tensor comes (gancore does not import torch)
HOST_LIMITS = {dtype: _limits(NUMPY, dtype)
                for dtype in (np.dtype(np.float64), np.dtype(np.float32))}


# The exact array types of the shortcuts below -> the core's namespace: NumPy's now,
# torch.Tensor's when the first tensor comes (gancore does not import torch)
_HOST_TYPES = {np.ndarray: NUMPY}


def host_namespace(kind):
    """The core's namespace for arrays of the exact type ``kind`` when it is
    ``numpy.ndarray`` or ``torch.Tensor`` (a subclass, such as a ``Parameter``, takes the
    general path), else ``None``; the first tensor adds torch's float dtypes to
    :data:`HOST_LIMITS`."""
    xp = _HOST_TYPES.get(kind)
    if xp is not None or kind.__name__ != "Tensor" or kind.__module__ != "torch":
        return xp
    import torch

    xp = _faster(array_namespace(torch.empty(0)))
    HOST_LIMITS.update({dtype: _limits(xp, dtype)
                         for dtype in (torch.float64, torch.float32)})
    return _HOST_TYPES.setdefault(kind, xp)


def numpy_views(p, q, extra=None):
    """``(xp, p, q, extra)``: torch's namespace and ``p``, ``q``, ``extra`` as NumPy
    arrays that share their memory, where they are torch tensors (exactly
    ``torch.Tensor``; ``extra`` may be ``None``) that NumPy can read and that no
    derivative runs through: on the CPU, of a dtype NumPy has, tracking no gradient,
    outside ``torch.func`` transforms and while no forward-mode level is open; ``None``
    otherwise.

    The short host paths of one distribution run on these views: at a thousand points
    NumPy's operations take a third to a half of torch's time (a logarithm 1.4 against
    3.4 us, a dot product 0.4 against 1.2), more than the views (0.7 us each) and the
    result's tensor (:func:`tensor_of`) take back."""
    kind = type(p)
    xp = _HOST_TYPES.get(kind) or host_namespace(kind)
    if (xp is None or xp is NUMPY or type(q) is not kind
            or not (extra is None or type(extra) is kind)
            # (numpy() drops a dual's tangent; a torch without this name: never)
            or getattr(xp.forward_ad, "_current_level", 0) >= 0):
        return None
    try:  # raises off the CPU, for a gradient, under torch.func, for bfloat16, sparse...
        return xp, p.numpy(), q.numpy(), (None if extra is None else extra.numpy())
    except (RuntimeError, TypeError):
        return None


def tensor_of(xp, out):
    """A NumPy shortcut's result ``out`` (a scalar or an array; ``None`` stays ``None``)
    as a tensor of torch's namespace ``xp`` (:func:`numpy_views`), of its dtype and
    sharing its memory (``torch.from_numpy``)."""
    return None if out is None else xp.from_numpy(np.asarray(out))


def through_views(function, arrays, **kwargs):
    """``function(*arrays, **kwargs)`` computed on the NumPy views of two or three CPU
    torch tensors (:func:`numpy_views`) of one float dtype, its result a tensor of
    NumPy's bits; ``None`` for any other arrays, or where the NumPy path raises (the
    tensors' own path then names the fault in torch's terms).

    For functions whose torch path is many small operations: V from logits' general
    path takes about 30 at n = 1e3, at 5 to 10 us each, where NumPy's take 1 to 3 us."""
    if type(arrays[0]) is np.ndarray:  # (NumPy's own calls leave first)
        return None
    found = numpy_views(*arrays)
    if found is None:
        return None
    xp, *views = found
    views = views[:len(arrays)]
    dtype = views[0].dtype
    if dtype not in HOST_LIMITS or any(v.dtype != dtype for v in views[1:]):
        return None
    try:
        return tensor_of(xp, function(*views, **kwargs))
    except (TypeError, ValueError):
        return None


def _host_floats(p, q):
    """The core's namespace of ``p`` and ``q`` when they are NumPy arrays, or torch
    tensors on the CPU, of one shape (not empty) and one of the float dtypes of the
    shortcuts below; ``None`` otherwise."""
    kind = type(p)
    xp = host_namespace(kind)
    if (xp is None or type(q) is not kind or p.dtype not in HOST_LIMITS
            or q.dtype != p.dtype or q.shape != p.shape):
        return None
    if xp is NUMPY:
        return xp if p.size else None
    return xp if p.is_cpu and q.is_cpu and p.numel() else None


def host_limits(p, q, axis, dx, normalize):
    """For the commonest call, NumPy arrays or CPU torch tensors of one float dtype and
    one shape (not empty) with a valid ``axis``, a float spacing ``dx`` and a bool
    ``normalize``: their namespace, and the dtype's mass tolerance and the least and
    the most total that need no rescaling; ``None`` for any other arguments."""
    xp = _host_floats(p, q)
    if not (xp is not None and type(axis) is int and -p.ndim <= axis < p.ndim
            and type(dx) is float and 0.0 < dx < math.inf
            and (normalize is False or normalize is True)):
        return None
    return xp, HOST_LIMITS[p.dtype]


def totals_fit(limits, smallest, largest, normalize):
    """Whether totals from ``smallest`` to ``largest`` (Python floats) pass the checks
    and need no rescaling, for the dtype's :func:`host_limits`: within its tolerance of
    1 unless ``normalize``, and inside its range (so finite and positive; NaN fails)."""
    tol, least, most = limits
    return least <= smallest and largest <= most and (
        normalize or (abs(smallest - 1.0) <= tol and abs(largest - 1.0) <= tol))


# (as a decorator errstate costs 0.6 us a call, as a context 1.0)
@np.errstate(over="ignore", invalid="ignore")
def numpy_totals(p, q, axis, keepdims):
    """``sum(p)`` and ``sum(q)`` along ``axis`` of NumPy arrays, without a warning: a sum
    that overflows is ``inf``, and one of ``inf`` and ``-inf`` is NaN (the callers
    refuse both)."""
    return (np.add.reduce(p, axis, None, None, keepdims),
            np.add.reduce(q, axis, None, None, keepdims))


def _host_pair(p, q, axis, dx, normalize, extra):
    """:func:`~gancore._totals.validated_pair` for its common case, with none of its Python
    around the checks: NumPy arrays or CPU torch tensors of one float dtype and one shape,
    of at most :data:`~gancore._arrays.FUSED_CHECK_ELEMENTS` points, a spacing ``dx`` that
    is a float, and totals that need no rescaling. The checks and results are those of the
    general path (the same minimum pass over both arrays and the same sums); ``None`` for
    anything outside the case, or wrong, which the general path then sorts out and reports.
    """
    found = host_limits(p, q, axis, dx, normalize)
    if (found is None or math.prod(p.shape) > FUSED_CHECK_ELEMENTS
            or not (extra is None or (type(extra[1]) is type(p) and (
                found[0] is NUMPY or extra[1].is_cpu)))):
        return None
    xp, limits = found
    low = least_of(xp, p, q)
    if not low >= 0.0:  # NaN, -inf or a negative mass: the general path names it
        return None
    ax = axis % p.ndim
    # sums that overflow are inf, which totals_fit refuses (torch does not warn)
    if xp is NUMPY:
        p_sum, q_sum = numpy_totals(p, q, ax, True)
    else:
        p_sum, q_sum = p.sum(ax, keepdim=True), q.sum(ax, keepdim=True)
    # no mass exceeds its sum (none is negative); times dx > 0 their order holds, and
    # Python floats round the products as the arrays do (and overflow to inf quietly)
    smallest, high = _span(xp, p_sum, q_sum)
    if not totals_fit(limits, smallest * dx, high * dx, normalize):
        return None
    if dx != 1.0:
        p_sum, q_sum = p_sum * dx, q_sum * dx
    return xp, p, q, dx, ax, p_sum, q_sum, (low, high), (None if extra is None
                                                         else extra[1])


def host_extremes(p, q):
    """``(xp, low, high)``, the smallest and the largest element of ``p`` and ``q`` (Python
    floats; NaN propagates), for NumPy arrays or CPU torch tensors of one float dtype and
    shape of at most :data:`~gancore._arrays.FUSED_CHECK_ELEMENTS` elements (the common
    case, checked with none of the general validation's Python); ``None`` for any other
    input."""
    xp = _host_floats(p, q)
    if xp is None or math.prod(p.shape) > FUSED_CHECK_ELEMENTS:
        return None
    return xp, least_of(xp, p, q), _most(xp, p, q)


def host_positive(p, q, formula=None, args=(), *, views=True, moderate=False, ratio=None):
    """``formula(p, q, *args, xp=xp)`` of two arrays of positive masses, or D* =
    ``p / (p + q)`` (the general path's operations, so its bits) where ``formula`` is
    ``None``, for NumPy arrays or CPU torch tensors of one float dtype and shape when
    every element of ``p`` and ``q`` is positive and finite and no sum overflows, and,
    with ``moderate``, every ratio of a mass of ``p`` to one of ``q`` lies inside
    :func:`moderate_bound`'s (``p_high b < q_low`` and ``q_high b < p_low`` of the
    extremes); ``None`` otherwise (and for other inputs). A formula takes arrays of one
    dimension or more (0-d masses take the general path, which gives a 0-d array where
    NumPy gives a scalar), is elementwise (see below), and returns an array.

    Arrays of more than ``ARG_EXTREME_ELEMENTS`` points go block by block
    (:func:`by_blocks`): each block's four extremes checked, then the formula on the
    block, so that the checks hold for every point and the result's bits are the whole
    array's; at 1e7 points D*'s log-odds take 2.2 log passes in place of 15.7 on the
    general path's guarded operations. Long tensors take it with ``views=True``;
    otherwise their views' extremes are read by NumPy's reductions and the formula runs
    on the whole tensors, the general path's own operations there (its bits by
    construction; at 1e7 points 1.1 times the plain torch expression). Up to that size:
    NumPy warns where a sum overflows, so the masses' four extremes come first (no mass
    above a quarter of the largest float), found by argmin/argmax and read by flat
    index as Python floats, inline (0.3 us a call less than through :func:`least_of`
    and :func:`_most` at n = 1e3, a tenth of D*'s call). CPU torch tensors have them
    read on their NumPy views (:func:`numpy_views`' conditions and views, inline: D*'s
    call takes 0.3 us less than through it and the helpers, 2.09 -> 1.95 times the
    plain torch expression in float32). With ``views`` the formula runs on the views
    too, its result a tensor (for D*, 1.2 us a call less than torch's own operations
    checked by one ``aminmax`` of the shares): for formulas whose operations round
    alike in NumPy and torch (arithmetic, not logarithms); without, it runs on the
    tensors, in torch. ``views="short"``: on the views up to ``ARG_EXTREME_ELEMENTS``
    points, on the tensors beyond (where torch's operations on the whole tensors take
    less than NumPy's blocks: a ratio of 1e5 points 20 against 155 us). The ratios'
    check is the host's own: where each formula checked them, through calls that took
    the extremes, the optimal critics of NumPy arrays of 1e3 points took 0.7 to 0.8 us
    a call more, of 3.8 to 7.5.

    With ``ratio`` (``"p/q"`` or ``"q/p"``; ``moderate`` implied): ``formula(r, xp=xp)``
    of the masses' ratio ``r`` alone, for formulas that form that ratio first (the
    log-odds, KL's, reverse KL's and GAN's optimal critics), checked on the ratio
    itself (:func:`_ratio_block`, inline for a short array): three reductions where the
    masses' four extremes take four, 0.2 to 0.4 us less a call at 1e3 points (reverse
    KL's optimal critic 3.80 -> 3.58 us on NumPy, 5.73 -> 5.46 on float32 tensors; the
    log-odds 4.39 -> 4.17 on NumPy). Long tensors taken on the whole tensors (``views``
    false) have their views' four extremes checked, as above."""
    kind = type(p)
    if kind is np.ndarray:
        xp, a, b = None, p, q
        if type(q) is not np.ndarray:
            return None
    else:
        xp = _HOST_TYPES.get(kind) or host_namespace(kind)
        if (xp is None or type(q) is not kind
                or getattr(xp.forward_ad, "_current_level", 0) >= 0):
            return None
        try:  # (as numpy_views)
            a, b = p.numpy(), q.numpy()
        except (RuntimeError, TypeError):
            return None
    limits = (_MODERATE_LIMITS if moderate or ratio else _LIMITS).get(a.dtype)
    if limits is None or b.dtype != a.dtype or b.shape != a.shape or not (n := a.size):
        return None
    top, bound = limits
    # the numerator first; short: _ratio_block's check, inline (through it, 0.03 to 0.06
    # us a call more at 1e3 points: reverse KL's critic on NumPy 3.55 -> 3.59 us, where
    # its target, three times the plain -(q / p), is about 3.7)
    if ratio is not None:
        a, b = (a, b) if ratio == "p/q" else (b, a)
        if n <= ARG_EXTREME_ELEMENTS:
            if not (a.ndim and 0.0 < (low := b.item(b.argmin()))
                    and a.item(a.argmax()) * bound < low
                    and (r := a / b).item(r.argmin()) > 4.0 * bound):
                return None
            out = formula(r, xp=NUMPY)
            return out if xp is None else xp.from_numpy(out)
    if n > ARG_EXTREME_ELEMENTS:  # long: block by block, each in cache
        if xp is None or views is True:
            out = (by_blocks(_positive_block, (a, b), formula, args, top, bound)
                   if ratio is None else by_blocks(_ratio_block, (a, b), formula, bound))
            return out if xp is None or out is None else xp.from_numpy(out)
        # (the formula in torch on the whole tensors, the general path's operations
        # there: the extremes of the views by NumPy's reductions)
        p_low, q_low = smallest(NUMPY, a), smallest(NUMPY, b)
        p_high, q_high = largest(NUMPY, a), largest(NUMPY, b)
        if not (0.0 < p_low and 0.0 < q_low and p_high <= top and q_high <= top
                and p_high * bound < q_low and q_high * bound < p_low):
            return None
        if ratio is not None:
            return formula(p / q if ratio == "p/q" else q / p, xp=xp)
        return _apply(formula, p, q, args, xp)
    # argmin and argmax give a NaN's (flat) index, and each comparison with NaN fails
    if not (0.0 < (p_low := a.item(a.argmin())) and 0.0 < (q_low := b.item(b.argmin()))
            and (p_high := a.item(a.argmax())) <= top
            and (q_high := b.item(b.argmax())) <= top
            and p_high * bound < q_low and q_high * bound < p_low):
        return None
    if formula is None:
        out = a / (a + b)
    elif not a.ndim:
        return None
    elif xp is None or views:  # (_apply's work inline: 0.1 us)
        out = formula(a, b, *args, xp=NUMPY) if args else formula(a, b, xp=NUMPY)
    else:
        return _apply(formula, p, q, args, xp)
    # (tensor_of's work inline: through it D* of float32 tensors measured 1.98 against
    # 1.96 times the plain torch expression, at a target of 2)
    return out if xp is None else xp.from_numpy(np.asarray(out))


def _positive_block(a, b, formula, args, top, bound):
    """One block of :func:`host_positive`'s long arrays: its four extremes checked as
    for a short array, then ``formula`` (or D*) on it; ``None`` where a check fails.
    (``host_positive`` writes the same check inline for a short array: through this
    function D* of a float32 tensor of 1000 points took 0.06 us more, of a 5.5 us call
    held to twice the plain 2.6 us.)"""
    if not (0.0 < (p_low := a.item(a.argmin())) and 0.0 < (q_low := b.item(b.argmin()))
            and (p_high := a.item(a.argmax())) <= top
            and (q_high := b.item(b.argmax())) <= top
            and p_high * bound < q_low and q_high * bound < p_low):
        return None
    if formula is None:
        return a / (a + b)
    return _apply(formula, a, b, args, NUMPY)


def _ratio_block(a, b, formula, bound):
    """``formula(a / b, xp=NUMPY)`` of NumPy arrays (of one dimension or more) of a
    numerator ``a`` and a denominator ``b``, where every mass is positive and finite and
    every ratio moderate (:func:`moderate_bound` ``B``; ``bound`` is ``B``, or ``2B`` in
    float32, as :data:`_MODERATE_LIMITS` gives it): ``None`` otherwise.

    Checked on the ratio itself, in three reductions: the least denominator ``b_low``
    is positive, the largest numerator has ``a_high bound < b_low`` (so no quotient can
    overflow, divide by 0 or hold NaN: the division warns of nothing), and the least
    ratio ``r_low`` of ``r = fl(a / b)`` exceeds ``4 bound``. Each point then has ``fl(a
    B) < b`` and ``fl(b B) < a``, in the dtype, as the general path tests them: the first
    by the second check (``_MODERATE_LIMITS``); and ``a / b >= r / (1 + eps) > 4B / (1 +
    eps)`` (``r`` is normal) puts ``a`` above ``3 b B``. Where ``b B`` is normal it is
    exact (``B`` is a power of 2); where it is subnormal, ``fl(b B)`` is 0 below half
    the smallest step ``s`` and at most ``b B + s / 2 <= 2 b B`` from there on: either
    way ``fl(b B) < a``. An infinite ``b`` leaves a ratio of 0, a negative numerator a
    negative one, which fail; NaN fails every comparison (argmin and argmax give its
    index)."""
    if not (0.0 < (low := b.item(b.argmin())) and a.item(a.argmax()) * bound < low
            and (r := a / b).item(r.argmin()) > 4.0 * bound):
        return None
    return formula(r, xp=NUMPY)


def by_blocks(kernel, arrays, *args):
    """``kernel(a_i, b_i, ..., *args)`` over the blocks of ``BLOCK_ELEMENTS`` elements of
    ``arrays``, NumPy arrays of one shape, gathered into one array of that shape: for an
    elementwise kernel, the bits of ``kernel(a, b, ..., *args)`` with each block's
    temporaries in cache (at 1e7 points a pass over memory for the result in place of
    one for each operation). The last block takes what remains (``BLOCK_ELEMENTS`` to
    twice that, less one), so that no block of an array longer than one is shorter:
    a kernel whose operations are chosen by size, up to a block
    (:func:`~gancore._elementwise.log1p_pointwise`), chooses as for the whole array.
    ``None`` where the kernel returns ``None`` for a block. Arrays that are not
    C-contiguous are read through a contiguous copy."""
    flats = [np.ravel(x) for x in arrays]
    n = flats[0].shape[0]
    out = None
    for i in range(0, n, BLOCK_ELEMENTS):
        end = i + BLOCK_ELEMENTS if n - i >= 2 * BLOCK_ELEMENTS else n
        part = kernel(*(x[i:end] for x in flats), *args)
        if part is None:
            return None
        if out is None:
            out = np.empty(flats[0].shape, part.dtype)
        out[i:end] = part
        if end == n:
            break
    return out.reshape(arrays[0].shape)


def blockwise(function, x):
    """``function(x, xp=NUMPY)`` of a NumPy array, for an elementwise ``function``: block
    by block where ``x`` is longer than one block (:func:`by_blocks`, the same bits), so
    that its operations' temporaries stay in cache."""
    if x.size <= BLOCK_ELEMENTS:
        return function(x, xp=NUMPY)
    return by_blocks(functools.partial(function, xp=NUMPY), (x,))


def _apply(formula, p, q, args, xp):
    """``formula(p, q, *args, xp=xp)``: a call that unpacks arguments costs 0.2 us more,
    even none, so none are unpacked where there are none."""
    if args:
        return formula(p, q, *args, xp=xp)
    return formula(p, q, xp=xp)


def moderate_bound(xp, dtype):
    """``2 b``, b = sqrt(the dtype's smallest normal) as in
    :func:`~gancore._elementwise.log_ratio`: masses with ``p 2b < q`` and ``q 2b < p``
    have a ratio inside (2b, 1/(2b)), a factor 3e153 of 1 in float64, 5e18 in float32 (a
    factor 2 spare: a product ``p b`` at most ``q / 2`` cannot round up to ``q``)."""
    return 2.0 * math.sqrt(finfo_float(xp, dtype, "smallest_normal"))


# host_positive's (top, bound) for NumPy's float dtypes. The top: a quarter of the
# largest float, so that no two masses at most this large overflow when summed. The
# bound of the ratios: 0 (its two comparisons hold for every finite mass), or with
# moderate, the dtype's moderate_bound B, doubled for float32. The host compares Python
# floats: ``p_high b < q_low`` takes a float64 product, exact, where the general path's
# test ``p B < q`` takes a float32 one, which rounds where it is subnormal, by up to half
# a step s, and can reach q (p B = 0.67 s against q = s). With b = 2B, p B < q / 2
# rounds to less than q / 2 + s / 2 <= q (q is a step or more).
_LIMITS = {dtype: (float(np.finfo(dtype).max) / 4, 0.0) for dtype in HOST_LIMITS}
_MODERATE_LIMITS = {
    dtype: (top, moderate_bound(NUMPY, dtype) * (1.0 if dtype == np.float64 else 2.0))
    for dtype, (top, _) in _LIMITS.items()}
