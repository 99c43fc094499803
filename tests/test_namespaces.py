"""Dispatch: one namespace per call, results where the inputs live, a light import."""

import subprocess
import sys
from fractions import Fraction

import array_api_strict
import numpy as np
import pytest

import gancore
from proofs._support import arr

P, Q = [0.25, 0.75], [0.5, 0.5]


def test_mixing_namespaces_is_a_type_error_naming_the_arguments():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="p and q must come from one array namespace"):
        gancore.kl(np.array(P), torch.tensor(Q, dtype=torch.float64))
    with pytest.raises(TypeError, match="u_values and v_values must come from one"):
        gancore.w1(array_api_strict.asarray(P), np.array(Q))
    with pytest.raises(TypeError, match="p_data, p_g and d must come from one"):
        gancore.value(torch.tensor(Q, dtype=torch.float64), np.array(P), np.array(Q))


def test_lists_become_float64_numpy():
    got = gancore.jsd(P, Q)
    assert isinstance(got, (np.ndarray, np.floating)) and got.dtype == np.float64
    assert float(got) == pytest.approx(float(gancore.jsd(np.array(P), np.array(Q))))
    # a list beside an array is converted into the array's namespace
    strict = gancore.kl(array_api_strict.asarray(P), Q)
    assert isinstance(strict, array_api_strict._array_object.Array)


def test_float32_and_float64_promote_to_float64(xp):
    got = gancore.tv(arr(xp, P, xp.float32), arr(xp, Q))
    assert got.dtype == xp.float64


def test_torch_tensors_that_require_grad_are_accepted():
    torch = pytest.importorskip("torch")
    x = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    got = gancore.w1_empirical(x, x.detach() + 1.0)
    assert isinstance(got, torch.Tensor)
    assert float(got) == pytest.approx(2 ** 0.5, rel=1e-12, abs=0)


def test_tensors_that_track_a_gradient_are_read_without_a_torch_warning():
    # the checks read values of tensors that track a gradient; torch warns (once per
    # process) when such a tensor becomes a Python float, so a fresh process that turns
    # warnings into errors runs each core function on such tensors, on every path (a
    # short distribution, a nearly equal one, a batch, normalize)
    pytest.importorskip("torch")
    code = """if True:
    import torch, gancore
    g = torch.Generator().manual_seed(3)
    def pair(n, near=False):
        p = torch.rand(n, dtype=torch.float64, generator=g) + 0.1
        q = p * (1 + 1e-4 * torch.rand(n, dtype=torch.float64, generator=g)) if near else (
            torch.rand(n, dtype=torch.float64, generator=g) + 0.1)
        return [(x / x.sum()).requires_grad_(True) for x in (p, q)]
    d = torch.rand(60, dtype=torch.float64, generator=g) * 0.9 + 0.05
    calls = [gancore.kl, gancore.jsd, gancore.tv, gancore.virtual_criterion,
             gancore.optimal_discriminator, gancore.optimal_discriminator_logits,
             lambda p, q: gancore.value(d, p, q)] + [
        (lambda p, q, f=f: gancore.f_divergence(p, q, f=f)) for f in gancore.F_DIVERGENCES]
    for call in calls:
        for p, q in (pair(60), pair(60, near=True)):
            call(p, q)
        p, q = pair(60)
        call(torch.stack([p, q]), torch.stack([q, p]))
    gancore.kl(3 * pair(60)[0], pair(60)[1], normalize=True)
    print("quiet")"""
    out = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code],
                         capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["quiet"], out.stderr[-2000:]


