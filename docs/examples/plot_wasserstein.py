"""
Wasserstein-1 on the line
=========================

On the line, ``W1(P, Q)`` is the area between the two distribution functions; by
Kantorovich-Rubinstein duality it is also the largest ``E_P f - E_Q f`` over
1-Lipschitz ``f``. For two samples gancore's ``w1`` pairs sorted points; the shaded
area, integrated separately, agrees.
"""

import matplotlib.pyplot as plt
import numpy as np

import gancore

u = gancore.Normal(0.0, 1.0).sample(300, seed=0)
v = gancore.Mixture([gancore.Normal(1.0, 0.5), gancore.Normal(2.5, 0.3)],
                    [0.6, 0.4]).sample(200, seed=1)
t = np.sort(np.concatenate([u, v]))
f_u = np.searchsorted(np.sort(u), t, side="right") / u.size
f_v = np.searchsorted(np.sort(v), t, side="right") / v.size
area = np.sum(np.abs(f_u - f_v)[:-1] * np.diff(t))

fig, ax = plt.subplots(figsize=(7, 4))
ax.step(t, f_u, where="post", label="F_P (300 points)")
ax.step(t, f_v, where="post", label="F_Q (200 points)")
ax.fill_between(t, f_u, f_v, step="post", alpha=0.25, color="grey")
ax.set(xlabel="t", ylabel="F(t)",
       title=f"gancore.w1 = {float(gancore.w1(u, v)):.4f}, shaded area = {area:.4f}")
ax.legend()
fig.tight_layout()
plt.show()
