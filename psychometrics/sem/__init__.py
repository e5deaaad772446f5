"""Structural equation models: the SEM/CFA engine and its pieces."""
