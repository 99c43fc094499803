"""Populations: many GANs trained as one run, each as if it were trained alone."""

import math
from dataclasses import replace

import numpy as np
import pytest

import gancore

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gancore.torch import (LOSSES, PopulationResult, TrainConfig, discriminator,  # noqa: E402
                           generator, sample_distances, sweep, train)
from gancore.torch.evaluate import population_distances  # noqa: E402
from gancore.torch.stacking import stack  # noqa: E402
from gancore.torch.updates import adam_update, optimiser_state, rmsprop_update  # noqa: E402

SMALL = dict(widths=(16,), latent_dim=2, data_pool=4096, eval_samples=500, log_every=3,
             eval_every=4, steps=8)
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


# the fields some loss of the table accepts (TrainConfig refuses them for the others)
LOSS_FIELDS = {name for loss in LOSSES.values() for name in loss.fields}


def _accepted(loss, fields):
    """``fields`` without those of other losses than ``loss``."""
    return {k: v for k, v in fields.items()
            if k not in LOSS_FIELDS or k in LOSSES[loss].fields}


def _population(loss, **fields):
    """Three members that differ in every per-member field their loss accepts."""
    base = TrainConfig(loss=loss, **{**SMALL, **fields})
    return [replace(base, seed=0), replace(base, seed=5, lr=3e-4, betas=(0.3, 0.99),
                                           data=gancore.Normal(-2.0, 2.0)),
            replace(base, seed=9, ema=None, data=gancore.Normal(4.0, 0.3),
                    **_accepted(loss, dict(clip=0.05, gp_lambda=0.01, r1_gamma=fields.get(
                        "r1_gamma", 0.0) * 2)))]


def _same(a, b):
    """Bit-identical histories and final weights of two member results."""
    assert a.history == b.history
    for x, y in ((a.generator, b.generator), (a.discriminator, b.discriminator)):
        for p, q in zip(x.parameters(), y.parameters()):
            assert torch.equal(p, q)


def test_sweep_builds_every_combination_in_nested_loop_order():
    gp = TrainConfig(loss="wgan-gp")
    configs = sweep(gp, seed=range(3), gp_lambda=[1e-3, 1e-2])
    assert [(c.seed, c.gp_lambda) for c in configs] == [
        (s, g) for s in range(3) for g in (1e-3, 1e-2)]
    assert len(sweep(gp, seed=range(16), gp_lambda=[1e-3, 1e-2, 0.1])) == 48
    with pytest.raises(ValueError, match="'lamda' is not a TrainConfig field"):
        sweep(TrainConfig(), lamda=[1.0])
    with pytest.raises(ValueError, match="gp_lambda has no values"):
        sweep(TrainConfig(), gp_lambda=[])
    with pytest.raises(TypeError, match="lr must be an iterable"):
        sweep(TrainConfig(), lr=0.1)
    with pytest.raises(ValueError, match="gp_lambda"):
        sweep(gp, gp_lambda=[-1.0])
    with pytest.raises(ValueError, match="gp_lambda applies to loss 'wgan-gp'"):
        sweep(TrainConfig(), gp_lambda=[1e-3])
    with pytest.raises(TypeError, match="config must be a TrainConfig"):
        sweep({"loss": "wgan"}, seed=[1])


@pytest.mark.parametrize("loss, r1", [(loss, 0.0) for loss in LOSSES] + [("nonsaturating", 1.0)])
def test_same_configs_give_the_same_population_bit_for_bit(loss, r1):
    configs = _population(loss, r1_gamma=r1)
    first, second = train(configs, progress=False), train(configs, progress=False)
    assert isinstance(first, PopulationResult) and len(first) == 3
    for a, b in zip(first, second):
        _same(a, b)
    assert np.isfinite(first.history["w1"]).all()


@pytest.mark.parametrize("loss", LOSSES)
def test_one_config_trains_as_a_population_of_one(loss):
    config = TrainConfig(loss=loss, **SMALL)
    _same(train(config, progress=False), train([config], progress=False)[0])


@pytest.mark.parametrize("loss, r1", [("wgan-gp", 0.0), ("wgan", 0.0), ("nonsaturating", 1.0),
                                      ("f-gan", 1.0)])
@pytest.mark.parametrize("change", [dict(data=gancore.Normal(10.0, 3.0)), dict(lr=1e-3),
                                    dict(gp_lambda=1.0, clip=0.5, r1_gamma=5.0,
                                         value_penalty=0.1),
                                    dict(seed=123)])
def test_members_do_not_touch_each_other(loss, r1, change):
    change = _accepted(loss, change)
    configs = _population(loss, r1_gamma=r1)
    before = train(configs, progress=False)
    configs[1] = replace(configs[1], **change)
    after = train(configs, progress=False)
    for i in (0, 2):
        _same(before[i], after[i])
    assert before[1].history != after[1].history


