"""Every public callable refuses every bad argument with an error that names it.

The sweep is generated, not listed: for each public callable of ``gancore``,
``gancore.torch`` and ``gancore.torch.updates`` (and each public method of their distributions and results) one valid
call is written in :data:`VALID`; every argument of that call (found by binding it to
the signature) is then replaced, one at a time, by each bad value that fits its kind:

- arrays (NumPy arrays, torch tensors, lists of numbers): ``None``, a string, bytes, a
  dict, an object array, a complex array, a bool array, a ragged nested list, a 0-d
  array, an empty array, NaN, infinity, +inf and -inf in one array, a negative entry, an
  unnormalised distribution
  (the array times 1/2), an array of another namespace and, where a GPU is present, an
  array on another device;
- numbers: ``None``, a string, a bool, a complex number, NaN, infinity, a negative
  number, zero, and a fraction where an int is wanted;
- strings (choices): ``None``, a number, an unknown choice;
- flags: ``None``, a string, a number; other objects: ``None``, a number, a string.

Each call must raise ``ValueError`` or ``TypeError`` whose message names the argument,
unless :data:`ACCEPTED` lists the (callable, argument, bad value) with the reason the
value is legitimate; an accepted call must then succeed. A new public function fails
:func:`test_every_public_callable_has_a_valid_call` until it is given a valid call, and
is swept from then on.
"""

import fnmatch
import inspect
import math
import re

import numpy as np
import pytest

import gancore

torch = pytest.importorskip("torch")
import gancore.torch as gtorch  # noqa: E402  (after the skip: needs torch)
import gancore.torch.updates as updates  # noqa: E402

strict = pytest.importorskip("array_api_strict")

P, Q = np.array([0.25, 0.75]), np.array([0.5, 0.5])


def _t(*values):
    return torch.tensor(values, dtype=torch.float64)


def _valid_config():
    return gtorch.TrainConfig(steps=0, data_pool=64, eval_samples=16, widths=(4,))


_RESULT = []


def _trained():
    """One tiny trained result, made once (for TrainResult.sample)."""
    if not _RESULT:
        _RESULT.append(gtorch.train(_valid_config(), progress=False))
    return _RESULT[0]


