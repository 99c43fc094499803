"""Turn pytest-benchmark's JSON into the Markdown tables of ``docs/benchmarks.md``.

Usage::

    python bench/report.py bench/results.json docs/benchmarks.md

Tables: every core operation by size, namespace and dtype with its median time, how
many times faster than each peer it runs, its time over the floor's, and the GPU's
speed-up over NumPy; the trainers' steps per second; the issue's targets with the
measured ratios; and the precision of ``jsd`` and SciPy on near-equal inputs against
mpmath.
"""

import argparse
import math
import statistics
import sys
from collections import defaultdict

import mpmath
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from gancore import F_DIVERGENCES

# f-GAN's optimal critic, one row for each f
CRITICS = tuple(f"optimal_critic ({f})" for f in F_DIVERGENCES)
# the floor each operation is measured against (same size, namespace and dtype)
FLOOR = {"kl": "log pass", "jsd": "log pass", "tv": "log pass",
         "kl (near-equal)": "log pass", "jsd (near-equal)": "log pass",
         "value": "log pass", "virtual_criterion": "log pass",
         "optimal_discriminator": "log pass", "f_divergence (pearson)": "log pass",
         "w1": "sort both", "w1 weighted": "argsort merged", "w1 batched": "sort columns"}
# the floor of each operation at large n, in log passes: the logarithms and exponentials
# its formula cannot avoid, at least one (JSD takes two, log(p / m) and log(q / m); the
# softplus of a logit two, an exp and a log1p, and the minibatch estimates' two batches
# of n points each twice one; the GAN's conjugate two, -log(1 - e^t); the others one)
LOG_PASSES = {"kl": 1, "jsd": 2, "tv": 1, "kl (near-equal)": 1, "jsd (near-equal)": 2,
              "value": 1, "virtual_criterion": 1, "optimal_discriminator": 1,
              "f_divergence (pearson)": 1, "f_divergence (hellinger)": 1,
              "f_divergence (triangular)": 1, "f_divergence (reverse-kl)": 1,
              "f_divergence (pearson, near-equal)": 1,
              "f_divergence (hellinger, near-equal)": 1,
              "f_divergence (triangular, near-equal)": 1,
              "optimal_discriminator_logits": 1, "least_squares_optimal_discriminator": 1,
              "least_squares_criterion": 1, "hinge_optimal_critic": 1,
              "hinge_critic_minimum": 1, "value_from_logits": 2, "minibatch_value": 2,
              "minibatch_value_from_logits": 4, **dict.fromkeys(CRITICS, 1),
              "conjugate (kl)": 1, "conjugate (gan)": 2,
              "variational_bound (kl)": 1, "variational_bound (gan)": 2}
# the functions held to a floor at n = 1e7 that work point by point (or per sample)
POINTWISE_FLOORS = ("optimal_discriminator_logits", "least_squares_optimal_discriminator",
                    "hinge_optimal_critic", *CRITICS, "value_from_logits", "minibatch_value",
                    "minibatch_value_from_logits", "conjugate (kl)", "conjugate (gan)",
                    "variational_bound (kl)", "variational_bound (gan)")
# the logarithms a point each formula evaluates (V: log D and log(1 - D); C(G): log1p and
# log of the ratio of the smaller mass to the larger), where that is more than LOG_PASSES
# counts
FORMULA_LOGS = {"value": 2, "virtual_criterion": 2}
# the plain NumPy formula each core function is held to per call (n = 1e3)
PLAIN = {"kl": "numpy formula", "jsd": "numpy formula", "tv": "numpy 0.5*abs(p-q).sum()",
         "value": "numpy formula", "virtual_criterion": "numpy formula",
         "optimal_discriminator": "numpy formula", "w1": "numpy formula",
         "f_divergence (pearson)": "numpy formula", "f_divergence (hellinger)": "numpy formula",
         "f_divergence (triangular)": "numpy formula",
         "f_divergence (reverse-kl)": "numpy formula",
         **dict.fromkeys(("optimal_discriminator_logits", "least_squares_optimal_discriminator",
                          "least_squares_criterion", "hinge_optimal_critic",
                          "hinge_critic_minimum", "value_from_logits", "minibatch_value",
                          "minibatch_value_from_logits", *CRITICS, "conjugate (kl)",
                          "conjugate (gan)", "variational_bound (kl)",
                          "variational_bound (gan)"),
                         "numpy formula")}
SCIPY = {"kl": "scipy.stats.entropy", "jsd": "scipy jensenshannon**2",
         "w1": "scipy.stats.wasserstein_distance"}
GPU = ("cupy", "torch_cuda")


def _time(seconds):
    """``seconds`` to three significant figures, in the largest unit that keeps the
    figure at least 1 once rounded (999.6 µs is 1 ms, not 1e+03 µs)."""
    rounded = float(f"{seconds:.3g}")
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if rounded >= scale:
            return f"{rounded / scale:.3g} {unit}"
    return f"{rounded * 1e9:.3g} ns"


def _size(n):
    exponent = round(math.log10(n))
    return f"1e{exponent}" if 10**exponent == n else str(n)


def load(*paths):
    """``(machine, rows)``: one row per benchmark with its tags and median time, from
    one or more pytest-benchmark JSON files (the machine and date of the first)."""
    import json

    rows, info = [], None
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        rows += [dict(b["extra_info"], median=b["stats"]["median"]) for b in data["benchmarks"]]
        info = info or dict(data["machine_info"], date=data.get("datetime", "?")[:10])
    return info, rows


def _index(rows):
    by = defaultdict(dict)
    for r in rows:
        by[(r["op"], r["n"], r["namespace"], r["dtype"])][r["role"], r["name"]] = r["median"]
    return by


