"""
Training the four objectives
============================

``gancore.torch.train`` on the target ``N(3, 0.5^2)`` with each objective at its
published defaults: the target density against histograms of the averaged generator
after 100, 300 and 1000 generator steps (each stage resumes the previous one from its
checkpoint), and the W1 to the target that the trainer records. The GAN losses and
WGAN with clipping reach the target; WGAN-GP at lambda = 10 does not in one dimension
(see the WGAN-GP page: the critic cannot turn round once the generator overshoots).
Second figure: the non-saturating GAN on a two-component mixture in the plane.
"""

import tempfile
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import gancore
from gancore.torch import TrainConfig, train

target = gancore.Normal(3.0, 0.5)
stages = (100, 300, 1000)
grid = np.linspace(0.5, 5.5, 300)
workdir = Path(tempfile.mkdtemp())
fig, axes = plt.subplots(2, 4, figsize=(14, 6.5))
for col, loss in enumerate(("minimax", "nonsaturating", "wgan", "wgan-gp")):
    ax, ax_w = axes[0, col], axes[1, col]
    ax.plot(grid, target.pdf(grid), "k", lw=2, label="target")
    config = TrainConfig(loss=loss, data=target, steps=stages[0], eval_every=50,
                         data_pool=2**16, eval_samples=2000,
                         checkpoint=str(workdir / f"{loss}.pt"))
    result, resume = None, None
    for steps in stages:
        result = train(replace(config, steps=steps), resume=resume, progress=False)
        resume = config.checkpoint
        x = result.sample(5000, seed=1).numpy()
        ax.hist(x, bins=60, range=(min(0.5, x.min()), max(5.5, x.max())), density=True,
                histtype="step", label=f"step {steps}")
    title = loss if loss != "wgan-gp" else "wgan-gp: runs away in 1-D"
    ax.set(title=title, xlabel="x")
    ax.legend(fontsize=7)
    ax_w.semilogy(result.history["eval_step"], result.history["w1"])
    ax_w.set(xlabel="generator step", ylabel="W1 to the target", ylim=(1e-3, 10))
fig.tight_layout()

mixture = gancore.Mixture([gancore.MultivariateNormal([-2.0, 0.0], 0.25 * np.eye(2)),
                           gancore.MultivariateNormal([2.0, 1.0], 0.25 * np.eye(2))],
                          [0.5, 0.5])
result = train(TrainConfig(loss="nonsaturating", data=mixture, steps=1500, eval_every=500,
                           data_pool=2**16, eval_samples=1000), progress=False)
fig2, ax = plt.subplots(figsize=(6, 4))
x = mixture.sample(2000, seed=2)
g = result.sample(2000, seed=3)
ax.plot(x[:, 0], x[:, 1], ".", ms=2, alpha=0.5, label="target")
ax.plot(g[:, 0], g[:, 1], ".", ms=2, alpha=0.5, label="generated (step 1500)")
ax.set(title="non-saturating GAN on a 2-D mixture", aspect="equal")
ax.legend(markerscale=5)
fig2.tight_layout()
plt.show()
