"""The Dirac-GAN's field at its edges (its dynamics are proofs/test_dirac_gan.py's)."""

import numpy as np

import gancore


def test_the_dirac_field_past_the_dtype_takes_the_sigmoids_limits():
    # psi * theta past the largest float: D(theta) = sigmoid(psi theta) is 1 or 0 there,
    # and v = (psi D, -theta D) for the GAN (filterwarnings=error fails on a warning)
    theta, psi = np.array([1e308, -1e308, 1e200]), np.array([1.0, 1e308, -1e200])
    v_theta, v_psi = gancore.dirac_vector_field(theta, psi, kind="gan")
    d = np.array([1.0, 0.0, 0.0])
    np.testing.assert_array_equal(v_theta, psi * d)
    np.testing.assert_array_equal(v_psi, -theta * d)


def test_a_simulation_through_the_saturated_field_steps_without_a_warning():
    # from psi0 = 6e154 the first step sends theta to lr psi0 / 2 = 3e153, and psi theta
    # passes the largest float at the second: the sigmoids are 1 or 0 there, as in the
    # field itself, and the steps stay finite (filterwarnings=error fails on a warning)
    path = gancore.dirac_simulate(0.0, 6e154, kind="gan", lr=0.1, steps=2)
    theta1, psi1 = 0.1 * 6e154 * 0.5, 6e154  # v = (psi D, -theta D) with D = 1/2 at 0
    np.testing.assert_array_equal(path[1], [theta1, psi1])
    # psi1 theta1 = 1.8e308 past the largest: D = 1 there
    np.testing.assert_array_equal(path[2], [theta1 + 0.1 * psi1, psi1 - 0.1 * theta1])
