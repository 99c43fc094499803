"""PacGAN's packing in the trainer: what the discriminator sees."""

import pytest

import gancore

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gancore.torch import TrainConfig, train  # noqa: E402


class _Recording(nn.Module):
    """A linear critic that records the shapes of its inputs."""

    def __init__(self, width, shapes):
        super().__init__()
        self.linear, self.shapes = nn.Linear(width, 1), shapes

    def forward(self, x):
        self.shapes.append(tuple(x.shape))
        return self.linear(x)


@pytest.mark.parametrize("loss, pack", [("nonsaturating", 2), ("wgan-gp", 3)])
def test_discriminator_sees_batch_size_packs_of_pack_samples(loss, pack):
    shapes = []
    cfg = TrainConfig(loss=loss, data=gancore.gaussian_ring(), pack=pack, batch_size=16,
                      steps=2, widths=(8,), data_pool=256, eval_samples=50,
                      discriminator=lambda: _Recording(2 * pack, shapes), standardize=False)
    result = train(cfg, progress=False)
    # every call sees inputs of width 2 * pack (pack samples of R^2), in batches of 16
    # packs (the generator's step), 32 (the critic's real and fake in one pass) or 48
    # (one GAN's WGAN-GP critic: real, fake and interpolates); the set-up check first
    # tries 3 packs
    assert shapes[0] == (3, 2 * pack)
    assert set(shapes[1:]) <= {(16, 2 * pack), (32, 2 * pack), (48, 2 * pack)}
    assert (16, 2 * pack) in shapes[1:]
    assert result.sample(5).shape == (5, 2)


def test_packed_built_in_discriminator_takes_packs_in_data_units():
    cfg = TrainConfig(data=gancore.Normal(3.0, 2.0), pack=4, steps=1, widths=(8,),
                      data_pool=256, eval_samples=50, ema=None)
    d = train(cfg, progress=False).discriminator
    first = d[0]  # the data-units map, repeated for each of the pack's samples
    assert first.shift.shape == (4,) and first.scale.shape == (4,)
    assert d(torch.zeros(7, 4)).shape == (7,)


def test_packed_members_train_together_and_r1_runs():
    configs = [TrainConfig(data=gancore.gaussian_grid(), pack=2, r1_gamma=1.0, seed=s,
                           steps=3, widths=(8,), data_pool=256, eval_samples=50)
               for s in range(3)]
    result = train(configs, progress=False)
    assert result.history["loss_d"].shape[0] == 3
    assert all(torch.isfinite(m.sample(10)).all() for m in result)


def test_pack_is_checked():
    with pytest.raises(ValueError, match="pack must be an int >= 1"):
        TrainConfig(pack=0)
    with pytest.raises(TypeError, match="pack must be an int"):
        TrainConfig(pack=2.0)
    with pytest.raises(ValueError, match="agree on pack"):
        train([TrainConfig(pack=1, steps=0), TrainConfig(pack=2, steps=0)], progress=False)
    wrong = TrainConfig(pack=2, steps=1, discriminator=lambda: nn.Linear(1, 1))
    with pytest.raises(ValueError, match=r"discriminator must take \(n, 2\) packs of 2"):
        train(wrong, progress=False)