# name -> (callable factory, args, kwargs). Factories run once per case, so that
# each call gets fresh objects (methods of new instances, a fresh temporary path).
VALID = {
    "Normal": (lambda: gancore.Normal, (), {"loc": 0.0, "scale": 1.0}),
    "Normal.pdf": (lambda: gancore.Normal().pdf, (np.array([0.0, 1.0]),), {}),
    "Normal.logpdf": (lambda: gancore.Normal().logpdf, (np.array([0.0, 1.0]),), {}),
    "Normal.cdf": (lambda: gancore.Normal().cdf, (np.array([0.0, 1.0]),), {}),
    "Normal.ppf": (lambda: gancore.Normal().ppf, (np.array([0.25, 0.5]),), {}),
    "Normal.sample": (lambda: gancore.Normal().sample, (3,), {"seed": 0}),
    "MultivariateNormal": (lambda: gancore.MultivariateNormal, (),
                           {"mean": np.zeros(2), "cov": np.eye(2)}),
    "MultivariateNormal.pdf": (lambda: gancore.MultivariateNormal(np.zeros(2), np.eye(2)).pdf,
                               (np.ones((3, 2)),), {}),
    "MultivariateNormal.logpdf": (
        lambda: gancore.MultivariateNormal(np.zeros(2), np.eye(2)).logpdf, (np.ones((3, 2)),), {}),
    "MultivariateNormal.sample": (
        lambda: gancore.MultivariateNormal(np.zeros(2), np.eye(2)).sample, (3,), {"seed": 0}),
    "Mixture": (lambda: gancore.Mixture, (),
                {"components": [gancore.Normal(), gancore.Normal(1.0)],
                 "weights": np.array([0.5, 0.5]), "normalize": False}),
    "Mixture.pdf": (lambda: gancore.Mixture([gancore.Normal()], [1.0]).pdf,
                    (np.array([0.0, 1.0]),), {}),
    "Mixture.logpdf": (lambda: gancore.Mixture([gancore.Normal()], [1.0]).logpdf,
                       (np.array([0.0, 1.0]),), {}),
    "Mixture.cdf": (lambda: gancore.Mixture([gancore.Normal()], [1.0]).cdf,
                    (np.array([0.0, 1.0]),), {}),
    "Mixture.ppf": (lambda: gancore.Mixture([gancore.Normal()], [1.0]).ppf,
                    (np.array([0.25, 0.5]),), {}),
    "Mixture.sample": (lambda: gancore.Mixture([gancore.Normal()], [1.0]).sample, (3,),
                       {"seed": 0}),
    "LineSegment": (lambda: gancore.LineSegment, (), {"theta": 0.5}),
    "LineSegment.pdf": (lambda: gancore.LineSegment(0.5).pdf, (np.full((3, 2), 0.5),), {}),
    "LineSegment.logpdf": (lambda: gancore.LineSegment(0.5).logpdf, (np.full((3, 2), 0.5),), {}),
    "LineSegment.sample": (lambda: gancore.LineSegment(0.5).sample, (3,), {"seed": 0}),
    "kl_normal": (lambda: gancore.kl_normal, (gancore.Normal(), gancore.Normal(1.0)), {}),
    "kl": (lambda: gancore.kl, (P, Q),
           {"axis": -1, "dx": 1.0, "base": 2.0, "keepdims": False, "normalize": False}),
    "jsd": (lambda: gancore.jsd, (P, Q),
            {"axis": -1, "dx": 1.0, "base": 2.0, "keepdims": False, "normalize": False}),
    "tv": (lambda: gancore.tv, (P, Q),
           {"axis": -1, "dx": np.ones(2), "keepdims": False, "normalize": False}),
    "value": (lambda: gancore.value, (np.array([0.5, 0.5]), P, Q),
              {"axis": -1, "dx": 1.0, "normalize": False}),
    "value_from_logits": (lambda: gancore.value_from_logits, (np.array([0.5, -0.5]), P, Q),
                          {"axis": -1, "dx": 1.0, "normalize": False}),
    "virtual_criterion": (lambda: gancore.virtual_criterion, (P, Q),
                          {"axis": -1, "dx": 1.0, "normalize": False}),
    "optimal_discriminator": (lambda: gancore.optimal_discriminator, (P, Q), {}),
    "least_squares_optimal_discriminator": (lambda: gancore.least_squares_optimal_discriminator,
                                            (P, Q), {"a": -1.0, "b": 1.0}),
    "least_squares_criterion": (lambda: gancore.least_squares_criterion, (P, Q),
                                {"a": -1.0, "b": 1.0, "c": 0.0, "axis": -1, "dx": 1.0,
                                 "normalize": False}),
    "hinge_optimal_critic": (lambda: gancore.hinge_optimal_critic, (P, Q), {}),
    "hinge_critic_minimum": (lambda: gancore.hinge_critic_minimum, (P, Q),
                             {"axis": -1, "dx": 1.0, "normalize": False}),
    "optimal_discriminator_logits": (lambda: gancore.optimal_discriminator_logits, (P, Q), {}),
    "minibatch_value": (lambda: gancore.minibatch_value,
                        (np.array([0.5, 0.25]), np.array([0.5, 0.25])), {}),
    "minibatch_value_from_logits": (lambda: gancore.minibatch_value_from_logits,
                                    (np.array([0.5, -2.0]), np.array([0.5, 1.0])), {}),
    "w1": (lambda: gancore.w1, (np.array([0.0, 1.0]), np.array([0.5, 2.0, 3.0]),
                                np.array([1.0, 2.0]), np.array([1.0, 1.0, 1.0])),
           {"axis": -1, "keepdims": False}),
    "w1_empirical": (lambda: gancore.w1_empirical,
                     (np.zeros((2, 2)), np.ones((3, 2)), np.array([1.0, 2.0]),
                      np.array([1.0, 1.0, 1.0])), {}),
    "f_divergence": (lambda: gancore.f_divergence, (P, Q),
                     {"f": "hellinger", "axis": -1, "dx": 1.0, "keepdims": False,
                      "normalize": False}),
    "conjugate": (lambda: gancore.conjugate, ("gan", np.array([-1.0, -0.5])), {}),
    "optimal_critic": (lambda: gancore.optimal_critic, (P, Q), {"f": "kl"}),
    "variational_bound": (lambda: gancore.variational_bound,
                          (np.array([0.5, -0.5]), np.array([-1.0, -0.5])),
                          {"f": "gan", "data_weights": P, "gen_weights": Q, "axis": -1}),
    "gaussian_ring": (lambda: gancore.gaussian_ring, (4,), {"radius": 2.0, "scale": 0.1}),
    "gaussian_grid": (lambda: gancore.gaussian_grid, (3,), {"spacing": 1.0, "scale": 0.1}),
    "mode_coverage": (lambda: gancore.mode_coverage,
                      (np.array([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]), gancore.gaussian_ring(4)),
                      {"within": 3.0}),
    "rejection_sample": (lambda: gancore.rejection_sample,
                         (np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 0.5]]),
                          np.array([-1.0, 0.5, 0.25])),
                         {"log_m": 1.0, "exact": True, "seed": 0}),
    "metropolis_hastings": (lambda: gancore.metropolis_hastings,
                            (np.arange(12.0).reshape(2, 3, 2),
                             np.array([[0.5, -1.0, 0.25], [0.0, 1.0, -2.0]])), {"seed": 0}),
    "lipschitz_precision_bound": (lambda: gancore.lipschitz_precision_bound,
                                  (np.array([0.5, 1.0]), np.array([1.0, 2.0])),
                                  {"masses": np.array([0.5, 0.25])}),
    "dirac_vector_field": (lambda: gancore.dirac_vector_field, (np.array([1.0]), np.array([0.5])),
                           {"kind": "r1", "gamma": 1.0, "lam": 10.0, "noise": 1.0}),
    "dirac_jacobian": (lambda: gancore.dirac_jacobian, (),
                       {"kind": "r1", "gamma": 1.0, "lam": 10.0, "noise": 1.0}),
    "dirac_simulate": (lambda: gancore.dirac_simulate, (np.array([1.0]), np.array([1.0])),
                       {"kind": "gan", "lr": 0.1, "steps": 3, "mode": "alternating",
                        "critic_steps": 2, "clip": 1.0, "gamma": 1.0, "lam": 10.0,
                        "noise": 1.0}),
    "gaussian_optimal_discriminator": (lambda: gancore.gaussian_optimal_discriminator,
                                       (gancore.Normal(), gancore.Normal(1.0)), {}),
    "gaussian_criterion": (lambda: gancore.gaussian_criterion,
                           (gancore.Normal(), gancore.Normal(1.0)), {}),
    "gaussian_gan_gradients": (
        lambda: gancore.gaussian_gan_gradients,
        (np.ones((4, 1)), np.ones((3, 1)), np.zeros(1), np.eye(1), np.array(0.5),
         np.ones(1), np.eye(1)), {"loss": "minimax"}),
    "train_gaussian_gan": (lambda: gancore.train_gaussian_gan, (gancore.Normal(),),
                           {"loss": "minimax", "steps": 2, "k": 1, "lr_d": 0.1,
                            "lr_g": 0.02, "batch": 8, "update": "alternating", "seed": 0,
                            "record_every": 5}),
    # gancore.torch
    "Affine": (lambda: gtorch.Affine, (_t(0.0, 1.0), _t(1.0, 2.0)), {"inverse": False}),
    "TrainConfig": (lambda: gtorch.TrainConfig, (),
                    {"loss": "wgan-gp", "data": gancore.Normal(), "steps": 0,
                     "batch_size": 8, "n_critic": 2, "lr": 1e-3, "betas": (0.5, 0.9),
                     "clip": 0.01, "gp_lambda": 0.1, "r1_gamma": 0.0, "latent_dim": 2,
                     "widths": (4,), "activation": "relu", "standardize": True,
                     "ema": 0.9, "data_pool": 64, "device": "cpu", "cuda_graph": False,
                     "dtype": "float64", "seed": 0, "log_every": 10, "eval_every": 10,
                     "eval_samples": 16, "checkpoint": None, "checkpoint_every": 10,
                     "generator": None, "discriminator": None, "pack": 1,
                     "divergence": "gan", "value_penalty": 0.0}),
    "sweep": (lambda: gtorch.sweep, (_valid_config(),), {"seed": [0, 1]}),
    "TrainResult.sample": (lambda: _trained().sample, (5,), {"seed": 0, "refine": "mh"}),
    "lipschitz_upper_bound": (lambda: gtorch.lipschitz_upper_bound,
                              (torch.nn.Sequential(torch.nn.Linear(2, 2)),), {}),
    "calibrate": (lambda: gtorch.calibrate, (_trained(),),
                  {"steps": 2, "batch_size": 4, "lr": 1e-3, "seed": 0}),
    "train": (lambda: gtorch.train, (_valid_config(),), {"resume": None, "progress": False}),
    "published_defaults": (lambda: gtorch.published_defaults, ("wgan",), {}),
    "generator": (lambda: gtorch.generator, (2,),
                  {"latent_dim": 3, "widths": (4,), "activation": "relu",
                   "shift": _t(0.0, 0.0), "scale": _t(1.0, 1.0)}),
    "discriminator": (lambda: gtorch.discriminator, (2,),
                      {"widths": (4,), "activation": "relu", "shift": _t(0.0, 0.0),
                       "scale": _t(1.0, 1.0), "value_scale": 2.0}),
    "discriminator_loss": (lambda: gtorch.discriminator_loss, (_t(0.5, 1.0), _t(-0.5, 0.0)), {}),
    "minimax_generator_loss": (lambda: gtorch.minimax_generator_loss, (_t(0.5, 1.0),), {}),
    "nonsaturating_generator_loss": (lambda: gtorch.nonsaturating_generator_loss,
                                     (_t(0.5, 1.0),), {}),
    "critic_loss": (lambda: gtorch.critic_loss, (_t(0.5, 1.0), _t(-0.5, 0.0)), {}),
    "wasserstein_generator_loss": (lambda: gtorch.wasserstein_generator_loss, (_t(0.5, 1.0),), {}),
    "gradient_penalty": (lambda: gtorch.gradient_penalty,
                         (lambda x: x.sum(1), torch.ones(4, 2, dtype=torch.float64),
                          torch.zeros(4, 2, dtype=torch.float64)),
                         {"lam": 1.0, "generator": None}),
    "interpolates": (lambda: gtorch.interpolates,
                     (torch.ones(4, 2, dtype=torch.float64), torch.zeros(4, 2, dtype=torch.float64),
                      torch.full((4, 1), 0.5, dtype=torch.float64)), {}),
    "gradient_norm_penalty": (lambda: gtorch.gradient_norm_penalty,
                              (torch.ones(4, 2, dtype=torch.float64), 1.0), {"target": 1.0}),
    "r1_penalty": (lambda: gtorch.r1_penalty,
                   (lambda x: x.sum(1), torch.ones(4, 2, dtype=torch.float64)), {"gamma": 1.0}),
    "f_gan_activation": (lambda: gtorch.f_gan_activation, (_t(0.5, -1.0),),
                         {"divergence": "kl"}),
    "f_gan_critic_loss": (lambda: gtorch.f_gan_critic_loss, (_t(0.5, 1.0), _t(-0.5, 0.0)),
                          {"divergence": "hellinger", "value_penalty": 0.1}),
    "f_gan_generator_loss": (lambda: gtorch.f_gan_generator_loss, (_t(0.5, 1.0),),
                             {"divergence": "pearson", "value_penalty": 0.1}),
    "clip_weights": (lambda: gtorch.clip_weights, (torch.nn.Linear(2, 2), 0.01), {}),
    "least_squares_discriminator_loss": (lambda: gtorch.least_squares_discriminator_loss,
                                         (_t(0.5, 1.0), _t(-0.5, 0.0)), {"a": -1.0, "b": 1.0}),
    "least_squares_generator_loss": (lambda: gtorch.least_squares_generator_loss,
                                     (_t(0.5, 1.0),), {"c": 0.0}),
    "hinge_critic_loss": (lambda: gtorch.hinge_critic_loss, (_t(0.5, 1.0), _t(-0.5, 0.0)), {}),
    "Loss": (lambda: gtorch.Loss, ("my-loss", "a loss of research code",
                                   gtorch.critic_loss, gtorch.wasserstein_generator_loss),
             {"optimizer": "adam", "lr": 1e-4, "betas": (0.5, 0.9), "n_critic": 2,
              "batch_size": 32, "defaults_source": "", "options": ("divergence",),
              "penalty": gtorch.LOSSES["wgan-gp"].penalty, "clip": False,
              "data_units": True, "summary": torch.sigmoid, "log_ratio": None,
              "optimal_critic": None}),
    "Penalty": (lambda: gtorch.Penalty, (gtorch.r1_penalty, "r1_gamma", "gamma", "real"), {}),
    "sample_distances": (lambda: gtorch.sample_distances,
                         (np.linspace(0.0, 1.0, 50), np.linspace(0.5, 1.5, 40)), {"bins": 8}),
    "flatten_parameters": (lambda: updates.flatten_parameters, (torch.nn.Linear(2, 2),),
                           {"out": None}),
    "optimiser_state": (lambda: updates.optimiser_state, (_t(0.5, 1.0),), {}),
    "adam_update": (lambda: updates.adam_update,
                    (_t(0.5, 1.0), _t(0.1, -0.2), updates.optimiser_state(_t(0.0, 0.0))),
                    {"lr": 1e-3, "betas": (0.5, 0.9), "eps": 1e-8}),
    "rmsprop_update": (lambda: updates.rmsprop_update,
                       (_t(0.5, 1.0), _t(0.1, -0.2), updates.optimiser_state(_t(0.0, 0.0))),
                       {"lr": 1e-3, "alpha": 0.99, "eps": 1e-8}),
    "save_checkpoint": (lambda: gtorch.save_checkpoint, ({"a": 1}, "PATH"), {}),
    "load_checkpoint": (lambda: gtorch.load_checkpoint, ("CHECKPOINT",), {"map_location": "cpu"}),
}

