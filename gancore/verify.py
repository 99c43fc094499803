"""``gancore verify``: run the theory suite and print one line per theorem.

The suite (``gancore.proofs``, the ``proofs/`` folder of a checkout) is run by pytest
with hypothesis; each proof module names its theorem (``THEOREM``, ``STATEMENT``) and
its checks record the error they saw against the tolerance they allowed. A line is
printed as each theorem finishes; the table that follows fits the terminal (the
statements wrap under their rows; ``wide=True`` puts them in a column instead).
"""

import ast
import contextlib
import importlib
import importlib.util
import os
import re
import shutil
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path

from ._verify_report import failure_summary, results_table, theorem_rows, verdict

BACKENDS = ("numpy", "array_api_strict", "torch", "torch_cuda", "cupy")


def _suite():
    """The folder of the theory suite (an installed gancore.proofs, or proofs/)."""
    return Path(importlib.util.find_spec("gancore.proofs").origin).parent


def _key(text):
    """A name reduced to lower-case letters and digits, for matching."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def theorems():
    """The theorems of the suite, in file order: a list of ``(key, name, statement,
    properties, path)``, read from the proof modules' source without importing them
    (``key`` is the module's name without ``test_``; ``properties`` counts its tests)."""
    found = []
    for path in sorted(_suite().glob("test_*.py")):
        tree = ast.parse(path.read_text())
        consts = {t.id: ast.literal_eval(node.value) for node in tree.body
                  if isinstance(node, ast.Assign) for t in node.targets
                  if isinstance(t, ast.Name) and t.id in ("THEOREM", "STATEMENT")}
        tests = sum(isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                    for node in tree.body)
        if "THEOREM" in consts:
            found.append((path.stem[len("test_"):], consts["THEOREM"],
                          consts.get("STATEMENT", ""), tests, path))
    return found


RESEARCH = "research_loss"  # the key of the proofs that gancore verify --loss runs


def _select(names):
    """The proof files for the theorems named (by name or key, any case), or an error;
    all of them but the research loss's (which needs ``--loss``) by default."""
    known = theorems()
    if not names:
        return [t[4] for t in known if t[0] != RESEARCH], None
    chosen, unknown = [], []
    for name in names:
        hits = [t[4] for t in known if _key(name) in (_key(t[0]), _key(t[1]))]
        (chosen.extend(hits) if hits else unknown.append(name))
    if unknown:
        listed = ", ".join(f"{t[0]} ({t[1]})" for t in known)
        return None, f"unknown theorems {unknown}; choose from: {listed}"
    return [t[4] for t in known if t[4] in chosen], None  # in the suite's order


class _Collector:
    """pytest plugin: the theorem, namespace, outcome, time and checks of every proof,
    from the test reports (which reach it from pytest-xdist's workers too); prints a
    line as each theorem finishes, and keeps the failures' reports."""

    def __init__(self, show_progress=True):
        self.files = {path.name: (name, statement)
                      for _, name, statement, _, path in theorems()}
        self.items = {}
        self.left = {}
        self.failures = []
        self.show_progress = show_progress
        self.workers = {}  # pytest-xdist workers' process ids by node (none in-process)

    def expect(self, nodeids):
        """The proofs to run: each named by its file's theorem, kept in the suite's file
        order (the run's own order puts the proofs that train first)."""
        for nodeid in nodeids:
            if nodeid in self.items:
                continue
            theorem, statement = self.files.get(Path(nodeid.split("::")[0]).name,
                                                (nodeid.split("::")[0], ""))
            self.items[nodeid] = {"theorem": theorem, "statement": statement,
                                  "namespace": "-", "outcome": "not run", "seconds": 0.0,
                                  "tally": None}
            self.left[theorem] = self.left.get(theorem, 0) + 1
        order = {name: i for i, name in enumerate(self.files)}
        self.items = dict(sorted(self.items.items(), key=lambda item: order.get(
            Path(item[0].split("::")[0]).name, len(order))))

    def pytest_collection_finish(self, session):
        self.expect(item.nodeid for item in session.items)

    def pytest_collectreport(self, report):
        if report.failed:
            self.failures.append((report.nodeid or "collection", report.longreprtext))

    def pytest_runtest_logreport(self, report):
        entry = self.items.get(report.nodeid)
        if entry is None:
            return
        entry["seconds"] += report.duration
        if report.failed:
            entry["outcome"] = "failed"
            self.failures.append((report.nodeid, report.longreprtext))
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "skipped"
        elif report.when == "call" and report.passed and entry["outcome"] == "not run":
            entry["outcome"] = "passed"
        if report.when == "teardown":
            noted = dict(report.user_properties).get("gancore", {})
            entry["namespace"] = noted.get("namespace", "-")
            entry["tally"] = noted if noted.get("checks") else None
            theorem = entry["theorem"]
            self.left[theorem] -= 1
            if self.left[theorem] == 0 and self.show_progress:
                row = theorem_rows({k: v for k, v in self.items.items()
                             if v["theorem"] == theorem})[theorem]
                print(f"  {theorem:<26} {verdict(row):<8} {row['seconds']:6.1f} s",
                      flush=True)


class _WorkersCollector(_Collector):
    """The collector when pytest-xdist's workers run the proofs: the proofs to expect
    come from the workers' collection."""

    def pytest_xdist_node_collection_finished(self, node, ids):
        self.expect(ids)

    def pytest_testnodeready(self, node):
        # execnet's remote information, which pytest-xdist reads at each node's set-up
        self.workers[node.gateway.id] = node.gateway._rinfo().pid

    def pytest_testnodedown(self, node, error):
        # a worker that is down is not signalled: its process id may be reused
        self.workers.pop(node.gateway.id, None)


@contextlib.contextmanager
def _interrupting(workers):
    """Ctrl-C (SIGINT) to this process is sent on to each of ``workers`` (the running
    workers' process ids by node) before it interrupts this one: a terminal signals the
    whole process group, but a signal to the command alone would otherwise leave the
    workers to finish the proofs they run. A worker takes the first interrupt only
    (``gancore.proofs``' conftest), so one that the terminal signalled too stops once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        for pid in workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _jobs(jobs, theorems):
    """How many processes run the proofs: ``jobs``, or one per core (at most one per
    theorem); an error message when ``jobs`` is not a positive int or pytest-xdist is
    missing for more than one."""
    if jobs is None:
        jobs = max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else os.cpu_count() or 1, theorems))
        return jobs if jobs == 1 or importlib.util.find_spec("xdist") else 1
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        return f"jobs must be a positive integer; got {jobs!r}"
    if jobs > 1 and importlib.util.find_spec("xdist") is None:
        return f"{jobs} jobs need pytest-xdist: pip install 'gancore[verify]'"
    return jobs


def _loss_error(loss):
    """Why ``loss`` (``module:attr``) names no :class:`gancore.torch.Loss` record, or
    ``None`` where it does."""
    try:
        from gancore.torch.arguments import import_string
        from gancore.torch.objectives import Loss

        record = import_string(loss, what="loss record")
    except (ImportError, ValueError) as err:
        return str(err)
    if not isinstance(record, Loss):
        return f"{loss!r} is a {type(record).__name__}, not a gancore.torch.Loss"
    return None


def _pytest_args(files, jobs, verbose, proofs_dir):
    """pytest's arguments for the proof ``files``: in ``jobs`` processes, with pytest's
    own lines where ``verbose`` (else the collector's), no ``conftest.py`` above
    ``proofs_dir`` (the suite's folder), every warning an error, and assertions not
    rewritten. Where ``jobs`` > 1, sets each worker's thread counts (environment)."""
    # conftest.py files above the proofs' own directory are not theirs: installed into a
    # virtual environment inside a checkout of gancore (the README's command), pytest
    # would otherwise load the checkout's test set-up, whose directory then shadows the
    # installed package (its source has no gancore.proofs) in pytest-xdist's workers
    # The proofs' checks carry their own messages (``_record``), so pytest's assertion
    # rewriting is off: it recompiled the proofs and its plugins in every process, 1.3 s
    # of each worker's 5.8 s start where Python writes no bytecode cache
    args = [*map(str, files), "-c", os.devnull, "--confcutdir", proofs_dir, "-p",
            "no:cacheprovider", "-W", "error", "--strict-markers", "--assert=plain"]
    if jobs > 1:  # each worker on one thread: the cores are shared by the processes
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        # the proofs that train come first (the suite's conftest.py) and are handed out
        # two at a time as workers free up, the quick ones after them filling in: 219 s
        # on two cores against 230 s with worksteal, which gives each worker half of
        # the list at the start (one of them every training proof)
        args += ["-n", str(jobs), "--dist", "load", "--maxschedchunk", "2"]
    # without -v, pytest's own output is replaced by a line per theorem (the collector)
    args += ["-v", "--tb=long", "--no-header", "-rfE"] if verbose else ["-p", "no:terminal"]
    return args


def list_theorems(*, width=None):
    """The text of ``gancore verify --list``: each theorem, its key and what it checks."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    out = []
    for key, name, statement, tests, _ in theorems():
        out.append(f"{name}  (key: {key}; {tests} propert{'y' if tests == 1 else 'ies'})")
        out += textwrap.wrap(statement, width=max(width, 40), break_on_hyphens=False,
                             initial_indent="    ",
                             subsequent_indent="    ")
    return "\n".join(out)


def verify(*names, profile="ci", namespaces=None, verbose=False, wide=False, loss=None,
           jobs=None):
    """Run the theory suite (or the theorems named); print the table; return 0 if every
    theorem holds, else 1 (2 for bad arguments).

    Parameters
    ----------
    *names : str
        Theorems to run, by name (``"Proposition 1"``) or key (``proposition1``), in
        any case; all of them by default. ``gancore verify --list`` shows both.
    profile : {"ci", "dev", "thorough"}
        Hypothesis profile: ``ci`` is derandomised and bounded, ``thorough`` runs
        thousands of examples per property. Under ``ci`` and ``dev`` a property runs
        half its examples on each namespace but NumPy; under ``thorough`` all of them.
    namespaces : str, optional
        Comma-separated backends to check (``numpy``, ``array_api_strict``, ``torch``,
        ``torch_cuda``, ``cupy``); all available ones by default.
    verbose : bool
        Show pytest's per-test lines and full tracebacks instead of a line per theorem.
    wide : bool
        Print each statement in a column of the table, on one line, whatever the width.
    loss : str, optional
        A :class:`gancore.torch.Loss` of research code as ``module:attr``: run the
        research-loss proofs on it (its population's convergence at the stated rate,
        and its stated optimal critic) and the theorems named, if any.
    jobs : int, optional
        Processes that run proofs at once (pytest-xdist workers, each computing on one
        thread); by default one per core. 1 runs them in this process.
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
    if loss is not None:
        error = _loss_error(loss)
        if error:
            print(f"gancore verify: --loss {error}", file=sys.stderr)
            return 2
        os.environ["GANCORE_VERIFY_LOSS"] = loss
        names = (*names, RESEARCH) if names else (RESEARCH,)
    files, error = _select(names)
    if error:
        print(f"gancore verify: {error}", file=sys.stderr)
        return 2
    jobs = _jobs(jobs, len(files))
    if isinstance(jobs, str):
        print(f"gancore verify: {jobs}", file=sys.stderr)
        return 2
    import pytest  # imported late: pytest must see hypothesis's plugin load first

    os.environ["HYPOTHESIS_PROFILE"] = profile
    if namespaces:
        os.environ["GANCORE_NAMESPACES"] = namespaces
    proofs = importlib.import_module("gancore.proofs")
    collector = (_WorkersCollector if jobs > 1 else _Collector)(show_progress=not verbose)
    args = _pytest_args(files, jobs, verbose, os.path.dirname(proofs.__file__))
    print(f"gancore verify: {len(files)} theorem(s), hypothesis profile {profile!r}"
          + (f", {jobs} processes" if jobs > 1 else ""), flush=True)
    start = time.perf_counter()
    with _interrupting(collector.workers):
        status = pytest.main(args, plugins=[collector])
    if not collector.items:
        print(f"gancore verify: pytest collected no proofs (exit status {int(status)})",
              file=sys.stderr)
    rows = theorem_rows(collector.items)
    if status == pytest.ExitCode.INTERRUPTED:  # Ctrl-C: what finished
        unfinished = sorted({e["theorem"] for e in collector.items.values()
                             if e["outcome"] == "not run"})
        rows = {name: row for name, row in rows.items() if name not in unfinished}
        print(f"\ngancore verify: interrupted; not finished: {', '.join(unfinished)}")
    table, holds = results_table(rows, wide=wide)
    if collector.failures and not verbose:
        print("\nfailures (gancore verify -v shows the whole report):")
        for nodeid, text in collector.failures:
            print(f"\n{nodeid}\n{textwrap.indent(failure_summary(text), '    ')}")
    print(f"\ngancore verify (hypothesis profile {profile!r}, "
          f"{time.perf_counter() - start:.0f} s)\n{table}")
    return 0 if holds and status == 0 else 1
