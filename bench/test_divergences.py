"""KL, JSD, TV, V(D, G), C(G), D* and an f-divergence: gancore on every namespace
against SciPy, the plain NumPy formula and a floor.

Groups are ``<operation> n=<size>``. In each: gancore per namespace and dtype; the peers
on NumPy float64 (SciPy where it has the function, and the formula written in plain
NumPy, with no checks and no care for cancellation); and the floor, one ``log`` pass
over n elements in the same namespace and dtype, which no divergence beats.
"""

import math
import statistics
from functools import partial

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

import gancore
from gancore import _squared_differences, divergences, game
from gancore._arrays import to_numpy as to_host
from gancore._host import _LIMITS, _MODERATE_LIMITS, BLOCK_ELEMENTS
from conftest import (ROUNDS, backend, batch_time, label, simplex_pair, smoke, timed,
                      to_namespace)

SIZES = (10**3, 10**5, 10**7)
GPU_SIZES = (10**8,)
DTYPES = ("float64", "float32")

PEERS = {
    "kl": ("scipy.stats.entropy", stats.entropy),
    "jsd": ("scipy jensenshannon**2", lambda p, q: jensenshannon(p, q) ** 2),
    "tv": ("numpy 0.5*abs(p-q).sum()", lambda p, q: 0.5 * np.abs(p - q).sum()),
}
# SciPy's functions of PEERS, timed in the alternating rounds at n = 1e3 too
SCIPY_PEERS = {op: peer for op, (name, peer) in PEERS.items() if "scipy" in name}
# The formulas in plain NumPy, as research code writes them inline (``m`` the mixture)
PLAIN = {
    "kl": lambda p, q: np.sum(p * np.log(p / q)),
    "jsd": lambda p, q: _plain_jsd(p, q, 0.5 * (p + q)),
    "value": lambda d, p, q: np.sum(p * np.log(d) + q * np.log1p(-d)),
    "virtual_criterion": lambda p, q: np.sum(p * np.log(p / (p + q))
                                             + q * np.log(q / (p + q))),
    "optimal_discriminator": lambda p, q: p / (p + q),
    "f_divergence (pearson)": lambda p, q: np.sum((p - q) ** 2 / q),
    "f_divergence (hellinger)": lambda p, q: np.sum((np.sqrt(p) - np.sqrt(q)) ** 2),
    "f_divergence (triangular)": lambda p, q: np.sum((p - q) ** 2 / (p + q)),
    "f_divergence (reverse-kl)": lambda p, q: np.sum(q * np.log(q / p)),
    # the pointwise optima and criteria of the other losses (least squares at its
    # default codes a = -1, b = 1)
    "optimal_discriminator_logits": lambda p, q: np.log(p / q),
    "least_squares_optimal_discriminator": lambda p, q: (p - q) / (p + q),
    "least_squares_criterion": lambda p, q: 0.5 * np.sum((p - q) ** 2 / (p + q)),
    "hinge_optimal_critic": lambda p, q: np.sign(p - q),
    "hinge_critic_minimum": lambda p, q: 2.0 * np.sum(np.minimum(p, q)),
    # V from logits l (softplus as NumPy's logaddexp(0, x)), and the minibatch estimates
    # of two batches
    "value_from_logits": lambda l, p, q: np.sum(-p * np.logaddexp(0.0, -l)
                                                - q * np.logaddexp(0.0, l)),
    "minibatch_value": lambda real, fake: np.mean(np.log(real)) + np.mean(np.log1p(-fake)),
    "minibatch_value_from_logits": lambda real, fake: (-np.mean(np.logaddexp(0.0, -real))
                                                       - np.mean(np.logaddexp(0.0, fake))),
    # f-GAN's pointwise optimal critic, the conjugate, and the bound by sample means
    "optimal_critic (total-variation)": lambda p, q: 0.5 * np.sign(p - q),
    "optimal_critic (kl)": lambda p, q: 1.0 + np.log(p / q),
    "optimal_critic (reverse-kl)": lambda p, q: -(q / p),
    "optimal_critic (pearson)": lambda p, q: 2.0 * (p / q - 1.0),
    "optimal_critic (neyman)": lambda p, q: 1.0 - (q / p) ** 2,
    "optimal_critic (hellinger)": lambda p, q: 1.0 - np.sqrt(q / p),
    "optimal_critic (jensen-shannon)": lambda p, q: 0.5 * np.log(2.0 * p / (p + q)),
    "optimal_critic (gan)": lambda p, q: np.log(p / (p + q)),
    "optimal_critic (triangular)": lambda p, q: 1.0 - 4.0 * (q / (p + q)) ** 2,
    "conjugate (kl)": lambda t: np.exp(t - 1.0),
    "conjugate (gan)": lambda t: -np.log1p(-np.exp(t)),
    "variational_bound (kl)": lambda t, s: np.mean(t) - np.mean(np.exp(s - 1.0)),
    "variational_bound (gan)": lambda t, s: np.mean(t) + np.mean(np.log1p(-np.exp(s))),
}
PLAIN_NAME = "numpy formula"
# "near": q = p (1 + 1e-3 noise), where the direct formulas would cancel and gancore
# takes its cancellation-free path
CASES = [("kl", "far"), ("jsd", "far"), ("tv", "far"), ("kl", "near"), ("jsd", "near")]


