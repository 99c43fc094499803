"""The training loop's state and its steps: :class:`TrainState`, what a step changes;
:class:`Run`, what stays fixed; and the critic step, the generator step and the
iteration as plain functions of them."""

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import torch

from .data import batches, draws
from .losses import clip_weights, interpolates
from .objectives import Loss, Penalty
from .settings import Settings, decay

__all__ = ["Metrics", "Run", "TrainState", "average_step", "by_group", "critic_step",
           "generator_step", "iteration", "options_of", "penalty_of"]


class Metrics(NamedTuple):
    """What an iteration logs, on the device, one value (or row) per member."""

    loss_d: torch.Tensor  #: the critic's loss at its last step, shape (N,)
    loss_g: torch.Tensor  #: the generator's loss, shape (N,)
    d_real: torch.Tensor  #: the critic's raw outputs on the data, shape (N, m)
    d_fake: torch.Tensor  #: and on generated points, shape (N, m)


@dataclass
class TrainState:
    """What the training loop changes, and so what a checkpoint holds.

    Attributes
    ----------
    step : int
        Generator steps taken.
    generator, discriminator : Stack
        The members' networks (:mod:`gancore.torch.stacking`): each player's
        parameters are the rows of one ``(N, P)`` tensor, ``.flat``.
    average : Stack or None
        The generators' weight averages (None when no member has ``ema``).
    optimisers : dict of str to dict
        ``"generator"`` and ``"discriminator"``: the players' optimiser states
        (:func:`~gancore.torch.updates.optimiser_state`).
    rngs : list of torch.Generator
        One per member: its noise, batch indices and interpolation weights.
    histories : list of dict
        Each member's metrics so far.
    stopped : list
        ``None`` for a live member, ``(step, message)`` for one that went non-finite.
    frozen : dict of int to dict
        A stopped member's parameter rows (keyed as :attr:`flats`) as they were when
        it stopped.
    """

    step: int
    generator: object
    discriminator: object
    average: object
    optimisers: dict
    rngs: list
    histories: list
    stopped: list
    frozen: dict = field(default_factory=dict)

    @property
    def flats(self):
        """The players' ``(N, P)`` parameter tensors by name (the average's too)."""
        nets = {"generator": self.generator, "discriminator": self.discriminator,
                "average": self.average}
        return {name: net.flat for name, net in nets.items() if net is not None}


@dataclass(frozen=True)
class Run:
    """What stays fixed while a population trains.

    Attributes
    ----------
    loss : Loss
        The members' loss record.
    options : dict or None
        The loss's options as its functions take them (per-member ones as columns);
        None where the members differ on one that is not (see ``groups``).
    settings : Settings
        The per-member settings.
    pools : torch.Tensor
        The members' training points, ``(N, n_max, d)``; member i's in its first
        ``sizes[i]`` rows.
    sizes : list of int
    n_critic, batch_size, pack, latent_dim : int
    update : callable
        The optimiser's update of a player's ``(N, P)`` parameters with its gradient.
    fused : bool
        Whether the critic evaluates all of a step's inputs in one pass (a population
        of one, :mod:`gancore.torch.single`) rather than its penalised inputs apart
        (the double backward then runs on their rows only: 1.4x faster at 64 members
        on the CPU).
    penalty : Penalty or None
        The loss's penalty, None when its weight is 0 for every member
        (:func:`penalty_of`).
    penalty_weight : dict
        The penalty function's weight keyword and the members' weights.
    groups : tuple
        Where members differ on a loss option that is not a per-member setting (f-GAN's
        ``divergence``): ``(size, options)`` for each group of members that share
        those options, in order of first appearance, with its options (settings as its
        members' columns); empty otherwise (:func:`options_of`).
    order : tuple of torch.Tensor, or None
        Where the groups interleave, the members in the groups' order and the inverse
        permutation, which puts them back; None otherwise.
    """

    loss: Loss
    options: dict
    settings: Settings
    pools: torch.Tensor
    sizes: list
    n_critic: int
    batch_size: int
    pack: int
    latent_dim: int
    update: Callable
    fused: bool
    penalty: Penalty | None = None
    penalty_weight: dict = field(default_factory=dict)
    groups: tuple = ()
    order: tuple | None = None

    def shared(self, options):
        """``options`` less the per-member settings (what ``summary`` takes)."""
        return {k: v for k, v in options.items() if not hasattr(self.settings, k)}


