"""Hypothesis strategies for the theory suite: what each generates, exactly.

Every strategy returns NumPy float64 data (or gancore distributions); the proofs move
it into the namespace under test.
"""

import math

import numpy as np
from hypothesis import strategies as st

import gancore

SMALLEST_NORMAL = float(np.finfo(np.float64).smallest_normal)
SMALLEST_SUBNORMAL = 2.0 ** -1074
HALF_EPS = 2.0 ** -53  # the spacing of floats just below 1


def masses(*, zeros=True, tiny=True, floor=1e-3):
    """A non-negative float mass, before normalisation.

    Draws exactly 0 (if ``zeros``), a moderate value in ``[floor, 1]``, or (if ``tiny``)
    ``m * 10**-e`` with ``m`` in [1, 10) and ``e`` in [1, 300], or ``k`` times the
    smallest normal float (2.2e-308), ``k`` in [16, 64]: tiny masses whose ratio to the
    others goes down to the smallest normal, still normal floats after normalisation
    (which divides by a total of at most 12, the longest vector's, so ``k >= 16`` keeps
    the quotient normal).
    """
    options = [st.floats(floor, 1.0)]
    if zeros:
        options.append(st.just(0.0))
    if tiny:
        options.append(st.builds(lambda m, e: m * 10.0 ** -e,
                                 st.floats(1.0, 9.99), st.integers(1, 300)))
        options.append(st.integers(16, 64).map(lambda k: k * SMALLEST_NORMAL))
    return st.one_of(*options)


@st.composite
def probability_vectors(draw, *, size=None, min_size=1, max_size=12, zeros=True,
                        tiny=True, floor=1e-3):
    """A 1-D float64 probability vector: non-negative, sums to 1 up to rounding.

    Entries come from :func:`masses` (zeros and tiny masses when asked), at least one
    is at least ``floor``, then the vector is divided by its sum. Length ``size``, or
    drawn from ``[min_size, max_size]``.
    """
    n = size if size is not None else draw(st.integers(min_size, max_size))
    raw = np.array(draw(st.lists(masses(zeros=zeros, tiny=tiny, floor=floor),
                                 min_size=n, max_size=n)))
    raw[draw(st.integers(0, n - 1))] = draw(st.floats(floor, 1.0))
    return raw / raw.sum()


@st.composite
def distribution_pairs(draw, *, min_size=1, max_size=12, zeros=True, tiny=True):
    """Two independent probability vectors of one length (see probability_vectors).

    With ``zeros``, each may vanish where the other does not, so the supports overlap
    partly, fully, or (rarely) not at all.
    """
    n = draw(st.integers(min_size, max_size))
    return (draw(probability_vectors(size=n, zeros=zeros, tiny=tiny)),
            draw(probability_vectors(size=n, zeros=zeros, tiny=tiny)))


@st.composite
def disjoint_pairs(draw, *, max_size=12):
    """Two probability vectors of one length (2 to ``max_size``) with disjoint supports.

    A random split of the points: p lives on one part, q on the other; tiny masses
    included.
    """
    n = draw(st.integers(2, max_size))
    p = draw(probability_vectors(size=n, zeros=True, tiny=True))
    q = draw(probability_vectors(size=n, zeros=True, tiny=True))
    mine = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    mine[0], mine[-1] = True, False
    p, q = np.where(mine, p, 0.0), np.where(mine, 0.0, q)
    p[0] = p[0] if p[0] > 0 else 1.0
    q[-1] = q[-1] if q[-1] > 0 else 1.0
    return p / p.sum(), q / q.sum()


def _sigmoid(l):
    """The logistic function in float64 without overflow (for the strategies)."""
    return 1.0 / (1.0 + math.exp(-l)) if l >= 0 else math.exp(l) / (1.0 + math.exp(l))


def discriminator_outputs(n):
    """``n`` values of D in [0, 1], out to the float extremes.

    Each is one of: exactly 0 or 1; ``k`` ulps above 0 (``k`` times the smallest
    subnormal, 5e-324, ``k`` in [1, 8]) or ``k`` ulps below 1 (``1 - k 2**-53``);
    ``m * 10**-e`` with ``e`` in [1, 307]; ``sigmoid(l)`` with ``l`` in [-745, 745]
    (reaching 5e-324 and rounding to 1 beyond l = 37); or ``sigmoid(l)`` with ``l`` in
    [-40, 40], the middle.
    """
    interior = st.floats(-40.0, 40.0).map(_sigmoid)
    far = st.floats(-745.0, 745.0).map(_sigmoid)
    edge = st.one_of(
        st.sampled_from([0.0, 1.0]),
        st.integers(1, 8).map(lambda k: k * SMALLEST_SUBNORMAL),
        st.integers(1, 8).map(lambda k: 1.0 - k * HALF_EPS),
        st.builds(lambda m, e: m * 10.0 ** -e, st.floats(1.0, 9.99), st.integers(1, 307)),
    )
    return st.lists(st.one_of(interior, far, edge), min_size=n, max_size=n).map(np.array)