def _plain_jsd(p, q, m):
    return 0.5 * (np.sum(p * np.log(p / m)) + np.sum(q * np.log(q / m)))


def _op_name(op, kind):
    return op if kind == "far" else f"{op} (near-equal)"


def _inputs(namespace, n, kind, dtype):
    return tuple(to_namespace(namespace, a.astype(dtype)) for a in simplex_pair(n, kind))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op, kind", CASES)
def test_gancore_divergence(benchmark, op, kind, n, namespace, dtype):
    if kind == "near" and dtype == "float32":
        pytest.skip("the near-equal case is a float64 precision case")
    xp, sync = backend(namespace)
    p, q = _inputs(namespace, n, kind, dtype)
    label(benchmark, op=_op_name(op, kind), n=n, namespace=namespace, dtype=dtype,
          role="gancore")
    out = timed(benchmark, getattr(gancore, op), p, q, sync=sync)
    ref = PEERS[op][1](*simplex_pair(n, kind))
    # the result is the divergence (float32 inputs carry 1e-7 relative rounding)
    assert float(out) == pytest.approx(ref, rel=1e-9 if dtype == "float64" else 1e-3)


@pytest.mark.parametrize("op, kind", CASES)
def test_peer_divergence(benchmark, op, kind, n):
    name, fn = PEERS[op]
    label(benchmark, op=_op_name(op, kind), n=n, namespace="numpy", dtype="float64",
          role="peer", name=name)
    timed(benchmark, fn, *simplex_pair(n, kind))


@pytest.mark.parametrize("op, kind", [(op, kind) for op, kind in CASES if op in PLAIN])
def test_plain_divergence(benchmark, op, kind, n):
    label(benchmark, op=_op_name(op, kind), n=n, namespace="numpy", dtype="float64",
          role="peer", name=PLAIN_NAME)
    timed(benchmark, PLAIN[op], *simplex_pair(n, kind))


@pytest.mark.parametrize("op", ["value", "virtual_criterion", "optimal_discriminator",
                                "f_divergence (pearson)"])
def test_plain_game(benchmark, op, n):
    args = (_discriminator(n, "float64"), *simplex_pair(n, "far"))
    label(benchmark, op=op, n=n, namespace="numpy", dtype="float64", role="peer",
          name=PLAIN_NAME)
    timed(benchmark, PLAIN[op], *(args if op == "value" else args[1:]))


def _discriminator(n, dtype):
    """D(x) in [0.05, 0.95] at n points (NumPy)."""
    return np.random.default_rng(1).uniform(0.05, 0.95, n).astype(dtype)


# functions of a pair of measures held against their plain formula's result
PAIR_OPS = {"optimal_discriminator": gancore.optimal_discriminator,
            "f_divergence (pearson)": lambda p, q: gancore.f_divergence(p, q, f="pearson")}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(PAIR_OPS))
