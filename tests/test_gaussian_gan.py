"""The Gaussian GAN trainer: short runs, and the same run on every namespace."""

import numpy as np
import pytest

import gancore


@pytest.mark.parametrize("steps", [1, 2, 3, 4])
def test_short_runs_average_at_least_one_step(steps):
    result = gancore.train_gaussian_gan(gancore.Normal(1.0, 2.0), steps=steps, seed=0)
    assert np.all(np.isfinite(result.averaged_mean)) and np.all(np.isfinite(result.averaged_cov))
    assert result.history["step"][-1] == steps - 1


def test_every_namespace_trains_the_same_run(xp):
    data = gancore.MultivariateNormal([1.0, -2.0], [[2.0, 0.5], [0.5, 1.0]])
    here = gancore.train_gaussian_gan(data, steps=30, seed=4, xp=xp, record_every=10)
    ref = gancore.train_gaussian_gan(data, steps=30, seed=4, record_every=10)
    # the same draws and arithmetic: only the summation order may differ
    np.testing.assert_allclose(here.averaged_mean, ref.averaged_mean, rtol=1e-12)
    np.testing.assert_allclose(here.averaged_cov, ref.averaged_cov, rtol=1e-12)
    np.testing.assert_allclose(here.history["criterion"], ref.history["criterion"], rtol=1e-10)
