"""The trainer's promises: seeded, resumable, atomic checkpoints, clear errors."""

import json
import math
import os
from dataclasses import replace

import numpy as np
import pytest

import gancore
import gancore.cli

torch = pytest.importorskip("torch")
from gancore.torch import (LOSSES, TrainConfig, discriminator, discriminator_loss,  # noqa: E402
                           generator, load_checkpoint, minimax_generator_loss,
                           nonsaturating_generator_loss, published_defaults, r1_penalty,
                           sample_distances, save_checkpoint, train)

SMALL = dict(widths=(16,), latent_dim=2, data_pool=4096, eval_samples=500, log_every=3,
             eval_every=4)


@pytest.mark.parametrize("loss", LOSSES)
def test_same_seed_gives_the_same_run(loss):
    config = TrainConfig(loss=loss, steps=6, seed=3, **SMALL)
    a, b = train(config, progress=False), train(config, progress=False)
    assert a.history == b.history
    for p, q in zip(a.generator.parameters(), b.generator.parameters()):
        assert torch.equal(p, q)
    assert a.history["step"] == list(range(1, 7))
    assert a.history["eval_step"] == [4, 6]
    c = train(TrainConfig(loss=loss, steps=6, seed=4, **SMALL), progress=False)
    assert c.history["loss_d"] != a.history["loss_d"]


@pytest.mark.parametrize("loss", LOSSES)
def test_resume_reaches_the_uninterrupted_state(tmp_path, loss):
    path = tmp_path / "ckpt.pt"
    full = train(TrainConfig(loss=loss, steps=10, seed=1, **SMALL), progress=False)
    first = TrainConfig(loss=loss, steps=5, seed=1, checkpoint=str(path), **SMALL)
    train(first, progress=False)
    assert load_checkpoint(path)["step"] == 5
    rest = train(TrainConfig(loss=loss, steps=10, seed=1, **SMALL), resume=path,
                 progress=False)
    for key in ("step", "loss_d", "loss_g", "d_real", "d_fake"):
        assert rest.history[key] == full.history[key], key
    # evaluations: the uninterrupted run's, plus the one at the end of the first segment
    assert rest.history["eval_step"] == [4, 5, 8, 10]
    assert [rest.history["w1"][i] for i in (0, 2, 3)] == full.history["w1"]
    for net in ("generator", "discriminator", "average"):
        for p, q in zip(getattr(rest, net).state_dict().values(),
                        getattr(full, net).state_dict().values()):
            assert torch.equal(p, q), net


def test_resume_refuses_a_checkpoint_of_another_format(tmp_path):
    path = tmp_path / "ckpt.pt"
    train(TrainConfig(steps=2, checkpoint=str(path), **SMALL), progress=False)
    save_checkpoint({**load_checkpoint(path), "format": 1}, path)
    with pytest.raises(ValueError, match="checkpoint of format 1; this gancore reads format 3"):
        train(TrainConfig(steps=4, **SMALL), resume=path, progress=False)


def test_resume_refuses_a_different_config(tmp_path):
    path = tmp_path / "ckpt.pt"
    train(TrainConfig(steps=2, checkpoint=str(path), **SMALL), progress=False)
    with pytest.raises(ValueError, match="lr"):
        train(TrainConfig(steps=4, lr=1e-3, **SMALL), resume=path, progress=False)
    with pytest.raises(FileNotFoundError, match="resume"):
        train(TrainConfig(steps=4, **SMALL), resume=tmp_path / "missing.pt", progress=False)


def test_checkpoints_are_written_every_checkpoint_every_steps(tmp_path):
    path = tmp_path / "run" / "ckpt.pt"
    train(TrainConfig(steps=7, checkpoint=str(path), checkpoint_every=3, **SMALL),
          progress=False)
    state = load_checkpoint(path)
    assert state["step"] == 7 and state["histories"][0]["step"] == list(range(1, 8))
    assert os.listdir(path.parent) == ["ckpt.pt"]  # no temporary file left behind


