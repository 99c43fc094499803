"""
The f-divergences and their variational bound
=============================================

Every f-divergence is a supremum over critics T of E_P[T] - E_Q[f*(T)], reached at
T* = f'(p / q). Here P = N(theta, 1) and Q = N(0, 1) on a grid: the divergences
against theta, and the bound along a line of critics through T*.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

x = np.linspace(-12.0, 14.0, 20001)
dx = x[1] - x[0]
q = gancore.Normal(0.0, 1.0).pdf(x)

# %%
# D_f(N(theta, 1) || N(0, 1)) against theta
# ------------------------------------------
# All are 0 at theta = 0 and grow as f''(1) theta^2 / 2 near it (f''(1) chi^2 / 2, and
# chi^2 = exp(theta^2) - 1 for these Gaussians). TV, Hellinger and JSD saturate (at 1, 2
# and log 2); KL is theta^2 / 2 both ways; Pearson and Neyman are exp(theta^2) - 1.
# The GAN row is 2 JSD - log 4, from -log 4 up to 0.

thetas = np.linspace(0.0, 3.0, 61)
fig, left = plt.subplots(figsize=(8, 4.5), layout="constrained")
for i, name in enumerate(gancore.F_DIVERGENCES):
    values = [gancore.f_divergence(gancore.Normal(t, 1.0).pdf(x), q, f=name, dx=dx,
                                   normalize=True) for t in thetas]
    left.plot(thetas, values, color=f"C{i}", label=name)
left.set(xlabel="theta", ylabel="D_f(P || Q)", ylim=(-1.5, 6))
left.legend(fontsize="small", ncol=2)

# %%
# The bound along a line of critics
# ---------------------------------
# At theta = 1, the critics T* + s h with h(x) = tanh(x) (kept inside the domain of f*
# where it is bounded): E_P[T] - E_Q[f*(T)] is concave in s, never above D_f (dotted),
# and touches it at s = 0. A curve stops where the critic leaves the domain of f*
# (TV's T* = 1/2 sits on its edge), where the bound is -inf.

p = gancore.Normal(1.0, 1.0).pdf(x)
shifts = np.linspace(-1.0, 1.0, 81)
fig, right = plt.subplots(figsize=(8, 4.5), layout="constrained")
for i, name in enumerate(gancore.F_DIVERGENCES):
    t_star = gancore.optimal_critic(p, q, f=name)
    d_f = gancore.f_divergence(p, q, f=name, dx=dx, normalize=True)
    bound = [gancore.variational_bound(t_star + s * np.tanh(x), t_star + s * np.tanh(x),
                                       f=name, data_weights=p * dx, gen_weights=q * dx)
             for s in shifts]
    right.plot(shifts, np.asarray(bound) - d_f, color=f"C{i}", label=name)
right.axhline(0.0, color="k", ls=":", lw=1)
right.set(xlabel="s (critic T* + s tanh(x))", ylabel="bound - D_f", ylim=(-1.0, 0.1))
right.legend(fontsize="small", ncol=2)
plt.show()
