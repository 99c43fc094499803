"""Set-up of the theory suite: profiles, the ``xp`` fixture, and the recording hooks."""

import contextlib
import functools
import signal
import threading

import pytest
from hypothesis import settings

# Hypothesis draws about one number in twenty from the constants of the local modules
# loaded (a checkout's; an installed package is not local). gancore verify runs the
# proofs in its own process (--jobs 1), where its modules are loaded, or in
# pytest-xdist's workers, where they were not: loading them here too gives both the
# same examples, and the same table
import gancore.cli  # noqa: F401
import gancore.verify  # noqa: F401

from . import _record
from ._support import device, xp  # noqa: F401  (fixtures)
from ._support import load_profile, thorough

load_profile()


def pytest_configure(config):
    """A pytest-xdist worker takes the first Ctrl-C only: ``gancore verify`` sends the
    interrupt it gets on to its workers, which a terminal has signalled too."""
    worker = hasattr(config, "workerinput")
    if worker and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt_once)


def _interrupt_once(signum, frame):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.default_int_handler(signum, frame)


def _counting(inner):
    @functools.wraps(inner)
    def run_example(*args, **kwargs):
        _record.count_example()
        return inner(*args, **kwargs)

    run_example.counts_examples = True
    return run_example


def pytest_collection_modifyitems(items):
    """Count the examples of each hypothesis test (through its documented inner_test),
    and move the proofs that train (``_support.one_run``: seconds to a minute each) to
    the front. pytest-xdist hands each worker its first share of the tests in turn and
    the rest as workers free up: a long proof at the end of the order kept one worker
    busy while the other idled; at the front, the short tests after it even out."""
    items.sort(key=lambda item: not getattr(getattr(item, "obj", None), "trains", False))
    for item in items:
        handle = getattr(getattr(item, "obj", None), "hypothesis", None)
        if handle is not None and not getattr(handle.inner_test, "counts_examples", False):
            handle.inner_test = _counting(handle.inner_test)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Send the checks made while ``item`` runs to its tally."""
    _record.start(item.nodeid)
    try:
        with _examples_on(item):
            return (yield)
    finally:
        _record.stop()


@contextlib.contextmanager
def _examples_on(item):
    """Under ``ci`` and ``dev`` a property runs its examples on NumPy and half of them (at
    least one) on every other namespace; under ``thorough`` all of them on each.

    NumPy, in float64, is where a property samples the theorem. Another namespace runs
    the same code; what it adds is that the code keeps to that namespace's API and
    numerics, and a NumPy-only call fails on the first example that reaches it. The
    other namespaces are where the suite's time went: array_api_strict takes about 7
    times NumPy's time per operation (a Gaussian GAN step), and it and torch took 51 of
    the 74 s of the properties under ``ci`` on two cores. The proofs that train (one
    run each) are not halved."""
    callspec = getattr(item, "callspec", None)
    test = getattr(item, "obj", None)
    own = getattr(test, "_hypothesis_internal_use_settings", None)
    if (own is None or callspec is None or callspec.params.get("xp", "numpy") == "numpy"
            or own.max_examples < 2 or thorough()):
        yield
        return
    test._hypothesis_internal_use_settings = settings(own, max_examples=own.max_examples // 2)
    try:
        yield
    finally:
        test._hypothesis_internal_use_settings = own


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach to each test's teardown report what ``gancore verify`` tabulates (its
    namespace, examples and worst check), which reaches ``gancore verify`` from a
    pytest-xdist worker too."""
    report = yield
    if report.when == "teardown":
        callspec = getattr(item, "callspec", None)
        namespace = ((callspec.params.get("xp") or callspec.params.get("device", "-"))
                     if callspec else "-")
        tally = _record.RESULTS.get(item.nodeid, _record.Tally())
        report.user_properties.append(("gancore", {
            "namespace": str(namespace), "examples": int(tally.examples),
            "checks": int(tally.checks), "error": float(tally.error),
            "tolerance": float(tally.tolerance)}))
    return report
