r"""The Dirac-GAN of Mescheder, Geiger and Nowozin (2018): GAN dynamics in two numbers.

The data are :math:`p_{data} = \delta_0`, the generator is :math:`\delta_\theta`, and the
discriminator has logit (or critic value) :math:`D_\psi(x) = \psi x`. Training follows the
gradient vector field :math:`v(\theta, \psi) = (-\partial_\theta L_G, \partial_\psi L_D)`:
the generator descends its loss, the discriminator ascends its objective. The unique
equilibrium is :math:`(\theta, \psi) = (0, 0)`.

With :math:`\sigma` the logistic function, the fields are (``kind``):

- ``"gan"``: :math:`V = \log\sigma(0) + \log(1 - \sigma(\psi\theta))`; both players use V:
  :math:`v = (\psi\sigma(\psi\theta),\ -\theta\sigma(\psi\theta))`.
- ``"nonsaturating"``: the generator descends :math:`-\log\sigma(\psi\theta)` instead:
  :math:`v = (\psi\sigma(-\psi\theta),\ -\theta\sigma(\psi\theta))`.
- ``"wgan"``: :math:`V = \psi \cdot 0 - \psi\theta`: :math:`v = (\psi,\ -\theta)`; the critic
  weight is clipped to :math:`[-c, c]` by :func:`~gancore.dirac_simulate` after each
  critic step.
- ``"wgan-gp"``: the critic also subtracts :math:`\lambda(|\psi| - 1)^2` (its input
  gradient is :math:`\psi` everywhere): :math:`v = (\psi,\ -\theta - 2\lambda(|\psi| -
  1)\,\mathrm{sign}\,\psi)`, with sign 0 = 0.
- ``"r1"``: the GAN field with the discriminator penalised by
  :math:`\tfrac\gamma2 E_{p_{data}}\|\nabla_x D\|^2 = \tfrac\gamma2\psi^2`:
  :math:`v = (\psi\sigma(\psi\theta),\ -\theta\sigma(\psi\theta) - \gamma\psi)`.
- ``"instance-noise"``: real and fake points both get :math:`N(0, s^2)` noise; the
  expectation over the noise is taken by Gauss-Hermite quadrature (64 nodes):
  :math:`v = (E[\psi\sigma(\psi(\theta+\epsilon))],\ E[\epsilon\sigma(-\psi\epsilon)] -
  E[(\theta+\epsilon)\sigma(\psi(\theta+\epsilon))])`.

At the equilibrium the Jacobians are (:func:`~gancore.dirac_jacobian`): ``gan`` and
``nonsaturating`` :math:`[[0, 1/2], [-1/2, 0]]`, ``wgan`` :math:`[[0, 1], [-1, 0]]`
(purely imaginary eigenvalues: no local convergence), ``r1``
:math:`[[0, 1/2], [-1/2, -\gamma]]` and ``instance-noise``
:math:`[[0, 1/2], [-1/2, -s^2/2]]`. The eigenvalues of :math:`[[0, 1/2], [-1/2, -a]]`
are :math:`(-a \pm \sqrt{a^2 - 1})/2`: their real parts are negative (local
convergence) exactly when :math:`a > 0`, that is :math:`\gamma > 0` or :math:`s > 0`;
at :math:`\gamma = 0` (or :math:`s = 0`) they are the unregularised GAN's, purely
imaginary. ``wgan-gp`` is not differentiable there.

References
----------
L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
Converge?", ICML 2018.
"""

import functools

import numpy as np

from ._arrays import (float_dtype, from_numpy, one_of, positive_int, positive_number,
                      require_finite)
from ._elementwise import sigmoid
from ._namespaces import namespace

__all__ = ["dirac_jacobian", "dirac_simulate", "dirac_vector_field"]

KINDS = ("gan", "nonsaturating", "wgan", "wgan-gp", "r1", "instance-noise")
_HERMITE_NODES = 64


def _check_kind(kind, gamma, lam, noise):
    one_of("kind", kind, KINDS)
    for name, v in (("gamma", gamma), ("lam", lam), ("noise", noise)):
        positive_number(name, v, allow_zero=True)


