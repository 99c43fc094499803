"""The settings each member of a population sets for itself, as one frozen record.

Its fields are the per-member fields of :class:`~gancore.torch.TrainConfig` (with
``data`` and ``seed``, which give each member its data and random stream): the
population check, :func:`~gancore.torch.sweep`, the CLI and the docs read them here.
"""

from dataclasses import dataclass, fields

import torch

__all__ = ["PER_MEMBER", "Settings", "member_settings"]


@dataclass(frozen=True)
class Settings:
    """Every member's settings, built once per run: each field one value per member,
    shape ``(members, 1)``.

    A weight (``gp_lambda``, ``r1_gamma``, ``value_penalty``) that is 0 for every
    member is the number 0 instead, so that the loss skips the term it weights; a
    population of one has numbers throughout (:func:`gancore.torch.single.numbers`).
    ``ema=None`` is a decay of 0 (the average is the generator); ``betas`` is None for
    RMSProp.
    """

    lr: object
    betas: object
    clip: object
    gp_lambda: object
    r1_gamma: object
    value_penalty: object
    ema: object

    def column(self, name):
        """Field ``name`` as one value per member, shape ``(members,)`` (or the number),
        the shape of a per-member loss."""
        value = getattr(self, name)
        return value[:, 0] if torch.is_tensor(value) else value


_WEIGHTS = ("gp_lambda", "r1_gamma", "value_penalty")
PER_MEMBER = ("data", "seed", *(f.name for f in fields(Settings)))


def member_settings(cfgs, *, device, dtype, members=None):
    """The :class:`Settings` of the resolved configs ``cfgs`` (a population), for its
    ``members`` (a range, default all: a shard's): which weights are numbers is the
    population's choice."""
    rows = slice(None) if members is None else slice(members.start, members.stop)

    def values(name, index=None):
        raw = [getattr(c, name) if index is None else getattr(c, name)[index] for c in cfgs]
        raw = [0.0 if v is None else float(v) for v in raw]
        if name in _WEIGHTS and not any(raw):
            return raw[0]
        return torch.tensor(raw[rows], device=device, dtype=dtype).unsqueeze(1)

    betas = (None if cfgs[0].betas is None else (values("betas", 0), values("betas", 1)))
    return Settings(lr=values("lr"), betas=betas, clip=values("clip"),
                    gp_lambda=values("gp_lambda"), r1_gamma=values("r1_gamma"),
                    value_penalty=values("value_penalty"), ema=values("ema"))


def decay(ema, step):
    """The weight average's decay at ``step``: ``min(ema, (1 + step) / (10 + step))``
    (a warm-up), for a number or a column of them."""
    warm = (1 + step) / (10 + step)
    return torch.clamp(ema, max=warm) if torch.is_tensor(ema) else min(ema, warm)
