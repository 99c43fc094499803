"""
One Gaussian fitted to two, by each f-divergence
================================================

The target is P = 0.3 N(-2, 0.5^2) + 0.7 N(2, 0.5^2); the model is one Gaussian. For
each f-divergence, the Gaussian that minimises D_f(P || N(mu, sigma^2)) directly
(quadrature and ``scipy.optimize``, by descent from the generator's start) is drawn
dashed, and an affine generator G(z) = mu + sigma z (a user's own module, with
parameters mu and log sigma) started at N(0, 1) and trained by f-GAN, solid. Neyman's
D_f is infinite for every sigma above 1/sqrt 2, so its generator starts at N(1, 0.5^2);
total variation's starts there too and trains with the critic values' penalty.
"""

import math
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.optimize import minimize

import gancore
from gancore.torch import TrainConfig, train

target = gancore.Mixture([gancore.Normal(-2.0, 0.5), gancore.Normal(2.0, 0.5)], [0.3, 0.7])
x = np.linspace(-10.0, 10.0, 4001)
dx, p = x[1] - x[0], target.pdf(x)


def direct_fit(f, start):
    """argmin over (mu, log sigma) of D_f(P || N(mu, sigma^2)) from N(*start)."""
    def divergence(theta):
        q = gancore.Normal(theta[0], math.exp(theta[1])).pdf(x)
        value = float(gancore.f_divergence(p, q, f=f, dx=dx, normalize=True))
        return value if math.isfinite(value) else 1e300   # the simplex compares values

    found = minimize(divergence, [start[0], math.log(start[1])], method="Nelder-Mead",
                     options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000})
    return found.x[0], math.exp(found.x[1])


class Affine(torch.nn.Module):
    """G(z) = mu + exp(log_sigma) z, starting at N(mu, sigma^2)."""

    def __init__(self, mu=0.0, sigma=1.0):
        super().__init__()
        self.mu = torch.nn.Parameter(torch.full((1,), mu))
        self.log_sigma = torch.nn.Parameter(torch.full((1,), math.log(sigma)))

    def forward(self, z):
        return self.mu + torch.exp(self.log_sigma) * z


# %%
# Direct and trained fits
# -----------------------
# ``standardize=False`` keeps the generator in data units, so that it starts at N(0, 1)
# rather than at the mixture's moments; Adam at lr 2e-3 for 5000 steps (the published
# 2e-4 moves mu by at most 2e-4 a step), reverse KL at 5e-3 for 8000 (it must first
# break the symmetry between the modes), Neyman for 2000 with batches of 2048
# (its bound's sample estimate has infinite variance once sigma > 0.61). KL and Pearson
# cover both modes; Hellinger, Jensen-Shannon and GAN settle on a wide local minimiser
# (their global one is the heavier mode); reverse KL and Neyman find the heavier mode.
# TV's optimal critic sign(p - q) / 2 sits at v = +-infinity, where its critic
# tanh(v) / 2 saturates and stops learning; with ``value_penalty=1e-3`` the critic's
# optimum is finite, and the generator lands in TV's flat valley (every Gaussian on the
# heavier mode scores about 0.300 against the minimum 0.299), beside TV's own fit.

# (start, settings); DEFAULT for the others, which train as one population, a member
# each (members may differ on their loss's options: ``divergence``)
DEFAULT = ((0.0, 1.0), dict(steps=5000, lr=2e-3))
budget = {"reverse-kl": ((0.0, 1.0), dict(steps=8000, lr=5e-3)),
          "neyman": ((1.0, 0.5), dict(steps=2000, lr=2e-3, batch_size=2048)),
          "total-variation": ((1.0, 0.5), dict(steps=5000, lr=2e-3, value_penalty=1e-3))}
shown = gancore.F_DIVERGENCES[:8]
runs = [[f for f in shown if f not in budget], *([f] for f in budget)]

trained = {}
for run in runs:
    start, settings = budget.get(run[0], DEFAULT)
    generator = partial(Affine, *start)   # one callable: a population's members share it
    population = train([TrainConfig(loss="f-gan", divergence=f, data=target,
                                    generator=generator, latent_dim=1, standardize=False,
                                    eval_every=settings["steps"], eval_samples=2000,
                                    **settings) for f in run], progress=False)
    for f, member in zip(run, population):
        with torch.no_grad():
            g0, g1 = member.average(torch.tensor([[0.0], [1.0]])).reshape(-1).tolist()
        trained[f] = (g0, abs(g1 - g0))

fig, axes = plt.subplots(2, 4, figsize=(12.5, 5.5), layout="constrained", sharex=True)
for ax, f in zip(axes.flat, shown):
    direct = direct_fit(f, budget.get(f, DEFAULT)[0])
    ax.fill_between(x, p, color="0.85", label="target")
    ax.plot(x, gancore.Normal(*direct).pdf(x), "k--", label="direct fit")
    ax.plot(x, gancore.Normal(*trained[f]).pdf(x), color="C0", label="trained")
    ax.set_title(f"{f}\ndirect ({direct[0]:.2f}, {direct[1]:.2f}), "
                 f"trained ({trained[f][0]:.2f}, {trained[f][1]:.2f})", fontsize="small")
    ax.set(xlim=(-6, 6), ylim=(0, 0.9))
axes.flat[0].legend(fontsize="small")
plt.show()
