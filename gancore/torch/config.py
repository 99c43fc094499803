"""What defines a training run: :class:`TrainConfig`, the published defaults, and
:func:`sweep`, which builds a population's configs."""

import hashlib
import itertools
import os
import re
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np
import torch
from torch import nn

from .._arrays import (boolean, float_dtype, namespace, one_of, positive_int,
                       positive_number, probability, require_finite, to_numpy)
from ..distributions import LineSegment, Mixture, MultivariateNormal, Normal
from ..f_divergences import F_DIVERGENCES
from .models import ACTIVATIONS

__all__ = ["LOSSES", "TrainConfig", "published_defaults", "sweep"]

LOSSES = ("minimax", "nonsaturating", "wgan", "wgan-gp", "f-gan")

_ADAM_GAN = {"optimizer": "adam", "lr": 2e-4, "betas": (0.5, 0.999), "n_critic": 1,
             "batch_size": 64}
_PUBLISHED = {
    # Goodfellow et al. (2014) take k = 1 discriminator step per generator step; their
    # code used SGD with momentum. Adam(2e-4, betas (0.5, 0.999)) is Radford et al.
    # (2016)'s setting, the one most GAN code has used since.
    "minimax": _ADAM_GAN,
    "nonsaturating": _ADAM_GAN,
    # Arjovsky et al. (2017), Algorithm 1. Their code also ran 100 critic steps for the
    # first 25 generator steps and on every 500th.
    "wgan": {"optimizer": "rmsprop", "lr": 5e-5, "betas": None, "n_critic": 5,
             "batch_size": 64},
    # Gulrajani et al. (2017), Algorithm 1. Their toy-data script used lambda = 0.1,
    # batch 256 and Adam betas (0.5, 0.9).
    "wgan-gp": {"optimizer": "adam", "lr": 1e-4, "betas": (0.0, 0.9), "n_critic": 5,
                "batch_size": 64},
    # Nowozin et al. (2016) state Algorithm 1, a simultaneous single-step method, without
    # one optimiser setting for all experiments; gancore takes the GAN losses' Adam.
    "f-gan": _ADAM_GAN,
}
_DISTRIBUTIONS = (Normal, MultivariateNormal, Mixture, LineSegment)
# the fields members of a population may set each for itself; all others fix shapes or
# the schedule and must agree
PER_MEMBER = ("data", "seed", "lr", "betas", "clip", "gp_lambda", "r1_gamma",
              "value_penalty", "ema")
# fields that may change between a checkpoint and its resumption
RESUMABLE = ("steps", "log_every", "eval_every", "eval_samples", "checkpoint",
             "checkpoint_every", "cuda_graph")
HELD_OUT = 0.2  # the part of a sample array kept for evaluation


