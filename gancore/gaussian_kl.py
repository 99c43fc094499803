r"""The closed-form KL divergence between two normal distributions, of one dimension or
of several, in a form that keeps its relative precision as the two meet."""

import math

import numpy as np

from .distributions import MultivariateNormal, Normal

__all__ = ["kl_normal"]


def _x_minus_log1p(x):
    """``x - log1p(x)`` for ``|x| < 1/8`` by its series ``sum_k>=2 (-x)^k / k``, to the
    term below 2^-60 of the first: no cancellation as x -> 0 (it is about x^2 / 2)."""
    total, power, k = 0.0, x * x, 2
    while True:
        term = power / k
        total += term
        if abs(term) <= 2.0**-60 * abs(total) or k > 40:
            return total
        power, k = -power * x, k + 1


def kl_normal(p, q, /):
    r"""Closed-form KL divergence between two normal distributions, in nats.

    1-D: :math:`\log(s_2/s_1) + (s_1^2 + (m_1 - m_2)^2) / (2 s_2^2) - \tfrac12`.
    d-D: :math:`\tfrac12[\mathrm{tr}(\Sigma_2^{-1}\Sigma_1) + (\mu_2-\mu_1)^T\Sigma_2^{-1}
    (\mu_2-\mu_1) - d + \log(\det\Sigma_2/\det\Sigma_1)]`; where the eigenvalues
    :math:`x_i` of :math:`L_2^{-1}(\Sigma_1 - \Sigma_2)L_2^{-T}` (:math:`L_2` the Cholesky
    factor of :math:`\Sigma_2`) all lie within 1/2 of 0, as
    :math:`\tfrac12[\sum_i (x_i - \log(1 + x_i)) + |L_2^{-1}(\mu_2 - \mu_1)|^2]`, whose
    terms are all non-negative, so that the result keeps its relative precision as the
    two meet (1-D likewise, by the ratio of the scales).

    Parameters
    ----------
    p, q : Normal or MultivariateNormal
        Both 1-D ``Normal``, or both ``MultivariateNormal`` of one dimension.

    Returns
    -------
    float
        KL(p || q) >= 0, 0 exactly when p = q; ``inf`` where it exceeds the largest
        float (scales or means far apart).

    Raises
    ------
    TypeError
        Arguments that are not both Normal or both MultivariateNormal.
    ValueError
        MultivariateNormals of different dimensions.

    Examples
    --------
    >>> import gancore
    >>> round(gancore.kl_normal(gancore.Normal(0, 1), gancore.Normal(1, 1)), 12)
    0.5
    """
    if isinstance(p, Normal) and isinstance(q, Normal):
        # -log r + (r^2 + d^2) / 2 - 1/2 with r = s_p / s_q, d = (m_p - m_q) / s_q. Near
        # r = 1 it cancels: with x = r - 1 = (s_p - s_q) / s_q (an exact subtraction) it
        # is (x - log1p(x)) + x^2 / 2 + d^2 / 2, the first by its series. Where r or d
        # overflows (or r underflows) the float arithmetic gives inf (or 0) and log r
        # comes from the scales' logs
        x, d = (p.scale - q.scale) / q.scale, (p.loc - q.loc) / q.scale
        if abs(x) < 0.125:
            return _x_minus_log1p(x) + 0.5 * (x * x + d * d)
        r = p.scale / q.scale
        log_r = math.log(r) if 0.0 < r < math.inf else math.log(p.scale) - math.log(q.scale)
        return -log_r + 0.5 * (r * r + d * d) - 0.5
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        if p.dim != q.dim:
            raise ValueError(f"p and q must have one dimension; got {p.dim} and {q.dim}")
        # in q's whitened axes, p is N(m, I + B): KL = (sum_i x_i - log1p(x_i) + |m|^2) / 2
        # over B's eigenvalues x_i. Where every |x_i| < 1/2 it is summed so, each term by
        # its series near 0 (tr(A A^T) - d + log det cancels as p -> q: a KL of 2.5e-17
        # came out -1.25e-17, and a mean 1e-8 apart gave 0); farther apart, from the
        # Cholesky factors (log det exact for covariances of any size)
        m = np.linalg.solve(q._chol, q.mean - p.mean)
        with np.errstate(over="ignore", invalid="ignore"):  # (past the range: inf below)
            # (the lower triangles, which the Cholesky factors read)
            diff = np.tril(p.cov - q.cov)
            gap = np.linalg.solve(q._chol, np.linalg.solve(q._chol, diff + np.tril(diff, -1).T).T)
            x = np.linalg.eigvalsh(gap) if np.isfinite(gap).all() else None
            if x is not None and np.abs(x).max() < 0.5:
                terms = sum(_x_minus_log1p(float(t)) if abs(t) < 0.125
                            else float(t - np.log1p(t)) for t in x)
                return 0.5 * (terms + float(m @ m))
            a = np.linalg.solve(q._chol, p._chol)
            log_det_ratio = 2 * np.sum(np.log(np.diag(q._chol)) - np.log(np.diag(p._chol)))
            out = float(0.5 * (np.sum(a * a) + m @ m - p.dim + log_det_ratio))
        return out if not math.isnan(out) else math.inf
    raise TypeError(f"p and q must both be Normal or both MultivariateNormal; got "
                    f"{type(p).__name__} and {type(q).__name__}")
