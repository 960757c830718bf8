"""Analyses on model runs: forecasts, calibration, backtests, sensitivity, policy design."""
