"""The core's log(1 + x) through one log pass (``gancore._elementwise.log1p_by_log``)
against mpmath, and where the core takes it instead of NumPy's log1p."""

import types

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gancore._elementwise import (_LOG1P_BY_LOG_FROM, _WIDE_BY_LOG_FROM, log1m, log1p,
                                  log1p_by_log, log1p_pointwise)

DTYPES = [np.float64, np.float32]
# The bound of log1p_by_log's docstring, 2 L + 2 ulps of log(1 + y), with L the ulps of
# NumPy's log: within 1 in float64, and NumPy's own tests hold its float32 log to 4
# (measured here on 2e6 points: at most 1.4 and 4.0 ulps of log1p)
ULPS = {np.float64: 2 * 1 + 2, np.float32: 2 * 4 + 2}


def _ulps_off(got, y, dtype):
    """How many ulps of the exact log(1 + y) (in ``dtype``, mpmath at 50 digits) each
    entry of ``got`` is from it."""
    with mpmath.workdps(50):
        exact = [mpmath.log1p(mpmath.mpf(float(v))) for v in y]
    spacing = np.spacing(np.abs(np.array([float(v) for v in exact], dtype=dtype)))
    spacing = np.maximum(spacing, np.finfo(dtype).smallest_subnormal)
    with mpmath.workdps(50):
        return np.array([float(abs(mpmath.mpf(float(g)) - v) / mpmath.mpf(float(s)))
                         for g, v, s in zip(got, exact, spacing)])


def _grid(dtype):
    """y in [-1, 1): both signs from 2^-(p + 12) up, every power of 2 and its neighbours
    (where 1 + y rounds, or becomes exact), and the points around -1/2 and -1."""
    info = np.finfo(dtype)
    tiny = np.logspace(-(info.nmant + 13) * np.log10(2), 0, 1500, base=10, dtype=dtype)
    powers = 2.0 ** np.arange(-(info.nmant + 12), 1, dtype=dtype)
    near = np.concatenate([np.nextafter(powers, 0), powers, np.nextafter(powers, 2)])
    halves = np.array([0.5, np.nextafter(0.5, 0), np.nextafter(0.5, 1)], dtype=dtype)
    edge = np.array([np.nextafter(1.0, 0), 0.0, info.smallest_subnormal], dtype=dtype)
    y = np.concatenate([tiny, near, halves, edge]).astype(dtype)
    y = np.concatenate([y, -y])
    return y[(y >= -np.nextafter(1.0, 0)) & (y <= 1)]


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_log1p_by_log_is_within_its_bound_on_a_grid_of_every_binade(dtype, negate):
    y = _grid(dtype)
    got = log1p_by_log(-y if negate else y, negate=negate)
    assert got.dtype == dtype
    off = _ulps_off(got, y, dtype)
    assert off.max() <= ULPS[dtype], (y[off.argmax()], off.max())


