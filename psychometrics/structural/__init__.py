"""The structural equation modelling engine and its pieces (ordinal stage 1, WLS algebra)."""