# Public names that are not called by users: result records that gancore builds.
NOT_CALLED = {
    "GaussianGANResult": "the record train_gaussian_gan returns; users read it",
    "TrainResult": "the record train returns; its sample method is swept",
    "ModeCoverage": "the record mode_coverage returns; users read it",
    "RejectionResult": "the record rejection_sample returns; users read it",
    "MetropolisHastingsResult": "the record metropolis_hastings returns; users read it",
    "PopulationResult": "the sequence of TrainResult that train returns for a population",
}

# (callable, argument, bad value) patterns (fnmatch, '|' for alternatives) that are
# legitimately accepted, with the reason. Each accepted call must succeed.
ACCEPTED = [
    ("w1|w1_empirical", "u_values|v_values|x|y", "negative|unnormalised",
     "sample points are positions, not masses: any finite value is a point"),
    ("w1|w1_empirical", "*weights", "none", "None means uniform weights"),
    ("w1|w1_empirical", "*weights", "unnormalised", "weights need not sum to 1"),
    ("tv", "dx", "zero_d", "a 0-d array of weights is a grid spacing"),
    ("value|minibatch_value", "d|d_real|d_fake", "unnormalised",
     "D is a probability at each point, not a distribution: D / 2 is in [0, 1]"),
    ("value_from_logits|minibatch_value_from_logits|dirac_*", "logits*|theta*|psi*",
     "negative|unnormalised", "log-odds and Dirac-GAN positions are any real numbers"),
    ("value_from_logits|minibatch_value_from_logits", "logits*", "inf",
     "an infinite logit is D = 1 (or 0), documented"),
    ("optimal_discriminator*|minibatch_value*|dirac_*|least_squares_optimal_discriminator|"
     "hinge_optimal_critic", "*", "zero_d", "pointwise functions take scalars"),
    ("optimal_discriminator*|least_squares_optimal_discriminator|hinge_optimal_critic",
     "p_data|p_g", "unnormalised",
     "D* is a pointwise ratio of densities: any positive scale cancels"),
    ("Normal.*|Mixture.*", "x|u", "zero_d",
     "a 1-D density or quantile at one point is a scalar"),
    ("Normal.*|Mixture.*|dirac_vector_field|dirac_simulate", "x|u|theta*|psi*", "empty",
     "a function evaluated pointwise (or on a batch of starts) maps no points to none"),
    ("*pdf|*logpdf|*cdf|*ppf|mode_coverage", "x|u|samples", "other_namespace",
     "the only array argument: its namespace is the result's"),
    ("MultivariateNormal|Mixture|Affine|generator|discriminator", "mean|cov|weights|shift|scale",
     "other_namespace",
     "parameters are copied once into the model (the host, or torch), from any namespace"),
    ("*pdf|*logpdf|*cdf", "x", "negative|unnormalised|inf",
     "evaluation points are any real numbers (the density at +-inf is 0)"),
    ("*ppf", "u", "unnormalised", "u / 2 still lies in [0, 1]"),
    ("gaussian_gan_gradients", "x_real|z|mean|a|b|w", "negative|unnormalised",
     "parameters and samples are any real numbers"),
    ("gaussian_gan_gradients", "c", "negative|unnormalised|zero_d",
     "c is the logit's constant: any real scalar"),
    ("MultivariateNormal", "mean", "negative|unnormalised", "a mean is any real vector"),
    ("MultivariateNormal", "cov", "unnormalised", "a covariance may have any scale"),
    ("Affine|generator|discriminator", "shift|scale", "negative|unnormalised|zero_d",
     "the affine map's constants are any real numbers (the scale non-zero), or one for "
     "every coordinate"),
    ("*loss|f_gan_activation", "*values|*logits", "negative|unnormalised|nan|inf|zero_d",
     "logits and critic values are any real numbers; the losses run inside the "
     "training step, where a check of values would synchronise with the device (and "
     "cannot run inside a CUDA graph): the trainer's guard reports non-finite losses "
     "naming the step and the quantity"),
    ("optimiser_state", "param", "zero_d", "a 0-d parameter is a parameter"),
    ("*_update|optimiser_state", "param|grad", "negative|unnormalised|nan|inf",
     "parameters and gradients are any real numbers of any shape; the updates run in the "
     "training step, where a check of values would synchronise with the device (the "
     "trainer's guard reports non-finite parameters)"),
    ("*_update", "eps|alpha|betas", "zero", "torch.optim allows eps = 0 and rates of 0"),
    ("interpolates", "real|fake|eps", "negative|unnormalised|nan|inf",
     "points and their weights are any real numbers; values are not checked inside the "
     "training step (see the losses)"),
    ("interpolates", "eps", "zero_d", "one weight for every sample broadcasts"),
    ("gradient_penalty|r1_penalty", "real|fake", "negative|unnormalised|nan|inf",
     "sample points are any real numbers; values are not checked inside the training "
     "step (see the losses)"),
    ("conjugate|variational_bound", "t|t_data|t_gen", "negative|unnormalised|inf",
     "critic values are any real numbers (f* is infinite outside its domain, and a "
     "critic of -inf or +inf is documented)"),
    ("conjugate", "t", "empty|other_namespace|zero_d",
     "elementwise: no values give none, a scalar gives a scalar; the only array "
     "argument fixes the namespace"),
    ("variational_bound", "*weights", "none", "None means equal weights (sample means)"),
    ("variational_bound", "*weights", "unnormalised", "weights are normalised by their sum"),
    ("f_divergence", "dx", "zero_d", "a 0-d array of weights is a grid spacing"),
    ("optimal_critic", "p_data|p_g", "zero_d|unnormalised",
     "T* is a pointwise function of the ratio p_data / p_g, as D* is"),
    ("mode_coverage", "samples", "negative|unnormalised|inf",
     "samples are points, any real values; an infinite one is documented as not high "
     "quality (a diverged generator is scored, not refused)"),
    ("sample_distances", "generated|target", "negative|unnormalised",
     "sample points are any real numbers"),
    ("sample_distances", "generated|target", "other_namespace",
     "each sample is copied to the host on its own: a generated torch sample against a "
     "NumPy target is the usual call"),
    ("rejection_sample|metropolis_hastings", "samples|proposals", "negative|unnormalised|inf",
     "draws are points, any real values: they are carried to the result, never computed "
     "with"),
    ("rejection_sample|metropolis_hastings", "log_ratio", "negative|unnormalised",
     "a log density ratio is any real number below +inf"),
    ("lipschitz_precision_bound", "*", "zero_d|unnormalised",
     "the bound is elementwise (a scalar broadcasts), and half a distance, a Lipschitz "
     "constant or a fraction is another valid one"),
    ("lipschitz_precision_bound", "masses", "none", "None means two sets of equal mass"),
    ("*sample|train_gaussian_gan|metropolis_hastings", "seed", "none",
     "None draws a fresh seed from the operating system"),
    ("*", "seed", "zero", "seed 0 is a seed like any other"),
    ("Normal|LineSegment", "loc|theta", "negative|zero",
     "a location is any real number"),
    ("dirac_*", "gamma|lam|noise", "zero", "a penalty weight of 0 switches it off"),
    ("dirac_*", "clip", "none", "None means no clipping"),
    ("kl|jsd", "base", "none", "None means natural logarithms"),
    ("kl|jsd|tv|f_divergence|variational_bound|w1|value*|virtual_criterion|"
     "least_squares_criterion|hinge_critic_minimum", "axis", "zero",
     "axis 0 is the only axis of these 1-D inputs"),
    ("TrainConfig", "batch_size|n_critic|lr|betas|ema|checkpoint", "none",
     "None means the published default (or: no checkpoint, no weight average)"),
    ("TrainConfig", "steps|seed|gp_lambda|r1_gamma|value_penalty|ema", "zero",
     "zero steps, seed 0, a penalty weight of 0 and an average without decay are valid"),
    ("train", "resume|progress", "none", "None means no checkpoint, or a progress bar "
     "only on a terminal"),
    ("discriminator", "value_scale", "none", "None means no output scale"),
    ("TrainConfig", "checkpoint", "string", "any string is a path to write to"),
    ("load_checkpoint", "map_location", "none", "None keeps the devices the file names"),
    ("gradient_penalty", "generator", "none", "None means torch's global generator"),
    ("r1_penalty", "gamma", "zero", "gamma = 0 switches the penalty off"),
    ("f_gan_*_loss", "value_penalty", "zero", "lambda = 0 switches the penalty off"),
    ("gradient_penalty", "lam", "zero", "lambda = 0 switches the penalty off"),
    ("gradient_norm_penalty", "weight", "zero", "a weight of 0 switches the penalty off"),
    ("gradient_norm_penalty", "target", "zero", "target 0 is R1's squared norm"),
    ("gradient_norm_penalty", "grads", "negative|unnormalised|nan|inf",
     "gradients are any real numbers; values are not checked inside the training step"),
    ("TrainConfig", "generator|discriminator", "none", "None means the built-in MLP"),
    ("TrainResult.sample", "refine", "none", "None means draws of the generator, unrefined"),
    ("flatten_parameters", "out", "none", "None means a new vector"),
    ("Loss", "name|description|defaults_source", "unknown_choice",
     "any text names or describes a loss"),
    ("Loss", "penalty|log_ratio|optimal_critic", "none",
     "None means no penalty, no ratio estimate, no stated optimum"),
    ("least_squares_*", "a|b|c", "negative|zero", "the codes are any real numbers"),
    ("Penalty", "weight|keyword", "unknown_choice", "any name: a config that uses the "
     "loss checks that weight names one of its fields"),
]


