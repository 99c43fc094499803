"""
The virtual training criterion
==============================

Theorem 1: ``C(G) = max_D V(D, G) = -log 4 + 2 JSD(p_data || p_g)``. Along a path of
generators ``N(mu_t, sigma_t^2)`` that moves onto the data ``N(0, 1)``, gancore
computes ``C(G)`` as the value function at the optimal discriminator (from the
log-odds of D*, never through the JSD) and, separately, the JSD; the two curves
coincide, and both reach ``-log 4`` when ``p_g = p_data``.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

x = np.linspace(-12, 12, 4001)
dx = x[1] - x[0]
data = gancore.Normal(0.0, 1.0)
t = np.linspace(0, 1, 101)
criterion, from_jsd = [], []
for s in t:
    gen = gancore.Normal(4.0 * (1 - s), 1.0 + 1.5 * (1 - s))
    p, q = data.pdf(x), gen.pdf(x)
    criterion.append(float(gancore.virtual_criterion(p, q, dx=dx, normalize=True)))
    from_jsd.append(-np.log(4) + 2 * float(gancore.jsd(p, q, dx=dx, normalize=True)))

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(t, criterion, lw=3, label="C(G) = V(D*, G)")
ax.plot(t, from_jsd, "--", color="k", label="-log 4 + 2 JSD")
ax.axhline(-np.log(4), color="grey", lw=0.8)
ax.annotate("-log 4", (0.02, -np.log(4) + 0.02), color="grey")
ax.set(xlabel="t: generator N(4(1 - t), (1 + 1.5(1 - t))^2) moving onto N(0, 1)",
       ylabel="nats", title="Theorem 1 along a path of Gaussians")
ax.legend()
fig.tight_layout()
print("largest gap:", max(abs(a - b) for a, b in zip(criterion, from_jsd)))
plt.show()