# short names of the peers in the tables; the text says what each one is
SHORT = {"scipy.stats.entropy": "SciPy", "scipy jensenshannon**2": "SciPy",
         "numpy 0.5*abs(p-q).sum()": "NumPy", "scipy.stats.wasserstein_distance": "SciPy",
         "numpy formula": "NumPy formula",
         "POT ot.wasserstein_1d": "POT", "64 calls of gancore.w1": "64 calls"}


def core_table(rows):
    """Markdown tables of the array-API core, one per operation: gancore's rows with
    their ratios, then the peers' rows. The GPU column appears only where a GPU was
    measured."""
    by = _index(rows)
    peers = defaultdict(dict)
    for r in rows:
        if r["role"] == "peer":
            peers[r["op"], r["n"]][r["name"]] = r["median"]
    gpu_run = any(r["namespace"] in GPU for r in rows)
    out = []
    for op in FLOOR:
        core = [r for r in rows if r["op"] == op and r["role"] in ("gancore", "peer")]
        if not core:
            continue
        core.sort(key=lambda r: (r["n"], r["role"] != "gancore", r["namespace"], r["dtype"],
                                 r["name"]))
        lines = [f"### {op}", "", "| n | who | dtype | median | faster than peer | "
                 "time / floor |" + (" GPU / NumPy |" if gpu_run else ""),
                 "|---|---|---|---|---|---|" + ("---|" if gpu_run else "")]
        for r in core:
            peer = floor = gpu = ""
            if r["role"] == "gancore":
                peer = ", ".join(f"{SHORT.get(name, name)} {t / r['median']:.2g}x"
                                 for name, t in sorted(peers[r["op"], r["n"]].items()))
                floor_t = by[(FLOOR[r["op"]], r["n"], r["namespace"], r["dtype"])]
                if floor_t:
                    floor = f"{r['median'] / next(iter(floor_t.values())):.2f}"
                if r["namespace"] in GPU:
                    cpu = by[(r["op"], r["n"], "numpy", r["dtype"])].get(("gancore", "numpy"))
                    gpu = f"{cpu / r['median']:.3g}x" if cpu else ""
            who = (f"gancore, {r['namespace']}" if r["role"] == "gancore"
                   else f"{SHORT.get(r['name'], r['name'])} (peer)")
            lines.append(f"| {_size(r['n'])} | {who} | {r['dtype']} | {_time(r['median'])} "
                         f"| {peer} | {floor} |" + (f" {gpu} |" if gpu_run else ""))
        out.append("\n".join(lines))
    if not gpu_run:
        out.append("No GPU was present in this run: the CuPy and PyTorch CUDA rows, and "
                   "the GPU's speed-up over NumPy, were not measured.")
    return "\n\n".join(out)


def floor_table(rows):
    """The floors' own times (the appendix)."""
    floors = sorted({(r["op"], r["n"], r["namespace"], r["dtype"], r["median"])
                     for r in rows if r["role"] == "floor"})
    lines = ["| floor | n | namespace | dtype | median |", "|---|---|---|---|---|"]
    lines += [f"| {op} | {_size(n)} | {ns} | {dt} | {_time(t)} |"
              for op, n, ns, dt, t in floors]
    return "\n".join(lines)


def speed_table(rows):
    """Steps per second of the trainers, and the speed-up over the tutorial-style loop
    measured in alternating runs (the one speed-up the page claims: separately taken
    medians drift with the machine)."""
    runs = [r for r in rows if "steps" in r and "members" not in r]
    lines = ["| run | namespace | implementation | steps/s |", "|---|---|---|---|"]
    for r in sorted(runs, key=lambda r: (r["op"], r["namespace"], r["role"])):
        lines.append(f"| {r['op']} | {r['namespace']} | {r['name']} | "
                     f"{r['steps'] / r['median']:.4g} |")
    paired = sorted((r["op"], r["ratios"]) for r in rows
                    if r["role"] == "paired" and r["name"] == "alternating runs")
    if paired:
        lines += ["", "The speed-up: in alternating runs on the CPU (gancore, tutorial loop, "
                  "gancore, ...; each pair sees one state of the machine), the tutorial "
                  "loop's time over gancore's:", "", "| run | pairs | median | range |",
                  "|---|---|---|---|"]
        lines += [f"| {op} | {len(r)} | {statistics.median(r):.2f}x | {min(r):.2f} to "
                  f"{max(r):.2f} |" for op, r in paired]
    return "\n".join(lines)


def population_table(rows):
    """GAN-steps per second of populations, and their speed-up over N sequential single
    runs (N times the population of one's time, same device and threads)."""
    runs = {(r["namespace"], r["threads"], r["members"]): r for r in rows
            if "members" in r and r["op"] != "scaling"}
    if not runs:
        return "Not measured in this run."
    lines = ["| device | threads | members | GAN-steps/s | over N sequential single runs |",
             "|---|---|---|---|---|"]
    for (where, threads, members), r in sorted(runs.items()):
        single = runs.get((where, threads, 1))
        rate = members * r["steps"] / r["median"]
        over = "" if single is None else f"{members * single['median'] / r['median']:.2f}x"
        lines.append(f"| {'CPU' if where == 'torch' else 'CUDA'} | {threads} | {members} | "
                     f"{rate:.4g} | {over} |")
    return "\n".join(lines)


def batch_table(rows):
    """gancore on a batch of distributions against the plain NumPy formula of the whole
    batch (``bench/test_batches.py``): the medians of alternating rounds and of their
    ratios."""
    runs = sorted((r for r in rows if r["role"] == "batch"),
                  key=lambda r: (r["op"], -r["rows"]))
    if not runs:
        return "Not measured in this run."
    lines = ["| function | batch | rounds | gancore | plain NumPy formula | "
             "time over the formula |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['op']} | {r['rows']} rows of {r['points']} | {r['rounds']} | "
              f"{_time(r['gancore'])} | {_time(r['plain'])} | {r['ratio']:.2f} |"
              for r in runs]
    return "\n".join(lines)


