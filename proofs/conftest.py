"""Set-up of the theory suite: profiles, the ``xp`` fixture, and the recording hooks."""

import functools
import signal
import threading

import pytest

from . import _record
from ._support import device, load_profile, xp  # noqa: F401  (fixtures)

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
        return (yield)
    finally:
        _record.stop()


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
