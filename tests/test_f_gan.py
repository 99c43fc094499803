"""f-GAN's losses in the trainer: the activation table against the core's conjugates."""

from dataclasses import replace

import numpy as np
import pytest

import gancore

torch = pytest.importorskip("torch")
from gancore.torch import (TrainConfig, discriminator_loss, f_gan_activation,  # noqa: E402
                           f_gan_critic_loss, f_gan_generator_loss, minimax_generator_loss,
                           train)

V = torch.linspace(-30.0, 30.0, 2001, dtype=torch.float64)


@pytest.mark.parametrize("name", gancore.F_DIVERGENCES)
def test_closed_forms_are_the_conjugate_of_the_activation(name):
    # f*(g_f(v)) written in v against gancore.conjugate at the rounded t = g_f(v),
    # float64. The conjugate moves with t at the rate u* = (f*)'(t), the maximising
    # ratio (the envelope theorem), got here as d f*(g(v))/dv over dg/dv: rounding t
    # (half an ulp) moves f* by eps |u* t| / 2, which near the edge of a domain (Neyman
    # and Hellinger at v = -30, t = 1 - 1e-13) is far above a few ulps of f*.
    v = V.clone().requires_grad_(True)
    t = f_gan_activation(v, divergence=name)
    closed = -f_gan_generator_loss(v[:, None], divergence=name)
    (dt,) = torch.autograd.grad(t.sum(), v)
    (dstar,) = torch.autograd.grad(closed.sum(), v)
    u = torch.where(dt != 0, dstar / torch.where(dt != 0, dt, 1.0), 0.0)
    star = gancore.conjugate(name, t.detach().numpy())
    assert np.all(np.isfinite(star)), "g_f leaves the domain of f*"
    closed, t, u = (x.detach().numpy() for x in (closed, t, u))
    eps = np.finfo(np.float64).eps
    tol = 32 * eps * (np.abs(u * t) + np.abs(star)) + 1e-300
    worst = np.argmax(np.abs(closed - star) / tol)
    assert np.all(np.abs(closed - star) <= tol), (V[worst], closed[worst], star[worst],
                                                  tol[worst])


# the open range (inf, sup) of each g_f over finite v, from the table of f_gan_activation
RANGES = {"total-variation": (-0.5, 0.5), "kl": (-np.inf, np.inf),
          "reverse-kl": (-np.inf, 0.0), "pearson": (-np.inf, np.inf), "neyman": (-np.inf, 1.0),
          "hellinger": (-np.inf, 1.0), "jensen-shannon": (-np.inf, np.log(2.0) / 2),
          "gan": (-np.inf, 0.0), "triangular": (-np.inf, 1.0)}


@pytest.mark.parametrize("name", gancore.F_DIVERGENCES)
def test_the_optimal_critic_is_a_finite_value_for_every_f_but_total_variation(name):
    # T* = f'(p/q) at log-ratios in [-15, 15] (p, q > 0, p != q) lies strictly inside
    # g_f's range, so a finite critic value v attains it; TV's T* = sign(p - q) / 2 is
    # the edge of tanh(v) / 2's range, reached only as v -> +-infinity. (Past a
    # log-ratio of 18, Neyman's 1 - e^{-2 l} rounds to its supremum 1 in float64.) The
    # range itself is checked against g_f at v = +-40 (within 1e-12 of its finite ends).
    v = torch.tensor([-40.0, 40.0], dtype=torch.float64)
    low, high = RANGES[name]
    ends = np.sort(f_gan_activation(v, divergence=name).numpy())  # some g_f decrease
    for end, bound in zip(ends, (low, high)):
        if np.isfinite(bound):
            assert end == pytest.approx(bound, abs=1e-12)
    ratio = np.exp(np.linspace(-15.0, 15.0, 601))
    ratio = ratio[np.abs(np.log(ratio)) > 1e-9]
    t = np.asarray(gancore.optimal_critic(ratio, np.ones_like(ratio), f=name))
    inside = (t > low) & (t < high)
    if name == "total-variation":
        assert not inside.any() and np.all(np.abs(t) == 0.5)
    else:
        assert inside.all(), t[~inside]


def test_gan_divergence_is_the_minimax_gan():
    # the same formulas; torch's softplus (in the classic losses) returns x itself above
    # 20, dropping e^-20 = 2.1e-9 of each term, which f-GAN's keeps
    real, fake = V[:1000].reshape(10, 100), V[1000:2000].reshape(10, 100)
    torch.testing.assert_close(f_gan_critic_loss(real, fake, divergence="gan"),
                               discriminator_loss(real, fake), rtol=1e-15, atol=3e-9)
    torch.testing.assert_close(f_gan_generator_loss(fake, divergence="gan"),
                               minimax_generator_loss(fake), rtol=1e-15, atol=3e-9)


