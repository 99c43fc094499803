"""Private namespaces of the array-API core.

Public functions resolve their namespace once with :func:`namespace` and pass ``xp`` on
to the kernels, which never infer it again. NumPy's and PyTorch's namespaces are the
core's faster copies of ``array_api_compat``'s (:func:`_faster`); :data:`NUMPY` is
NumPy's.
"""

import functools
import types

import numpy as np
from array_api_compat import array_namespace, device, is_array_api_obj

from ._arrays import host_reals


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