def options_of(loss, cfgs, settings, device):
    """The loss's options for the members ``cfgs`` (resolved configs), as
    :class:`Run` holds them: ``(options, groups, order)``. A per-member setting is its
    column, another option its value. Where the members differ on one of those, they
    are grouped by them (``groups`` and ``order``, see :class:`Run`) and ``options`` is
    None; otherwise ``groups`` is empty and ``order`` None."""
    keys = [name for name in loss.options if not hasattr(settings, name)]
    columns = {name: settings.column(name) for name in loss.options
               if hasattr(settings, name)}
    found = []                                  # (values, rows), in order of appearance
    for i, cfg in enumerate(cfgs):
        values = [getattr(cfg, name) for name in keys]
        rows = next((rows for other, rows in found if other == values), None)
        if rows is None:
            found.append((values, [i]))
        else:
            rows.append(i)
    if len(found) == 1:
        return {**dict(zip(keys, found[0][0])), **columns}, (), None
    flat = [i for _, rows in found for i in rows]
    order = None
    if flat != sorted(flat):  # interleaved: the settings' columns in the groups' order
        index = torch.tensor(flat, device=device)
        order = (index, torch.argsort(index))
        columns = {name: c.index_select(0, index) if torch.is_tensor(c) else c
                   for name, c in columns.items()}
    groups, start = [], 0
    for values, rows in found:
        span = slice(start, start + len(rows))
        groups.append((len(rows), {**dict(zip(keys, values)), **{
            name: c[span] if torch.is_tensor(c) else c for name, c in columns.items()}}))
        start += len(rows)
    return None, tuple(groups), order


def by_group(run, function, *values, axis=0, shared=False):
    """``function(*values, **options)`` with the members' loss options (``shared``:
    without the per-member settings). Where members differ on an option
    (``run.groups``), once per group on its members' slice of ``values`` along
    ``axis``, the members' axis (taken in the groups' order, and the results put back
    in member order): each member's numbers are those of a population of its group
    alone."""
    if not run.groups:
        return function(*values, **(run.shared(run.options) if shared else run.options))
    if run.order is not None:
        values = [v.index_select(axis, run.order[0]) for v in values]
    sizes = [size for size, _ in run.groups]
    parts = zip(*(v.split(sizes, axis) for v in values))
    out = torch.cat([function(*part, **(run.shared(options) if shared else options))
                     for part, (_, options) in zip(parts, run.groups)], axis)
    return out if run.order is None else out.index_select(axis, run.order[1])


def penalty_of(loss, settings):
    """The penalty a run applies: the loss's, unless its weight is 0 for every member;
    and its weight as the penalty function's keyword (one value per member)."""
    pen = loss.penalty
    if pen is None:
        return None, {}
    weight = getattr(settings, pen.weight)
    if not torch.is_tensor(weight) and weight == 0:
        return None, {}
    return pen, {pen.keyword: settings.column(pen.weight)}


def _descend(state, run, player, loss):
    """One optimiser step of every member down its own loss (a member's gradient of the
    members' sum is the gradient of its own loss)."""
    net = getattr(state, player)
    grads = torch.autograd.grad(loss.sum(), net.param_list)
    members = net.flat.shape[0]  # an int: len() of a tensor costs microseconds a call
    run.update(net.flat, torch.cat([g.reshape(members, -1) for g in grads], 1),
               state.optimisers[player])