def published_defaults(loss, /):
    """The published optimiser, learning rate, betas, n_critic and batch size for
    ``loss`` (see :class:`TrainConfig`); a new dict."""
    return dict(_PUBLISHED[one_of("loss", loss, LOSSES)])


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; ``None`` means the published default.

    ======================  ==========  ==================  ====  =======  ==========
    loss                    optimiser   lr, betas           c     lambda   n_critic
    ======================  ==========  ==================  ====  =======  ==========
    ``"minimax"``           Adam        2e-4, (0.5, .999)   -     -        1
    ``"nonsaturating"``     Adam        2e-4, (0.5, .999)   -     -        1
    ``"wgan"``              RMSProp     5e-5                0.01  -        5
    ``"wgan-gp"``           Adam        1e-4, (0, 0.9)      -     10       5
    ``"f-gan"``             Adam        2e-4, (0.5, .999)   -     -        1
    ======================  ==========  ==================  ====  =======  ==========

    ``"f-gan"`` trains the critic and the generator on the variational bound of the
    f-divergence named by ``divergence`` (one of :data:`gancore.F_DIVERGENCES`; see
    :func:`~gancore.torch.f_gan_activation`); with ``divergence="gan"`` it is the
    minimax GAN.

    ``value_penalty`` (f-GAN's lambda, default 0) takes lambda / 2 (mean v_real^2 +
    mean v_fake^2) of the critic's raw values v off the bound that both players play
    (:func:`~gancore.torch.f_gan_critic_loss`), so that the critic's optimum is a
    finite v. Total variation needs it: its T* = sign(p - q) / 2 lies at
    v = +-infinity, where its critic saturates and stops learning. The game then
    minimises D_{f_lambda} <= D_f, with f_lambda increasing to f as lambda -> 0 (the
    f-GAN theory page).

    Batch size 64 throughout. Where the authors' own code differed is noted in
    :func:`published_defaults`'s source and in the trainer's documentation page.

    ``data`` is a gancore distribution (:class:`~gancore.Normal`,
    :class:`~gancore.MultivariateNormal`, :class:`~gancore.Mixture`,
    :class:`~gancore.LineSegment`) or an array of samples of shape ``(n,)`` or
    ``(n, d)`` from any array namespace (the empirical target). From a distribution
    the trainer draws ``data_pool`` training points with ``seed`` and
    ``eval_samples`` evaluation points with ``seed + 1``. From an array it holds out
    a random fifth (at most ``eval_samples`` points, chosen with ``seed``) for
    evaluation and draws batches, with replacement, from the rest.

    ``generator`` and ``discriminator``: ``None`` for the built-in MLPs
    (:func:`~gancore.torch.generator`, :func:`~gancore.torch.discriminator` with
    ``latent_dim``, ``widths`` and ``activation``), or a callable taking no argument
    and returning a new ``torch.nn.Module``: the generator maps ``(n, latent_dim)``
    to ``(n, d)`` (``(n,)`` or ``(n, 1)`` in 1-D), the discriminator ``(n, d)`` to
    ``(n,)`` or ``(n, 1)`` logits (critic values). The trainer calls it once per member
    with torch's global RNG seeded with the member's ``seed``, and with
    ``standardize`` wraps the module in the data-units maps as it does the MLPs.

    ``pack`` (Lin et al. 2018, PacGAN): the discriminator judges ``pack`` samples of one
    kind at once, concatenated into one input of dimension ``pack * d``; a batch is
    ``batch_size`` such inputs, so each step draws ``batch_size * pack`` real and as
    many generated samples (as in the PacGAN code). A user's discriminator then maps
    ``(n, pack * d)`` to ``(n,)``. WGAN-GP interpolates whole packs and penalises the
    gradient's norm over the pack; R1 likewise. ``pack=1`` is the unpacked GAN.

    ``gp_lambda`` is a length in data units (the critic's values are distances): in one
    dimension the generator's mean swings by about ``2 * gp_lambda`` around the target,
    so the published 10 runs away there; about 0.01 times the data's standard
    deviation converges (see the WGAN-GP theory page).

    ``cuda_graph=True`` (CUDA only) records one whole iteration, ``n_critic``
    discriminator steps and the generator's, as a CUDA graph after three eager ones,
    and replays it: one launch instead of hundreds of small kernels. It computes what
    the eager run computes; the tests compare the two wherever a GPU is present.

    In a population (a sequence of configs given to :func:`~gancore.torch.train`)
    the members may differ in ``data``, ``seed``, ``lr``, ``betas``, ``clip``,
    ``gp_lambda``, ``r1_gamma``, ``value_penalty`` and ``ema``; every other field must
    agree.
    """

    loss: str = "nonsaturating"   # one of LOSSES
    data: object = field(default_factory=lambda: Normal(0.0, 1.0), compare=False)
    steps: int = 2000             # generator steps
    batch_size: int | None = None
    n_critic: int | None = None   # discriminator / critic steps per generator step
    pack: int = 1                 # PacGAN: D judges pack samples of one kind at once
    lr: float | None = None       # both players
    betas: tuple | None = None    # Adam's (beta1, beta2)
    clip: float = 0.01            # WGAN: weights clipped to [-clip, clip]
    gp_lambda: float = 10.0       # WGAN-GP: penalty weight
    r1_gamma: float = 0.0         # GAN and f-GAN: R1 gamma / 2 E_P||grad v||^2 (v: logit); 0 = off
    divergence: str = "gan"       # f-GAN: the f-divergence (gancore.F_DIVERGENCES)
    value_penalty: float = 0.0    # f-GAN: lambda / 2 (E_P v^2 + E_Q v^2) off the bound; 0 = off
    latent_dim: int = 8
    widths: tuple = (64, 64)      # hidden widths of both built-in networks
    activation: str = "leaky_relu"
    generator: object = None      # None: the built-in MLP; else a callable -> nn.Module
    discriminator: object = None  # likewise
    standardize: bool = True      # networks work in the data's standard units (Affine)
    ema: float | None = 0.999     # decay of the generator's weight average; None = off
    data_pool: int = 2**20        # points drawn once from a distribution for batches
    device: str = "auto"          # "auto": CUDA when available, else CPU
    cuda_graph: bool = False      # CUDA: replay each iteration as one captured CUDA graph
    dtype: str = "float32"
    seed: int = 0
    log_every: int = 100          # metrics copied to the host every log_every steps
    eval_every: int = 500         # W1 and JSD to the target every eval_every steps
    eval_samples: int = 10_000
    checkpoint: str | None = None  # path of the checkpoint file
    checkpoint_every: int = 1000

    def __post_init__(self):
        if not isinstance(self.data, _DISTRIBUTIONS):
            object.__setattr__(self, "data", _samples(self.data))
        _check_config(self)

    @property
    def dim(self):
        """The data's dimension d."""
        return self.data.dim if isinstance(self.data, _DISTRIBUTIONS) else self.data.shape[1]

    @property
    def optimizer(self):
        """``"adam"`` or ``"rmsprop"``: the loss's published optimiser."""
        return _PUBLISHED[self.loss]["optimizer"]


def _samples(data):
    """An array of samples as a float64 host array of shape (n, d), checked."""
    try:
        xp, a = namespace(data=data)
    except TypeError:
        raise TypeError("data must be a gancore Normal, MultivariateNormal, Mixture or "
                        "LineSegment, or an array of samples of shape (n,) or (n, d); "
                        f"got {type(data).__name__}") from None
    x = a["data"]
    float_dtype(xp, ("data", x))
    if x.ndim not in (1, 2) or 0 in x.shape:
        raise ValueError(f"data must be samples of shape (n,) or (n, d); got shape "
                         f"{tuple(x.shape)}")
    require_finite(xp, "data", x)
    x = np.asarray(to_numpy(x), dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    x.setflags(write=False)
    return x


def _check_config(cfg):
    """Check every field of ``cfg`` (``None`` fields stand for the published defaults);
    errors name the field."""
    one_of("loss", cfg.loss, LOSSES)
    one_of("divergence", cfg.divergence, F_DIVERGENCES)
    defaults = published_defaults(cfg.loss)
    for name in ("steps", "batch_size", "n_critic", "pack", "latent_dim", "data_pool",
                 "log_every",
                 "eval_every", "eval_samples", "checkpoint_every", "seed"):
        value = getattr(cfg, name)
        if value is not None or name not in defaults:
            positive_int(name, value, least=0 if name in ("steps", "seed") else 1)
    for name in ("lr", "clip", "gp_lambda", "r1_gamma", "value_penalty"):
        value = getattr(cfg, name)
        if value is not None or name not in defaults:
            positive_number(name, value,
                            allow_zero=name in ("gp_lambda", "r1_gamma", "value_penalty"))
    # a penalty the loss has no place for is an error, not silently dropped
    for name, losses in (("r1_gamma", ("minimax", "nonsaturating", "f-gan")),
                         ("value_penalty", ("f-gan",))):
        if getattr(cfg, name) > 0 and cfg.loss not in losses:
            raise ValueError(f"{name} applies to loss {' or '.join(map(repr, losses))}; "
                             f"got {name}={getattr(cfg, name)!r} with loss={cfg.loss!r}")
    if cfg.betas is not None:
        if not isinstance(cfg.betas, (tuple, list)) or len(cfg.betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2); got {cfg.betas!r}")
        for name, beta in zip(("betas[0]", "betas[1]"), cfg.betas):
            probability(name, beta, below_one=True)
    if cfg.ema is not None:
        probability("ema", cfg.ema, below_one=True)
    if not isinstance(cfg.widths, (tuple, list)):
        raise TypeError(f"widths must be a sequence of ints; got {cfg.widths!r}")
    for width in cfg.widths:
        positive_int("widths", width)
    for name in ("generator", "discriminator"):
        factory = getattr(cfg, name)
        # a module is callable too, but each member needs a network of its own
        if factory is not None and (not callable(factory) or isinstance(factory, nn.Module)):
            raise TypeError(f"{name} must be None (the built-in MLP) or a callable taking "
                            "no argument and returning a new torch.nn.Module (such as a "
                            f"class or a function); got {type(factory).__name__}")
    boolean("standardize", cfg.standardize)
    boolean("cuda_graph", cfg.cuda_graph)
    one_of("dtype", cfg.dtype, ("float32", "float64"))
    one_of("activation", cfg.activation, ACTIVATIONS)
    if not isinstance(cfg.device, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?",
                                                             cfg.device):
        raise (ValueError if isinstance(cfg.device, str) else TypeError)(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N'; got {cfg.device!r}")
    if cfg.checkpoint is not None and not isinstance(cfg.checkpoint, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path or None; got {cfg.checkpoint!r}")
    batch = cfg.batch_size if cfg.batch_size is not None else defaults["batch_size"]
    if isinstance(cfg.data, _DISTRIBUTIONS):
        if cfg.data_pool < batch:
            raise ValueError(f"data_pool ({cfg.data_pool}) must be at least batch_size "
                             f"({batch})")
    else:
        train_n = len(cfg.data) - held_out(cfg)
        if train_n < batch or held_out(cfg) < 2:
            raise ValueError(f"data has {len(cfg.data)} samples: too few for a batch of "
                             f"{batch} after holding out a fifth for evaluation (it needs "
                             f"at least {int(np.ceil(batch / (1 - HELD_OUT))) + 1})")


def held_out(cfg):
    """How many points of a sample array are held out for evaluation."""
    return min(cfg.eval_samples, int(HELD_OUT * len(cfg.data)))


def resolve(config):
    """``config`` with its ``None`` fields set to the published defaults."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    defaults = published_defaults(config.loss)
    filled = {k: defaults[k] for k in ("batch_size", "n_critic", "lr", "betas")
              if getattr(config, k) is None}
    return replace(config, **filled)


def resolve_population(configs):
    """The resolved configs of a population; ``ValueError`` naming the first field
    outside :data:`PER_MEMBER` on which two members differ, and the two members."""
    if isinstance(configs, TrainConfig) or not isinstance(configs, (list, tuple)):
        raise TypeError("configs must be a TrainConfig or a list or tuple of them; got "
                        f"{type(configs).__name__}")
    if not configs:
        raise ValueError("configs must not be empty")
    cfgs = [resolve(c) for c in configs]
    first = cfgs[0]
    for name in [f.name for f in fields(TrainConfig) if f.name not in PER_MEMBER]:
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


def record(cfg, device):
    """The config as plain data (for checkpoints and ``config.json``); an array of
    samples is recorded by its shape and a SHA-256 of its bytes."""
    out = asdict(replace(cfg, data=Normal()))
    out["data"] = (repr(cfg.data) if isinstance(cfg.data, _DISTRIBUTIONS) else
                   f"samples of shape {cfg.data.shape}, sha256 "
                   f"{hashlib.sha256(cfg.data.tobytes()).hexdigest()[:16]}")
    out["device"] = device.type
    out["widths"], out["betas"] = list(cfg.widths), cfg.betas and list(cfg.betas)
    for name in ("generator", "discriminator"):
        factory = out[name]
        out[name] = None if factory is None else getattr(factory, "__qualname__",
                                                         type(factory).__name__)
    return out


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


def per_member(cfgs, name, index=None, *, device, dtype):
    """Field ``name`` (item ``index`` of it) of every member, shape ``(members, 1)``,
    or a number in a population of one (whose arithmetic is then a single run's);
    ``ema=None`` is a decay of 0 (the average is the generator)."""
    values = [getattr(c, name) if index is None else getattr(c, name)[index] for c in cfgs]
    values = [0.0 if v is None else float(v) for v in values]
    if len(values) == 1:
        return values[0]
    return torch.tensor(values, device=device, dtype=dtype).unsqueeze(1)


def column(value):
    """A per-member setting as one value per member (shape ``(members,)``)."""
    return value[:, 0] if torch.is_tensor(value) else value


def minimum(value, bound):
    """``min(value, bound)`` for a per-member setting (a number or a column)."""
    return torch.clamp(value, max=bound) if torch.is_tensor(value) else min(value, bound)
