"""Checks that assert a claim and record how close it came, for ``gancore verify``.

Every numerical claim in a proof goes through :func:`close` or :func:`at_most`: each
asserts, and records the ratio of the error seen to the tolerance allowed under the test
that is running (set by the hooks in ``conftest.py``). ``gancore verify`` reads
:data:`RESULTS` to print the largest error of each theorem next to its tolerance.
"""

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class Tally:
    """What one test reported: examples run, and its worst check (error / tolerance)."""

    examples: int = 0
    checks: int = 0
    error: float = 0.0
    tolerance: float = math.inf

    @property
    def ratio(self):
        """Error over tolerance of the worst check; <= 1 when every check held."""
        return self.error / self.tolerance if self.tolerance > 0 else (
            0.0 if self.error == 0 else math.inf)


RESULTS = {}
_current = [None]


def start(nodeid):
    """Direct what follows to the tally of test ``nodeid``."""
    _current[0] = nodeid
    RESULTS.setdefault(nodeid, Tally())


def stop():
    """Stop recording (checks made outside a test are asserted but not tallied)."""
    _current[0] = None


def count_example():
    """Note that one more hypothesis example has run."""
    if _current[0] is not None:
        RESULTS[_current[0]].examples += 1


def _note(error, tolerance):
    if _current[0] is None:
        return
    tally = RESULTS[_current[0]]
    tally.checks += 1
    candidate = Tally(error=error, tolerance=tolerance)
    if tally.checks == 1 or candidate.ratio > tally.ratio:
        tally.error, tally.tolerance = error, tolerance


def _excess(a, b):
    """Largest of ``a - b`` (NaN counting as inf), computed without warnings."""
    with np.errstate(invalid="ignore"):
        d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return float(np.max(np.where(np.isnan(d), np.inf, d), initial=0.0))


def close(got, want, tol, what):
    """Assert ``|got - want| <= tol`` elementwise; equal infinities count as equal.

    An infinite error (an infinity or NaN against anything else) fails whatever the
    tolerance: a tolerance scaled by the reference, as many are, is itself infinite
    where the reference is, and would pass any finite result there."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    same = got == want
    worst = max(_excess(np.where(same, 0.0, got), np.where(same, 0.0, want)),
                _excess(np.where(same, 0.0, want), np.where(same, 0.0, got)))
    _note(worst, tol)
    assert worst <= tol and worst < math.inf, (
        f"{what}: got {got!r}, expected {want!r}, error {worst:.3g} > {tol:.3g}")


def at_most(a, b, tol, what):
    """Assert ``a <= b + tol`` elementwise; the error recorded is ``max(a - b, 0)``. An
    infinite excess (``a`` infinite or NaN above a finite ``b``) fails whatever the
    tolerance, as in :func:`close`."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    worst = _excess(np.where(a <= b, 0.0, a), np.where(a <= b, 0.0, b))
    _note(worst, tol)
    assert worst <= tol and worst < math.inf, (
        f"{what}: {a!r} exceeds {b!r} by {worst:.3g} > {tol:.3g}")
