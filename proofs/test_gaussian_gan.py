"""The closed-form Gaussian GAN: its gradients, its optimal discriminator, its training.

The hand-derived gradients of gancore.gaussian_gan equal central differences and torch
autograd; with the generator fixed, gradient ascent on the quadratic discriminator
reaches the analytic D*; alternating training (k discriminator steps, minimax or
non-saturating) brings the generator to the target and C(G) to -log 4.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host

THEOREM = "Gaussian GAN"
STATEMENT = "hand gradients exact; D -> analytic D*; training reaches p_data, C -> -log 4"
LOG4 = math.log(4.0)
# training runs take seconds: a tenth of the profile's examples (4 under ci)
FEW = settings(max_examples=max(4, settings().max_examples // 10))


@st.composite
def problems(draw, d=None):
    """A minibatch problem: d in {1, 2}, 5 data and 4 latent points, generator and
    discriminator parameters with entries in [-1, 1] (W symmetric)."""
    d = d or draw(st.sampled_from([1, 2]))
    entries = st.floats(-1.0, 1.0)

    def array(*shape):
        n = int(np.prod(shape))
        return np.array(draw(st.lists(entries, min_size=n, max_size=n))).reshape(shape)

    w = array(d, d)
    return {"x_real": 2 * array(5, d), "z": 2 * array(4, d), "mean": array(d), "a": array(d, d),
            "c": array(), "b": array(d), "w": 0.5 * (w + w.T)}


def _objectives(p, loss):
    """V~ and L_G on the host, written directly from their definitions."""
    def q(x):
        return p["c"] + x @ p["b"] + np.einsum("ni,ij,nj->n", x, p["w"], x)

    fake = p["mean"] + p["z"] @ p["a"].T
    value = np.mean(-np.logaddexp(0, -q(p["x_real"]))) + np.mean(-np.logaddexp(0, q(fake)))
    gen = (np.mean(-np.logaddexp(0, q(fake))) if loss == "minimax"
           else np.mean(np.logaddexp(0, -q(fake))))
    return value, gen


@given(p=problems(), loss=st.sampled_from(["minimax", "nonsaturating"]))
def test_hand_gradients_equal_central_differences(xp, p, loss):
    got = gancore.gaussian_gan_gradients(*(arr(xp, p[k]) for k in
                                   ("x_real", "z", "mean", "a", "c", "b", "w")), loss=loss)
    close(float(host(got["value"])), _objectives(p, loss)[0], 1e-13, "V~")
    h = 1e-6
    for name, which in (("c", 0), ("b", 0), ("w", 0), ("mean", 1), ("a", 1)):
        fd = np.zeros_like(p[name])
        for idx in np.ndindex(p[name].shape or ()):
            bumped = []
            for sign in (1.0, -1.0):
                q = {k: v.copy() for k, v in p.items()}
                q[name][idx] += sign * h
                if name == "w" and idx[0] != idx[1]:
                    q[name][idx[::-1]] += sign * h  # keep W symmetric: both entries move
                bumped.append(_objectives(q, loss)[which])
            fd[idx] = (bumped[0] - bumped[1]) / (2 * h)
        want = host(got[name])
        if name == "w":  # a symmetric bump moves two entries: d/dW_ij + d/dW_ji
            want = np.where(np.eye(want.shape[0]) > 0, want, 2 * want)
        # central differences: truncation h^2 * |f'''| ~ 1e-11, rounding eps / h ~ 1e-10
        close(want, fd, 1e-7 * (1 + np.abs(fd).max()), f"dV/d{name} by central differences")


@given(p=problems(), loss=st.sampled_from(["minimax", "nonsaturating"]))
def test_hand_gradients_equal_autograd(xp, p, loss):
    torch = pytest.importorskip("torch")
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in p.items()}
    fake = t["mean"] + t["z"] @ t["a"].T

    def q(x):
        return t["c"] + x @ t["b"] + ((x @ t["w"]) * x).sum(-1)

    def sp(x):  # log(1 + e^x) to the last digit: torch's softplus returns x above 20,
        # dropping e^-x (at q = 24 an error of 9.4e-12 in dV/dc, which a clean clone's
        # run generated)
        return torch.logaddexp(x, torch.zeros_like(x))

    value = -sp(-q(t["x_real"])).mean() - sp(q(fake)).mean()
    gen = -sp(q(fake)).mean() if loss == "minimax" else sp(-q(fake)).mean()
    d_grads = torch.autograd.grad(value, [t["c"], t["b"], t["w"]], retain_graph=True)
    g_grads = torch.autograd.grad(gen, [t["mean"], t["a"]])
    got = gancore.gaussian_gan_gradients(*(arr(xp, p[k]) for k in
                                   ("x_real", "z", "mean", "a", "c", "b", "w")), loss=loss)
    for name, ref in zip(("c", "b", "w", "mean", "a"), (*d_grads, *g_grads)):
        ref = ref.numpy()
        if name == "w":  # autograd's dV/dW treats W as unconstrained: symmetrise it
            ref = 0.5 * (ref + ref.T)
            close(0.5 * (host(got[name]) + host(got[name]).T), ref, 1e-12, "dV/dW vs autograd")
        else:
            close(host(got[name]), ref, 1e-12 * (1 + np.abs(ref).max()), f"d/d{name} vs autograd")


def _sandwich_covariance(mu, s, star):
    """Asymptotic covariance times n of the maximiser of V~ over (c, b, w) with n data
    points from N(0, 1) and n generated points from N(mu, s^2) (M-estimation):
    H^-1 (Cov_data[score] + Cov_g[score]) H^-1, H the Hessian of V at D*. The
    expectations use 2e5 midpoint quantiles (relative error far below 1%)."""
    from scipy.special import expit, ndtri

    u = ndtri((np.arange(200_000) + 0.5) / 200_000)
    hessian, noise = np.zeros((3, 3)), np.zeros((3, 3))
    for x, real in ((u, True), (mu + s * u, False)):
        features = np.stack([np.ones_like(x), x, x * x], axis=1)
        d = expit(star[0] + star[1] * x + star[2] * x * x)
        score = ((1 - d) if real else -d)[:, None] * features
        hessian -= (features.T * (d * (1 - d))) @ features / len(x)
        noise += np.cov(score.T)
    inverse = np.linalg.inv(hessian)
    return inverse @ noise @ inverse


@FEW
@given(mu=st.floats(-1.0, 1.0), s=st.floats(0.5, 2.0), n=st.sampled_from([1000, 10_000]),
       seed=st.integers(0, 2**16),
       start=st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-0.5, 0.5)))
def test_discriminator_ascent_reaches_the_analytic_optimum(xp, mu, s, n, seed, start):
    # G fixed at N(mu, s^2), data N(0, 1); n samples of each, drawn once. Full-batch
    # ascent converges to the sample's maximiser. Its step is a matrix, 4 M^-1, with M
    # the features' second moment: sigma' <= 1/4 bounds the curvature of V~ by M / 4 in
    # every direction, so each step increases V~ (Bohning's bound for logistic
    # likelihoods), and the rate does not depend on how the features (1, x, x^2) are
    # conditioned. (The scalar step 4 / max eig(M) did: at mu = 1, s = 0.5, n = 1000
    # its gradient was still 2e-7 after 2000 steps, found by a thorough run.) The
    # ascent stops once the gradient is below 1e-10, checked every 25 steps. That
    # maximiser misses D* by sampling noise of covariance C / n (_sandwich_covariance),
    # so each parameter must lie within z sqrt(C_ii / n) of D*, with z the two-sided
    # normal quantile at 1e-6 / 3 (Bonferroni over the three parameters): the
    # tolerance grows as 1 / sqrt(n). C is singular when mu = 0, s = 1, so no
    # Mahalanobis distance.
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    x_host, z_host = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    points = np.concatenate([x_host[:, 0], mu + s * z_host[:, 0]])
    features = np.stack([np.ones_like(points), points, points**2], axis=1)
    step = arr(xp, 4.0 * np.linalg.inv(features.T @ features / n))
    x, z, mean, a = arr(xp, x_host), arr(xp, z_host), arr(xp, [mu]), arr(xp, [[s]])
    theta = arr(xp, start)  # (c, b, w)
    for i in range(2000):
        c, b, w = theta[0], theta[1:2], xp.reshape(theta[2:3], (1, 1))
        g = gancore.gaussian_gan_gradients(x, z, mean, a, c, b, w)
        grad = xp.stack([g["c"], g["b"][0], g["w"][0, 0]])
        if i % 25 == 0 and float(host(xp.max(xp.abs(grad)))) < 1e-10:
            break
        theta = theta + step @ grad

    def flat(c, b, w):
        return np.array([float(host(c)), float(host(b)[0]), float(host(w)[0, 0])])

    at_most(np.abs(flat(g["c"], g["b"], g["w"])).max(), 1e-7, 0.0, "gradient after ascent")
    c_star, b_star, w_star = gancore.gaussian_optimal_discriminator(
        gancore.Normal(0.0, 1.0), gancore.Normal(mu, s))
    star = np.array([c_star, b_star[0], w_star[0, 0]])
    noise = np.sqrt(np.diag(_sandwich_covariance(mu, s, star)) / n)
    close(flat(c, b, w) / noise, star / noise, norm.isf(1e-6 / 6),
          "ascended D parameters - D*, in units of their sampling noise")


# NumPy trains the 1000 steps to convergence. Every other namespace computes the same
# loop with its own operations on the same host draws: there the proofs check that the
# first STRICT_STEPS steps equal NumPy's in every parameter and record, which runs
# every operation of the loop (the weight average's too, from step 75). On
# array_api_strict equal means bit for bit (it wraps NumPy and only refuses what the
# standard leaves out); elsewhere to 1e-10 relative, as the order of a matmul's sums is
# the namespace's own (torch on the CPU: within 2e-14 of NumPy after 1000 steps, on
# 1-D and 2-D targets). The full runs cost per operation, not per number: a strict step
# took 7 NumPy steps, a torch step 2 to 3 (the two strict runs took 28 s of the row
# under ci, torch's 21 s).
STRICT_STEPS = 100


def _trained(xp, data, **options):
    """``train_gaussian_gan(data, steps=1000, ...)`` on NumPy; on any other namespace
    its first STRICT_STEPS steps, checked equal to NumPy's, and None."""
    from array_api_compat import numpy as compat_numpy

    if xp.__name__ == compat_numpy.__name__:
        return gancore.train_gaussian_gan(data, steps=1000, xp=xp, **options)
    options["record_every"] = STRICT_STEPS // 2
    other, plain = (gancore.train_gaussian_gan(data, steps=STRICT_STEPS, xp=ns, **options)
                    for ns in (xp, compat_numpy))
    relative = 0.0 if xp.__name__ == "array_api_strict" else 1e-10
    for name in ("mean", "a", "c", "b", "w", "averaged_mean", "averaged_cov"):
        want = getattr(plain, name)
        close(getattr(other, name), want, relative * (1 + np.max(np.abs(want))),
              f"{name} = NumPy's")
    for name, record in plain.history.items():
        close(other.history[name], record, relative * (1 + np.max(np.abs(record))),
              f"history {name} = NumPy's")
    return None


