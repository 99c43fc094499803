"""The trainer's flat-vector optimiser updates against ``torch.optim``."""

import pytest

torch = pytest.importorskip("torch")
from gancore.torch import discriminator, generator  # noqa: E402
from gancore.torch.updates import (adam_update, flatten_parameters,  # noqa: E402
                                   optimiser_state, rmsprop_update)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
# float64 isolates the formula: the two sides group their products differently, which
# over 30 steps moves parameters of size ~1 by a few ulps of 1e-16 (bound 1e-12); in
# float32 the same regrouping costs a few ulps of 1.2e-7 (bound 1e-5)
TOLERANCE = {torch.float64: 1e-12, torch.float32: 1e-5}


def _compare(reference, ours, device, dtype, steps=30):
    """Run ``torch.optim`` (``reference(params)``) and ``ours(flat, grad, state)`` on
    the same generator network and the same random gradients; compare every step."""
    torch.manual_seed(0)
    net = generator(2, latent_dim=3, widths=(8, 8)).to(device, dtype)
    params = [p.detach().clone().requires_grad_(True) for p in net.parameters()]
    flat = flatten_parameters(net)
    state = optimiser_state(flat)
    optimiser = reference(params)
    gen = torch.Generator(device=device).manual_seed(1)
    for _ in range(steps):
        grads = [torch.randn(p.shape, generator=gen, device=device, dtype=dtype)
                 for p in params]
        for p, g in zip(params, grads):
            p.grad = g
        optimiser.step()
        ours(flat, torch.cat([g.reshape(-1) for g in grads]), state)
        torch.testing.assert_close(flat, torch.cat([p.detach().reshape(-1) for p in params]),
                                   rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    assert int(state["step"]) == steps


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("betas", [(0.5, 0.999), (0.0, 0.9)])
def test_adam_update_is_torch_adam(device, dtype, betas):
    _compare(lambda params: torch.optim.Adam(params, lr=1e-2, betas=betas, foreach=False),
             lambda flat, grad, state: adam_update(flat, grad, state, lr=1e-2, betas=betas),
             device, dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_rmsprop_update_is_torch_rmsprop(device, dtype):
    _compare(lambda params: torch.optim.RMSprop(params, lr=1e-2, foreach=False),
             lambda flat, grad, state: rmsprop_update(flat, grad, state, lr=1e-2),
             device, dtype)


def test_the_step_count_is_a_tensor_on_a_gpu_only():
    assert optimiser_state(torch.zeros(3))["step"] == 0
    assert isinstance(optimiser_state(torch.zeros(3))["step"], int)
    if torch.cuda.is_available():
        step = optimiser_state(torch.zeros(3, device="cuda"))["step"]
        assert torch.is_tensor(step) and step.device.type == "cuda"


def test_flattened_parameters_are_views_of_the_vector():
    torch.manual_seed(0)
    net = discriminator(2, widths=(5, 4))
    x = torch.randn(7, 2)
    before, names = net(x), [name for name, _ in net.named_parameters()]
    flat = flatten_parameters(net)
    assert flat.shape == (sum(p.numel() for p in net.parameters()),)
    assert [name for name, _ in net.named_parameters()] == names
    torch.testing.assert_close(net(x), before, rtol=0, atol=0)
    flat.zero_()  # a change to the vector is a change to the network, and back
    assert all(bool((p == 0).all()) for p in net.parameters())
    net.load_state_dict({k: torch.ones_like(v) for k, v in net.state_dict().items()})
    assert bool((flat == 1).all())
    with pytest.raises(ValueError, match="no parameters"):
        flatten_parameters(torch.nn.ReLU())
    mixed = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1).double())
    with pytest.raises(ValueError, match="share one dtype and device"):
        flatten_parameters(mixed)


def test_flattened_parameters_can_be_a_row_of_a_population():
    torch.manual_seed(0)
    nets = [discriminator(2, widths=(5,)) for _ in range(3)]
    x = torch.randn(7, 2)
    before = [net(x) for net in nets]
    rows = torch.empty(3, sum(p.numel() for p in nets[0].parameters()))
    for net, row in zip(nets, rows):
        assert flatten_parameters(net, out=row).data_ptr() == row.data_ptr()
    for net, out in zip(nets, before):
        torch.testing.assert_close(net(x), out, rtol=0, atol=0)
    rows[1].zero_()  # row 1 is network 1's parameters, and no other's
    assert all(bool((p == 0).all()) for p in nets[1].parameters())
    torch.testing.assert_close(nets[0](x), before[0], rtol=0, atol=0)
    for bad in (torch.empty(5), torch.empty(rows.shape[1], dtype=torch.float64),
                torch.empty(2, rows.shape[1])[:, 0]):
        with pytest.raises(ValueError, match="out must be a contiguous vector"):
            flatten_parameters(nets[0], out=bad)


@pytest.mark.parametrize("call, match", [
    (lambda p, s: adam_update(p, torch.zeros(4), s, lr=1e-3, betas=(0.5, 0.9)),
     r"grad must have param's shape \(3,\); got \(4,\)"),
    (lambda p, s: adam_update(p, torch.zeros(3), s, lr=0.0, betas=(0.5, 0.9)),
     r"lr must be a finite number > 0"),
    (lambda p, s: adam_update(p, torch.zeros(3), s, lr=1e-3, betas=(0.5, 1.0)),
     r"beta2 must lie in \[0, 1\)"),
    (lambda p, s: rmsprop_update(p, torch.zeros(3), s, lr=-1.0), r"lr must be a finite number > 0"),
    (lambda p, s: rmsprop_update(p, torch.zeros(3), s, lr=1e-3, alpha=-0.1), r"alpha must lie in"),
    (lambda p, s: adam_update(p, torch.zeros(3), optimiser_state(torch.zeros(5)), lr=1e-3,
                              betas=(0.5, 0.9)), "state must come from optimiser_state"),
])
def test_updates_reject_bad_input_naming_it(call, match):
    param = torch.zeros(3)
    state = optimiser_state(param)
    with pytest.raises(ValueError, match=match):
        call(param, state)
    assert state["step"] == 0 and bool((param == 0).all())  # nothing was changed
