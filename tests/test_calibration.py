"""Calibration: targets and data estimates against the CSV, reproducibility, recovery of a known parameter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ecosim.analysis.calibration import CalibrationResult, Target, history_targets
from ecosim.api.calibration import calibrate, calibration_fit
from ecosim.data import load_region
from ecosim.data.estimates import data_estimates
from ecosim.explore.calibration import CalibrationConfig
from ecosim.outputs.calibration import write_calibration
from ecosim.scenario import ScenarioError

REGION = load_region()
HISTORY = pd.read_csv(REGION.root / "history.csv")


def value(variable: str, year: int, region: str = "shanxi") -> float:
    rows = HISTORY[(HISTORY.region == region) & (HISTORY.variable == variable) & (HISTORY.year == year)]
    return float(rows.value.iloc[0])


def test_targets_are_the_recorded_figures():
    targets = {t.name: t for t in history_targets(REGION, 2016)}
    assert targets["rd_expenditure_2018"].value == 175.8
    assert targets["share_enterprises_2017"].value == pytest.approx(124.3 / 148.2)
    assert targets["share_higher_education_2020"].value == pytest.approx(17.7 / 211.1)
    assert targets["share_government_funded_2020"].value == pytest.approx(27.0 / 211.1)
    assert targets["industrial_firms_doing_rd_2019"].value == 530
    assert targets["hte_recognised_2020"].value == 1423
    assert targets["tech_contracts_bought_2020"].value == 332.3
    assert "industrial_firms_doing_rd_2012" not in targets  # before the base year: not a target
    assert all(2016 <= t.year <= 2020 for t in targets.values())


def test_data_estimates_match_a_hand_computation():
    china = [value("rd_intensity_first_published", y, "china") for y in range(2010, 2021)]
    changes = np.diff(china)
    est = data_estimates(REGION)
    assert est["national_intensity_drift"] == pytest.approx((2.40 - 1.76) / 10)
    assert est["national_intensity_sd"] == pytest.approx(np.std(changes, ddof=1))
    gdp = {2013: value("gdp", 2013), 2019: value("gdp", 2019)}
    gdp.update({y: value("gdp_implied", y) for y in (2011, 2012, 2014, 2015, 2016, 2017, 2018, 2020)})
    growth = np.diff(np.log([gdp[y] for y in range(2011, 2021)]))
    assert est["gdp_remainder_growth"] == pytest.approx(growth.mean())
    assert est["gdp_remainder_growth"] == pytest.approx(np.log(17592 / 11228) / 9)
    # coal-price AR(1) by the normal equations: slope = cov(x, y) / var(x) of consecutive log prices
    coal = pd.read_csv(REGION.root / "coal_price.csv", comment="#")
    log_price = np.log(coal.sort_values("year")["price_usd_per_tonne"].to_numpy())
    x, y = log_price[:-1], log_price[1:]
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    assert est["coal_price_persistence"] == pytest.approx(slope)
    assert est["coal_price_log_mean"] == pytest.approx((y.mean() - slope * x.mean()) / (1 - slope))
    assert coal["year"].min() == 2005 and coal["year"].max() == 2020


def test_data_estimates_cut_at_an_origin_use_no_later_year():
    early = data_estimates(REGION, 2014)
    china = [value("rd_intensity_first_published", y, "china") for y in range(2010, 2015)]
    assert early["national_intensity_drift"] == pytest.approx((china[-1] - china[0]) / 4)
    assert early["gdp_remainder_growth"] == pytest.approx(np.log(value("gdp_implied", 2014) / value("gdp_implied", 2011)) / 3)
    assert early != data_estimates(REGION, 2020)


def _tiny(tmp_path: Path, workers: int = 1, draws: int = 8) -> CalibrationConfig:
    path = tmp_path / f"cal-{workers}-{draws}.toml"
    path.write_text(f"""