def dirac_vector_field(theta, psi, /, *, kind="gan", gamma=1.0, lam=10.0, noise=1.0):
    r"""The Dirac-GAN gradient vector field :math:`v(\theta, \psi)`.

    The field of each ``kind`` is listed in :mod:`gancore.dirac`.

    Parameters
    ----------
    theta, psi : array
        Generator position and discriminator weight; they broadcast elementwise, so
        one call evaluates the field on a whole grid.
    kind : {"gan", "nonsaturating", "wgan", "wgan-gp", "r1", "instance-noise"}
        The objective.
    gamma : float
        R1 weight (``kind="r1"``), >= 0.
    lam : float
        Gradient-penalty weight (``kind="wgan-gp"``), >= 0; 10 as published.
    noise : float
        Standard deviation of the instance noise (``kind="instance-noise"``), >= 0.

    Returns
    -------
    (array, array)
        :math:`(v_\theta, v_\psi)`: the generator's descent direction and the
        discriminator's ascent direction. Zero at the equilibrium (0, 0). Where
        :math:`\psi\theta` passes the dtype's largest number the sigmoids take their
        limits, 0 or 1 (without a warning).

    Raises
    ------
    ValueError
        Unknown ``kind``, negative or non-finite parameters, non-finite theta or psi.
    TypeError
        Non-float dtypes or mixed namespaces.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> [float(v) for v in gancore.dirac_vector_field(np.array(1.0), np.array(0.0))]
    [0.0, -0.5]
    """
    _check_kind(kind, gamma, lam, noise)
    xp, a = namespace(theta=theta, psi=psi)
    theta, psi = a["theta"], a["psi"]
    dtype = float_dtype(xp, ("theta", theta), ("psi", psi))
    theta, psi = xp.astype(theta, dtype), xp.astype(psi, dtype)
    require_finite(xp, "theta", theta)
    require_finite(xp, "psi", psi)
    with np.errstate(over="ignore"):  # psi * theta past the dtype: the sigmoids' 0 or 1
        return _field(theta, psi, kind, gamma, lam, noise, xp=xp)


