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
from .checkpoint import RunState, restore_state, save_state
from .config import (RESUMABLE, TrainConfig, column, minimum, per_member, record,
                     resolve_population)
from .data import batches, draws, member_data
from .evaluate import evaluate_members
from .graphs import graphed
from .losses import gradient_norm_penalty
from .monitor import METRICS, flush, freeze
from .networks import build_networks
from .objectives import objective
from .results import PopulationResult, TrainResult, member_results
from .updates import adam_update, optimiser_state, rmsprop_update

__all__ = ["PopulationResult", "TrainResult", "train"]


def train(config, /, *, resume=None, progress=None):
    """Train a GAN, or a population of GANs as one run; see :class:`TrainConfig`.

    Each generator step follows ``n_critic`` steps on the discriminator (critic):

    - ``"minimax"``, ``"nonsaturating"``: D minimises :func:`discriminator_loss`
      (+ the R1 penalty :func:`r1_penalty` when ``r1_gamma > 0``); G minimises
      :func:`minimax_generator_loss` or :func:`nonsaturating_generator_loss`.
    - ``"wgan"``: the critic minimises :func:`critic_loss` with RMSProp and is clipped
      to ``[-clip, clip]`` after every step; G minimises
      :func:`wasserstein_generator_loss`.
    - ``"wgan-gp"``: the critic minimises :func:`critic_loss` plus the gradient
      penalty (:func:`gradient_penalty`); G as for WGAN.
    - ``"f-gan"``: the critic minimises :func:`f_gan_critic_loss` (+ R1 on its value
      v when ``r1_gamma > 0``); G minimises :func:`f_gan_generator_loss`; both with
      the values' penalty when ``value_penalty > 0``.

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
    cfg, members = cfgs[0], len(cfgs)  # the fields every member shares; how many
    if progress is not None:
        boolean("progress", progress)
    if resume is not None and not isinstance(resume, (str, os.PathLike)):
        raise TypeError(f"resume must be a path or None; got {type(resume).__name__}")
    device, dtype = _device(cfg.device), getattr(torch, cfg.dtype)
    if cfg.cuda_graph and device.type != "cuda":
        raise ValueError(f"cuda_graph=True needs a CUDA device; device is {device.type!r}")

    data = [member_data(c, device, dtype) for c in cfgs]
    sizes = [len(pool) for pool, _ in data]
    pools = nn.utils.rnn.pad_sequence([pool for pool, _ in data], batch_first=True)
    G, D, A = build_networks(cfgs, [pool for pool, _ in data], device, dtype)
    setting = partial(per_member, cfgs, device=device, dtype=dtype)
    lr, clip, ema = setting("lr"), setting("clip"), setting("ema")
    update = (partial(rmsprop_update, lr=lr) if cfg.optimizer == "rmsprop" else
              partial(adam_update, lr=lr, betas=(setting("betas", 0), setting("betas", 1))))
    obj = objective(cfgs, setting)
    penalty_weight = obj.penalty and obj.penalty.factor * column(setting(obj.penalty.weight))
    state = RunState(step=0, flats={"generator": G.flat, "discriminator": D.flat,
                                    **({"average": A.flat} if A else {})},
                     optimisers={"generator": optimiser_state(G.flat),
                                 "discriminator": optimiser_state(D.flat)},
                     rngs=[torch.Generator(device).manual_seed(c.seed) for c in cfgs],
                     histories=[{k: [] for k in ("step", *METRICS, "eval_step", "w1", "jsd")}
                                for _ in cfgs], stopped=[None] * len(cfgs))
    records = [record(c, device) for c in cfgs]
    last_saved = None
    if resume is not None:
        restore_state(resume, state, records, RESUMABLE, device=device)
        last_saved = (state.step, resume)
    k, m, p = cfg.n_critic, cfg.batch_size, cfg.pack
    at = obj.penalty and obj.penalty.at  # the critic inputs whose gradient is penalised
    interpolate = at == "x_hat"  # WGAN-GP's interpolates
    # D's passes per critic step: one GAN evaluates all its inputs in one (fewer module
    # calls); a population passes the penalised ones apart, so that the double backward
    # runs on their m rows only (1.4x faster at 64 members on the CPU)
    names = ["real", "fake", "x_hat"] if interpolate else ["real", "fake"]
    passes = [names] if members == 1 or not at else [[n for n in names if n != at], [at]]

    def packed(x, steps):  # (members, steps * m * p, d) as (members, steps, m, p * d)
        return x.reshape(members, steps, m, -1)

    def noise(*shape):  # N(0, 1) draws of ``shape`` per member, from its own generator
        return draws(state.rngs, torch.randn, shape, device=device, dtype=dtype)

    def uniform(*shape):  # U[0, 1) draws likewise
        return draws(state.rngs, torch.rand, shape, device=device, dtype=dtype)

    params = {"generator": G.param_list, "discriminator": D.param_list}  # fixed views

    def descend(net, loss, player):
        """One optimiser step of every member down its own loss (a member's gradient
        of the members' sum is the gradient of its own loss)."""
        grads = torch.autograd.grad(loss.sum(), params[player])
        update(net.flat, torch.cat([g.reshape(members, -1) for g in grads], 1),
               state.optimisers[player])

    def iteration():
        """One generator step after ``n_critic`` critic steps, for every member; returns
        what the step logs (losses, D's outputs on real and on fake), on the device."""
        # the iteration's draws at once: the batches of all n_critic critic steps and
        # the generator's own batch in one generator pass (G is fixed until its step);
        # D's inputs are packs of p samples, (members, steps, m, p * d)
        real = packed(batches(pools, sizes, state.rngs, k * m * p), k)
        z = noise((k + 1) * m * p, cfg.latent_dim)
        if interpolate:
            eps = uniform(k * m, 1).unflatten(1, (k, m))
        fake_all = packed(G(z), k + 1)
        fake, fake_g = fake_all[:, :k].detach(), fake_all[:, k]

        # -- critic: n_critic steps down  L_D(D) [+ weight * mean (||grad D|| - t)^2 at the
        #    data (R1, t = 0) or at x_hat = eps x + (1 - eps) G(z) (WGAN-GP, t = 1)];
        #    WGAN clips the weights to [-c, c] after each step
        inputs = {"real": real, "fake": fake}
        if interpolate:
            inputs["x_hat"] = eps * real + (1 - eps) * fake
        for i in range(k):
            d = {}
            for group in passes:  # each D(x) depends on its own x alone
                x = torch.cat([inputs[name][:, i] for name in group], 1)
                d.update(zip(group, D(x.requires_grad_(at in group)).split(m, 1)))
                if at in group:  # the gradient of the sum is each input's gradient
                    (grad,) = torch.autograd.grad(d[at].sum(), x, create_graph=True)
                    grad = grad.split(m, 1)[group.index(at)]
            loss_d = obj.critic(d["real"], d["fake"])
            if at:
                loss_d = loss_d + gradient_norm_penalty(grad, penalty_weight,
                                                        target=obj.penalty.target)
            descend(D, loss_d, "discriminator")
            if obj.clip:
                with torch.no_grad():
                    D.flat.clamp_(-clip, clip)

        # -- generator: one step down  L_G(G) = objective of D(G(z)), D held fixed
        loss_g = obj.generator(D(fake_g))
        descend(G, loss_g, "generator")
        return loss_d.detach(), loss_g.detach(), d["real"].detach(), d["fake"].detach()

    run = graphed(iteration, state.rngs, device) if cfg.cuda_graph else iteration
    show = sys.stderr.isatty() if progress is None else progress
    from tqdm.auto import tqdm
    bar = tqdm(total=cfg.steps, initial=state.step, disable=not show, dynamic_ncols=True,
               desc=cfg.loss if single else f"{cfg.loss} x {members}")
    pending = []
    try:
        while state.step < cfg.steps:
            pending.append(run())
            if A:  # the weight average, warming up as (1 + t) / (10 + t) until ema
                decay = minimum(ema, (1 + state.step) / (10 + state.step))
                with torch.no_grad():
                    A.flat.lerp_(G.flat, 1 - decay)
            state.step += 1
            bar.update(1)
            # -- side concerns: logging, the non-finite guard, evaluation, checkpoints
            done, end = state.step, state.step == cfg.steps
            save = cfg.checkpoint is not None and (done % cfg.checkpoint_every == 0 or end)
            evaluate = done % cfg.eval_every == 0 or end
            if done % cfg.log_every == 0 or end or save or evaluate:
                stopped = flush(pending, obj.summary, start_step=done - len(pending),
                                histories=state.histories, stopped=state.stopped,
                                nets={"generator": G.flat, "discriminator": D.flat})
                pending = []
                freeze(stopped, state, single, last_saved)
                if evaluate:
                    evaluate_members(state, A or G, cfgs, [t for _, t in data],
                                     noise_seed=done)
                history = state.histories[0]
                bar.set_postfix(w1=f"{history['w1'][-1]:.4g}" if history["w1"] else "-")
                if save:
                    save_state(state, records, cfg.checkpoint)
                    last_saved = (done, cfg.checkpoint)
    finally:
        bar.close()
    results = member_results(cfgs, (G, D, A), state)
    return results[0] if single else PopulationResult(results)


def _device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but torch sees no CUDA device")
    return device


