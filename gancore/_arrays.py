"""Private helpers shared by the array-API core: namespaces, validation, safe kernels.

Public functions resolve their namespace once with :func:`namespace` and pass ``xp`` on
to the kernels here, which never infer it again. Every kernel is warning-free: branches
that ``where`` discards are fed safe arguments, so NumPy never reports ``log(0)`` or
``0 * inf`` from a value that is thrown away.
"""

import functools
import math
import numbers
import types

import numpy as np
from array_api_compat import array_namespace, device, is_array_api_obj


def namespace(*, optional=(), **arrays):
    """Return ``(xp, converted)`` for named array arguments.

    Arguments that are arrays fix the namespace; they must all come from one namespace
    and one device. Arguments that are not arrays (lists of real numbers, Python
    floats) are converted with that namespace, or with NumPy when no argument is an
    array. ``None`` is accepted (and passed through) only for the names in
    ``optional``. Everything else (``None``, strings, bytes, dicts, lists of booleans or
    complex numbers, ragged lists) is a ``TypeError`` naming the argument.
    """
    given = {}
    for name, a in arrays.items():
        if a is None:
            if name not in optional:
                raise TypeError(f"{name} must be an array of real numbers; got None")
        elif type(a) is np.ndarray or is_array_api_obj(a):
            given[name] = a
    if not given:
        xp, dev = NUMPY, None
    else:
        try:
            xp = _namespace_of(tuple(given.values()))
        except TypeError:
            kinds = ", ".join(f"{name}: {type(a).__module__}.{type(a).__name__}"
                              for name, a in given.items())
            names = list(given)
            listed = ", ".join(names[:-1]) + " and " + names[-1]
            raise TypeError(f"{listed} must come from one array namespace; got {kinds}"
                            ) from None
        dev = _common_device(given) if xp is not NUMPY else "cpu"
        if len(given) == len(arrays):
            return xp, arrays
    out = {}
    for name, a in arrays.items():
        if a is None or name in given:
            out[name] = a
            continue
        out[name] = xp.asarray(host_reals(name, a), device=dev)
    return xp, out


def _common_device(given):
    """The one device of the named arrays ``given``; ``ValueError`` naming two that differ."""
    devices = {name: _device(a) for name, a in given.items()}
    first_name, first_device = next(iter(devices.items()))
    for name, dev in devices.items():
        if dev != first_device:
            raise ValueError(
                f"{name} is on device {dev!r} but {first_name} is on {first_device!r}"
            )
    return first_device


def _device(x):
    """``x``'s device: the standard's ``device`` attribute where the array has one
    (array_api_compat's lookup costs microseconds a call)."""
    dev = getattr(x, "device", None)
    return device(x) if dev is None else dev


def _reduction(ufunc):
    """An array-API reduction (``sum``, ``min``, ``max``) as a call to ``ufunc.reduce``."""
    def reduce(x, /, *, axis=None, keepdims=False, dtype=None):
        # positional: keywords cost a quarter of a microsecond more a call
        return ufunc.reduce(x, axis, dtype, None, keepdims)

    reduce.__name__ = reduce.__qualname__ = ufunc.__name__ + "_reduce"
    return reduce


def _with(compat, name, **overrides):
    """A copy of the namespace ``compat`` (a module) with some functions replaced."""
    xp = types.ModuleType(name, compat.__doc__)
    xp.__dict__.update((k, v) for k, v in vars(compat).items() if not k.startswith("__"))
    xp.__dict__.update(overrides)
    return xp


def _numpy_namespace(compat):
    """``array_api_compat``'s NumPy namespace, its reductions calling the ufuncs' reduce.

    ``np.sum`` and ``np.min`` pass through NumPy's generic reduction wrapper, which
    costs as much as the reduction itself on small arrays (1.7 against 0.86 us for
    ``np.add.reduce`` at n = 1e3); a call of the core reduces a few times. The results
    are the same: ``np.sum`` is ``np.add.reduce`` with the same order of summation.
    ``sign`` is NumPy's own: ``array_api_compat``'s wraps it for complex numbers, which
    the core refuses, at twice its cost (9.0 against 4.3 us for ``sign(p - q)`` at
    n = 1e3).
    """
    sum_, min_, max_ = map(_reduction, (np.add, np.minimum, np.maximum))
    return _with(compat, "gancore._numpy", sum=sum_, min=min_, max=max_, sign=np.sign)