def _binds(fn, args, kwargs):
    """The valid call's arguments by parameter name, in signature order (the items of a
    ``**keywords`` parameter each under its own name)."""
    sig = inspect.signature(fn)
    arguments = dict(sig.bind(*args, **kwargs).arguments)
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD and p.name in arguments:
            arguments.update(arguments.pop(p.name))
    return arguments


def _is_array(value):
    return isinstance(value, (np.ndarray, torch.Tensor)) or (
        isinstance(value, list) and all(isinstance(v, (int, float)) for v in value))


def _replace_first(value, new):
    """A copy of an array with its first element replaced by ``new``."""
    if isinstance(value, torch.Tensor):
        out = value.clone()
        out.reshape(-1)[0] = new
        return out
    out = np.array(value, dtype=np.float64)
    out.reshape(-1)[0] = new
    return out


def _replace_last(value, new):
    """A copy of an array with its last element replaced by ``new``."""
    if isinstance(value, torch.Tensor):
        out = value.clone()
        out.reshape(-1)[-1] = new
        return out
    out = np.array(value, dtype=np.float64)
    out.reshape(-1)[-1] = new
    return out


def _array_kinds(value):
    """The bad values for an array argument, by kind."""
    torch_base = isinstance(value, torch.Tensor)
    host = value.numpy() if torch_base else np.asarray(value, dtype=np.float64)
    kinds = {
        "none": None, "string": "abc", "bytes": b"abc", "dict": {"a": 1.0},
        "object_array": host.astype(object),
        "complex_array": value.to(torch.complex128) if torch_base else host.astype(complex),
        "bool_array": value > 0 if torch_base else host > 0,
        "ragged_list": [[0.5], [0.25, 0.25]],
        "zero_d": value.reshape(-1)[0] if torch_base else np.asarray(host.reshape(-1)[0]),
        "empty": value.reshape(-1)[:0] if torch_base else host.reshape(-1)[:0],
        "nan": _replace_first(value, math.nan), "inf": _replace_first(value, math.inf),
        "both_infinities": _replace_first(_replace_last(value, -math.inf), math.inf),
        "negative": _replace_first(value, -abs(float(host.reshape(-1)[0])) - 0.5),
        "unnormalised": value * 0.5 if torch_base else host * 0.5,
        "other_namespace": host.copy() if torch_base else strict.asarray(host),
    }
    if torch.cuda.is_available():
        base = value if torch_base else torch.as_tensor(host)
        kinds["other_device"] = base.to("cuda" if base.device.type == "cpu" else "cpu")
    return kinds


