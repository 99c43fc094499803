"""
Mode collapse on the ring and the grid
======================================

The two benchmarks of the mode-collapse literature: 8 Gaussians of standard deviation
0.01 on the unit circle, and 25 of standard deviation 0.05 on a square grid. Each loss
trains one population whose two members are the ring and the grid (members may differ
in their data), and :func:`gancore.mode_coverage` scores 2500 samples of each.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore
from gancore.torch import TrainConfig, train

ring, grid = gancore.gaussian_ring(), gancore.gaussian_grid()

# %%
# Every loss at its published optimiser settings
# ----------------------------------------------
# gancore's MLPs with a 2-D latent, 4000 generator steps (the table on the Mode
# collapse page trains 20000). WGAN-GP takes lambda = 0.1, its authors' toy-data value.
# Blue: 2500 generated samples; the circles have a radius of 3 standard deviations,
# the high-quality zone of each mode.

losses = {"minimax": {}, "nonsaturating": {}, "wgan": {}, "wgan-gp": {"gp_lambda": 0.1}}
fig, axes = plt.subplots(2, 4, figsize=(12, 6.5), layout="constrained")
for column, (loss, extra) in zip(axes.T, losses.items()):
    population = train([TrainConfig(loss=loss, data=target, latent_dim=2, steps=4000,
                                    eval_every=4000, eval_samples=500, data_pool=2**16,
                                    **extra)
                        for target in (ring, grid)], progress=False)
    for ax, member, target in zip(column, population, (ring, grid)):
        x = member.sample(2500, seed=0).numpy()
        score = gancore.mode_coverage(x, target)
        ax.scatter(*x.T, s=1, alpha=0.5)
        for c in target.components:
            ax.add_patch(plt.Circle(c.mean, 3 * np.sqrt(c.cov[0, 0]), fill=False,
                                    color="k", lw=0.8))
        ax.set_title(f"{loss}\n{int(score.modes)} modes, HQ {100 * score.high_quality:.0f}%, "
                     f"rKL {float(score.reverse_kl):.2f}", fontsize="medium")
        limit = 1.5 if target is ring else 5.5
        ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
plt.show()
