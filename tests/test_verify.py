"""``gancore verify``: the table, the exit status, and its options."""

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gancore
import gancore.proofs
from gancore._verify_report import results_table
from gancore.verify import theorems

CORE = ("Proposition 1", "Theorem 1", "Proposition 2", "Example 1 (WGAN)",
        "Kantorovich-Rubinstein", "MLE = min KL", "Non-saturating loss",
        "Gaussian closed forms", "Dirac-GAN", "Gaussian GAN")


def _run(*args, columns=100):
    return subprocess.run([sys.executable, "-m", "gancore", "verify", *args],
                          capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": str(columns)})


def test_verify_prints_every_theorem_and_exits_zero():
    # every theorem of the core (the trainers' rows take minutes; the proofs themselves
    # run in the test suite, this checks the command's output)
    keys = [key for key, name, *_ in theorems() if name in CORE]
    assert len(keys) == len(CORE)
    done = _run(*keys, "--namespaces", "numpy")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    progress, table = done.stdout.split("\ngancore verify (hypothesis profile 'ci'")
    for theorem in CORE:
        # a progress line as each theorem finishes, then its row in the table
        assert any(l.split()[:len(theorem.split())] == theorem.split()
                   and "holds" in l for l in progress.splitlines()), theorem
        line = next(l for l in table.splitlines() if l.startswith(theorem))
        assert " holds " in line and " numpy " in line and line.endswith(" s")
    # no line of the output is wider than the terminal (COLUMNS=100), nor pytest's dots
    assert max(map(len, done.stdout.splitlines())) <= 100
    assert "...." not in done.stdout


def test_rows_come_in_the_suite_order_though_the_proofs_that_train_run_first():
    # the run's order puts the proofs that train first (proofs/conftest.py); the rows
    # keep the order of the suite's files
    from gancore._verify_report import theorem_rows
    from gancore.verify import _Collector

    known = theorems()
    ids = [f"{path.name}::test_{i}" for i, (*_, path) in enumerate(known)]
    collector = _Collector(show_progress=False)
    collector.expect(ids[::-1])
    assert list(theorem_rows(collector.items)) == [name for _, name, *_ in known]


def test_the_table_fits_the_width_and_wide_keeps_statements_whole():
    row = {"statement": "word " * 60, "namespaces": {"numpy", "array_api_strict", "torch"},
           "examples": 120, "error": 1e-15, "tolerance": 1e-13, "ratio": 0.01, "passed": 3,
           "failed": 0, "seconds": 12.5}
    rows = {"Kantorovich-Rubinstein": row, "Theorem 1": dict(row)}
    narrow, holds = results_table(rows, width=100)
    assert holds and max(map(len, narrow.splitlines())) <= 100
    assert narrow.count("word") == 120  # every word of both statements, wrapped
    wide, _ = results_table(rows, width=100, wide=True)
    assert max(map(len, wide.splitlines())) > 300  # one line each, as asked
    # on a GPU machine five namespaces: in a terminal too narrow for their names they
    # are counted in the rows and named once underneath
    every = {"numpy", "array_api_strict", "torch", "torch_cuda", "cupy"}
    gpu = {name: {**r, "namespaces": every} for name, r in rows.items()}
    narrow, _ = results_table(gpu, width=90)
    assert max(map(len, narrow.splitlines())) <= 90
    assert narrow.splitlines()[-1] == "namespaces: cuda, cupy, numpy, strict, torch"
    assert narrow.splitlines()[2].split()[1] == "5"


def test_list_names_the_theorems_without_running_them():
    done = _run("--list")
    assert done.returncode == 0, done.stderr
    for theorem in (*CORE, "PyTorch trainer"):
        assert theorem in done.stdout
    assert "key: proposition1" in done.stdout and "holds" not in done.stdout


def test_a_subset_runs_by_name_or_key_and_unknown_names_are_refused():
    done = _run("proposition 1", "theorem1", "--namespaces", "numpy")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout.split("hypothesis profile 'ci'")[-1]
    assert [l.split()[0] + " " + l.split()[1] for l in table.splitlines()
            if l.startswith(("Proposition", "Theorem"))] == ["Proposition 1", "Theorem 1"]
    assert "Proposition 2" not in done.stdout
    done = _run("theorem 3")
    assert done.returncode == 2 and "unknown theorems ['theorem 3']" in done.stderr


def test_unknown_namespace_is_a_clear_error():
    done = _run("--namespaces", "numpy,jax")
    assert done.returncode == 2 and "unknown namespaces ['jax']" in done.stderr


def test_a_failed_or_unrun_proof_makes_its_theorem_fail():
    row = {"statement": "s", "namespaces": {"numpy"}, "examples": 3, "error": 0.0,
           "tolerance": 1.0, "ratio": 0.0}

    def verdicts(table):
        return [l.split()[-3] for l in table.splitlines()[2:] if not l.startswith("    ")]

    table, holds = results_table({"A": {**row, "passed": 2, "failed": 0},
                           "B": {**row, "passed": 1, "failed": 1}})
    assert not holds and verdicts(table) == ["holds", "FAILS"]
    assert results_table({"C": {**row, "passed": 0, "failed": 0}})[1] is False
    # a theorem whose proofs were all skipped is reported, and does not fail the run
    table, holds = results_table({"A": {**row, "passed": 2, "failed": 0},
                           "D": {**row, "passed": 0, "failed": 0, "skipped": 3}})
    assert holds and verdicts(table) == ["holds", "skipped"]
    assert results_table({"D": {**row, "passed": 0, "failed": 0, "skipped": 3}})[1] is False


def test_a_failure_is_summarised_by_its_message_and_example():
    from gancore._verify_report import failure_summary

    report = "\n".join([
        "    def test_x(xp, a):", ">       close(a, 1.0, 0.0, 'a = 1')",
        "E   AssertionError: a = 1: got 2.0, expected 1.0, error 1 > 0",
        "E   Failing test case: test_x(", "E       a=2.0,", "E   )", "E   ",
        "E   Explanation:", "E       These lines were always and only run by failing cases:",
        "proofs/_record.py:76: AssertionError"])
    assert failure_summary(report).splitlines() == [
        "AssertionError: a = 1: got 2.0, expected 1.0, error 1 > 0",
        "Failing test case: test_x(", "a=2.0,", ")"]


def test_processes_run_the_proofs_and_give_the_one_process_table():
    # --jobs 2: two pytest-xdist workers; the rows (namespaces, examples, largest error,
    # verdict) are the one-process run's, and a line still comes as each theorem ends
    chosen = ("nonsaturating", "hinge", "example1", "kantorovich")  # the quickest four
    runs = {jobs: _run(*chosen, "--namespaces", "numpy,torch", "--jobs", jobs, columns=200)
            for jobs in ("1", "2")}
    tables = {}
    for jobs, done in runs.items():
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        progress, table = done.stdout.split("\ngancore verify (hypothesis profile 'ci'")
        assert len([l for l in progress.splitlines() if " holds " in l]) == len(chosen)
        tables[jobs] = sorted(l.rsplit(None, 2)[0] for l in table.splitlines()[3:]
                              if l and not l.startswith(" "))
    assert "2 processes" in runs["2"].stdout.splitlines()[0]
    assert tables["1"] == tables["2"] and len(tables["1"]) == len(chosen)


def test_namespaces_other_than_numpy_run_half_the_examples():
    # proofs/conftest.py: under ci a property runs its 40 examples on NumPy and 20 on
    # another namespace (the row counts every example of its properties)
    from hypothesis import settings

    properties = next(t[3] for t in theorems() if t[0] == "nonsaturating")
    per_property = settings.get_profile("ci").max_examples
    counts = {}
    for namespace in ("numpy", "array_api_strict"):
        done = _run("nonsaturating", "--namespaces", namespace, columns=200)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        table = done.stdout.split("\ngancore verify (hypothesis profile 'ci'")[1]
        row = next(l for l in table.splitlines() if l.startswith("Non-saturating loss"))
        counts[namespace] = int(row.split()[3])
    assert counts == {"numpy": properties * per_property,
                      "array_api_strict": properties * per_property // 2}


@pytest.mark.parametrize("profile, namespace, trains, want", [
    ("ci", "torch", False, 20), ("ci", "numpy", False, 40), ("ci", "torch", True, 1),
    ("thorough", "torch", False, 40)])
def test_the_examples_are_halved_only_off_numpy_under_ci_and_dev(profile, namespace,
                                                                 trains, want):
    # the hook's rule on a stand-in for a pytest item (a proof that trains runs one
    # example); the test's own settings are put back after the call
    from types import SimpleNamespace

    from hypothesis import settings

    from proofs.conftest import _examples_on

    def proof():
        pass

    own = settings(max_examples=1 if trains else 40)
    proof._hypothesis_internal_use_settings = own
    item = SimpleNamespace(obj=proof, callspec=SimpleNamespace(params={"xp": namespace}))
    before = settings.get_current_profile_name()
    settings.load_profile(profile)
    try:
        with _examples_on(item):
            seen = proof._hypothesis_internal_use_settings.max_examples
    finally:
        settings.load_profile(before)
    assert seen == want and proof._hypothesis_internal_use_settings is own


def test_a_conftest_above_the_installed_proofs_is_not_loaded(tmp_path):
    # The README's command installs gancore into .venv inside a checkout, so the
    # checkout's own conftest.py lies above the installed proofs; pytest loaded it, and
    # with its directory on sys.path pytest-xdist's workers imported the checkout's
    # gancore, which has no gancore.proofs: verify collected nothing. Here the package
    # is copied under a conftest.py that fails when it is loaded.
    site = tmp_path / "env" / "site"
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(Path(gancore.__file__).parent, site / "gancore", ignore=skip)
    shutil.copytree(Path(gancore.proofs.__file__).parent, site / "gancore" / "proofs",
                    ignore=skip, dirs_exist_ok=True)
    (tmp_path / "conftest.py").write_text("raise RuntimeError('a conftest.py above the "
                                          "proofs was loaded')\n")
    out = subprocess.run([sys.executable, "-m", "gancore", "verify", "kantorovich"],
                         capture_output=True, text=True, cwd=site.parent,
                         env={**os.environ, "PYTHONPATH": str(site), "COLUMNS": "100"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Kantorovich-Rubinstein" in out.stdout and "holds" in out.stdout


def test_jobs_must_be_a_positive_integer():
    done = _run("theorem1", "--jobs", "0")
    assert done.returncode == 2 and "jobs must be a positive integer; got 0" in done.stderr


@pytest.mark.parametrize("to", ["command", "group"])
def test_ctrl_c_stops_every_worker_and_prints_what_finished(to):
    import signal
    import time

    # mode coverage's training proof takes half a minute and runs first, on one worker,
    # while the other runs the quick proofs: interrupted once Example 1 has finished,
    # by a SIGINT to the command alone (which sends it on to its workers) or to its
    # process group, as a terminal sends Ctrl-C (each worker takes the first only)
    process = subprocess.Popen(
        [sys.executable, "-m", "gancore", "verify", "example1", "modes", "--namespaces",
         "numpy,torch", "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, "COLUMNS": "200"}, start_new_session=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Example 1" in line and "holds" in line:
            break
    time.sleep(2)
    if to == "group":
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT)
    try:  # stopped at once, not after the training proof that a worker runs
        out, err = process.communicate(timeout=120)
        text = "".join(lines) + out
        assert "interrupted; not finished: Mode coverage" in text, text + err
        table = text.split("hypothesis profile 'ci'")[-1]
        assert any(l.startswith("Example 1") and " holds " in l for l in table.splitlines())
        assert "Mode coverage" not in table
        # no worker is left: the session's process group is empty
        time.sleep(1)
        left = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True,
                              text=True)
        assert left.stdout.strip() == "", left.stdout
    finally:  # nothing of a failed run outlives the test
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
