"""Sampling a trained GAN with its discriminator: TrainResult.sample(refine=...) and
calibrate. With a discriminator whose logit is exactly log(p / q), the refined draws
follow p; the f-GAN critics' log-ratios invert T* = f'(p / q); refinement is refused
where the critic estimates no ratio."""

import math

import numpy as np
import pytest
from scipy import stats

import gancore

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gancore.torch import TrainConfig, TrainResult, calibrate, sweep, train  # noqa: E402
from gancore.torch.f_gan import f_gan_activation  # noqa: E402
from gancore.torch.refine import log_ratio_of_critic, refined_sample  # noqa: E402

DATA, PROPOSAL = gancore.Normal(1.0, 0.5), gancore.Normal(0.5, 1.0)


class ExactLogRatio(nn.Module):
    """log p(x) - log q(x) for the 1-D normals p = DATA and q = PROPOSAL, or the sum over
    a pack of such points (rows of shape (n, pack))."""

    def forward(self, x):
        def log_normal(d):
            return -0.5 * ((x - d.loc) / d.scale) ** 2 - math.log(d.scale)

        return (log_normal(DATA) - log_normal(PROPOSAL)).sum(-1)


def _exact(pack=1):
    """A result whose generator draws PROPOSAL exactly and whose discriminator's logit
    is the exact log-ratio: refinement must return draws of DATA."""
    g = nn.Linear(1, 1).double()
    with torch.no_grad():
        g.weight.fill_(PROPOSAL.scale)
        g.bias.fill_(PROPOSAL.loc)
    config = TrainConfig(data=DATA, latent_dim=1, dtype="float64", pack=pack, steps=0)
    return TrainResult(config=config, generator=g, discriminator=ExactLogRatio(),
                       average=None, history={}, step=0)


@pytest.mark.parametrize("refine", ["rejection", "mh"])
@pytest.mark.parametrize("pack", [1, 2])
def test_refinement_with_the_exact_ratio_draws_the_data(refine, pack):
    # sup log(p / q) = log 2 + 0.5^2 / (2 * 0.75) = log 2 + 1/6, near 0.86: 10000
    # burn-in draws put log M within 1e-3 of it (the cut mass is below 1e-3 of the
    # draws' law, undetectable by KS at n = 3000), and MH's 100 steps leave a TV of at
    # most (1 - 1/M^pack)^100 < 1e-12. KS at risk 1e-6.
    got = _exact(pack).sample(3001, seed=5, refine=refine)
    assert got.shape == (3001,) and got.dtype == torch.float64
    distance = stats.kstest(got.numpy(), DATA.cdf).statistic
    assert distance <= stats.kstwo.isf(1e-6, 3001), distance


def test_refinement_rates_match_one_over_m():
    # rejection keeps a pack with probability exp(l - log M): 1 / M on average, with
    # log M = sup of the log-ratio (to within 1e-3, see above); 6 binomial sd
    # log(s / sigma) + (mu - m)^2 / (2 (s^2 - sigma^2))
    log_m = math.log(2.0) + 0.5**2 / (2 * 0.75)
    rate = refined_sample(_exact(), 20_000, "rejection", 1).rate
    n_drawn = 20_000 * math.exp(log_m)
    assert abs(rate - math.exp(-log_m)) <= 6 * math.sqrt(rate * (1 - rate) / n_drawn) + 2e-3


def test_refinement_is_seeded_and_shaped():
    run = train(TrainConfig(data=gancore.gaussian_ring(4), steps=20, widths=(8,), pack=2),
                progress=False)
    for refine in ("rejection", "mh"):
        a = run.sample(7, seed=3, refine=refine)
        assert a.shape == (7, 2)
        assert torch.equal(a, run.sample(7, seed=3, refine=refine))
    assert not torch.equal(run.sample(7, seed=3), run.sample(7, seed=3, refine="mh"))


