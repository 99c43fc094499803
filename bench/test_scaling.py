"""Scaling out: GAN-steps per second of a population trained by one process and sharded
over processes with ``torch.distributed`` (gloo on 127.0.0.1).

Three set-ups on the CPU: one process on one thread, one process on two threads, and
two processes on one thread each; on a GPU machine, one GPU and every GPU of the node
at 4096 members per GPU. Every set-up runs in freshly started processes
(``proofs/_shards.py``), each round after a barrier; a round's time is the slowest
rank's wall time of ``train`` (set-up, training, the ranks' check-ins and the gathering
of every member's result included), and the benchmark records the median over rounds
after one warm-up round. A GAN-step is one member's generator step with its critic
step.
"""

import statistics

import pytest

import gancore
from conftest import smoke
from proofs._shards import sharded

DATA = gancore.Normal(3.0, 0.5)
STEPS = 50
ROUNDS = 3
# (processes, threads per process) on the CPU
SETUPS = {"1 process, 1 thread": (1, 1), "1 process, 2 threads": (1, 2),
          "2 processes, 1 thread each": (2, 1)}


def _configs(members, steps, device):
    from gancore.torch import TrainConfig, sweep

    return sweep(TrainConfig(loss="nonsaturating", data=DATA, steps=steps, device=device,
                             data_pool=2**14, eval_samples=1000, eval_every=10**9),
                 seed=range(members))


def _measure(benchmark, request, members, world, threads, device, where, name):
    smoking = smoke(request.config)
    steps, rounds = (3, 1) if smoking else (STEPS, ROUNDS)
    jobs = [(_configs(members, steps, device), {})] * (rounds + 1)
    seconds = []

    def session():
        outcomes = sharded(jobs, world, init="group", timeout=3000, threads=threads)
        for rank in outcomes:
            for returned in rank["returned"]:
                assert not isinstance(returned, tuple), returned
        # a round lasts as long as its slowest rank; the first round warms up
        seconds[:] = [max(r["seconds"][i] for r in outcomes) for i in range(1, rounds + 1)]

    benchmark.pedantic(session, rounds=1, iterations=1)
    benchmark.group = "scaling out"
    median = statistics.median(seconds)
    benchmark.extra_info.update(op="scaling", n=members, namespace=where, dtype="float32",
                                role="gancore", name=name, members=members, steps=steps,
                                processes=world, threads=threads, seconds=seconds,
                                inner_median=median, rate=members * steps / median)


@pytest.mark.parametrize("setup", list(SETUPS))
@pytest.mark.parametrize("members", [64, 256, 1024])
def test_scaling_on_the_cpu(benchmark, request, members, setup):
    if smoke(request.config) and members > 64:
        pytest.skip("smoke runs check the smallest population only")
    world, threads = SETUPS[setup]
    _measure(benchmark, request, members, world, threads, "cpu", "torch", setup)


@pytest.mark.parametrize("gpus", ["1 GPU", "every GPU"])
def test_scaling_on_gpus(benchmark, request, gpus):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    world = 1 if gpus == "1 GPU" else torch.cuda.device_count()
    members = (64 if smoke(request.config) else 4096) * world
    _measure(benchmark, request, members, world, 1, "cuda", "torch_cuda",
             f"{world} GPU{'s' * (world > 1)}")
