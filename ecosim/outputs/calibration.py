"""The files of a calibration: the parameter file scenarios load, the posterior sample, the fit table,
the draws, the parameters' uncertainty and the fit chart."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd

from ecosim.analysis.calibration import CalibrationResult
from ecosim.data import CALIBRATION_FILES, Region
from ecosim.explore.calibration import CalibrationConfig
from ecosim.outputs.folders import content_input, result_inputs

CALIBRATION_FILES_WRITTEN = ("calibration.toml", "calibration_posterior.csv", "fit.csv", "draws.csv", "uncertainty.csv",
                             *(f"fit{lang}.{ext}" for lang in ("", "-zh") for ext in ("png", "pdf", "svg")))
"""The files ``ecosim calibrate`` writes into its folder."""


def calibration_inputs(config: CalibrationConfig, region: Region) -> dict:
    """What a calibration's results depend on: its configuration (all but the worker count, which
    changes no number) and the region's record (not the bundle's calibration, which it replaces)."""
    settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in ("workers", "source")}
    return result_inputs(region, {"calibration config": content_input(str(config.source), settings)},
                         reads_calibration=False)


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


def draw_fit(out: Path, lang: str, config: CalibrationConfig) -> Path:
    """The fit chart of ``out/fit.csv`` in ``lang`` as ``out/fit-<lang>.*``; the PNG's path."""
    import matplotlib.pyplot as plt
    import pandas as pd

    from ecosim.charts.calibration import fit_chart
    from ecosim.charts.style import save

    fig = fit_chart(pd.read_csv(out / "fit.csv"), lang=lang, seed=config.seed)
    path = save(fig, out / f"fit-{lang}")[0]
    plt.close(fig)
    return path


def install_calibration(out: Path, region: Region) -> list[Path]:
    """Copy the parameter file and the posterior from ``out`` into the region's bundle folder, so runs on
    it load them by default; the paths written."""
    paths = []
    for name in CALIBRATION_FILES:
        shutil.copyfile(out / name, region.root / name)
        paths.append(region.root / name)
    return paths
