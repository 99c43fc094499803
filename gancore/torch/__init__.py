"""gancore.torch: GANs trained with the losses of a table (minimax, non-saturating,
WGAN, WGAN-GP, f-GAN, least-squares, hinge) or research code's own, one GAN or a
population, on CPU or CUDA, seeded and resumable.

Importing :mod:`gancore` does not import torch; importing this module does.
"""

from .checkpoint import load_checkpoint, save_checkpoint
from .evaluate import sample_distances
from .f_gan import f_gan_activation, f_gan_critic_loss, f_gan_generator_loss
from .config import TrainConfig, published_defaults
from .population import sweep
from .losses import (clip_weights, critic_loss, discriminator_loss, gradient_norm_penalty,
                     gradient_penalty, hinge_critic_loss, interpolates,
                     least_squares_discriminator_loss, least_squares_generator_loss,
                     minimax_generator_loss,
                     nonsaturating_generator_loss, r1_penalty, wasserstein_generator_loss)
from .objectives import LOSSES, Loss, Penalty
from .models import Affine, discriminator, generator, lipschitz_upper_bound
from .refine import calibrate
from .trainer import PopulationResult, TrainResult, train

__all__ = [
    "LOSSES",
    "Affine",
    "Loss",
    "Penalty",
    "PopulationResult",
    "TrainConfig",
    "TrainResult",
    "calibrate",
    "clip_weights",
    "critic_loss",
    "discriminator_loss",
    "generator",
    "discriminator",
    "f_gan_activation",
    "f_gan_critic_loss",
    "f_gan_generator_loss",
    "gradient_norm_penalty",
    "gradient_penalty",
    "hinge_critic_loss",
    "interpolates",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "lipschitz_upper_bound",
    "load_checkpoint",
    "minimax_generator_loss",
    "nonsaturating_generator_loss",
    "published_defaults",
    "r1_penalty",
    "sample_distances",
    "save_checkpoint",
    "sweep",
    "train",
    "wasserstein_generator_loss",
]