def _kinds(value):
    """The bad values for an argument whose valid value is ``value``."""
    if _is_array(value):
        return _array_kinds(value)
    if isinstance(value, bool):
        return {"none": None, "string": "yes", "number": 1}
    if isinstance(value, int):
        return {"none": None, "string": "3", "bool": True, "fraction": 2.5, "negative": -7,
                "zero": 0}
    if isinstance(value, float):
        return {"none": None, "string": "0.5", "bool": True, "complex": 0.5j,
                "nan": math.nan, "inf": math.inf, "negative": -0.5, "zero": 0.0}
    if isinstance(value, str):
        return {"none": None, "number": 3, "unknown_choice": "no-such-choice"}
    return {"none": None, "number": 3.0, "string": "abc"}


def _accepted(name, arg, kind):
    """The reason a (callable, argument, bad value) is accepted, or None. An array of
    +inf and -inf is accepted where +inf is: each of its entries is then a value the
    argument takes (and the call must still succeed, with no warning)."""
    if kind == "both_infinities":
        kind = "inf"
    for names, args, kinds, reason in ACCEPTED:
        if any(fnmatch.fnmatchcase(name, n) for n in names.split("|")) and any(
                fnmatch.fnmatchcase(arg, a) for a in args.split("|")) and any(
                fnmatch.fnmatchcase(kind, k) for k in kinds.split("|")):
            return reason
    return None


