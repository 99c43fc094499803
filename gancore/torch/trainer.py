"""The trainer: :func:`train` one GAN, or a population of GANs as one vectorised run.

The loop in :func:`train` is the algorithm; the rest lives in modules named for what
they hold: the configs (:mod:`.config`), what each loss optimises (:mod:`.objectives`),
the population's networks (:mod:`.networks`, :mod:`.stacking`), its data
(:mod:`.data`), metrics and the non-finite guard (:mod:`.monitor`), checkpoints
(:mod:`.checkpoint`), CUDA graphs (:mod:`.graphs`), evaluation (:mod:`.evaluate`) and
the results (:mod:`.results`).
"""

import os
import sys
from functools import partial

import torch
from torch import nn

from .._arrays import boolean
from . import single
from .checkpoint import checkpoint_state, restore_state, save_checkpoint, save_state
from .config import RESUMABLE, TrainConfig, record
from .population import resolve_population
from .data import member_data
from .evaluate import evaluate_members
from .graphs import graphed
from .monitor import METRICS, flush, freeze, no_member_left
from .networks import build_networks
from .objectives import loss_record
from .results import PopulationResult, TrainResult, member_results
from .settings import member_settings
from .sharding import (check_in, describe_ranks, gather_checkpoint, gather_results,
                       sharding)
from .steps import (Run, TrainState, average_step, by_group, iteration, options_of,
                    penalty_of)
from .updates import adam_update, optimiser_state, rmsprop_update

__all__ = ["PopulationResult", "TrainResult", "train"]


def train(config, /, *, resume=None, progress=None):
    """Train a GAN, or a population of GANs as one run; see :class:`TrainConfig`.

    Each generator step follows ``n_critic`` steps on the discriminator (critic), each
    down the loss record's ``critic`` loss plus its penalty where its weight is not 0
    (:func:`gradient_penalty` at interpolates, :func:`r1_penalty` at the data), its
    weights clipped after each step where the loss clips (:func:`clip_weights`); the
    generator's step goes down its ``generator`` loss. The records are the table
    :data:`~gancore.torch.LOSSES` (or research code's own :class:`Loss`); the loop
    is :mod:`gancore.torch.steps`.

    A population's members are trained together: their networks are rows of stacked
    parameters (:mod:`gancore.torch.stacking`), each member with its own data, seed
    and settings, and no member's numbers touch another's. Each member's noise,
    batch indices and penalty weights come from its own ``torch.Generator`` seeded
    with its ``seed``. Adam and RMSProp (with ``torch.optim``'s arithmetic) update
    each player's parameters as one ``(members, P)`` tensor. On the CPU the same
    configs give the same run, bit for bit, and one config trains exactly as a
    population of one.

    Called in every process of a ``torch.distributed`` job (an initialised process
    group, or ``torchrun``'s environment with none yet, when gancore makes a gloo group
    and destroys it after), ``train`` shards the population: each rank trains a
    contiguous block of the members (the first ``N % W`` ranks one more; ranks beyond
    N idle, and rank 0 warns of them) as one run on its own device
    (``cuda:LOCAL_RANK`` for ``device="auto"`` or ``"cuda"`` where CUDA is present,
    else the CPU). The ranks meet at the run's boundaries: a failure on one rank ends
    every rank there with its error, prefixed ``rank r of W (members a-b):``; rank 0
    writes the whole population's checkpoint, the file one process writes, so a run
    resumes on any number of processes. **Every rank returns the whole result**, in the
    configs' order, so that the code after ``train`` runs alike on every rank; write
    files from rank 0. On the CPU a sharded run equals the one-process run bit for bit.
    See the "Scaling out" page.

    Parameters
    ----------
    config : TrainConfig or sequence of TrainConfig
        One run, or a population's members (see :func:`sweep`).
    resume : str or path, optional
        A checkpoint of a run with the same configs (``steps`` and the logging,
        evaluation and checkpoint settings may differ): training continues from it
        and, on the CPU, reaches exactly the state the uninterrupted run reaches.
    progress : bool, optional
        Show a tqdm progress bar; by default only when stderr is a terminal.

    Returns
    -------
    TrainResult for one config, PopulationResult for a sequence.

    Raises
    ------
    ValueError, TypeError
        For a bad config (naming the field), members that disagree on a shared field
        (naming it and two members), networks of the wrong output shape, a CUDA device
        that torch does not see, or ``cuda_graph=True`` on the CPU.
    FloatingPointError
        When a loss, a D output or a parameter stops being finite, detected at the next
        ``log_every`` boundary, before any checkpoint is written. One run stops there,
        naming the step and the quantity; in a population that member is frozen
        (its result's ``stopped`` says where and why) and the error comes only when
        no member is left.
    """
    single = isinstance(config, TrainConfig)
    cfgs = resolve_population([config] if single else config, "config")
    if progress is not None:
        boolean("progress", progress)
    if resume is not None and not isinstance(resume, (str, os.PathLike)):
        raise TypeError(f"resume must be a path or None; got {type(resume).__name__}")
    with sharding(len(cfgs)) as shard:
        device = _device(cfgs[0].device, shard)
        try:
            state = _train(cfgs, single, shard, device, resume, progress)
            if shard is not None:
                check_in(shard)  # a failure after the last boundary ends every rank too
        except Exception as err:
            if shard is None or getattr(err, "reported", False):
                raise
            check_in(shard, failure=err)  # raises it, naming this rank, on every rank
        results = (member_results(cfgs, state) if shard is None else
                   gather_results(shard, state, cfgs, device))
    return results[0] if single else PopulationResult(results)


