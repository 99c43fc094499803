"""Populations sharded over processes with ``torch.distributed``.

Inside an initialised process group, or under ``torchrun`` (which sets ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK``) with none yet, :func:`~gancore.torch.train` gives each
rank a contiguous block of the population's members (:func:`blocks`) and trains it as
one vectorised run on the rank's own device. The ranks meet only at the run's
boundaries (every ``log_every`` steps, evaluations and checkpoints), with small
messages on a gloo group: there each rank reports a failure or how many of its members
are still live (:func:`check_in`), rank 0 writes the whole population's checkpoint
(:func:`gather_checkpoint`), and at the end every rank receives every member's result
(:func:`gather_results`). Training itself exchanges nothing: members are independent,
so a sharded run computes, member by member, what the one-process run computes.
"""

import copy
import os
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from .updates import bind_parameters

__all__ = ["Shard", "blocks", "check_in", "gather_checkpoint", "gather_results",
           "process_rank", "sharding"]

_ERRORS = {e.__name__: e for e in (ValueError, TypeError, FloatingPointError,
                                   FileNotFoundError, RuntimeError)}


@dataclass(frozen=True)
class Shard:
    """This process's part of a sharded population.

    Attributes
    ----------
    rank, world : int
        This process's rank and the number of processes.
    local_rank : int
        Its rank on its machine (``LOCAL_RANK``): its GPU where CUDA is present.
    start, stop : int
        Its members are ``range(start, stop)`` of the configs (empty on an idle rank).
    group : torch.distributed.ProcessGroup or None
        The gloo group the ranks meet on (None: the default group, when it is gloo).
    """

    rank: int
    world: int
    local_rank: int
    start: int
    stop: int
    group: object

    @property
    def members(self):
        """The indices of this rank's members in the configs."""
        return range(self.start, self.stop)

    def describe(self):
        """``"rank r of W (members a-b)"``: how errors name a rank."""
        return _describe(self.rank, self.world, self.start, self.stop)


def _describe(rank, world, start, stop):
    held = ("no member" if start == stop else f"member {start}" if stop - start == 1 else
            f"members {start}-{stop - 1}")
    return f"rank {rank} of {world} ({held})"


def describe_ranks(members, world):
    """Every rank with the members it holds, for an error that concerns them all."""
    return ", ".join(_describe(r, world, a, b) for r, (a, b) in enumerate(blocks(members,
                                                                                  world)))


def blocks(members, world):
    """The contiguous blocks ``(start, stop)`` of ``members`` configs over ``world``
    ranks, in rank order: the first ``members % world`` ranks take one member more; with
    fewer members than ranks the last ranks' blocks are empty.

    >>> blocks(7, 3)
    [(0, 3), (3, 5), (5, 7)]
    >>> blocks(2, 3)
    [(0, 1), (1, 2), (2, 2)]
    """
    size, extra = divmod(members, world)
    starts = [r * size + min(r, extra) for r in range(world + 1)]
    return list(zip(starts[:-1], starts[1:]))


