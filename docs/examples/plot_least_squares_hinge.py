"""
Least-squares and hinge GANs
============================

Left: the optimal critics at each point for data ``N(0, 1)`` against a generator
``N(1.5, 0.7^2)``: the least-squares discriminator's ``D* = (p - q) / (p + q)`` (codes
a = -1, b = 1), the hinge critic's ``sign(p - q)``, and for comparison the GAN
discriminator's ``2 D* - 1`` on the same scale. Right: what each generator minimises
at the optimal critic, for data ``N(0, 1)`` against ``N(theta, 1)``: the least-squares
virtual criterion with Mao et al.'s coding (half the triangular discrimination), with
the 0-1 coding (1/4 + Delta / 8: another constant and scale), and the hinge critic's
minimal loss 2 (1 - TV).
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))

x = np.linspace(-4.0, 5.0, 2001)
p, q = gancore.Normal(0.0, 1.0).pdf(x), gancore.Normal(1.5, 0.7).pdf(x)
left.plot(x, gancore.least_squares_optimal_discriminator(p, q), label="least squares: D*")
left.plot(x, gancore.hinge_optimal_critic(p, q), label="hinge: sign(p - q)")
left.plot(x, 2 * gancore.optimal_discriminator(p, q) - 1, ":", label="GAN: 2 D* - 1")
left.set(xlabel="x", ylabel="optimal critic", ylim=(-1.1, 1.1),
         title="Optimal critics, N(0, 1) against N(1.5, 0.7^2)")
left.legend(loc="lower left")

thetas = np.linspace(0.0, 5.0, 101)
grid = np.linspace(-10.0, 15.0, 20001)
dx = float(grid[1] - grid[0])
data = gancore.Normal(0.0, 1.0).pdf(grid)
gens = np.stack([gancore.Normal(t, 1.0).pdf(grid) for t in thetas])
right.plot(thetas, gancore.least_squares_criterion(data, gens, dx=dx),
           label="least squares (-1, 1, 0): Delta / 2")
right.plot(thetas, gancore.least_squares_criterion(data, gens, a=0.0, b=1.0, c=1.0, dx=dx),
           label="least squares (0, 1, 1): 1/4 + Delta / 8")
right.plot(thetas, gancore.hinge_critic_minimum(data, gens, dx=dx),
           label="hinge: 2 (1 - TV)")
right.set(xlabel="theta", ylabel="generator's objective at the optimal critic",
          title="At the optimal critic, N(0, 1) against N(theta, 1)")
right.legend()
fig.tight_layout()
plt.show()
