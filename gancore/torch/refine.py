r"""Sampling a trained GAN with its discriminator: Proposition 1 read backwards.

The discriminator of a GAN loss estimates :math:`D^* = p_{data} / (p_{data} + p_g)`,
so its logit estimates :math:`\log(p_{data} / p_g)` at the generator's draws, and
:func:`gancore.rejection_sample` or :func:`gancore.metropolis_hastings` turn the raw
generator's draws into draws of the data's law, as far as the discriminator is
calibrated. :meth:`TrainResult.sample` calls :func:`refined_sample` with
``refine="rejection"`` or ``"mh"``.
"""

import copy
import dataclasses
import math
from functools import partial
from typing import NamedTuple

import numpy as np
import torch

from .._arrays import positive_int, positive_number
from ..sampling import metropolis_hastings, rejection_sample
from .data import member_data
from .objectives import loss_record
from .settings import PER_MEMBER

__all__ = ["BURN_IN", "CHAIN_STEPS", "REFINEMENTS", "Refined", "calibrate",
           "log_ratio_of_critic", "refined_sample"]

REFINEMENTS = ("rejection", "mh")
BURN_IN = 10_000      # draws whose largest logit starts log M (DRS's burn-in)
CHAIN_STEPS = 100     # proposals per Metropolis-Hastings chain, its start included
_BLOCK = 2**16        # draws evaluated at once
_MOST = 10**8         # draws (or 1000 per pack wanted, if more) rejection may take
_PROBE = 10**6        # draws after which a rate too low for that makes it give up

def log_ratio_of_critic(config):
    r"""The map from the discriminator's raw outputs to its estimate of
    :math:`\log(p_{data} / p_g)`: the loss record's ``log_ratio``, with the config's
    options, for the losses whose optimal critic determines the ratio.

    - ``"minimax"``, ``"nonsaturating"``: the logit itself, since
      :math:`D^* / (1 - D^*) = p_{data} / p_g`.
    - ``"least-squares"``: :math:`D^* = (p - q) / (p + q)`, so
      :math:`\log(p/q) = \log(1 + D) - \log(1 - D)`.
    - ``"f-gan"``: :func:`~gancore.torch.f_gan.f_gan_log_ratio`, from
      :math:`T^* = f'(p/q)`.

    Raises
    ------
    ValueError
        For ``"wgan"``, ``"wgan-gp"`` and ``"hinge"`` (a Kantorovich potential, or a
        critic whose optimum sign(p - q) keeps only the ratio's side of 1) and for
        f-GAN's total variation (likewise).
    """
    loss = loss_record(config.loss)
    why = ("refine needs a discriminator that estimates the density ratio p_data / p_g; "
           f"the critic of loss={loss.name!r}")
    if loss.log_ratio is None:
        raise ValueError(f"{why} does not (its optimum keeps no ratio), so refine is "
                         "refused for it")
    log_ratio = partial(loss.log_ratio, **{name: getattr(config, name)
                                           for name in loss.options
                                           if name not in PER_MEMBER})
    try:  # a loss whose map depends on its options refuses some of them (f-GAN's TV)
        log_ratio(torch.zeros(1))
    except ValueError as err:
        raise ValueError(f"{why} with these options does not: {err}; so refine is "
                         "refused for it") from None
    return log_ratio


class Refined(NamedTuple):
    """What :func:`refined_sample` returns."""

    samples: object  #: the refined draws, shape (n,) in 1-D and (n, dim) otherwise
    rate: float      #: packs kept per pack drawn (rejection) or moves accepted (mh)


def refined_sample(result, n, refine, seed):
    r"""``n`` draws of the raw generator of ``result`` refined with its discriminator,
    and the acceptance rate; see :meth:`gancore.torch.TrainResult.sample`. ``seed`` (an
    int or None) seeds both the generator's noise (a ``torch.Generator``) and the
    acceptance draws (NumPy's ``default_rng``)."""
    cfg = result.config
    log_ratio = log_ratio_of_critic(cfg)
    generator, critic = result.generator, result.discriminator
    param = next(generator.parameters())
    rng = torch.Generator(device=param.device)
    rng.manual_seed(seed) if seed is not None else rng.seed()
    uniforms = np.random.default_rng(seed)
    pack, dim = cfg.pack, cfg.dim

    @torch.no_grad()
    def draw(tuples):
        """``tuples`` packs of ``pack`` draws, shape (tuples, pack * dim), and their
        log-ratio estimates: a pack's logit estimates the sum of its draws' log-ratios,
        so an accepted pack is ``pack`` independent draws of the data."""
        xs, logs = [], []
        for start in range(0, tuples, _BLOCK):
            m = min(_BLOCK, tuples - start)
            z = torch.randn(m * pack, cfg.latent_dim, generator=rng, device=param.device,
                            dtype=param.dtype)
            x = generator(z).reshape(m, pack * dim)
            xs.append(x)
            logs.append(log_ratio(critic(x)))
        return torch.cat(xs), torch.cat(logs)

    wanted = math.ceil(n / pack)
    kept, rate = (_mh(draw, wanted, uniforms) if refine == "mh" else
                  _rejection(draw, wanted, uniforms))
    x = kept.reshape(-1, dim)[:n]
    return Refined(x[:, 0] if dim == 1 else x, rate)