def _torch_namespace(compat):
    """``array_api_compat``'s PyTorch namespace, its ``vecdot`` torch's own.

    The compatibility layer forms a dot product as a batched matrix product of moved,
    broadcast copies: 13.6 us at n = 1e3 against 1.2 us for ``torch.linalg.vecdot``,
    and less accurate (float32, n up to 20000: relative error up to 3.5e-6 against
    2.5e-7). Operands of different dtypes keep the layer's promotion; two vectors take
    ``torch.dot`` (1.25 us at n = 1e3, ``torch.linalg.vecdot`` 1.4 and 1.9 through this
    function's own checks before). ``minimum`` and ``maximum`` of two tensors of one
    dtype are torch's (1.5 us at n = 1e3, the layer's 2.5), as with a Python float
    beside a float tensor, made a 0-d tensor of its dtype as the layer makes it (the
    layer's promotion takes 32 us for ``maximum(x, 0.0)`` at n = 1e3, this 16).
    """
    import torch

    def vecdot(x1, x2, /, *, axis=-1):
        if x1.dtype != x2.dtype:
            return compat.vecdot(x1, x2, axis=axis)
        if x1.ndim == 1 == x2.ndim:
            return torch.dot(x1, x2)
        return torch.linalg.vecdot(x1, x2, dim=axis)

    def same_dtype(name):
        """torch's own elementwise ``name`` for two tensors of one dtype (the layer's
        promotion costs a microsecond a call), the layer's for anything else."""
        ours, theirs = getattr(torch, name), getattr(compat, name)

        def call(x1, x2, /):
            if type(x1) is torch.Tensor:
                if type(x2) is float and x1.dtype.is_floating_point:
                    x2 = torch.asarray(x2, dtype=x1.dtype, device=x1.device)
                if type(x2) is torch.Tensor and x1.dtype == x2.dtype:
                    return ours(x1, x2)
            return theirs(x1, x2)

        call.__name__ = call.__qualname__ = name
        return call

    xp = _with(compat, "gancore._torch", vecdot=vecdot, minimum=same_dtype("minimum"),
               maximum=same_dtype("maximum"), add_scaled=torch.add)
    # for numpy_views: forward-mode differentiation (torch.func.jvp, dual tensors) opens
    # a level here (-1 while none is open); and the tensor of a NumPy array
    xp.forward_ad = torch.autograd.forward_ad
    xp.from_numpy = torch.from_numpy
    return xp


# array_api_compat's namespaces that the core replaces with faster copies
_FASTER = {"array_api_compat.numpy": _numpy_namespace,
           "array_api_compat.torch": _torch_namespace}


@functools.cache
def _faster(compat):
    """The core's copy of the namespace ``compat``: the faster one of :data:`_FASTER`
    where there is one (made once), else ``compat`` itself."""
    make = _FASTER.get(compat.__name__)
    return compat if make is None else make(compat)


NUMPY = _faster(array_namespace(np.empty(0)))
# array types -> their namespace: array_namespace costs microseconds a call, and its
# answer depends on the arrays' types alone (a mixture of namespaces raises, uncached)
_NAMESPACES = {}


def _namespace_of(arrays):
    """``array_namespace(*arrays)`` as the core's copy (:func:`_faster`), remembered per
    tuple of array types."""
    key = tuple(map(type, arrays))
    xp = _NAMESPACES.get(key)
    if xp is None:
        xp = _NAMESPACES.setdefault(key, _faster(array_namespace(*arrays)))
    return xp


def host_reals(name, a):
    """A list or Python number of real numbers as a float64 NumPy array; ``TypeError``
    naming ``name`` for anything else (strings, bytes, dicts, booleans, complex numbers,
    ragged lists)."""
    if isinstance(a, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array of real numbers; got {type(a).__name__} "
                        f"{a!r}")
    try:
        host = np.asarray(a)
    except (TypeError, ValueError) as err:  # ragged nested lists
        raise TypeError(f"{name} must be an array of real numbers; got {a!r} ({err})"
                        ) from None
    if host.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be an array of real numbers; got {a!r} (dtype "
                        f"{host.dtype})")
    return host.astype(np.float64)


def _float(name, value):
    """``value`` as a Python float; ``TypeError`` unless it is a real number (not a
    bool)."""
    if type(value) is float:  # the commonest, without the ABC's check (1 us)
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    return float(value)


