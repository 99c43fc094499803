"""The members' networks, built from their configs and stacked."""

import copy

import torch
from torch import nn

from .models import Affine, discriminator, generator
from .stacking import stack

__all__ = ["build_networks"]


def build_networks(cfgs, pools, device, dtype):
    """The members' generators, discriminators and generator averages, each stacked.

    Member i's networks are built with torch's global RNG seeded with its seed (and
    restored after), in the data's units when ``standardize``: the generator's output
    mapped by ``shift + scale * .`` and the discriminator's input by
    ``(. - shift) / scale``, with the member's data mean and standard deviation (for
    each of a pack's ``pack`` samples); a
    Wasserstein critic's output is multiplied by the mean scale (its values are
    distances)."""
    gens, discs = [], []
    for cfg, pool in zip(cfgs, pools):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            g = (cfg.generator() if cfg.generator else
                 generator(cfg.dim, latent_dim=cfg.latent_dim, widths=tuple(cfg.widths),
                           activation=cfg.activation))
            d = (cfg.discriminator() if cfg.discriminator else
                 discriminator(cfg.dim * cfg.pack, widths=tuple(cfg.widths),
                               activation=cfg.activation))
        for name, net in (("generator", g), ("discriminator", d)):
            if not isinstance(net, nn.Module):
                raise TypeError(f"{name}() must return a torch.nn.Module; got "
                                f"{type(net).__name__}")
        # a Sequential's layers are spliced in (fewer module calls per step); the
        # discriminator's (n, 1) logits become (n,)
        g_layers, d_layers = _layers(g), _layers(d)
        last = d_layers[-1]
        if not (isinstance(last, nn.Flatten) and (last.start_dim, last.end_dim) == (0, -1)):
            d_layers.append(nn.Flatten(0))
        if cfg.standardize:
            shift, std = pool.mean(0), pool.std(0)
            scale = torch.where(std > 0, std, torch.ones_like(std))
            g_layers.append(Affine(shift, scale, inverse=True))
            d_layers.insert(0, Affine(shift.repeat(cfg.pack), scale.repeat(cfg.pack)))
            if cfg.loss in ("wgan", "wgan-gp"):
                d_layers.append(Affine(0.0, scale.mean(), inverse=True))
        g, d = (nn.Sequential(*layers).to(device, dtype) for layers in (g_layers, d_layers))
        _check_output(g, d, cfg, device, dtype)
        if cfg.loss == "wgan":
            with torch.no_grad():
                for p in d.parameters():
                    p.clamp_(-cfg.clip, cfg.clip)
        gens.append(g)
        discs.append(d)
    average = (stack([copy.deepcopy(g).requires_grad_(False) for g in gens])
               if any(c.ema is not None for c in cfgs) else None)
    return stack(gens), stack(discs), average


def _layers(net):
    """``net``'s layers if it is a Sequential, else ``[net]``."""
    return list(net) if isinstance(net, nn.Sequential) else [net]


def _check_output(g, d, cfg, device, dtype):
    """``ValueError`` unless the generator maps (n, latent_dim) to (n, d) and the
    discriminator (n, pack * d) to (n,) logits, tried on n = 3 (packs of) points."""
    p = cfg.pack
    with torch.no_grad():
        x = g(torch.zeros(3 * p, cfg.latent_dim, device=device, dtype=dtype))
        if tuple(x.shape) != (3 * p, cfg.dim):
            raise ValueError(f"generator must map (n, latent_dim={cfg.latent_dim}) to "
                             f"(n, {cfg.dim}) points; on {3 * p} noise vectors it returned "
                             f"shape {tuple(x.shape)}")
        inputs = "points" if p == 1 else f"packs of {p} points"
        try:
            y = d(x.reshape(3, p * cfg.dim))
        except RuntimeError as err:
            raise ValueError(f"discriminator must take (n, {p * cfg.dim}) {inputs}; on 3 "
                             f"inputs it failed: {err}") from None
        if tuple(y.shape) != (3,):
            raise ValueError(f"discriminator must map (n, {p * cfg.dim}) {inputs} to n "
                             f"logits, shape (n,) or (n, 1); on 3 inputs it returned "
                             f"{tuple(y.shape)} after flattening")
