"""
No GAN's land: the mass a Lipschitz generator can put on separated modes
========================================================================

An L-Lipschitz generator of Gaussian noise puts mass P(A) + P(B) on two sets delta
apart only as far as Phi^-1(P(A)) + Phi^-1(P(B)) <= -delta / L allows
(:func:`gancore.lipschitz_precision_bound`). The map clip(L z, a, a + delta) attains
the bound; trained ring generators sit below it, at the Lipschitz constant bounded by
their layers' spectral norms (:func:`gancore.torch.lipschitz_upper_bound`) or measured
as their largest Jacobian norm over the latent draws.
"""

import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import optimize, stats
from torch.func import jacrev, vmap

import gancore
from gancore.torch import TrainConfig, lipschitz_upper_bound, train

# %%
# The bound, and the clipped maps on it
# -------------------------------------
# With P(A) = w alpha and P(B) = (1 - w) alpha, the largest total alpha against
# delta / L: w = 1/2 (two modes of equal mass: 2 Phi(-delta / (2L))) and w = 1/8 (one
# of the ring's 8 modes against the other 7). The dots are 200000 draws of
# clip(L z, a, a + delta), with a chosen for each split: the fraction at the two end
# points.

gaps = np.geomspace(1e-3, 10.0, 200)
fig, left = plt.subplots(figsize=(6, 4.2), layout="constrained")
rng = np.random.default_rng(0)
z = rng.normal(size=200_000)
for w, color in ((0.5, "C0"), (1 / 8, "C1")):
    left.semilogx(gaps, gancore.lipschitz_precision_bound(gaps, 1.0, masses=w), color,
                  label=f"bound, w = {w:g}")
    for gap in (0.05, 0.3, 1.0, 3.0):
        # a with Phi(a) / (Phi(a) + Phi(-a - gap)) = w (L = 1)
        a = optimize.brentq(lambda a: stats.norm.cdf(a) - w * (stats.norm.cdf(a)
                            + stats.norm.sf(a + gap)), -40.0, 40.0)
        g = np.clip(z, a, a + gap)
        left.plot(gap, np.mean((g == a) | (g == a + gap)), "o", color=color, ms=5)
left.set(xlabel="delta / L", ylabel="P(A) + P(B)",
         title="the bound, and clip(L z, a, a + delta) on it")
left.legend()
plt.show()

# %%
# Trained ring generators below it
# --------------------------------
# Three configurations on the ring, 4000 steps each: gancore's defaults (2 x 64, latent
# 8), 3 x 128 with a 2-D latent, and the same packed 2. Each weight-averaged
# generator's high-quality fraction is plotted at delta / L for two values of L: the
# product of its layers' spectral norms (a valid upper bound) and its largest Jacobian
# norm over 5000 latent draws (a lower estimate). delta = 2 sin(pi/8) - 6 * 0.01, the
# distance between two modes' high-quality balls.

ring = gancore.gaussian_ring()
delta = 2 * math.sin(math.pi / 8) - 6 * 0.01
fig, right = plt.subplots(figsize=(6, 4.2), layout="constrained")
right.semilogx(gaps, gancore.lipschitz_precision_bound(gaps, 1.0, masses=1 / 8), "C1",
               label="bound, w = 1/8")
configs = {"2 x 64, latent 8": {}, "3 x 128, latent 2": {"widths": (128, 128, 128),
                                                          "latent_dim": 2},
           "3 x 128, latent 2, packed 2": {"widths": (128, 128, 128), "latent_dim": 2,
                                           "pack": 2}}
for i, (name, fields) in enumerate(configs.items()):
    run = train(TrainConfig(data=ring, steps=4000, eval_every=4000, eval_samples=500,
                            data_pool=2**16, **fields), progress=False)
    net = run.average
    latent = torch.randn(20_000, run.config.latent_dim,
                         generator=torch.Generator().manual_seed(i))
    with torch.no_grad():
        x = net(latent).double().numpy()
    hq = float(gancore.mode_coverage(x, ring).high_quality)
    jacobians = vmap(jacrev(lambda v: net(v[None])[0]))(latent[:5000])
    local = float(torch.linalg.matrix_norm(jacobians, ord=2).max())
    upper = lipschitz_upper_bound(net)
    right.plot([delta / upper, delta / local], [hq, hq], "-", color=f"C{i + 2}", lw=1)
    right.plot(delta / upper, hq, "v", color=f"C{i + 2}", label=f"{name}: L <= {upper:.0f}")
    right.plot(delta / local, hq, "o", color=f"C{i + 2}", label=f"{name}: max |J| = {local:.0f}")
right.set(xlabel="delta / L", ylabel="high-quality fraction", ylim=(0.0, 1.02),
          title="trained ring generators")
right.legend(fontsize="x-small", loc="lower left")
plt.show()
