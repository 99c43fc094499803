r"""The optimal critic of f-GAN (Nowozin, Cseke and Tomioka, 2016),
:math:`T^* = f'(p_{data} / p_g)`, at which the variational bound
:math:`E_P[T] - E_Q[f^*(T)] \le D_f(P \| Q)` of :mod:`gancore.variational` is attained.

Where both masses are positive and their ratio moderate, each critic of a ratio form is
taken from the masses' difference and ratio, within a few eps of T* relative to it;
elsewhere, and for KL, from D*'s log-odds (:func:`gancore.optimal_discriminator_logits`).

References
----------
S. Nowozin, B. Cseke and R. Tomioka, "f-GAN: Training generative neural samplers using
variational divergence minimization", NeurIPS 2016.
"""

from types import SimpleNamespace

import numpy as np

from ._arrays import one_of
from ._elementwise import log1p_pointwise, sigmoid, softplus
from ._host import host_namespace, host_positive, moderate_bound
from ._namespaces import NUMPY
from .discriminator import _host_logits, _log, _logit_of_ratio, _pointwise_pair
from .f_divergences import F_DIVERGENCES
from .variational import _LOG2

__all__ = ["optimal_critic"]


def optimal_critic(p_data, p_g, /, *, f):
    r"""The critic that attains the variational bound, :math:`T^* = f'(p_{data} / p_g)`.

    Where both masses are positive and their ratio lies within a factor 1/b of 1
    (b = 2 sqrt of the dtype's smallest normal: 3e153 in float64, 5e18 in float32),
    :math:`T^*` of every f but KL is formed from the masses' difference and ratio
    (Pearson's :math:`2(p - q)/q`, Neyman's :math:`t(2 - t)` with :math:`t = (p - q)/p`,
    Hellinger's :math:`((p - q)/p)/(1 + \sqrt{q/p})`, GAN's :math:`-\mathrm{log1p}(q/p)`,
    Jensen-Shannon's :math:`-\tfrac12 \mathrm{log1p}(\tfrac12 (q - p)/p)`, the
    triangular :math:`u(2 - u)` with :math:`u = (p - q)/(p + q)`), each within a few eps
    of :math:`T^*` relative to it, 0 included. Elsewhere, and for KL, it is evaluated
    from the log-ratio :math:`\ell = \log(p_{data} / p_g)`
    (:func:`gancore.optimal_discriminator_logits`), in forms that add no cancellation as
    the ratio overflows (``expm1``); :math:`\ell` carries the rounding of
    :math:`p_{data} / p_g`, a few eps absolute, so KL's :math:`1 + \ell` next to
    :math:`\ell = -1` keeps an absolute precision, not a relative one. In terms of
    :math:`\ell`:

    - ``total-variation``: :math:`\tfrac12 \operatorname{sign}\ell` (1/2; -1/2);
    - ``kl``: :math:`1 + \ell` (inf; -inf);
    - ``reverse-kl``: :math:`-e^{-\ell}` (0; -inf);
    - ``pearson``: :math:`2\,\mathrm{expm1}(\ell)` (inf; -2);
    - ``neyman``: :math:`-\mathrm{expm1}(-2\ell)` (1; -inf);
    - ``hellinger``: :math:`-\mathrm{expm1}(-\ell/2)` (1; -inf);
    - ``jensen-shannon``: :math:`\tfrac12(\log 2 - \mathrm{softplus}(-\ell))` (log(2)/2; -inf);
    - ``gan``: :math:`-\mathrm{softplus}(-\ell) = \log D^*` (0; -inf);
    - ``triangular``: :math:`1 - 4\sigma(-\ell)^2 = \tanh(\ell/2)(1 + 2\sigma(-\ell))`
      (1; -3),

    the values in brackets at :math:`p_g = 0 < p_{data}` and at :math:`p_{data} = 0 < p_g`.
    A :math:`T^*` beyond the dtype's largest number (a ratio past it, for Pearson,
    Neyman, Hellinger and reverse KL) is inf or -inf, without a warning.

    For ``"gan"``, :math:`T^* = \log D^*`: Proposition 1 of the GAN paper recovered.
    Where both densities are 0, :math:`\ell = 0` and :math:`T^* = f'(1)`.

    Parameters
    ----------
    p_data, p_g : array
        As in :func:`gancore.optimal_discriminator` (non-negative, finite, broadcasting;
        need not be normalised).
    f : str
        One of :data:`F_DIVERGENCES`.

    Returns
    -------
    array
        :math:`T^*` elementwise, inside the closure of the domain of :math:`f^*`. Cost:
        O(n) time, positive host masses of moderate ratios checked as in
        :func:`gancore.optimal_discriminator_logits`.

    Examples
    --------
    >>> import numpy as np, gancore
    >>> gancore.optimal_critic(np.array([0.5, 0.25]), np.array([0.25, 0.25]), f="kl")
    array([1.69314718, 1.        ])
    """
    # (a string of F_DIVERGENCES is a key of _HOST_CRITICS: 0.06 us less than one_of)
    name = f if type(f) is str and f in _HOST_CRITICS else one_of("f", f, F_DIVERGENCES)
    formula, ratio = _HOST_CRITICS[name]
    # the commonest call: positive host masses of moderate ratios
    if type(p_data) is np.ndarray or name in _ALIKE_CRITICS:
        out = host_positive(p_data, p_g, formula, moderate=True, ratio=ratio)
    elif name in _RATIO_CRITICS:  # tensors: the arithmetic on their short views
        xp = host_namespace(type(p_data))
        out = None if xp is None else host_positive(
            p_data, p_g, _rounded_as_torch(xp).critics[name], views="short",
            moderate=True, ratio=ratio)
    else:  # tensors, KL's critic: of D*'s log-odds as optimal_discriminator_logits
        # takes them (in float32 at 1e3 points 0.6 us less than torch's log(p / q))
        out = _host_logits(p_data, p_g)
        out = None if out is None else _CRITICS[name](out, xp=host_namespace(type(out)))
    if out is not None:
        return out
    xp, p_data, p_g, _, _ = _pointwise_pair(p_data, p_g)
    with np.errstate(over="ignore"):  # a T* past the dtype's largest is its overflow, inf
        critic = _CRITICS[name](_logit_of_ratio(p_data, p_g, xp=xp), xp=xp)
    form = _RATIO_CRITICS.get(name)
    if form is None:
        return critic
    bound = moderate_bound(xp, p_data.dtype)
    moderate = (p_data * bound < p_g) & (p_g * bound < p_data)  # (both positive there)
    near = form(xp.where(moderate, p_data, 1.0), xp.where(moderate, p_g, 1.0), xp=xp)
    return xp.where(moderate, near, critic)