def test_population_history_is_stacked_per_member():
    result = train(_population("wgan-gp"), progress=False)
    assert result.history["loss_d"].shape == (3, 8)
    assert result.history["w1"].shape == (3, 2)  # steps 4 and 8
    np.testing.assert_array_equal(result.history["w1"][1], result[1].history["w1"])
    assert [r.config.seed for r in result] == [0, 5, 9]


def test_members_networks_give_their_outputs_inside_the_population():
    configs = _population("wgan-gp")
    result = train(configs, progress=False)
    for i, member in enumerate(result):
        # the member's own sample is its averaged generator on its own noise
        x = member.sample(5, seed=3)
        rng = torch.Generator().manual_seed(3)
        net = member.average if member.average is not None else member.generator
        assert torch.equal(x, net(torch.randn(5, 2, generator=rng))[:, 0])
    assert result[2].average is None  # ema=None


@pytest.mark.parametrize("dtype", [torch.float64])
def test_batched_mlp_and_torch_func_paths_agree_with_each_module(dtype):
    torch.manual_seed(0)
    nets = [nn.Sequential(gancore.torch.Affine(torch.randn(2), torch.rand(2) + 0.5),
                          discriminator(2, widths=(8, 8)), nn.Flatten(0),
                          gancore.torch.Affine(0.0, torch.tensor(2.0), inverse=True))
            .to(dtype) for _ in range(4)]
    for net in nets:  # the output layer starts at zero: give it weights
        nn.init.normal_(net[1][-2].weight)
    x = torch.randn(4, 5, 2, dtype=dtype)
    expected = torch.stack([net(x[i]) for i, net in enumerate(nets)])
    fast = stack([net for net in nets])
    assert fast.batched_mlp
    torch.testing.assert_close(fast(x), expected, rtol=1e-12, atol=1e-12)
    slow = stack([net for net in nets], batched_mlp=False)
    assert not slow.batched_mlp
    torch.testing.assert_close(slow(x), expected, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        slow.flat.mul_(2)  # the modules' parameters are views of the stack's rows
    torch.testing.assert_close(slow(x), torch.stack([n(x[i]) for i, n in enumerate(nets)]))
    # a population of one runs its layers' functions: the module's arithmetic exactly,
    # and still after its row changes in place
    one = stack([nets[0]])
    assert one.batched_mlp
    for _ in range(2):
        assert torch.equal(one(x[:1]), nets[0](x[0]).unsqueeze(0))
        with torch.no_grad():
            one.flat.add_(0.5)


def test_stacking_refuses_networks_of_different_architectures():
    with pytest.raises(ValueError, match="member 1's network has other parameters"):
        stack([generator(1, widths=(4,)), generator(1, widths=(5,))])


@pytest.mark.parametrize("optimiser", ["adam", "rmsprop"])
def test_optimisers_with_per_member_settings_are_torch_optim_member_by_member(optimiser):
    lrs, betas = [1e-2, 3e-3, 5e-2], [(0.5, 0.999), (0.0, 0.9), (0.9, 0.99)]
    gen = torch.Generator().manual_seed(0)
    flat = torch.randn(3, 40, generator=gen, dtype=torch.float64)
    params = [row.clone().requires_grad_(True) for row in flat]
    if optimiser == "adam":
        refs = [torch.optim.Adam([p], lr=lr, betas=b, foreach=False)
                for p, lr, b in zip(params, lrs, betas)]
        column = lambda values: torch.tensor(values, dtype=torch.float64)[:, None]  # noqa: E731
        step = lambda f, g, s: adam_update(  # noqa: E731
            f, g, s, lr=column(lrs), betas=(column([b[0] for b in betas]),
                                            column([b[1] for b in betas])))
    else:
        refs = [torch.optim.RMSprop([p], lr=lr, foreach=False) for p, lr in zip(params, lrs)]
        step = lambda f, g, s: rmsprop_update(  # noqa: E731
            f, g, s, lr=torch.tensor(lrs, dtype=torch.float64)[:, None])
    state = optimiser_state(flat)
    for _ in range(30):
        grad = torch.randn(3, 40, generator=gen, dtype=torch.float64)
        for p, g, ref in zip(params, grad, refs):
            p.grad = g.clone()
            ref.step()
        step(flat, grad, state)
        # float64 and 30 steps: the two sides group products differently (see
        # test_updates.py), a few ulps of 1e-16 on parameters of size ~1
        torch.testing.assert_close(flat, torch.stack([p.detach() for p in params]),
                                   rtol=1e-12, atol=1e-12)


def test_population_resumes_to_the_uninterrupted_state(tmp_path):
    path = tmp_path / "ckpt.pt"
    configs = _population("wgan-gp")
    full = train(configs, progress=False)
    train([replace(c, steps=5, checkpoint=str(path)) for c in configs], progress=False)
    rest = train(configs, resume=path, progress=False)
    for a, b in zip(full, rest):
        # evaluations: the uninterrupted run's, plus the one at the end of the first part
        assert b.history.pop("eval_step") == [4, 5, 8]
        for key in ("w1", "jsd"):
            assert b.history[key].pop(1) and b.history[key] == a.history[key]
        a.history.pop("eval_step")
        _same(a, b)


def test_inconsistent_resume_names_the_member_and_field(tmp_path):
    path = tmp_path / "ckpt.pt"
    configs = [replace(c, steps=3, checkpoint=str(path)) for c in _population("wgan")]
    train(configs, progress=False)
    configs[2] = replace(configs[2], clip=0.2)
    with pytest.raises(ValueError, match=r"member 2: the checkpoint was written with clip=0.05"):
        train(configs, resume=path, progress=False)
    with pytest.raises(ValueError, match="holds 3 members, this population 2"):
        train(configs[:2], resume=path, progress=False)


def test_members_must_agree_on_shared_fields():
    configs = _population("wgan-gp")
    configs[2] = replace(configs[2], batch_size=32)
    with pytest.raises(ValueError, match="agree on batch_size: member 0 has batch_size=64, "
                                         "member 2 has batch_size=32"):
        train(configs, progress=False)
    with pytest.raises(ValueError, match="data's dimension"):
        train([TrainConfig(**SMALL), TrainConfig(data=gancore.MultivariateNormal(
            [0.0, 0.0], np.eye(2)), **SMALL)], progress=False)
    with pytest.raises(ValueError, match="config must not be empty"):
        train([], progress=False)
    # members may differ on their loss's options, not on the loss
    with pytest.raises(ValueError, match="agree on loss: member 0 has loss='f-gan', member "
                                         "1 has loss='nonsaturating'"):
        train([TrainConfig(loss="f-gan", divergence="kl", **SMALL), TrainConfig(**SMALL)],
              progress=False)


@pytest.mark.parametrize("loss, option, values", [
    ("f-gan", "divergence", ("kl", "pearson", "hellinger")),
    ("least-squares", "codes", ((0.0, 1.0, 1.0), (-1.0, 1.0, 0.0), (0.0, 1.0, 0.5)))])
def test_members_may_differ_on_their_loss_options(loss, option, values):
    # a member trains as in a population whose members all share its option, bit for
    # bit: the losses are computed per group of members that share theirs, here
    # interleaved (options a, b, c, a: the groups' order 0, 3, 1, 2 is not its own
    # inverse), history and D's logged values included
    three = _population(loss, r1_gamma=1.0)
    members = [replace(m, **_accepted(loss, {"value_penalty": 0.05 * i}))  # a column too
               for i, m in enumerate([*three, replace(three[0], seed=11)])]
    chosen = (values[0], values[1], values[2], values[0])
    mixed = train([replace(m, **{option: v}) for m, v in zip(members, chosen)],
                  progress=False)
    for value in values:
        alone = train([replace(m, **{option: value}) for m in members], progress=False)
        for i in (i for i, v in enumerate(chosen) if v == value):
            _same(mixed[i], alone[i])


def test_a_non_finite_member_is_frozen_and_the_others_go_on(monkeypatch):
    import gancore.torch.trainer as trainer

    configs = _population("nonsaturating")
    clean = train(configs, progress=False)
    calls, update = [], trainer.adam_update

    def plant(param, grad, state, **options):
        update(param, grad, state, **options)
        calls.append(param)
        if len(calls) == 7:  # the 7th update: step 4's discriminator update
            param[1, 0] = float("nan")

    monkeypatch.setattr(trainer, "adam_update", plant)
    result = train(configs, progress=False)
    assert result[1].stopped == (4, "loss_d is nan at step 4") or result[1].stopped[0] == 4
    assert result[1].history["step"] == [1, 2, 3]
    assert math.isnan(result.history["loss_d"][1, -1])
    for i in (0, 2):
        assert result[i].stopped is None
        _same(result[i], clean[i])


def test_a_population_stops_when_no_member_is_left(monkeypatch):
    import gancore.torch.trainer as trainer

    update = trainer.adam_update

    def poison(param, grad, state, **options):
        update(param, grad, state, **options)
        param.fill_(float("nan"))

    monkeypatch.setattr(trainer, "adam_update", poison)
    with pytest.raises(FloatingPointError, match="every member went non-finite.*member 0:"):
        train(_population("nonsaturating")[:2], progress=False)


def test_user_samples_train_like_their_distribution():
    target = gancore.Normal(3.0, 0.5)
    samples = target.sample(5000, seed=7)
    config = TrainConfig(loss="nonsaturating", **SMALL)
    for data in (samples, torch.as_tensor(samples), samples[:, None]):
        result = train(replace(config, data=data), progress=False)
        assert result.config.dim == 1 and len(result.history["w1"]) == 2
    strict = pytest.importorskip("array_api_strict")
    train(replace(config, data=strict.asarray(samples)), progress=False)


@pytest.mark.parametrize("data, error, match", [
    (np.array([0.0, np.nan] * 200), ValueError, "data must be finite"),
    (np.zeros((10, 2, 2)), ValueError, r"data must be samples of shape \(n,\) or \(n, d\)"),
    (np.zeros(50), ValueError, "data has 50 samples: too few for a batch of 64"),
    (np.zeros(500, dtype=np.int64), TypeError, "data"),
    ("normal(0, 1)", TypeError, "data must be a gancore"),
])
def test_bad_sample_arrays_are_refused_before_training(data, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(data=data)


def _user_generator():
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))


