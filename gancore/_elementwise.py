"""Private elementwise kernels of the core: logarithms, softplus and the sigmoid.

Each is warning-free: branches that ``where`` discards are fed safe arguments, so NumPy
never reports ``log(0)`` or ``0 * inf`` from a value that is thrown away.
"""

import math

import numpy as np

from ._namespaces import NUMPY


def plus_times(a, k, b, *, xp):
    """``a + k b`` for arrays ``a`` and ``b`` and a number ``k``.

    For the core's torch namespace and a Python float ``k``, one operation: ``torch.add``
    with ``alpha``, fused, so rounded once where the CPU has a fused multiply-add. The
    expression as written takes two, and torch converts the Python float for the
    product: 3.5 us at n = 1e3 in float64 and 4.5 in float32, against 2.0 and 1.9."""
    if type(k) is float:  # (first: a namespace without add_scaled costs getattr 1 us)
        fused = getattr(xp, "add_scaled", None)
        if fused is not None:
            return fused(a, b, alpha=k)
    return a + k * b


def safe_log(x, *, xp):
    """``log(x)`` for ``x >= 0`` with ``log(0) = -inf`` and no warning."""
    pos = x > 0
    return xp.where(pos, xp.log(xp.where(pos, x, 1.0)), -math.inf)


def _where_log1p_is_scalar(sizes):
    """The entries of ``sizes`` (dtype: points) for the dtypes whose ``numpy.log1p`` loop
    on this CPU is NumPy's scalar baseline one, from NumPy's own report
    (``numpy.lib.introspect.opt_func_info``); all of them where NumPy cannot say (before
    2.1)."""
    try:
        from numpy.lib.introspect import opt_func_info

        loops = opt_func_info(func_name="^log1p$")["log1p"]
    except (ImportError, KeyError):
        return dict(sizes)
    scalar = {np.dtype(signature[0]) for signature, loop in loops.items()
              if loop["current"].startswith("baseline")}
    return {dtype: size for dtype, size in sizes.items() if dtype in scalar}


# From how many points log1p_by_log beats NumPy's scalar log1p, for each dtype that
# NumPy serves only with that loop: below, the four operations that it adds to a log
# pass (about 1.3 us a NumPy call) cost more than the log pass saves. Measured on the
# benchmark's 2-core AMD machine: both took 16 us at 1000 float64 points, and 9.5 us at
# 500 float32 points.
_LOG1P_BY_LOG_FROM = _where_log1p_is_scalar({np.dtype(np.float64): 1000,
                                             np.dtype(np.float32): 600})
# The same for log1p_by_log's wide form (one division more), which elementwise forms
# take (log1p_pointwise); below a block (BLOCK_ELEMENTS), so that every block takes it
_WIDE_BY_LOG_FROM = _where_log1p_is_scalar({np.dtype(np.float64): 3000,
                                            np.dtype(np.float32): 800})


def log1p(x, *, xp):
    """``log(1 + x)`` for ``x`` in [-1, 1] (``-inf`` at -1), to a few ulps.

    ``xp.log1p``, except on NumPy arrays of at least 1000 points (float64; 600 in
    float32) whose dtype NumPy's ``log1p`` serves only with its scalar baseline loop
    (x86 without AVX-512), which take :func:`log1p_by_log`: on the benchmark's 2-core
    AMD machine, at 8192 points, 76 against 125 us in float64 and 51 against 131 us in
    float32.
    """
    return log1p_by_log(x) if _by_log(x) else xp.log1p(x)


def log1m(x, *, xp):
    """``log(1 - x)`` for ``x`` in [-1, 1] (``-inf`` at 1): :func:`log1p` of ``-x``, with
    no pass for the negation."""
    return log1p_by_log(x, negate=True) if _by_log(x) else xp.log1p(-x)


def log1p_pointwise(x, *, xp):
    """``log(1 + x)`` of finite ``x > -1`` for elementwise forms, whose bits must not
    depend on how the points are split (the host's blocks, each of at least
    ``BLOCK_ELEMENTS`` points, :func:`~gancore._host.by_blocks`, against the general
    path's whole array).

    ``xp.log1p``, except in NumPy's namespace for arrays of at least 3000 points
    (float64; 800 in float32; both below a block) whose dtype NumPy's ``log1p`` serves
    only with its scalar loop (x86 without AVX-512), which take :func:`log1p_by_log`
    (``wide``: within 4 ulps in float64, 10 in float32). Measured on the benchmark's
    2-core AMD machine without AVX-512, at 8192 points: 52 against 62 us in float64, 23
    against 72 in float32; the two meet near 3000 and 700 points. Other namespaces, and
    the NumPy views of tensors with torch's functions, take their own ``log1p``."""
    if xp is NUMPY and x.size >= _WIDE_BY_LOG_FROM.get(x.dtype, math.inf):
        return log1p_by_log(x, wide=True)
    return xp.log1p(x)


def _by_log(x):
    """Whether :func:`log1p` and :func:`log1m` take :func:`log1p_by_log` for ``x``."""
    return type(x) is np.ndarray and x.size >= _LOG1P_BY_LOG_FROM.get(x.dtype, math.inf)


