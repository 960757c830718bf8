"""Trustworthy outputs: unconverged sensitivity charts are stamped from the command line, a
backtest never scores what it was given, and ``ecosim sensitivity`` plans before it runs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from ecosim.api.backtest import backtest
from ecosim.outputs.backtest import write_backtest
from ecosim.api.sensitivity import sensitivity
from ecosim.explore.sensitivity import plan
from ecosim.charts.fonts import has_cjk_font
from ecosim.cli import main

SCENARIOS = Path(__file__).resolve().parents[1] / "ecosim" / "scenarios"
FACTORS = ["rd_super_deduction_rate", "rd_reward_rate"]


def _experiment(folder: Path, design: str, scenario: str = "baseline", replications: int = 1) -> Path:
    lines = ['name = "tiny"', f'scenario = "{scenario}"', f"replications = {replications}", "seed = 3"]
    for name in FACTORS:
        lines += [f'[factors."levers.{name}"]', 'distribution = "uniform"']
    lines += ["[design]", design, "[sensitivity]", "num_resamples = 20"]
    path = folder / "experiment.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _short_scenario(folder: Path) -> str:
    text = (SCENARIOS / "baseline.toml").read_text().replace("horizon = 2030", "horizon = 2024")
    (folder / "short.toml").write_text(text)
    return "short.toml"


# --- NOT CONVERGED from the command line ----------------------------------------------------------


@pytest.mark.parametrize("lang, stamp", [("en", "NOT CONVERGED"),
                                         pytest.param("zh", "未收敛", marks=pytest.mark.skipif(
                                             not has_cjk_font(), reason="no CJK font"))])
def test_unconverged_charts_from_the_cli_carry_the_stamp(tmp_path, capsys, lang, stamp):
    path = _experiment(tmp_path, 'method = "sobol"\nn = 4\nsecond_order = false', _short_scenario(tmp_path))
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1", "--lang", lang]) == 0
    assert not [w for w in caught if "missing from font" in str(w.message)]  # no glyph drawn as a box
    summary = json.loads((out / "sensitivity.json").read_text())
    assert summary["converged"] is False  # n = 4 cannot converge
    suffix = "" if lang == "en" else "-zh"
    svg = (out / "charts" / f"sobol-rd_intensity{suffix}.svg").read_text(encoding="utf-8")
    assert stamp in svg
    assert "seed 3" in svg or "随机种子3" in svg  # the footer names the experiment's seed
    assert "WARNING" in capsys.readouterr().err


# --- the backtest does not score what it was given --------------------------------------------------


def test_conditioned_variables_are_reported_not_scored(tmp_path):
    rows = [("shanxi", "gdp", 25000.0, "100m_yuan"), ("shanxi", "rd_expenditure", 250.0, "100m_yuan"),
            ("china", "rd_intensity_first_published", 2.5, "percent_of_gdp")]
    actuals = pd.DataFrame([{"region": r, "year": y, "variable": v, "value": value, "unit": u, "source": "test"}
                            for r, v, value, u in rows for y in (2021, 2022)])
    result = backtest(actuals, replications=3, condition_on="gdp", seed=5)
    scores = result.scores
    assert set(scores["variables"]) == {"shanxi/rd_expenditure"}
    assert set(scores["conditioned"]) == {"shanxi/gdp", "china/rd_intensity_first_published"}
    assert scores["conditioned"]["shanxi/gdp"]["years"] == [2021, 2022]
    fixed = result.table[result.table["conditioned"]]
    assert set(fixed["variable"]) == {"gdp", "rd_intensity_first_published"}
    assert "conditioned, not scored: shanxi/gdp" in result.describe()
    paths = write_backtest(result, tmp_path / "out")
    names = {p.name for p in paths}
    assert "shanxi-rd_expenditure.png" in names and "shanxi-gdp.png" not in names
    # unconditioned, the same variables are scored
    free = backtest(actuals, replications=3, seed=5)
    assert "shanxi/gdp" in free.scores["variables"] and not free.scores["conditioned"]
    assert not free.table["conditioned"].any()


# --- the method from the experiment file, and a dry run -------------------------------------------------


def _linear(frame):
    return {"y": frame[f"levers.{FACTORS[0]}"].to_numpy() + 2 * frame[f"levers.{FACTORS[1]}"].to_numpy()}


@pytest.mark.parametrize("design, method", [('method = "morris"\ntrajectories = 6\nlevels = 4', "morris"),
                                            ('method = "lhs"\npoints = 60', "delta"),
                                            ('method = "sobol"\nn = 8\nsecond_order = false', "sobol")])
def test_the_method_comes_from_the_experiment_file(tmp_path, design, method):
    path = _experiment(tmp_path, design)
    table = sensitivity(path, tmp_path / "out", model=_linear, charts=False)
    assert set(table["method"]) == {method}
    assert list(plan(path)) == [method]


def test_a_grid_design_needs_a_method(tmp_path, capsys):
    path = _experiment(tmp_path, 'method = "grid"\nlevels = 2')
    assert main(["sensitivity", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "design.method" in err and "--method" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_dry_run_prints_runs_and_time_and_writes_nothing(tmp_path, capsys):
    path = _experiment(tmp_path, 'method = "sobol"\nn = 8\nsecond_order = false', _short_scenario(tmp_path),
                       replications=2)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--dry-run", "--workers", "2"]) == 0
    text = capsys.readouterr().out
    runs = 8 * (len(FACTORS) + 2) * 2
    assert f"= {runs} runs" in text and f"total: {runs} runs" in text and "expected time" in text
    assert "2 workers" in text
    assert not out.exists()
    # --method all: delta on its own LHS sample, morris on its own design
    assert main(["sensitivity", str(path), "--out", str(out), "--dry-run", "--method", "all"]) == 0
    text = capsys.readouterr().out
    assert "sobol:" in text and "morris:" in text and "delta:" in text and not out.exists()


# --- the notebook API ---------------------------------------------------------------------------------


def test_read_results_is_a_named_result_with_units(tmp_path):
    import ecosim

    lines = ['name = "two-runs"', f'scenario = "{_short_scenario(tmp_path)}"', "replications = 1", "seed = 3",
             '[factors."levers.rd_reward_rate"]', 'distribution = "discrete"', "values = [0.0, 0.05]",
             "[design]", 'method = "grid"']
    (tmp_path / "grid.toml").write_text("\n".join(lines) + "\n")
    ecosim.batch(tmp_path / "grid.toml", tmp_path / "out", workers=1)
    result = ecosim.read_results(tmp_path / "out")
    yearly, summaries = result  # unpacks as before
    assert yearly is result.runs and summaries is result.summaries
    assert result.manifest["experiment"] == "two-runs" and result.manifest["root_seed"] == 3
    assert len(summaries) == 2 and set(yearly["year"]) >= {2021, 2024}
    assert summaries.attrs["units"]["government_cost"] == "100m yuan"
    assert yearly.attrs["units"]["rd_intensity"] and "lever" in yearly.attrs["definitions"]["levers.rd_reward_rate"]
    assert summaries.attrs["definitions"]["target_met"]


NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_the_top_level_api_and_end_with_caveats(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import ecosim" in code
    assert "from ecosim" not in code and "import ecosim." not in code and "ecosim.charts" not in code
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and last.source.startswith("## Caveats: what the model does not know")


# --- --lang on the commands that draw ----------------------------------------------------------------

needs_cjk = pytest.mark.skipif(not has_cjk_font(), reason="no CJK font")


@needs_cjk
def test_backtest_draws_chinese_charts_from_the_cli(tmp_path, capsys):
    actuals = pd.DataFrame([{"region": "shanxi", "year": y, "variable": v, "value": value, "unit": "100m_yuan",
                             "source": "test"} for y in (2021, 2022)
                            for v, value in (("rd_expenditure", 250.0), ("gdp", 25000.0))])
    actuals.to_csv(tmp_path / "actuals.csv", index=False)
    out = tmp_path / "out"
    assert main(["backtest", "--actuals", str(tmp_path / "actuals.csv"), "--replications", "3", "--seed", "5",
                 "--condition-on", "gdp", "--lang", "zh", "--out", str(out)]) == 0
    assert "conditioned, not scored: shanxi/gdp" in capsys.readouterr().out
    svg = (out / "shanxi-rd_expenditure-zh.svg").read_text(encoding="utf-8")
    assert "回测" in svg and "资料来源" in svg
    assert not list(out.glob("shanxi-gdp*"))


@needs_cjk
def test_discover_draws_a_chinese_trajectory_with_the_batch_in_the_footer(tmp_path):
    import ecosim

    lines = ['name = "four-points"', f'scenario = "{_short_scenario(tmp_path)}"', "replications = 1", "seed = 3",
             '[factors."levers.rd_reward_rate"]', 'distribution = "discrete"', "values = [0.0, 0.03, 0.06, 0.1]",
             "[design]", 'method = "grid"']
    (tmp_path / "grid.toml").write_text("\n".join(lines) + "\n")
    ecosim.batch(tmp_path / "grid.toml", tmp_path / "b", workers=1)
    assert main(["discover", str(tmp_path / "b"), "--outcome", "rd_intensity", "--lang", "zh"]) == 0
    svg = (tmp_path / "b" / "discovery" / "prim_trajectory-zh.svg").read_text(encoding="utf-8")
    assert "PRIM剥离轨迹" in svg and "four-points" in svg and "随机种子3" in svg


@needs_cjk
def test_calibrate_draws_the_fit_in_chinese_beside_the_english(tmp_path):
    from ecosim.outputs.calibration import draw_fit
    from ecosim.explore.calibration import CalibrationConfig

    pd.DataFrame({"target": ["rd_expenditure_2016"], "year": [2016], "data": [130.0], "model_median": [128.0],
                  "model_q05": [120.0], "model_q95": [140.0], "tolerance": [10.0]}).to_csv(tmp_path / "fit.csv",
                                                                                       index=False)
    png = draw_fit(tmp_path, "zh", CalibrationConfig.load(None))
    assert png.name == "fit-zh.png"
    svg = (tmp_path / "fit-zh.svg").read_text(encoding="utf-8")
    # the fit is drawn as one panel per target family, titled with the family, years on the axis
    assert "校准拟合" in svg and ">研发经费<" in svg and ">2016<" in svg


def test_a_rolling_origin_reports_its_conditioned_inputs(tmp_path):
    from ecosim.analysis.backtest import ORIGIN_COLUMNS, OriginBacktest
    from ecosim.outputs.backtest import write_origin_backtest

    empty = pd.DataFrame(columns=list(ORIGIN_COLUMNS))
    write_origin_backtest(OriginBacktest(2016, ("gdp", "coal"), empty, pd.DataFrame()), tmp_path)
    meta = json.loads((tmp_path / "backtest.json").read_text())
    assert set(meta["conditioned"]) == {"gdp", "coal"} and "not scored" in meta["conditioned"]["coal"]
    assert not set(meta["variables"]) & {"gdp", "coal_price"}
    write_origin_backtest(OriginBacktest(2016, (), empty, pd.DataFrame()), tmp_path)
    assert json.loads((tmp_path / "backtest.json").read_text())["conditioned"] == {}
