"""The files of a calibration: the parameter file scenarios load, the posterior sample, the fit table,
the draws, the parameters' uncertainty and the fit chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecosim.analysis.calibration import CalibrationResult


def write_calibration(result: CalibrationResult, out: Path, fit: pd.DataFrame) -> dict[str, Path]:
    """Write the parameter file, posterior sample, fit table (``fit``: from
    :func:`ecosim.api.calibration.calibration_fit`), draws and a chart to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"parameters": out / "calibration.toml", "posterior": out / "calibration_posterior.csv",
             "fit": out / "fit.csv", "draws": out / "draws.csv", "uncertainty": out / "uncertainty.csv"}
    fit.to_csv(paths["fit"], index=False)
    result.draws.to_csv(paths["draws"], index=False)
    result.uncertainty().to_csv(paths["uncertainty"], index=False)
    result.posterior[list(result.config.parameters)].to_csv(paths["posterior"], index=False)
    paths["parameters"].write_text(result.parameter_file())
    from ecosim.charts.calibration import fit_chart  # charts only when writing files
    from ecosim.charts.style import save

    paths["chart"] = save(fit_chart(fit), out / "fit")[0]
    return paths