name = "tiny"
seed = 5
draws = {draws}
replications = 1
accept = 0.25
workers = {workers}
error_replications = 40
[parameters]
rd_adjustment_speed = {{}}
rd_user_cost_elasticity = {{ low = 0.5, high = 1.2 }}
""")
    return CalibrationConfig.load(path)


@pytest.fixture(scope="module")
def tiny_serial(tmp_path_factory) -> CalibrationResult:
    """The tiny calibration run in this process (workers = 1): the reference of the executor tests."""
    return calibrate(_tiny(tmp_path_factory.mktemp("serial"), 1))


def _assert_identical(one: CalibrationResult, other: CalibrationResult) -> None:
    """Bit for bit the same draws, moments, posterior, estimates and parameter file."""
    np.testing.assert_array_equal(one.moments, other.moments)
    pd.testing.assert_frame_equal(one.draws, other.draws, check_exact=True)
    pd.testing.assert_frame_equal(one.posterior, other.posterior, check_exact=True)
    assert one.point == other.point
    assert one.estimates == other.estimates and one.model_error == other.model_error
    strip = lambda text: [l for l in text.splitlines() if not l.startswith(("date", "runtime", "config "))]
    assert strip(one.parameter_file()) == strip(other.parameter_file())


def test_same_config_same_parameters_whatever_the_workers(tiny_serial: CalibrationResult, tmp_path: Path):
    again = calibrate(_tiny(tmp_path, 1))
    calls: list[tuple[int, int]] = []
    two = calibrate(_tiny(tmp_path, 2), progress=lambda done, total: calls.append((done, total)))
    _assert_identical(tiny_serial, again)
    _assert_identical(tiny_serial, two)
    # 8 draws on 2 processes: a chunk of 1 draw each, progress reported as each ends
    assert calls == [(n, 8) for n in range(1, 9)]
    assert tiny_serial.draws["rd_user_cost_elasticity"].between(0.5, 1.2).all()
    assert tiny_serial.draws["accepted"].sum() == 2


def test_a_local_dask_cluster_gives_the_same_calibration(tiny_serial: CalibrationResult, tmp_path: Path):
    calls: list[tuple[int, int]] = []
    on_dask = calibrate(_tiny(tmp_path, 2), progress=lambda done, total: calls.append((done, total)), dask="local")
    _assert_identical(tiny_serial, on_dask)
    assert calls[-1] == (8, 8)


def test_calibrate_optimize_and_backtest_take_dask_on_the_command_line(tmp_path: Path, monkeypatch):
    import ecosim.cli.calibrate as calibrate_cli
    import ecosim.cli.optimize as optimize_cli
    from ecosim.cli import _parser

    class Called(Exception):
        pass

    def capture(*args, **kwargs):
        raise Called(kwargs.get("dask"))

    monkeypatch.setattr(calibrate_cli, "calibrate", capture)
    monkeypatch.setattr(optimize_cli, "optimize", capture)
    monkeypatch.setattr("ecosim.api.backtest.calibrate", capture)  # the rolling origin recalibrates
    config = str(_tiny(tmp_path, 1).source)
    for argv, dask in ((["calibrate", config], None), (["calibrate", config, "--workers", "2", "--dask"], "local"),
                       (["calibrate", config, "--dask", "tcp://127.0.0.1:8786"], "tcp://127.0.0.1:8786"),
                       (["optimize", "baseline", "--target-probability", "0.5", "--dask"], "local"),
                       (["optimize", "baseline", "--target-probability", "0.5"], None),
                       (["backtest", "--origin", "2016", "--calibration", config, "--dask"], "local"),
                       (["backtest", "--origin", "2016", "--calibration", config, "--workers", "2"], None)):
        args = _parser().parse_args(argv)
        with pytest.raises(Called) as called:
            args.command(args)
        assert called.value.args[0] == dask, argv


def test_abc_recovers_a_known_parameter(tmp_path: Path):
    """Make 'data' with the model at a known adjustment speed, then calibrate that one parameter."""
    from ecosim.explore.runs import run_seed
    from ecosim.model import resolve, simulate
    from ecosim.scenario import load_scenario
    from ecosim.assumptions import catalogue_defaults

    truth = 0.35
    config = _tiny(tmp_path, 1, draws=32)
    config.parameters = {"rd_adjustment_speed": (0.15, 0.5)}
    scenario = load_scenario("baseline").with_changes({"base_year": 2011, "parameter_uncertainty": False,
                                                       "policy_start_year": 2021}).until(2020)  # the recorded policy
    inputs = resolve(scenario, {**catalogue_defaults(), **data_estimates(REGION), "rd_adjustment_speed": truth,
                                "rd_common_shock_sd": 0.0})
    table = simulate(inputs, run_seed(config.seed, 0, 0))
    targets = [Target(f"rd_{y}", "rd_expenditure", y, float(table.loc[table.year == y, "rd_expenditure"].iloc[0]),
                      1.0, "synthetic") for y in range(2012, 2021)]
    result = calibrate(config, targets=targets)
    assert abs(result.point["rd_adjustment_speed"] - truth) < 0.05
    post = result.posterior["rd_adjustment_speed"]
    assert post.min() <= truth <= post.max()


def test_bad_config_names_file_and_field(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text('draws = 4\n[parameters]\nrd_adjustment_speed = {}\n')
    with pytest.raises(ScenarioError) as caught:
        CalibrationConfig.load(bad)
    assert caught.value.field == "draws" and str(bad) in str(caught.value)
    bad.write_text('[parameters]\nrd_adjustment_speed = { low = 0.0, high = 0.5 }\n')
    with pytest.raises(ScenarioError) as caught:
        CalibrationConfig.load(bad)
    assert caught.value.field == "parameters.rd_adjustment_speed" and "0.15 to 0.5" in caught.value.message
    bad.write_text('[parameters]\nno_such_thing = {}\n')
    with pytest.raises(ScenarioError) as caught:
        CalibrationConfig.load(bad)
    assert caught.value.field == "parameters.no_such_thing"


def test_shipped_parameter_file_is_loaded_by_default():
    path = REGION.root / "calibration.toml"
    if not path.exists():
        pytest.skip("no calibration shipped")
    import tomllib

    shipped = tomllib.loads(path.read_text())
    assert "date" in shipped["meta"] and "config" in shipped["meta"]
    for name, value in shipped["assumptions"].items():
        assert REGION.calibrated[name] == pytest.approx(value)
        assert REGION.defaults()[name] == pytest.approx(value)


def test_write_gives_the_parameter_file_posterior_fit_table_and_chart(tiny_serial: CalibrationResult, tmp_path: Path):
    import tomllib

    result = tiny_serial
    paths = write_calibration(result, tmp_path / "out", calibration_fit(result, 3))
    shipped = tomllib.loads(paths["parameters"].read_text())
    assert shipped["meta"]["draws"] == 8 and shipped["meta"]["accepted"] == 2
    assert shipped["assumptions"]["rd_adjustment_speed"] == pytest.approx(result.point["rd_adjustment_speed"])
    assert shipped["assumptions"]["national_intensity_drift"] == pytest.approx(0.064)
    posterior = pd.read_csv(paths["posterior"])
    assert list(posterior.columns) == ["rd_adjustment_speed", "rd_user_cost_elasticity"] and len(posterior) == 2
    fit = pd.read_csv(paths["fit"])
    assert (fit["model_q05"] <= fit["model_median"]).all() and (fit["model_median"] <= fit["model_q95"]).all()
    assert fit.loc[fit["target"] == "rd_expenditure_2018", "data"].iloc[0] == 175.8
    assert paths["chart"].exists() and paths["chart"].with_suffix(".svg").exists()


def test_model_error_makes_next_years_rd_growth_as_uncertain_as_the_record():
    """The shock's sd is set so that, in the forecast from the last calibration year, the 90% range
    of the first year's growth of total R&D is as wide as a normal's with the target spread (the
    larger of the fit's residual sd and the recorded sd of yearly growth). Checked on 300 seeds the
    estimate did not use: the normal-equivalent spread (90% range / 3.29) is within 20% of the
    target (sampling error of two 90% ranges from 200 and 300 draws: about 7%), and at least 80% of
    the recorded sd worked out here from history.csv (the target never goes below it)."""
    from ecosim.explore.calibration import _forecast_scenario
    from ecosim.explore.runs import run_seed
    from ecosim.model import resolve, simulate

    config = CalibrationConfig(draws=16, replications=1, accept=0.25, workers=1, error_replications=200,
                               parameters={"rd_catch_up_rate": (0.0, 0.12)})
    result = calibrate(config, last_year=2016)
    sd = result.estimates["rd_common_shock_sd"]
    rd = REGION.series("rd_expenditure")
    recorded = np.diff(np.log([rd[y] for y in range(2011, 2017)])).std(ddof=1)
    target = result.model_error["target_spread"]
    assert target >= recorded - 1e-12
    shocked = resolve(_forecast_scenario(config, 2016), {**result.history_assumptions(), "rd_common_shock_sd": sd})
    growth = [np.diff(np.log(simulate(shocked, run_seed(424242, 0, r))["rd_expenditure"].to_numpy()))[0]
              for r in range(300)]
    q05, q95 = np.quantile(growth, [0.05, 0.95])
    spread = (q95 - q05) / (2 * 1.6448536)
    assert abs(spread - target) <= 0.2 * target
    assert spread >= 0.8 * recorded
