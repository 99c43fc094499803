"""Private helpers shared by the array-API core: namespaces, and the checks of
arguments and arrays.

Public functions resolve their namespace once with :func:`namespace` and pass ``xp`` on
to the kernels, which never infer it again. Each kind of scalar argument has one check
here, which raises ``TypeError`` for a wrong type and ``ValueError`` for a wrong value.
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


# Up to this many points a pair of measures is checked in one minimum pass over both
# (``min(minimum(p, q))``): per call, one reduction fewer; beyond, the temporary of
# ``minimum(p, q)`` would cost more memory traffic than the second reduction saves.
FUSED_CHECK_ELEMENTS = 1 << 16


def _total_range(xp, dtype):
    """The dtype's largest ``** 1/4``: totals within ``[1/r, r]`` need no rescaling
    (:func:`~gancore._totals.near_one`)."""
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
