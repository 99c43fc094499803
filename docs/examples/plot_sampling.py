"""
Sampling with D*: rejection and Metropolis-Hastings on the ring
================================================================

A discriminator's logit estimates log(p_data / p_g), so it can judge the generator's
own draws: :func:`gancore.rejection_sample` keeps each with probability
min(1, exp(l - log M)), and :func:`gancore.metropolis_hastings` runs independent chains
whose moves it accepts with min(1, exp(l(y) - l(x))). Both return draws of p_data as far
as the discriminator is D*. Here a ring GAN's raw generator, refined with its
discriminator after :func:`gancore.torch.calibrate`.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch

import gancore
from gancore.torch import TrainConfig, calibrate, train

ring = gancore.gaussian_ring()

# %%
# Train, then calibrate the discriminator against the final raw generator
# -----------------------------------------------------------------------
# The non-saturating GAN with three hidden layers of 128 and a 2-D latent, 6000 steps
# (the Mode collapse page trains 20000 to 60000); then 4000 more discriminator steps
# against the raw generator, held fixed.

run = train(TrainConfig(data=ring, widths=(128, 128, 128), latent_dim=2, steps=6000,
                        eval_every=6000, eval_samples=500, data_pool=2**16, seed=1),
            progress=False)
run = calibrate(run, steps=4000, batch_size=512, lr=1e-4)

# %%
# Raw draws, rejection and Metropolis-Hastings
# --------------------------------------------
# The high-quality zone of each mode (3 standard deviations) is circled; the titles give
# :func:`gancore.mode_coverage`'s high-quality percentage of 2500 draws.

with torch.no_grad():
    raw = run.generator(torch.randn(2500, 2, generator=torch.Generator().manual_seed(0)))
draws = {"raw generator": raw,
         "rejection": run.sample(2500, seed=0, refine="rejection"),
         "Metropolis-Hastings": run.sample(2500, seed=0, refine="mh")}
fig, axes = plt.subplots(1, 3, figsize=(12, 4), layout="constrained")
for ax, (name, x) in zip(axes, draws.items()):
    x = x.double().numpy()
    score = gancore.mode_coverage(x, ring)
    ax.scatter(*x.T, s=1, alpha=0.5)
    for c in ring.components:
        ax.add_patch(plt.Circle(c.mean, 0.03, fill=False, color="k", lw=0.8))
    ax.set_title(f"{name}\nHQ {100 * score.high_quality:.1f}%, {int(score.modes)} modes",
                 fontsize="medium")
    ax.set(xlim=(-1.4, 1.4), ylim=(-1.4, 1.4), aspect="equal")

# %%
# DRS's gamma shift
# -----------------
# Discriminator rejection sampling accepts with sigmoid(F), F = l - l_M -
# log(1 - exp(l - l_M - eps)) - gamma: at gamma = 0 this is min(1, exp(l - l_M)), and
# gamma shifts the acceptance odds by exp(-gamma). Rate and HQ of the accepted draws,
# as expectations over 100000 raw draws, against gamma.

with torch.no_grad():
    x = run.generator(torch.randn(100_000, 2, generator=torch.Generator().manual_seed(1)))
    logits = run.discriminator(x).double().numpy()
x = x.double().numpy()
good = np.min(np.linalg.norm(x[:, None] - np.array([c.mean for c in ring.components]),
                             axis=-1), axis=1) < 0.03
gap = logits - logits.max()
gammas = np.linspace(-6.0, 6.0, 49)
rates, hq = [], []
for gamma in gammas:
    f = gap - np.log(-np.expm1(gap - 1e-6)) - gamma
    accept = 1 / (1 + np.exp(-f))
    rates.append(accept.mean())
    hq.append(np.sum(accept * good) / np.sum(accept))
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.semilogy(gammas, rates, "C0", label="acceptance rate")
ax.set(xlabel="gamma", ylabel="acceptance rate", title="DRS's shift")
twin = ax.twinx()
twin.plot(gammas, 100 * np.array(hq), "C1", label="HQ of the accepted (%)")
twin.set_ylabel("HQ %")
ax.axvline(0.0, color="k", lw=0.6, ls=":")
handles = ax.get_lines()[:1] + twin.get_lines()
ax.legend(handles, [h.get_label() for h in handles], loc="center left", fontsize="small")
plt.show()
