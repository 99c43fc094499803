"""The members' networks, built from their configs and stacked."""

import copy

import torch
from torch import nn

from .losses import clip_weights
from .models import Affine, discriminator, generator
from .objectives import loss_record
from .stacking import stack

__all__ = ["build_networks"]


def build_networks(cfgs, pools, device, dtype, *, alone, average):
    """The members' generators, discriminators and generator averages, each stacked.

    Member i's networks are built with torch's global RNG seeded with its seed (and
    restored after), in the data's units when ``standardize``: the generator's output
    mapped by ``shift + scale * .`` and the discriminator's input by
    ``(. - shift) / scale``, with the member's data mean and standard deviation (for
    each of a pack's ``pack`` samples); a critic whose loss has ``data_units`` has its
    output multiplied by the mean scale (its values are distances). The built-in MLPs
    take these maps as arguments (:func:`~gancore.torch.generator`,
    :func:`~gancore.torch.discriminator`); a user's modules get them as layers around
    their own. A loss that clips starts its critics clipped. ``alone`` runs a
    population of one without the member axis (:func:`~gancore.torch.stacking.stack`);
    ``average`` builds the weight averages (the population's choice, for a shard
    too)."""
    loss = loss_record(cfgs[0].loss)
    gens, discs = [], []
    for cfg, pool in zip(cfgs, pools):
        maps = _standard_units(pool, cfg.pack, loss.data_units) if cfg.standardize else {}
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            g = (_wrapped("generator", cfg.generator(), maps, generator=True)
                 if cfg.generator else
                 generator(cfg.dim, latent_dim=cfg.latent_dim, widths=tuple(cfg.widths),
                           activation=cfg.activation, shift=maps.get("shift"),
                           scale=maps.get("scale")))
            d = (_wrapped("discriminator", cfg.discriminator(), maps, generator=False)
                 if cfg.discriminator else
                 discriminator(cfg.dim * cfg.pack, widths=tuple(cfg.widths),
                               activation=cfg.activation, shift=maps.get("packed_shift"),
                               scale=maps.get("packed_scale"),
                               value_scale=maps.get("value_scale")))
        g, d = g.to(device, dtype), d.to(device, dtype)
        _check_output(g, d, cfg, device, dtype)
        if loss.clip:
            clip_weights(d, cfg.clip)
        gens.append(g)
        discs.append(d)
    averages = (stack([copy.deepcopy(g).requires_grad_(False) for g in gens], alone=alone)
                if average else None)
    return stack(gens, alone=alone), stack(discs, alone=alone), averages


def _standard_units(pool, pack, data_units):
    """The data-units maps of a member's training points: its mean and standard
    deviation (1 where a coordinate is constant), repeated for a pack's samples, and
    the critic's value scale when its values are distances."""
    shift, std = pool.mean(0), pool.std(0)
    scale = torch.where(std > 0, std, torch.ones_like(std))
    maps = {"shift": shift, "scale": scale, "packed_shift": shift.repeat(pack),
            "packed_scale": scale.repeat(pack)}
    if data_units:
        maps["value_scale"] = scale.mean()
    return maps


def _wrapped(name, net, maps, *, generator):
    """A user's module as a Sequential (its layers spliced in when it is one: fewer
    module calls per step), between the data-units maps; a discriminator's ``(n, 1)``
    logits become ``(n,)``."""
    if not isinstance(net, nn.Module):
        raise TypeError(f"{name}() must return a torch.nn.Module; got {type(net).__name__}")
    layers = _layers(net)
    if generator:
        if maps:
            layers.append(Affine(maps["shift"], maps["scale"], inverse=True))
        return nn.Sequential(*layers)
    last = layers[-1]
    if not (isinstance(last, nn.Flatten) and (last.start_dim, last.end_dim) == (0, -1)):
        layers.append(nn.Flatten(0))
    if maps:
        layers.insert(0, Affine(maps["packed_shift"], maps["packed_scale"]))
        if "value_scale" in maps:
            layers.append(Affine(0.0, maps["value_scale"], inverse=True))
    return nn.Sequential(*layers)


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