def real_number(name, value):
    """``value`` as a finite Python float; ``TypeError`` unless it is a real number (not
    a bool), ``ValueError`` if it is NaN or infinite."""
    value = _float(name, value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")
    return value


def positive_number(name, value, *, allow_zero=False):
    """``value`` as a finite float ``> 0`` (``>= 0`` with ``allow_zero``); ``TypeError``
    for a wrong type, ``ValueError`` for a wrong value, each naming ``name``."""
    value = _float(name, value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}; got {value!r}")
    return value


def positive_int(name, value, *, least=1):
    """``value`` as a Python int ``>= least``; ``TypeError`` unless it is an int (not a
    bool), ``ValueError`` below ``least``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {value!r}")
    if value < least:
        raise ValueError(f"{name} must be an int >= {least}; got {value!r}")
    return int(value)


def check_seed(seed, name="seed"):
    """``seed`` if it is ``None``, an int >= 0 or a ``numpy.random.Generator`` (what
    ``numpy.random.default_rng`` takes); ``TypeError`` / ``ValueError`` naming it."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    return positive_int(name, seed, least=0)


def probability(name, value, *, below_one=False):
    """``value`` as a float in [0, 1] (in [0, 1) with ``below_one``); ``TypeError`` for a
    wrong type, ``ValueError`` outside the interval."""
    value = _float(name, value)
    if not (0 <= value < 1 if below_one else 0 <= value <= 1):
        raise ValueError(f"{name} must lie in [0, {'1)' if below_one else '1]'}; "
                         f"got {value!r}")
    return value


def boolean(name, value):
    """``value`` as a Python bool; ``TypeError`` for anything but ``True``/``False``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def one_of(name, value, choices):
    """``value`` if it is one of the strings ``choices``; ``TypeError`` for a value that
    is not a string, ``ValueError`` for another string, each listing the choices."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {list(choices)}; got {value!r}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}")
    return value


# (namespace, dtype) -> whether the dtype is real floating (xp.isdtype costs a microsecond)
_REAL_FLOATING = {}


def require_float(xp, name, x):
    """Raise ``TypeError`` unless ``x`` has a real floating dtype."""
    key = (xp, x.dtype)
    real = _REAL_FLOATING.get(key)
    if real is None:
        real = _REAL_FLOATING.setdefault(key, xp.isdtype(x.dtype, "real floating"))
    if not real:
        raise TypeError(f"{name} must have a real floating dtype; got {x.dtype}")


def float_dtype(xp, *named):
    """Common real floating dtype of ``(name, array)`` pairs, after checking each."""
    for name, x in named:
        require_float(xp, name, x)
    first = named[0][1].dtype
    if all(x.dtype == first for _, x in named):
        return first
    return xp.result_type(*(x for _, x in named))


def require_finite(xp, name, x):
    """Raise ``ValueError`` if ``x`` holds NaN or infinity."""
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} must be finite; it holds NaN or infinity")


def require_not_nan(xp, name, x):
    """Raise ``ValueError`` if ``x`` holds NaN (infinities are allowed)."""
    if bool(xp.any(xp.isnan(x))):
        raise ValueError(f"{name} must not hold NaN")


def require_nonempty(name, x, allow_scalar=False):
    """Raise ``ValueError`` if ``x`` has no elements, or is 0-d unless ``allow_scalar``."""
    if x.ndim == 0 and not allow_scalar:
        raise ValueError(f"{name} must have at least one dimension; got a scalar")
    if math.prod(x.shape) == 0:
        raise ValueError(f"{name} must not be empty; got shape {tuple(x.shape)}")


def require_probability(xp, name, d):
    """Raise ``ValueError`` unless every element of ``d`` lies in [0, 1]; return its
    extremes ``(min, max)`` as Python floats (two reductions, through which NaN
    propagates; ``(inf, -inf)`` for an empty ``d``)."""
    if math.prod(d.shape) == 0:
        return math.inf, -math.inf
    low, high = to_float(xp.min(d)), to_float(xp.max(d))
    if not (0.0 <= low and high <= 1.0):
        require_not_nan(xp, name, d)
        raise ValueError(f"{name} must lie in [0, 1]; it holds values outside")
    return low, high


_TOLERANCES = {}


def mass_tolerance(dtype, xp):
    """Largest accepted ``|total mass - 1|``: ``max(1e-6, 1000 * eps)`` for the dtype."""
    key = (xp, dtype)
    tol = _TOLERANCES.get(key)
    if tol is None:
        tol = _TOLERANCES.setdefault(key, max(1e-6, 1000 * finfo_float(xp, dtype, "eps")))
    return tol