# arguments whose valid value is a path: only their type is swept (a missing file is a
# FileNotFoundError, not a bad argument)
_PATHS = {("save_checkpoint", "path"), ("load_checkpoint", "path"), ("train", "resume")}
_PATH_KINDS = {"none": None, "number": 3.0}


def _cases():
    for name, (factory, args, kwargs) in VALID.items():
        for arg, value in _binds(factory(), args, kwargs).items():
            for kind in _PATH_KINDS if (name, arg) in _PATHS else _kinds(value):
                yield name, arg, kind


CASES = list(_cases())


def _call(name, arg, kind, tmp_path):
    factory, args, kwargs = VALID[name]
    fn = factory()
    arguments = _binds(fn, args, kwargs)
    for key, value in arguments.items():  # paths: a fresh file for each case
        if isinstance(value, str) and value in ("PATH", "CHECKPOINT"):
            path = tmp_path / "state.pt"
            if value == "CHECKPOINT":
                gtorch.save_checkpoint({"a": 1}, path)
            arguments[key] = str(path)
    if kind is not None:
        kinds = _PATH_KINDS if (name, arg) in _PATHS else _kinds(arguments[arg])
        arguments[arg] = kinds[kind]
    sig = inspect.signature(fn)
    positional = [arguments.pop(p.name) for p in sig.parameters.values()
                  if p.kind is p.POSITIONAL_ONLY and p.name in arguments]
    return fn(*positional, **arguments)


