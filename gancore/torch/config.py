"""What defines a training run: :class:`TrainConfig`, its checks, the published defaults,
and the config as plain data."""

import hashlib
import os
import re
from dataclasses import dataclass, field, fields, replace

import numpy as np
from torch import nn

from .._arrays import (boolean, float_dtype, one_of, positive_int, positive_number,
                       probability, real_number, require_finite, to_numpy)
from .._namespaces import namespace
from ..distributions import LineSegment, Mixture, MultivariateNormal, Normal
from ..f_divergences import F_DIVERGENCES
from .models import ACTIVATIONS
from .objectives import LOSSES, defaults_table, fingerprint, loss_record

__all__ = ["TrainConfig", "published_defaults"]

_DISTRIBUTIONS = (Normal, MultivariateNormal, Mixture, LineSegment)
# fields that may change between a checkpoint and its resumption
RESUMABLE = ("steps", "log_every", "eval_every", "eval_samples", "checkpoint",
             "checkpoint_every", "cuda_graph")
HELD_OUT = 0.2  # the part of a sample array kept for evaluation


def published_defaults(loss, /):
    """The published optimiser, learning rate, betas, n_critic and batch size of
    ``loss`` (a name of :data:`~gancore.torch.LOSSES` or a :class:`~gancore.torch.Loss`),
    as a new dict; the table in :class:`TrainConfig` lists them."""
    return loss_record(loss).defaults


def _field(default, help):
    """A config field with its default and its one-line help (``gancore train --help``
    prints it)."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; ``None`` means the published default.

    ``loss`` names a record of :data:`~gancore.torch.LOSSES` or is a
    :class:`~gancore.torch.Loss` of research code's own. The published defaults, and
    the fields each loss accepts beyond the common ones (read from the table):

<defaults>

    A field that belongs to other losses (``clip``, ``gp_lambda``, ``r1_gamma``,
    ``divergence``, ``value_penalty``, ``codes``) set away from its default is an
    error, not silently dropped.

    ``"least-squares"`` codes generated points a and data b in D's targets and the
    generated points c in G's: ``codes=(a, b, c)``, a < b. Mao et al.'s default
    (-1, 1, 0) makes G minimise half the triangular discrimination, but puts c at the
    codes' midpoint, so near the data G's pull towards it is second order and G stalls
    short of it; the 0-1 coding (0, 1, 1) pulls at first order and converges (the
    least-squares theory page derives both, and the trainer's proofs measure both).

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

    Where the authors' own code differed is noted in each record's
    ``defaults_source`` and on the trainer's documentation page.

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
    the members may differ in the fields of
    :data:`~gancore.torch.settings.PER_MEMBER` (``data``, ``seed``, ``lr``, ``betas``,
    ``clip``, ``gp_lambda``, ``r1_gamma``, ``value_penalty`` and ``ema``) and in
    their loss's options (f-GAN's ``divergence``, the least-squares ``codes``); every
    other field must agree.
    """

    loss: object = _field("nonsaturating", "the loss: a name of the table, or a "
                          "gancore.torch.Loss record")
    data: object = field(default_factory=lambda: Normal(0.0, 1.0), compare=False,
                         metadata={"help": "the target distribution, or an array of "
                                           "samples of shape (n,) or (n, d)"})
    steps: int = _field(2000, "generator steps")
    batch_size: int | None = _field(None, "points per batch (packs, with pack > 1); "
                                          "default: the loss's published one")
    n_critic: int | None = _field(None, "critic steps per generator step; default: the "
                                        "loss's published one")
    pack: int = _field(1, "PacGAN: the discriminator judges this many samples of one "
                          "kind at once")
    lr: float | None = _field(None, "both players' learning rate; default: the loss's "
                                    "published one")
    betas: tuple | None = _field(None, "Adam's (beta1, beta2); default: the loss's "
                                       "published ones")
    clip: float = _field(0.01, "weight clipping: the critic's weights stay in [-clip, "
                               "clip]")
    gp_lambda: float = _field(10.0, "the gradient penalty's weight, a length in data "
                                    "units (on 1-D data about 0.01 times its standard "
                                    "deviation converges)")
    r1_gamma: float = _field(0.0, "R1: gamma / 2 E_P ||grad v||^2 on the critic's raw "
                                  "output v at the data; 0 is off")
    divergence: str = _field("gan", "f-GAN's f-divergence: one of "
                                    + ", ".join(F_DIVERGENCES))
    value_penalty: float = _field(0.0, "f-GAN: lambda / 2 (E_P v^2 + E_Q v^2) taken off "
                                       "the bound, which total variation needs; 0 is off")
    codes: tuple = _field((-1.0, 1.0, 0.0), "the least-squares GAN's codes (a, b, c): D's "
                                            "targets for generated points and data, G's "
                                            "for its own points; a < b")
    latent_dim: int = _field(8, "the noise's dimension")
    widths: tuple = _field((64, 64), "hidden widths of both built-in networks")
    activation: str = _field("leaky_relu", "hidden activation of both built-in "
                                           "networks: " + ", ".join(ACTIVATIONS))
    generator: object = _field(None, "None: the built-in MLP; else a callable taking no "
                                     "argument and returning a new torch.nn.Module")
    discriminator: object = _field(None, "likewise, for the discriminator")
    standardize: bool = _field(True, "the networks work in the data's standard units")
    ema: float | None = _field(0.999, "decay of the generator's weight average; None "
                                      "is off")
    data_pool: int = _field(2**20, "points drawn once from a distribution for batches")
    device: str = _field("auto", "auto (CUDA when available), cpu, cuda or cuda:N")
    cuda_graph: bool = _field(False, "CUDA: replay each iteration as one captured CUDA "
                                     "graph")
    dtype: str = _field("float32", "float32 or float64")
    seed: int = _field(0, "seeds the networks, the data and every random draw")
    log_every: int = _field(100, "metrics are copied to the host every log_every steps")
    eval_every: int = _field(500, "W1 and JSD to the target every eval_every steps")
    eval_samples: int = _field(10_000, "points of each evaluation")
    checkpoint: str | None = _field(None, "path of the checkpoint file")
    checkpoint_every: int = _field(1000, "steps between checkpoints")

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
        return loss_record(self.loss).optimizer


