"""Test support shared by proofs/ and tests/: profiles, the ``xp`` fixture, array helpers.

Hypothesis profiles: ``ci`` (derandomised, bounded, no deadline; the default, so that a
plain ``pytest`` is fast and repeatable), ``dev`` (100 random examples) and ``thorough``
(thousands), chosen with ``HYPOTHESIS_PROFILE``. Namespaces: ``GANCORE_NAMESPACES`` (comma-separated names
from :data:`BACKENDS`) restricts the ``xp`` fixture; by default every backend is tried
and those without their library or a GPU skip.
"""

import functools
import math
import os

import numpy as np
import pytest
from array_api_compat import array_namespace
from array_api_compat import device as array_device
from hypothesis import HealthCheck, Phase, settings

from gancore._arrays import to_numpy
from gancore.verify import BACKENDS


def one_run(test):
    """Decorate a proof to run one seeded training per profile: the run is itself the
    sample (a population of targets or of seeds), and no shrinking, since a smaller seed
    is not a simpler run and each try is a long one. The loaded profile's other settings
    (its deadline among them) apply, as the decorator runs when the proof's module is
    imported, after the profile is loaded. The proof is marked ``trains``: such proofs
    run first (``proofs/conftest.py``), so that a long one never ends the run alone.

    A run that fails is not trained again: hypothesis replays a failing example to
    report it, which for a training proof doubled the time a failure took (a planted
    bug, or ``gancore verify --loss`` on a broken loss); the final replay of the same
    arguments raises the first run's error instead. An example whose arguments cannot
    be hashed is run again."""
    phases = [Phase.explicit, Phase.reuse, Phase.generate]
    test = settings(max_examples=1, phases=phases)(test)
    test.hypothesis.inner_test = _failing_once(test.hypothesis.inner_test)
    test.trains = True
    return test


