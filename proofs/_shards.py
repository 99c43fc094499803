"""Sharded runs for the tests and the theory suite: ``world`` gloo processes on
127.0.0.1, each calling :func:`gancore.torch.train` on the same configs, as
``torchrun --nproc-per-node world`` would start them.

This is test scaffolding, not a launcher: users start their processes with
``torchrun`` (the "Scaling out" page). ``GANCORE_SHARDS=W`` makes the population
convergence proofs train through :func:`sharded` on W processes
(:func:`train_population`).
"""

import os
import socket
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

SHARDS = int(os.environ.get("GANCORE_SHARDS", "1"))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, jobs, out, init, timeout, threads):
    """Rank ``rank``'s process: train each job's configs and save, per job, what
    ``train`` returned or raised (its type and message), the warnings it gave, whether
    a process group was left initialised after it and its wall time, to
    ``out/rank<rank>.pt``."""
    import torch

    torch.set_num_threads(threads)
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
                      WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank))
    import torch.distributed as dist

    from gancore.torch import train

    if init == "group":  # the user's own process group (else: torchrun's environment)
        dist.init_process_group("gloo", timeout=timedelta(seconds=timeout))
    outcomes = {"returned": [], "warnings": [], "initialized": [], "seconds": []}
    for configs, kwargs in jobs:
        if init == "group":
            dist.barrier()  # the ranks start each job together
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            try:
                outcomes["returned"].append(train(configs, progress=False, **kwargs))
            except Exception as err:  # noqa: BLE001 - the outcome the test compares
                outcomes["returned"].append((type(err).__name__, str(err)))
            outcomes["seconds"].append(time.perf_counter() - start)
        outcomes["warnings"].append([str(w.message) for w in caught])
        outcomes["initialized"].append(dist.is_initialized())
    if init == "group":
        dist.destroy_process_group()
    torch.save(outcomes, Path(out) / f"rank{rank}.pt")


def sharded(jobs, world, *, init="env", timeout=120, threads=1):
    """Run ``jobs`` (pairs of configs and ``train`` keywords) on ``world`` processes.

    ``init="env"`` leaves the process group to gancore (torchrun's environment),
    ``"group"`` initialises it before ``train``; each process computes on ``threads``
    intra-op threads. Returns each rank's outcomes, a dict of
    lists with an entry per job: ``"returned"``, what ``train`` returned or the ``(type
    name, message)`` it raised; ``"warnings"``, the messages of its warnings;
    ``"initialized"``, whether a process group was initialised after it;
    ``"seconds"``, the wall time of the call (under ``init="group"`` the ranks start
    each job after a barrier).
    ``TimeoutError`` when the processes take longer than ``timeout`` seconds in all
    (they are killed: no process is left behind).
    """
    import torch
    import torch.multiprocessing as mp

    with tempfile.TemporaryDirectory() as out:
        context = mp.start_processes(_worker, args=(world, free_port(), jobs, out, init,
                                                    timeout, threads),
                                     nprocs=world, join=False, start_method="spawn")
        deadline = time.monotonic() + timeout
        try:
            while not context.join(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"{world} processes still ran after {timeout} s")
        finally:
            for process in context.processes:
                if process.is_alive():
                    process.kill()
                process.join()
        return [torch.load(Path(out) / f"rank{r}.pt", weights_only=False)
                for r in range(world)]


def train_population(configs):
    """``gancore.torch.train(configs)``, on ``GANCORE_SHARDS`` processes when it is more
    than 1 (rank 0's result; every rank returns the same)."""
    from gancore.torch import train

    if SHARDS <= 1:
        return train(configs, progress=False)
    outcome = sharded([(configs, {})], SHARDS, timeout=3600)[0]["returned"][0]
    if isinstance(outcome, tuple):
        raise RuntimeError(f"the sharded run raised {outcome[0]}: {outcome[1]}")
    return outcome