def check_axis(name, x, axis):
    """Return ``axis`` as a non-negative int valid for ``x``, or raise ``ValueError``."""
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"axis must be an int; got {axis!r}")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"axis {axis} is out of range for {name} with {x.ndim} dimensions")
    return axis % x.ndim


def broadcast_pair(xp, names, a, b, axis):
    """Broadcast two arrays whose lengths along ``axis`` must agree exactly."""
    na, nb = names
    ia, ib = check_axis(na, a, axis), check_axis(nb, b, axis)
    if a.shape[ia] != b.shape[ib]:
        raise ValueError(
            f"{na} and {nb} must have the same length along axis {axis}; "
            f"got {a.shape[ia]} and {b.shape[ib]}"
        )
    if tuple(a.shape) == tuple(b.shape):
        return a, b, ia
    try:
        a, b = xp.broadcast_arrays(a, b)
    except (ValueError, RuntimeError, TypeError):
        raise ValueError(
            f"{na} and {nb} have shapes {tuple(a.shape)} and {tuple(b.shape)} that do not "
            "broadcast"
        ) from None
    return a, b, check_axis(na, a, axis)


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


def extremes(xp, x):
    """The smallest and largest element of ``x`` as Python floats (NaN if it holds NaN;
    one transfer when it has one element)."""
    if x.ndim == 0:
        value = to_float(x)
        return value, value
    if math.prod(x.shape) == 1:
        value = to_float(x[(0,) * x.ndim])
        return value, value
    return to_float(xp.min(x)), to_float(xp.max(x))


def to_float(x):
    """``float(x)`` of a 0-d array, read detached where it tracks a gradient: the checks
    read values alone, and torch warns when such a tensor becomes a Python number."""
    return float(x.detach() if tracks_gradient(x) else x)


def tracks_gradient(x):
    """Whether the array ``x`` tracks a gradient (a torch tensor that requires one)."""
    return getattr(x, "requires_grad", False)


def total_mass(xp, name, p, w, axis, normalize):
    """Validate a mass (or density) array; return its total along ``axis``, its minimum
    and the smallest and largest of its totals (Python floats).

    ``p`` must be non-empty, finite and non-negative. Its total ``sum(p * w)`` (returned
    with ``axis`` kept as a length-1 axis) must be positive, and within
    :func:`mass_tolerance` of 1 unless ``normalize`` is true. The minimum over all of
    ``p`` is returned as a Python float. Two passes over ``p`` (its minimum and its sum)
    make the whole check: NaN propagates through the minimum and +inf through the sum.
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


# Up to this many points a pair of measures is checked in one minimum pass over both
# (``min(minimum(p, q))``): per call, one reduction fewer; beyond, the temporary of
# ``minimum(p, q)`` would cost more memory traffic than the second reduction saves.
FUSED_CHECK_ELEMENTS = 1 << 16


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


def _total_range(xp, dtype):
    """The dtype's largest ``** 1/4``: totals within ``[1/r, r]`` need no rescaling
    (:func:`near_one`)."""
    return finfo_float(xp, dtype, "max") ** 0.25


_FINFO = {}


def finfo_float(xp, dtype, field):
    """A field of the floating dtype's ``finfo`` (``"max"``, ``"eps"``) as a Python float,
    remembered per namespace and dtype: ``finfo`` costs up to a microsecond a call."""
    key = (xp, dtype, field)
    value = _FINFO.get(key)
    if value is None:
        value = _FINFO.setdefault(key, float(getattr(xp.finfo(dtype), field)))
    return value


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


def _by_log(x):
    """Whether :func:`log1p` and :func:`log1m` take :func:`log1p_by_log` for ``x``."""
    return type(x) is np.ndarray and x.size >= _LOG1P_BY_LOG_FROM.get(x.dtype, math.inf)


def log1p_by_log(x, *, negate=False):
    r"""``log(1 + y)`` with ``y = x``, or ``y = -x`` if ``negate``, for a NumPy array of
    ``x`` in [-1, 1], through one ``log`` pass.

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
    """
    if negate:
        u = 1.0 - x
        minus_e = u - 1.0
        minus_e += x
    else:
        u = x + 1.0
        minus_e = u - 1.0
        np.subtract(minus_e, x, out=minus_e)
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


def to_numpy(x):
    """Copy an array of any namespace or device to a NumPy array on the host."""
    if hasattr(x, "get") and type(x).__module__.startswith("cupy"):
        return x.get()
    if type(x).__module__.startswith("torch"):
        return x.detach().cpu().numpy()
    return np.asarray(x) if isinstance(x, (np.ndarray, np.generic)) else np.from_dlpack(x)


def from_numpy(a, *, like, xp):
    """Move a NumPy array into namespace ``xp``, on ``like``'s device, in its dtype."""
    return xp.asarray(a, dtype=like.dtype, device=device(like))


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
    (:func:`near_one`)."""
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
    """:func:`validated_pair` for its common case, with none of its Python around the
    checks: NumPy arrays or CPU torch tensors of one float dtype and one shape, of at
    most :data:`FUSED_CHECK_ELEMENTS` points, a spacing ``dx`` that is a float, and
    totals that need no rescaling. The checks and results are those of the general
    path (the same minimum pass over both arrays and the same sums); ``None`` for
    anything outside the case, or wrong, which the general path then sorts out and
    reports.
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
    """``(xp, low, high)``, the smallest and the largest element of ``p`` and ``q``
    (Python floats; NaN propagates), for NumPy arrays or CPU torch tensors of one float
    dtype and shape of at most :data:`FUSED_CHECK_ELEMENTS` elements (the common case,
    checked with none of the general validation's Python); ``None`` for any other
    input."""
    xp = _host_floats(p, q)
    if xp is None or math.prod(p.shape) > FUSED_CHECK_ELEMENTS:
        return None
    return xp, least_of(xp, p, q), _most(xp, p, q)


