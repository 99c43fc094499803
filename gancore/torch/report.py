"""What ``gancore train`` writes: the data spec parser and the run's figure."""

import ast

import numpy as np

from ..distributions import LineSegment, Mixture, MultivariateNormal, Normal

__all__ = ["parse_data", "plot_run"]

_SPECS = {
    "normal": ("normal(mean, std)", lambda m, s: Normal(m, s)),
    "mvnormal": ("mvnormal([mean...], [[cov...]...])", lambda m, c: MultivariateNormal(m, c)),
    "mixture": ("mixture([weights...], [[mean, std]...])",
                lambda w, parts: Mixture([Normal(m, s) for m, s in parts], w)),
    "segment": ("segment(theta)", lambda theta: LineSegment(theta)),
}


def parse_data(spec, /):
    """A gancore distribution from a spec such as ``"normal(3, 0.5)"``,
    ``"mvnormal([0, 0], [[1, 0.5], [0.5, 1]])"``, ``"mixture([0.5, 0.5], [[-2, 1], [2, 1]])"``
    or ``"segment(0.5)"``; ``ValueError`` naming the accepted forms otherwise."""
    forms = ", ".join(form for form, _ in _SPECS.values())
    name, _, rest = spec.strip().partition("(")
    if name.strip() not in _SPECS or not rest.endswith(")"):
        raise ValueError(f"--data {spec!r}: expected one of {forms}")
    form, build = _SPECS[name.strip()]
    try:
        args = ast.literal_eval(f"({rest[:-1]},)")
        return build(*args)
    except (ValueError, TypeError, SyntaxError) as err:
        raise ValueError(f"--data {spec!r}: expected {form} ({err})") from None


def plot_run(result, target, path, /):
    """Save a three-panel PNG: the target against the generated samples (density and
    histogram in 1-D, scatter in 2-D), the losses, and W1 over training."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = result.history
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), layout="constrained")
    x = result.sample(10_000, seed=0).double().cpu().numpy()
    data = result.config.data
    if x.ndim == 1:
        grid = np.linspace(min(x.min(), target.min()), max(x.max(), target.max()), 400)
        axes[0].hist(x, bins=80, density=True, alpha=0.5, label="generated")
        axes[0].plot(grid, data.pdf(grid), "k", label="target density")
    else:
        axes[0].scatter(*target[:2000, :2].T, s=2, alpha=0.4, label="target")
        axes[0].scatter(*x[:2000, :2].T, s=2, alpha=0.4, label="generated")
    axes[0].set_title(f"{result.config.loss}: {data!r}"[:70], fontsize=9)
    axes[0].legend()
    axes[1].plot(h["step"], h["loss_d"], label="discriminator / critic")
    axes[1].plot(h["step"], h["loss_g"], label="generator")
    axes[1].set_xlabel("generator step")
    axes[1].set_title("losses")
    axes[1].legend()
    axes[2].plot(h["eval_step"], h["w1"], "o-")
    axes[2].set_xlabel("generator step")
    axes[2].set_title("W1(generated, target)")
    fig.savefig(path, dpi=100)
    plt.close(fig)
