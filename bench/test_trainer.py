"""Training speed: ``gancore.torch.train`` against a tutorial-style loop, and the
closed-form Gaussian GAN.

Each benchmark times a whole run of ``steps`` generator steps (set-up included, which
is under 2% of it), so steps per second is ``steps / median``. Same networks, batch,
loss and optimiser settings on both sides; see ``reference_loop.py`` for the peer.
"""

import statistics
import time

import pytest

import gancore
from conftest import backend, smoke, timed
from reference_loop import reference_train

DATA = gancore.Normal(3.0, 0.5)
STEPS = {"nonsaturating": 500, "wgan-gp": 100}
PAIRS = 9


def _tag(benchmark, op, steps, namespace, role, name):
    benchmark.group = op
    benchmark.extra_info.update(op=op, n=steps, namespace=namespace, dtype="float32",
                                role=role, name=name, steps=steps)


@pytest.mark.parametrize("impl", ["gancore", "gancore graph", "reference"])
@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
@pytest.mark.parametrize("where", ["torch", "torch_cuda"])
def test_trainer(benchmark, request, loss, impl, where):
    from gancore.torch import TrainConfig, train

    _, sync = backend(where)
    if impl == "gancore graph" and where != "torch_cuda":
        pytest.skip("CUDA graphs run on a GPU only")
    # the smoke run needs steps past the graph's 3 eager warm-up iterations
    steps = 5 if smoke(request.config) else STEPS[loss]
    device = "cuda" if where == "torch_cuda" else "cpu"
    if impl != "reference":
        config = TrainConfig(loss=loss, data=DATA, steps=steps, device=device,
                             cuda_graph=impl == "gancore graph", data_pool=2**16,
                             eval_samples=1000, eval_every=10**9)

        def run():
            return train(config, progress=False).history["loss_g"]
    else:
        def run():
            return reference_train(loss, DATA, steps=steps, device=device)

    _tag(benchmark, f"train {loss}", steps, where,
         "peer" if impl == "reference" else "gancore",
         {"gancore": "gancore.torch.train", "gancore graph": "gancore.torch.train, CUDA graph",
          "reference": "tutorial-style loop"}[impl])
    log = timed(benchmark, run, sync=sync)
    assert len(log) == steps


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_trainer_speedup_in_alternating_runs(benchmark, request, loss):
    """The trainer's speed-up over the tutorial loop on the CPU, from runs that
    alternate: gancore, tutorial loop, gancore, ... (``PAIRS`` pairs after one pair of
    warm-up). Each pair's ratio of times sees one state of the machine; on a shared VM
    whose speed drifts by +-20% over seconds, the ratio of two separately taken medians
    moves as much. The median of the pairs' ratios is the report's CPU target."""
    from gancore.torch import TrainConfig, train

    steps = 5 if smoke(request.config) else STEPS[loss]
    config = TrainConfig(loss=loss, data=DATA, steps=steps, device="cpu", data_pool=2**16,
                         eval_samples=1000, eval_every=10**9)
    ratios = []

    def pair():
        start = time.perf_counter()
        train(config, progress=False)
        middle = time.perf_counter()
        reference_train(loss, DATA, steps=steps, device="cpu")
        ratios.append((time.perf_counter() - middle) / (middle - start))

    pair()  # warm-up
    ratios.clear()
    benchmark.pedantic(pair, rounds=1 if smoke(request.config) else PAIRS, iterations=1)
    benchmark.group = f"train {loss}, alternating"
    benchmark.extra_info.update(op=f"train {loss}", n=steps, namespace="torch",
                                dtype="float32", role="paired", name="alternating runs",
                                ratio=statistics.median(ratios), ratios=ratios)
    assert len(ratios) == (1 if smoke(request.config) else PAIRS)


# members per population: on the CPU against N sequential single runs; on a GPU up to
# 16384 members, against the population of one
POPULATIONS = {"torch": (1, 16, 64, 256), "torch_cuda": (1, 16, 64, 256, 1024, 4096, 16384)}
POPULATION_STEPS = 50


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("members", sorted(set(sum(POPULATIONS.values(), ()))))
@pytest.mark.parametrize("where", ["torch", "torch_cuda"])
def test_population(benchmark, request, where, members, threads):
    """GAN-steps per second of a population of the non-saturating GAN (one member per
    seed) trained as one run, on one and on two intra-op threads (the caller's setting
    is restored after)."""
    import torch

    from gancore.torch import TrainConfig, sweep, train

    _, sync = backend(where)
    if members not in POPULATIONS[where] or (where == "torch_cuda" and threads == 2):
        pytest.skip("not a measured combination")
    if smoke(request.config) and members > 16:
        pytest.skip("smoke runs check the small populations only")
    steps = 5 if smoke(request.config) else POPULATION_STEPS
    configs = sweep(TrainConfig(loss="nonsaturating", data=DATA, steps=steps,
                                device="cuda" if where == "torch_cuda" else "cpu",
                                data_pool=2**14, eval_samples=1000, eval_every=10**9),
                    seed=range(members))
    _tag(benchmark, "population nonsaturating", steps, where, "gancore",
         f"{members} members, {threads} thread{'s' * (threads > 1)}")
    benchmark.extra_info.update(members=members, threads=threads)
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        result = timed(benchmark, lambda: train(configs, progress=False), sync=sync)
    finally:
        torch.set_num_threads(previous)
    assert len(result) == members


@pytest.mark.parametrize("dim", [1, 2])
def test_gaussian_gan(benchmark, request, dim, namespace):
    xp, sync = backend(namespace)
    steps = 5 if smoke(request.config) else 500
    data = (gancore.Normal(1.0, 2.0) if dim == 1 else
            gancore.MultivariateNormal([1.0, -1.0], [[2.0, 0.6], [0.6, 1.0]]))
    _tag(benchmark, f"gaussian GAN {dim}-D", steps, namespace, "gancore", namespace)
    benchmark.extra_info["dtype"] = "float64"

    def run():
        return gancore.train_gaussian_gan(data, steps=steps, xp=xp, record_every=steps)

    if namespace == "torch_cuda":  # the trainer makes its arrays on the default device
        import torch

        with torch.device("cuda"):
            result = timed(benchmark, run, sync=sync)
    else:
        result = timed(benchmark, run, sync=sync)
    assert len(result.history["step"]) >= 1
