"""
The Dirac-GAN
=============

Data ``delta_0``, generator ``delta_theta``, discriminator ``D(x) = sigmoid(psi x)``
(Mescheder et al., 2018). The gradient field of the unregularised GAN circles the
equilibrium ``(0, 0)``: simultaneous gradient steps spiral outwards. With the R1
penalty (gamma = 1) the field points inwards and the same steps converge.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

theta, psi = np.meshgrid(np.linspace(-2, 2, 21), np.linspace(-2, 2, 21))
fig, axes = plt.subplots(1, 2, figsize=(10, 4.6))
for ax, kind, title in zip(axes, ["gan", "r1"], ["GAN, unregularised", "GAN + R1, gamma = 1"]):
    v_theta, v_psi = gancore.dirac_vector_field(theta, psi, kind=kind, gamma=1.0)
    ax.quiver(theta, psi, v_theta, v_psi, color="grey", angles="xy")
    path = gancore.dirac_simulate(np.array(1.5), np.array(0.0), kind=kind, gamma=1.0,
                                  lr=0.1, steps=400)
    ax.plot(path[:, 0], path[:, 1], lw=2, label="simultaneous steps, h = 0.1")
    ax.plot([0], [0], "k*", ms=12)
    ax.set(xlim=(-2, 2), ylim=(-2, 2), xlabel="theta (generator)",
           ylabel="psi (discriminator)", title=title, aspect="equal")
    ax.legend(loc="lower left")
print("eigenvalues at (0, 0):",
      {k: np.linalg.eigvals(gancore.dirac_jacobian(kind=k, gamma=1.0)).round(3).tolist()
       for k in ("gan", "r1")})
fig.tight_layout()
plt.show()