@FEW
@given(target=gs.gaussian_params(), loss=st.sampled_from(["minimax", "nonsaturating"]),
       k=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_training_converges_on_gaussians(xp, target, loss, k, seed):
    data = gancore.Normal(*target)
    result = _trained(xp, data, loss=loss, k=k, seed=seed, record_every=250)
    if result is None:  # not NumPy: NumPy's run, checked above
        return
    m, s = target
    s_g = math.sqrt(result.averaged_cov[0, 0])
    at_most(abs(result.averaged_mean[0] - m), 0.05 * s, 0.0, "|mu - m| < 0.05 s")
    at_most(abs(s_g - s), 0.05 * s, 0.0, "|s_G - s| < 0.05 s")
    c = gancore.gaussian_criterion(data, gancore.Normal(result.averaged_mean[0], s_g))
    at_most(c + LOG4, 1e-3, 0.0, "C(G) within 1e-3 of -log 4")


@FEW
@given(seed=st.integers(0, 2**16), corr=st.floats(-0.8, 0.8))
def test_training_converges_in_two_dimensions(xp, seed, corr):
    cov = np.array([[2.0, corr * math.sqrt(2.0) * 0.7], [corr * math.sqrt(2.0) * 0.7, 0.49]])
    data = gancore.MultivariateNormal([1.0, -2.0], cov)
    result = _trained(xp, data, k=5, seed=seed, record_every=500)
    if result is None:  # not NumPy: NumPy's run, checked above
        return
    scale = math.sqrt(0.49)  # the smaller standard deviation
    at_most(np.abs(result.averaged_mean - data.mean).max(), 0.05 * scale, 0.0, "mean -> m")
    at_most(np.abs(result.averaged_cov - cov).max(), 0.1 * scale**2, 0.0, "covariance -> cov")
    c = gancore.gaussian_criterion(data, gancore.MultivariateNormal(result.averaged_mean,
                                                                    result.averaged_cov))
    at_most(c + LOG4, 1e-3, 0.0, "C(G) within 1e-3 of -log 4")


@given(a=gs.normals(), b=gs.normals())
def test_exact_criterion_matches_the_core_on_a_grid(xp, a, b):
    x, dx = gs.grid_for(a, b, points=8001)
    grid = float(host(gancore.virtual_criterion(a.pdf(arr(xp, x)), b.pdf(arr(xp, x)), dx=dx,
                                                normalize=True)))
    # the exact C(G) (1e-13 relative) and a Riemann sum with >= 10 points per scale of
    # smooth densities: both far inside 1e-7
    close(gancore.gaussian_criterion(a, b), grid, 1e-7, "exact C(G) = grid C(G)")