def scaling_table(rows):
    """GAN-steps per second of populations trained by one process and sharded over
    processes, and the speed-up over one process on one thread (same members)."""
    runs = {(r["namespace"], r["members"], r["name"]): r for r in rows if r["op"] == "scaling"}
    if not runs:
        return "Not measured in this run."
    lines = ["| device | members | set-up | GAN-steps/s | over 1 process, 1 thread |",
             "|---|---|---|---|---|"]
    for (where, members, name), r in sorted(runs.items(), key=lambda kv: (
            kv[0][0], kv[0][1], kv[1]["processes"], kv[1]["threads"])):
        base = runs.get((where, members, "1 process, 1 thread"))
        over = "" if base is None else f"{r['rate'] / base['rate']:.2f}x"
        lines.append(f"| {'CPU' if where == 'torch' else 'CUDA'} | {members} | {name} | "
                     f"{r['rate']:.4g} | {over} |")
    return "\n".join(lines)


# The published rows (modes / high-quality % / reverse KL, mean or mean +- standard
# error): VEEGAN Table 1 (5 runs), PacGAN Table 1 (10 trials) and GDPP's table of the
# synthetic data (modes and HQ only). Their networks and step counts differ from each
# other and from gancore's; none reports the spread.
PUBLISHED_MODES = [
    ("GAN (VEEGAN)", "1", "99.3", "-", "3.3", "0.5", "-"),
    ("Unrolled GAN (VEEGAN)", "7.6", "35.6", "-", "23.6", "16", "-"),
    ("VEEGAN (VEEGAN)", "8", "52.9", "-", "24.6", "40", "-"),
    ("GAN (PacGAN)", "6.3 ± 0.5", "98.2 ± 0.2", "0.45 ± 0.09", "17.3 ± 0.8", "94.8 ± 0.7",
     "0.70 ± 0.07"),
    ("ALI (PacGAN)", "6.6 ± 0.3", "97.6 ± 0.4", "0.36 ± 0.04", "24.1 ± 0.4", "95.7 ± 0.6",
     "0.14 ± 0.03"),
    ("PacGAN2 (PacGAN)", "7.9 ± 0.1", "95.6 ± 2.0", "0.07 ± 0.03", "23.8 ± 0.7",
     "91.3 ± 0.8", "0.13 ± 0.04"),
    ("PacGAN3 (PacGAN)", "7.8 ± 0.1", "97.7 ± 0.3", "0.10 ± 0.02", "24.6 ± 0.4",
     "94.2 ± 0.4", "0.06 ± 0.02"),
    ("PacGAN4 (PacGAN)", "7.8 ± 0.1", "95.9 ± 1.4", "0.07 ± 0.02", "24.8 ± 0.2",
     "93.6 ± 0.6", "0.04 ± 0.01"),
    ("WGAN-GP (GDPP)", "6.8", "59.6", "-", "24.2", "28.7", "-"),
    ("GDPP (GDPP)", "8.0", "71.7", "-", "24.8", "68.5", "-"),
]