def _train(cfgs, single, shard, device, resume, progress):
    """Train this process's members of the population ``cfgs`` (all of them, or a
    shard's) on ``device``; their final state (None on an idle rank)."""
    cfg, members = cfgs[0], range(len(cfgs)) if shard is None else shard.members
    records, state, start = [record(c, device) for c in cfgs], None, 0
    if members:
        state, run, targets = _setup(cfgs, members, device)
        if resume is not None:
            restore_state(resume, state, records, RESUMABLE, device=device, members=members)
        start = state.step
    if shard is not None:  # an idle rank learns where a resumed run starts
        _, start, _ = check_in(shard, alive=len(members), step=start)
    last_saved = None if resume is None else (start, resume)
    if not members:  # an idle rank meets the others at every boundary
        for done, save, _ in boundaries(cfg, start):
            _meet(shard, None, records, cfg.checkpoint if save else None, last_saved)
            last_saved = (done, cfg.checkpoint) if save else last_saved
        return None
    step = partial(iteration, state, run)
    if cfg.cuda_graph:
        step = graphed(step, state.rngs, device)
    from tqdm.auto import tqdm
    bar = tqdm(total=cfg.steps, initial=state.step, dynamic_ncols=True,
               disable=not (sys.stderr.isatty() if progress is None else progress) or (
                   shard is not None and shard.rank != 0),
               desc=run.loss.name if single else f"{run.loss.name} x {len(cfgs)}")
    pending = []
    with bar:
        for done, save, evaluate in boundaries(cfg, state.step):
            while state.step < done:
                pending.append(step())
                average_step(state, run)
                state.step += 1
                bar.update(1)
            # -- side concerns: logging, the non-finite guard, evaluation, checkpoints
            stopped = flush(pending, partial(by_group, run, run.loss.summary, axis=-2,
                                             shared=True),
                            start_step=done - len(pending), histories=state.histories,
                            stopped=state.stopped, nets={
                                "generator": state.generator.flat,
                                "discriminator": state.discriminator.flat})
            pending = []
            freeze(stopped, state, single, last_saved)
            if evaluate:
                evaluate_members(state, state.average or state.generator,
                                 [cfgs[i] for i in members], targets, noise_seed=done)
            w1 = state.histories[0]["w1"]
            bar.set_postfix(w1=f"{w1[-1]:.4g}" if w1 else "-")
            _meet(shard, state, records, cfg.checkpoint if save else None, last_saved)
            last_saved = (done, cfg.checkpoint) if save else last_saved
    return state


