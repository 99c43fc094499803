"""bench/report.py: the Targets table reads each target off the rows it names, and times
print in a unit that keeps their figure."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "report.py"


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("bench_report", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(op, role, name, median, n=10**7):
    return {"op": op, "n": n, "namespace": "numpy", "dtype": "float64", "role": role,
            "name": name, "median": median}


@pytest.mark.parametrize("op, scipy_name, label", [
    ("kl", "scipy.stats.entropy", "kl, n=1e7: times faster than scipy.stats.entropy"),
    ("jsd", "scipy jensenshannon**2", "jsd, n=1e7: times faster than SciPy jensenshannon**2")])
def test_the_scipy_targets_are_against_scipy_not_the_plain_formula(report, op, scipy_name,
                                                                    label):
    # kl and jsd have two peers at n = 1e7, SciPy and the plain NumPy formula; the
    # target named for SciPy took whichever came last (the formula: kl 1.32, not 7.81,
    # in the 2026-12-06 run)
    rows = [_row(op, "gancore", "numpy", 0.010), _row(op, "peer", scipy_name, 0.080),
            _row(op, "peer", "numpy formula", 0.013), _row("log pass", "floor", "np.log", 0.005)]
    line = next(x for x in report.targets(rows).splitlines() if x.startswith(f"| {label} |"))
    assert line == f"| {label} | >= 5 | 8.00 | yes | 16.00 |"


@pytest.mark.parametrize("seconds, printed", [
    (9.996e-4, "1 ms"), (9.994e-4, "999 µs"), (1.5, "1.5 s"), (2.5e-5, "25 µs"),
    (9.9996e-7, "1 µs"), (4.2e-8, "42 ns")])
def test_a_time_prints_in_the_unit_that_keeps_its_rounded_figure(report, seconds, printed):
    # 999.6 µs rounds to three figures as 1000 µs; it printed as "1e+03 µs"
    assert report._time(seconds) == printed


def test_the_formulas_alone_are_read_off_their_rows(report):
    # each row at n = 1e7 with its kernel timed alone names both ratios; a row without
    # one is not listed
    def paired(op, ratio, **extra):
        return {**_row(op, "paired", "alternating calls", 0.05), "ratio": ratio,
                "ratios": [ratio], "checks_ratio": 0.6, **extra}

    rows = [_row("log pass", "floor", "one log pass", 0.017),
            paired("kl (near-equal)", 2.91, alone_ratio=2.75), paired("kl", 1.6)]
    note = next(x for x in report.floor_notes(rows).split("\n\n")
                if x.startswith("*The formulas alone at n = 1e7.*"))
    assert "over one log pass: kl (near-equal) 2.75 (the call 2.91). " in note
    assert "kl 1.60" not in note


def test_the_batches_table_reads_its_rows(report):
    # bench/test_batches.py's rows: gancore's and the plain formula's medians of the
    # alternating rounds and the median of their ratios, longest batches first
    def batch(op, rows, points, ours, plain, ratio):
        return dict(_row(op, "batch", "alternating rounds", ours, n=rows * points),
                    rows=rows, points=points, rounds=10, gancore=ours, plain=plain,
                    ratio=ratio)

    table = report.batch_table([batch("kl", 100, 1000, 9.4e-4, 7.6e-4, 1.31),
                                batch("kl", 100_000, 10, 0.028, 0.0146, 1.91),
                                _row("kl", "gancore", "numpy", 0.010)])
    assert table.splitlines()[2:] == [
        "| kl | 100000 rows of 10 | 10 | 28 ms | 14.6 ms | 1.91 |",
        "| kl | 100 rows of 1000 | 10 | 940 µs | 760 µs | 1.31 |"]
    assert report.batch_table([_row("kl", "gancore", "numpy", 0.010)]) == (
        "Not measured in this run.")


def test_the_per_call_scipy_targets_take_the_alternating_calls_where_they_ran(report):
    # SciPy's time over gancore's in the same rounds (scipy_ratio) where the alternating
    # calls timed it; the separately taken medians of the two rows otherwise (jsd read
    # 1.49 and 0.91 that way in two runs of the same code)
    alternating = {**_row("jsd", "paired", "alternating calls", 3e-5, n=10**3),
                   "ratio": 1.4, "ratios": [1.4], "checks_ratio": 0.4, "scipy_ratio": 1.37}
    separate = [_row("jsd", "gancore", "numpy", 4.6e-5, n=10**3),
                _row("jsd", "peer", "scipy jensenshannon**2", 4.2e-5, n=10**3)]
    for rows, label, value in (
            ([alternating, *separate],
             "jsd, n=1e3: times faster than SciPy (median over alternating calls)", "1.37"),
            (separate, "jsd, n=1e3: times faster than SciPy", "0.91")):
        line = next(x for x in report.targets(rows).splitlines()
                    if x.startswith(f"| {label} |"))
        assert line.split(" | ")[2] == value, line


@pytest.mark.parametrize("op, scipy_name", [("kl", "scipy.stats.entropy"),
                                            ("jsd", "scipy jensenshannon**2")])
def test_the_near_equal_rows_at_1e5_are_held_to_scipy(report, op, scipy_name):
    # the headline row (kl of nearly equal measures at n = 1e5, 3.3 times slower
    # than SciPy when it was filed) is a target: SciPy's time over gancore's, not the
    # plain formula's, >= 1
    name = f"{op} (near-equal)"
    rows = [_row(name, "gancore", "numpy", 1.0e-3, n=10**5),
            _row(name, "peer", scipy_name, 3.1e-3, n=10**5),
            _row(name, "peer", "numpy formula", 0.5e-3, n=10**5)]
    label = f"{name}, n=1e5: times faster than SciPy"
    line = next(x for x in report.targets(rows).splitlines() if x.startswith(f"| {label} |"))
    assert line == f"| {label} | >= 1 | 3.10 | yes |  |"


@pytest.mark.parametrize("flags, kind", [
    (["sse2", "avx2", "avx512f"], "with AVX-512"),
    (["sse2", "avx2"], "without AVX-512"),
    (["neon", "asimd"], None),
    ([], None)])
def test_the_machine_line_names_the_kind_of_cpu(report, flags, kind):
    # NumPy's float64 log is vectorised only with AVX-512, so the log pass (the unit at
    # n = 1e7) and the torch rows' ratios depend on it: the page says which kind ran it
    info = {"cpu": {"brand_raw": "AMD EPYC", "count": 2, "flags": flags},
            "python_version": "3.11.7"}
    line = report.machine(info)
    assert line.startswith("AMD EPYC, 2 cores")
    if kind is None:
        assert "AVX-512" not in line
    else:
        assert line.startswith(f"AMD EPYC, 2 cores, {kind}")
        assert ("without" in line) == (kind == "without AVX-512")
