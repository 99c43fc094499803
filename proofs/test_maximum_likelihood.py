"""Maximum likelihood is KL minimisation.

E_{p_data}[log p_theta] = -H(p_data) - KL(p_data || p_theta) for every theta, so the two
objectives differ by a constant and share their optimiser. For the Gaussian family the
optimiser theta* matches the mean and standard deviation of p_data, and moment matching
gives the exact excess KL(p_data || p_theta) - KL(p_data || p_theta*) =
KL(N(theta*) || N(theta)) > 0 for theta != theta*: theta* is the unique minimiser.
"""

import math

from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

import gancore

from . import strategies as gs
from ._record import at_most, close
from ._support import arr, host, scalar_density, scalar_log_density

THEOREM = "MLE = min KL"
STATEMENT = "E_p_data[log p_theta] = -H(p_data) - KL(p_data||p_theta): one optimiser"
WIDTH = 8.0  # grid half-width in scales: mass beyond is < 1e-15, its KL share < 1e-11


def _quad(f, lo, hi, centres):
    # the components' centres are breakpoints, so quad cannot step over a narrow peak
    return integrate.quad(f, lo, hi, limit=400, points=centres)[0]


# p_data: mixtures whose component scales lie within 2x of each other. Densities reach
# gancore as floats; a model density that underflows (beyond ~38 of its scales) where
# p_data's does not makes the float KL truly infinite. Within 2x, the models near the
# optimum keep positive density wherever p_data has mass above 1e-15.
@given(data=gs.mixtures(scale_ratio=2.0),
       deltas=st.tuples(st.floats(-0.5, 0.5), st.floats(-0.5, 0.5)))
def test_likelihood_and_kl_share_their_optimiser(xp, data, deltas):
    lo, hi = gs.grid_for(data, width=WIDTH)[0][[0, -1]]
    centres = sorted({round(c.loc, 12) for c in data.components})  # 1e-12 apart: one point
    pdf, log_pdf = scalar_density(data), scalar_log_density(data)   # at floats, for quad
    mean = _quad(lambda t: t * pdf(t), lo, hi, centres)
    std = math.sqrt(_quad(lambda t: (t - mean) ** 2 * pdf(t), lo, hi, centres))
    best = gancore.Normal(mean, std)
    probe = gancore.Normal(mean + deltas[0] * std, std * math.exp(deltas[1]))

    def kl(model):
        x, dx = gs.grid_for(data, model, points=6001, width=WIDTH)
        X = arr(xp, x)
        return float(host(gancore.kl(data.pdf(X), model.pdf(X), dx=dx, normalize=True)))

    # quad reaches ~1e-10 relative on these smooth integrands; the grid sums of smooth
    # densities with >= 10 points per scale are closer still: 1e-7 covers both
    x = gs.grid_for(data, probe, width=WIDTH)[0]
    probe_log_pdf = scalar_log_density(probe)
    ell = _quad(lambda t: pdf(t) * probe_log_pdf(t), x[0], x[-1], centres)
    neg_entropy = _quad(lambda t: pdf(t) * log_pdf(t), x[0], x[-1], centres)
    close(ell + kl(probe), neg_entropy, 1e-7 * (1 + abs(neg_entropy)),
          "E log p_theta + KL(p_data || p_theta) = -H(p_data)")
    excess = gancore.kl_normal(best, probe)
    close(kl(probe) - kl(best), excess, 1e-7 * (1 + abs(neg_entropy)),
          "KL(theta) - KL(theta*) = KL(N(theta*) || N(theta))")
    at_most(0.0, excess, 0.0, "theta* minimises KL")
    # the likelihood is stationary at theta*: d/dmu and d/dsigma of E log p_theta vanish
    grad_mu = _quad(lambda t: pdf(t) * (t - mean) / std**2, lo, hi, centres)
    grad_sigma = _quad(lambda t: pdf(t) * ((t - mean) ** 2 / std**3 - 1 / std), lo, hi,
                       centres)
    close(grad_mu, 0.0, 1e-8 / std, "d/dmu E log p_theta* = 0")
    close(grad_sigma, 0.0, 1e-8 / std, "d/dsigma E log p_theta* = 0")
