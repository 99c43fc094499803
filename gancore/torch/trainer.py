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
from .checkpoint import restore_state, save_state
from .config import RESUMABLE, TrainConfig, record
from .population import resolve_population
from .data import member_data
from .evaluate import evaluate_members
from .graphs import graphed
from .monitor import METRICS, flush, freeze
from .networks import build_networks
from .objectives import loss_record
from .results import PopulationResult, TrainResult, member_results
from .settings import member_settings
from .steps import Run, TrainState, average_step, iteration, penalty_of
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
    cfgs = resolve_population([config] if single else config)
    if progress is not None:
        boolean("progress", progress)
    if resume is not None and not isinstance(resume, (str, os.PathLike)):
        raise TypeError(f"resume must be a path or None; got {type(resume).__name__}")
    state, run, targets = _setup(cfgs)
    cfg, records, last_saved = cfgs[0], [record(c, run.pools.device) for c in cfgs], None
    if resume is not None:
        restore_state(resume, state, records, RESUMABLE, device=run.pools.device)
        last_saved = (state.step, resume)
    step = partial(iteration, state, run)
    if cfg.cuda_graph:
        step = graphed(step, state.rngs, run.pools.device)
    from tqdm.auto import tqdm
    bar = tqdm(total=cfg.steps, initial=state.step, dynamic_ncols=True,
               disable=not (sys.stderr.isatty() if progress is None else progress),
               desc=run.loss.name if single else f"{run.loss.name} x {len(cfgs)}")
    pending = []
    with bar:
        while state.step < cfg.steps:
            pending.append(step())
            average_step(state, run)
            state.step += 1
            bar.update(1)
            # -- side concerns: logging, the non-finite guard, evaluation, checkpoints
            done, end = state.step, state.step == cfg.steps
            save = cfg.checkpoint is not None and (done % cfg.checkpoint_every == 0 or end)
            evaluate = done % cfg.eval_every == 0 or end
            if done % cfg.log_every == 0 or end or save or evaluate:
                stopped = flush(pending, partial(run.loss.summary, **run.shared),
                                start_step=done - len(pending), histories=state.histories,
                                stopped=state.stopped, nets={
                                    "generator": state.generator.flat,
                                    "discriminator": state.discriminator.flat})
                pending = []
                freeze(stopped, state, single, last_saved)
                if evaluate:
                    evaluate_members(state, state.average or state.generator, cfgs,
                                     targets, noise_seed=done)
                w1 = state.histories[0]["w1"]
                bar.set_postfix(w1=f"{w1[-1]:.4g}" if w1 else "-")
                if save:
                    save_state(state, records, cfg.checkpoint)
                    last_saved = (done, cfg.checkpoint)
    results = member_results(cfgs, state)
    return results[0] if single else PopulationResult(results)


def _setup(cfgs):
    """The run's initial :class:`~gancore.torch.steps.TrainState`, its fixed
    :class:`~gancore.torch.steps.Run`, and the members' evaluation targets."""
    cfg = cfgs[0]  # the fields every member shares
    device, dtype = _device(cfg.device), getattr(torch, cfg.dtype)
    if cfg.cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device; device is {device.type!r}")
    data = [member_data(c, device, dtype) for c in cfgs]
    pools = [pool for pool, _ in data]
    G, D, A = build_networks(cfgs, pools, device, dtype)
    settings = member_settings(cfgs, device=device, dtype=dtype)
    loss = loss_record(cfg.loss)
    update = (partial(rmsprop_update, lr=settings.lr) if loss.optimizer == "rmsprop" else
              partial(adam_update, lr=settings.lr, betas=settings.betas))
    options = {name: (settings.column(name) if hasattr(settings, name)
                      else getattr(cfg, name)) for name in loss.options}
    penalty, weight = penalty_of(loss, settings)
    run = Run(loss=loss, options=options, settings=settings, penalty=penalty,
              penalty_weight=weight,
              pools=nn.utils.rnn.pad_sequence(pools, batch_first=True),
              sizes=[len(pool) for pool in pools], n_critic=cfg.n_critic,
              batch_size=cfg.batch_size, pack=cfg.pack, latent_dim=cfg.latent_dim,
              update=update, fused=len(cfgs) == 1)
    state = TrainState(
        step=0, generator=G, discriminator=D, average=A,
        optimisers={"generator": optimiser_state(G.flat),
                    "discriminator": optimiser_state(D.flat)},
        rngs=[torch.Generator(device).manual_seed(c.seed) for c in cfgs],
        histories=[{k: [] for k in ("step", *METRICS, "eval_step", "w1", "jsd")}
                   for _ in cfgs], stopped=[None] * len(cfgs))
    return state, run, [target for _, target in data]


def _device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch sees no CUDA device")
    return device