def _failing_once(inner):
    """``inner``, whose failure is raised again, not run again, by hypothesis's final
    replay of the same arguments (the replay that reports it)."""
    from hypothesis.control import current_build_context

    failures = {}

    @functools.wraps(inner)
    def run(*args, **kwargs):
        try:
            key = args, tuple(sorted(kwargs.items()))
            hash(key)
        except TypeError:  # an unhashable argument: no memory
            return inner(*args, **kwargs)
        if current_build_context().is_final and key in failures:
            raise failures.pop(key)
        failures.pop(key, None)
        try:
            return inner(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - kept to raise again, not handled
            failures[key] = error
            raise

    return run


def thorough():
    """Whether the loaded hypothesis profile is ``thorough`` (at least 1000 examples):
    the trainer proofs then train their full populations."""
    return settings().max_examples >= 1000


# The trainer proofs' populations under ci and dev: members, stated per-target rate and
# risk. A proof requires k = least_successes(5, 0.2, 0.01) = 4 of the 5 members to
# converge: a trainer whose true rate is the stated 0.2 or less passes with probability
# at most 0.0067, one at half of it (0.1) with 4.6e-4, and a correct one (the proofs'
# measured rates are about 0.97, 62 to 64 of 64) with 0.9915. Cut from 8 members at
# rate 0.4 (k = 7), so that `gancore verify` answers sooner: a population's time is
# about a fixed cost a step plus one a member (5 members took 0.65 to 0.8 times the
# time of 8: the non-saturating and WGAN-GP steps, f-GAN's recoveries). What the cut
# gives up is power against a trainer between the two rates: one at 0.6 passes with
# probability 0.34 against 0.11 before. What it gains besides time: a correct trainer,
# whose runs differ on other hardware, passes each proof with 0.9915 instead of 0.978,
# and all 15 of them (the PyTorch trainer's 7, f-GAN's 8 recoveries) with 0.88 instead
# of 0.72. Each proof's thorough population is its own; the least-squares proof keeps 8
# (test_trainer.LEAST_SQUARES_POPULATION).
POPULATION = (5, 0.2, 1e-2)


def member_seeds(seed, n):
    """The seeds of ``n`` independent trainer members from an example's ``seed``:
    ``seed + 2 i``. The trainer draws a member's training points with its seed and its
    evaluation points with the seed + 1 (:class:`gancore.torch.TrainConfig`), so
    consecutive seeds would evaluate member i on the first points member i + 1 trains
    on; and seeds drawn from the example make each example's members new trials
    (member i seeded with i trained the same runs whatever the example)."""
    return [seed + 2 * i for i in range(n)]


def load_profile():
    """Register the hypothesis profiles and load the one the environment names."""
    slow = [HealthCheck.too_slow]
    settings.register_profile("ci", derandomize=True, max_examples=40, deadline=None,
                              print_blob=True, suppress_health_check=slow)
    settings.register_profile("dev", max_examples=100, deadline=None, print_blob=True)
    settings.register_profile("thorough", max_examples=3000, deadline=None,
                              print_blob=True, suppress_health_check=slow)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def selected_backends():
    """The backends named by ``GANCORE_NAMESPACES``, or all of them."""
    names = os.environ.get("GANCORE_NAMESPACES", "").replace(" ", "")
    if not names:
        return BACKENDS
    chosen = tuple(names.split(","))
    unknown = sorted(set(chosen) - set(BACKENDS))
    if unknown:
        raise ValueError(f"GANCORE_NAMESPACES names unknown backends {unknown}; "
                         f"choose from {list(BACKENDS)}")
    return chosen


def _torch(cuda):
    torch = pytest.importorskip("torch")
    if cuda and not torch.cuda.is_available():
        pytest.skip("torch CUDA: no GPU")
    from array_api_compat import torch as compat_torch

    return compat_torch, torch


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CUDA runtime errors share no base class beyond Exception
        pytest.skip("cupy: no usable GPU")
    from array_api_compat import cupy as compat_cupy

    return compat_cupy


@pytest.fixture(scope="module", params=["torch", "torch_cuda"])
def device(request):
    """The trainer's device, ``"cpu"`` or ``"cuda"``: each runs only where it is among
    the selected backends, and CUDA only where torch sees a GPU."""
    if request.param not in selected_backends():
        pytest.skip(f"{request.param} not among GANCORE_NAMESPACES")
    torch = pytest.importorskip("torch")
    if request.param == "torch_cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return "cuda" if request.param == "torch_cuda" else "cpu"


@pytest.fixture(params=selected_backends(), scope="module")
def xp(request):
    """An array namespace; torch_cuda and cupy skip where no GPU is available.

    Arrays made with ``xp.asarray`` land on the backend's default device (the GPU for
    torch_cuda and cupy). Module-scoped, so hypothesis tests may use it.
    """
    name = request.param
    if name == "numpy":
        from array_api_compat import numpy as compat_numpy

        yield compat_numpy
    elif name == "array_api_strict":
        yield pytest.importorskip("array_api_strict")
    elif name == "cupy":
        yield _cupy()
    else:
        ns, torch = _torch(cuda=name == "torch_cuda")
        previous, wanted = torch.get_default_device(), torch.device(
            "cuda" if name == "torch_cuda" else "cpu")
        # set only where it changes the device: a default device set, even the CPU, is a
        # torch function mode that every torch call then passes through (the torch
        # proofs took about twice as long with it)
        changed = previous.type != wanted.type
        if changed:
            torch.set_default_device(wanted)
        try:
            yield ns
        finally:
            if changed:  # None: no mode, as when the CPU was the default
                torch.set_default_device(None if previous.type == "cpu" else previous)


def arr(xp, data, dtype=None):
    """``data`` as an array of namespace ``xp`` (float64 unless ``dtype`` says otherwise)."""
    return xp.asarray(np.asarray(data, dtype=np.float64),
                      dtype=xp.float64 if dtype is None else dtype)


def host(x):
    """A result as a NumPy float64 array."""
    return np.asarray(to_numpy(x), dtype=np.float64)


def assert_lives_with(result, like):
    """``result`` is in ``like``'s namespace, on its device, with its dtype."""
    assert array_namespace(result) is array_namespace(like), (
        f"result in {array_namespace(result).__name__}, not {array_namespace(like).__name__}")
    assert array_device(result) == array_device(like), (
        f"result on {array_device(result)}, not {array_device(like)}")
    assert result.dtype == like.dtype, f"result in {result.dtype}, not {like.dtype}"


def scalar_log_density(dist):
    """The log density of ``dist`` (a Normal, or a Mixture of Normals, of gancore) at a
    Python float, from the normal formula in ``math`` (a log-sum-exp over a mixture's
    components): what quadrature's integrands call, 1e4 to 1e5 times a proof, at about
    a microsecond a call where a validated array call of gancore or scipy.stats costs
    20 to 40; and independent of gancore's own densities."""
    parts = ([(1.0, dist)] if hasattr(dist, "loc") else
             [(float(w), c) for w, c in zip(dist.weights, dist.components) if w > 0])
    terms = [(math.log(w) - math.log(c.scale * math.sqrt(2 * math.pi)), c.loc, c.scale)
             for w, c in parts]

    def log_density(t):
        logs = [a - 0.5 * ((t - m) / s) ** 2 for a, m, s in terms]
        top = max(logs)
        return top + math.log(sum(math.exp(v - top) for v in logs))

    return log_density


def scalar_density(dist):
    """The density of ``dist`` at a Python float (see :func:`scalar_log_density`):
    0 where it underflows."""
    log_density = scalar_log_density(dist)
    return lambda t: math.exp(log_density(t))


def direct_fit(mixture, f, start, x):
    """The Gaussian N(mu, sigma^2) that minimises ``D_f(mixture || N(mu, sigma^2))``,
    found by Nelder-Mead over (mu, log sigma) from ``start`` (three restarts: a simplex
    can stall on a flat valley's side), with D_f by quadrature on the uniform grid ``x``
    (masses normalised): ``gancore.f_divergence`` for a name ``f``, or ``f(p, q)`` of the
    two mass vectors for a callable (such as :func:`penalised_total_variation`):
    ``(mu, sigma, min D_f)``."""
    import gancore
    from scipy.optimize import minimize

    dx, p = float(x[1] - x[0]), mixture.pdf(x)

    def divergence(theta):
        # a trial sigma so small that q underflows where p is positive gives D_f = inf;
        # the simplex needs finite values to compare, and 1e300 is above every finite one
        q = gancore.Normal(theta[0], math.exp(theta[1])).pdf(x)
        value = float(f(p / p.sum(), q / q.sum()) if callable(f) else
                      gancore.f_divergence(p, q, f=f, dx=dx, normalize=True))
        return value if math.isfinite(value) else 1e300

    for _ in range(3):
        found = minimize(divergence, start, method="Nelder-Mead",
                         options={"xatol": 1e-10, "fatol": 1e-15, "maxiter": 4000})
        start = found.x
    return found.x[0], math.exp(found.x[1]), found.fun


def penalised_total_variation(p, q, lam):
    r"""What f-GAN's total-variation game with ``value_penalty`` lam > 0 minimises:
    :math:`D_{f_\lambda}(P \| Q) = \sum_x (p + q)\,\varphi_\lambda(r)`, with
    :math:`r = (p - q) / (p + q)` and :math:`\varphi_\lambda(r) = \max_v\,
    \tfrac12 r \tanh v - \tfrac\lambda2 v^2` (the bound less the penalty, maximised
    pointwise over the critic's value v; ``gancore.torch.f_gan_critic_loss``).

    For r >= 0 the maximiser solves :math:`r\,\mathrm{sech}^2 v = 2\lambda v`, whose left
    side falls and right side rises on [0, r / (2 lambda)], where they cross once: found
    by bisection to the float spacing; :math:`\varphi_\lambda` is even in r. ``p``
    and ``q`` are mass vectors summing to 1."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    total = p + q
    r = np.abs(p - q) / np.where(total > 0, total, 1.0)
    lo, hi = np.zeros_like(r), r / (2 * lam)
    for _ in range(200):  # bracket halves each time; 200 halvings pass the float spacing
        mid = (lo + hi) / 2
        if np.all((mid == lo) | (mid == hi)):  # every bracket down to adjacent floats
            break
        e = np.exp(-2 * mid)  # sech^2 v = 4 e^{-2v} / (1 + e^{-2v})^2, free of overflow
        rising = 4 * r * e / (1 + e) ** 2 > 2 * lam * mid
        lo, hi = np.where(rising, mid, lo), np.where(rising, hi, mid)
    v = (lo + hi) / 2
    return float(np.sum(total * (r * np.tanh(v) - lam * v * v) / 2))


def total_variation_gap(lam):
    r"""An upper bound on :math:`TV - D_{f_\lambda}` for every P, Q:
    :math:`\min_{V \ge 0}\,(1 - \tanh V) + \lambda V^2`. At v = V sign(r),
    :math:`\varphi_\lambda(r) \ge \tfrac12 |r| \tanh V - \tfrac\lambda2 V^2`, so
    :math:`\tfrac12|r| - \varphi_\lambda(r) \le \tfrac12(1 - \tanh V) + \tfrac\lambda2
    V^2`, and p + q sums to 2."""
    from scipy.optimize import minimize_scalar

    found = minimize_scalar(lambda V: 1.0 - math.tanh(V) + lam * V * V,
                            bounds=(0.0, 50.0), method="bounded")
    return float(found.fun)


def least_successes(n, rate, risk=1e-3):
    """The least k with P(Bin(n, rate) >= k) <= ``risk``: a trainer whose per-member
    success rate is at most ``rate`` reaches k successes of n with probability at most
    ``risk``."""
    from scipy.stats import binom

    return int(binom.isf(risk, n, rate)) + 1


def most_successes(n, rate, risk=1e-3):
    """The largest k with P(Bin(n, rate) <= k) <= ``risk``: a trainer whose per-member
    success rate is at least ``rate`` shows k or fewer successes of n with probability
    at most ``risk``."""
    from scipy.stats import binom

    return int(binom.ppf(risk, n, rate)) - 1


def rosenblatt(mixture, x):
    r"""The Rosenblatt transform of points ``x`` (NumPy, shape ``(n,)`` or ``(n, 2)``)
    under a mixture of normals: uniform on :math:`[0, 1]^d` exactly when x follows it.

    In 1-D it is the distribution function, :math:`u = F(x)`. In 2-D it is
    :math:`(u_1, u_2) = (F_1(x_1), F_{2|1}(x_2 \mid x_1))`: with components
    :math:`N(\mu_k, \Sigma_k)`, :math:`x_1` has the mixture of
    :math:`N(\mu_{k1}, \Sigma_{k,11})`, and given :math:`x_1`, :math:`x_2` has the
    mixture of :math:`N(\mu_{k2} + \Sigma_{k,21}(x_1 - \mu_{k1}) / \Sigma_{k,11},
    \Sigma_{k,22} - \Sigma_{k,21}^2 / \Sigma_{k,11})` with weights
    :math:`\propto w_k N(x_1; \mu_{k1}, \Sigma_{k,11})`. SciPy's normal functions, on
    the host. Returns an array of shape ``(n, d)``."""
    from scipy import stats
    from scipy.special import logsumexp

    x = np.asarray(x, dtype=np.float64)
    if mixture.dim == 1:
        return np.asarray(mixture.cdf(x), dtype=np.float64)[:, None]
    w = np.asarray(mixture.weights)
    mu = np.array([c.mean for c in mixture.components])
    cov = np.array([c.cov for c in mixture.components])
    s1 = np.sqrt(cov[:, 0, 0])
    x1 = x[:, :1]
    u1 = np.sum(w * stats.norm.cdf(x1, mu[:, 0], s1), axis=1)
    log_post = np.log(w) + stats.norm.logpdf(x1, mu[:, 0], s1)
    post = np.exp(log_post - logsumexp(log_post, axis=1, keepdims=True))
    slope = cov[:, 1, 0] / cov[:, 0, 0]
    centre = mu[:, 1] + slope * (x1 - mu[:, 0])
    spread = np.sqrt(cov[:, 1, 1] - slope * cov[:, 1, 0])
    u2 = np.sum(post * stats.norm.cdf(x[:, 1:], centre, spread), axis=1)
    return np.stack([u1, u2], axis=1)


def ks_uniform(u, risk, what):
    """Assert that the columns of ``u`` (shape ``(n, d)``) pass the one-sample
    Kolmogorov-Smirnov test against U(0, 1) at total ``risk`` (Bonferroni over the
    columns; the critical distance is SciPy's exact ``kstwo`` quantile), and record
    each distance against its critical value."""
    from scipy import stats

    from ._record import close

    n, d = u.shape
    critical = float(stats.kstwo.isf(risk / d, n))
    for j in range(d):
        distance = float(stats.kstest(u[:, j], "uniform").statistic)
        close(distance, 0.0, critical, f"{what}: KS distance of coordinate {j + 1} of {d} "
                                       f"({n} points) from U(0, 1)")


def binomial_count(k, n, rate, risk, what):
    """Assert that ``k`` successes of ``n`` lie in the central interval [lo, hi] of
    Binomial(n, rate) that holds with probability at least 1 - ``risk`` (SciPy's
    quantiles), as ``|k - n rate|`` against the distance from n rate to half a count
    beyond the interval's edge on k's side (hi + 1/2 or lo - 1/2): the integer k passes
    exactly when it lies in [lo, hi], and a count at the edge holds below its
    tolerance."""
    from scipy import stats

    from ._record import close

    lo, hi = stats.binom.ppf(risk / 2, n, rate), stats.binom.isf(risk / 2, n, rate)
    mean = n * rate
    close(k, mean, (hi + 0.5 - mean) if k >= mean else (mean - lo + 0.5),
          f"{what}: {k} of {n}, expected {mean:.1f} (rate {rate:.4g}), interval "
          f"[{lo:.0f}, {hi:.0f}]")
