"""The table of losses: one :class:`Loss` record per loss, the trainer's single source of
what a loss optimises, how its critic is penalised or clipped, its published defaults
and the config fields it accepts.

The trainer's loop, :class:`~gancore.torch.TrainConfig`'s validation, the defaults
table in its docstring and ``gancore train``'s choices are all read from
:data:`LOSSES`. Research code passes a :class:`Loss` of its own as
``TrainConfig(loss=...)``, with no change to gancore (the "Adding a loss" page).
"""

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable

import numpy as np
import torch

from .._arrays import boolean, one_of, positive_int, positive_number, probability
from ..least_squares import least_squares_optimal_discriminator
from .f_gan import f_gan_activation, f_gan_critic_loss, f_gan_generator_loss, f_gan_log_ratio
from .losses import (critic_loss, discriminator_loss, gradient_penalty, hinge_critic_loss,
                     least_squares_discriminator_loss, least_squares_generator_loss,
                     minimax_generator_loss, nonsaturating_generator_loss, r1_penalty,
                     wasserstein_generator_loss)

__all__ = ["LOSSES", "Loss", "Penalty", "defaults_table", "fingerprint", "loss_record"]


@dataclass(frozen=True)
class Penalty:
    """A penalty on the critic's step, computed by a public function of gancore.torch.

    Attributes
    ----------
    function : callable
        :func:`~gancore.torch.gradient_penalty` (called as ``function(critic, real,
        fake, x_hat=x_hat, **{keyword: weight})``, with the step's
        :func:`~gancore.torch.interpolates`) or :func:`~gancore.torch.r1_penalty`
        (``function(critic, real, **{keyword: weight})``).
    weight : str
        The config field that sets its weight, one value per member.
    keyword : str
        The function's keyword for that weight (``"lam"``, ``"gamma"``).
    at : {"x_hat", "real"}
        Where it applies: the interpolates between data and generated points
        (WGAN-GP, whose uniform weights the trainer draws from each member's stream),
        or the data (R1).
    """

    function: Callable
    weight: str
    keyword: str
    at: str

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"function must be callable; got {type(self.function).__name__}")
        for name in ("weight", "keyword"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str; got {getattr(self, name)!r}")
        one_of("at", self.at, ("x_hat", "real"))


def _identity(values, /, **options):
    """A critic's raw values, as they are: what a critic that is not a probability logs,
    and a GAN discriminator's log-ratio estimate (its logit: D* / (1 - D*) = p / q)."""
    return values


def _sigmoid(values, /, **options):
    """D = sigmoid(logit): what a GAN discriminator logs."""
    return torch.sigmoid(values)


@dataclass(frozen=True)
class Loss:
    r"""One loss: everything the trainer, its validation, its docs and its CLI know of it.

    Attributes
    ----------
    name : str
        What configs, checkpoints and the CLI call it.
    description : str
        One line, shown in ``gancore train --help`` and the docs' table.
    critic : callable
        ``critic(real_values, fake_values, **options)``: the critic's loss, to be
        minimised, averaged over the last axis (the batch) with leading axes kept (a
        population's members): arrays of raw critic outputs of shape ``(N, m)`` give
        ``(N,)``.
    generator : callable
        ``generator(fake_values, **options)``: the generator's loss, likewise.
    optimizer, lr, betas, n_critic, batch_size
        The published defaults (``optimizer`` is ``"adam"`` or ``"rmsprop"``; ``betas``
        None for RMSProp), used where a config leaves the field None.
    defaults_source : str
        Where the defaults come from (the docs' table prints it).
    options : tuple of str
        The config fields passed to ``critic``, ``generator``, ``summary`` and
        ``log_ratio`` as keywords (f-GAN: ``divergence`` and ``value_penalty``); a
        per-member field arrives as one value per member, shape ``(N,)``. Members may
        differ on the others: the functions are then called once per group of members
        that share them, on those members' rows.
    penalty : Penalty or None
        The penalty added to the critic's loss, where its weight is not 0.
    clip : bool
        Whether the critic's weights are clipped to ``[-clip, clip]`` at the start and
        after every critic step (:func:`~gancore.torch.clip_weights`).
    data_units : bool
        Whether the critic's values are lengths in the data's units: with
        ``standardize`` the built-in critic's output is multiplied by the data's mean
        standard deviation (a Wasserstein critic's values are distances).
    summary : callable
        ``summary(values, **options)``: what the history logs of D's outputs (``d_real``,
        ``d_fake``): D itself for the GAN losses, the critic's value otherwise.
    log_ratio : callable or None
        ``log_ratio(values, **options)``: the critic's estimate of
        :math:`\log(p_{data} / p_g)` where its optimum determines one (refinement needs
        it; a ``ValueError`` from it refuses refinement); None otherwise.
    optimal_critic : callable or None
        ``optimal_critic(p, q, **options)``: the raw critic value that minimises
        :math:`p\,\ell_{real}(t) + q\,\ell_{fake}(t)` at densities ``p``, ``q`` (NumPy
        arrays), where the critic's loss is such a pointwise sum; ``gancore verify
        --loss`` checks it. None when unknown.
    """

    name: str
    description: str
    critic: Callable
    generator: Callable
    optimizer: str = "adam"
    lr: float = 2e-4
    betas: tuple | None = (0.5, 0.999)
    n_critic: int = 1
    batch_size: int = 64
    defaults_source: str = ""
    options: tuple = ()
    penalty: Penalty | None = None
    clip: bool = False
    data_units: bool = False
    summary: Callable = field(default=_identity)
    log_ratio: Callable | None = None
    optimal_critic: Callable | None = None

    def __post_init__(self):
        for name in ("name", "description", "defaults_source"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str; got {getattr(self, name)!r}")
        if not self.name:
            raise ValueError("name must not be empty")
        for name in ("critic", "generator", "summary", "log_ratio", "optimal_critic"):
            value = getattr(self, name)
            if not callable(value) and (value is not None or name in (
                    "critic", "generator", "summary")):
                raise TypeError(f"{name} must be callable"
                                f"{'' if name in ('critic', 'generator', 'summary') else ' or None'}"
                                f"; got {type(value).__name__}")
        one_of("optimizer", self.optimizer, ("adam", "rmsprop"))
        positive_number("lr", self.lr)
        positive_int("n_critic", self.n_critic)
        positive_int("batch_size", self.batch_size)
        if self.optimizer == "rmsprop":
            if self.betas is not None:
                raise ValueError(f"betas must be None for RMSProp; got {self.betas!r}")
        elif not isinstance(self.betas, (tuple, list)) or len(self.betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2) for Adam; got "
                            f"{self.betas!r}")
        else:
            for name, beta in zip(("betas[0]", "betas[1]"), self.betas):
                probability(name, beta, below_one=True)
            object.__setattr__(self, "betas", tuple(self.betas))
        if not isinstance(self.options, (tuple, list)) or not all(
                isinstance(o, str) for o in self.options):
            raise TypeError(f"options must be a tuple of config field names; got "
                            f"{self.options!r}")
        object.__setattr__(self, "options", tuple(self.options))
        if self.penalty is not None and not isinstance(self.penalty, Penalty):
            raise TypeError(f"penalty must be a Penalty or None; got "
                            f"{type(self.penalty).__name__}")
        boolean("clip", self.clip)
        boolean("data_units", self.data_units)

    @property
    def fields(self):
        """The config fields this loss accepts beyond the common ones: its options, its
        penalty's weight and, when it clips, ``clip``."""
        return (*self.options, *((self.penalty.weight,) if self.penalty else ()),
                *(("clip",) if self.clip else ()))

    @property
    def defaults(self):
        """The published defaults as a dict (:func:`~gancore.torch.published_defaults`)."""
        return {"optimizer": self.optimizer, "lr": self.lr, "betas": self.betas,
                "n_critic": self.n_critic, "batch_size": self.batch_size}


# -- pointwise optima, on NumPy arrays of densities (gancore verify --loss checks them)

def _gan_optimum(p, q, **options):
    """The GAN discriminator's optimal logit log(p / q) (D* = p / (p + q))."""
    return np.log(p) - np.log(q)


def _least_squares_critic(real_values, fake_values, /, *, codes):
    """:func:`~gancore.torch.least_squares_discriminator_loss` with the codes' a and b."""
    a, b, _ = codes
    return least_squares_discriminator_loss(real_values, fake_values, a=a, b=b)


def _least_squares_generator(fake_values, /, *, codes):
    """:func:`~gancore.torch.least_squares_generator_loss` with the codes' c."""
    return least_squares_generator_loss(fake_values, c=codes[2])


def _least_squares_log_ratio(values, /, *, codes, **options):
    """log(p / q) from D = (b p + a q) / (p + q): log(D - a) - log(b - D), -inf at
    D <= a and inf at D >= b (a < b)."""
    a, b, _ = codes
    inside = torch.clamp(values, a, b)
    return torch.log(inside - a) - torch.log(b - inside)


def _least_squares_optimum(p, q, *, codes, **options):
    """The least-squares discriminator's optimum (b p + a q) / (p + q), the core's."""
    return least_squares_optimal_discriminator(p, q, a=codes[0], b=codes[1])


def _hinge_optimum(p, q, **options):
    """The hinge critic's optimum sign(p - q) (any value in [-1, 1] where p = q)."""
    return np.sign(p - q)


_R1 = Penalty(r1_penalty, weight="r1_gamma", keyword="gamma", at="real")
_ADAM_GAN = ("Radford et al. (2016)'s Adam, the setting most GAN code has used since; "
             "Goodfellow et al. (2014) took k = 1 with SGD and momentum")

LOSSES = MappingProxyType({loss.name: loss for loss in (
    Loss("minimax", "the minimax GAN (Goodfellow et al. 2014): G minimises log(1 - D(G(z)))",
         discriminator_loss, minimax_generator_loss, defaults_source=_ADAM_GAN,
         penalty=_R1, summary=_sigmoid, log_ratio=_identity, optimal_critic=_gan_optimum),
    Loss("nonsaturating", "the non-saturating GAN (Goodfellow et al. 2014): G minimises "
         "-log D(G(z))", discriminator_loss, nonsaturating_generator_loss,
         defaults_source=_ADAM_GAN, penalty=_R1, summary=_sigmoid, log_ratio=_identity,
         optimal_critic=_gan_optimum),
    Loss("wgan", "WGAN (Arjovsky et al. 2017): a weight-clipped critic estimates W1",
         critic_loss, wasserstein_generator_loss, optimizer="rmsprop", lr=5e-5, betas=None,
         n_critic=5, defaults_source="Arjovsky et al. (2017), Algorithm 1; their code "
         "also ran 100 critic steps for the first 25 generator steps and every 500th",
         clip=True, data_units=True),
    Loss("wgan-gp", "WGAN-GP (Gulrajani et al. 2017): the critic's gradient norm "
         "penalised towards 1", critic_loss, wasserstein_generator_loss, lr=1e-4,
         betas=(0.0, 0.9), n_critic=5, defaults_source="Gulrajani et al. (2017), "
         "Algorithm 1; their toy-data script used lambda = 0.1, batch 256, betas (0.5, 0.9)",
         penalty=Penalty(gradient_penalty, weight="gp_lambda", keyword="lam", at="x_hat"),
         data_units=True),
    Loss("f-gan", "f-GAN (Nowozin et al. 2016): the variational bound of the "
         "f-divergence named by divergence", f_gan_critic_loss, f_gan_generator_loss,
         defaults_source="Nowozin et al. (2016) state no one optimiser setting; gancore "
         "takes the GAN losses' Adam", options=("divergence", "value_penalty"),
         penalty=_R1, summary=f_gan_activation, log_ratio=f_gan_log_ratio),
    Loss("least-squares", "LSGAN (Mao et al. 2017) with codes (a, b, c), by default "
         "(-1, 1, 0): G minimises half the triangular discrimination; the 0-1 coding "
         "(0, 1, 1) pulls G in faster", _least_squares_critic, _least_squares_generator,
         defaults_source="Mao et al. (2017), section 4: Adam with lr 2e-4 and beta1 0.5",
         options=("codes",), penalty=_R1, log_ratio=_least_squares_log_ratio,
         optimal_critic=_least_squares_optimum),
    Loss("hinge", "the hinge GAN (Lim and Ye 2017; Miyato et al. 2018): the critic "
         "minimises E max(0, 1 - D) + E max(0, 1 + D), G minimises -E D",
         hinge_critic_loss, wasserstein_generator_loss, defaults_source="Miyato et al. "
         "(2018): Adam 2e-4, (0.5, 0.999), one critic step (their setting A)",
         penalty=_R1, optimal_critic=_hinge_optimum),
)})


def loss_record(loss, /):
    """The :class:`Loss` a config's ``loss`` names (a key of :data:`LOSSES`) or is;
    ``ValueError`` naming the choices for an unknown name, ``TypeError`` for another
    type."""
    if isinstance(loss, Loss):
        if loss.name in LOSSES and loss is not LOSSES[loss.name]:
            raise ValueError(f"loss: the name {loss.name!r} is the table's own; give "
                             "research code's Loss a name of its own")
        return loss
    if not isinstance(loss, str):
        raise TypeError(f"loss must be one of {list(LOSSES)} or a gancore.torch.Loss "
                        f"record; got {type(loss).__name__}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {list(LOSSES)} or a gancore.torch.Loss "
                         f"record; got {loss!r}")
    return LOSSES[loss]


def _name(value):
    """A callable (or value) by its module and qualified name."""
    if callable(value):
        return (f"{getattr(value, '__module__', '?')}:"
                f"{getattr(value, '__qualname__', type(value).__qualname__)}")
    return value


def fingerprint(loss, /):
    """What a checkpoint records of a research-code :class:`Loss` beyond its name (its
    functions by qualified name, its defaults and flags), so that resuming with
    another record is refused."""
    return {"description": loss.description,
            **{name: _name(getattr(loss, name)) for name in (
                "critic", "generator", "summary", "log_ratio", "optimal_critic")},
            "penalty": None if loss.penalty is None else
            [_name(loss.penalty.function), loss.penalty.weight, loss.penalty.at],
            **loss.defaults, "betas": loss.betas and list(loss.betas),
            "options": list(loss.options), "clip": loss.clip,
            "data_units": loss.data_units}


def _betas(betas):
    return "-" if betas is None else f"({betas[0]:g}, {betas[1]:g})"


def defaults_table():
    """The published defaults of :data:`LOSSES` as a reStructuredText table."""
    rows = [("loss", "optimiser", "lr", "betas", "n_critic", "batch", "fields")]
    rows += [(f"``{loss.name}``", loss.optimizer, f"{loss.lr:g}", _betas(loss.betas),
              str(loss.n_critic), str(loss.batch_size),
              ", ".join(f"``{f}``" for f in loss.fields) or "-")
             for loss in LOSSES.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule, "  ".join(c.ljust(w) for c, w in zip(rows[0], widths)).rstrip(), rule]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows[1:]]
    return "\n".join([*lines, rule])
