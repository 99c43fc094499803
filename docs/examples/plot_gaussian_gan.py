"""
The closed-form Gaussian GAN
============================

An affine generator ``G(z) = mu + a z`` against a discriminator whose logit is
quadratic, ``c + b x + w x^2``: the family contains ``D*`` exactly, and every gradient
is derived by hand (no autograd). Training on ``N(2, 0.5^2)`` moves the generator onto
the data and the exact criterion ``C(G)`` down to ``-log 4``.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

data = gancore.Normal(2.0, 0.5)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
for loss in ("minimax", "nonsaturating"):
    result = gancore.train_gaussian_gan(data, loss=loss, steps=1500, k=5, seed=0,
                                        record_every=25)
    h = result.history
    left.plot(h["step"], h["mean"][:, 0], label=f"mean ({loss})")
    left.plot(h["step"], np.sqrt(h["cov"][:, 0, 0]), "--", label=f"std ({loss})")
    right.plot(h["step"], h["criterion"] + np.log(4), label=loss)
left.axhline(2.0, color="grey", lw=0.8)
left.axhline(0.5, color="grey", lw=0.8)
left.set(xlabel="generator step", title="generator parameters (data: 2, 0.5)")
left.legend()
right.set(xlabel="generator step", ylabel="C(G) + log 4 = 2 JSD", yscale="log",
          title="exact criterion")
right.legend()
fig.tight_layout()
plt.show()