def _core_calls(torch, n, gen):
    """Every core call that takes two measures, as a scalar of them (D* and its logits
    weighed by fixed numbers), by name."""
    d = torch.rand(n, dtype=torch.float64, generator=gen) * 0.9 + 0.05
    c = torch.rand(n, dtype=torch.float64, generator=gen)
    calls = {"kl": gancore.kl, "jsd": gancore.jsd, "tv": gancore.tv,
             "virtual_criterion": gancore.virtual_criterion,
             "value": lambda p, q: gancore.value(d, p, q),
             "optimal_discriminator": lambda p, q: torch.sum(
                 gancore.optimal_discriminator(p, q) * c),
             "optimal_discriminator_logits": lambda p, q: torch.sum(
                 gancore.optimal_discriminator_logits(p, q) * c)}
    calls.update({f: lambda p, q, f=f: gancore.f_divergence(p, q, f=f)
                  for f in gancore.F_DIVERGENCES})
    return calls


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("dx, normalize", [(1.0, False), (0.5, False), (1.0, True)])
def test_cpu_tensors_take_numpys_short_paths_bit_for_bit(dtype, dx, normalize):
    # one short distribution of CPU tensors runs NumPy's shortcut on the tensors' NumPy
    # views: the same bits as NumPy's for the same data, as a tensor of the dtype (0-d,
    # or D*'s shape), and the inputs untouched. Far inputs (cubes of uniforms), so that
    # every direct formula is accepted
    torch = pytest.importorskip("torch")
    gen = np.random.default_rng(8)
    n = 300
    p, q = (gen.random(n) ** 3 + 1e-3 for _ in range(2))
    scale = (3.0 if normalize else 1.0) / dx
    p, q = (x / x.sum() * scale for x in (p, q))
    p, q, d = (x.astype(dtype) for x in (p, q, gen.random(n) * 0.9 + 0.05))
    calls = _core_calls(torch, n, torch.Generator().manual_seed(2))
    calls.pop("optimal_discriminator_logits")  # (no shortcut)
    options = {"dx": dx, "normalize": normalize}
    for name, call in {
            "kl": lambda a, b, c: gancore.kl(a, b, **options),
            "jsd": lambda a, b, c: gancore.jsd(a, b, **options),
            "tv": lambda a, b, c: gancore.tv(a, b, **options),
            "value": lambda a, b, c: gancore.value(c, a, b, **options),
            "virtual_criterion": lambda a, b, c: gancore.virtual_criterion(a, b, **options),
            "optimal_discriminator": lambda a, b, c: gancore.optimal_discriminator(a, b),
            **{f: lambda a, b, c, f=f: gancore.f_divergence(a, b, f=f, **options)
               for f in calls if f in gancore.F_DIVERGENCES}}.items():
        tensors = [torch.from_numpy(x.copy()) for x in (p, q, d)]
        got = call(*tensors)
        want = np.asarray(call(p, q, d))
        assert isinstance(got, torch.Tensor) and got.device.type == "cpu", name
        assert got.dtype == tensors[0].dtype and tuple(got.shape) == want.shape, name
        assert np.array_equal(got.numpy(), want), (name, got, want)
        for tensor, x in zip(tensors, (p, q, d)):
            assert np.array_equal(tensor.numpy(), x), name


def test_cpu_tensors_keep_the_general_path_where_forward_mode_cannot_be_told(monkeypatch):
    # the short paths read torch's forward-mode level (a module name of torch's): a torch
    # without that name sends every tensor to the general path, whose result stands
    torch = pytest.importorskip("torch")
    forward_ad = pytest.importorskip("torch.autograd.forward_ad")
    from gancore._host import numpy_views

    p, q = (torch.tensor(x, dtype=torch.float64) for x in (P, Q))
    want = float(gancore.kl(np.array(P), np.array(Q)))
    assert numpy_views(p, q) is not None
    monkeypatch.delattr(forward_ad, "_current_level")
    assert numpy_views(p, q) is None
    assert float(gancore.kl(p, q)) == pytest.approx(want, rel=1e-15)


# torch's forward-mode decompositions, loaded at the first jvp, script functions with
# torch.jit, which torch itself deprecates
@pytest.mark.filterwarnings("ignore:.torch.jit.script. is deprecated:DeprecationWarning")
@pytest.mark.parametrize("spread", [1e-4, 1.0])  # nearly equal (careful sums), and far
@pytest.mark.parametrize("n", [60, 20000])  # the short host paths, and the general one
def test_forward_mode_derivatives_match_the_gradients_on_torch(n, spread):
    # the derivative along (dp, dq) from torch.func.jvp and from dual tensors is the
    # gradient's dot product with (dp, dq): the short paths, which form a result from
    # Python floats (a tangent of 0), step aside while a forward-mode level is open.
    # Directions of total 0 keep the totals at 1 (as normalize=False requires)
    torch = pytest.importorskip("torch")
    fwd = pytest.importorskip("torch.autograd.forward_ad")
    gen = torch.Generator().manual_seed(11)
    p = torch.rand(n, dtype=torch.float64, generator=gen) + 0.1
    q = p * (1 + spread * torch.rand(n, dtype=torch.float64, generator=gen))
    p, q = p / p.sum(), q / q.sum()
    dp, dq = (torch.randn(n, dtype=torch.float64, generator=gen) for _ in range(2))
    dp, dq = dp - dp.mean(), dq - dq.mean()
    for name, call in _core_calls(torch, n, gen).items():
        a, b = p.clone().requires_grad_(True), q.clone().requires_grad_(True)
        call(a, b).backward()
        want = float(torch.dot(a.grad, dp) + torch.dot(b.grad, dq))
        through_jvp = float(torch.func.jvp(call, (p, q), (dp, dq))[1])
        with fwd.dual_level():
            dual = call(fwd.make_dual(p, dp), fwd.make_dual(q, dq))
            through_duals = float(fwd.unpack_dual(dual).tangent)
        # float64 derivatives of size up to about n (dp and dq of unit size a point)
        # from differently rounded evaluations
        for got in (through_jvp, through_duals):
            assert got == pytest.approx(want, rel=1e-9, abs=1e-9), name


