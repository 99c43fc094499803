"""The ``gancore`` command line.

``gancore verify`` runs the theory suite and prints a table of theorems;
``gancore demo`` computes the objects of the theory for two Gaussians on a grid and
prints each next to an independent reference; ``gancore train`` trains a GAN with
:mod:`gancore.torch` and writes its config, history, checkpoint and figure.
"""

import argparse
import json
import math
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np

from .discriminator import optimal_discriminator
from .distributions import Normal
from .divergences import jsd, kl
from .game import value, virtual_criterion
from .gaussian_kl import kl_normal
from .total_variation import tv
from .verify import list_theorems, verify
from .wasserstein import w1


def _demo(args):
    data, gen = Normal(0.0, 1.0), Normal(args.shift, 1.0)
    x = np.linspace(-12.0, 12.0 + args.shift, 20001)
    dx = float(x[1] - x[0])
    p_data, p_g = data.pdf(x), gen.pdf(x)
    d_star = optimal_discriminator(p_data, p_g)
    c = float(virtual_criterion(p_data, p_g, dx=dx, normalize=True))
    js = float(jsd(p_data, p_g, dx=dx, normalize=True))
    n = 100_000
    rows = [
        ("KL(p_data || p_g)", float(kl(p_data, p_g, dx=dx, normalize=True)),
         "closed form", kl_normal(data, gen)),
        ("C(G) = V(D*, G)", c, "-log 4 + 2 JSD", -math.log(4) + 2 * js),
        ("V(1/2, G)", float(value(np.full_like(x, 0.5), p_data, p_g, dx=dx,
                                  normalize=True)), "-log 4", -math.log(4)),
        ("V(D*, G) >= V(1/2, G)", float(value(d_star, p_data, p_g, dx=dx, normalize=True)),
         "C(G)", c),
        ("TV(p_data, p_g)", float(tv(p_data, p_g, dx=dx, normalize=True)),
         "2 Phi(shift/2) - 1", math.erf(args.shift / (2 * math.sqrt(2)))),
        ("W1 of 1e5 samples each", float(w1(data.sample(n, seed=1), gen.sample(n, seed=2))),
         "|shift|", abs(args.shift)),
    ]
    print(f"p_data = N(0, 1), p_g = N({args.shift:g}, 1), on a grid of {x.size} points")
    print(f"{'quantity':<26}{'gancore':>14}   {'reference':<20}{'value':>14}")
    for name, got, ref_name, ref in rows:
        print(f"{name:<26}{got:>14.10f}   {ref_name:<20}{ref:>14.10f}")
    return 0


def _verify(args):
    if args.list:
        print(list_theorems())
        return 0
    return verify(*args.theorems, profile=args.profile, namespaces=args.namespaces,
                  verbose=args.verbose, wide=args.wide, loss=args.loss, jobs=args.jobs)


