"""Populations sharded over torch.distributed ranks: 2 and 3 gloo processes on
127.0.0.1 train the same configs as one process does, bit for bit, resume each
other's checkpoints, and fail together with an error naming the rank."""

import os
from dataclasses import replace

import numpy as np
import pytest

import gancore

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gancore.torch import LOSSES, TrainConfig, train  # noqa: E402
from gancore.torch.checkpoint import load_checkpoint  # noqa: E402
from gancore.torch.sharding import blocks  # noqa: E402
from proofs._shards import sharded  # noqa: E402

SMALL = dict(widths=(16,), latent_dim=2, data_pool=4096, eval_samples=300, log_every=3,
             eval_every=4, steps=8)
LOSS_FIELDS = {name for loss in LOSSES.values() for name in loss.fields}


class Odd(nn.Module):
    """A user's critic that is not a Sequential (it trains through torch.func)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(1, 8), nn.Linear(8, 1)

    def forward(self, x):
        return self.b(torch.tanh(self.a(x)))


def nan_at_seed_3():
    """A user's critic whose member of seed 3 starts with a NaN weight: that member
    goes non-finite at its first step (the trainer seeds torch with the member's seed
    before calling the factory)."""
    net = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 1))
    if torch.initial_seed() in (3, 103):
        with torch.no_grad():
            net[0].weight[0, 0] = float("nan")
    return net


def nan_always():
    net = nan_at_seed_3()
    with torch.no_grad():
        net[0].weight[0, 0] = float("nan")
    return net


def fails_at_seed_3():
    """A user's generator whose factory raises for the member of seed 3 only."""
    if torch.initial_seed() == 3:
        raise RuntimeError("the factory failed for seed 3")
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))


# values of the loss options members may differ on, member i taking its i % 3rd
OPTIONS = {"divergence": ("gan", "kl", "pearson"),
           "codes": ((-1.0, 1.0, 0.0), (0.0, 1.0, 1.0), (-1.0, 1.0, 0.0))}


def _population(loss, n=5, **fields):
    """``n`` members that differ in every per-member field their loss accepts, and in
    its options (interleaved: members 0 and 3 share theirs)."""
    base = TrainConfig(loss=loss, **{**SMALL, **fields})
    own = {k: v for k, v in dict(clip=0.05, gp_lambda=0.05, r1_gamma=1.0,
                                 value_penalty=0.1).items()
           if k in LOSSES[loss].fields}
    return [replace(base, seed=i, lr=(1e-4, 2e-4, 3e-4)[i % 3],
                    data=gancore.Normal(i - 2.0, 1.0 + i / 2),
                    ema=None if i == 2 else 0.999, **(own if i % 2 else {}),
                    **{k: OPTIONS[k][i % 3] for k in LOSSES[loss].options if k in OPTIONS})
            for i in range(n)]


def _samples(n):
    rng = np.random.default_rng(7)
    return [replace(TrainConfig(**SMALL), seed=i, data=rng.normal(i, 1.0, size=400 + 50 * i))
            for i in range(n)]


def _jobs(tmp):
    """Named ``(configs, train keywords)`` for one sharded session, and the configs of
    the one-process references."""
    jobs = {f"loss {loss}": (_population(loss), {}) for loss in LOSSES}
    jobs.update({
        "one member": ([TrainConfig(**SMALL)], {}),
        "two members": (_population("nonsaturating", 2), {}),
        "samples": (_samples(5), {}),
        "user module": ([replace(c, discriminator=Odd) for c in _population("wgan-gp")], {}),
        "diverges": ([replace(c, discriminator=nan_at_seed_3)
                      for c in _population("nonsaturating")], {}),
        "bad data": ([replace(c, data=np.full(500, 1e39) if c.seed == 3 else c.data)
                      for c in _samples(5)], {}),
        "raises": ([replace(c, generator=fails_at_seed_3) for c in _population("hinge")], {}),
        "none left": ([replace(c, discriminator=nan_always)
                       for c in _population("nonsaturating")], {}),
        "checkpoint": ([replace(c, steps=4, checkpoint=str(tmp / "sharded.pt"),
                                checkpoint_every=2) for c in _population("wgan-gp")], {}),
        "resume": ([replace(c, checkpoint=str(tmp / "resumed.pt")) for c in
                    _population("wgan-gp")], {"resume": str(tmp / "one.pt")}),
    })
    return jobs