def test_a_crash_mid_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    save_checkpoint({"step": 1}, path)

    def crash(state, f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({"step": 2}, path)
    assert load_checkpoint(path) == {"step": 1}
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_non_finite_training_stops_naming_step_and_quantity(tmp_path, monkeypatch):
    # a NaN planted in the generator by the 12th optimiser update (step 6: one critic and
    # one generator update each) is caught at step 6, before its checkpoint is written
    import gancore.torch.trainer as trainer

    path, calls, update = tmp_path / "ckpt.pt", [], trainer.adam_update

    def plant(param, grad, state, **options):
        update(param, grad, state, **options)
        calls.append(param)
        if len(calls) == 12:
            param.fill_(float("nan"))

    monkeypatch.setattr(trainer, "adam_update", plant)
    config = TrainConfig(steps=20, checkpoint=str(path), checkpoint_every=2, **SMALL)
    with pytest.raises(FloatingPointError, match=r"parameters are not finite after step "
                                                 r"6; the last good checkpoint .* \(step 4\)"):
        train(config, progress=False)
    state = load_checkpoint(path)
    assert state["step"] == 4
    for name in ("generator", "discriminator"):
        assert torch.isfinite(state["flats"][name]).all()


@pytest.mark.parametrize("field, value, match", [
    ("loss", "lsgan", "loss must be one of"),
    ("steps", -1, "steps"),
    ("batch_size", 0, "batch_size"),
    ("lr", -1e-3, "lr"),
    ("lr", float("nan"), "lr"),
    ("clip", 0.0, "clip"),
    ("gp_lambda", -1.0, "gp_lambda"),
    ("betas", (0.5, 1.0), "betas"),
    ("ema", 1.0, "ema"),
    ("dtype", "float16", "dtype"),
    ("device", "tpu", "device"),
    ("activation", "gelu", "activation"),
    ("widths", (16, 0), "widths"),
    ("data_pool", 10, "data_pool"),
])
def test_bad_config_gets_a_clear_error(field, value, match):
    # refused when the config is made, before any training
    with pytest.raises(ValueError, match=match):
        TrainConfig(**{"steps": 1, **SMALL, field: value})


@pytest.mark.parametrize("field, value", [("n_critic", 1.5), ("cuda_graph", 1),
                                          ("lr", "1e-3"), ("betas", 0.5), ("seed", None)])
def test_config_field_of_the_wrong_type_is_a_type_error(field, value):
    with pytest.raises(TypeError, match=field.split("[")[0]):
        TrainConfig(**{"steps": 1, **SMALL, field: value})


def test_cuda_graph_needs_a_cuda_device():
    with pytest.raises(ValueError, match="cuda_graph=True needs a CUDA device"):
        train(TrainConfig(steps=1, device="cpu", cuda_graph=True, **SMALL), progress=False)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@needs_cuda
@pytest.mark.parametrize("loss", LOSSES)
def test_cuda_graph_replays_the_eager_run(loss):
    # the graph holds the same kernels and draws the same random numbers as the eager
    # iterations (the generator is registered with it), so the two runs agree up to the
    # order of float32 reductions, which cuBLAS may choose differently under capture:
    # over 12 steps at these learning rates that stays far below 1e-4 relative
    config = TrainConfig(loss=loss, steps=12, seed=2, device="cuda", **SMALL)
    eager = train(config, progress=False)
    graphed = train(replace(config, cuda_graph=True), progress=False)
    for key in ("step", "loss_d", "loss_g", "d_real", "d_fake", "w1"):
        np.testing.assert_allclose(graphed.history[key], eager.history[key], rtol=1e-4,
                                   atol=1e-6, err_msg=key)
    for p, q in zip(graphed.average.parameters(), eager.average.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


@needs_cuda
def test_cuda_graph_run_resumes_from_an_eager_checkpoint(tmp_path):
    path = tmp_path / "ckpt.pt"
    config = TrainConfig(loss="wgan-gp", steps=10, seed=1, device="cuda", **SMALL)
    full = train(config, progress=False)
    train(replace(config, steps=5, checkpoint=str(path)), progress=False)
    rest = train(replace(config, cuda_graph=True), resume=path, progress=False)
    np.testing.assert_allclose(rest.history["loss_d"], full.history["loss_d"], rtol=1e-4,
                               atol=1e-6)


def test_data_must_be_a_gancore_distribution_or_samples():
    with pytest.raises(TypeError, match="data must be"):
        train(TrainConfig(data="normal(0, 1)"), progress=False)
    with pytest.raises(TypeError, match="config must be a TrainConfig or a list"):
        train({"loss": "wgan"})


def test_published_defaults_fill_the_config():
    assert published_defaults("wgan") == {"optimizer": "rmsprop", "lr": 5e-5, "betas": None,
                                         "n_critic": 5, "batch_size": 64}
    assert published_defaults("wgan-gp")["betas"] == (0.0, 0.9)
    result = train(TrainConfig(loss="wgan-gp", steps=1, **SMALL), progress=False)
    assert (result.config.lr, result.config.n_critic, result.config.gp_lambda) == (1e-4, 5, 10.0)
    with pytest.raises(ValueError, match="loss must be one of"):
        published_defaults("gan")


@pytest.mark.parametrize("data, shape", [
    (gancore.Normal(1.0, 2.0), (7,)),
    (gancore.MultivariateNormal([0.0, 1.0], [[1.0, 0.5], [0.5, 2.0]]), (7, 2)),
    (gancore.Mixture([gancore.Normal(-2, 0.5), gancore.Normal(2, 0.5)], [0.3, 0.7]), (7,)),
    (gancore.LineSegment(0.5), (7, 2)),
])
def test_every_gancore_distribution_trains(data, shape):
    result = train(TrainConfig(data=data, steps=2, **SMALL), progress=False)
    assert tuple(result.sample(7, seed=0).shape) == shape
    assert torch.equal(result.sample(7, seed=0), result.sample(7, seed=0))
    assert len(result.history["w1"]) == 1 and math.isfinite(result.history["w1"][0])


def test_losses_match_their_formulas():
    logits = torch.tensor([-5.0, -1.0, 0.0, 2.0, 5.0], dtype=torch.float64)
    d = torch.sigmoid(logits)
    real, fake = logits, logits.flip(0)
    want = -(torch.log(torch.sigmoid(real)).mean() + torch.log1p(-torch.sigmoid(fake)).mean())
    torch.testing.assert_close(discriminator_loss(real, fake), want, rtol=1e-12, atol=0)
    torch.testing.assert_close(minimax_generator_loss(logits), torch.log1p(-d).mean(),
                               rtol=1e-12, atol=0)
    torch.testing.assert_close(nonsaturating_generator_loss(logits), -torch.log(d).mean(),
                               rtol=1e-12, atol=0)
    # far logits stay exact where log(1 - sigmoid(l)) would round to log 0:
    # log(1 - sigmoid(40)) = -40 - log1p(e^-40) = -40 in float64
    assert float(minimax_generator_loss(torch.tensor([40.0], dtype=torch.float64))) == -40.0
    assert float(nonsaturating_generator_loss(torch.tensor([-40.0], dtype=torch.float64))) == 40.0
    # all-zero logits: D = 1/2, -V = 2 log 2
    assert math.isclose(float(discriminator_loss(torch.zeros(3), torch.zeros(3))),
                        2 * math.log(2), rel_tol=1e-7)


def test_r1_penalty_of_a_quadratic_logit():
    # l(x) = |x|^2 has gradient 2x: gamma / 2 * mean 4 |x|^2
    x = torch.randn(9, 3, dtype=torch.float64)
    got = r1_penalty(lambda y: (y**2).sum(1), x, gamma=0.7)
    torch.testing.assert_close(got, 0.35 * 4 * (x**2).sum(1).mean(), rtol=1e-12, atol=0)


def test_gradient_penalty_at_given_interpolates_is_the_one_it_draws():
    from gancore.torch import gradient_penalty, interpolates

    gen = torch.Generator().manual_seed(0)
    real, fake = (torch.randn(6, 3, generator=gen, dtype=torch.float64) for _ in range(2))
    eps = torch.rand(6, 1, generator=gen, dtype=torch.float64)
    torch.manual_seed(0)
    critic = discriminator(3, widths=(8,)).double()
    x_hat = interpolates(real, fake, eps)
    torch.testing.assert_close(x_hat, eps * real + (1 - eps) * fake, rtol=0, atol=0)
    drawn = gradient_penalty(critic, real, fake, lam=3.0, eps=eps)
    given = gradient_penalty(critic, real, fake, lam=3.0, x_hat=x_hat)
    assert torch.equal(drawn, given) and drawn > 0
    assert not x_hat.requires_grad  # the caller's interpolates are left as they were
    # the interpolates come out of real's and fake's graphs: no gradient reaches them
    moving = fake.clone().requires_grad_(True)
    assert not interpolates(real, moving, eps).requires_grad
    with pytest.raises(ValueError, match="real and fake must have the same shape"):
        interpolates(real, fake[:3], eps)
    # one weight per sample: not one that does not broadcast, nor one per coordinate
    # (real (3, 3) and eps (3,) would broadcast, weighting columns, not samples)
    square = real[:3, :3]
    for bad, against in ((eps[:4], real), (torch.rand(3, dtype=torch.float64), square),
                         (torch.rand(6, 3, 1, dtype=torch.float64), real)):
        with pytest.raises(ValueError, match="eps must hold one weight per sample"):
            interpolates(against, against, bad)
        with pytest.raises(ValueError, match="eps must hold one weight per sample"):
            gradient_penalty(critic, against, against, lam=1.0, eps=bad)


def test_penalties_and_clipping_reject_bad_weights():
    from gancore.torch import clip_weights, gradient_penalty

    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match="lam must be"):
        gradient_penalty(lambda y: y.sum(1), x, x, lam=-1.0)
    with pytest.raises(ValueError, match="real and fake"):
        gradient_penalty(lambda y: y.sum(1), x, x[:3])
    with pytest.raises(ValueError, match="x_hat or what draws them"):
        gradient_penalty(lambda y: y.sum(1), x, x, x_hat=x, eps=torch.ones(4, 1))
    with pytest.raises(ValueError, match="x_hat must have real's shape"):
        gradient_penalty(lambda y: y.sum(1), x, x, x_hat=x[:3])
    with pytest.raises(TypeError, match="x_hat must be a torch.Tensor"):
        gradient_penalty(lambda y: y.sum(1), x, x, x_hat=x.numpy())
    with pytest.raises(ValueError, match="gamma must be"):
        r1_penalty(lambda y: y.sum(1), x, gamma=float("nan"))
    with pytest.raises(ValueError, match="c must be"):
        clip_weights(discriminator(2), 0.0)


def test_wgan_gp_runs_are_the_same_on_every_data_scale():
    # The critic's values are in data units (value_scale): on N(m, s^2) with penalty
    # weight lambda s the critic's loss is s times the loss on N(0, 1) with lambda, so
    # Adam takes the same steps (up to its eps = 1e-8 against gradients of order 1e-2)
    # and the generated points are m + s times those of the standard run. (WGAN's
    # clipped critic has gradients near 1e-7, where RMSProp's eps is not negligible:
    # there the runs agree to about 1e-3 only.)
    m, s, lam, n = 3.0, 0.25, 0.5, 1000
    runs = [train(TrainConfig(loss="wgan-gp", data=gancore.Normal(loc, scale), steps=10,
                              gp_lambda=lam * scale, dtype="float64", **SMALL),
                  progress=False) for loc, scale in ((0.0, 1.0), (m, s))]
    unit, scaled = (r.sample(n, seed=1).numpy() for r in runs)
    np.testing.assert_allclose((scaled - m) / s, unit, rtol=0, atol=1e-6)
    d = runs[1].discriminator
    x = torch.linspace(2.0, 4.0, 5, dtype=torch.float64)[:, None]
    # f(x) = s h((x - shift) / s): the same function as the standard run's critic
    unit_critic = runs[0].discriminator(((x - m) / s))
    np.testing.assert_allclose(d(x).detach().numpy(), s * unit_critic.detach().numpy(),
                               rtol=1e-5, atol=0)


def test_models_and_their_errors():
    d = discriminator(3)
    assert float(d(torch.randn(4, 3)).detach().abs().max()) == 0.0  # starts flat: D = 1/2
    g = generator(3, latent_dim=5, shift=torch.ones(3), scale=2 * torch.ones(3))
    assert g(torch.zeros(1, 5)).shape == (1, 3)
    with pytest.raises(ValueError, match="activation"):
        generator(1, activation="swish")
    with pytest.raises(ValueError, match="latent_dim"):
        generator(1, latent_dim=0)
    with pytest.raises(TypeError, match="widths"):
        discriminator(1, widths=(8, 2.5))
    with pytest.raises(TypeError, match="data_dim"):
        discriminator(True)
    with pytest.raises(ValueError, match="shift and scale must be given together"):
        generator(1, shift=torch.zeros(1))
    for bad in (0.0, -1.0, float("nan"), torch.ones(2)):
        with pytest.raises(ValueError, match="value_scale"):
            discriminator(1, value_scale=bad)
    critic = discriminator(1, widths=(4,), value_scale=2.5)
    with torch.no_grad():
        critic[2].bias.fill_(1.0)  # the output layer: logit 1 everywhere
    assert float(critic(torch.zeros(1, 1)).detach()) == 2.5


def test_sample_distances():
    x = np.random.default_rng(0).normal(size=2000)
    w1, js = sample_distances(x, x)
    assert w1 == 0.0 and js == 0.0
    w1, js = sample_distances(x, x + 100.0)
    assert math.isclose(w1, 100.0) and math.isclose(js, math.log(2))
    with pytest.raises(ValueError, match="same dimension"):
        sample_distances(x, x[:, None])


def test_cli_train_writes_config_history_checkpoint_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo"
    status = gancore.cli.main(["train", "--loss", "wgan-gp", "--gp-lambda", "0.005",
                               "--data", "normal(3, 0.5)", "--steps", "4", "--device",
                               "cpu", "--out", str(out), "--no-progress"])
    assert status == 0
    assert sorted(os.listdir(out)) == ["checkpoint.pt", "config.json", "figure.png",
                                       "history.json"]
    (config,) = json.loads((out / "config.json").read_text())
    assert config["loss"] == "wgan-gp" and config["lr"] == 1e-4
    assert config["gp_lambda"] == 0.005 and config["r1_gamma"] == 0.0
    assert config["cuda_graph"] is False
    assert json.loads((out / "history.json").read_text())[0]["step"] == [1, 2, 3, 4]


def test_cli_train_trains_a_population_on_samples(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    samples = tmp_path / "samples.npy"
    np.save(samples, np.random.default_rng(0).normal(3.0, 0.5, size=(400, 1)))
    out = tmp_path / "population"
    status = gancore.cli.main(["train", "--loss", "wgan-gp", "--data", str(samples),
                               "--seeds", "2", "--sweep", "gp_lambda=0.001,0.01",
                               "--steps", "3", "--device", "cpu", "--out", str(out),
                               "--no-progress"])
    assert status == 0
    configs = json.loads((out / "config.json").read_text())
    assert [(c["seed"], c["gp_lambda"]) for c in configs] == [
        (0, 0.001), (0, 0.01), (1, 0.001), (1, 0.01)]
    assert configs[0]["data"].startswith("samples of shape (400, 1), sha256")
    assert len(json.loads((out / "history.json").read_text())) == 4
    assert "4 member(s)" in capsys.readouterr().out


def test_cli_train_sweeps_total_variations_value_penalty(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "tv"
    status = gancore.cli.main(["train", "--loss", "f-gan", "--divergence", "total-variation",
                               "--value-penalty", "0.01", "--sweep", "r1_gamma=0,1",
                               "--steps", "3", "--device", "cpu", "--out", str(out),
                               "--no-progress"])
    assert status == 0
    configs = json.loads((out / "config.json").read_text())
    assert [(c["value_penalty"], c["r1_gamma"]) for c in configs] == [(0.01, 0.0), (0.01, 1.0)]
    status = gancore.cli.main(["train", "--loss", "f-gan", "--sweep", "value_penalty=0,1e-3",
                               "--steps", "3", "--device", "cpu", "--out", str(out / "swept"),
                               "--no-progress"])
    assert status == 0
    configs = json.loads((out / "swept" / "config.json").read_text())
    assert [c["value_penalty"] for c in configs] == [0.0, 1e-3]
    # --sweep seed=... names the seeds, in place of --seed and --seeds
    status = gancore.cli.main(["train", "--sweep", "seed=4,7", "--sweep", "lr=1e-4,2e-4",
                               "--steps", "2", "--device", "cpu", "--out", str(out / "seeds"),
                               "--no-progress"])
    assert status == 0
    configs = json.loads((out / "seeds" / "config.json").read_text())
    assert [(c["seed"], c["lr"]) for c in configs] == [(4, 1e-4), (4, 2e-4), (7, 1e-4),
                                                       (7, 2e-4)]
    # members may differ on their loss's options: f-GAN's divergence, LSGAN's codes
    for loss, sweep, key, want in (
            ("f-gan", "divergence=kl,pearson", "divergence", ["kl", "pearson"]),
            ("least-squares", "codes=0,1,1;-1,1,0", "codes", [[0.0, 1.0, 1.0],
                                                               [-1.0, 1.0, 0.0]])):
        status = gancore.cli.main(["train", "--loss", loss, "--sweep", sweep, "--steps", "2",
                                   "--device", "cpu", "--out", str(out / key),
                                   "--no-progress"])
        assert status == 0
        configs = json.loads((out / key / "config.json").read_text())
        assert [c[key] for c in configs] == want


def test_cli_train_on_the_ring_packed_prints_mode_coverage(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "ring"
    status = gancore.cli.main(["train", "--data", "ring(6)", "--pack", "2", "--seeds", "2",
                               "--steps", "3", "--device", "cpu", "--out", str(out),
                               "--no-progress"])
    assert status == 0
    configs = json.loads((out / "config.json").read_text())
    assert [c["pack"] for c in configs] == [2, 2]
    assert "MultivariateNormal" in configs[0]["data"]
    assert "of 6 modes, high quality" in capsys.readouterr().out


@pytest.mark.parametrize("refine", ["rejection", "mh"])
def test_cli_train_refines_and_prints_mode_coverage_before_and_after(tmp_path, capsys, refine):
    pytest.importorskip("matplotlib")
    out = tmp_path / "ring"
    status = gancore.cli.main(["train", "--data", "ring(4)", "--seeds", "2", "--steps", "3",
                               "--device", "cpu", "--refine", refine, "--out", str(out),
                               "--no-progress"])
    assert status == 0 and (out / "figure.png").exists()
    printed = capsys.readouterr().out
    assert f"refined with {refine}" in printed
    assert "2500 samples, generator (mean over members): " in printed
    assert f"2500 samples, refined ({refine}) (mean over members): " in printed


@pytest.mark.parametrize("argv, match", [
    (["train", "--data", "grid(0)"], "--data"),
    (["train", "--pack", "0", "--no-progress"], "pack"),
    (["train", "--data", "normal(3)"], "--data"),
    (["train", "--data", "cauchy(0, 1)"], "--data"),
    (["train", "--loss", "lsgan"], "--loss"),
    (["train", "--steps", "-3", "--no-progress"], "steps"),
    (["train", "--gp-lambda", "-1", "--no-progress"], "gp_lambda"),
    (["train", "--value-penalty", "0.1", "--no-progress"], "value_penalty applies to loss"),
    (["train", "--loss", "wgan", "--r1-gamma", "1", "--no-progress"], "r1_gamma applies"),
    (["train", "--cuda-graph", "--device", "cpu", "--no-progress"], "cuda_graph"),
    (["train", "--seeds", "0", "--no-progress"], "--seeds"),
    (["train", "--loss", "wgan", "--refine", "mh", "--no-progress"], "refine is refused"),
    (["train", "--refine", "drs", "--no-progress"], "--refine"),
    (["train", "--sweep", "widths=3,4", "--no-progress"], "--sweep"),
    (["train", "--sweep", "lr=fast", "--no-progress"], "--sweep"),
    (["train", "--data", "missing.npy", "--no-progress"], "--data"),
])
def test_cli_train_bad_arguments_give_one_line(argv, match, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        gancore.cli.main([*argv, "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err) and match in err[-1]


def test_cli_train_has_an_option_for_every_config_field(tmp_path, capsys):
    # generated from TrainConfig's fields: none is left out, each with its help
    from dataclasses import fields

    parser = gancore.cli._train_parser()
    options = {a.dest: a for a in parser._actions}
    for f in fields(TrainConfig):
        assert f.name in options, f.name
        assert options[f.name].help, f.name
    # the documented best mode-coverage configuration, and values a shell writes
    args = parser.parse_args(["--widths", "128,128,128", "--latent-dim", "2", "--betas",
                              "0.5,0.9", "--ema", "none", "--no-standardize", "--dtype",
                              "float64", "--loss", "least-squares"])
    assert args.widths == (128, 128, 128) and args.latent_dim == 2
    assert args.betas == (0.5, 0.9) and args.ema is None and args.standardize is False
    with pytest.raises(SystemExit):
        parser.parse_args(["--betas", "0.5"])
    assert "--betas" in capsys.readouterr().err


def test_least_squares_and_hinge_losses_are_their_pointwise_objectives():
    # the trainer's losses at one real and one generated output are the core's pointwise
    # objectives, and their records' optima are the core's optimal critics
    from gancore.torch import (LOSSES, hinge_critic_loss, least_squares_discriminator_loss,
                               least_squares_generator_loss, wasserstein_generator_loss)

    t = torch.linspace(-3.0, 3.0, 13, dtype=torch.float64)[:, None]
    s = torch.full_like(t, 0.25)
    want = 0.5 * (t - 1) ** 2 + 0.5 * (s + 1) ** 2
    assert torch.equal(least_squares_discriminator_loss(t, s), want[:, 0])
    assert torch.equal(least_squares_generator_loss(t), (0.5 * t**2)[:, 0])
    assert torch.equal(hinge_critic_loss(t, s), (torch.relu(1 - t) + torch.relu(1 + s))[:, 0])
    assert LOSSES["hinge"].generator is wasserstein_generator_loss
    p, q = np.array([0.3, 0.1, 0.2, 0.0]), np.array([0.1, 0.3, 0.2, 0.4])
    np.testing.assert_array_equal(LOSSES["hinge"].optimal_critic(p, q),
                                  gancore.hinge_optimal_critic(p, q))
    # the least-squares record at a config's codes: its losses are the public functions
    # at those codes, its optimum the core's and its log-ratio inverts that optimum
    ls = LOSSES["least-squares"]
    for a, b, c in [(-1.0, 1.0, 0.0), (0.0, 1.0, 1.0), (-2.0, 3.0, 0.5)]:
        codes = TrainConfig(loss="least-squares", codes=(a, b, c)).codes
        assert torch.equal(ls.critic(t, s, codes=codes),
                           least_squares_discriminator_loss(t, s, a=a, b=b))
        assert torch.equal(ls.generator(t, codes=codes), least_squares_generator_loss(t, c=c))
        np.testing.assert_allclose(ls.optimal_critic(p, q, codes=codes),
                                   gancore.least_squares_optimal_discriminator(p, q, a=a, b=b),
                                   rtol=1e-15)
        d = torch.as_tensor(gancore.least_squares_optimal_discriminator(p[:3], q[:3], a=a, b=b))
        np.testing.assert_allclose(ls.log_ratio(d, codes=codes).numpy(),
                                   np.log(p[:3] / q[:3]), rtol=1e-14, atol=1e-15)
    # D at or beyond a code is a ratio of 0 or infinity
    edges = ls.log_ratio(torch.tensor([-1.5, -1.0, 1.0, 2.0]), codes=(-1.0, 1.0, 0.0))
    assert edges.tolist() == [-math.inf, -math.inf, math.inf, math.inf]


@pytest.mark.parametrize("codes, error, match", [
    ((1.0, 0.0, 0.5), ValueError, r"codes \(a, b, c\): a, the generated points' code, "
                                  r"must be below b"),
    ((0.0, 0.0, 1.0), ValueError, "must be below b"),
    ((0.0, 1.0), TypeError, r"codes must be a triple \(a, b, c\)"),
    ("0,1,1", TypeError, "codes must be a triple"),
    ((0.0, math.nan, 1.0), ValueError, r"codes\[1\] must be finite"),
    ((0.0, 1.0, True), TypeError, r"codes\[2\] must be a real number"),
])
def test_least_squares_codes_are_checked(codes, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(loss="least-squares", codes=codes)


def test_codes_belong_to_the_least_squares_loss():
    # set away from Mao's coding with another loss is an error; the default, as a list
    # too, is not
    with pytest.raises(ValueError, match="codes applies to loss 'least-squares'"):
        TrainConfig(loss="hinge", codes=(0, 1, 1))
    assert TrainConfig(loss="hinge", codes=[-1, 1, 0]).codes == (-1.0, 1.0, 0.0)
    args = gancore.cli._train_parser().parse_args(["--loss", "least-squares", "--codes",
                                                   "0,1,1"])
    assert args.codes == (0.0, 1.0, 1.0)
