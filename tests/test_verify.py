"""``gancore verify``: the table, the exit status, and its options."""

import subprocess
import sys

from gancore.verify import _table


def _run(*args):
    return subprocess.run([sys.executable, "-m", "gancore", "verify", *args],
                          capture_output=True, text=True)


def test_verify_prints_every_theorem_and_exits_zero():
    done = _run("--namespaces", "numpy")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout.split("gancore verify (hypothesis profile 'ci')")[1]
    for theorem in ("Proposition 1", "Theorem 1", "Proposition 2", "Example 1 (WGAN)",
                    "Kantorovich-Rubinstein", "MLE = min KL", "Non-saturating loss",
                    "Gaussian closed forms"):
        line = next(l for l in table.splitlines() if l.startswith(theorem))
        assert line.rstrip().endswith("holds") and " numpy " in line


def test_unknown_namespace_is_a_clear_error():
    done = _run("--namespaces", "numpy,jax")
    assert done.returncode == 2 and "unknown namespaces ['jax']" in done.stderr


def test_a_failed_or_unrun_proof_makes_its_theorem_fail():
    row = {"statement": "s", "namespaces": {"numpy"}, "examples": 3, "error": 0.0,
           "tolerance": 1.0, "ratio": 0.0}
    table, holds = _table({"A": {**row, "passed": 2, "failed": 0},
                           "B": {**row, "passed": 1, "failed": 1}})
    assert not holds
    assert table.splitlines()[2].rstrip().endswith("holds")
    assert table.splitlines()[3].rstrip().endswith("FAILS")
    assert _table({"C": {**row, "passed": 0, "failed": 0}})[1] is False
    # a theorem whose proofs were all skipped is reported, and does not fail the run
    table, holds = _table({"A": {**row, "passed": 2, "failed": 0},
                           "D": {**row, "passed": 0, "failed": 0, "skipped": 3}})
    assert holds and table.splitlines()[3].rstrip().endswith("skipped")
    assert _table({"D": {**row, "passed": 0, "failed": 0, "skipped": 3}})[1] is False