def boundaries(cfg, start):
    """The run's boundaries after step ``start``: ``(step, save, evaluate)`` for each
    step at which metrics are flushed (every ``log_every`` steps, at evaluations,
    checkpoints and the end), with whether a checkpoint is written and the generators
    evaluated there."""
    for done in range(start + 1, cfg.steps + 1):
        end = done == cfg.steps
        save = cfg.checkpoint is not None and (done % cfg.checkpoint_every == 0 or end)
        evaluate = done % cfg.eval_every == 0 or end
        if done % cfg.log_every == 0 or end or save or evaluate:
            yield done, save, evaluate


def _meet(shard, state, records, path, last_saved):
    """A boundary's last part: ``FloatingPointError`` when no member of the population
    is left, then the checkpoint at ``path`` (None: none here). Sharded, the ranks check
    in (:func:`~gancore.torch.sharding.check_in`) and rank 0 writes the whole
    population's checkpoint; ``state`` is None on an idle rank."""
    live = 0 if state is None else sum(s is None for s in state.stopped)
    if shard is None:
        if not live:
            raise no_member_left(state.stopped, last_saved)
        if path is not None:
            save_state(state, records, path)
        return
    live, _, stopped = check_in(shard, alive=live, stopped=(
        None if state is None or live else state.stopped))
    if not live:  # every rank raises it, naming the ranks and what each held
        error = FloatingPointError(f"{no_member_left(stopped, last_saved)}; on "
                                   f"{describe_ranks(len(records), shard.world)}")
        error.reported = True
        raise error
    if path is not None:
        whole = gather_checkpoint(shard, None if state is None else
                                  checkpoint_state(state, records, start=shard.start))
        if whole is not None:
            save_checkpoint(whole, path)


def _setup(cfgs, members, device):
    """The initial :class:`~gancore.torch.steps.TrainState` of the population ``cfgs``'s
    ``members`` (a range) on ``device``, their fixed :class:`~gancore.torch.steps.Run`,
    and their evaluation targets. What depends on the whole population (which weights
    are numbers, whether there are weight averages, and whether it is a population of
    one, which computes as :mod:`gancore.torch.single` says) is decided on ``cfgs``,
    so that a shard computes as the one-process run does."""
    cfg, mine, alone = cfgs[0], [cfgs[i] for i in members], len(cfgs) == 1
    dtype = getattr(torch, cfg.dtype)
    if cfg.cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device; device is {device.type!r}")
    data = [member_data(c, device, dtype) for c in mine]
    pools = [pool for pool, _ in data]
    G, D, A = build_networks(mine, pools, device, dtype, alone=alone,
                             average=any(c.ema is not None for c in cfgs))
    settings = (single.numbers(cfg) if alone else
                member_settings(cfgs, device=device, dtype=dtype, members=members))
    loss = loss_record(cfg.loss)
    update = (partial(rmsprop_update, lr=settings.lr) if loss.optimizer == "rmsprop" else
              partial(adam_update, lr=settings.lr, betas=settings.betas))
    options, groups, order = options_of(loss, mine, settings, device)
    penalty, weight = penalty_of(loss, settings)
    run = Run(loss=loss, options=options, groups=groups, order=order, settings=settings,
              penalty=penalty, penalty_weight=weight,
              pools=nn.utils.rnn.pad_sequence(pools, batch_first=True),
              sizes=[len(pool) for pool in pools], n_critic=cfg.n_critic,
              batch_size=cfg.batch_size, pack=cfg.pack, latent_dim=cfg.latent_dim,
              update=update, fused=alone)
    state = TrainState(
        step=0, generator=G, discriminator=D, average=A,
        optimisers={"generator": optimiser_state(G.flat),
                    "discriminator": optimiser_state(D.flat)},
        rngs=[torch.Generator(device).manual_seed(c.seed) for c in mine],
        histories=[{k: [] for k in ("step", *METRICS, "eval_step", "w1", "jsd")}
                   for _ in mine], stopped=[None] * len(mine))
    return state, run, [target for _, target in data]


def _device(name, shard):
    """The device a config names; sharded, ``"auto"`` and ``"cuda"`` are the rank's
    own GPU, ``cuda:LOCAL_RANK``."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and shard is not None:
        name = f"cuda:{shard.local_rank}"
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch sees no CUDA device")
    return device


