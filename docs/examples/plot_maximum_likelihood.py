"""
Maximum likelihood is KL minimisation
=====================================

``E_{p_data}[log p_theta] = -H(p_data) - KL(p_data || p_theta)``: the expected
log-likelihood and the negative KL differ by the data's entropy, a constant, so they
peak at the same ``theta``. Here the data is a two-component mixture, the model
``N(theta, 1)``, and both curves are integrated by gancore on a grid.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

data = gancore.Mixture([gancore.Normal(-1.0, 0.6), gancore.Normal(2.0, 0.8)], [0.3, 0.7])
x = np.linspace(-10, 12, 8001)
dx = x[1] - x[0]
p = data.pdf(x)
thetas = np.linspace(-2, 4, 121)
loglik = [float(np.sum(p * gancore.Normal(t, 1.0).logpdf(x)) * dx) for t in thetas]
neg_kl = [-float(gancore.kl(p, gancore.Normal(t, 1.0).pdf(x), dx=dx, normalize=True))
          for t in thetas]
entropy = -float(np.sum(p * np.log(p, where=p > 0, out=np.zeros_like(p))) * dx)

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(thetas, loglik, lw=3, label="E log p_theta(x)")
ax.plot(thetas, np.array(neg_kl) - entropy, "--k", label="-KL(p_data || p_theta) - H(p_data)")
best = thetas[int(np.argmax(loglik))]
ax.axvline(best, color="grey", lw=0.8)
ax.set(xlabel="theta (model N(theta, 1))", ylabel="nats",
       title=f"one optimiser: theta* = {best:.2f} = E[x] = {0.3 * -1 + 0.7 * 2:.2f}")
ax.legend()
fig.tight_layout()
plt.show()