def host_positive(p, q, formula=None, args=(), *, views=True):
    """``formula(p, q, (p_low, q_low, p_high, q_high), *args, xp=xp)`` of two arrays of
    positive masses and their extremes (Python floats), or D* = ``p / (p + q)`` (the general
    path's operations, so its bits) where ``formula`` is ``None``, for NumPy arrays or
    CPU torch tensors of one float dtype and shape when every element of ``p`` and ``q``
    is positive and finite and no sum overflows; ``None`` otherwise (and for other
    inputs), or where ``formula`` returns ``None``. A formula takes arrays of one
    dimension or more (0-d masses take the general path, which gives a 0-d array where
    NumPy gives a scalar), and is elementwise (see below).

    Arrays of more than ``ARG_EXTREME_ELEMENTS`` points go block by block
    (:func:`by_blocks`): each block's four extremes, then the formula on the block with
    them, so that a formula's check of its extremes (such as the moderate ratios of
    :func:`gancore.game.moderate_ratios`) holds for every point, and the result's bits
    are the whole array's; at 1e7 points D*'s log-odds take 2.2 log passes in place of
    15.7 on the general path's guarded operations. Long tensors take it with ``views``;
    without, their views' extremes are read by NumPy's reductions and the formula runs
    on the whole tensors, the general path's own operations there (its bits by
    construction; at 1e7 points 1.1 times the plain torch expression). Up to that size:
    NumPy warns where a sum
    overflows, so the masses' four extremes come first (no mass above a quarter of the
    largest float), found by argmin/argmax and read by flat index as Python floats,
    inline (0.3 us a call less than through :func:`least_of` and :func:`_most` at
    n = 1e3, a tenth of D*'s call). CPU torch tensors have them read on their NumPy
    views (:func:`numpy_views`' conditions and views, inline: D*'s call takes 0.3 us
    less than through it and the helpers, 2.09 -> 1.95 times the plain torch
    expression in float32). With ``views`` the formula runs on the views too, its
    result a tensor (for D*, 1.2 us a call less than torch's own operations checked by
    one ``aminmax`` of the shares): for formulas whose operations round alike in NumPy
    and torch (arithmetic, not logarithms); without, it runs on the tensors, in torch."""
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
    top = _QUARTER_MAX.get(a.dtype)
    if top is None or b.dtype != a.dtype or b.shape != a.shape or not a.size:
        return None
    if a.size > ARG_EXTREME_ELEMENTS:  # long: block by block, each in cache
        if xp is None or views:
            out = by_blocks(_positive_block, (a, b), formula, args, top)
            return out if xp is None or out is None else xp.from_numpy(out)
        # (the formula in torch on the whole tensors, the general path's operations
        # there: the extremes of the views by NumPy's reductions)
        found = (smallest(NUMPY, a), smallest(NUMPY, b), largest(NUMPY, a),
                 largest(NUMPY, b))
        if not (0.0 < found[0] and 0.0 < found[1] and found[2] <= top and found[3] <= top):
            return None
        return _apply(formula, p, q, found, args, xp)
    # argmin and argmax give a NaN's (flat) index, and each comparison with NaN fails
    if not (0.0 < (p_low := a.item(a.argmin())) and 0.0 < (q_low := b.item(b.argmin()))
            and (p_high := a.item(a.argmax())) <= top
            and (q_high := b.item(b.argmax())) <= top):
        return None
    if formula is None:
        out = a / (a + b)
    elif not a.ndim:
        return None
    elif xp is None or views:
        out = _apply(formula, a, b, (p_low, q_low, p_high, q_high), args, NUMPY)
    else:
        return _apply(formula, p, q, (p_low, q_low, p_high, q_high), args, xp)
    # (tensor_of's work inline: through it D* of float32 tensors measured 1.98 against
    # 1.96 times the plain torch expression, at a target of 2)
    return out if xp is None or out is None else xp.from_numpy(np.asarray(out))


