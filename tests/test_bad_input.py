"""Every bad input gets a ValueError or TypeError whose message names the argument."""

import math

import numpy as np
import pytest

import gancore
from proofs._support import arr

P = np.array([0.25, 0.75])
Q = np.array([0.5, 0.5])
NAN = math.nan


def _divergence_cases(f):
    name = f.__name__
    return [
        (f"{name}-negative", lambda: f(np.array([-0.5, 1.5]), Q), ValueError, "p must be non-negative"),
        (f"{name}-nan", lambda: f(P, np.array([NAN, 1.0])), ValueError, "q must be finite"),
        (f"{name}-inf", lambda: f(np.array([math.inf, 1.0]), Q), ValueError, "p must be finite"),
        (f"{name}-minus-inf", lambda: f(np.array([-math.inf, 1.0]), Q), ValueError, "p must be finite"),
        (f"{name}-overflow", lambda: f(P, np.array([1e308, 1e308]), normalize=True), ValueError,
         "q has a total mass that overflows"),
        (f"{name}-unnormalised", lambda: f(P, np.array([0.5, 0.6])), ValueError, "q is not normalised"),
        (f"{name}-zero-mass", lambda: f(P, np.zeros(2), normalize=True), ValueError, "q has zero total mass"),
        (f"{name}-length", lambda: f(P, np.array([0.2, 0.3, 0.5])), ValueError, "p and q must have the same length"),
        (f"{name}-broadcast", lambda: f(np.full((2, 2), 0.5), np.full((3, 2), 0.5)), ValueError, "do not broadcast"),
        (f"{name}-int", lambda: f(np.array([1, 0]), np.array([0, 1])), TypeError, "p must have a real floating dtype"),
        (f"{name}-complex", lambda: f(P, Q.astype(complex)), TypeError, "q must have a real floating dtype"),
        (f"{name}-empty", lambda: f(np.array([]), np.array([])), ValueError, "p must not be empty"),
        (f"{name}-scalar", lambda: f(np.array(1.0), np.array(1.0)), ValueError, "p must have at least one dimension"),
        (f"{name}-axis", lambda: f(P, Q, axis=1), ValueError, "axis 1 is out of range for p"),
        (f"{name}-axis-type", lambda: f(P, Q, axis=0.0), TypeError, "axis must be an int"),
        (f"{name}-dx", lambda: f(P, Q, dx=0.0), ValueError, "dx must be a finite positive spacing"),
        (f"{name}-dx-nan", lambda: f(P, Q, dx=NAN), ValueError, "dx must be a finite positive spacing"),
        (f"{name}-dx-negative", lambda: f(P, Q, dx=np.array([1.0, -1.0])), ValueError, "dx must be non-negative"),
        (f"{name}-dx-length", lambda: f(np.full((2, 2), 0.5), np.full((2, 2), 0.5), dx=np.ones(3)), ValueError, "dx has 3 weights"),
        (f"{name}-not-array", lambda: f(P, "abc"), TypeError, "q must be an array of real numbers"),
    ]


