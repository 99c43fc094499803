"""The theory suite has power: each planted bug in the core makes its proofs fail.

Every case replaces one public function of gancore with a plausible wrong version and
runs the proofs that state the theorem it breaks; each of them must fail. A proof that
passes on broken code would be a bug in the suite. The control, that the same proofs
pass on the real core, is the suite's own run of them on NumPy (``proofs/``).
"""

import math

import numpy as np
import pytest
from array_api_compat import array_namespace
from hypothesis import Phase, settings
from array_api_compat import numpy as numpy_xp

import gancore
from proofs import test_closed_forms as closed_forms
from proofs import test_dirac_gan as dirac
from proofs import test_example1 as example1
from proofs import test_f_divergences as fdiv
from proofs import test_gaussian_gan as gaussian_gan
from proofs import test_hinge as hinge
from proofs import test_least_squares as least_squares
from proofs import test_metropolis_hastings as mh
from proofs import test_misspecified_fits as fits
from proofs import test_no_gans_land as no_gans_land
from proofs import test_proposition1 as prop1
from proofs import test_rejection as rejection
from proofs import test_theorem1 as theorem1

REAL = {name: getattr(gancore, name) for name in gancore.__all__}


def dstar_inverted(p_data, p_g, /):
    """D* with the ratio upside down: p_g / (p_data + p_g)."""
    return REAL["optimal_discriminator"](p_g, p_data)


def dstar_shifted(p_data, p_g, /):
    """D* moved by 0.05 (and kept in [0, 1])."""
    d = REAL["optimal_discriminator"](p_data, p_g)
    return array_namespace(d).clip(d + 0.05, 0.0, 1.0)


def jsd_without_half(p, q, /, **kwargs):
    """KL(p||m) + KL(q||m): the JSD missing its factor 1/2."""
    return 2 * REAL["jsd"](p, q, **kwargs)


