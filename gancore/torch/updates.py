"""The trainer's optimiser updates: Adam and RMSProp on one flat parameter vector.

A small MLP has six or so parameter tensors of a few thousand numbers in all, so an
optimiser step is mostly overhead: inside a CPU training run a fused
``torch.optim.Adam`` step takes about 100 us, its kernel about 20. The trainer instead
makes each member's network parameters views of one row of a ``(members, P)`` tensor
(:func:`flatten_parameters` with ``out=``) and updates that tensor with a handful of
whole-tensor operations (about 55 us for one member). The arithmetic is
``torch.optim``'s: ``tests/test_updates.py`` compares the two.
"""

import torch
from torch import nn

from .._arrays import positive_number, probability
from . import _tensors

__all__ = ["adam_update", "flatten_parameters", "optimiser_state", "rmsprop_update"]


def flatten_parameters(module, /, *, out=None):
    """Make ``module``'s parameters views of one contiguous vector and return it.

    The module computes as before; an in-place change to the vector (an optimiser
    update, a weight average, clipping) changes its parameters, and the reverse.
    Gradients still arrive per parameter: ``torch.cat`` of their flattened values is
    the gradient with respect to the vector. ``out``, a contiguous 1-D tensor of the
    parameters' total size, dtype and device, receives them (a row of a population's
    ``(N, P)`` tensor); by default a new vector does.

    Raises
    ------
    ValueError
        When ``module`` has no parameters, parameters of several dtypes or devices
        (which one vector cannot hold), or an ``out`` of another size, dtype or device
        or not contiguous.
    """
    named = list(_tensors.module("module", module).named_parameters())
    if not named:
        raise ValueError("module has no parameters to flatten")
    kinds = {(p.dtype, p.device) for _, p in named}
    if len(kinds) > 1:
        raise ValueError("module's parameters must share one dtype and device to be "
                         f"flattened; got {sorted(map(str, kinds))}")
    flat = torch.cat([p.detach().reshape(-1) for _, p in named])
    if out is not None:
        _tensors.tensor("out", out)
        if (out.shape != flat.shape or (out.dtype, out.device) != (flat.dtype, flat.device)
                or not out.is_contiguous()):
            raise ValueError(f"out must be a contiguous vector of {flat.numel()} "
                             f"{flat.dtype} numbers on {flat.device}; got shape "
                             f"{tuple(out.shape)}, {out.dtype} on {out.device}")
        flat = out.copy_(flat)
    return bind_parameters(module, flat)


def bind_parameters(module, flat, /):
    """Make ``module``'s parameters views of ``flat`` (a vector of their total size, in
    the order of ``named_parameters``) without copying: the module then computes with
    ``flat``'s numbers. Returns ``flat``."""
    start = 0
    for name, p in list(module.named_parameters()):
        owner, _, attr = name.rpartition(".")
        view = flat[start:start + p.numel()].view_as(p)
        setattr(module.get_submodule(owner), attr, nn.Parameter(view, p.requires_grad))
        start += p.numel()
    return flat


def optimiser_state(param, /):
    """A new state for :func:`adam_update` or :func:`rmsprop_update` of ``param``: zero
    moment estimates and the step count, which is a Python int on the CPU (the bias
    corrections are then host arithmetic) and a 0-d tensor on a GPU (so that a CUDA
    graph holding the update replays it with the current count, as
    ``torch.optim``'s ``capturable`` optimisers do)."""
    _tensors.tensor("param", param)
    step = 0 if param.device.type == "cpu" else torch.zeros((), dtype=param.dtype,
                                                            device=param.device)
    return {"step": step, "exp_avg": torch.zeros_like(param),
            "exp_avg_sq": torch.zeros_like(param)}


def _check(param, grad, state, lr, rates, eps):
    """The checks both updates make: tensors of one shape, a state of optimiser_state,
    a positive ``lr``, rates in [0, 1) and ``eps >= 0`` (as ``torch.optim`` allows);
    metadata only, nothing that waits for the device."""
    _tensors.tensor("param", param), _tensors.tensor("grad", grad)
    if not isinstance(state, dict) or not {"step", "exp_avg", "exp_avg_sq"} <= set(state):
        raise TypeError(f"state must be a dict made by optimiser_state(param); got "
                        f"{type(state).__name__}")
    if grad.shape != param.shape:
        raise ValueError(f"grad must have param's shape {tuple(param.shape)}; "
                         f"got {tuple(grad.shape)}")
    if state["exp_avg_sq"].shape != param.shape:
        raise ValueError("state must come from optimiser_state(param): its moments have "
                         f"shape {tuple(state['exp_avg_sq'].shape)}, param "
                         f"{tuple(param.shape)}")
    positive_number("eps", eps, allow_zero=True)
    for name, value in {"lr": lr, **rates}.items():
        if isinstance(value, torch.Tensor):  # one value per row of param (a population)
            _tensors.tensor(name, value)
            if value.ndim != param.ndim:
                raise ValueError(f"{name} must be a number or a tensor with param's "
                                 f"{param.ndim} dimensions (one value per row); got shape "
                                 f"{tuple(value.shape)}")
        elif name == "lr":
            positive_number(name, value)
        else:
            probability(name, value, below_one=True)


@torch.no_grad()
def adam_update(param, grad, state, /, *, lr, betas, eps=1e-8):
    r"""One Adam step on ``param``, in place (Algorithm 1 of Kingma and Ba, 2015).

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\alpha}{1 - \beta_1^t}
                   \frac{m_t}{\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}

    with :math:`\epsilon` added outside the square root, as ``torch.optim.Adam`` does.
    ``state`` comes from :func:`optimiser_state` and is updated in place. ``lr`` and
    the betas are numbers, or tensors of shape ``(N, 1)`` for a ``param`` of shape
    ``(N, P)``: one value per row (a population's members, each with its own
    settings; their values are checked where they are set, in the configs).

    Raises
    ------
    ValueError
        When ``grad``'s shape is not ``param``'s, ``state`` was made for another
        parameter, ``lr`` is not positive or a beta is outside [0, 1).
    """
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair (beta1, beta2); got {betas!r}")
    beta1, beta2 = betas
    _check(param, grad, state, lr, {"beta1": beta1, "beta2": beta2}, eps)
    state["step"] += 1  # in place when it is a tensor
    t = state["step"]
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad * (1 - beta2))
    step_size = lr / (1 - beta1 ** t)
    # s m / (sqrt(v / c2) + eps) = m / (sqrt(v) / (sqrt(c2) s) + eps / s)
    denom = state["exp_avg_sq"].sqrt().div_((1 - beta2 ** t) ** 0.5 * step_size)
    param.addcdiv_(state["exp_avg"], denom.add_(eps / step_size), value=-1)


@torch.no_grad()
def rmsprop_update(param, grad, state, /, *, lr, alpha=0.99, eps=1e-8):
    r"""One RMSProp step on ``param``, in place, with ``torch.optim.RMSprop``'s defaults
    (no momentum, not centred):
    :math:`v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2`,
    :math:`\theta_t = \theta_{t-1} - \mathrm{lr}\, g_t / (\sqrt{v_t} + \epsilon)`.
    ``state`` comes from :func:`optimiser_state` (``exp_avg`` is unused). Raises
    ValueError as :func:`adam_update` does (``alpha`` for the betas)."""
    _check(param, grad, state, lr, {"alpha": alpha}, eps)
    state["step"] += 1
    state["exp_avg_sq"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
    param.addcdiv_(grad * -lr, state["exp_avg_sq"].sqrt().add_(eps))
