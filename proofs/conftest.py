"""Set-up of the theory suite: profiles, the ``xp`` fixture, and the recording hooks."""

import functools

import pytest

from . import _record
from ._support import device, load_profile, xp  # noqa: F401  (fixtures)

load_profile()


def _counting(inner):
    @functools.wraps(inner)
    def run_example(*args, **kwargs):
        _record.count_example()
        return inner(*args, **kwargs)

    run_example.counts_examples = True
    return run_example


def pytest_collection_modifyitems(items):
    """Count the examples of each hypothesis test (through its documented inner_test)."""
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