TrainConfig.__doc__ = TrainConfig.__doc__.replace("<defaults>", "\n".join(
    "    " + line for line in defaults_table().splitlines()))


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
    loss = loss_record(cfg.loss)
    one_of("divergence", cfg.divergence, F_DIVERGENCES)
    defaults = loss.defaults
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
    _check_codes(cfg)
    _check_loss_fields(cfg, loss)
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


_DEFAULTS = {f.name: f.default for f in fields(TrainConfig)}
# the fields some loss of the table accepts (each other loss refuses them)
_LOSS_FIELDS = {name for loss in LOSSES.values() for name in loss.fields}


def _check_codes(cfg):
    """``codes`` is a triple of finite numbers (a, b, c) with a < b (a the generated
    points' code, b the data's: D* = (b p + a q) / (p + q) then orders p against q as
    the other losses' critics do); stored as a tuple of floats."""
    if not isinstance(cfg.codes, (tuple, list)) or len(cfg.codes) != 3:
        raise TypeError(f"codes must be a triple (a, b, c) of numbers; got {cfg.codes!r}")
    a, b, c = (real_number(f"codes[{i}]", v) for i, v in enumerate(cfg.codes))
    if not a < b:
        raise ValueError(f"codes (a, b, c): a, the generated points' code, must be below "
                         f"b, the data's; got a = {a!r}, b = {b!r}")
    object.__setattr__(cfg, "codes", (a, b, c))


def _check_loss_fields(cfg, loss):
    """The fields of ``loss`` are config fields, and no field of another loss is set
    away from its default: such a value is an error, not silently dropped."""
    unknown = [name for name in loss.fields if name not in _DEFAULTS]
    if unknown:
        raise ValueError(f"loss {loss.name!r} names {unknown} among its fields (options "
                         "and penalty weight), which are not TrainConfig fields")
    for name in sorted(_LOSS_FIELDS - set(loss.fields)):
        value, default = getattr(cfg, name), _DEFAULTS[name]
        if value != default:
            accepting = [key for key, other in LOSSES.items() if name in other.fields]
            raise ValueError(f"{name} applies to loss {' or '.join(map(repr, accepting))}; "
                             f"got {name}={value!r} with loss={loss.name!r} (which accepts "
                             f"{', '.join(loss.fields) or 'none of them'})")


def held_out(cfg):
    """How many points of a sample array are held out for evaluation."""
    return min(cfg.eval_samples, int(HELD_OUT * len(cfg.data)))


def resolve(config):
    """``config`` with its ``None`` fields set to the published defaults."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
    defaults = loss_record(config.loss).defaults
    filled = {k: defaults[k] for k in ("batch_size", "n_critic", "lr", "betas")
              if getattr(config, k) is None}
    return replace(config, **filled)


def record(cfg, device):
    """The config as plain data (for checkpoints and ``config.json``); an array of
    samples is recorded by its shape and a SHA-256 of its bytes, a loss by its name (and
    a research-code record by what it computes too), a network factory by its name."""
    loss = loss_record(cfg.loss)
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg)}
    out["loss"] = loss.name
    if loss is not LOSSES.get(loss.name):  # research code's record: what it computes
        out["loss_record"] = fingerprint(loss)
    out["data"] = (repr(cfg.data) if isinstance(cfg.data, _DISTRIBUTIONS) else
                   f"samples of shape {cfg.data.shape}, sha256 "
                   f"{hashlib.sha256(cfg.data.tobytes()).hexdigest()[:16]}")
    out["device"] = device.type
    out["widths"], out["betas"] = list(cfg.widths), cfg.betas and list(cfg.betas)
    out["codes"] = list(cfg.codes)
    for name in ("generator", "discriminator"):
        factory = out[name]
        out[name] = None if factory is None else getattr(factory, "__qualname__",
                                                         type(factory).__name__)
    return out
