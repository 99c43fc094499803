"""``gancore verify``: run the theory suite and print one line per theorem.

The suite (``gancore.proofs``, the ``proofs/`` folder of a checkout) is run by pytest
with hypothesis; each proof module names its theorem (``THEOREM``, ``STATEMENT``) and
its checks record the error they saw against the tolerance they allowed.
"""

import importlib
import importlib.util
import math
import os
import sys
from pathlib import Path

BACKENDS = ("numpy", "array_api_strict", "torch", "torch_cuda", "cupy")


class _Collector:
    """pytest plugin: the theorem, namespace and outcome of every proof run."""

    def __init__(self):
        self.items = {}

    def pytest_itemcollected(self, item):
        module = item.module
        callspec = getattr(item, "callspec", None)
        self.items[item.nodeid] = {
            "theorem": getattr(module, "THEOREM", module.__name__),
            "statement": getattr(module, "STATEMENT", ""),
            "namespace": (callspec.params.get("xp") or callspec.params.get("device", "-"))
                         if callspec else "-",
            "record": module.__package__ + "._record",
            "outcome": "not run",
        }

    def pytest_runtest_logreport(self, report):
        entry = self.items.get(report.nodeid)
        if entry is None:
            return
        if report.failed:
            entry["outcome"] = "failed"
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "skipped"
        elif report.when == "call" and report.passed and entry["outcome"] == "not run":
            entry["outcome"] = "passed"


def _rows(items):
    """Aggregate the items into one row per theorem, in the order first collected."""
    rows = {}
    for nodeid, entry in items.items():
        row = rows.setdefault(entry["theorem"], {
            "statement": entry["statement"], "namespaces": set(), "examples": 0,
            "error": 0.0, "tolerance": math.inf, "ratio": -1.0, "passed": 0, "failed": 0,
            "skipped": 0,
        })
        row["skipped"] += entry["outcome"] == "skipped"
        if entry["outcome"] == "failed" or entry["outcome"] == "not run":
            row["failed"] += 1
        if entry["outcome"] == "passed":
            row["passed"] += 1
            row["namespaces"].add(entry["namespace"])
        tally = getattr(sys.modules.get(entry["record"]), "RESULTS", {}).get(nodeid)
        if tally is not None and tally.checks:
            row["examples"] += tally.examples
            if tally.ratio > row["ratio"]:
                row["ratio"], row["error"], row["tolerance"] = (tally.ratio, tally.error,
                                                                tally.tolerance)
    return rows


def _table(rows):
    header = ("theorem", "statement", "namespaces", "examples", "largest error / tol",
              "verdict")
    lines = []
    for name, row in rows.items():
        holds = row["failed"] == 0 and row["passed"] > 0
        # every proof skipped (its backend absent or not selected): reported, not failed
        skipped = row["failed"] == 0 and row["passed"] == 0 and row.get("skipped", 0) > 0
        error = (f"{row['error']:.2g} / {row['tolerance']:.2g}" if row["ratio"] >= 0
                 else "-")
        lines.append((name, row["statement"], ",".join(sorted(row["namespaces"])) or "-",
                      str(row["examples"]), error,
                      "holds" if holds else "skipped" if skipped else "FAILS"))
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in lines]
    return ("\n".join(out), all(r[-1] != "FAILS" for r in lines)
            and any(r[-1] == "holds" for r in lines))


def verify(*, profile="ci", namespaces=None, verbose=False):
    """Run the theory suite; print the table; return 0 if every theorem holds, else 1.

    Parameters
    ----------
    profile : {"ci", "dev", "thorough"}
        Hypothesis profile: ``ci`` is derandomised and bounded (about a minute on two
        cores), ``thorough`` runs thousands of examples per property.
    namespaces : str, optional
        Comma-separated backends to check (``numpy``, ``array_api_strict``, ``torch``,
        ``torch_cuda``, ``cupy``); all available ones by default.
    verbose : bool
        Show pytest's per-test lines and full tracebacks.
    """
    missing = [m for m in ("pytest", "hypothesis") if importlib.util.find_spec(m) is None]
    if missing:
        print("gancore verify needs pytest and hypothesis: pip install 'gancore[verify]'",
              file=sys.stderr)
        return 2
    unknown = sorted(set((namespaces or "").replace(" ", "").split(",")) - {"", *BACKENDS})
    if unknown:
        print(f"gancore verify: unknown namespaces {unknown}; choose from {list(BACKENDS)}",
              file=sys.stderr)
        return 2
    import pytest  # imported late: pytest must see hypothesis's plugin load first

    os.environ["HYPOTHESIS_PROFILE"] = profile
    if namespaces:
        os.environ["GANCORE_NAMESPACES"] = namespaces
    suite = Path(importlib.import_module("gancore.proofs").__file__).parent
    collector = _Collector()
    args = [str(suite), "-c", os.devnull, "-p", "no:cacheprovider", "-W", "error",
            "--strict-markers", "--no-header", "-rfE"]
    args += ["-v", "--tb=long"] if verbose else ["-q", "--tb=short"]
    status = pytest.main(args, plugins=[collector])
    table, holds = _table(_rows(collector.items))
    print(f"\ngancore verify (hypothesis profile {profile!r})\n{table}")
    return 0 if holds and status == 0 else 1