@functools.cache
def _hermite_rule():
    """The Gauss-Hermite rule of :data:`_HERMITE_NODES` nodes for E f(eps), eps ~
    N(0, 1): its nodes and its weights normalised to sum to 1 (computed once: a
    simulation evaluates the field at every step; callers only read them)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(_HERMITE_NODES)
    return nodes, weights / weights.sum()


def _field(theta, psi, kind, gamma, lam, noise, *, xp):
    if kind in ("wgan", "wgan-gp"):
        v_psi = -theta
        if kind == "wgan-gp":
            v_psi = v_psi - 2.0 * lam * (xp.abs(psi) - 1.0) * xp.sign(psi)
        return psi + 0.0 * theta, v_psi
    if kind == "instance-noise":
        nodes, weights = _hermite_rule()
        eps = from_numpy(noise * nodes, like=theta, xp=xp)
        w = from_numpy(weights, like=theta, xp=xp)
        shape = (1,) * theta.ndim + (-1,)
        eps, w = xp.reshape(eps, shape), xp.reshape(w, shape)
        th, ps = xp.expand_dims(theta, axis=-1), xp.expand_dims(psi, axis=-1)
        fake = sigmoid(ps * (th + eps), xp=xp)
        v_theta = xp.sum(w * ps * fake, axis=-1)
        v_psi = xp.sum(w * (eps * sigmoid(-ps * eps, xp=xp) - (th + eps) * fake), axis=-1)
        return v_theta, v_psi
    d_fake = sigmoid(psi * theta, xp=xp)
    v_theta = psi * (sigmoid(-psi * theta, xp=xp) if kind == "nonsaturating" else d_fake)
    v_psi = -theta * d_fake
    if kind == "r1":
        v_psi = v_psi - gamma * psi
    return v_theta, v_psi


def dirac_jacobian(*, kind="gan", gamma=1.0, lam=10.0, noise=1.0):
    r"""The Jacobian of :func:`dirac_vector_field` at the equilibrium (0, 0).

    Rows are :math:`(v_\theta, v_\psi)`, columns :math:`(\theta, \psi)`; see the module
    docs for each kind's matrix. Its eigenvalues decide local convergence of the
    continuous dynamics: negative real parts converge, purely imaginary ones circle.

    Returns
    -------
    numpy.ndarray
        The 2 x 2 Jacobian, float64.

    Raises
    ------
    ValueError
        For ``kind="wgan-gp"``, whose field is not differentiable at (0, 0) (the
        penalty's sign(psi) jumps there); for bad ``kind`` or parameters.

    Examples
    --------
    >>> import gancore
    >>> gancore.dirac_jacobian(kind="r1", gamma=0.3)
    array([[ 0. ,  0.5],
           [-0.5, -0.3]])
    """
    _check_kind(kind, gamma, lam, noise)
    if kind == "wgan-gp":
        raise ValueError("the wgan-gp field is not differentiable at (0, 0): its penalty "
                         "term 2 lam (|psi| - 1) sign(psi) jumps by 4 lam there")
    if kind == "wgan":
        return np.array([[0.0, 1.0], [-1.0, 0.0]])
    damping = {"r1": -gamma, "instance-noise": -0.5 * noise**2}.get(kind, 0.0)
    return np.array([[0.0, 0.5], [-0.5, damping]])


def dirac_simulate(theta0, psi0, /, *, kind="gan", lr=0.1, steps=1000,
                   mode="simultaneous", critic_steps=1, clip=None, gamma=1.0, lam=10.0,
                   noise=1.0):
    r"""Gradient steps on the Dirac-GAN from :math:`(\theta_0, \psi_0)`.

    Simultaneous: :math:`(\theta, \psi) \leftarrow (\theta, \psi) + h\,v(\theta, \psi)`.
    Alternating: ``critic_steps`` discriminator steps
    :math:`\psi \leftarrow \psi + h\,v_\psi(\theta, \psi)`, then one generator step
    :math:`\theta \leftarrow \theta + h\,v_\theta(\theta, \psi)` at the new :math:`\psi`.
    With ``clip`` (WGAN), :math:`\psi` is clipped to ``[-clip, clip]`` after every
    discriminator update.

    Parameters
    ----------
    theta0, psi0 : float or array
        The start, or a batch of starts (arrays that broadcast), all simulated at once;
        the trajectory comes back in their namespace (NumPy for floats).
    kind, gamma, lam, noise
        As in :func:`dirac_vector_field`.
    lr : float
        Step size h > 0.
    steps : int
        Number of generator updates, >= 1.
    mode : {"simultaneous", "alternating"}
    critic_steps : int
        Discriminator steps per generator step in alternating mode, >= 1.
    clip : float, optional
        Weight-clipping bound c > 0 for psi.

    Returns
    -------
    array
        Shape ``(steps + 1, 2, *batch)``: :math:`(\theta_t, \psi_t)` after each generator
        update.
        Cost: O(steps * critic_steps) field evaluations.

    Raises
    ------
    TypeError, ValueError
        As in :func:`dirac_vector_field`; bad ``mode``, ``lr``, ``steps``,
        ``critic_steps`` or ``clip``; starts that do not broadcast; a path that passes
        the dtype's range (its field grows with theta and psi).

    Examples
    --------
    >>> import gancore
    >>> path = gancore.dirac_simulate(1.0, 1.0, kind="r1", gamma=1.0, lr=0.1, steps=2000)
    >>> bool(abs(path[-1]).max() < 1e-6)
    True
    """
    _check_kind(kind, gamma, lam, noise)
    one_of("mode", mode, ("simultaneous", "alternating"))
    positive_number("lr", lr)
    if clip is not None:
        positive_number("clip", clip)
    positive_int("steps", steps)
    positive_int("critic_steps", critic_steps)
    xp, a = namespace(theta0=theta0, psi0=psi0)
    theta, psi = a["theta0"], a["psi0"]
    dtype = float_dtype(xp, ("theta0", theta), ("psi0", psi))
    theta, psi = xp.astype(theta, dtype), xp.astype(psi, dtype)
    try:
        theta, psi = xp.broadcast_arrays(theta, psi)
    except (ValueError, RuntimeError, TypeError):
        raise ValueError(f"theta0 and psi0 have shapes {tuple(theta.shape)} and "
                         f"{tuple(psi.shape)} that do not broadcast") from None
    require_finite(xp, "theta0", theta)
    require_finite(xp, "psi0", psi)

    def field(t, p):
        return _field(t, p, kind, gamma, lam, noise, xp=xp)

    def clipped(p):
        return p if clip is None else xp.clip(p, -clip, clip)

    path = [xp.stack([theta, psi])]
    # psi * theta past the dtype saturates the sigmoids (0 or 1); a path that passes the
    # dtype itself is refused below
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            if mode == "simultaneous":
                v_theta, v_psi = field(theta, psi)
                theta, psi = theta + lr * v_theta, clipped(psi + lr * v_psi)
            else:
                for _ in range(critic_steps):
                    psi = clipped(psi + lr * field(theta, psi)[1])
                theta = theta + lr * field(theta, psi)[0]
            path.append(xp.stack([theta, psi]))
    path = xp.stack(path)
    if not bool(xp.all(xp.isfinite(path))):
        raise ValueError(f"the path of theta and psi passes the range of {dtype} within "
                         f"{steps} steps; start nearer (0, 0), or take a smaller lr or "
                         "fewer steps")
    return path
