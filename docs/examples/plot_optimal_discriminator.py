"""
The optimal discriminator
=========================

Proposition 1: at a point where the data has density ``a`` and the generator ``b``,
the discriminator's share of the value function, ``a log y + b log(1 - y)``, is
maximised at ``y = a / (a + b)``. Left: that function for three pairs ``(a, b)`` with
their maxima marked. Right: the optimal discriminator ``D*`` for two Gaussians against
a quadratic-logit discriminator trained by gradient ascent on minibatches (the
closed-form Gaussian GAN's discriminator, generator held fixed).
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))

y = np.linspace(1e-3, 1 - 1e-3, 500)
for a, b in [(0.3, 0.1), (0.2, 0.2), (0.05, 0.25)]:
    f = a * np.log(y) + b * np.log1p(-y)
    d_star = float(gancore.optimal_discriminator(np.array(a), np.array(b)))
    line, = left.plot(y, f, label=f"a = {a}, b = {b}")
    left.plot(d_star, a * np.log(d_star) + b * np.log1p(-d_star), "o", color=line.get_color())
left.set(xlabel="D(x)", ylabel="a log D + b log(1 - D)", ylim=(-1.0, 0.0),
         title="Pointwise value: maximum at a / (a + b)")
left.legend()

# D* for data N(0, 1) against a generator N(1.5, 0.7^2), and a trained discriminator
data, gen = gancore.Normal(0.0, 1.0), gancore.Normal(1.5, 0.7)
rng = np.random.default_rng(0)
c, b, w = np.zeros(()), np.zeros(1), np.zeros((1, 1))
mean, a_gen = np.array([1.5]), np.array([[0.7]])
for step in range(3000):  # plain gradient ascent on the minibatch value
    x = data.sample(256, seed=step).reshape(256, 1)
    z = rng.standard_normal((256, 1))
    g = gancore.gaussian_gan_gradients(x, z, mean, a_gen, c, b, w)
    lr = 0.05 if step < 2000 else 0.01
    c, b, w = c + lr * g["c"], b + lr * g["b"], w + lr * g["w"]

grid = np.linspace(-3, 4, 400)
right.plot(grid, gancore.optimal_discriminator(data.pdf(grid), gen.pdf(grid)),
           label="D* = p_data / (p_data + p_g)", lw=2)
trained = 1 / (1 + np.exp(-(c + b[0] * grid + w[0, 0] * grid**2)))
right.plot(grid, trained, "--", label="trained (3000 ascent steps)")
right.plot(grid, data.pdf(grid), ":", color="grey", label="p_data")
right.plot(grid, gen.pdf(grid), "-.", color="grey", label="p_g")
right.set(xlabel="x", ylabel="D(x)", title="D* and a trained discriminator")
right.legend()
fig.tight_layout()
plt.show()