def _rejection(draw, wanted, uniforms):
    """Discriminator rejection sampling's loop: log M is the largest log-ratio of a
    burn-in of :data:`BURN_IN` draws, raised before each later batch to that batch's
    largest; batches are sized from the rate so far, until ``wanted`` are kept. It gives
    up once the rate so far would keep fewer than ``wanted`` in ``max(10^8, 1000
    wanted)`` draws (judged from 10^6 draws on), or when those are spent."""
    _, burn = draw(BURN_IN)
    log_m = float(burn.max())
    kept, count, drawn, batch = [], 0, 0, BURN_IN
    most = max(_MOST, 1000 * wanted)
    while count < wanted:
        if drawn >= most or (drawn >= _PROBE and count * most < wanted * drawn):
            raise RuntimeError(
                f"refine='rejection' kept {count} of {wanted} after {drawn} draws, a rate "
                f"that keeps fewer than {wanted} in {most} (log M = {log_m:.3g}, the "
                "largest logit seen): the discriminator's largest logit is far above its "
                "typical one; refine='mh' needs no M")
        x, logs = draw(batch)
        log_m = max(log_m, float(logs.max()))
        got = rejection_sample(x, logs, log_m=log_m, seed=uniforms)
        kept.append(got.samples)
        count, drawn = count + got.samples.shape[0], drawn + batch
        rate = max(count / drawn, 1e-6)
        batch = int(min(max(BURN_IN, 1.2 * (wanted - count) / rate), 16 * _BLOCK))
    return torch.cat(kept)[:wanted], count / drawn


def _mh(draw, wanted, uniforms):
    """``wanted`` independent Metropolis-Hastings chains of :data:`CHAIN_STEPS`
    proposals each (in blocks of chains); their last states."""
    last, moved = [], 0.0
    per_block = max(1, _BLOCK // CHAIN_STEPS)
    for start in range(0, wanted, per_block):
        chains = min(per_block, wanted - start)
        x, logs = draw(chains * CHAIN_STEPS)
        run = metropolis_hastings(x.reshape(chains, CHAIN_STEPS, -1),
                                  logs.reshape(chains, CHAIN_STEPS), seed=uniforms)
        last.append(run.last)
        moved += float(run.rate) * chains
    return torch.cat(last), moved / wanted


def calibrate(result, /, *, steps=10_000, batch_size=512, lr=1e-4, seed=0):
    r"""The trained GAN with its discriminator trained further against its final raw
    generator, held fixed: discriminator rejection sampling's calibration.

    During training the discriminator chases a moving generator, so its logit
    estimates :math:`\log(p_{data} / p_g)` for generators of past steps. Refinement
    (:meth:`TrainResult.sample` with ``refine``) needs it for the final raw
    generator: this function takes ``steps`` Adam steps (``lr``, betas (0.5, 0.999))
    on a copy of the discriminator, minimising its loss's critic loss (the GAN's
    :func:`discriminator_loss`, or f-GAN's :func:`f_gan_critic_loss` with the
    member's ``value_penalty``; no R1 penalty) on batches of ``batch_size`` data points (the
    member's training pool) and as many draws of the raw generator.

    Parameters
    ----------
    result : TrainResult or PopulationResult
        A trained GAN (or population: every member, one after another) of a loss whose
        critic estimates the ratio (see :meth:`TrainResult.sample`).
    steps, batch_size : int
        Calibration steps and (packs of) points per batch, >= 1.
    lr : float
        Adam's learning rate, > 0.
    seed : int
        Seeds the batches and the generator's noise (member i uses ``seed + i``).

    Returns
    -------
    TrainResult or PopulationResult
        Like ``result``, whose networks it shares but for the new discriminators;
        ``result`` is unchanged.

    Examples
    --------
    >>> import gancore
    >>> from gancore.torch import TrainConfig, calibrate, train
    >>> run = train(TrainConfig(data=gancore.Normal(1.0, 0.5), steps=200, widths=(16,)),
    ...             progress=False)
    >>> calibrated = calibrate(run, steps=100)
    >>> calibrated.discriminator is run.discriminator, calibrated.generator is run.generator
    (False, True)
    >>> calibrated.sample(1000, seed=0, refine="rejection").shape
    torch.Size([1000])
    """
    from .results import PopulationResult, TrainResult

    steps, batch = positive_int("steps", steps), positive_int("batch_size", batch_size)
    lr = positive_number("lr", lr)
    seed = positive_int("seed", seed, least=0)
    if isinstance(result, PopulationResult):
        return PopulationResult([calibrate(member, steps=steps, batch_size=batch, lr=lr,
                                           seed=seed + i) for i, member in enumerate(result)])
    if not isinstance(result, TrainResult):
        raise TypeError(f"result must be a TrainResult or PopulationResult; got "
                        f"{type(result).__name__}")
    cfg = result.config
    log_ratio_of_critic(cfg)  # refuses the critics that estimate no ratio
    loss = loss_record(cfg.loss)
    critic_loss = partial(loss.critic, **{name: getattr(cfg, name) for name in loss.options})
    critic = copy.deepcopy(result.discriminator)
    trainable = [p.requires_grad for p in critic.parameters()]
    critic.requires_grad_(True)
    param = next(critic.parameters())
    pool, _ = member_data(cfg, param.device, param.dtype)
    rng = torch.Generator(device=param.device)
    rng.manual_seed(seed)
    optimiser = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.999))
    packed = batch * cfg.pack
    for _ in range(steps):
        real = pool[torch.randint(pool.shape[0], (packed,), generator=rng,
                                  device=param.device)].reshape(batch, -1)
        with torch.no_grad():
            fake = result.generator(torch.randn(packed, cfg.latent_dim, generator=rng,
                                                device=param.device, dtype=param.dtype))
        loss = critic_loss(critic(real), critic(fake.reshape(batch, -1)))
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
    for p, was in zip(critic.parameters(), trainable):
        p.requires_grad_(was)
    return dataclasses.replace(result, discriminator=critic)
