"""
Example 1: parallel lines
=========================

``P_0`` is the law of ``(0, Z)`` and ``P_theta`` that of ``(theta, Z)``, ``Z ~ U[0, 1]``
(the WGAN paper's Example 1 and Figure 1). gancore computes each distance from the
two measures discretised on a grid of the plane (``z`` in 200 cells; ``x`` the union of
the two lines), and W1 from samples: only W1 moves continuously with ``theta``; JS
jumps to log 2, TV to 1 and KL to infinity as soon as the lines part.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

thetas = np.concatenate([np.linspace(-1, 1, 100), [0.0]])
thetas.sort()
cells = np.full(200, 1 / 200)  # Z's mass in each of 200 cells of [0, 1]
w, js, kl, tv = [], [], [], []
for theta in thetas:
    # masses on the columns x = 0 and x = theta (one column when theta = 0)
    if theta == 0:
        p = q = cells
    else:
        p = np.concatenate([cells, np.zeros(200)])
        q = np.concatenate([np.zeros(200), cells])
    js.append(float(gancore.jsd(p, q)))
    kl.append(float(gancore.kl(q, p)))
    tv.append(float(gancore.tv(p, q)))
    x0 = gancore.LineSegment(0.0).sample(2000, seed=1)
    xt = gancore.LineSegment(theta).sample(2000, seed=1)  # the same z: the coupling
    w.append(float(gancore.w1(x0[:, 0], xt[:, 0])))

fig, axes = plt.subplots(2, 2, figsize=(8, 6), sharex=True)
kl_shown = np.where(np.isinf(kl), 3.0, kl)  # inf drawn at 3
titles = [r"$W(P_0, P_\theta)$", r"$JS(P_0, P_\theta)$",
          r"$KL(P_\theta \Vert P_0)$  ($\infty$ drawn at 3)", r"$TV(P_0, P_\theta)$"]
at_zero = thetas == 0
for ax, values, title in zip(axes.flat, [w, js, kl_shown, tv], titles):
    values = np.asarray(values)
    for side in (thetas < 0, thetas > 0):  # each side a curve; theta = 0 its own dot
        ax.plot(thetas[side], values[side], color="C0", lw=2)
    ax.plot(thetas[at_zero], values[at_zero], "o", color="C0", ms=7)
    ax.set(title=title, xlabel=r"$\theta$")
axes[0, 1].axhline(np.log(2), color="grey", lw=0.8, ls=":")
fig.tight_layout()
plt.show()
