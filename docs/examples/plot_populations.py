"""
Populations: seeds, sweeps and the WGAN-GP phase diagram
========================================================

``gancore.torch.train`` given a list of configs trains them together, as one run:
here 16 seeds of the non-saturating GAN, then WGAN-GP over a grid of penalty weights.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore
from gancore.torch import TrainConfig, sweep, train

# %%
# A population's spread
# ---------------------
# Sixteen seeds of the non-saturating GAN on ``N(3, 0.5^2)`` in one run. The result is
# a sequence of per-member results; ``history`` stacks their metrics, one row per
# member, so the median and the 10-90% band over seeds are one call each.

target = gancore.Normal(3.0, 0.5)
config = TrainConfig(loss="nonsaturating", data=target, steps=1200, eval_every=50,
                     eval_samples=2000, data_pool=2**16)
population = train(sweep(config, seed=range(16)), progress=False)
steps, w1 = population.history["eval_step"][0], population.history["w1"]

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
left.semilogy(steps, np.median(w1, 0), label="median of 16 seeds")
left.fill_between(steps, *np.percentile(w1, [10, 90], 0), alpha=0.3, label="10-90%")
left.axhline(0.1 * target.scale, color="grey", ls=":", label="0.1 s")
left.set(xlabel="generator step", ylabel="W1 to the target")
left.legend()
grid = np.linspace(1, 5, 400)
for member in population[:4]:
    right.hist(member.sample(10_000, seed=0).numpy(), bins=60, range=(1, 5),
               density=True, histtype="step", label=f"seed {member.config.seed}")
right.plot(grid, target.pdf(grid), "k", lw=2, label="target")
right.set(xlabel="x", title="step 1200")
right.legend()
fig.tight_layout()

# %%
# The WGAN-GP phase diagram
# -------------------------
# On the line the generator's mean overshoots the data by up to 2 lambda before the
# critic turns round (see the WGAN-GP theory page): for lambda much smaller than the
# data's standard deviation s the swing is negligible and training converges; for
# lambda >= s it dominates. One population covers the decades of lambda / s from 1e-3
# to 10 on three targets of different scales (the grid of the theory suite's proof;
# under its ``thorough`` profile the proof adds the half-decades); W1 is divided by s,
# so the three targets' runs are alike at each lambda / s.

ratios = np.logspace(-3, 1, 5)
targets = [gancore.Normal(-2.0, 0.3), gancore.Normal(1.0, 1.0), gancore.Normal(4.0, 2.5)]
configs = [TrainConfig(loss="wgan-gp", data=t, gp_lambda=r * t.scale, seed=j, steps=1500,
                       eval_every=50, eval_samples=2000, data_pool=2**16)
           for r in ratios for j, t in enumerate(targets)]
phase = train(configs, progress=False)
scales = np.array([t.scale for t in targets] * len(ratios))
w1 = (phase.history["w1"] / scales[:, None]).reshape(len(ratios), len(targets), -1)

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
steps = phase.history["eval_step"][0]
for i, r in enumerate(ratios):
    left.semilogy(steps, np.median(w1[i], 0), color=plt.cm.viridis(i / 4),
                  label=f"lambda = {r:g} s")
left.set(xlabel="generator step", ylabel="W1 / s (median of 3 targets)")
left.legend(fontsize="small")
right.loglog(ratios, np.median(w1[:, :, -1], 1), "o-", label="W1 / s at step 1500")
right.loglog(ratios, np.median(w1.max(-1), 1), "s-", label="largest W1 / s")
right.loglog(ratios, 2 * ratios, "k:", label="2 lambda / s (the swing)")
right.axhline(0.1, color="grey", ls=":", lw=1)
right.set(xlabel="lambda / s", ylim=(0.01, 40))
right.legend(fontsize="small")
fig.tight_layout()
plt.show()
