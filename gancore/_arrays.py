"""Private checks shared by the array-API core, of arguments and arrays, and the moves
of arrays between namespaces.

Each kind of scalar argument has one check here, which raises ``TypeError`` for a wrong
type and ``ValueError`` for a wrong value. The namespaces themselves are in
:mod:`gancore._namespaces`.
"""

import math
import numbers

import numpy as np
from array_api_compat import device


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