CASES = (
    _divergence_cases(gancore.kl) + _divergence_cases(gancore.jsd) + _divergence_cases(gancore.tv)
    + [
        # (q's second mass over its total is 1e-600: 0 in float64, and KL would be inf)
        ("kl-flushed-mass", lambda: gancore.kl(P, np.array([1e300, 1e-300]), normalize=True), ValueError,
         "q has a positive mass below its dtype's smallest positive number times its total"),
        ("pearson-flushed-mass", lambda: gancore.f_divergence(P, np.array([1e300, 1e-300]), f="pearson", normalize=True),
         ValueError, "q has a positive mass below its dtype's smallest positive number times its total"),
        ("neyman-flushed-mass", lambda: gancore.f_divergence(np.array([1e300, 1e-300]), P, f="neyman", normalize=True),
         ValueError, "p has a positive mass below its dtype's smallest positive number times its total"),
        ("jsd-base", lambda: gancore.jsd(P, Q, base=1), ValueError, "base must be"),
        ("jsd-base-negative", lambda: gancore.jsd(P, Q, base=-2.0), ValueError, "base must be"),
        ("value-d-above-1", lambda: gancore.value(np.array([0.5, 1.5]), P, Q), ValueError, "d must lie in [0, 1]"),
        ("value-d-negative", lambda: gancore.value(np.array([-0.1, 0.5]), P, Q), ValueError, "d must lie in [0, 1]"),
        ("value-d-nan", lambda: gancore.value(np.array([NAN, 0.5]), P, Q), ValueError, "d must not hold NaN"),
        ("value-d-int", lambda: gancore.value(np.array([0, 1]), P, Q), TypeError, "d must have a real floating dtype"),
        ("value-d-shape", lambda: gancore.value(np.full(3, 0.5), P, Q), ValueError, "d with shape (3,) does not broadcast"),
        ("value-p-data", lambda: gancore.value(Q, np.array([0.5, 0.6]), Q), ValueError, "p_data is not normalised"),
        ("value-p-g", lambda: gancore.value(Q, P, np.array([-1.0, 2.0])), ValueError, "p_g must be non-negative"),
        ("value-logits-nan", lambda: gancore.value_from_logits(np.array([0.0, NAN]), P, Q), ValueError, "logits must not hold NaN"),
        # (None is no array to the direct formulas' paths: the general path names it)
        ("value-d-none", lambda: gancore.value(None, P, Q), TypeError, "d must be an array of real numbers"),
        ("value-logits-none", lambda: gancore.value_from_logits(None, P, Q), TypeError, "logits must be an array of real numbers"),
        ("criterion-p-g", lambda: gancore.virtual_criterion(P, np.array([NAN, 1.0])), ValueError, "p_g must be finite"),
        ("criterion-empty", lambda: gancore.virtual_criterion(np.array([]), np.array([])), ValueError, "p_data must not be empty"),
        ("dstar-negative", lambda: gancore.optimal_discriminator(np.array([-1.0]), Q), ValueError, "p_data must be non-negative"),
        ("dstar-nan", lambda: gancore.optimal_discriminator(P, np.array([NAN, 1.0])), ValueError, "p_g must be finite"),
        ("dstar-shape", lambda: gancore.optimal_discriminator(np.ones(3), np.ones(2)), ValueError, "do not broadcast"),
        ("dstar-int", lambda: gancore.optimal_discriminator(np.array([1]), np.array([1])), TypeError, "p_data must have a real floating dtype"),
        ("dstar-empty", lambda: gancore.optimal_discriminator_logits(np.array([]), np.array([])), ValueError, "p_data must not be empty"),
        ("minibatch-range", lambda: gancore.minibatch_value(np.array([1.2]), np.array([0.5])), ValueError, "d_real must lie in [0, 1]"),
        ("minibatch-nan", lambda: gancore.minibatch_value(np.array([0.5]), np.array([NAN])), ValueError, "d_fake must not hold NaN"),
        ("minibatch-empty", lambda: gancore.minibatch_value(np.array([]), np.array([0.5])), ValueError, "d_real must not be empty"),
        ("minibatch-logits-nan", lambda: gancore.minibatch_value_from_logits(np.array([NAN]), np.array([0.0])), ValueError, "logits_real must not hold NaN"),
        ("minibatch-int", lambda: gancore.minibatch_value(np.array([1]), np.array([0])), TypeError, "d_real must have a real floating dtype"),
        ("w1-empty", lambda: gancore.w1(np.array([]), Q), ValueError, "u_values must not be empty"),
        ("w1-scalar", lambda: gancore.w1(np.array(1.0), Q), ValueError, "u_values must have at least one dimension"),
        ("w1-batch", lambda: gancore.w1(np.ones((2, 3)), np.ones((3, 3))), ValueError, "batch shapes (2,) and (3,) that do not broadcast"),
        ("w1-axis", lambda: gancore.w1(P, Q, axis=1), ValueError, "axis 1 is out of range for u_values"),
        ("w1-ndim", lambda: gancore.w1(P, np.ones((2, 2))), ValueError, "must have the same number of dimensions"),
        ("w1-nan", lambda: gancore.w1(np.array([NAN]), Q), ValueError, "u_values must be finite"),
        ("w1-weights-shape", lambda: gancore.w1(P, Q, np.ones(3)), ValueError, "u_weights must have the shape of u_values"),
        ("w1-weights-negative", lambda: gancore.w1(P, Q, None, np.array([1.0, -1.0])), ValueError, "v_weights must be non-negative"),
        ("w1-weights-zero", lambda: gancore.w1(P, Q, np.zeros(2)), ValueError, "u_weights must have a positive sum"),
        ("w1-weights-inf", lambda: gancore.w1(P, Q, np.array([1.0, math.inf])), ValueError, "u_weights must be finite"),
        ("w1-int", lambda: gancore.w1(np.array([1, 2]), Q), TypeError, "u_values must have a real floating dtype"),
        ("w1e-1d", lambda: gancore.w1_empirical(P, Q), ValueError, "x must be a non-empty (n, d) array"),
        ("w1e-shape", lambda: gancore.w1_empirical(np.ones((3, 2)), np.ones((4, 3))), ValueError, "x and y must be points of one dimension"),
        ("w1e-weights-shape", lambda: gancore.w1_empirical(np.ones((3, 2)), np.ones((4, 2)), np.ones(4)), ValueError, "x_weights must have shape (3,)"),
        ("w1e-weights-negative", lambda: gancore.w1_empirical(np.ones((2, 2)), np.ones((4, 2)), None, np.array([1.0, -1.0, 1.0, 1.0])), ValueError, "y_weights must be non-negative"),
        ("w1e-weights-zero", lambda: gancore.w1_empirical(np.ones((2, 2)), np.ones((4, 2)), np.zeros(2)), ValueError, "x_weights must have a positive sum"),
        ("kl-base", lambda: gancore.kl(P, Q, base=1.0), ValueError, "base must be a positive finite number other than 1"),
        ("kl-keepdims", lambda: gancore.kl(P, Q, keepdims=1), TypeError, "keepdims must be True or False"),
        ("kl-normalize", lambda: gancore.kl(P, Q, normalize="yes"), TypeError, "normalize must be True or False"),
        ("w1e-nan", lambda: gancore.w1_empirical(np.ones((3, 2)), np.full((3, 2), NAN)), ValueError, "y must be finite"),
        ("w1e-empty", lambda: gancore.w1_empirical(np.ones((0, 2)), np.ones((0, 2))), ValueError, "x must be a non-empty (n, d) array"),
        ("normal-scale", lambda: gancore.Normal(0.0, 0.0), ValueError, "scale must be a finite number > 0"),
        ("normal-scale-negative", lambda: gancore.Normal(0.0, -1.0), ValueError, "scale must be a finite number > 0"),
        ("normal-loc-nan", lambda: gancore.Normal(NAN, 1.0), ValueError, "loc must be finite"),
        ("normal-loc-type", lambda: gancore.Normal("0", 1.0), TypeError, "loc must be a real number"),
        ("normal-pdf-nan", lambda: gancore.Normal().pdf(np.array([NAN])), ValueError, "x must not hold NaN"),
        ("normal-pdf-int", lambda: gancore.Normal().pdf(np.array([1])), TypeError, "x must have a real floating dtype"),
        ("normal-ppf-range", lambda: gancore.Normal().ppf(np.array([1.5])), ValueError, "u must lie in [0, 1]"),
        ("sample-n", lambda: gancore.Normal().sample(0), ValueError, "n must be an int >= 1"),
        ("sample-n-type", lambda: gancore.Normal().sample(2.5), TypeError, "n must be an int"),
        ("mvn-not-pd", lambda: gancore.MultivariateNormal([0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), ValueError, "cov must be positive definite"),
        ("mvn-asymmetric", lambda: gancore.MultivariateNormal([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]]), ValueError, "cov must be symmetric"),
        ("mvn-shape", lambda: gancore.MultivariateNormal([0.0, 0.0], np.eye(3)), ValueError, "cov must have shape (2, 2)"),
        ("mvn-mean-nan", lambda: gancore.MultivariateNormal([NAN, 0.0], np.eye(2)), ValueError, "mean must be finite"),
        ("mvn-points", lambda: gancore.MultivariateNormal([0.0, 0.0], np.eye(2)).pdf(np.ones(3)), ValueError, "x must have its last axis of length 2"),
        ("mixture-weights-sum", lambda: gancore.Mixture([gancore.Normal(), gancore.Normal(1.0)], [0.5, 0.6]), ValueError, "weights must sum to 1"),
        ("mixture-weights-negative", lambda: gancore.Mixture([gancore.Normal(), gancore.Normal(1.0)], [1.5, -0.5]), ValueError, "weights must be non-negative"),
        ("mixture-weights-count", lambda: gancore.Mixture([gancore.Normal()], [0.5, 0.5]), ValueError, "weights must have one entry per component"),
        ("mixture-empty", lambda: gancore.Mixture([], []), ValueError, "components must hold at least one"),
        ("mixture-component", lambda: gancore.Mixture([gancore.Normal(), 3.0], [0.5, 0.5]), TypeError, "components must be gancore distributions"),
        ("mixture-dims", lambda: gancore.Mixture([gancore.Normal(), gancore.LineSegment(0.0)], [0.5, 0.5]), TypeError, "components must be gancore distributions"),
        ("mixture-dims-mvn", lambda: gancore.Mixture([gancore.Normal(), gancore.MultivariateNormal([0.0, 0.0], np.eye(2))], [0.5, 0.5]), ValueError, "components must share one dimension"),
        ("mixture-cdf-2d", lambda: gancore.Mixture([gancore.MultivariateNormal([0.0, 0.0], np.eye(2))], [1.0]).cdf(np.ones(2)), ValueError, "cdf is defined for 1-D mixtures only"),
        ("segment-theta", lambda: gancore.LineSegment(math.inf), ValueError, "theta must be finite"),
        ("dirac-kind", lambda: gancore.dirac_vector_field(np.array(0.0), np.array(0.0), kind="lsgan"), ValueError, "kind must be one of"),
        ("dirac-gamma", lambda: gancore.dirac_jacobian(kind="r1", gamma=-1.0), ValueError, "gamma must be a finite number >= 0"),
        ("dirac-nan", lambda: gancore.dirac_vector_field(np.array(NAN), np.array(0.0)), ValueError, "theta must be finite"),
        ("dirac-int", lambda: gancore.dirac_vector_field(np.array(1), np.array(0.0)), TypeError, "theta must have a real floating dtype"),
        ("dirac-jacobian-gp", lambda: gancore.dirac_jacobian(kind="wgan-gp"), ValueError, "not differentiable"),
        ("dirac-lr", lambda: gancore.dirac_simulate(1.0, 1.0, lr=0.0), ValueError, "lr must be a finite number > 0"),
        ("dirac-steps", lambda: gancore.dirac_simulate(1.0, 1.0, steps=0), ValueError, "steps must be an int >= 1"),
        ("dirac-mode", lambda: gancore.dirac_simulate(1.0, 1.0, mode="sequential"), ValueError, "mode must be"),
        ("dirac-clip", lambda: gancore.dirac_simulate(1.0, 1.0, clip=-1.0), ValueError, "clip must be a finite number > 0"),
        ("dirac-shapes", lambda: gancore.dirac_simulate(np.ones(2), np.ones(3)), ValueError, "do not broadcast"),
        # from psi0 = 1.7e308, theta grows by lr psi a step (D = 1 once psi theta passes
        # the largest float) and passes float64's largest within 20 steps
        ("dirac-path-range", lambda: gancore.dirac_simulate(0.0, 1.7e308, steps=20), ValueError, "passes the range of float64"),
        ("ggan-loss", lambda: gancore.train_gaussian_gan(gancore.Normal(), loss="wgan"), ValueError, "loss must be one of"),
        ("ggan-steps", lambda: gancore.train_gaussian_gan(gancore.Normal(), steps=0), ValueError, "steps must be an int >= 1"),
        ("ggan-k", lambda: gancore.train_gaussian_gan(gancore.Normal(), k=1.5), TypeError, "k must be an int"),
        ("ggan-lr-bool", lambda: gancore.train_gaussian_gan(gancore.Normal(), lr_d=True), TypeError, "lr_d must be a real number"),
        ("ggan-lr", lambda: gancore.train_gaussian_gan(gancore.Normal(), lr_g=-1.0), ValueError, "lr_g must be a finite number > 0"),
        ("ggan-update", lambda: gancore.train_gaussian_gan(gancore.Normal(), update="gauss-seidel"), ValueError, "update must be"),
        ("ggan-data", lambda: gancore.train_gaussian_gan(gancore.LineSegment(0.0)), TypeError, "data must be a gancore Normal"),
        ("ggan-init", lambda: gancore.train_gaussian_gan(gancore.Normal(), init=([0.0, 0.0], [[1.0]])), ValueError, "init must be"),
        # m^T Sigma^-1 m = 1.82e308 for a mean of 1.35e154: past float64's largest (1.80e308)
        ("ggan-far-means", lambda: gancore.gaussian_optimal_discriminator(gancore.Normal(1.35e154, 1.0), gancore.Normal()), ValueError, "past float64's range"),
        ("ggan-train-unresolved-data", lambda: gancore.train_gaussian_gan(gancore.Normal(1e17, 1.0), steps=2), ValueError, "data's samples do not resolve its covariance"),
        ("ggan-train-data-past-range", lambda: gancore.train_gaussian_gan(gancore.Normal(1e195, 1.0), steps=2), ValueError, "data's samples do not resolve its covariance"),
        ("ggan-train-diverges", lambda: gancore.train_gaussian_gan(gancore.Normal(), lr_g=1e291, steps=60, record_every=50), ValueError, "training diverged: by step 0"),
        ("ggan-dims", lambda: gancore.gaussian_optimal_discriminator(gancore.Normal(), gancore.MultivariateNormal([0.0, 0.0], np.eye(2))), ValueError, "data and gen must have one dimension"),
        ("ggan-gradients-loss", lambda: gancore.gaussian_gan_gradients(*[np.zeros((1, 1))] * 7, loss="wgan"), ValueError, "loss must be one of"),
        ("kl-normal-types", lambda: gancore.kl_normal(gancore.Normal(), gancore.MultivariateNormal([0.0], [[1.0]])), TypeError, "p and q must both be Normal"),
        ("kl-normal-dims", lambda: gancore.kl_normal(gancore.MultivariateNormal([0.0], [[1.0]]), gancore.MultivariateNormal([0.0, 0.0], np.eye(2))), ValueError, "p and q must have one dimension"),
    ]
)


@pytest.mark.parametrize("call, error, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_an_error_naming_the_argument(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_mixture_normalize_rescales_weights():
    mix = gancore.Mixture([gancore.Normal(), gancore.Normal(1.0)], [1.0, 3.0], normalize=True)
    np.testing.assert_allclose(mix.weights, [0.25, 0.75])


def test_bad_input_is_caught_on_every_namespace(xp):
    p, q = arr(xp, P), arr(xp, [0.5, 0.6])
    with pytest.raises(ValueError, match="q is not normalised"):
        gancore.jsd(p, q)
    with pytest.raises(ValueError, match=r"d must lie in \[0, 1\]"):
        gancore.value(arr(xp, [0.5, 2.0]), p, arr(xp, Q))
    with pytest.raises(ValueError, match="logits must not hold NaN"):
        gancore.value_from_logits(arr(xp, [0.0, NAN]), arr(xp, P), arr(xp, Q))
    with pytest.raises(ValueError, match="p must be non-negative"):
        gancore.kl(arr(xp, [-0.5, 1.5]), arr(xp, Q))
    with pytest.raises(TypeError, match="real floating dtype"):
        gancore.tv(xp.asarray([1, 0]), xp.asarray([0, 1]))