def kl_naive_zeros(p, q, /, *, axis=-1, dx=1.0, normalize=False):
    """sum p log(p/q) with no care for zero mass: 0 log 0 becomes NaN."""
    xp = array_namespace(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.sum(p * xp.log(p / q) * dx, axis=axis)


def kl_dropping_zero_q(p, q, /, *, axis=-1, dx=1.0, normalize=False):
    """sum over points with p, q > 0 only: finite where the true KL is infinite."""
    xp = array_namespace(p, q)
    both = (p > 0) & (q > 0)
    ratio = xp.where(both, p, 1.0) / xp.where(both, q, 1.0)
    return xp.sum(xp.where(both, p * xp.log(ratio), 0.0) * dx, axis=axis)


def w1_unsorted(u_values, v_values, /, u_weights=None, v_weights=None):
    """The equal-size path that pairs samples in the order given, not sorted."""
    if u_weights is None and v_weights is None and u_values.shape == v_values.shape:
        xp = array_namespace(u_values, v_values)
        return xp.mean(xp.abs(u_values - v_values))
    return REAL["w1"](u_values, v_values, u_weights, v_weights)


def value_sign_error(d, p_data, p_g, /, *, axis=-1, dx=1.0, normalize=False):
    """sum p_data log d - p_g log(1 - d) (0 log 0 = 0): the second term's sign flipped."""
    xp = array_namespace(d, p_data, p_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_d, log_1m_d = xp.log(d), xp.log1p(-d)
        terms = (xp.where(p_data > 0, p_data * log_d, 0.0)
                 - xp.where(p_g > 0, p_g * log_1m_d, 0.0))
        return xp.sum(terms * dx, axis=axis)


# Clamps: the "safety" that GAN code often adds before a logarithm. Each keeps D (or
# its log-odds, or a mass) away from the ends, which changes every result whose
# documented edge value lies there.
D_LOW, D_HIGH = 1e-7, 1.0 - 1e-7


def _clip(x, low, high):
    return array_namespace(x).clip(x, low, high)


def value_clamped(d, p_data, p_g, /, **kwargs):
    """V with D clamped into [1e-7, 1 - 1e-7] before the logarithms."""
    return REAL["value"](_clip(d, D_LOW, D_HIGH), p_data, p_g, **kwargs)


def value_from_logits_clamped(logits, p_data, p_g, /, **kwargs):
    """V with the log-odds clamped into [-100, 100] (D within 4e-44 of the ends)."""
    return REAL["value_from_logits"](_clip(logits, -100.0, 100.0), p_data, p_g, **kwargs)


def minibatch_value_clamped(d_real, d_fake, /):
    """The minibatch V with D clamped into [1e-7, 1 - 1e-7]."""
    return REAL["minibatch_value"](_clip(d_real, D_LOW, D_HIGH), _clip(d_fake, D_LOW, D_HIGH))


def minibatch_value_from_logits_clamped(logits_real, logits_fake, /):
    """The minibatch V with the log-odds clamped into [-50, 50]."""
    return REAL["minibatch_value_from_logits"](_clip(logits_real, -50.0, 50.0),
                                               _clip(logits_fake, -50.0, 50.0))


def dstar_clamped(p_data, p_g, /):
    """D* clamped into [1e-7, 1 - 1e-7]."""
    return _clip(REAL["optimal_discriminator"](p_data, p_g), D_LOW, D_HIGH)


def dstar_logits_clamped(p_data, p_g, /, bound=100.0):
    """The log-odds of D* clamped into [-100, 100]."""
    return _clip(REAL["optimal_discriminator_logits"](p_data, p_g), -bound, bound)


def criterion_clamped(p_data, p_g, /, **kwargs):
    """C(G) as V at D* clamped into [1e-7, 1 - 1e-7]."""
    return REAL["value"](dstar_clamped(p_data, p_g), p_data, p_g, **kwargs)


def criterion_logits_clamped(p_data, p_g, /, **kwargs):
    """C(G) as V at the log-odds of D* clamped into [-30, 30]."""
    return REAL["value_from_logits"](dstar_logits_clamped(p_data, p_g, bound=30.0), p_data,
                                     p_g, **kwargs)


def kl_clamped(p, q, /, **kwargs):
    """KL with q clamped to at least 1e-12 (and renormalised): finite where q = 0 < p."""
    xp = array_namespace(p, q)
    return REAL["kl"](p, xp.clip(q, 1e-12, None), **{**kwargs, "normalize": True})


def jsd_clamped(p, q, /, **kwargs):
    """JSD with both masses clamped to at least 1e-12 (and renormalised)."""
    xp = array_namespace(p, q)
    return REAL["jsd"](xp.clip(p, 1e-12, None), xp.clip(q, 1e-12, None),
                       **{**kwargs, "normalize": True})


def gan_gradients_missing_factor_2(x_real, z, mean, a, c, b, w, /, *, loss="minimax"):
    """Generator gradients through grad q = b + W x instead of b + 2 W x."""
    right = REAL["gaussian_gan_gradients"](x_real, z, mean, a, c, b, w, loss=loss)
    half = REAL["gaussian_gan_gradients"](x_real, z, mean, a, c, b, 0.5 * w, loss=loss)
    return {**right, "mean": half["mean"], "a": half["a"]}


def dirac_jacobian_half_damping(*, kind="gan", gamma=1.0, lam=10.0, noise=1.0):
    """The R1 Jacobian with damping -gamma/2 instead of -gamma."""
    jac = REAL["dirac_jacobian"](kind=kind, gamma=gamma, lam=lam, noise=noise)
    if kind == "r1":
        jac[1, 1] = -gamma / 2
    return jac


def f_divergence_printed_pearson(p, q, /, *, f, **kwargs):
    """Pearson's chi^2 as the f-GAN paper prints it, sum (q - p)^2 / p (Neyman's)."""
    return REAL["f_divergence"](p, q, f="neyman" if f == "pearson" else f, **kwargs)


def f_divergence_paper_jensen_shannon(p, q, /, *, f, **kwargs):
    """The paper's Jensen-Shannon f, whose D_f is 2 JSD, under gancore's name."""
    out = REAL["f_divergence"](p, q, f=f, **kwargs)
    return 2 * out if f == "jensen-shannon" else out


def f_divergence_kl_backwards(p, q, /, *, f, **kwargs):
    """KL with its arguments swapped (reverse KL under KL's name, and vice versa)."""
    swapped = {"kl": "reverse-kl", "reverse-kl": "kl"}.get(f, f)
    return REAL["f_divergence"](p, q, f=swapped, **kwargs)


def conjugate_over_all_reals(f, t, /):
    """Pearson's conjugate t^2/4 + t everywhere: the supremum over all real u."""
    if f != "pearson":
        return REAL["conjugate"](f, t)
    return t * t / 4 + t


def gan_critic_without_log(p_data, p_g, /, *, f):
    """T*_GAN as D* instead of log D*."""
    if f != "gan":
        return REAL["optimal_critic"](p_data, p_g, f=f)
    return REAL["optimal_discriminator"](p_data, p_g)


def least_squares_codes_swapped(p_data, p_g, /, *, a=-1.0, b=1.0):
    """LSGAN's D* with the codes swapped: (a p + b q) / (p + q)."""
    return REAL["least_squares_optimal_discriminator"](p_data, p_g, a=b, b=a)


def least_squares_without_offset(p_data, p_g, /, *, a=-1.0, b=1.0, c=0.0, **kwargs):
    """LSGAN's C(G) as (b - a)^2 / 8 Delta alone: right only where a + b = 2c."""
    delta = REAL["f_divergence"](p_data, p_g, f="triangular", **kwargs)
    return (b - a) ** 2 / 8 * delta


def hinge_critic_flipped(p_data, p_g, /):
    """The hinge optimum sign(q - p): the critic facing the wrong way."""
    return REAL["hinge_optimal_critic"](p_g, p_data)


def hinge_minimum_of_tv(p_data, p_g, /, **kwargs):
    """The hinge critic's minimum as 2 TV instead of 2 (1 - TV)."""
    return 2 * REAL["tv"](p_data, p_g, **kwargs)


def rejection_with_d(samples, log_ratio, /, *, log_m=None, exact=False, seed=None):
    """Acceptance D(x) / D_M, D = sigmoid(l), in place of the odds ratio D / (1 - D) over
    M: passed to the real sampler as the log-ratio log D(x) - log D_M + log M."""
    xp = array_namespace(log_ratio)
    top = float(xp.max(log_ratio)) if log_m is None else log_m
    log_sigmoid = -(xp.maximum(-log_ratio, 0.0) + xp.log1p(xp.exp(-xp.abs(log_ratio))))
    log_d_m = -math.log1p(math.exp(-top)) if top >= 0 else top - math.log1p(math.exp(top))
    return REAL["rejection_sample"](samples, log_sigmoid - log_d_m + top, log_m=top,
                                    exact=exact, seed=seed)


def rejection_without_m(samples, log_ratio, /, *, log_m=None, exact=False, seed=None):
    """Acceptance min(1, exp(l)): the bound M left out (log M = 0)."""
    return REAL["rejection_sample"](samples, log_ratio, log_m=0.0, seed=seed)


def mh_ratio_inverted(proposals, log_ratio, /, *, seed=None):
    """Moves accepted with min(1, exp(l(x) - l(y))): the odds ratio upside down."""
    return REAL["metropolis_hastings"](proposals, -log_ratio, seed=seed)


def bound_with_delta_not_half(separation, lipschitz, /, *, masses=None):
    """For equal masses 2 Phi(-delta / L): delta where the bound has delta / 2."""
    return REAL["lipschitz_precision_bound"](2 * separation, lipschitz, masses=masses)


BUGS = [
    ("optimal_discriminator", dstar_inverted,
     [prop1.test_optimal_discriminator_maximises_value,
      prop1.test_pointwise_maximum_at_a_over_a_plus_b]),
    ("optimal_discriminator", dstar_shifted,
     [prop1.test_optimal_discriminator_maximises_value, prop1.test_derivative_vanishes_at_the_maximum,
      theorem1.test_minimum_minus_log4_exactly_at_p_g_equal_p_data]),
    ("jsd", jsd_without_half,
     [theorem1.test_virtual_criterion_is_minus_log4_plus_2jsd,
      theorem1.test_disjoint_supports_give_jsd_log2_and_criterion_zero,
      example1.test_divergences_jump_at_zero]),
    ("kl", kl_naive_zeros,
     [theorem1.test_virtual_criterion_is_minus_log4_plus_2jsd, example1.test_divergences_jump_at_zero]),
    ("kl", kl_dropping_zero_q, [example1.test_divergences_jump_at_zero]),
    ("w1", w1_unsorted, [closed_forms.test_w1_of_equal_scale_gaussians_is_the_mean_gap]),
    ("value", value_sign_error, [prop1.test_optimal_discriminator_maximises_value]),
    ("gaussian_gan_gradients", gan_gradients_missing_factor_2,
     [gaussian_gan.test_hand_gradients_equal_central_differences,
      gaussian_gan.test_hand_gradients_equal_autograd]),
    ("dirac_jacobian", dirac_jacobian_half_damping, [dirac.test_jacobian_at_the_equilibrium]),
    ("value", value_clamped, [prop1.test_value_matches_mpmath_at_the_float_extremes]),
    ("value_from_logits", value_from_logits_clamped,
     [prop1.test_value_matches_mpmath_at_the_float_extremes]),
    ("minibatch_value", minibatch_value_clamped,
     [prop1.test_value_matches_mpmath_at_the_float_extremes]),
    ("minibatch_value_from_logits", minibatch_value_from_logits_clamped,
     [prop1.test_value_matches_mpmath_at_the_float_extremes]),
    ("optimal_discriminator", dstar_clamped,
     [prop1.test_value_matches_mpmath_at_the_float_extremes,
      prop1.test_pointwise_maximum_at_a_over_a_plus_b]),
    ("optimal_discriminator_logits", dstar_logits_clamped,
     [prop1.test_value_matches_mpmath_at_the_float_extremes]),
    ("virtual_criterion", criterion_clamped, [theorem1.test_virtual_criterion_is_minus_log4_plus_2jsd]),
    ("virtual_criterion", criterion_logits_clamped,
     [theorem1.test_virtual_criterion_is_minus_log4_plus_2jsd]),
    ("kl", kl_clamped, [example1.test_divergences_jump_at_zero]),
    ("jsd", jsd_clamped, [theorem1.test_virtual_criterion_is_minus_log4_plus_2jsd]),
    ("f_divergence", f_divergence_printed_pearson,
     [fdiv.test_f_divergence_is_the_sum_of_q_f_of_the_ratio,
      fdiv.test_variational_bound_holds_for_every_critic_and_is_attained_at_t_star]),
    ("f_divergence", f_divergence_paper_jensen_shannon,
     [fdiv.test_f_divergence_is_the_sum_of_q_f_of_the_ratio,
      fdiv.test_gan_f_divergence_is_the_virtual_criterion]),
    ("f_divergence", f_divergence_kl_backwards,
     [fits.test_kl_fit_matches_the_moments,
      fits.test_reverse_kl_fit_sits_on_the_heaviest_component]),
    ("conjugate", conjugate_over_all_reals,
     [fdiv.test_conjugate_below_the_slope_at_zero_is_minus_f_of_zero]),
    ("rejection_sample", rejection_with_d,
     [rejection.test_rejection_with_a_bound_on_the_ratio_draws_p_exactly_at_rate_one_over_m,
      rejection.test_rejection_with_m_too_small_draws_min_of_p_and_m_q]),
    ("rejection_sample", rejection_without_m,
     [rejection.test_rejection_with_a_bound_on_the_ratio_draws_p_exactly_at_rate_one_over_m,
      rejection.test_rejection_with_m_too_small_draws_min_of_p_and_m_q]),
    ("metropolis_hastings", mh_ratio_inverted, [mh.test_independent_chains_end_at_draws_of_p]),
    ("lipschitz_precision_bound", bound_with_delta_not_half,
     [no_gans_land.test_the_clipped_map_attains_the_bound_for_every_split]),
    ("least_squares_optimal_discriminator", least_squares_codes_swapped,
     [least_squares.test_optimal_discriminator_minimises_the_loss_pointwise]),
    ("least_squares_criterion", least_squares_without_offset,
     [least_squares.test_virtual_criterion_is_affine_in_the_triangular_discrimination,
      least_squares.test_the_zero_one_coding_does_not_give_the_identity]),
    ("hinge_optimal_critic", hinge_critic_flipped,
     [hinge.test_sign_of_p_minus_q_minimises_the_hinge_loss_pointwise,
      hinge.test_critic_minimum_is_twice_one_minus_total_variation]),
    ("hinge_critic_minimum", hinge_minimum_of_tv,
     [hinge.test_critic_minimum_is_twice_one_minus_total_variation,
      hinge.test_critic_minimum_of_two_normals_matches_quadrature]),
    ("optimal_critic", gan_critic_without_log,
     [fdiv.test_gan_optimal_critic_is_log_optimal_discriminator,
      fdiv.test_variational_bound_holds_for_every_critic_and_is_attained_at_t_star]),
]


@pytest.mark.parametrize("name, broken, proofs", BUGS, ids=[b[1].__name__ for b in BUGS])
def test_planted_bug_is_caught(monkeypatch, name, broken, proofs):
    monkeypatch.setattr(gancore, name, broken)
    for proof in proofs:
        # the proof's own settings without the shrink phase, stopping at the first
        # failure: a planted bug only has to make the proof fail, and shrinking the
        # failure (most of such a run's time) says nothing more. hypothesis keeps a
        # test's settings on it; monkeypatch puts them back afterwards.
        own = proof._hypothesis_internal_use_settings
        monkeypatch.setattr(proof, "_hypothesis_internal_use_settings", settings(
            own, phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False))
        with pytest.raises(Exception) as info:
            proof(xp=numpy_xp)
        # hypothesis reports several distinct failures as an exception group
        assert all(isinstance(e, AssertionError) for e in _leaves(info.value)), info.value


def _leaves(error):
    """The exceptions inside an exception group, or the exception itself."""
    if hasattr(error, "exceptions"):
        return [leaf for e in error.exceptions for leaf in _leaves(e)]
    return [error]


# -- the trainer's rows: a trainer that converges at half its stated rate, or not at all,
# fails the default run (5 members, k = 4: a trainer at half the stated rate 0.2 passes
# with probability P(Bin(5, 0.1) >= 4) = 4.6e-4)

def _flipped_generator(record, every=1):
    """The record with its generator's loss sign flipped for every ``every``-th member
    (all of them by default): those generators climb their loss."""
    from dataclasses import replace

    import torch

    def generator(fake, **options):
        loss = record.generator(fake, **options)
        flip = (torch.arange(loss.shape[0], device=loss.device) % every == 0)
        return torch.where(flip, -loss, loss)

    return replace(record, generator=generator)


@pytest.mark.parametrize("every", [1, 2], ids=["every member's generator loss flipped",
                                              "every other member's (half the rate)"])
def test_planted_trainer_bug_fails_the_convergence_proof(monkeypatch, every):
    # a trainer whose generators climb their loss converges nowhere; one where every
    # other member's does converges at about half the correct trainer's rate (at most
    # 2 of the 5 members can, fewer than k = 4): the default run's proof must fail both
    pytest.importorskip("torch")
    from types import MappingProxyType

    import gancore.torch.objectives as objectives
    from proofs import test_trainer as trainer_proofs

    table = dict(objectives.LOSSES)
    table["nonsaturating"] = _flipped_generator(table["nonsaturating"], every)
    monkeypatch.setattr(objectives, "LOSSES", MappingProxyType(table))
    proof = trainer_proofs.test_training_converges_on_gaussians_at_the_stated_rate
    own = proof._hypothesis_internal_use_settings
    monkeypatch.setattr(proof, "_hypothesis_internal_use_settings", settings(
        own, phases=[Phase.explicit, Phase.generate], report_multiple_bugs=False))
    with pytest.raises(AssertionError, match="members below 0.1 s"):
        proof(device="cpu", loss="nonsaturating")


def test_a_failing_training_proof_trains_once():
    # hypothesis replays a failing example to report it; a one_run proof raises its
    # first run's error in that replay instead of training again, and a new run of the
    # same arguments (the next test that calls the proof) trains afresh
    from hypothesis import given
    from hypothesis import strategies as st

    from proofs._support import one_run

    runs = []

    @one_run
    @given(seed=st.integers(0, 10))
    def proof(device, seed):
        runs.append(seed)
        assert False, "did not converge"

    for calls in (1, 2):
        with pytest.raises(AssertionError, match="did not converge"):
            proof(device="cpu")
        assert len(runs) == calls


def test_an_infinite_error_fails_whatever_the_tolerance():
    # V = -inf where D = 0 meets a positive mass: the size of its terms is infinite, and
    # Proposition 1's tolerance, proportional to it, passed any finite V there, such as
    # a clamped D's (the clamps above were caught only by draws of D near, not at, 0
    # and 1); D_f's tolerance, proportional to D_f, passed a finite D_f where it is inf
    from proofs._record import at_most, close

    for tol in (1.0, math.inf):
        with pytest.raises(AssertionError, match="V"):
            close(-16.1, -math.inf, tol, "V")
        with pytest.raises(AssertionError, match="D_f"):
            close(3.0, math.inf, tol, "D_f")
        with pytest.raises(AssertionError, match="NaN"):
            close(math.nan, 1.0, tol, "NaN")
        with pytest.raises(AssertionError, match="bound"):
            at_most(math.inf, 1.0, tol, "bound")
    close(-math.inf, -math.inf, 0.0, "equal infinities")
    at_most(1.0, math.inf, 0.0, "below inf")
