"""The Dirac-GAN (Mescheder et al., 2018): which training methods converge.

Without regularisation the Jacobian of the gradient field at the equilibrium (0, 0) has
purely imaginary eigenvalues; simultaneous steps spiral outwards (for the GAN field,
which is tangent to circles, |x + h v|^2 = |x|^2 + h^2 |v|^2), alternating steps
circle. R1 (gamma > 0) and instance noise give eigenvalues with negative real parts and
the steps converge; WGAN with weight clipping and WGAN-GP with finite critic steps keep
oscillating.
"""

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gancore

from ._record import at_most, close
from ._support import arr, host

THEOREM = "Dirac-GAN"
STATEMENT = "unregularised: imaginary eigenvalues, no convergence; R1, noise: Re < 0, converge"
EPS = float(np.finfo(np.float64).eps)
SMOOTH = ("gan", "nonsaturating", "wgan", "r1", "instance-noise")
# Each example below simulates a batch of 8 starts at once (thousands of steps), so the
# simulations run a tenth of the profile's examples: 4 under ci, 300 under thorough.
FEW = settings(max_examples=max(4, settings().max_examples // 10))
# On array_api_strict a simulation is NumPy's, bit for bit (the strict namespace wraps
# NumPy and only refuses what the standard leaves out): there the long simulations check
# that their first STRICT_STEPS steps equal NumPy's, which runs every operation of the
# loop, and leave the thousands of steps to NumPy and torch, as the Gaussian GAN's
# training proofs do. A strict step costs several NumPy steps: the three proofs' strict
# examples took 11 s of the module's 21 in one process under ci (now 12 s in all).
STRICT_STEPS = 50
starts = st.lists(st.tuples(st.floats(-1.0, 1.0), st.floats(-1.0, 1.0)).filter(
    lambda s: math.hypot(*s) > 0.05), min_size=8, max_size=8).map(np.array)


def _simulated(xp, theta, psi, **options):
    """``dirac_simulate(theta, psi, **options)`` on ``xp`` from NumPy starts, as a NumPy
    path; on array_api_strict its first STRICT_STEPS steps instead, checked equal to
    NumPy's, and None."""
    if xp.__name__ != "array_api_strict":
        return host(gancore.dirac_simulate(arr(xp, theta), arr(xp, psi), **options))
    from array_api_compat import numpy as compat_numpy

    options["steps"] = STRICT_STEPS
    strict, plain = (host(gancore.dirac_simulate(arr(ns, theta), arr(ns, psi), **options))
                     for ns in (xp, compat_numpy))
    close(strict, plain, 0.0, f"strict path = NumPy's ({STRICT_STEPS} steps)")
    return None


def _numeric_jacobian(xp, kind, **params):
    h = 1e-5
    cols = []
    for dt, dp in ((h, 0.0), (0.0, h)):
        plus = gancore.dirac_vector_field(arr(xp, dt), arr(xp, dp), kind=kind, **params)
        minus = gancore.dirac_vector_field(arr(xp, -dt), arr(xp, -dp), kind=kind, **params)
        cols.append([(float(host(a)) - float(host(b))) / (2 * h) for a, b in zip(plus, minus)])
    return np.array(cols).T


@given(kind=st.sampled_from(SMOOTH), gamma=st.floats(0.0, 3.0), noise=st.floats(0.0, 2.0))
def test_jacobian_at_the_equilibrium(xp, kind, gamma, noise):
    zero = arr(xp, 0.0)
    close([float(host(v)) for v in gancore.dirac_vector_field(zero, zero, kind=kind)],
          [0.0, 0.0], 0.0, "(0, 0) is an equilibrium")
    jac = gancore.dirac_jacobian(kind=kind, gamma=gamma, noise=noise)
    # central differences: truncation h^2 |v'''| ~ 1e-10, rounding eps / h ~ 1e-11
    close(_numeric_jacobian(xp, kind, gamma=gamma, noise=noise), jac, 1e-8,
          "analytic Jacobian = central differences")
    re = np.linalg.eigvals(jac).real
    damping = {"r1": gamma, "instance-noise": noise**2 / 2}.get(kind, 0.0)
    # eigenvalues of [[0, a], [-a, -g]]: Re = -g/2 while g < 2a, else (-g +- sqrt)/2
    a = 1.0 if kind == "wgan" else 0.5
    worst = -damping / 2 if damping < 2 * a else (-damping + math.sqrt(damping**2 - 4 * a * a)) / 2
    close(re.max(), worst, 1e-12, "largest real part of the eigenvalues")


@FEW
@given(kind=st.sampled_from(["gan", "wgan"]), start=starts, lr=st.floats(0.01, 0.2))
def test_unregularised_simultaneous_steps_move_away(xp, kind, start, lr):
    path = host(gancore.dirac_simulate(arr(xp, start[:, 0]), arr(xp, start[:, 1]),
                                       kind=kind, lr=lr, steps=200))
    r = np.hypot(path[:, 0], path[:, 1])
    # |x + h v|^2 = |x|^2 + h^2 |v|^2 exactly (v is orthogonal to x): r grows every step
    at_most(r[:-1], r[1:], 4 * EPS * r.max(), "the distance to (0, 0) never decreases")
    at_most(r[0] * (1 + 1e-6), r[-1], 0.0, "and ends larger than it started")


@FEW
@given(start=starts, lr=st.floats(0.01, 0.1))
def test_unregularised_alternating_steps_circle(xp, start, lr):
    # small starts: the field is close to its linearisation, a rotation, whose
    # alternating steps conserve a quadratic form within (1 +- h/2) of |x|^2
    s = 0.3 * start
    path = _simulated(xp, s[:, 0], s[:, 1], kind="gan", lr=lr, steps=2000, mode="alternating")
    if path is None:  # array_api_strict: checked equal to NumPy's
        return
    r = np.hypot(path[:, 0], path[:, 1])
    at_most(0.7 * r[0], r[1000:].min(axis=0), 0.0, "alternating steps do not converge")
    at_most(r.max(axis=0), 1.5 * r[0], 0.0, "and stay on a bounded cycle")


# strengths: R1 gamma in [0.5, 1.5], noise s in [1, 1.7] (damping s^2/2 in [0.5, 1.45]):
# with h = 0.1 every eigenvalue contracts by at least 1.3% per step, so 1000 steps take
# every start below 1e-6 of itself
@FEW
@given(kind=st.sampled_from(["r1", "instance-noise"]), strength=st.floats(0.0, 1.0),
       start=starts)
def test_regularised_steps_converge(xp, kind, strength, start):
    params = ({"gamma": 0.5 + strength} if kind == "r1" else {"noise": 1.0 + 0.7 * strength})
    path = _simulated(xp, start[:, 0], start[:, 1], kind=kind, lr=0.1, steps=1000, **params)
    if path is None:  # array_api_strict: checked equal to NumPy's
        return
    at_most(np.hypot(*path[-1]), 1e-6 * np.hypot(*path[0]), 0.0, "(theta, psi) -> (0, 0)")


# lr <= 0.04 keeps the penalty's stiffness stable (h * 2 lam <= 0.8 for lam = 10)
@FEW
@given(theta0=st.lists(st.floats(0.5, 1.5), min_size=8, max_size=8).map(np.array),
       lr=st.floats(0.005, 0.04))
def test_wgan_with_clipping_and_wgan_gp_do_not_converge(xp, theta0, lr):
    clip = 0.01  # the published clipping bound
    zero = np.zeros_like(theta0)
    clipped = _simulated(xp, theta0, zero, kind="wgan", lr=lr, steps=1000,
                         mode="alternating", critic_steps=5, clip=clip)
    gp = _simulated(xp, theta0, zero, kind="wgan-gp", lr=lr, steps=1000,
                    mode="alternating", critic_steps=5)
    if gp is None:  # array_api_strict: both checked equal to NumPy's
        return
    # theta only reaches 0 while the critic sits at its bound: measured in units of
    # (theta, psi / c) the path never comes within 0.9 of the equilibrium
    late = clipped[500:]
    at_most(0.9, np.hypot(late[:, 0], late[:, 1] / clip).min(axis=0), 0.0,
            "wgan with clipping keeps away from (0, 0)")
    r = np.hypot(gp[:, 0], gp[:, 1])
    at_most(0.5 * r[0], r[500:].min(axis=0), 0.0, "wgan-gp stays at least half as far away")