def _positive_block(a, b, formula, args, top):
    """One block of :func:`host_positive`'s long arrays: its four extremes checked as
    for a short array, then ``formula`` (or D*) on it; ``None`` where a check fails or
    the formula refuses the block. (``host_positive`` writes the same check inline for
    a short array: through this function D* of a float32 tensor of 1000 points took
    0.06 us more, of a 5.5 us call held to twice the plain 2.6 us.)"""
    if not (0.0 < (p_low := a.item(a.argmin())) and 0.0 < (q_low := b.item(b.argmin()))
            and (p_high := a.item(a.argmax())) <= top
            and (q_high := b.item(b.argmax())) <= top):
        return None
    if formula is None:
        return a / (a + b)
    return _apply(formula, a, b, (p_low, q_low, p_high, q_high), args, NUMPY)


def by_blocks(kernel, arrays, *args):
    """``kernel(a_i, b_i, ..., *args)`` over the blocks of ``BLOCK_ELEMENTS`` elements of
    ``arrays``, NumPy arrays of one shape, gathered into one array of that shape: for an
    elementwise kernel, the bits of ``kernel(a, b, ..., *args)`` with each block's
    temporaries in cache (at 1e7 points a pass over memory for the result in place of
    one for each operation). ``None`` where the kernel returns ``None`` for a block.
    Arrays that are not C-contiguous are read through a contiguous copy."""
    flats = [np.ravel(x) for x in arrays]
    out = None
    for i in range(0, flats[0].shape[0], BLOCK_ELEMENTS):
        part = kernel(*(x[i:i + BLOCK_ELEMENTS] for x in flats), *args)
        if part is None:
            return None
        if out is None:
            out = np.empty(flats[0].shape, part.dtype)
        out[i:i + BLOCK_ELEMENTS] = part
    return out.reshape(arrays[0].shape)


def blockwise(function, x):
    """``function(x, xp=NUMPY)`` of a NumPy array, for an elementwise ``function``: block
    by block where ``x`` is longer than one block (:func:`by_blocks`, the same bits), so
    that its operations' temporaries stay in cache."""
    if x.size <= BLOCK_ELEMENTS:
        return function(x, xp=NUMPY)
    return by_blocks(functools.partial(function, xp=NUMPY), (x,))


def _apply(formula, p, q, extremes, args, xp):
    """``formula(p, q, extremes, *args, xp=xp)``: a call that unpacks arguments costs
    0.8 us more, even none, so none are unpacked where there are none."""
    if args:
        return formula(p, q, extremes, *args, xp=xp)
    return formula(p, q, extremes, xp=xp)


# A quarter of the largest float of NumPy's float dtypes: no two masses at most this
# large overflow when summed
_QUARTER_MAX = {dtype: float(np.finfo(dtype).max) / 4 for dtype in HOST_LIMITS}


def measures(names, p, q, axis, dx, normalize, extra=None):
    """:func:`validated_pair`, with ``p`` and ``q`` divided by their totals.

    Returns ``(xp, p, q, w, axis, extra)`` with ``sum(p * w) = sum(q * w) = 1`` along
    ``axis`` up to rounding.
    """
    xp, p, q, w, ax, p_mass, q_mass, _, extra = validated_pair(names, p, q, axis, dx,
                                                               normalize, extra)
    return xp, p / p_mass, q / q_mass, w, ax, extra