def test_r1_penalises_the_f_gan_critic_as_it_does_the_gan_discriminator():
    # f = GAN's critic value is the minimax GAN's logit: at the first step (the same
    # networks and batches) the logged critic losses, R1 included, agree to float64
    # rounding, and R1 adds the same gamma / 2 E_P ||grad v||^2 to both (an f-GAN that
    # ignored r1_gamma would add 0). The critic is a user's module: the built-in one
    # starts constant (a zero last layer), where the penalty is 0.
    def critic():
        return torch.nn.Sequential(torch.nn.Linear(1, 8), torch.nn.Tanh(),
                                   torch.nn.Linear(8, 1))

    fields = dict(data=gancore.Normal(1.0, 2.0), steps=1, widths=(8,), latent_dim=2,
                  data_pool=256, eval_samples=50, dtype="float64", eval_every=1,
                  discriminator=critic)

    def first_loss_d(loss, r1_gamma):
        config = TrainConfig(loss=loss, r1_gamma=r1_gamma, divergence="gan", **fields)
        return float(train(config, progress=False).history["loss_d"][0])

    gan = {r1: first_loss_d("minimax", r1) for r1 in (0.0, 1.0)}
    f_gan = {r1: first_loss_d("f-gan", r1) for r1 in (0.0, 1.0)}
    assert f_gan[1.0] == pytest.approx(gan[1.0], rel=1e-12)
    assert gan[1.0] - gan[0.0] > 1e-3
    assert f_gan[1.0] - f_gan[0.0] == pytest.approx(gan[1.0] - gan[0.0], rel=1e-9)


@pytest.mark.parametrize("name", gancore.F_DIVERGENCES)
def test_the_value_penalty_is_lambda_half_the_mean_squares_in_both_losses(name):
    # one lambda per member (rows): the critic's loss gains lambda / 2 (mean v_real^2 +
    # mean v_fake^2) and the generator's loses lambda / 2 mean v_fake^2, so that both
    # play the same penalised bound F_lambda
    gen = torch.Generator().manual_seed(0)
    real, fake = (torch.randn(2, 50, generator=gen, dtype=torch.float64) for _ in range(2))
    lam = torch.tensor([0.0, 0.3], dtype=torch.float64)
    squares = lam / 2 * ((real ** 2).mean(-1) + (fake ** 2).mean(-1))
    torch.testing.assert_close(
        f_gan_critic_loss(real, fake, divergence=name, value_penalty=lam),
        f_gan_critic_loss(real, fake, divergence=name) + squares, rtol=1e-15, atol=1e-15)
    torch.testing.assert_close(
        f_gan_generator_loss(fake, divergence=name, value_penalty=lam),
        f_gan_generator_loss(fake, divergence=name) - lam / 2 * (fake ** 2).mean(-1),
        rtol=1e-15, atol=1e-15)


def test_the_trainer_adds_the_value_penalty_to_the_critic_loss():
    # a critic whose value is the constant c at the first step (zero weight, bias c):
    # its first logged loss grows by lambda / 2 (c^2 + c^2) = lambda c^2 with the penalty
    c, lam = 1.5, 0.2

    def critic():
        layer = torch.nn.Linear(1, 1)
        with torch.no_grad():
            layer.weight.zero_()
            layer.bias.fill_(c)
        return layer

    config = TrainConfig(loss="f-gan", divergence="kl", data=gancore.Normal(0.0, 1.0),
                         steps=1, widths=(8,), data_pool=256, eval_samples=50,
                         eval_every=1, dtype="float64", standardize=False,
                         discriminator=critic)
    first = [float(train(replace(config, value_penalty=v), progress=False)
                   .history["loss_d"][0]) for v in (0.0, lam)]
    assert first[1] - first[0] == pytest.approx(lam * c * c, rel=1e-12)


def test_penalties_a_loss_has_no_place_for_are_refused():
    with pytest.raises(ValueError, match="value_penalty applies to loss 'f-gan'"):
        TrainConfig(loss="nonsaturating", value_penalty=0.1)
    with pytest.raises(ValueError, match="r1_gamma applies to loss 'minimax' or"):
        TrainConfig(loss="wgan-gp", r1_gamma=1.0)
    with pytest.raises(ValueError, match="value_penalty must be a finite number >= 0"):
        TrainConfig(loss="f-gan", value_penalty=-1e-3)


def test_f_gan_population_trains_with_a_divergence_per_member():
    configs = [TrainConfig(loss="f-gan", divergence="hellinger", data=gancore.Normal(m, 1.0),
                           steps=5, seed=i, widths=(8,), data_pool=256, eval_samples=50)
               for i, m in enumerate((0.0, 2.0))]
    result = train(configs, progress=False)
    assert result.history["loss_d"].shape[0] == 2
    # member 1 on KL: its own game (the logged D is its own activation's), member 0's
    # run unchanged (tests/test_population.py checks the members bit for bit)
    mixed = train([configs[0], replace(configs[1], divergence="kl")], progress=False)
    assert mixed[0].history == result[0].history
    assert np.all(np.isfinite(mixed.history["loss_d"]))
    assert mixed[1].history["d_real"] != result[1].history["d_real"]
    with pytest.raises(ValueError, match="divergence must be one of"):
        TrainConfig(loss="f-gan", divergence="chi2")