def _critic_values(state, run, real, fake, x_hat):
    """The critic's raw outputs on ``real`` and ``fake`` (``(N, m, pack * d)`` each) and
    its penalty (0 without one), computed by the penalty's public function."""
    critic, m, pen = state.discriminator, run.batch_size, run.penalty
    values = {}

    def evaluate(names, penalised=None):  # one pass of D over the named inputs
        inputs = {"real": real, "fake": fake, **({pen.at: penalised} if pen else {})}
        out = critic(torch.cat([inputs[name] for name in names], 1))
        values.update(zip(names, out.split(m, 1)))
        return values.get(pen.at) if pen else None

    if pen is None:
        evaluate(["real", "fake"])
        return values["real"], values["fake"], 0.0
    # the inputs in their pass order: the interpolates last, the data before the fakes
    names = ["real", "fake"] + ([pen.at] if pen.at not in ("real", "fake") else [])
    if not run.fused:
        evaluate([name for name in names if name != pen.at])
    group = names if run.fused else [pen.at]
    if pen.at == "real":
        penalty = pen.function(lambda x: evaluate(group, x), real, **run.penalty_weight)
    else:
        penalty = pen.function(lambda x: evaluate(group, x), real, fake, x_hat=x_hat,
                               **run.penalty_weight)
    return values["real"], values["fake"], penalty


def critic_step(state, run, real, fake, x_hat):
    """One critic step of every member down its loss (plus its penalty; clipped after
    when the loss clips); returns the loss and the critic's outputs on real and fake."""
    d_real, d_fake, penalty = _critic_values(state, run, real, fake, x_hat)
    loss = by_group(run, run.loss.critic, d_real, d_fake)
    if run.penalty is not None:
        loss = loss + penalty
    _descend(state, run, "discriminator", loss)
    if run.loss.clip:
        clip_weights(state.discriminator.flat, run.settings.clip)
    return loss, d_real, d_fake


def generator_step(state, run, fake):
    """One generator step of every member down its loss on D(fake), D held fixed;
    ``fake`` is G's output, still in G's graph."""
    loss = by_group(run, run.loss.generator, state.discriminator(fake))
    _descend(state, run, "generator", loss)
    return loss


def iteration(state, run):
    """One generator step after ``n_critic`` critic steps, for every member; returns the
    :class:`Metrics` of the last critic step and the generator's, on the device.

    The iteration's draws come at once, from each member's stream: the data of all
    ``n_critic`` critic steps, then the noise of those and of the generator's own
    batch (one pass of G, fixed until its step), then the interpolation weights when
    the penalty applies at interpolates. The critic's inputs are packs of ``pack``
    points, ``(N, steps, m, pack * d)``.
    """
    k, m, p = run.n_critic, run.batch_size, run.pack
    members, device = len(state.rngs), run.pools.device
    dtype = run.pools.dtype
    real = batches(run.pools, run.sizes, state.rngs, k * m * p).reshape(members, k, m, -1)
    z = draws(state.rngs, torch.randn, ((k + 1) * m * p, run.latent_dim), device=device,
              dtype=dtype)
    eps = None
    if run.loss.penalty is not None and run.loss.penalty.at == "x_hat":
        eps = draws(state.rngs, torch.rand, (k * m, 1), device=device,
                    dtype=dtype).unflatten(1, (k, m))
    fake = state.generator(z).reshape(members, k + 1, m, -1)
    fixed = fake[:, :k].detach()  # the critic's inputs: G is fixed until its step
    # the interpolates of all k steps at once: four tensor operations an iteration, not
    # four a critic step
    x_hat = None if eps is None else interpolates(real, fixed, eps)
    for i in range(k):
        loss_d, d_real, d_fake = critic_step(state, run, real[:, i], fixed[:, i],
                                             None if x_hat is None else x_hat[:, i])
    loss_g = generator_step(state, run, fake[:, k])
    return Metrics(loss_d.detach(), loss_g.detach(), d_real.detach(), d_fake.detach())


@torch.no_grad()
def average_step(state, run):
    """Move each member's weight average towards its generator, with decay
    ``min(ema, (1 + t) / (10 + t))`` at step t (a warm-up)."""
    if state.average is not None:
        ema = decay(run.settings.ema, state.step)
        state.average.flat.lerp_(state.generator.flat, 1 - ema)
