"""A loss from research code, checked as the table's losses are: ``gancore verify --loss
mypackage.losses:my_loss`` runs these proofs on that :class:`gancore.torch.Loss`.

- Convergence: one population of 5 generated targets N(m, s^2) (512 under the
  thorough profile), each member trained 1500 steps with the record's published
  defaults, must have at least k members with W1 < 0.1 s, k from the stated per-target
  rate by the binomial bound at the stated risk: rate 0.2 at risk 0.01 (4 of 5;
  thorough: 0.65 at 1e-3, 367 of 512), as for the PyTorch trainer's proofs, whose
  losses reach rates of about 0.97. A loss whose true rate is the stated one or less
  passes with probability at most the risk. A failure shows every member's W1 / s.
- Where the record states its optimal critic (``optimal_critic``), that value
  minimises the critic's pointwise loss p l_real(t) + q l_fake(t) at generated p, q > 0
  against every generated t (the critic's loss must be a sum of a term per real and a
  term per generated output).

The loss comes from ``GANCORE_VERIFY_LOSS`` (``module:attr``), which ``gancore verify
--loss`` sets; without it the module has nothing to check and is skipped.
"""

import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gancore

from ._record import at_most
from ._shards import train_population
from ._support import POPULATION as DEFAULT_POPULATION
from ._support import least_successes, member_seeds, one_run, thorough

THEOREM = "Research loss"
STATEMENT = ("the loss given to gancore verify --loss: at least k = 4 of 5 members reach W1 "
             "< 0.1 s of N(m, s^2) in 1500 steps (stated rate 0.2, risk 0.01; under "
             "thorough 367 of 512 at 0.65, 1e-3); its stated optimal critic minimises its "
             "pointwise critic loss")
SPEC = os.environ.get("GANCORE_VERIFY_LOSS")
if not SPEC:
    pytest.skip("no research loss given (gancore verify --loss module:attr)",
                allow_module_level=True)

torch = pytest.importorskip("torch")

from gancore.torch import TrainConfig  # noqa: E402
from gancore.torch.arguments import import_string  # noqa: E402

LOSS = import_string(SPEC, what="loss record")
# members, stated rate and risk: those of the PyTorch trainer's convergence proofs (5
# members under ci and dev, so that the check answers in seconds, not minutes)
THOROUGH = thorough()
POPULATION, RATE, RISK = (512, 0.65, 1e-3) if THOROUGH else DEFAULT_POPULATION
STEPS, TOLERANCE = 1500, 0.1


def _options():
    """The loss's options as a config with its defaults gives them (numbers)."""
    cfg = TrainConfig(loss=LOSS, steps=0)
    return {name: getattr(cfg, name) for name in LOSS.options}


@one_run
@given(seed=st.integers(0, 2**32 - 1))
def test_research_loss_converges_on_gaussians_at_the_stated_rate(device, seed):
    rng = np.random.default_rng(seed)
    targets = list(zip(rng.uniform(-5.0, 5.0, POPULATION), rng.uniform(0.2, 3.0, POPULATION)))
    configs = [TrainConfig(loss=LOSS, data=gancore.Normal(m, s), steps=STEPS, seed=i,
                           device=device, eval_every=STEPS)
               for i, (m, s) in zip(member_seeds(seed, POPULATION), targets)]
    least = least_successes(POPULATION, RATE, RISK)
    try:
        result = train_population(configs)
    except FloatingPointError as err:  # every member went non-finite
        at_most(least, 0, 0.0, f"loss {LOSS.name!r}: no member left: {err}")
    w1 = result.history["w1"][:, -1] / np.array([s for _, s in targets])
    reached = int(np.sum(w1 < TOLERANCE))
    shown = np.array2string(np.sort(w1), precision=3, max_line_width=88)
    at_most(least, reached, 0.0,
            f"loss {LOSS.name!r}: members below {TOLERANCE} s: {reached} of {POPULATION}; "
            f"their W1 / s, sorted: {shown}")


@given(p=st.floats(1e-3, 100.0), q=st.floats(1e-3, 100.0), t=st.floats(-20.0, 20.0))
def test_stated_optimal_critic_minimises_the_pointwise_critic_loss(device, p, q, t):
    if LOSS.optimal_critic is None:
        pytest.skip(f"loss {LOSS.name!r} states no optimal critic")
    options = _options()
    t_star = float(LOSS.optimal_critic(np.float64(p), np.float64(q), **options))

    def pointwise(value):  # p l_real(value) + q l_fake(value), up to a constant
        v, s = (torch.tensor([x], dtype=torch.float64, device=device)
                for x in (value, t_star))
        return float(p * LOSS.critic(v, s, **options) + q * LOSS.critic(s, v, **options))

    best, other = pointwise(t_star), pointwise(t)
    # each loss is a few operations on values of its own size: 64 eps of it
    at_most(best, other, 64 * np.finfo(np.float64).eps * (abs(best) + abs(other) + 1.0),
            f"loss {LOSS.name!r}: L(t*) <= L(t) at p = {p!r}, q = {q!r}, t* = {t_star!r}")