def _train_parser():
    """``gancore train``'s parser: one option per TrainConfig field (generated from the
    config's fields), and the run's own: seeds, sweeps, refinement, resumption, output."""
    from .torch.arguments import add_config_arguments

    parser = argparse.ArgumentParser(
        prog="gancore train", description="Train a GAN, or a population of them, and "
        "write config.json, history.json, checkpoint.pt and figure.png. Every "
        "TrainConfig field is an option; research code's networks and losses are "
        "given as module:attr.")
    add_config_arguments(parser)
    parser.add_argument("--seeds", type=int, default=1,
                        help="train a population of this many seeds (seed, seed + 1, ...)")
    parser.add_argument("--sweep", action="append", default=[], metavar="FIELD=V1,V2,...",
                        help="also sweep a per-member field or a loss option over "
                             "values (betas, codes: tuples separated by ';'); repeatable; "
                             "members are every combination")
    parser.add_argument("--refine", choices=["rejection", "mh"], default=None,
                        help="also draw 2500 samples of each member's raw generator "
                             "refined with its discriminator (rejection sampling or "
                             "Metropolis-Hastings), print their mode coverage beside the "
                             "unrefined one's and draw them in the figure")
    parser.add_argument("--resume", default=None, help="a checkpoint.pt to continue from")
    parser.add_argument("--out", default="runs/demo", help="output directory")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _train(argv):
    try:
        from .torch import TrainConfig, sweep, train
        from .torch.arguments import parse_sweep
        from .torch.config import record
        from .torch.refine import log_ratio_of_critic, refined_sample
        from .torch.report import plot_population
        from .torch.sharding import process_rank
    except ImportError as err:
        print(f"gancore train needs torch, tqdm and matplotlib (pip install "
              f"'gancore[torch]'): {err}", file=sys.stderr)
        return 2
    parser = _train_parser()
    args = parser.parse_args(argv)
    out = Path(args.out)
    try:
        if args.seeds < 1:
            raise ValueError(f"--seeds must be at least 1; got {args.seeds}")
        values = {f.name: getattr(args, f.name) for f in fields(TrainConfig)}
        if values["checkpoint"] is None:
            values["checkpoint"] = str(out / "checkpoint.pt")
        config = TrainConfig(**values)
        axes = parse_sweep(args.sweep)  # --sweep seed=... names the seeds itself
        configs = sweep(config, seed=axes.pop("seed", range(args.seed,
                                                            args.seed + args.seeds)), **axes)
        if args.refine is not None:  # refused before training where D estimates no ratio
            for c in configs:
                log_ratio_of_critic(c)
        results = train(configs, resume=args.resume,
                        progress=False if args.no_progress else None)
    except (ValueError, TypeError, FileNotFoundError, FloatingPointError) as err:
        parser.error(str(err))
    if process_rank() != 0:  # under torchrun every rank has the results; rank 0 reports
        return 0
    device = next(results[0].generator.parameters()).device
    (out / "config.json").write_text(json.dumps([record(r.config, device) for r in results],
                                                indent=2) + "\n")
    (out / "history.json").write_text(json.dumps([r.history for r in results]) + "\n")
    refined = None
    if args.refine is not None:
        refined = [refined_sample(r, 2500, args.refine, 0) for r in results]
    plot_population(results, out / "figure.png",
                    refined=None if refined is None else [r.samples for r in refined],
                    refine=args.refine)
    w1 = np.nanmedian(results.history["w1"][:, -1])
    print(f"{record(config, device)['loss']}: {len(results)} member(s), {results[0].step} "
          f"steps, median W1(generated, target) = {w1:.4g}; wrote {out}/config.json, "
          "history.json, checkpoint.pt, figure.png")
    if refined is not None:
        what = ("packs kept per pack drawn" if args.refine == "rejection" else
                "moves accepted")
        print(f"refined with {args.refine} (the raw generator's draws, judged by the "
              f"discriminator): {what} {np.mean([r.rate for r in refined]):.3g} (mean "
              "over members)")
    if _gaussian_mixture(config.data):
        from .modes import mode_coverage
        draws = {"generator": [r.sample(2500, seed=0) for r in results]}
        if refined is not None:
            draws[f"refined ({args.refine})"] = [r.samples for r in refined]
        for name, samples in draws.items():
            score = mode_coverage(np.stack([x.double().cpu().numpy() for x in samples]),
                                  config.data)
            print(f"mode coverage of 2500 samples, {name} (mean over members): "
                  f"{np.mean(score.modes):.3g} of {len(config.data.components)} modes, "
                  f"high quality {100 * np.mean(score.high_quality):.3g}%, reverse KL "
                  f"{np.mean(score.reverse_kl):.3g}")
    return 0


def _gaussian_mixture(data):
    from .distributions import Mixture, MultivariateNormal, Normal

    return isinstance(data, Mixture) and all(isinstance(c, (Normal, MultivariateNormal))
                                             for c in data.components)


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="gancore", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="compute the theory's objects for two Gaussians")
    demo.add_argument("--shift", type=float, default=1.0,
                      help="mean of the generator's Gaussian (default 1)")
    demo.set_defaults(run=_demo)
    check = sub.add_parser("verify", help="run the theory suite and print a table of "
                                          "theorems (exit status 0 if all hold)")
    check.add_argument("theorems", nargs="*", metavar="THEOREM",
                       help="theorems to run, by name or key (see --list); default: all")
    check.add_argument("--list", action="store_true",
                       help="name the theorems and what each checks, without running them")
    check.add_argument("--wide", action="store_true",
                       help="statements in a column of the table, each on one line")
    check.add_argument("--profile", choices=["ci", "dev", "thorough"], default="ci",
                       help="hypothesis profile (default ci: derandomised, bounded)")
    check.add_argument("--namespaces", default=None,
                       help="comma-separated backends: numpy, array_api_strict, torch, "
                            "torch_cuda, cupy (default: every available one)")
    check.add_argument("--loss", default=None, metavar="MODULE:ATTR",
                       help="a gancore.torch.Loss of research code: run the population "
                            "convergence proof (and its stated optimal critic's) on it")
    check.add_argument("-j", "--jobs", type=int, default=None,
                       help="processes that run proofs at once, each on one thread "
                            "(default: one per core; 1: in this process)")
    check.add_argument("-v", "--verbose", action="store_true",
                       help="pytest's per-test lines and full tracebacks")
    check.set_defaults(run=_verify)
    sub.add_parser("train", add_help=False,
                   help="train a GAN, or a population of them, and write config.json, "
                        "history.json, checkpoint.pt, figure.png (gancore train --help "
                        "lists its options, one per TrainConfig field)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["train"]:  # its options come from TrainConfig, which imports torch
        return _train(argv[1:])
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