def discriminator_logits(n):
    """``n`` log-odds of D, out to the float extremes: ``+-inf`` (D = 1 or 0), values in
    [-745, 745] (where ``exp`` of either sign still runs without overflow to inf in the
    log-sigmoid forms), exactly ``+-700`` and ``+-745``, or moderate values in
    [-40, 40]."""
    return st.lists(st.one_of(
        st.floats(-40.0, 40.0), st.floats(-745.0, 745.0),
        st.sampled_from([700.0, -700.0, 745.0, -745.0, math.inf, -math.inf])),
        min_size=n, max_size=n).map(np.array)


def gaussian_params():
    """``(loc, scale)`` with loc in [-5, 5] and scale in [0.2, 3]: wide but well
    conditioned (a grid of a few thousand points resolves every such density)."""
    return st.tuples(st.floats(-5.0, 5.0), st.floats(0.2, 3.0))


def normals():
    """A ``gancore.Normal`` with parameters from :func:`gaussian_params`."""
    return gaussian_params().map(lambda ls: gancore.Normal(*ls))


@st.composite
def mixtures(draw, *, max_components=3, scale_ratio=None):
    """A 1-D ``gancore.Mixture`` of 1 to ``max_components`` normals from
    :func:`gaussian_params`; raw weights in [0.05, 1], then normalised (so each is at
    least 0.05 / 2.05).

    With ``scale_ratio``, every later component's scale lies in [s0, ratio * s0] (still
    inside [0.2, 3]), s0 the first one's: all scales within that factor of each other."""
    k = draw(st.integers(1, max_components))
    comps = [draw(normals())]
    for _ in range(k - 1):
        loc, scale = draw(gaussian_params())
        if scale_ratio is not None:
            s0 = comps[0].scale
            scale = draw(st.floats(s0, min(3.0, s0 * scale_ratio)))
        comps.append(gancore.Normal(loc, scale))
    w = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    return gancore.Mixture(comps, w / w.sum(), normalize=True)


def grid_for(*dists, points=4001, width=12.0):
    """A uniform grid covering every distribution to ``width`` scales past its extreme
    component: ``(x, dx)``. At width 12 the mass left outside is below 1e-32."""
    comps = [c for d in dists for c in getattr(d, "components", (d,))]
    lo = min(c.loc - width * c.scale for c in comps)
    hi = max(c.loc + width * c.scale for c in comps)
    x = np.linspace(lo, hi, points)
    return x, float(x[1] - x[0])


@st.composite
def benchmark_mixtures(draw):
    """A ring of K in [2, 12] modes (radius in [0.5, 5]) or a grid of side in [2, 5]
    (spacing in [0.5, 5]), with a standard deviation of 1/40 to 1/12 of the distance
    between neighbouring means (so that a sample's own mean is its nearest: another is
    at least 12 standard deviations away)."""
    if draw(st.booleans()):
        k, radius = draw(st.integers(2, 12)), draw(st.floats(0.5, 5.0))
        gap = 2 * radius * math.sin(math.pi / k)
        return gancore.gaussian_ring(k, radius=radius,
                                     scale=gap / draw(st.floats(12.0, 40.0)))
    side, spacing = draw(st.integers(2, 5)), draw(st.floats(0.5, 5.0))
    return gancore.gaussian_grid(side, spacing=spacing,
                                 scale=spacing / draw(st.floats(12.0, 40.0)))


def _sup_log_ratio(mean, cov, centre, s):
    r""":math:`\sup_x \log N(x; \mu, \Sigma) / N(x; m, s^2 I)` for :math:`s^2 I \succ
    \Sigma`: :math:`\tfrac12(d \log s^2 - \log\det\Sigma) + \tfrac12 (\mu - m)^T
    (s^2 I - \Sigma)^{-1} (\mu - m)` (the log-ratio is a concave quadratic in x; its
    maximum, found by setting the gradient to zero)."""
    d = len(mean)
    gap = np.asarray(mean) - centre
    return 0.5 * (d * math.log(s * s) - math.log(np.linalg.det(cov))) + 0.5 * float(
        gap @ np.linalg.solve(s * s * np.eye(d) - cov, gap))