class _Critic(nn.Module):
    """Not a Sequential: it trains through torch.func's vmap."""

    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(1, 16)
        self.out = nn.Linear(16, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.inner(x)))


def test_user_networks_train_as_populations():
    base = TrainConfig(loss="wgan-gp", gp_lambda=0.005, generator=_user_generator,
                       discriminator=_Critic, **{**SMALL, "widths": (4,)})
    result = train(sweep(base, seed=range(3)), progress=False)
    assert isinstance(result[0].discriminator[1], _Critic)
    assert np.isfinite(result.history["w1"]).all()
    # each member starts from its seed: the same as training it alone
    _same(train(replace(base, seed=1), progress=False), train([replace(base, seed=1)],
                                                              progress=False)[0])


@pytest.mark.parametrize("fields, error, match", [
    (dict(generator=lambda: nn.Linear(2, 3)), ValueError, r"generator must map .* \(n, 1\)"),
    (dict(discriminator=lambda: nn.Linear(1, 2)), ValueError, "discriminator must map"),
    (dict(generator=lambda: "a network"), TypeError, "generator\\(\\) must return"),
    (dict(generator=nn.Linear(2, 1)), TypeError, "generator must be None .* or a callable taking"),
])
def test_user_networks_of_the_wrong_kind_are_refused(fields, error, match):
    with pytest.raises(error, match=match):
        train(TrainConfig(**{**SMALL, "latent_dim": 2, **fields}), progress=False)


