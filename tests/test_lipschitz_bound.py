"""lipschitz_upper_bound: exact for one linear layer, and above every slope measured
between pairs of points of random MLPs, for every activation."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gancore.torch import Affine, discriminator, generator, lipschitz_upper_bound  # noqa: E402
from gancore.torch.models import ACTIVATIONS  # noqa: E402


def test_one_linear_layer_has_its_largest_singular_value():
    layer = torch.nn.Linear(3, 2).double()
    s = np.linalg.svd(layer.weight.detach().numpy(), compute_uv=False)
    assert lipschitz_upper_bound(torch.nn.Sequential(layer)) == pytest.approx(s[0], rel=1e-12)
    # an Affine map multiplies it by the largest |scale| (inverse) or 1 / |scale|
    scale = torch.tensor([0.5, -3.0])
    both = torch.nn.Sequential(layer.float(), Affine(torch.zeros(2), scale, inverse=True))
    assert lipschitz_upper_bound(both) == pytest.approx(3 * s[0], rel=1e-6)
    assert lipschitz_upper_bound(torch.nn.Sequential(Affine(torch.zeros(2), scale))) == 2.0


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_bound_is_above_every_measured_slope(activation):
    torch.manual_seed(0)
    for net in (generator(2, latent_dim=3, widths=(16, 16), activation=activation,
                          shift=torch.zeros(2), scale=torch.tensor([2.0, 0.5])),
                discriminator(2, widths=(16,), activation=activation)):
        for p in net.parameters():  # the discriminator's last layer starts at zero
            torch.nn.init.normal_(p)
        d_in = net[0].in_features if isinstance(net[0], torch.nn.Linear) else 2
        x = torch.randn(20_000, d_in)
        y = x + 1e-3 * torch.randn(20_000, d_in)
        with torch.no_grad():
            fx, fy = net(x), net(y)
        slope = ((fx - fy).reshape(20_000, -1).norm(dim=1) / (x - y).norm(dim=1)).max()
        assert float(slope) <= lipschitz_upper_bound(net) * (1 + 1e-5)


def test_unknown_layers_are_refused():
    with pytest.raises(TypeError, match="network must hold linear layers"):
        lipschitz_upper_bound(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softplus(beta=9)))
    with pytest.raises(TypeError, match="network must be a torch.nn.Sequential"):
        lipschitz_upper_bound(torch.nn.Linear(2, 2))
