"""A loss from research code: defined outside gancore (tests/research_code), trained as
one GAN and as a population, checkpointed and resumed, run from the shell, and checked
by ``gancore verify --loss``."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import gancore.cli  # noqa: E402
from gancore.torch import TrainConfig, train  # noqa: E402

RESEARCH = Path(__file__).parent / "research_code"
SMALL = dict(widths=(8,), latent_dim=2, data_pool=2048, eval_samples=200, log_every=2,
             eval_every=3, steps=6)


@pytest.fixture
def lab(monkeypatch):
    """The research module, importable as research code is (on sys.path)."""
    monkeypatch.syspath_prepend(str(RESEARCH))
    import mylab_losses

    return mylab_losses


def test_a_research_loss_trains_one_gan_and_a_population(lab):
    one = train(TrainConfig(loss=lab.smoothed, **SMALL), progress=False)
    assert one.history["step"] == list(range(1, 7)) and one.config.loss is lab.smoothed
    population = train([TrainConfig(loss=lab.smoothed, seed=s, **SMALL) for s in range(3)],
                       progress=False)
    assert population.history["loss_d"].shape == (3, 6)
    # a population of one is the single run, bit for bit; member 0 of three computes the
    # same quantities with batched kernels, equal up to float32 rounding
    assert train([TrainConfig(loss=lab.smoothed, **SMALL)], progress=False)[0].history == \
        one.history
    np.testing.assert_allclose(population[0].history["loss_d"], one.history["loss_d"],
                               rtol=1e-5)


def test_a_research_loss_resumes_only_with_its_record(lab, tmp_path):
    path = tmp_path / "ckpt.pt"
    full = train(TrainConfig(loss=lab.smoothed, **SMALL), progress=False)
    train(TrainConfig(loss=lab.smoothed, checkpoint=str(path), **{**SMALL, "steps": 3}),
          progress=False)
    rest = train(TrainConfig(loss=lab.smoothed, **SMALL), resume=path, progress=False)
    for key in ("loss_d", "loss_g", "d_real", "d_fake"):
        assert rest.history[key] == full.history[key], key
    with pytest.raises(ValueError, match="loss='smoothed-gan'.*this config has "
                                         "loss='nonsaturating'"):
        train(TrainConfig(**SMALL), resume=path, progress=False)
    with pytest.raises(ValueError, match="loss_record"):
        train(TrainConfig(loss=lab.smoothed_other, **SMALL), resume=path, progress=False)


def test_a_research_loss_is_refused_a_table_name_and_fields_it_does_not_accept(lab):
    with pytest.raises(ValueError, match="the name 'hinge' is the table's own"):
        TrainConfig(loss=replace(lab.smoothed, name="hinge"))
    with pytest.raises(ValueError, match="r1_gamma applies to loss"):
        TrainConfig(loss=lab.smoothed, r1_gamma=1.0)
    with pytest.raises(ValueError, match="not TrainConfig fields"):
        TrainConfig(loss=replace(lab.smoothed, options=("temperature",)))


def test_the_cli_trains_a_research_loss_given_as_module_attr(lab, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "run"
    status = gancore.cli.main(["train", "--loss", "mylab_losses:smoothed", "--steps", "3",
                               "--widths", "8", "--latent-dim", "2", "--device", "cpu",
                               "--out", str(out), "--no-progress"])
    assert status == 0
    (config,) = json.loads((out / "config.json").read_text())
    assert config["loss"] == "smoothed-gan"
    assert config["loss_record"]["critic"] == "mylab_losses:smoothed_critic"
    assert capsys.readouterr().out.startswith("smoothed-gan: 1 member(s), 3 steps")
    with pytest.raises(SystemExit):
        gancore.cli.main(["train", "--loss", "mylab_losses:nothing", "--out", str(out)])
    assert "cannot import the loss record" in capsys.readouterr().err
    # and its networks, two members
    status = gancore.cli.main(["train", "--loss", "mylab_losses:smoothed", "--generator",
                               "mylab_nets:generator", "--discriminator", "mylab_nets:Critic",
                               "--latent-dim", "2", "--seeds", "2", "--steps", "3",
                               "--device", "cpu", "--out", str(out / "nets"), "--no-progress"])
    assert status == 0
    configs = json.loads((out / "nets" / "config.json").read_text())
    assert [(c["generator"], c["discriminator"]) for c in configs] == [("generator", "Critic")] * 2


def _verify(spec, *theorems):
    return subprocess.run([sys.executable, "-m", "gancore", "verify", *theorems, "--loss",
                           spec, "--namespaces", "torch"], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(RESEARCH), "COLUMNS": "120"})


def test_verify_loss_holds_for_a_correct_research_loss():
    done = _verify("mylab_losses:smoothed")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    row = next(l for l in done.stdout.splitlines() if l.startswith("Research loss"))
    assert " holds " in row


def test_verify_loss_fails_a_broken_one_showing_the_members_w1():
    done = _verify("mylab_losses:broken")
    assert done.returncode == 1
    assert "members below 0.1 s: " in done.stdout and "their W1 / s, sorted" in done.stdout
    assert "L(t*) <= L(t)" in done.stdout
    bad = _verify("mylab_losses:SMOOTH")
    assert bad.returncode == 2 and "not a gancore.torch.Loss" in bad.stderr
