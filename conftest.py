"""Root test set-up: the shared hypothesis profiles and ``xp`` fixture (proofs/_support.py)."""

from proofs._support import load_profile, xp  # noqa: F401  (xp is a fixture)

load_profile()
