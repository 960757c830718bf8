"""The files of a backtest: the scored table (backtest.csv), the scores (backtest.json) and, for a
backtest against actuals, a chart per scored variable."""

from __future__ import annotations

import json
from pathlib import Path

from ecosim.analysis.backtest import NAIVE_DISTRIBUTIONS, ORIGIN_CONDITIONED, BacktestResult, OriginBacktest
from ecosim.outputs.folders import file_input, result_inputs
from ecosim.outputs.run_folder import scenario_input
from ecosim.scenario import Scenario

BACKTEST_FILES = ("backtest.csv", "backtest.json")
"""The tables a backtest writes (its charts are listed in its manifest)."""


def actuals_inputs(actuals: str | Path, scenario: Scenario, replications: int, seed: int | None,
                   condition_on: str | None) -> dict:
    """What a backtest against actuals depends on (not the charts' language: the charts of one result
    in two languages may share a folder)."""
    settings = {"actuals": file_input(actuals) or str(actuals), "scenario": scenario_input(scenario),
                "replications": replications, "seed": scenario.seed if seed is None else seed,
                "condition on": condition_on}
    return result_inputs(scenario.region, settings)


def origin_inputs(origin: int, calibration: dict, scenario: Scenario, replications: int, seed: int,
                  condition_on: tuple[str, ...]) -> dict:
    """What a rolling-origin backtest depends on: the origin, the recalibration's inputs (its config and
    the record), the scenario, replications, seed and conditioned paths."""
    return {**calibration, "origin": origin, "scenario": scenario_input(scenario), "replications": replications,
            "seed": seed, "condition on": list(condition_on)}


def write_backtest(result: BacktestResult, out: str | Path, charts: bool = True, lang: str = "en") -> list[Path]:
    """Write backtest.csv, backtest.json and a chart per scored variable (in ``lang``; Chinese
    files end in ``-zh``) to ``out``; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "backtest.csv", out / "backtest.json"]
    result.table.to_csv(paths[0], index=False)
    paths[1].write_text(json.dumps(result.scores, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if charts:
        import matplotlib.pyplot as plt

        from ecosim.charts.backtest import backtest_chart
        from ecosim.charts.style import save

        suffix = "" if lang == "en" else f"-{lang}"
        for (region, variable), rows in result.table.groupby(["region", "variable"], sort=True):
            if rows["conditioned"].any():
                continue  # the model was given these values: nothing to show
            fig = backtest_chart(result, region, variable, lang)
            paths += save(fig, out / f"{region}-{variable}{suffix}")
            plt.close(fig)
    return paths


def write_origin_backtest(result: OriginBacktest, out: str | Path) -> list[Path]:
    """Write backtest.csv and backtest.json of a rolling-origin backtest to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "backtest.csv", out / "backtest.json"]
    result.table.to_csv(paths[0], index=False)
    meta = {"origin": result.origin, "region": result.region, "calibration_config": result.calibration_config,
            "condition_on": list(result.condition_on),
            "conditioned": {c: ORIGIN_CONDITIONED[c] for c in result.condition_on}, "variables": result.scores(),
            "naive": {"random_walk": f"the value recorded in {result.origin}",
                      "linear_trend": f"least squares over {result.origin - 5}-{result.origin}, extrapolated"},
            "naive_distributions": NAIVE_DISTRIBUTIONS,
            "crps": "continuous ranked probability score: the model's of its replications "
                    "(scoringrules.crps_ensemble), the naive distributions' in closed form (crps_normal, "
                    "crps_lognormal)",
            "skill": "1 - CRPS_model / CRPS_naive"}
    paths[1].write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return paths
