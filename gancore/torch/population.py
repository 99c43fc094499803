"""A population's configs: :func:`sweep` builds them, :func:`resolve_population` checks
that they can train as one run."""

import itertools
from dataclasses import fields, replace

from .config import TrainConfig, resolve
from .objectives import loss_record
from .settings import PER_MEMBER

__all__ = ["resolve_population", "sweep"]


def resolve_population(configs, name="configs"):
    """The resolved configs of a population; ``TypeError`` or ``ValueError`` naming the
    argument ``name`` when ``configs`` is not a non-empty list or tuple, and
    ``ValueError`` naming the first field on which two members differ that is neither in
    :data:`PER_MEMBER` nor one of their loss's options (f-GAN's ``divergence``, the
    least-squares ``codes``), and the two members."""
    if isinstance(configs, TrainConfig) or not isinstance(configs, (list, tuple)):
        raise TypeError(f"{name} must be a TrainConfig or a list or tuple of them; got "
                        f"{type(configs).__name__}")
    if not configs:
        raise ValueError(f"{name} must not be empty")
    cfgs = [resolve(c) for c in configs]
    first = cfgs[0]
    varying = {*PER_MEMBER, *loss_record(first.loss).options}
    for name in [f.name for f in fields(TrainConfig) if f.name not in varying]:
        for i, cfg in enumerate(cfgs[1:], 1):
            if getattr(cfg, name) != getattr(first, name):
                raise ValueError(f"members of a population must agree on {name}: member 0 "
                                 f"has {name}={getattr(first, name)!r}, member {i} has "
                                 f"{name}={getattr(cfg, name)!r}")
    for i, cfg in enumerate(cfgs[1:], 1):
        if cfg.dim != first.dim:
            raise ValueError(f"members of a population must agree on the data's dimension: "
                             f"member 0 has d={first.dim}, member {i} has d={cfg.dim}")
    return cfgs


def sweep(config, /, **axes):
    """The configs of a population: ``config`` with every combination of ``axes``.

    ``sweep(cfg, seed=range(16), gp_lambda=[1e-3, 1e-2, 0.1])`` is 48 configs in
    the order of nested loops over the axes as given, the last varying fastest:
    seed 0 with each lambda, then seed 1 with each lambda, and so on (the order of
    :func:`itertools.product`).

    Parameters
    ----------
    config : TrainConfig
    **axes : iterables
        Field name to the values it takes; each value is checked as the field is.

    Returns
    -------
    list of TrainConfig

    Examples
    --------
    >>> from gancore.torch import TrainConfig, sweep
    >>> configs = sweep(TrainConfig(loss="wgan-gp"), seed=range(2), gp_lambda=[0.1, 1.0])
    >>> [(c.seed, c.gp_lambda) for c in configs]
    [(0, 0.1), (0, 1.0), (1, 0.1), (1, 1.0)]
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    names = {f.name for f in fields(TrainConfig)}
    values = {}
    for name, axis in axes.items():
        if name not in names:
            raise ValueError(f"sweep: {name!r} is not a TrainConfig field")
        try:
            if isinstance(axis, (str, bytes)):
                raise TypeError
            values[name] = list(axis)
        except TypeError:
            raise TypeError(f"sweep: {name} must be an iterable of values; got "
                            f"{axis!r}") from None
        if not values[name]:
            raise ValueError(f"sweep: {name} has no values")
    return [replace(config, **dict(zip(values, combo)))
            for combo in itertools.product(*values.values())]