def test_gancore_pair_function(benchmark, op, n, namespace, dtype):
    xp, sync = backend(namespace)
    p, q = _inputs(namespace, n, "far", dtype)
    label(benchmark, op=op, n=n, namespace=namespace, dtype=dtype, role="gancore")
    out = timed(benchmark, PAIR_OPS[op], p, q, sync=sync)
    # the formula's result (float32 inputs carry 1e-7 relative rounding)
    np.testing.assert_allclose(to_host(out), PLAIN[op](*simplex_pair(n, "far")),
                               rtol=1e-12 if dtype == "float64" else 1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_floor(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    p, _ = _inputs(namespace, n, "far", dtype)
    label(benchmark, op="log pass", n=n, namespace=namespace, dtype=dtype, role="floor",
          name="one log pass")
    timed(benchmark, xp.log, p, sync=sync)


def _checks(p, q):
    """What every function of two measures checks before its formula, in plain NumPy: a
    minimum over both arrays (NaN propagates through it, a negative mass shows) and the
    sum of each (finite and normalised): at most 65536 points through one minimum of
    minimum(p, q), beyond through a minimum of each (as gancore does)."""
    low = np.minimum(p, q).min() if p.size <= 1 << 16 else min(p.min(), q.min())
    return low, p.sum(), q.sum()


def test_checks_floor(benchmark, n):
    label(benchmark, op="checks", n=n, namespace="numpy", dtype="float64", role="floor",
          name="checks")
    low, p_total, q_total = timed(benchmark, _checks, *simplex_pair(n, "far"))
    assert low > 0 and p_total == pytest.approx(1.0) and q_total == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gancore_value(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    p, q = _inputs(namespace, n, "far", dtype)
    d = to_namespace(namespace, _discriminator(n, dtype))
    label(benchmark, op="value", n=n, namespace=namespace, dtype=dtype, role="gancore")
    out = timed(benchmark, gancore.value, d, p, q, sync=sync)
    assert float(out) < 0


@pytest.mark.parametrize("dtype", DTYPES)
def test_gancore_virtual_criterion(benchmark, n, namespace, dtype):
    xp, sync = backend(namespace)
    p, q = _inputs(namespace, n, "far", dtype)
    label(benchmark, op="virtual_criterion", n=n, namespace=namespace, dtype=dtype,
          role="gancore")
    out = timed(benchmark, gancore.virtual_criterion, p, q, sync=sync)
    # Theorem 1: C(G) = -log 4 + 2 JSD
    ref = -np.log(4.0) + 2 * jensenshannon(*simplex_pair(n, "far")) ** 2
    assert float(out) == pytest.approx(ref, rel=1e-9 if dtype == "float64" else 1e-3)


# The per-call and floor targets, from calls that alternate: gancore, its reference, the
# checks, gancore, ... On this shared VM the speed drifts by tens of percent over
# seconds, and the ratio of two medians taken a minute apart moved as much (kl at
# n = 1e3: 4.1 and 6.6 times the plain formula in two runs of the same code); each
# round's ratio sees one state of the machine. At n = 1e3 the reference is the plain
# NumPy formula, at n = 1e7 one log pass. Each gancore call is timed through one lambda,
# as each plain formula is (through a partial with a keyword, 0.1 us more a call).
def _f_divergence(f):
    return lambda p, q, d: gancore.f_divergence(p, q, f=f)


def _pair_call(function):
    return lambda p, q, d: function(p, q)


def _critic(f):
    return lambda p, q, d: gancore.optimal_critic(p, q, f=f)


def _conjugate(f):
    return lambda p, q, d: gancore.conjugate(f, d)


def _bound(f):
    return lambda p, q, d: gancore.variational_bound(d, d, f=f)


PAIRED_OPS = {
    "kl": (lambda p, q, d: gancore.kl(p, q), "far"),
    "jsd": (lambda p, q, d: gancore.jsd(p, q), "far"),
    "tv": (lambda p, q, d: gancore.tv(p, q), "far"),
    "kl (near-equal)": (lambda p, q, d: gancore.kl(p, q), "near"),
    "jsd (near-equal)": (lambda p, q, d: gancore.jsd(p, q), "near"),
    "value": (lambda p, q, d: gancore.value(d, p, q), "far"),
    "virtual_criterion": (lambda p, q, d: gancore.virtual_criterion(p, q), "far"),
    "optimal_discriminator": (lambda p, q, d: gancore.optimal_discriminator(p, q), "far"),
    "f_divergence (pearson)": (lambda p, q, d: gancore.f_divergence(p, q, f="pearson"),
                               "far"),
    **{f"f_divergence ({f})": (_f_divergence(f), "far")
       for f in ("hellinger", "triangular", "reverse-kl")},
    **{f"f_divergence ({f}, near-equal)": (_f_divergence(f), "near")
       for f in ("pearson", "hellinger", "triangular")},
    **{op: (_pair_call(getattr(gancore, op)), "far") for op in (
        "optimal_discriminator_logits", "least_squares_optimal_discriminator",
        "least_squares_criterion", "hinge_optimal_critic", "hinge_critic_minimum")},
    # (D's values in [0.05, 0.95] serve as logits too; a minibatch is D's array twice)
    "value_from_logits": (lambda p, q, d: gancore.value_from_logits(d, p, q), "far"),
    "minibatch_value": (lambda p, q, d: gancore.minibatch_value(d, d), "far"),
    "minibatch_value_from_logits": (lambda p, q, d: gancore.minibatch_value_from_logits(d, d),
                                    "far"),
    # (D's values serve as critic values too: the GAN's, which must be negative, as -D;
    # see _critic_values)
    **{f"optimal_critic ({f})": (_critic(f), "far") for f in gancore.F_DIVERGENCES},
    **{f"conjugate ({f})": (_conjugate(f), "far") for f in ("kl", "gan")},
    **{f"variational_bound ({f})": (_bound(f), "far") for f in ("kl", "gan")},
}
def _plain_args(op, p, q, d):
    """The plain formula's arguments: V's take D (or its logits) first, the minibatch
    estimates two batches (D's array twice), the conjugate D's array, the bound D's
    array twice (as critic values on data and on generated points), the rest the two
    measures."""
    if op in ("value", "value_from_logits"):
        return d, p, q
    if op.startswith("conjugate"):
        return (d,)
    return (d, d) if op.startswith(("minibatch", "variational_bound")) else (p, q)


def _critic_values(op, d):
    """D's values in [0.05, 0.95] as the critic values of ``op``: the GAN's conjugate
    (f* is finite for t < 0 only) takes -D, in [-0.95, -0.05], across the change of form
    at -log 2."""
    return -d if op.endswith("(gan)") and not op.startswith("optimal_critic") else d


# The direct formulas (gancore._direct.Direct) of the rows at n = 1e7 that a log pass's
# target does not hold alone
ALONE = {"kl (near-equal)": divergences.KL_NEAR,
         "f_divergence (hellinger, near-equal)": _squared_differences.HELLINGER.near,
         "value": game._VALUE_DIRECT,
         "virtual_criterion": game._CRITERION_DIRECT}


def _alone(formula, *arrays):
    """``formula``'s kernel (its ``dot``) of each block of ``BLOCK_ELEMENTS`` points of
    ``arrays``, in turn, and nothing else: none of the call's checks (the smallest masses,
    the totals) and no Python around it. C(G)'s takes the totals' ratio k as 1 (a
    multiplication by it all the same)."""
    numbers = () if formula.given is None else (1.0,)
    n = arrays[0].shape[0]
    return [formula.dot(*(x[i:i + BLOCK_ELEMENTS] for x in arrays), *numbers, xp=np)
            for i in range(0, n, BLOCK_ELEMENTS)]


def _alone_args(op, p, q, d):
    """The arrays of ``ALONE[op]``: V's the masses and D, the rest the masses."""
    return (p, q, d) if op == "value" else (p, q)


@pytest.mark.parametrize("op", list(ALONE))
def test_the_kernels_timed_alone_are_the_calls(op):
    # ALONE times each call's own kernel: its blocks' sums, finished as the call finishes
    # them, give the call's result (C(G) to within the rounding of k = P/Q, taken as 1)
    n = 3 * BLOCK_ELEMENTS
    p, q = simplex_pair(n, PAIRED_OPS[op][1])
    d = _discriminator(n, "float64")
    formula = ALONE[op]
    sums = np.sum(np.array(_alone(formula, *_alone_args(op, p, q, d))), axis=0)
    got = formula.finish(tuple(sums), p.sum(), q.sum())
    assert got == pytest.approx(float(PAIRED_OPS[op][0](p, q, d)), rel=1e-12)


@pytest.mark.parametrize("op", list(PAIRED_OPS))
def test_paired_ratio(benchmark, request, op, n):
    plain = PLAIN.get(op, PEERS["tv"][1] if op == "tv" else None)
    if n not in (10**3, 10**7) or (n == 10**3 and plain is None):
        pytest.skip("per call at n = 1e3 (the far cases), against a log pass at n = 1e7")
    call, kind = PAIRED_OPS[op]
    p, q = simplex_pair(n, kind)
    d = _critic_values(op, _discriminator(n, "float64"))
    ours = (call, (p, q, d))
    if n == 10**3:
        reference = (plain, _plain_args(op, p, q, d))
    else:
        reference = (np.log, (p,))
    alone = ((partial(_alone, ALONE[op]), _alone_args(op, p, q, d))
             if n == 10**7 and op in ALONE else None)
    scipy = SCIPY_PEERS.get(op) if n == 10**3 else None  # (SciPy's time over ours)
    calls = max(1, 200_000 // n)
    smoke_run = smoke(request.config)
    ratios, checks, alones, scipys = [], [], [], []

    def round_():
        ours_t = batch_time(*ours, calls)
        ref_t = batch_time(*reference, calls)
        checks_t = batch_time(_checks, (p, q), calls)
        ratios.append(ours_t / ref_t)
        checks.append(checks_t / ref_t)
        if alone is not None:
            alones.append(batch_time(*alone, calls) / ref_t)
        if scipy is not None:
            scipys.append(batch_time(scipy, (p, q), calls) / ours_t)

    round_()  # warm-up
    for taken in (ratios, checks, alones, scipys):
        taken.clear()
    benchmark.pedantic(round_, rounds=1 if smoke_run else ROUNDS, iterations=1)
    benchmark.group = f"{op} n={n:.0e}, alternating".replace("+0", "")
    benchmark.extra_info.update(op=op, n=n, namespace="numpy", dtype="float64",
                                role="paired", name="alternating calls",
                                ratio=statistics.median(ratios), ratios=ratios,
                                checks_ratio=statistics.median(checks))
    if alones:
        benchmark.extra_info["alone_ratio"] = statistics.median(alones)
    if scipys:
        benchmark.extra_info["scipy_ratio"] = statistics.median(scipys)
    assert len(ratios) == (1 if smoke_run else ROUNDS)


# The formulas as plain torch expressions, for the per-call target on torch CPU (n = 1e3)
TORCH_PLAIN = {
    "kl": lambda t, p, q, d: t.sum(p * t.log(p / q)),
    "jsd": lambda t, p, q, d: _plain_torch_jsd(t, p, q, 0.5 * (p + q)),
    "tv": lambda t, p, q, d: 0.5 * t.abs(p - q).sum(),
    "value": lambda t, p, q, d: t.sum(p * t.log(d) + q * t.log1p(-d)),
    "virtual_criterion": lambda t, p, q, d: t.sum(p * t.log(p / (p + q))
                                                  + q * t.log(q / (p + q))),
    "optimal_discriminator": lambda t, p, q, d: p / (p + q),
    "f_divergence (pearson)": lambda t, p, q, d: t.sum((p - q) ** 2 / q),
    "f_divergence (hellinger)": lambda t, p, q, d: t.sum((t.sqrt(p) - t.sqrt(q)) ** 2),
    "f_divergence (triangular)": lambda t, p, q, d: t.sum((p - q) ** 2 / (p + q)),
    "f_divergence (reverse-kl)": lambda t, p, q, d: t.sum(q * t.log(q / p)),
    "optimal_discriminator_logits": lambda t, p, q, d: t.log(p / q),
    "least_squares_optimal_discriminator": lambda t, p, q, d: (p - q) / (p + q),
    "least_squares_criterion": lambda t, p, q, d: 0.5 * t.sum((p - q) ** 2 / (p + q)),
    "hinge_optimal_critic": lambda t, p, q, d: t.sign(p - q),
    "hinge_critic_minimum": lambda t, p, q, d: 2.0 * t.sum(t.minimum(p, q)),
    "value_from_logits": lambda t, p, q, d: t.sum(p * t.nn.functional.logsigmoid(d)
                                                  + q * t.nn.functional.logsigmoid(-d)),
    "minibatch_value": lambda t, p, q, d: t.mean(t.log(d)) + t.mean(t.log1p(-d)),
    "minibatch_value_from_logits": lambda t, p, q, d: (
        t.mean(t.nn.functional.logsigmoid(d)) + t.mean(t.nn.functional.logsigmoid(-d))),
    "optimal_critic (total-variation)": lambda t, p, q, d: 0.5 * t.sign(p - q),
    "optimal_critic (kl)": lambda t, p, q, d: 1.0 + t.log(p / q),
    "optimal_critic (reverse-kl)": lambda t, p, q, d: -(q / p),
    "optimal_critic (pearson)": lambda t, p, q, d: 2.0 * (p / q - 1.0),
    "optimal_critic (neyman)": lambda t, p, q, d: 1.0 - (q / p) ** 2,
    "optimal_critic (hellinger)": lambda t, p, q, d: 1.0 - t.sqrt(q / p),
    "optimal_critic (jensen-shannon)": lambda t, p, q, d: 0.5 * t.log(2.0 * p / (p + q)),
    "optimal_critic (gan)": lambda t, p, q, d: t.log(p / (p + q)),
    "optimal_critic (triangular)": lambda t, p, q, d: 1.0 - 4.0 * (q / (p + q)) ** 2,
    "conjugate (kl)": lambda t, p, q, d: t.exp(d - 1.0),
    "conjugate (gan)": lambda t, p, q, d: -t.log1p(-t.exp(d)),
    "variational_bound (kl)": lambda t, p, q, d: t.mean(d) - t.mean(t.exp(d - 1.0)),
    "variational_bound (gan)": lambda t, p, q, d: t.mean(d) + t.mean(t.log1p(-t.exp(d))),
}


def _plain_torch_jsd(t, p, q, m):
    return 0.5 * (t.sum(p * t.log(p / m)) + t.sum(q * t.log(q / m)))


def _inline_share(t, p, q, d):
    """What D*'s shortcut does for CPU tensors (``_host.host_positive``), written inline
    with nothing around it: the NumPy views, the masses' four extremes, the formula and
    the result's tensor. Its time over the plain torch expression is the least that this
    complete check reaches, before gancore's calls and its checks of types, dtypes,
    shapes and gradients."""
    a, b = p.numpy(), q.numpy()
    top = _LIMITS[a.dtype][0]
    if (0.0 < a.item(a.argmin()) and 0.0 < b.item(b.argmin())
            and a.item(a.argmax()) <= top and b.item(b.argmax()) <= top):
        return t.from_numpy(a / (a + b))
    raise ValueError("the bench's masses are positive and finite")


def _inline_sign(t, p, q, d):
    """What the hinge critic's shortcut does for CPU tensors (``_host.host_positive``
    with ``hinge._sign_of_difference``), written inline with nothing around it: the
    NumPy views, the masses' four extremes, ``sign(p - q)`` and the result's tensor."""
    a, b = p.numpy(), q.numpy()
    top = _LIMITS[a.dtype][0]
    if (0.0 < a.item(a.argmin()) and 0.0 < b.item(b.argmin())
            and a.item(a.argmax()) <= top and b.item(b.argmax()) <= top):
        return t.from_numpy(np.sign(a - b))
    raise ValueError("the bench's masses are positive and finite")


def _inline_reverse_kl_critic(t, p, q, d):
    """What reverse KL's optimal critic does for CPU tensors (``_host.host_positive`` with
    ``ratio="q/p"``), written inline with nothing around it: the NumPy views, the
    smallest ``p`` and the largest ``q``, the ratio ``q / p`` and its smallest element
    (the check that every mass is positive and finite and every ratio moderate,
    ``_host._ratio_block``), ``-(q / p)`` and the result's tensor."""
    a, b = p.numpy(), q.numpy()
    bound = _MODERATE_LIMITS[a.dtype][1]
    if (0.0 < (a_low := a.item(a.argmin())) and b.item(b.argmax()) * bound < a_low
            and (r := b / a).item(r.argmin()) > 4.0 * bound):
        return t.from_numpy(-r)
    raise ValueError("the bench's masses are positive, finite and of moderate ratios")


def _inline_kl(t, p, q, d):
    """What KL's short path does for CPU tensors (``_direct.one_direct``), written inline
    with nothing around it: the NumPy views, the two totals (under errstate: a sum may
    overflow) and their normalisation, the smallest mass of each, the direct formula
    ``sum(p log(p/q)) / P + log(Q/P)`` (by the same operations, so the same bits), its
    acceptance and the result's tensor. Its time over the plain torch expression is the
    least that this complete check reaches, before gancore's calls and its checks of
    types, dtypes, shapes and axes."""
    a, b = p.numpy(), q.numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        p_total, q_total = np.add.reduce(a), np.add.reduce(b)
    tol = max(1e-6, 1000 * float(np.finfo(a.dtype).eps))
    if (abs(float(p_total) - 1.0) <= tol and abs(float(q_total) - 1.0) <= tol
            and 0.0 < (low := min(a.item(a.argmin()), b.item(b.argmin())))
            and max(p_total, q_total) <= low * 2.0**100):
        out = np.vecdot(a, np.log(a / b)) / p_total + np.log(q_total / p_total)
        if math.isfinite(out) and out >= 1 / 16:
            return t.from_numpy(np.asarray(out))
    raise ValueError("the bench's masses are normalised, positive and far apart")


# Each function's own work written inline, with nothing around it, for the torch rows
INLINE = {"optimal_discriminator": _inline_share, "hinge_optimal_critic": _inline_sign,
          "optimal_critic (reverse-kl)": _inline_reverse_kl_critic, "kl": _inline_kl}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", list(TORCH_PLAIN))
def test_paired_ratio_torch(benchmark, request, op, n, dtype):
    # the per-call target on torch CPU: gancore within 2x of the plain torch expression
    # at n = 1e3, from alternating calls as for NumPy (each worker computes on one thread)
    if n != 10**3:
        pytest.skip("per call at n = 1e3")
    torch = pytest.importorskip("torch")
    call, _ = PAIRED_OPS[op]
    p, q = (torch.from_numpy(a.astype(dtype)) for a in simplex_pair(n, "far"))
    d = torch.from_numpy(_critic_values(op, _discriminator(n, dtype)))
    calls, smoke_run, ratios, inline = 200, smoke(request.config), [], []
    plain = TORCH_PLAIN[op]

    def round_():
        ours_t = batch_time(call, (p, q, d), calls)
        plain_t = batch_time(plain, (torch, p, q, d), calls)
        ratios.append(ours_t / plain_t)
        if op in INLINE:
            inline.append(batch_time(INLINE[op], (torch, p, q, d), calls) / plain_t)

    round_()  # warm-up
    ratios.clear()
    inline.clear()
    benchmark.pedantic(round_, rounds=1 if smoke_run else ROUNDS, iterations=1)
    benchmark.group = f"{op} n=1e3, torch {dtype}, alternating"
    benchmark.extra_info.update(op=op, n=n, namespace="torch", dtype=dtype,
                                role="paired", name="alternating calls",
                                ratio=statistics.median(ratios), ratios=ratios)
    if inline:
        benchmark.extra_info["inline_ratio"] = statistics.median(inline)
        assert torch.equal(INLINE[op](torch, p, q, d), call(p, q, d))
    # (float32: each of the 1e3 terms' roundings, against the plain expression's; the
    # optimal critics, such as Pearson's 2 (p - q) / q, and their plain forms, such as
    # 2 (p / q - 1), whose subtraction keeps only the rounding of p / q, differ by a few
    # eps absolute where they pass 0)
    torch.testing.assert_close(torch.as_tensor(call(p, q, d)),
                               torch.as_tensor(plain(torch, p, q, d)),
                               rtol=1e-9 if dtype == "float64" else 2e3 * 2.0**-23,
                               atol=(8 * float(torch.finfo(p.dtype).eps)
                                     if op.startswith("optimal_critic") else 0))
