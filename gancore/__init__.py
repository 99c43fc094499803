"""gancore: the theory of generative adversarial networks as code that checks itself.

The array-API core computes the objects of the theory (divergences, the Wasserstein-1
distance, the value function V(D, G), the optimal discriminator D* and the virtual
criterion C(G)) for arrays of any array-API namespace: NumPy, CuPy, PyTorch,
array_api_strict. Importing gancore imports neither PyTorch nor CuPy.
"""

from .critics import optimal_critic
from .dirac import dirac_jacobian, dirac_simulate, dirac_vector_field
from .discriminator import optimal_discriminator, optimal_discriminator_logits
from .distributions import LineSegment, Mixture, MultivariateNormal, Normal
from .divergences import jsd, kl
from .f_divergences import F_DIVERGENCES, f_divergence
from .game import value, value_from_logits, virtual_criterion
from .gaussian_game import gaussian_criterion, gaussian_optimal_discriminator
from .gaussian_gan import GaussianGANResult, gaussian_gan_gradients, train_gaussian_gan
from .gaussian_kl import kl_normal
from .hinge import hinge_critic_minimum, hinge_optimal_critic
from .least_squares import least_squares_criterion, least_squares_optimal_discriminator
from .lipschitz import lipschitz_precision_bound
from .minibatch import minibatch_value, minibatch_value_from_logits
from .modes import ModeCoverage, gaussian_grid, gaussian_ring, mode_coverage
from .sampling import (MetropolisHastingsResult, RejectionResult, metropolis_hastings,
                       rejection_sample)
from .total_variation import tv
from .variational import conjugate, variational_bound
from .wasserstein import w1, w1_empirical

__version__ = "0.1.0"

__all__ = [
    "F_DIVERGENCES",
    "GaussianGANResult",
    "LineSegment",
    "MetropolisHastingsResult",
    "Mixture",
    "ModeCoverage",
    "MultivariateNormal",
    "Normal",
    "RejectionResult",
    "conjugate",
    "dirac_jacobian",
    "dirac_simulate",
    "dirac_vector_field",
    "f_divergence",
    "gaussian_criterion",
    "gaussian_gan_gradients",
    "gaussian_grid",
    "gaussian_optimal_discriminator",
    "gaussian_ring",
    "hinge_critic_minimum",
    "hinge_optimal_critic",
    "jsd",
    "kl",
    "kl_normal",
    "least_squares_criterion",
    "least_squares_optimal_discriminator",
    "lipschitz_precision_bound",
    "metropolis_hastings",
    "minibatch_value",
    "minibatch_value_from_logits",
    "mode_coverage",
    "optimal_critic",
    "optimal_discriminator",
    "optimal_discriminator_logits",
    "rejection_sample",
    "train_gaussian_gan",
    "tv",
    "value",
    "value_from_logits",
    "variational_bound",
    "virtual_criterion",
    "w1",
    "w1_empirical",
]