def _outcome(configs, **kwargs):
    """What one process's ``train`` returns or raises (type name and message)."""
    try:
        return train(configs, progress=False, **kwargs)
    except Exception as err:  # noqa: BLE001
        return type(err).__name__, str(err)


@pytest.fixture(scope="module", params=[(2, "env"), (3, "group")],
                ids=["2 ranks, torchrun's environment", "3 ranks, the user's group"])
def session(request, tmp_path_factory):
    """One sharded session of every job, its world size, and the one-process
    references; the one-process checkpoint the sharded ``resume`` job starts from is
    written first."""
    world, init = request.param
    tmp = tmp_path_factory.mktemp(f"world{world}")
    jobs = _jobs(tmp)
    first = [replace(c, steps=4, checkpoint=str(tmp / "one.pt"), checkpoint_every=2)
             for c in jobs["resume"][0]]
    train(first, progress=False)
    names = list(jobs)
    outcomes = sharded([jobs[name] for name in names], world, init=init, timeout=300)
    by_rank = [dict(zip(names, ranks["returned"])) for ranks in outcomes]
    notes = [{key: dict(zip(names, ranks[key])) for key in ("warnings", "initialized")}
             for ranks in outcomes]
    return world, init, tmp, jobs, by_rank, notes


def _same(a, b):
    """Bit-identical members: histories, stop records, every parameter and buffer."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.history == y.history
        assert x.stopped == y.stopped and x.step == y.step
        for name in ("generator", "discriminator", "average"):
            u, v = getattr(x, name), getattr(y, name)
            assert (u is None) == (v is None)
            if u is not None:
                for (k, p), (_, q) in zip(u.state_dict().items(), v.state_dict().items()):
                    # a stopped member's parameters hold the NaN it stopped on
                    torch.testing.assert_close(p, q, rtol=0, atol=0, equal_nan=True,
                                               msg=f"{name} {k}")


@pytest.mark.parametrize("job", [f"loss {loss}" for loss in LOSSES] + [
    "one member", "two members", "samples", "user module", "diverges"])
def test_a_sharded_population_trains_as_one_process_bit_for_bit(session, job):
    world, _, _, jobs, by_rank, _ = session
    want = train(jobs[job][0], progress=False)
    for rank in by_rank:  # every rank returns the whole population
        got = rank[job]
        assert not isinstance(got, tuple), got
        _same(want, got)
        # the gathered networks are working modules: they sample as the one-process ones
        live = [i for i, member in enumerate(want) if member.stopped is None]
        assert torch.equal(got[live[-1]].sample(50, seed=1), want[live[-1]].sample(50, seed=1))
    if job == "diverges":
        assert want[3].stopped is not None and want[0].stopped is None


def test_uneven_blocks_give_the_first_ranks_one_more():
    assert blocks(5, 2) == [(0, 3), (3, 5)]
    assert blocks(5, 3) == [(0, 2), (2, 4), (4, 5)]
    assert blocks(6, 3) == [(0, 2), (2, 4), (4, 6)]
    assert blocks(2, 3) == [(0, 1), (1, 2), (2, 2)]
    for n in range(12):
        for w in range(1, 5):
            sizes = [b - a for a, b in blocks(n, w)]
            assert sum(sizes) == n and max(sizes) - min(sizes) <= 1
            assert sizes == sorted(sizes, reverse=True)


def _rank_of(member, n, world):
    return next(r for r, (a, b) in enumerate(blocks(n, world)) if a <= member < b)


@pytest.mark.parametrize("job, kind, cause", [
    ("bad data", "ValueError", "data (seed 3): its points are not finite in float32"),
    ("raises", "RuntimeError", "the factory failed for seed 3"),
])
def test_a_failure_on_one_rank_ends_every_rank_naming_it(session, job, kind, cause):
    world, _, _, jobs, by_rank, _ = session
    rank = _rank_of(3, 5, world)
    a, b = blocks(5, world)[rank]
    for outcome in (r[job] for r in by_rank):
        assert isinstance(outcome, tuple), "every rank must fail"
        assert outcome[0] == kind
        assert outcome[1].startswith(f"rank {rank} of {world} (members {a}-{b - 1}): ")
        assert cause in outcome[1]
    assert _outcome(jobs[job][0])[0] == kind  # as one process fails


def test_a_population_with_no_member_left_ends_every_rank(session):
    _, _, _, jobs, by_rank, _ = session
    want = _outcome(jobs["none left"][0])
    assert want[0] == "FloatingPointError" and "every member went non-finite" in want[1]
    world = len(by_rank)
    for rank in by_rank:  # the one-process error, then the ranks and their members
        kind, message = rank["none left"]
        assert kind == want[0] and message.startswith(want[1] + "; on rank 0 of ")
        assert message.endswith({
            2: "; on rank 0 of 2 (members 0-2), rank 1 of 2 (members 3-4)",
            3: "; on rank 0 of 3 (members 0-1), rank 1 of 3 (members 2-3), rank 2 of 3 "
               "(member 4)"}[world])


def test_rank_0_writes_the_checkpoint_one_process_writes(session, tmp_path):
    _, _, tmp, jobs, _, _ = session
    configs = [replace(c, checkpoint=str(tmp_path / "one.pt")) for c in jobs["checkpoint"][0]]
    train(configs, progress=False)
    one, shards = (load_checkpoint(p) for p in (tmp_path / "one.pt", tmp / "sharded.pt"))
    assert one.keys() == shards.keys()
    for key in one:
        if key == "configs":  # they name their own checkpoint paths
            assert [{**c, "checkpoint": None} for c in one[key]] == [
                {**c, "checkpoint": None} for c in shards[key]]
        else:
            torch.testing.assert_close(one[key], shards[key], rtol=0, atol=0)
    assert not list(tmp.glob(".sharded.pt.*"))  # no temporary file left


def test_checkpoints_resume_across_process_counts(session):
    _, _, tmp, jobs, by_rank, _ = session
    configs = [replace(c, checkpoint=None) for c in jobs["resume"][0]]
    whole = train(configs, progress=False)
    # written by one process at step 4, resumed on the ranks to step 8
    for rank in by_rank:
        _same(whole, rank["resume"])
    # written by the ranks at step 4, resumed by one process
    _same(whole, train(configs, resume=str(tmp / "sharded.pt"), progress=False))


def test_only_rank_0_says_that_ranks_idle(session):
    world, _, _, _, _, notes = session
    job = "two members" if world == 3 else "one member"
    idle = f"on {world} ranks: rank {world - 1} train none"  # the one idle rank
    said = [[w for w in rank["warnings"][job] if "train none" in w] for rank in notes]
    assert len(said[0]) == 1 and idle in said[0][0]
    assert not any(said[1:])
    assert not any(rank["warnings"]["loss wgan-gp"] for rank in notes)


def test_gancore_destroys_only_the_group_it_created(session):
    _, init, _, _, _, notes = session
    for rank in notes:
        # under torchrun's environment gancore made the group and destroyed it; the
        # user's group is left to the user
        assert set(rank["initialized"].values()) == {init == "group"}


def test_torchrun_runs_the_cli_and_writes_the_one_process_files(tmp_path):
    # torchrun --standalone --nproc-per-node 2 -m gancore train ...: the files once, by
    # rank 0, and the same as one process writes (config.json names its own --out)
    import json
    import subprocess
    import sys

    args = ["train", "--steps", "12", "--eval-every", "6", "--log-every", "4", "--seeds",
            "3", "--sweep", "lr=1e-4,2e-4", "--data-pool", "4096", "--eval-samples", "300",
            "--widths", "16", "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    runs = {"one": [sys.executable, "-m", "gancore"],
            "two": [sys.executable, "-m", "torch.distributed.run", "--standalone",
                    "--nproc-per-node", "2", "-m", "gancore"]}
    said = {}
    for name, command in runs.items():
        done = subprocess.run([*command, *args, "--out", str(tmp_path / name)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        said[name] = [line for line in done.stdout.splitlines() if "member(s)" in line]
    assert len(said["two"]) == 1 and said["two"][0].replace("two/", "one/").endswith(
        said["one"][0].split(str(tmp_path))[-1].replace("two/", "one/"))
    one, two = tmp_path / "one", tmp_path / "two"
    assert sorted(p.name for p in one.iterdir()) == sorted(p.name for p in two.iterdir())
    for name in ("history.json", "figure.png"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    configs = [json.loads((d / "config.json").read_text()) for d in (one, two)]
    for c in configs:
        for member in c:
            member["checkpoint"] = None
    assert configs[0] == configs[1]
    saved = [load_checkpoint(d / "checkpoint.pt") for d in (one, two)]
    for key in saved[0]:
        if key != "configs":
            torch.testing.assert_close(saved[0][key], saved[1][key], rtol=0, atol=0)