def test_every_public_callable_has_a_valid_call():
    public = {f"{module.__name__}.{n}": getattr(module, n)
              for module in (gancore, gtorch, updates) for n in module.__all__}
    missing = [full for full, obj in public.items() if callable(obj)
               and full.rpartition(".")[2] not in VALID
               and full.rpartition(".")[2] not in NOT_CALLED]
    assert not missing, f"give these a valid call in VALID (or a reason in NOT_CALLED): {missing}"
    for cls in (gancore.Normal, gancore.MultivariateNormal, gancore.Mixture,
                gancore.LineSegment, gtorch.TrainResult):
        methods = [m for m in ("pdf", "logpdf", "cdf", "ppf", "sample")
                   if hasattr(cls, m) and not (m in ("cdf", "ppf") and cls in (
                       gancore.MultivariateNormal, gancore.LineSegment, gtorch.TrainResult))]
        absent = [f"{cls.__name__}.{m}" for m in methods if f"{cls.__name__}.{m}" not in VALID]
        assert not absent, f"give these methods a valid call in VALID: {absent}"


@pytest.mark.parametrize("name", list(VALID))
def test_the_valid_calls_succeed(name, tmp_path):
    _call(name, None, None, tmp_path)


@pytest.mark.parametrize("name, arg, kind", CASES, ids=[f"{n}-{a}-{k}" for n, a, k in CASES])
def test_bad_argument_is_refused_naming_it(name, arg, kind, tmp_path):
    reason = _accepted(name, arg, kind)
    if reason is not None:
        _call(name, arg, kind, tmp_path)  # accepted: it must work
        return
    with pytest.raises((ValueError, TypeError)) as info:
        _call(name, arg, kind, tmp_path)
    label = arg.split("[")[0]
    # the name as a word of the message (not inside another identifier, as "d" is in
    # "_value_dots")
    assert re.search(rf"(?<![\w.]){re.escape(label)}(?!\w)", str(info.value)), (
        f"{name}({arg}={kind}) raised {info.value!r}")
