"""The theory suite."""