@pytest.mark.parametrize("f", sorted(set(gancore.F_DIVERGENCES) - {"total-variation"}))
def test_f_gan_log_ratio_inverts_the_optimal_critic(f):
    # T = g_f(v) is f'(r) at r = exp(log_ratio(v)): T* of the pointwise ratio r : 1,
    # on values whose T is some ratio's T* (Pearson's T* >= -2 = g_f(-2); the triangular
    # discrimination's T* = 1 - 4 / (r + 1)^2 >= -3 = g_f(2 log 2))
    top = 1.38 if f == "triangular" else 3.0
    v = torch.linspace(-1.9, top, 41, dtype=torch.float64)
    config = TrainConfig(loss="f-gan", divergence=f)
    r = torch.exp(log_ratio_of_critic(config)(v))
    t_star = gancore.optimal_critic(r.numpy(), np.ones(41), f=f)
    np.testing.assert_allclose(f_gan_activation(v, divergence=f).numpy(), t_star,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fields", [{"loss": "wgan"}, {"loss": "wgan-gp"},
                                    {"loss": "f-gan", "divergence": "total-variation"}])
def test_refinement_is_refused_where_the_critic_estimates_no_ratio(fields):
    run = train(TrainConfig(data=gancore.Normal(), steps=0, widths=(4,), **fields),
                progress=False)
    with pytest.raises(ValueError, match="refine needs a discriminator that estimates"):
        run.sample(5, refine="rejection")
    with pytest.raises(ValueError, match="refine needs a discriminator that estimates"):
        calibrate(run, steps=1)


def test_refine_must_be_a_choice():
    run = _exact()
    with pytest.raises(ValueError, match=r"refine must be one of \['rejection', 'mh'\]"):
        run.sample(5, refine="drs")


def test_calibrate_trains_a_copy_of_the_discriminator_against_the_raw_generator():
    population = train(sweep(TrainConfig(data=gancore.Normal(1.0, 0.5), steps=30,
                                         widths=(8,)), seed=[0, 1]), progress=False)
    before = [[p.clone() for p in m.discriminator.parameters()] for m in population]
    calibrated = calibrate(population, steps=50, batch_size=32, lr=1e-2)
    assert len(calibrated) == 2
    for old, new, saved in zip(population, calibrated, before):
        assert new.generator is old.generator and new.config is old.config
        assert all(torch.equal(a, b) for a, b in zip(saved, old.discriminator.parameters()))
        # the calibrated logit separates the data from the raw generator at least as
        # well: its loss on fresh batches is no larger (50 steps at lr 1e-2 from the
        # trained critic)
        x = torch.as_tensor(gancore.Normal(1.0, 0.5).sample(4000, seed=9), dtype=torch.float32)
        with torch.no_grad():
            fake = old.generator(torch.randn(4000, old.config.latent_dim,
                                             generator=torch.Generator().manual_seed(9)))

            def loss(d):
                return float(nn.functional.softplus(-d(x[:, None])).mean()
                             + nn.functional.softplus(d(fake)).mean())

            assert loss(new.discriminator) <= loss(old.discriminator) + 1e-3


class Spiked(nn.Module):
    """A logit of 0, but 40 beyond x = 3.93 (probability 3e-4 under PROPOSAL, so the
    burn-in of 10000 draws sees a few): DRS's M comes from the spikes, and every other
    draw is kept with probability e^-40, about 3e-4 of them in all."""

    def forward(self, x):
        return torch.where(x[:, 0] > 3.93, 40.0, 0.0).to(x.dtype)


def test_rejection_gives_up_with_a_clear_error_where_the_largest_logit_is_an_outlier():
    run = _exact()
    run.discriminator = Spiked()
    # 10^8 draws would keep about 30000 of the 50000 wanted: it gives up after 10^6
    with pytest.raises(RuntimeError, match=r"refine='rejection' kept \d+ of 50000 after"):
        run.sample(50_000, seed=0, refine="rejection")
    assert run.sample(10, seed=0, refine="mh").shape == (10,)  # MH needs no M