def _share_gap(p, q):
    """``u = (p - q) / (p + q)`` of positive masses of a moderate ratio, as ``t / (2 - t)``
    with ``t = (p - q) / p = 1 - q / p`` (so ``2 - t = (p + q) / p``): nothing overflows,
    and each of the four operations rounds once (``p - q`` is exact where the masses lie
    within a factor 2) without cancelling (``2 - t`` exceeds 1), so the result is within
    4 eps of u relative to it."""
    t = (p - q) / p
    return t / (2.0 - t)


def _neyman_critic(p, q, *, xp):
    """Neyman's ``T* = 1 - (q / p)^2 = t (2 - t)``, ``t = (p - q) / p = 1 - q / p``: ``2 - t``
    exceeds 1, so nothing cancels, and each of the four operations rounds once (``p - q``
    is exact where the masses lie within a factor 2)."""
    t = (p - q) / p
    return t * (2.0 - t)


def _triangular_critic(p, q, *, xp):
    """The triangular discrimination's ``T* = 1 - 4 (q / (p + q))^2 = u (2 - u)``,
    u = :func:`_share_gap`: ``2 - u`` lies in [1, 3], so nothing cancels."""
    u = _share_gap(p, q)
    return u * (2.0 - u)


# Reverse KL's and GAN's T* as functions of the ratio r = q / p alone: the host's forms
# (host_positive's ratio="q/p", checked on r itself), and through _of_masses the general
# path's, so that both run the same operations
_OF_INVERSE_RATIO = {
    "reverse-kl": lambda r, *, xp: -r,
    "gan": lambda r, *, xp: -log1p_pointwise(r, xp=xp),  # log(p / (p + q))
}


def _of_masses(of_ratio):
    """The form ``of_ratio(q / p)`` of the masses ``p`` and ``q``."""
    return lambda p, q, *, xp: of_ratio(q / p, xp=xp)


# T* = f'(p / q) from the masses themselves, for positive masses of a moderate ratio
# (moderate_bound): from their difference p - q and ratio q / p, each form within a few
# eps of T* relative to it, 0 included (the log-ratio's forms below keep an absolute
# precision there, the rounding of p / q); KL and Jensen-Shannon take the log-ratio's
_RATIO_CRITICS = {
    "total-variation": lambda p, q, *, xp: 0.5 * xp.sign(p - q),
    "reverse-kl": _of_masses(_OF_INVERSE_RATIO["reverse-kl"]),
    "pearson": lambda p, q, *, xp: 2.0 * ((p - q) / q),
    "neyman": _neyman_critic,
    "hellinger": lambda p, q, *, xp: ((p - q) / p) / (1.0 + xp.sqrt(q / p)),  # 1 - sqrt(q/p)
    "gan": _of_masses(_OF_INVERSE_RATIO["gan"]),
    # (1/2) log(2p / (p + q)) = -(1/2) log1p(x), x = (q - p) / 2p in (-1/2, inf): x within
    # 2 eps relative, and log1p(x) moves by at most 1.5 times as much of itself
    "jensen-shannon": lambda p, q, *, xp: -0.5 * log1p_pointwise(0.5 * ((q - p) / p),
                                                                 xp=xp),
    "triangular": _triangular_critic,
}


