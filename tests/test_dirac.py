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