def test_import_loads_neither_torch_nor_cupy():
    code = "import sys, gancore; print('torch' in sys.modules, 'cupy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_demo_command_prints_agreeing_references():
    out = subprocess.run([sys.executable, "-m", "gancore", "demo", "--shift", "0.5"],
                         capture_output=True, text=True, check=True).stdout
    assert "C(G) = V(D*, G)" in out and "W1" in out


@pytest.mark.parametrize("shape, axis", [((7,), None), ((7,), -1), ((3, 5), 0),
                                         ((3, 5), -1), ((2, 3, 4), (0, 2)), ((), None)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_the_numpy_namespace_reduces_as_numpy(shape, axis, keepdims):
    # the core's NumPy namespace calls the ufuncs' reduce directly: the same values,
    # dtypes and shapes as np.sum, np.min and np.max, to the bit
    from gancore._namespaces import namespace

    x = np.random.default_rng(0).standard_normal(shape)
    xp, _ = namespace(x=x)
    for dtype in (np.float64, np.float32):
        y = x.astype(dtype)
        for ours, theirs in ((xp.sum, np.sum), (xp.min, np.min), (xp.max, np.max)):
            got = ours(y, axis=axis, keepdims=keepdims)
            want = theirs(y, axis=axis, keepdims=keepdims)
            assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
            np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError):
        xp.min(np.zeros(0))


def test_the_torch_namespace_takes_dot_products_as_torch_does():
    # torch.linalg.vecdot in place of array_api_compat's batched matrix product: the
    # dot product along any axis, broadcast, mixed dtypes promoted, and no less accurate
    torch = pytest.importorskip("torch")
    from array_api_compat import torch as compat

    from gancore._namespaces import namespace

    rng = np.random.default_rng(1)
    a, b = (torch.from_numpy(rng.random((3, 1, 500))) for _ in range(2))
    xp, _ = namespace(a=a)
    assert xp is not compat
    for x, y, axis in ((a, b, -1), (a[0, 0], b, -1), (a, b, 0), (a, b[..., :1], 1)):
        want = torch.sum(x * y, dim=axis)
        torch.testing.assert_close(xp.vecdot(x, y, axis=axis), want, rtol=1e-14, atol=0)
    mixed = xp.vecdot(a.float(), b)
    assert mixed.dtype == torch.float64
    torch.testing.assert_close(mixed, torch.sum(a.float().double() * b, dim=-1))
    # float32 sums of 20000 products: within 4e-7 of the float64 dot (torch's: 9.4e-8 on
    # these; the compatibility layer's batched product: 9.8e-7)
    x32, y32 = (torch.from_numpy(rng.random(20000).astype(np.float32)) for _ in range(2))
    exact = float(torch.dot(x32.double(), y32.double()))
    assert abs(float(xp.vecdot(x32, y32)) - exact) <= 4e-7 * exact


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_plus_k_b_is_rounded_once_or_as_written(xp, dtype):
    # _elementwise.plus_times: a + k b. For the core's torch namespace and a Python float k
    # it is torch.add with alpha, fused where the CPU has a fused multiply-add: each
    # element is the exact a + k b (k in the dtype) rounded once, or, unfused, the two
    # roundings of the expression as written; every other namespace, and an array k,
    # give the expression as written, bit for bit
    from gancore._arrays import to_numpy
    from gancore._elementwise import plus_times
    from gancore._namespaces import namespace

    rng = np.random.default_rng(5)
    a, b = (rng.random(1003).astype(dtype) for _ in range(2))  # (a tail past any SIMD width)
    k = float(rng.random())
    x, y = arr(xp, a, getattr(xp, dtype)), arr(xp, b, getattr(xp, dtype))
    ours, _ = namespace(a=x)
    as_written = a + np.asarray(k, dtype) * b
    got = to_numpy(plus_times(x, k, y, xp=ours))
    column = arr(xp, np.full(1003, k), getattr(xp, dtype))
    np.testing.assert_array_equal(to_numpy(plus_times(x, column, y, xp=ours)), as_written)
    if getattr(ours, "add_scaled", None) is None:
        np.testing.assert_array_equal(got, as_written)
        return
    k_dtype = Fraction(float(np.asarray(k, dtype)))
    once = np.array([_rounded(Fraction(float(u)) + k_dtype * Fraction(float(v)), dtype)
                     for u, v in zip(a, b)])
    assert np.all((got == once) | (got == as_written))


def _rounded(exact, dtype):
    """The rational ``exact`` rounded once to ``dtype``: to nearest, ties to even."""
    near = np.asarray(float(exact), dtype)  # (within an ulp: float64 first, then dtype)
    candidates = [np.nextafter(near, -np.inf), near, np.nextafter(near, np.inf)]
    return min(candidates, key=lambda c: (abs(Fraction(float(c)) - exact),
                                          int(c.view(f"u{c.itemsize}")) & 1))