# The critics of _RATIO_CRITICS whose operations are arithmetic, which rounds alike in
# NumPy and torch: CPU tensors take them on their NumPy views (host_positive), the same
# bits at less cost (Pearson's in float64 at 1e3 points: 10.7 -> 8.3 us, where torch's
# 2 (p / q - 1) takes 5.6). The others' square root or log1p rounds apart in torch (its
# square root misses NumPy's correctly rounded one by an ulp at one float32 point in
# five): short tensors take their arithmetic on the views and that function from torch
# (_rounded_as_torch)
_ALIKE_CRITICS = frozenset(("total-variation", "reverse-kl", "pearson", "neyman",
                            "triangular"))


def _rounded_as_torch(xp):
    """The namespace of :data:`_RATIO_CRITICS`' forms on NumPy views of CPU tensors of
    torch's namespace ``xp`` (Hellinger's, GAN's and Jensen-Shannon's; the others are
    :data:`_ALIKE_CRITICS`): NumPy's arithmetic, which rounds as torch's does, and
    torch's own ``sqrt`` and ``log1p``, the only functions those forms call (through
    tensors that share the arrays' memory), so that a form gives torch's bits, the
    general path's; made once per namespace, with ``critics``, the three forms on it
    (:func:`_on_views`).
    Each function is taken in place on the array it is given, always a form's own
    temporary. At 1e3 float64 points, Hellinger's critic takes 13.3 us in place of 17.5
    on the tensors (torch's ``1 - sqrt(q / p)``: 7.5), GAN's 11.0 in place of 11.5
    (``log(p / (p + q))``: 6.6)."""
    functions = _ROUNDED_AS_TORCH.get(xp)
    if functions is None:
        def apply(name):
            def in_place(x):
                getattr(xp.from_numpy(x), name)()
                return x
            return in_place

        functions = SimpleNamespace(sqrt=apply("sqrt_"), log1p=apply("log1p_"))
        functions.critics = {name: _on_views(form, functions, ratio)
                             for name, (form, ratio) in _HOST_CRITICS.items()
                             if name in _RATIO_CRITICS and name not in _ALIKE_CRITICS}
        functions = _ROUNDED_AS_TORCH.setdefault(xp, functions)
    return functions


def _on_views(form, views, ratio):
    """A form of :data:`_HOST_CRITICS`, of the masses or (``ratio``) of their ratio, for
    ``host_positive(..., views="short")``: in the namespace ``views`` on NumPy arrays
    (the short tensors' views), in the tensors' own beyond. (One form for both, which
    unpacked its arrays, took 0.2 to 0.3 us a call more, of 10 to 13.)"""
    if ratio is not None:
        return lambda r, *, xp: form(r, xp=views if xp is NUMPY else xp)
    return lambda p, q, *, xp: form(p, q, xp=views if xp is NUMPY else xp)


_ROUNDED_AS_TORCH = {}


_CRITICS = {
    "total-variation": lambda v, *, xp: 0.5 * xp.sign(v),
    "kl": lambda v, *, xp: 1.0 + v,
    "reverse-kl": lambda v, *, xp: -xp.exp(-v),
    "pearson": lambda v, *, xp: 2.0 * xp.expm1(v),
    "neyman": lambda v, *, xp: -xp.expm1(-2.0 * v),
    "hellinger": lambda v, *, xp: -xp.expm1(-0.5 * v),
    "jensen-shannon": lambda v, *, xp: 0.5 * (_LOG2 - softplus(-v, xp=xp)),
    "gan": lambda v, *, xp: -softplus(-v, xp=xp),
    "triangular": lambda v, *, xp: xp.tanh(0.5 * v) * (1.0 + 2.0 * sigmoid(-v, xp=xp)),
}


# optimal_critic of positive host masses of moderate ratios, as the general path takes
# them there (its bits), each with host_positive's ratio: the forms of _RATIO_CRITICS
# (None: of the masses), reverse KL's and GAN's of q / p, and KL's of the log-ratio of
# p / q. No T* overflows there, so no warning is silenced: Pearson's, reverse KL's and
# Neyman's grow at most as the ratio or its square (1e307 in float64, 2e37 in float32)
_HOST_CRITICS = {
    **{name: (form, None) for name, form in _RATIO_CRITICS.items()},
    **{name: (of_ratio, "q/p") for name, of_ratio in _OF_INVERSE_RATIO.items()},
    "kl": (lambda r, *, xp: _CRITICS["kl"](_log(r, xp=xp), xp=xp), "p/q"),
}