def _moments(components, weights):
    """Each component's mean and covariance (as arrays), and the mixture's mean and
    covariance."""
    means = [np.atleast_1d(getattr(c, "mean", getattr(c, "loc", None))).astype(float)
             for c in components]
    covs = [np.atleast_2d(c.cov) if hasattr(c, "cov") else np.array([[c.scale ** 2]])
            for c in components]
    centre = sum(w * m for w, m in zip(weights, means))
    cov = sum(w * (s + np.outer(m - centre, m - centre))
              for w, m, s in zip(weights, means, covs))
    return means, covs, centre, cov


@st.composite
def targets_and_proposals(draw, *, dims=(1, 2)):
    """``(p, q, log_m)``: a Gaussian-mixture target p, a wider Gaussian proposal q and
    :math:`\\log M \\ge \\sup \\log(p / q)` in closed form.

    p is a ``gancore.Mixture``: in 1-D one to three normals (means in [-3, 3], scales in
    [0.3, 1.5], raw weights in [0.1, 1]); in 2-D one Gaussian with a generated
    covariance (scales in [0.3, 1.5] along a rotated frame), a ring of 3 to 8 modes
    (radius in [1, 2]) or a grid of side 2 or 3 (spacing in [1, 2]), their standard
    deviation 0.2 to 0.35 of the radius or spacing (so that M stays below a few
    hundred). q is :math:`N(m, s^2 I)` (a ``Normal`` in 1-D), m the mixture's mean
    moved by up to 0.3 s per coordinate, and s = c times the root of the largest
    eigenvalue among the mixture's and the components' covariances, c in [1.1, 1.4]
    (so :math:`s^2 I \\succ \\Sigma_k`). Then :math:`p / q = \\sum_k w_k p_k / q \\le
    \\sum_k w_k M_k`, :math:`M_k` each component's supremum (:func:`_sup_log_ratio`):
    log M is that sum's log, the supremum itself for one component.
    """
    dim = draw(st.sampled_from(dims))
    if dim == 1:
        k = draw(st.integers(1, 3))
        comps = [gancore.Normal(draw(st.floats(-3.0, 3.0)), draw(st.floats(0.3, 1.5)))
                 for _ in range(k)]
        raw = np.array(draw(st.lists(st.floats(0.1, 1.0), min_size=k, max_size=k)))
        p = gancore.Mixture(comps, raw / raw.sum(), normalize=True)
    else:
        kind = draw(st.sampled_from(["gaussian", "ring", "grid"]))
        if kind == "gaussian":
            angle = draw(st.floats(0.0, math.pi))
            rot = np.array([[math.cos(angle), -math.sin(angle)],
                            [math.sin(angle), math.cos(angle)]])
            scales = np.array([draw(st.floats(0.3, 1.5)), draw(st.floats(0.3, 1.5))])
            mean = np.array([draw(st.floats(-2.0, 2.0)), draw(st.floats(-2.0, 2.0))])
            p = gancore.Mixture([gancore.MultivariateNormal(
                mean, rot @ np.diag(scales ** 2) @ rot.T)], [1.0])
        elif kind == "ring":
            radius = draw(st.floats(1.0, 2.0))
            p = gancore.gaussian_ring(draw(st.integers(3, 8)), radius=radius,
                                      scale=radius * draw(st.floats(0.2, 0.35)))
        else:
            spacing = draw(st.floats(1.0, 2.0))
            p = gancore.gaussian_grid(draw(st.integers(2, 3)), spacing=spacing,
                                      scale=spacing * draw(st.floats(0.2, 0.35)))
    means, covs, centre, cov = _moments(p.components, p.weights)
    widest = max(np.linalg.eigvalsh(c).max() for c in [cov, *covs])
    s = draw(st.floats(1.1, 1.4)) * math.sqrt(widest)
    centre = centre + s * np.array([draw(st.floats(-0.3, 0.3)) for _ in range(dim)])
    q = (gancore.Normal(float(centre[0]), s) if dim == 1
         else gancore.MultivariateNormal(centre, s * s * np.eye(dim)))
    logs = [math.log(w) + _sup_log_ratio(m, c, centre, s)
            for w, m, c in zip(p.weights, means, covs)]
    top = max(logs)
    return p, q, top + math.log(sum(math.exp(v - top) for v in logs))