def process_rank():
    """This process's rank: the process group's where one is initialised, else
    ``RANK`` from the environment (``torchrun`` sets it), else 0."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    return int(os.environ.get("RANK", "0"))


_STORE = {}  # this process's torchrun rendezvous store and how many groups it made


def _rendezvous():
    """A store for a new process group from torchrun's environment, with the rank and
    world size. The rendezvous store is made once per process and each group gets keys
    of its own in it (a prefix), so that a script may call ``train`` many times: a
    store made anew on the same port for each call can meet the previous group's keys,
    or its closing server."""
    import torch.distributed as dist

    if "store" not in _STORE:
        _STORE["store"], _STORE["rank"], _STORE["world"] = next(dist.rendezvous("env://"))
        _STORE["groups"] = 0
    _STORE["groups"] += 1
    return (dist.PrefixStore(f"gancore/{_STORE['groups']}", _STORE["store"]),
            _STORE["rank"], _STORE["world"])


@contextmanager
def sharding(members):
    """The :class:`Shard` of this process for a population of ``members`` configs, or
    None when it does not run inside ``torch.distributed`` (or runs alone in it).

    Inside an initialised process group gancore uses it (and a gloo subgroup of it for
    its messages when its backend is another); under ``torchrun`` with no group yet it
    initialises a gloo group from the environment and destroys it on exit. It destroys
    only what it created.
    """
    import torch.distributed as dist

    created = False
    if not dist.is_available() or (not dist.is_initialized() and
                                   int(os.environ.get("WORLD_SIZE", "1")) <= 1):
        yield None
        return
    if not dist.is_initialized():
        store, rank, world = _rendezvous()
        dist.init_process_group(backend="gloo", store=store, rank=rank, world_size=world)
        created = True
    group = None
    try:
        world, rank = dist.get_world_size(), dist.get_rank()
        if world == 1:
            yield None
            return
        if dist.get_backend() != "gloo":  # gancore's messages are host objects
            group = dist.new_group(backend="gloo")
        start, stop = blocks(members, world)[rank]
        local = int(os.environ.get("LOCAL_RANK", rank % max(1, torch.cuda.device_count())))
        shard = Shard(rank=rank, world=world, local_rank=local, start=start, stop=stop,
                      group=group)
        if members < world and rank == 0:
            idle = (f"rank {members}" if members == world - 1 else
                    f"ranks {members}-{world - 1}")
            warnings.warn(f"a population of {members} member(s) on {world} ranks: {idle} "
                          "train none and wait for the others", stacklevel=4)
        yield shard
    finally:
        if group is not None:
            dist.destroy_process_group(group)
        if created:
            dist.destroy_process_group()


def check_in(shard, *, alive=0, step=0, stopped=None, failure=None):
    """The ranks' meeting at a boundary of the run: every rank calls it the same number
    of times, and a rank that failed calls it at once with its exception.

    Returns the number of live members over all ranks and the largest ``step``. Raises
    on every rank when any rank reported a failure: the first failing rank's error, of
    its type where it is a ValueError, TypeError, FloatingPointError,
    FileNotFoundError (else RuntimeError), its message prefixed with that rank's
    :meth:`Shard.describe`. A rank whose members all stopped passes their
    ``stopped`` records, from which :func:`~gancore.torch.monitor.no_member_left`
    words the error when no member is left anywhere.
    """
    import torch.distributed as dist

    report = None if failure is None else (type(failure).__name__, str(failure))
    reports = [None] * shard.world
    dist.all_gather_object(reports, (shard.describe(), report, alive, step, stopped),
                           group=shard.group)
    for where, report, *_ in reports:
        if report is not None:
            kind, message = report
            error = _ERRORS.get(kind, RuntimeError)(f"{where}: {message}")
            error.reported = True
            raise error from failure
    return (sum(alive for _, _, alive, _, _ in reports),
            max(step for *_, step, _ in reports),
            [s for *_, records in reports for s in records or []])


def gather_checkpoint(shard, part):
    """Rank 0's whole-population checkpoint from every rank's ``part`` (the dict
    :func:`~gancore.torch.checkpoint.checkpoint_state` makes of its members, None on an
    idle rank): the members' rows and lists joined in rank order, which is the configs'
    order; None on the other ranks."""
    import torch.distributed as dist

    parts = [None] * shard.world if shard.rank == 0 else None
    dist.gather_object(_host(part), parts, dst=0, group=shard.group)
    if shard.rank != 0:
        return None
    parts = [p for p in parts if p is not None]
    whole = dict(parts[0])
    whole["flats"] = {k: torch.cat([p["flats"][k] for p in parts]) for k in whole["flats"]}
    whole["optimisers"] = {
        player: {k: (torch.cat([p["optimisers"][player][k] for p in parts])
                     if k != "step" else v) for k, v in state.items()}
        for player, state in whole["optimisers"].items()}
    for key in ("rngs", "histories", "stopped"):
        whole[key] = [x for p in parts for x in p[key]]
    whole["frozen"] = {k: v for p in parts for k, v in p["frozen"].items()}
    return whole


def _host(value):
    """``value`` with its tensors (in dicts, lists and tuples) copied to the host."""
    if torch.is_tensor(value):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _host(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_host(v) for v in value)
    return value


_NETS = ("generator", "discriminator", "average")


def _structure(module):
    """A copy of ``module`` and its submodules whose parameter, buffer and submodule
    dicts are its own (their tensors still shared until rebound)."""
    new = copy.copy(module)
    new._parameters, new._buffers = dict(module._parameters), dict(module._buffers)
    new._modules = {k: None if c is None else _structure(c) for k, c in module._modules.items()}
    return new


def _network(template, row, buffers):
    """A copy of ``template`` computing with parameters ``row`` (views of it) and
    ``buffers`` (name to tensor)."""
    net = _structure(template)
    bind_parameters(net, row)
    for name, value in buffers.items():
        owner, _, attr = name.rpartition(".")
        net.get_submodule(owner)._buffers[attr] = value
    return net


def _results_part(state):
    """What a rank sends of its members' results: each network's parameter rows (a
    stopped member's as it stopped), stacked buffers and one template module, on the
    host; histories, stop records and the step. A few tensors per network, however many
    members: pickling one module per member cost more than training at 256 members."""
    nets = {name: getattr(state, name) for name in _NETS if getattr(state, name) is not None}
    rows = {name: net.flat.detach().cpu().clone() for name, net in nets.items()}
    for i, frozen in state.frozen.items():
        for name, row in frozen.items():
            rows[name][i] = row.cpu()
    buffers = {name: {k: b.detach().cpu().clone() for k, b in net.buffers.items()}
               for name, net in nets.items()}
    templates = {name: _network(net.modules[0], rows[name][0].clone(),
                                {k: b[0] for k, b in buffers[name].items()})
                 for name, net in nets.items()}
    return {"rows": rows, "buffers": buffers, "templates": templates, "step": state.step,
            "histories": state.histories, "stopped": state.stopped}


def gather_results(shard, state, cfgs, device):
    """Every member's :class:`~gancore.torch.TrainResult` on every rank, in the configs'
    order, from each rank's ``state`` (None on an idle rank), with its config from
    ``cfgs`` and its networks on ``device``, this rank's own."""
    import torch.distributed as dist

    from .results import TrainResult

    parts = [None] * shard.world
    dist.all_gather_object(parts, None if state is None else _results_part(state),
                           group=shard.group)
    results, configs = [], iter(cfgs)
    for part in filter(None, parts):
        rows = {name: r.to(device) for name, r in part["rows"].items()}
        buffers = {name: {k: b.to(device) for k, b in bs.items()}
                   for name, bs in part["buffers"].items()}
        for i, (history, stopped) in enumerate(zip(part["histories"], part["stopped"])):
            config = next(configs)
            nets = {name: _network(part["templates"][name], rows[name][i],
                                   {k: b[i] for k, b in buffers[name].items()})
                    for name in rows if name != "average" or config.ema is not None}
            results.append(TrainResult(config=config, history=history, step=part["step"],
                                       stopped=stopped, average=nets.pop("average", None),
                                       **nets))
    return results
