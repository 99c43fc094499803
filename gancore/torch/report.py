"""What ``gancore train`` reads and writes: the data spec parser and the population's
figure."""

import ast

import numpy as np

from ..distributions import LineSegment, Mixture, MultivariateNormal, Normal
from ..modes import gaussian_grid, gaussian_ring

__all__ = ["parse_data", "plot_population"]

_SPECS = {
    "normal": ("normal(mean, std)", lambda m, s: Normal(m, s)),
    "mvnormal": ("mvnormal([mean...], [[cov...]...])", lambda m, c: MultivariateNormal(m, c)),
    "mixture": ("mixture([weights...], [[mean, std]...])",
                lambda w, parts: Mixture([Normal(m, s) for m, s in parts], w)),
    "segment": ("segment(theta)", lambda theta: LineSegment(theta)),
    "ring": ("ring(modes)", lambda *modes: gaussian_ring(*modes)),
    "grid": ("grid(side)", lambda *side: gaussian_grid(*side)),
}


def parse_data(spec, /):
    """A gancore distribution from a spec such as ``"normal(3, 0.5)"``,
    ``"mvnormal([0, 0], [[1, 0.5], [0.5, 1]])"``,
    ``"mixture([0.5, 0.5], [[-2, 1], [2, 1]])"``, ``"segment(0.5)"``, ``"ring(8)"`` or
    ``"grid(5)"`` (the mode-coverage benchmarks :func:`gancore.gaussian_ring`,
    :func:`gancore.gaussian_grid`), or the samples in a ``.npy`` file (shape ``(n,)``
    or ``(n, d)``); ``ValueError`` naming the accepted forms otherwise."""
    forms = ", ".join(form for form, _ in _SPECS.values())
    if spec.strip().endswith(".npy"):
        try:
            return np.load(spec.strip(), allow_pickle=False)
        except (OSError, ValueError) as err:
            raise ValueError(f"--data {spec!r}: cannot read the samples ({err})") from None
    name, _, rest = spec.strip().partition("(")
    if name.strip() not in _SPECS or not rest.endswith(")"):
        raise ValueError(f"--data {spec!r}: expected one of {forms}, or a .npy file of "
                         "samples")
    form, build = _SPECS[name.strip()]
    try:
        args = ast.literal_eval(f"({rest[:-1]},)") if rest[:-1].strip() else ()
        return build(*args)
    except (ValueError, TypeError, SyntaxError) as err:
        raise ValueError(f"--data {spec!r}: expected {form} ({err})") from None


def plot_population(results, path, /, *, shown=4, refined=None, refine=None):
    """Save a PNG of a population: W1 to the target over training (median and 10-90%
    band over the members, log axis), and the generated densities of up to ``shown``
    members over their target (a scatter of the first member in 2-D); with
    ``refined`` (each member's refined draws, by ``refine``), a third panel of the
    same for them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w1 = np.asarray(results.history["w1"], float)
    steps = results.history["eval_step"][0]
    panels = 2 if refined is None else 3
    fig, (left, right, *extra) = plt.subplots(1, panels, figsize=(5 * panels, 4),
                                              layout="constrained")
    left.semilogy(steps, np.nanmedian(w1, 0), "C0", label=f"median of {len(results)}")
    if len(results) > 1:
        left.fill_between(steps, *np.nanpercentile(w1, [10, 90], 0), color="C0",
                          alpha=0.3, label="10-90%")
    left.set(xlabel="generator step", title="W1 to the target")
    left.legend()
    cfg = results[0].config
    right.set_title(f"{cfg.loss}, {len(results)} member{'s' * (len(results) > 1)}")
    _draws(right, results, [r.sample(10_000 if cfg.dim == 1 else 2000, seed=0)
                            for r in results[:shown]])
    if refined is not None:
        extra[0].set_title(f"refined ({refine})")
        _draws(extra[0], results, refined[:shown])
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _draws(ax, results, samples):
    """Each member's draws over its target (1-D histograms), or the first member's
    scatter over the target's (2-D)."""
    cfg = results[0].config
    if cfg.dim == 1:
        for i, (result, x) in enumerate(zip(results, samples)):
            x = x.double().cpu().numpy()
            ax.hist(x, bins=80, density=True, histtype="step", color=f"C{i}",
                    label=f"member {i}")
            _target(ax, result.config.data, x, f"C{i}")
        ax.set(xlabel="x")
    else:
        x = samples[0][:2000].double().cpu().numpy()
        data = cfg.data
        y = data[:2000] if isinstance(data, np.ndarray) else data.sample(2000, seed=cfg.seed + 1)
        ax.scatter(*y[:, :2].T, s=2, alpha=0.4, label="target")
        ax.scatter(*x[:, :2].T, s=2, alpha=0.4, label="member 0")
    ax.legend()


def _target(ax, data, x, color):
    """The target's density (a histogram of its samples for an array) on ``ax``."""
    if isinstance(data, np.ndarray):
        ax.hist(data[:, 0], bins=80, density=True, color=color, alpha=0.2)
        return
    grid = np.linspace(*ax.get_xlim(), 400)
    ax.plot(grid, data.pdf(grid), color=color, lw=1, ls="--")