@pytest.mark.parametrize("negate", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_log1p_by_log_is_within_its_bound_of_mpmath(dtype, negate, data):
    width = 64 if dtype is np.float64 else 32
    y = data.draw(hnp.arrays(dtype, st.integers(1, 40), elements=st.floats(
        -1, 1, width=width, allow_nan=False, allow_subnormal=True, exclude_min=True)))
    got = log1p_by_log(-y if negate else y, negate=negate)
    assert got.dtype == dtype
    assert _ulps_off(got, y, dtype).max() <= ULPS[dtype]


@pytest.mark.parametrize("negate", [False, True])
def test_log1p_by_log_at_minus_1_and_nan_is_numpys_log1p(negate):
    y = np.array([-1.0, np.nan, 0.0, 1.0])
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        got = log1p_by_log(-y if negate else y, negate=negate)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        want = np.log1p(y)
    np.testing.assert_array_equal(got, want)


def _numpys_log1p_is_scalar(dtype):
    """Whether NumPy reports its log1p loop for ``dtype`` on this CPU as its scalar
    baseline (numpy.lib.introspect)."""
    from numpy.lib.introspect import opt_func_info

    loop = opt_func_info(func_name="^log1p$")["log1p"][dtype.char * 2]["current"]
    return loop.startswith("baseline")


@pytest.mark.parametrize("n", [599, 600, 999, 1000, 5000])
@pytest.mark.parametrize("dtype", DTYPES)
def test_the_core_takes_the_log_pass_where_numpys_log1p_is_scalar(dtype, n):
    # log1p and log1m give log1p_by_log's bits on NumPy arrays from 1000 float64 or 600
    # float32 points on, in a dtype whose log1p loop NumPy reports as its scalar
    # baseline (numpy.lib.introspect); NumPy's log1p elsewhere, and torch's on tensors
    from array_api_compat import numpy as xp

    dtype = np.dtype(dtype)
    scalar = _numpys_log1p_is_scalar(dtype)
    assert (dtype in _LOG1P_BY_LOG_FROM) == scalar
    y = np.random.default_rng(n).uniform(-1, 1, n).astype(dtype)
    by_log = scalar and n >= (1000 if dtype == np.float64 else 600)
    np.testing.assert_array_equal(log1p(y, xp=xp),
                                  log1p_by_log(y) if by_log else np.log1p(y))
    np.testing.assert_array_equal(log1m(y, xp=xp),
                                  log1p_by_log(y, negate=True) if by_log else np.log1p(-y))
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(y)
    assert torch.equal(log1m(t, xp=torch), torch.log1p(-t))


# The wide form's bound: the narrow one's below 1, L + 1 past it (log u >= log 2)
def _wide_grid(dtype):
    """y in (-1, the largest float]: the narrow grid, and past 1 every power of 2 to the
    top of the dtype with its neighbours (1 + y rounds from 2^-p on, and u - 1 from
    2^p), and the largest float."""
    info = np.finfo(dtype)
    powers = 2.0 ** np.arange(0, info.maxexp, dtype=np.float64)
    powers = powers[powers <= info.max].astype(dtype)
    near = np.concatenate([np.nextafter(powers, 0), powers,
                           np.nextafter(powers, np.inf)]).astype(dtype)
    return np.concatenate([_grid(dtype), near[np.isfinite(near)], [info.max]]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_wide_form_is_within_its_bound_past_1_on_a_grid_of_every_binade(dtype):
    y = _wide_grid(dtype)
    got = log1p_by_log(y, wide=True)
    assert got.dtype == dtype
    off = _ulps_off(got, y, dtype)
    assert off.max() <= ULPS[dtype], (y[off.argmax()], off.max())


@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data())
def test_the_wide_form_is_within_its_bound_of_mpmath(dtype, data):
    width = 64 if dtype is np.float64 else 32
    info = np.finfo(dtype)
    y = data.draw(hnp.arrays(dtype, st.integers(1, 40), elements=st.one_of(
        st.floats(-1, 1, width=width, exclude_min=True, allow_subnormal=True),
        st.floats(1, float(info.max), width=width))))
    got = log1p_by_log(y, wide=True)
    assert got.dtype == dtype
    assert _ulps_off(got, y, dtype).max() <= ULPS[dtype]


def test_the_wide_form_of_one_point_is_a_scalar_as_numpys():
    # 0-d arrays and NumPy scalars take the same operations as an array of one point
    for x in (np.array(3.0), np.float64(3.0), np.float32(0.25)):
        got = log1p_by_log(x, wide=True)
        assert type(got) is type(np.log1p(x)) and got.dtype == x.dtype
        assert got == log1p_by_log(np.reshape(x, 1), wide=True)[0]


@pytest.mark.parametrize("n", [799, 800, 2999, 3000, 9000])
@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_forms_take_the_wide_form_where_numpys_log1p_is_scalar(dtype, n):
    # log1p_pointwise gives the wide form's bits on NumPy arrays from 3000 float64 or
    # 800 float32 points on, where NumPy's log1p loop is its scalar baseline; NumPy's
    # log1p elsewhere, and the namespace's own (torch's) for anything else
    from gancore._host import BLOCK_ELEMENTS
    from gancore._namespaces import NUMPY as xp

    dtype = np.dtype(dtype)
    scalar = _numpys_log1p_is_scalar(dtype)
    assert (dtype in _WIDE_BY_LOG_FROM) == scalar
    assert max(_WIDE_BY_LOG_FROM.values(), default=0) <= BLOCK_ELEMENTS
    y = np.random.default_rng(n).uniform(-0.5, 40, n).astype(dtype)
    by_log = scalar and n >= (3000 if dtype == np.float64 else 800)
    np.testing.assert_array_equal(log1p_pointwise(y, xp=xp),
                                  log1p_by_log(y, wide=True) if by_log else np.log1p(y))
    # a namespace of its own on NumPy arrays (the NumPy views of short tensors with
    # torch's functions, critics._rounded_as_torch) keeps its own log1p
    own = types.SimpleNamespace(log1p=lambda x: ("own", x.size))
    assert log1p_pointwise(y, xp=own) == ("own", n)
    torch = pytest.importorskip("torch")
    t = torch.from_numpy(y)
    assert torch.equal(log1p_pointwise(t, xp=torch), torch.log1p(t))