def log1p_by_log(x, *, negate=False, wide=False):
    r"""``log(1 + y)`` with ``y = x``, or ``y = -x`` if ``negate``, for a NumPy array of
    ``x`` in [-1, 1] (with ``wide``, of finite ``y > -1``), through one ``log`` pass.

    With :math:`u = \mathrm{fl}(1 + y)`, :math:`e = y - (u - 1)` is exactly the rounding
    error, :math:`1 + y = u + e` (Fast2Sum, as :math:`|y| \le 1`), and
    :math:`\log(1 + y) = \log u + e/u + O(e^2)`. This returns :math:`\log u + e`:
    where :math:`y \le -1/2`, :math:`u` is exact and :math:`e = 0`; elsewhere :math:`e`
    for :math:`e/u` changes the result by :math:`|e y| / ((1 + y) |\log(1 + y)|)`, at
    most :math:`|e| / (1 + y) \le 2^{-p}` of it (:math:`p` the dtype's precision, 53 for
    float64). With ``log`` within L ulps, the result is within 2 L + 2 ulps (log u lies
    within a factor 2 of log(1 + y)): 4 in float64 (L = 1) and 10 in float32 (NumPy
    tests its float32 ``log`` to L = 4), which the tests check against mpmath; measured,
    at most 1.5 ulps in float64 (2e5 points) and 4.0 in float32 (2e6 points).
    ``y = -1`` gives ``-inf``, NaN gives NaN, and NumPy warns where its ``log1p``
    would: at -1, and below it.

    ``wide`` returns :math:`\log u + e/u`, one division more, for every finite
    :math:`y > -1`. Past 1, :math:`u - 1` is still exact while :math:`u < 2^p` (it is a
    multiple of the step of :math:`u`, and at least :math:`u/2`), and :math:`y - (u -
    1)` subtracts two numbers within a factor 2 of each other, so :math:`e` is exact;
    from :math:`2^p` on, :math:`|e/u| \le 2^{1-p}` against a logarithm above 36, under a
    hundredth of an ulp. :math:`e/u` is within :math:`2^{-p}` of :math:`\log(1 + e/u)`
    relative to it, so the bound above holds, and past 1 the result is within L + 1 ulps
    (:math:`\log u` is at least :math:`\log 2`). An infinite ``y`` gives NaN. A 0-d array
    or a NumPy scalar gives a NumPy scalar, as NumPy's ``log1p`` does.
    """
    if x.ndim == 0:  # (the in-place operations below need an array)
        return log1p_by_log(x.reshape(1), negate=negate, wide=wide)[0]
    if negate:
        u = 1.0 - x
        minus_e = u - 1.0
        minus_e += x
    else:
        u = x + 1.0
        minus_e = u - 1.0
        np.subtract(minus_e, x, out=minus_e)
    if wide:
        minus_e /= u
    log_u = np.log(u, out=u)
    log_u -= minus_e
    return log_u


def log_ratio(p, q, *, xp):
    """``log(p / q)`` for ``p, q > 0``, accurate when both are tiny or far apart.

    Where the ratio lies within (b, 1/b), b = sqrt(smallest normal) of the dtype
    (1.5e-154 in float64, 1.1e-19 in float32), it is formed first (one rounding, then
    the log); beyond, ``log p - log q`` is used, so nothing overflows or underflows.
    The tests ``p * b < q`` and ``q * b < p`` cannot overflow.
    """
    b = math.sqrt(float(xp.finfo(p.dtype).smallest_normal))
    moderate = (p * b < q) & (q * b < p)
    direct = xp.log(xp.where(moderate, p, 1.0) / xp.where(moderate, q, 1.0))
    return xp.where(moderate, direct, xp.log(p) - xp.log(q))


def softplus(x, *, xp):
    """``log(1 + exp(x))`` without overflow: ``max(x, 0) + log1p(exp(-|x|))``.

    ``softplus(-inf) = 0``, ``softplus(inf) = inf``.
    """
    return xp.maximum(x, 0.0) + xp.log1p(xp.exp(-xp.abs(x)))


def softplus_pair(x, *, xp):
    """``(softplus(-x), softplus(x))``, each bit for bit :func:`softplus`'s, with their
    common term ``log1p(exp(-|x|))`` formed once: ``-log D`` and ``-log(1 - D)`` of
    ``D = sigmoid(x)``, for one ``exp`` and one ``log1p`` a point in place of two each."""
    tail = xp.log1p(xp.exp(-xp.abs(x)))
    return xp.maximum(-x, 0.0) + tail, xp.maximum(x, 0.0) + tail


def sigmoid(x, *, xp):
    """Logistic function ``1 / (1 + exp(-x))`` as ``exp(-softplus(-x))``: no overflow."""
    return xp.exp(-softplus(-x, xp=xp))


def xlog(x, log_y, *, xp):
    """``x * log_y`` with the convention ``0 * log 0 = 0``: zero wherever ``x == 0``."""
    return x * xp.where(x > 0, log_y, 0.0)