def test_population_distances_match_one_call_per_member():
    rng = np.random.default_rng(0)
    generated = torch.as_tensor(rng.normal(size=(3, 400, 1)))
    targets = [rng.normal(size=(400, 1)) + shift for shift in (0.0, 1.0, 5.0)]
    for (w, js), x, y in zip(population_distances(generated, targets), generated, targets):
        ref_w, ref_js = sample_distances(x[:, 0].numpy(), y[:, 0])
        assert math.isclose(w, ref_w, rel_tol=1e-12) and js == ref_js


@needs_cuda
def test_cuda_graph_replays_an_eager_population():
    configs = [replace(c, device="cuda") for c in _population("wgan-gp")]
    eager = train(configs, progress=False)
    graphed = train([replace(c, cuda_graph=True) for c in configs], progress=False)
    np.testing.assert_allclose(graphed.history["loss_d"], eager.history["loss_d"],
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("loss", ["wgan-gp", "nonsaturating"])
def test_a_member_does_not_depend_on_its_place(loss):
    # each member draws from its own generator and reads its own rows: swapping two
    # members swaps their results, bit for bit
    a, b, c = _population(loss)
    first, swapped = train([a, b, c], progress=False), train([b, a, c], progress=False)
    _same(first[0], swapped[1])
    _same(first[1], swapped[0])
    _same(first[2], swapped[2])


@pytest.mark.parametrize("loss, r1", [("wgan-gp", 0.0), ("nonsaturating", 1.0)])
def test_penalised_passes_of_one_gan_and_of_a_population_agree(loss, r1):
    # one GAN evaluates its penalised inputs in the critic's one pass, a population in
    # a pass of their own (and through batched matrix products): the same arithmetic
    # up to float64 rounding, which 8 steps of Adam leave below 1e-14 of the logged
    # values (measured 8e-15); 1e-9 leaves room without hiding a wrong penalty (the
    # gradient at the wrong rows moved them by 5% to 460%)
    members = _population(loss, r1_gamma=r1, dtype="float64")
    alone, together = train(members[0], progress=False), train(members, progress=False)[0]
    for key in ("loss_d", "loss_g", "d_real", "d_fake"):
        np.testing.assert_allclose(alone.history[key], together.history[key], rtol=1e-9,
                                   atol=1e-12)