def modes_table(rows):
    """gancore's rows of the mode-coverage protocol (mean ± standard error over the
    trials, and the population's wall time) under the published rows."""
    runs = {(r["op"].split()[-1], r["name"]): r for r in rows
            if r["op"].startswith("mode coverage")}
    if not runs:
        return "Not measured in this run."
    lines = ["| method | ring modes | ring HQ % | ring rKL | ring spread | grid modes "
             "| grid HQ % | grid rKL | grid spread | accepted % (ring, grid) "
             "| wall (ring, grid) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, *cells in PUBLISHED_MODES:
        lines.append(f"| {name} | {' | '.join(cells[:3])} | - | {' | '.join(cells[3:])} "
                     "| - | | |")
    for name in dict.fromkeys(n for _, n in runs):
        cells, accepted, walls = [], [], []
        for bench in ("ring", "grid"):
            r = runs.get((bench, name))
            if r is None:
                cells += ["-"] * 4
                continue
            spread = r.get("spread")
            cells += [_estimate(r["modes"], 1), _estimate(r["high_quality"], 1),
                      _estimate(r["reverse_kl"], 3),
                      "-" if spread is None else _estimate(spread, 2)]
            if r.get("accepted") is not None:
                accepted.append(_estimate(r["accepted"], 2))
            walls.append(f"{r['wall'] / 60:.1f} min")
        steps = {r["steps"] for (_, n), r in runs.items() if n == name}
        unfinished = [f"{bench}: {r['finished']} of {r['trials']} trials finished"
                      for (bench, n), r in runs.items()
                      if n == name and r.get("finished", r["trials"]) < r["trials"]]
        if unfinished:
            name = f"{name} ({'; '.join(unfinished)})"
        lines.append(f"| gancore {name}, {'/'.join(map(str, steps))} steps | "
                     f"{' | '.join(cells)} | {', '.join(accepted) or '-'} | "
                     f"{', '.join(walls)} |")
    return "\n".join(lines)


def _estimate(mean_and_error, digits):
    """``"m ± e"`` with ``digits`` decimals (the mean alone without an error; "-" for a
    NaN mean: a spread where no trial kept a high-quality sample)."""
    mean, error = mean_and_error
    if mean != mean:
        return "-"
    return f"{mean:.{digits}f}" + ("" if error is None else f" ± {error:.{digits}f}")


def _ratio(rows, op, n, namespace, role_name, *, over):
    """``over`` median / gancore median for (op, n, namespace, float64)."""
    by = _index(rows)
    ours = by[(op, n, namespace, "float64")].get(("gancore", namespace))
    other = None
    for (role, name), t in by[(over[0], n, over[1], "float64")].items():
        if role == role_name and (over[2] is None or name == over[2]):
            other = t
    return None if ours is None or other is None else other / ours


def _ceiling(rows, op, n, peer):
    """The peer's median over the floor's (NumPy, float64): the most any implementation
    that does the floor's work can be faster than the peer."""
    by = _index(rows)
    floor = by[(FLOOR[op], n, "numpy", "float64")]
    other = [t for (role, name), t in by[(op, n, "numpy", "float64")].items()
             if role == "peer" and (peer is None or name == peer)]
    return other[0] / next(iter(floor.values())) if floor and other else None


def targets(rows):
    """The issue's targets with the ratio measured in this run and, for the ratios to a
    peer, the ratio the floor itself reaches (the best possible)."""
    scipy_w1 = "scipy.stats.wasserstein_distance"
    # (named: kl and jsd have a second peer, the plain NumPy formula)
    scipy_jsd, scipy_kl = "scipy jensenshannon**2", "scipy.stats.entropy"
    checks = [
        ("jsd, n=1e7: times faster than SciPy jensenshannon**2", ">= 5",
         _ratio(rows, "jsd", 10**7, "numpy", "peer", over=("jsd", "numpy", scipy_jsd)), 5, 1,
         _ceiling(rows, "jsd", 10**7, scipy_jsd)),
        ("kl, n=1e7: times faster than scipy.stats.entropy", ">= 5",
         _ratio(rows, "kl", 10**7, "numpy", "peer", over=("kl", "numpy", scipy_kl)), 5, 1,
         _ceiling(rows, "kl", 10**7, scipy_kl)),
        *((f"{op} (near-equal), n=1e5: times faster than SciPy", ">= 1",
           _ratio(rows, f"{op} (near-equal)", 10**5, "numpy", "peer",
                  over=(f"{op} (near-equal)", "numpy", name)), 1, 1, None)
          for op, name in (("kl", scipy_kl), ("jsd", scipy_jsd))),
        ("w1, n=1e6: time over sorting both samples", "<= 1.3",
         _inv(_ratio(rows, "w1", 10**6, "numpy", "floor", over=("sort both", "numpy", None))),
         1.3, -1, None),
        ("w1, n=1e6: times faster than scipy.stats.wasserstein_distance", ">= 15",
         _ratio(rows, "w1", 10**6, "numpy", "peer", over=("w1", "numpy", scipy_w1)), 15, 1,
         _ceiling(rows, "w1", 10**6, scipy_w1)),
        ("w1 weighted, n=1e6: times faster than SciPy", ">= 4",
         _ratio(rows, "w1 weighted", 10**6, "numpy", "peer",
                over=("w1 weighted", "numpy", scipy_w1)), 4, 1,
         _ceiling(rows, "w1 weighted", 10**6, scipy_w1)),
    ]
    for loss in ("nonsaturating", "wgan-gp"):
        runs = {(r["namespace"], r["name"]): r["median"] for r in rows
                if r.get("op") == f"train {loss}" and r["role"] != "paired"}
        paired = [r["ratio"] for r in rows
                  if r.get("op") == f"train {loss}" and r["role"] == "paired"]
        ours, graphed = "gancore.torch.train", "gancore.torch.train, CUDA graph"
        cpu = (paired[0] if paired else
               _over(runs, ("torch", "tutorial-style loop"), ("torch", ours)))
        checks.append((f"trainer ({loss}), CPU: times the tutorial loop's steps/s"
                       + (" (median over alternating runs)" if paired else ""),
                       ">= 1.5", cpu, 1.5, 1, None))
        checks.append((f"trainer ({loss}), CUDA: graph over eager steps/s", ">= 3",
                       _over(runs, ("torch_cuda", ours), ("torch_cuda", graphed)), 3, 1, None))
    checks += _per_call_checks(rows) + _torch_per_call_checks(rows) + _floor_checks(rows)
    lines = ["*floor reaches*: the peer's time over the floor's in this run, what an "
             "implementation that did nothing but the floor's work (one `log` pass; sorting "
             "both samples; one argsort of the merged samples) would measure. Where it is "
             "below the wanted ratio, the target cannot be met on this machine.", "",
             "| target | wanted | measured | met | floor reaches |", "|---|---|---|---|---|"]
    for text, wanted, value, bound, sign, ceiling in checks:
        best = "" if ceiling is None else f"{ceiling:.2f}"
        if value is None:
            lines.append(f"| {text} | {wanted} | not run | | {best} |")
            continue
        met = value >= bound if sign > 0 else value <= bound
        lines.append(f"| {text} | {wanted} | {value:.2f} | {'yes' if met else 'no'} | {best} |")
    return "\n".join(lines)


def _peer_median(rows, op, n, name):
    """The median of peer ``name`` for (op, n) on NumPy float64, or None."""
    return _index(rows)[(op, n, "numpy", "float64")].get(("peer", name))


def _alternating(rows):
    """(op, n) -> the row of its alternating calls (``bench/test_divergences.py``)."""
    return {(r["op"], r["n"]): r for r in rows
            if r["role"] == "paired" and r["name"] == "alternating calls"
            and r["namespace"] == "numpy"}


def _torch_per_call_checks(rows):
    """Per call at n = 1e3 on torch CPU (float64, and float32 where it was run):
    gancore's time over the plain torch expression's, the median over alternating calls
    (<= 2)."""
    paired = {(r["op"], r["dtype"]): r for r in rows if r["role"] == "paired"
              and r["name"] == "alternating calls" and r["namespace"] == "torch"}
    dtypes = ["float64"] + (["float32"] if any(k[1] == "float32" for k in paired) else [])
    return [(f"{op}, n=1e3, torch CPU{'' if dtype == 'float64' else ' ' + dtype}: time "
             "over the plain torch expression (median over alternating calls)", "<= 2",
             paired[op, dtype]["ratio"] if (op, dtype) in paired else None, 2, -1, None)
            for dtype in dtypes for op in PLAIN]


def _per_call_checks(rows):
    """Per call at n = 1e3 on NumPy float64: gancore's time over the plain NumPy
    formula's (<= 3), and SciPy's over gancore's where SciPy has the function (>= 1);
    each the median over alternating calls where they were run."""
    n, checks, paired = 10**3, [], _alternating(rows)
    for op, plain in PLAIN.items():
        if (op, n) in paired:
            checks.append((f"{op}, n=1e3: time over the plain NumPy formula (median over "
                           "alternating calls)", "<= 3", paired[op, n]["ratio"], 3, -1, None))
            continue
        ours = _index(rows)[(op, n, "numpy", "float64")].get(("gancore", "numpy"))
        other = _peer_median(rows, op, n, plain)
        checks.append((f"{op}, n=1e3: time over the plain NumPy formula", "<= 3",
                       None if ours is None or other is None else ours / other, 3, -1,
                       None))
    for op, name in SCIPY.items():
        if "scipy_ratio" in paired.get((op, n), {}):
            checks.append((f"{op}, n=1e3: times faster than SciPy (median over alternating "
                           "calls)", ">= 1", paired[op, n]["scipy_ratio"], 1, 1, None))
            continue
        ours = _index(rows)[(op, n, "numpy", "float64")].get(("gancore", "numpy"))
        other = _peer_median(rows, op, n, name)
        checks.append((f"{op}, n=1e3: times faster than SciPy", ">= 1",
                       None if ours is None or other is None else other / ours, 1, 1, None))
    return checks


def _floor_checks(rows):
    """At n = 1e7 on NumPy float64: gancore's time over its floor (its formula's
    unavoidable log passes), <= 2.5."""
    n, by, checks, paired = 10**7, _index(rows), [], _alternating(rows)
    for op, passes in LOG_PASSES.items():
        if (op, n) in paired:
            checks.append((f"{op}, n=1e7: time over {passes} log pass"
                           f"{'es' if passes > 1 else ''} (median over alternating calls)",
                           "<= 2.5", paired[op, n]["ratio"] / passes, 2.5, -1, None))
            continue
        ours = by[(op, n, "numpy", "float64")].get(("gancore", "numpy"))
        floor = by[("log pass", n, "numpy", "float64")]
        value = (None if ours is None or not floor
                 else ours / (passes * next(iter(floor.values()))))
        checks.append((f"{op}, n=1e7: time over {passes} log pass{'es' if passes > 1 else ''}",
                       "<= 2.5", value, 2.5, -1, None))
    return checks


def floor_notes(rows):
    """Why the targets that a floor rules out cannot be met, from this run's times: the
    checks' own cost against the plain formulas at n = 1e3 and against a log pass at
    n = 1e7, the formulas that take two logarithms a point, and the near-equal paths
    (medians over alternating calls where they were run, else ratios of medians)."""
    by, paired = _index(rows), _alternating(rows)

    def median(op, n, key):
        return by[(op, n, "numpy", "float64")].get(key)

    def over(op, n, reference):
        """gancore's and the checks' times over the reference's, or None."""
        if (op, n) in paired:
            return paired[op, n]["ratio"], paired[op, n]["checks_ratio"]
        ours, ref = median(op, n, ("gancore", "numpy")), reference
        checks = median("checks", n, ("floor", "checks"))
        if ours is None or ref is None:
            return None
        return ours / ref, (checks / ref if checks else None)

    notes = []
    if paired:
        rounds = len(next(iter(paired.values()))["ratios"])
        notes.append(
            f"*Median over alternating calls*: {rounds} rounds, each timing gancore, its "
            "reference (the plain formula at n = 1e3, one log pass at n = 1e7) and the "
            "checks back to back (at n = 1e3 SciPy's function too, where it has one), so "
            "that each round's ratios see one state of the machine (separately taken "
            "medians gave kl at n = 1e3 4.1 and 6.6 times the plain formula in two runs "
            "of the same code, and jsd 1.49 and 0.91 times faster than SciPy).")
    tight = []
    for op, name in PLAIN.items():
        if op.startswith("minibatch"):  # (two batches of D, not two measures)
            continue
        got = over(op, 10**3, _peer_median(rows, op, 10**3, name))
        if got and got[1] is not None:
            tight.append(f"{op} {got[1]:.2f}")
    if tight:
        notes.append(
            "*The checks at n = 1e3.* Every function of two measures first checks them: a "
            "minimum over both arrays and the sum of each (`_checks` in "
            "`bench/test_divergences.py`; D* takes a maximum over both in place of the "
            "sums, as many passes). That alone, in plain NumPy with no formula and "
            "no Python around it, is this many times the plain formula: "
            + ", ".join(tight) + ". The formula comes on top, so where the checks reach 2, "
            "the per-call target of 3 cannot be met with them complete.")
    log = median("log pass", 10**7, ("floor", "one log pass"))
    at_large = {op: got for op in LOG_PASSES if (got := over(op, 10**7, log))}
    checks = [c for _, c in at_large.values() if c is not None]
    if checks:
        c = statistics.median(checks)
        notes.append(
            f"*The checks at n = 1e7* (a minimum and a sum of each array) take {c:.2f} log "
            "passes in this run, before any formula: a target of 2.5 log passes leaves the "
            f"formula {2.5 - c:.2f} of them (KL's is a division, a log and a dot product a "
            "point). KL's, Pearson's and Hellinger's direct formulas, KL's and "
            "Hellinger's careful sums of nearly equal measures, and V (D inside (0, 1)) "
            "on one NumPy distribution take the checks inside their own pass instead, "
            "block by block while each is in cache (`_direct.streamed_direct`); the other "
            "formulas need the totals before their pass.")
    two = [f"{op} {at_large[op][0] / logs:.2f}" for op, logs in FORMULA_LOGS.items()
           if op in at_large]
    if two:
        notes.append(
            "*Two logarithms a point.* V takes log D and log(1 - D), C(G) log1p and log "
            "of the ratio of a point's smaller mass to its larger (every term of one sign; "
            "see `virtual_criterion`): one log pass cannot hold either. Where NumPy's "
            "log1p is its scalar loop (x86 without AVX-512: twice a log pass), the "
            "log1p is a log pass corrected by the rounding of 1 + x "
            "(`_elementwise.log1p_by_log`, within 4 ulps in float64). Over two log passes, "
            "in this run: " + ", ".join(two) + ".")
    pointwise = [f"{op} {at_large[op][0] / LOG_PASSES[op]:.2f}" for op in POINTWISE_FLOORS
                 if op in at_large]
    if pointwise:
        notes.append(
            "*Pointwise functions and estimates at n = 1e7.* D*, its log-odds, the "
            "least-squares D*, the hinge critic and the optimal critics of positive masses "
            "go block by block (`_host.by_blocks`): each block's four extremes (three, "
            "the ratio's own among them, for the log-odds and KL's, reverse KL's and GAN's "
            "critics), then the formula on the block while it is in cache, the result "
            "written once (on the "
            "general path's guarded operations the log-odds took 15.7 log passes, "
            "Pearson's critic 23). The softplus terms of the minibatch estimates from "
            "logits and the conjugate (alone, and in the sample bound) form their terms "
            "block by block too. The bits are the whole array's. Their floors count the "
            "exponentials and logarithms of the formula, at least one: the softplus of a "
            "logit is an exp and a log1p (V from logits 2; the minibatch estimates, two "
            "batches of n points, 2 and 4), the GAN's conjugate -log(1 - e^t) an expm1 "
            "and a log1p (2). Over their floors in this run: " + ", ".join(pointwise) + ".")
    near = [f"{op} {at_large[op][0] / LOG_PASSES[op]:.2f}"
            for op in LOG_PASSES if "near-equal" in op and op in at_large]
    if near:
        notes.append(
            "*Near-equal inputs.* The cancellation-free terms keep 1e-12 relative precision "
            "(the mpmath tests): KL's and JSD's through a series in u**2 cut at 2**-60 in "
            "place of a logarithm; the f-divergences' through the difference (a - b) - "
            "delta b of the rescaled masses, exact where they are close. The totals come "
            "first, to align the masses (k = P/Q, delta = k - 1), so the checks take a "
            "pass of their own; KL and Hellinger, whose totals lie within 2**-50 of each "
            "other, sum their terms over the masses as they are (k = 1) in one checked "
            "pass and apply the totals' mismatch after (`Direct.near`): for KL a sum, a "
            "difference, a quotient, a square, a largest element, the series' 4 "
            "operations (3 coefficients for |u| < 2e-3), 3 more for its factor, a product "
            "and a dot product a point; for Hellinger two square roots (each 1.4 "
            "logarithms in cache), a sum, a difference, a quotient and a dot product; "
            "for both, the checks' smallest mass (KL's), the sum of p and the sum of the "
            "differences p - q (the mismatch, and Q). Over their log passes in this "
            "run: " + ", ".join(near) + ". KL's one-logarithm formula, which would fit "
            "in 2.5 log passes, does not keep that precision: SciPy's columns in "
            "*Precision on near-equal distributions* below.")
    alone = [f"{op} {paired[op, 10**7]['alone_ratio']:.2f} (the call {at_large[op][0]:.2f})"
             for op in at_large if "alone_ratio" in paired.get((op, 10**7), {})]
    if alone:
        notes.append(
            "*The formulas alone at n = 1e7.* gancore's own kernels for the rows whose "
            "target one log pass sets, timed in the same rounds over blocks of 8192 points "
            "in cache, with none of the call's checks (the smallest masses, the totals) "
            "and no Python around them (`ALONE` in `bench/test_divergences.py`; C(G)'s "
            "with the totals' ratio k = 1), over one log pass: " + ", ".join(alone) + ". "
            "Where a kernel alone reaches 2.5, no call of that form meets the target with "
            "its checks; the rest of each call is its checks and its Python.")
    notes += _short_call_note(rows)
    return "\n\n".join(notes)


def _short_call_note(rows):
    """What one short call runs, and where the per-call targets it misses stand, from
    this run's alternating calls at n = 1e3 (a list of at most one note)."""
    at = {(r["op"], r["namespace"] if r["dtype"] == "float64" else "torch float32"): r
          for r in rows
          if r["role"] == "paired" and r["name"] == "alternating calls" and r["n"] == 10**3}
    if ("tv", "numpy") not in at or ("optimal_discriminator", "numpy") not in at:
        return []
    tv, dstar = at["tv", "numpy"], at["optimal_discriminator", "numpy"]
    over = [f"{op}{'' if namespace == 'torch' else ', float32'} {r['ratio']:.2f}"
            for (op, namespace), r in at.items()
            if namespace.startswith("torch") and r["ratio"] > 2]
    return [
        "*What one short call runs.* One host distribution (NumPy arrays; CPU torch tensors "
        "through their NumPy views, `_host.numpy_views`, the result a tensor, where no "
        "derivative runs through them) runs the direct formula of KL, JSD, Pearson, V (from D or "
        "from finite logits), C(G), Hellinger and the triangular discrimination (all but V and "
        "C(G), below 1/16, their careful sums on the same checks: nearly equal measures), with "
        "nothing around its checks but their passes (`_direct.one_direct`; reverse KL is KL's); TV"
        " takes its sign check from its own formula's minimum, min(p, kq) (the two totals, that "
        "minimum, its argmin and its sum, and below 1/16 its careful form; "
        "`total_variation._one_host_tv`); D* of positive masses reads the four extremes through "
        "argmin/argmax (`_host.host_positive`), as do its log-odds (their log where every ratio "
        "is moderate, checked on the ratio itself: the least denominator, the largest "
        "numerator and the least ratio, `_host._ratio_block`; on short tensors the ratio on "
        "the views, then its log in place in torch, whose log rounds apart from NumPy's), "
        "the optimal critics of f-GAN (KL's, reverse KL's and GAN's on their ratio's check "
        "too; on short "
        "tensors those of arithmetic alone on the views; Hellinger's, GAN's and "
        "Jensen-Shannon's their arithmetic on the views and their square root or log1p in "
        "place in torch, `critics._rounded_as_torch`; KL's of those log-odds) and the "
        "least-squares D*; the least-squares criterion takes the triangular "
        "discrimination's short path, the hinge critic's minimum TV's, each forming its result "
        "before it becomes a tensor; the minibatch estimates read their checks off "
        "argmin/argmax (`minibatch._host_minibatch`; of D inside (0, 1), its logs without their "
        "guards for 0 and 1); and on CPU tensors the minibatch estimates run their whole NumPy "
        "path on the views "
        "(`_host.through_views`). Over the plain formula in this "
        f"run, NumPy: tv {tv['ratio']:.2f} (its checks alone {tv['checks_ratio']:.2f}) and "
        f"optimal_discriminator {dstar['ratio']:.2f} (checks alone "
        f"{dstar['checks_ratio']:.2f}: D*'s formula is two operations a point, a complete "
        "check more than that). On torch, rows over 2: "
        + (", ".join(over) if over else "none") + "." + _inline_note(at)]


def _inline_note(at):
    """Where D*'s, the hinge critic's, reverse KL's critic's and KL's short paths on torch
    stand against their own work written inline (the ``inline_ratio`` of
    ``bench/test_divergences.py``): sentences, or '' where the run did not measure them."""
    what = {"optimal_discriminator": (
                "The plain p / (p + q) is two torch operations; D*'s shortcut written "
                "inline with nothing around it (the two views, the four extremes, the "
                "formula and the result's tensor: `_inline_share` in "
                "`bench/test_divergences.py`) takes, over it, "),
            "hinge_optimal_critic": (
                "The hinge critic's sign(p - q), likewise two torch operations, written "
                "inline the same way (`_inline_sign`) takes "),
            "optimal_critic (reverse-kl)": (
                "Reverse KL's optimal critic, -(q / p), likewise two torch operations, "
                "written inline the same way with its check on the ratio (the least p, "
                "the largest q, the least q / p: `_inline_reverse_kl_critic`) takes "),
            "kl": (
                "KL's short path written inline with nothing around it (the two views, "
                "the totals under errstate and their normalisation, the two smallest "
                "masses, the direct formula and the result's tensor: `_inline_kl`) "
                "takes, over the plain torch expression, ")}
    sentences = []
    for op, opening in what.items():
        rows = [(kind, at[op, kind]) for kind in ("torch", "torch float32")
                if (op, kind) in at and "inline_ratio" in at[op, kind]]
        if rows:
            sentences.append(opening + "; ".join(
                f"{kind}: {r['inline_ratio']:.2f} inline, {r['ratio']:.2f} the call"
                for kind, r in rows) + ".")
    if not sentences:
        return ""
    return (" " + " ".join(sentences) + " The rest is gancore's calls and its checks of "
            "types, dtypes, shapes and gradients.")


def _over(medians, slow, fast):
    """``medians[slow] / medians[fast]``, or None where either was not run."""
    return medians[slow] / medians[fast] if slow in medians and fast in medians else None


def _inv(x):
    return None if x is None else 1.0 / x


def _mp_jsd(p, q):
    total = mpmath.mpf(0)
    for a, b in zip(p, q):
        m = (a + b) / 2
        total += a * mpmath.log(a / m) + b * mpmath.log(b / m)
    return total / 2


def _mp_kl(p, q):
    return mpmath.fsum(a * mpmath.log(a / b) for a, b in zip(p, q))


def precision_table(n=20_000, seed=0):
    """Relative error of ``jsd`` and ``kl`` and of SciPy's (``jensenshannon**2``,
    ``entropy``, the one-logarithm formulas) against mpmath (40 digits) for
    q = p (1 + eps noise), both normalised, n points (several blocks)."""
    import gancore

    mpmath.mp.dps = 40
    rng = np.random.default_rng(seed)
    p = rng.random(n) + 1e-3
    lines = ["| eps | JSD (mpmath) | gancore.jsd rel. error | SciPy rel. error | "
             "KL (mpmath) | gancore.kl rel. error | SciPy rel. error |",
             "|---|---|---|---|---|---|---|"]
    for eps in (1e-2, 1e-4, 1e-6, 1e-8):
        q = p * (1 + eps * rng.standard_normal(n))
        ps, qs = (np.asarray(x / x.sum()) for x in (p, q))
        mp_p = [mpmath.mpf(float(v)) for v in ps]
        mp_q = [mpmath.mpf(float(v)) for v in qs]
        sp, sq = mpmath.fsum(mp_p), mpmath.fsum(mp_q)
        mp_p, mp_q = [v / sp for v in mp_p], [v / sq for v in mp_q]
        cells = [f"{eps:.0e}"]
        for ref, ours, scipy in (
                (_mp_jsd(mp_p, mp_q), gancore.jsd(ps, qs), jensenshannon(ps, qs) ** 2),
                (_mp_kl(mp_p, mp_q), gancore.kl(ps, qs), entropy(ps, qs))):
            cells += [f"{float(ref):.3e}"] + [
                f"{float(abs(mpmath.mpf(float(x)) / ref - 1)):.1e}" for x in (ours, scipy)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine(info):
    """One line naming the machine, its kind of x86 CPU (:func:`cpu_kind`) and the
    library versions."""
    cpu = info.get("cpu", {})
    kind = cpu_kind(cpu.get("flags", ()))
    parts = [f"{cpu.get('brand_raw', info.get('processor', '?'))}, "
             f"{cpu.get('count', '?')} cores" + (f", {kind}" if kind else ""),
             f"Python {info.get('python_version', '?')}"]
    parts += [f"{k} {v}" for k, v in sorted(info.get("gancore_versions", {}).items())]
    if info.get("gpu"):
        parts.append(f"GPU: {info['gpu']}")
    return "; ".join(parts)


def cpu_kind(flags):
    """Whether an x86 CPU (its flags as py-cpuinfo lists them) has AVX-512, on which
    NumPy's float64 ``log``, ``log1p`` and ``exp`` are vectorised; without it they are
    scalar loops, a log pass over 1e7 points takes about three times as long, and the
    ratios to it (n = 1e7) and to the plain torch expression (torch's own logarithm is
    vectorised either way) move apart (``docs/benchmarks.md``, *Two kinds of CPU*).
    ``""`` for other CPUs, or where no flags were recorded."""
    flags = set(flags)
    if "avx512f" in flags:
        return "with AVX-512"
    if "sse2" in flags:
        return "without AVX-512 (NumPy's float64 log, log1p and exp: scalar loops)"
    return ""


def render(info, rows):
    """The whole Markdown page."""
    return "\n\n".join([
        "# Benchmarks",
        "Generated by `bench/report.py` from a pytest-benchmark run "
        "(see the README's *Benchmarks* section). Times are medians.",
        f"Run on {info['date']}. Machine: {machine(info)}.",
        "## Targets", targets(rows), floor_notes(rows),
        "## Core operations",
        "Peers: SciPy is `scipy.stats.entropy(p, q)` for KL, "
        "`scipy.spatial.distance.jensenshannon(p, q)**2` for JSD and "
        "`scipy.stats.wasserstein_distance` for W1; NumPy is `0.5 * np.abs(p - q).sum()` "
        "for TV; POT is `ot.wasserstein_1d(u, v, p=1)`; *NumPy formula* is the formula "
        "written inline in NumPy, with no checks and no care for cancellation: "
        "`sum(p log(p/q))`, JSD through the mixture m, `sum(p log D + q log1p(-D))`, "
        "`sum(p log(p/(p+q)) + q log(q/(p+q)))`, `p / (p + q)`, `sum((p - q)^2 / q)` "
        "(Pearson) and `mean(|sort u - sort v|)`. `optimal_discriminator` and "
        "`f_divergence` take no logarithm: their *time / floor* still counts log passes, "
        "as a unit. *Far*: independent uniform masses "
        "(JSD ~ 0.1); *near-equal*: q = p (1 + 1e-3 noise), where gancore takes its "
        "cancellation-free path. "
        "*faster than peer*: the peer's median over gancore's (same size; peers run on "
        "NumPy float64). *time / floor*: gancore's median over the floor's in the same "
        "namespace and dtype (one `log` pass for the divergences, V and C; sorting both "
        "samples for `w1`; one argsort of the merged samples for weighted `w1`). "
        "*GPU / NumPy*: NumPy's median over the GPU's. *Batched*: 64 pairs of samples "
        "in one call (`axis=0`) against POT's batched `wasserstein_1d` and 64 calls of "
        "`gancore.w1`.",
        core_table(rows),
        "## Batches",
        "A batch of distributions in one call (NumPy float64, the distribution axis "
        "last; independent uniform masses, so that some rows lie nearly equal and take "
        "the careful sum, those rows alone) against the plain NumPy formula of the whole "
        "batch, `bench/test_batches.py`: the medians of alternating rounds, each timing "
        "both, and of their ratios.",
        batch_table(rows),
        "## Training",
        speed_table(rows),
        "## Populations",
        "The non-saturating GAN on N(3, 0.5^2), one member per seed, "
        "trained as one run (`train(sweep(config, seed=range(N)))`); "
        "a GAN-step is one member's generator step with its critic step.",
        population_table(rows),
        "## Scaling out",
        "The same population sharded over processes with `torch.distributed` (gloo on "
        "127.0.0.1; see *Scaling out*): each set-up in freshly started processes, a "
        "round's time the slowest rank's wall time of `train` (set-up, training, the "
        "ranks' check-ins and the gathering of every member's result), the median of 3 "
        "rounds after a warm-up; 50 steps.",
        scaling_table(rows),
        "## Mode coverage",
        "The ring (8 Gaussians of standard deviation 0.01 on the unit circle) and the grid "
        "(25 of standard deviation 0.05 at {-4, -2, 0, 2, 4}^2) on the protocol of the "
        "VEEGAN and PacGAN tables: per row 10 trials (seeds 0-9) trained as one population "
        "on the CPU, 2500 samples each, scored by `gancore.mode_coverage` (HQ: the "
        "percentage of samples within 3 standard deviations of their nearest mode; a "
        "perfect sampler scores 1 - exp(-9/2) = 98.9%); mean ± standard error over the "
        "trials. The published setups differ from gancore's and from each other: PacGAN "
        "trains a 4 x 400 generator with batch norm against a maxout discriminator, latent "
        "dimension 2, Adam 1e-4, batch 100, for about 400k steps; VEEGAN 2 x 128 networks "
        "for 100k steps. gancore's rows use its built-in MLPs (see `bench/test_modes.py` "
        "for each row's settings).",
        modes_table(rows),
        "## Precision on near-equal distributions",
        "q = p (1 + eps N(0, 1)), n = 20000, both normalised; reference: mpmath at 40 "
        "digits. SciPy evaluates the formulas with one logarithm a point (a log pass "
        "for KL, two for JSD); gancore switches to its series in u**2 below 1/16, which "
        "costs the near-equal rows of the Targets table their extra log passes.",
        precision_table(),
        "## Appendix: the floors",
        "The work any exact method must do, timed in the same run: one `log` pass over "
        "the masses, sorting both samples, one argsort of the merged samples, sorting "
        "both batches; and the checks of two measures (`_checks` in "
        "`bench/test_divergences.py`).",
        floor_table(rows),
    ]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="pytest-benchmark JSON files (--benchmark-json), then "
                             "optionally the Markdown file to write (.md; default: stdout)")
    args = parser.parse_args(argv)
    output = args.files.pop() if args.files[-1].endswith(".md") else None
    if not args.files:
        parser.error("no pytest-benchmark JSON file given")
    text = render(*load(*args.files))
    if output:
        with open(output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
