"""Backtest harness: checked on synthetic actuals made by the model itself, never on real post-2020 data.

The 'actuals' are one replication of the built-in actual-2021-2024 scenario run to 2023 with a
known seed; the naive forecasts are recomputed here from the default bundle's ``history.csv``
(``ecosim/data/regions/shanxi/``) read independently, and every score is recomputed from the written
``backtest.csv``.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from ecosim.api.backtest import backtest
from ecosim.api.forecast import forecast
from ecosim.cli.backtest import register
from ecosim.data import load_region
from ecosim.explore.backtest import backtest_scenario
from ecosim.scenario import load_scenario

SEED = 20210511
REPS = 20
SCENARIO = "actual-2021-2024"
YEARS = (2021, 2022, 2023)
VARIABLES = {  # (region, variable in the actuals file) -> model column
    ("shanxi", "rd_expenditure"): "rd_expenditure",
    ("shanxi", "rd_intensity_first_published"): "rd_intensity",
    ("shanxi", "gdp"): "gdp",
    ("shanxi", "rd_by_enterprises"): "rd_by_enterprises",
    ("china", "rd_intensity_first_published"): "national_rd_intensity",
}
EXTRA = [  # rows the harness must skip and report
    {"region": "shanxi", "year": 2022, "variable": "patents_granted", "value": 1.0, "unit": "count", "source": "test"},
    {"region": "shanxi", "year": 2020, "variable": "rd_expenditure", "value": 211.1, "unit": "100m_yuan",
     "source": "test"},
]


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ecosim")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.command(args)


def _raw_history() -> pd.DataFrame:
    return pd.read_csv(load_region().root / "history.csv")


def _history(region: str, variable: str) -> dict[int, float]:
    h = _raw_history()
    if region == "shanxi" and variable == "gdp":
        rows = h[(h.region == "shanxi") & h.variable.isin(["gdp", "gdp_implied"])]
        rows = rows.sort_values("variable", key=lambda s: s.map({"gdp_implied": 0, "gdp": 1}))
        return {int(y): float(v) for y, v in zip(rows.year, rows.value)}  # gdp overrides gdp_implied
    rows = h[(h.region == region) & (h.variable == variable)]
    return {int(y): float(v) for y, v in zip(rows.year, rows.value)}


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    scenario = load_scenario(SCENARIO).with_changes(horizon=2023, target={"year": 2023})
    run = forecast(scenario, 1, SEED).years
    rows = []
    for (region, variable), column in VARIABLES.items():
        for year in YEARS:
            value = float(run.loc[run["year"] == year, column].iloc[0])
            rows.append({"region": region, "year": year, "variable": variable, "value": value,
                         "unit": "u", "source": "synthetic"})
    return pd.DataFrame(rows + EXTRA)


@pytest.fixture(scope="module")
def actuals_csv(synthetic, tmp_path_factory):
    path = tmp_path_factory.mktemp("actuals") / "actuals.csv"
    synthetic.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def cli_run(actuals_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    code = _cli(["backtest", "--actuals", str(actuals_csv), "--replications", str(REPS), "--seed", str(SEED),
                 "--out", str(out)])
    return code, out


@pytest.fixture(scope="module")
def table(cli_run) -> pd.DataFrame:
    return pd.read_csv(cli_run[1] / "backtest.csv")


@pytest.fixture(scope="module")
def scores(cli_run) -> dict:
    return json.loads((cli_run[1] / "backtest.json").read_text())


def test_cli_writes_csv_json_and_charts(cli_run, scores):
    code, out = cli_run
    assert code == 0
    for region, variable in VARIABLES:
        for ext in ("png", "svg"):
            assert (out / f"{region}-{variable}.{ext}").stat().st_size > 0
    assert scores["scenario"] == SCENARIO and scores["replications"] == REPS and scores["seed"] == SEED
    assert scores["condition_on"] is None
    assert scores["horizon"] == 2023 and scores["target_year"] == 2023  # target year moved into the horizon
    assert set(scores["probability_target_met"]) == {str(y) for y in YEARS}
    assert all(0.0 <= p <= 1.0 for p in scores["probability_target_met"].values())


def test_one_row_per_region_variable_year_with_ordered_quantiles(table):
    keys = list(zip(table.region, table.variable, table.year))
    assert len(keys) == len(set(keys)) == len(VARIABLES) * len(YEARS)
    assert set(keys) == {(r, v, y) for r, v in VARIABLES for y in YEARS}
    assert (table.q05 <= table.q25).all() and (table.q25 <= table["median"]).all()
    assert (table["median"] <= table.q75).all() and (table.q75 <= table.q95).all()
    assert dict(zip(zip(table.region, table.variable), table.model_column)) == VARIABLES


def test_actuals_read_back(table, synthetic):
    merged = table.merge(synthetic, on=["region", "variable", "year"])
    assert len(merged) == len(table)
    np.testing.assert_allclose(merged["actual"], merged["value"], rtol=1e-12)


def test_random_walk_is_the_2020_history_value(table):
    for (region, variable), rows in table.groupby(["region", "variable"]):
        expected = _history(region, variable)[2020]
        np.testing.assert_allclose(rows.random_walk, expected, rtol=1e-12)
    assert table.loc[table.variable == "gdp", "random_walk"].iloc[0] == 17592  # gdp_implied: no gdp in 2020
    assert table.loc[table.variable == "rd_expenditure", "random_walk"].iloc[0] == 211.1


def test_linear_trend_is_least_squares_over_2015_2020(table):
    for (region, variable), rows in table.groupby(["region", "variable"]):
        h = _history(region, variable)
        years = [y for y in sorted(h) if 2015 <= y <= 2020]
        slope, intercept = np.polyfit(years, [h[y] for y in years], 1)
        np.testing.assert_allclose(rows.linear_trend, slope * rows.year + intercept, rtol=1e-9)


def test_mae_and_coverage_recomputed_from_csv(table, scores):
    for (region, variable), rows in table.groupby(["region", "variable"]):
        s = scores["variables"][f"{region}/{variable}"]
        assert s["n"] == len(rows)
        for column, key in (("median", "mae_model_median"), ("random_walk", "mae_random_walk"),
                            ("linear_trend", "mae_linear_trend")):
            assert s[key] == pytest.approx(np.mean(np.abs(rows[column] - rows.actual)), rel=1e-12)
        inside = (rows.q05 <= rows.actual) & (rows.actual <= rows.q95)
        assert s["coverage_90"] == pytest.approx(inside.mean())
        assert (rows.inside_90 == inside).all()
        for naive in ("random_walk", "random_walk_drift"):
            assert s[f"crps_{naive}"] == pytest.approx(rows[f"crps_{naive}"].mean())
            assert s[f"skill_{naive}"] == pytest.approx(1 - rows.crps_model.mean() / rows[f"crps_{naive}"].mean())


def test_unknown_variables_and_calibration_years_are_skipped_and_reported(cli_run, scores, table, capsys):
    skipped = {(e["region"], e["variable"], e["year"]) for e in scores["skipped"]}
    assert skipped == {("shanxi", "patents_granted", 2022), ("shanxi", "rd_expenditure", 2020)}
    assert 2020 not in set(table.year) and "patents_granted" not in set(table.variable)
    assert all(e["reason"] for e in scores["skipped"])


def test_skipped_entries_are_printed(synthetic, tmp_path, capsys):
    path = tmp_path / "a.csv"
    synthetic[synthetic.variable.isin(["rd_expenditure", "patents_granted"])].to_csv(path, index=False)
    assert _cli(["backtest", "--actuals", str(path), "--replications", "3", "--seed", str(SEED),
                 "--out", str(tmp_path / "out"), "--no-charts"]) == 0
    printed = capsys.readouterr().out
    assert "skipped: shanxi/patents_granted 2022" in printed and "skipped: shanxi/rd_expenditure 2020" in printed
    assert "shanxi/rd_expenditure" in printed and "MAE" in printed


def test_actual_far_outside_is_outside_the_interval_and_lowers_coverage(synthetic, table, scores):
    key = "shanxi/rd_expenditure"
    rows = table[table.variable == "rd_expenditure"]
    inside_years = rows.loc[rows.inside_90, "year"].tolist()
    year = inside_years[0] if inside_years else 2022
    far = synthetic.copy()
    mask = (far.variable == "rd_expenditure") & (far.year == year)
    far.loc[mask, "value"] *= 10
    result = backtest(far, SCENARIO, REPS, seed=SEED)
    row = result.table[(result.table.variable == "rd_expenditure") & (result.table.year == year)].iloc[0]
    assert row.actual > row.q95 and not row.inside_90
    expected = scores["variables"][key]["coverage_90"] - (1 / 3 if inside_years else 0.0)
    assert result.scores["variables"][key]["coverage_90"] == pytest.approx(expected)
    # the quantiles themselves do not depend on the actuals
    np.testing.assert_allclose(result.table.q05.to_numpy(), table.q05.to_numpy(), rtol=1e-12)


def test_condition_on_gdp_uses_the_actual_gdp_and_national_path(actuals_csv, synthetic, tmp_path):
    out = tmp_path / "cond"
    assert _cli(["backtest", "--actuals", str(actuals_csv), "--replications", "5", "--seed", str(SEED),
                 "--condition-on", "gdp", "--out", str(out), "--no-charts"]) == 0
    t = pd.read_csv(out / "backtest.csv")
    gdp = t[t.variable == "gdp"]
    assert (gdp["median"] == gdp.actual).all() and (gdp.q05 == gdp.actual).all() and (gdp.q95 == gdp.actual).all()
    national = t[t.region == "china"]
    np.testing.assert_array_equal(national["median"], national.actual)
    assert json.loads((out / "backtest.json").read_text())["condition_on"] == "gdp"
    # the API gives the same, exactly, before any CSV round trip
    result = backtest(synthetic, replications=3, condition_on="gdp", seed=SEED)
    g = result.table[result.table.variable == "gdp"]
    assert (g["median"].to_numpy() == g.actual.to_numpy()).all()


def test_condition_on_gdp_falls_back_to_gdp_implied(synthetic):
    implied = synthetic.copy()
    implied.loc[implied.variable == "gdp", "variable"] = "gdp_implied"
    result = backtest(implied[implied.variable.isin(["gdp_implied", "rd_expenditure"])], replications=3,
                      condition_on="gdp", seed=SEED)
    g = result.table[result.table.variable == "gdp_implied"]
    assert len(g) == 3 and (g["median"].to_numpy() == g.actual.to_numpy()).all()


def test_horizon_cut_keeps_scenario_valid():
    cut = backtest_scenario(load_scenario(SCENARIO), 2022)
    assert cut.horizon == 2022 and cut.target.year == 2022
    assert all(max(s) <= 2022 for s in cut.levers.values() if isinstance(s, dict))


@pytest.mark.parametrize("edit, words", [
    (lambda t: t.drop(columns=["value"]), ["missing column", "value"]),
    (lambda t: t.assign(value=t.value.astype(object).where(t.index != 2, "n/a")), ["'value'", "row 3", "n/a"]),
    (lambda t: t.assign(year=t.year.astype(object).where(t.index != 0, "20x1")), ["'year'", "row 1"]),
])
def test_malformed_actuals_exit_2_naming_the_file(synthetic, tmp_path, capsys, edit, words):
    path = tmp_path / "broken-actuals.csv"
    edit(synthetic).to_csv(path, index=False)
    assert _cli(["backtest", "--actuals", str(path), "--replications", "2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err
    for word in words:
        assert word in err
    assert not (tmp_path / "o").exists()


def test_missing_file_and_nothing_known_exit_2(synthetic, tmp_path, capsys):
    assert _cli(["backtest", "--actuals", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    path = tmp_path / "only-unknown.csv"
    pd.DataFrame(EXTRA).to_csv(path, index=False)
    assert _cli(["backtest", "--actuals", str(path), "--replications", "2"]) == 2
    assert "only-unknown.csv" in capsys.readouterr().err


# --- rolling origins inside the history ---------------------------------------------------------

@pytest.fixture(scope="module")
def origin_2016(tmp_path_factory):
    from ecosim.api.backtest import backtest_origin
    from ecosim.api.calibration import calibrate
    from ecosim.explore.calibration import CalibrationConfig

    path = tmp_path_factory.mktemp("origin") / "cal.toml"
    path.write_text('name = "tiny"\nseed = 3\ndraws = 8\nreplications = 1\naccept = 0.5\nworkers = 1\n'
                    'error_replications = 40\n[parameters]\nrd_adjustment_speed = {}\n')
    calibration = calibrate(CalibrationConfig.load(path), last_year=2016)
    return calibration, backtest_origin(2016, calibration, "baseline", replications=12)


def test_origin_calibration_sees_no_year_after_the_origin(origin_2016):
    calibration, _ = origin_2016
    assert calibration.last_year == 2016
    assert max(t.year for t in calibration.targets) == 2016


def test_origin_scores_the_years_after_it_against_the_shipped_history(origin_2016):
    _, result = origin_2016
    table = result.table
    assert sorted(table["year"].unique()) == [2017, 2018, 2019, 2020]
    rd = table[table["variable"] == "rd_expenditure"].set_index("year")
    assert list(rd["actual"]) == [148.2, 175.8, 191.2, 211.1]
    assert (rd["random_walk"] == 132.6).all()  # the 2016 value
    # least squares over 2011-2016 by hand
    years = np.arange(2011, 2017)
    values = np.array([113.4, 132.3, 155.0, 152.2, 132.5, 132.6])
    slope = ((years - years.mean()) * (values - values.mean())).sum() / ((years - years.mean()) ** 2).sum()
    expected = values.mean() + slope * (2019 - years.mean())
    assert rd.loc[2019, "linear_trend"] == pytest.approx(expected)
    # the probabilistic random walks: log changes of the record up to 2016, CRPS by integration
    record = np.log([89.9, 113.4, 132.3, 155.0, 152.2, 132.5, 132.6])  # 2010-2016
    changes = np.diff(record)
    for year in (2017, 2019):
        h = year - 2016
        for drift, column in ((0.0, "crps_random_walk"), (changes.mean(), "crps_random_walk_drift")):
            law = stats.lognorm(s=changes.std(ddof=1) * np.sqrt(h), scale=np.exp(record[-1] + h * drift))
            assert rd.loc[year, column] == pytest.approx(crps_by_integration(law, rd.loc[year, "actual"]), rel=1e-4)
    scores = result.scores()["rd_expenditure"]
    assert scores["skill_random_walk"] == pytest.approx(1 - rd["crps_model"].mean() / rd["crps_random_walk"].mean())
    assert scores["skill_random_walk_drift"] == pytest.approx(
        1 - rd["crps_model"].mean() / rd["crps_random_walk_drift"].mean())
    assert (table["q05"] <= table["median"]).all() and (table["median"] <= table["q95"]).all()
    assert set(result.years["year"]) == set(range(2016, 2021))


def crps_by_integration(law, observed: float) -> float:
    """CRPS from its definition: the integral of (F(x) - 1{x >= observed})^2 over x."""
    below = integrate.quad(lambda x: law.cdf(x) ** 2, law.ppf(1e-12), observed, limit=200)[0]
    above = integrate.quad(lambda x: law.sf(x) ** 2, observed, law.ppf(1 - 1e-12), limit=200)[0]
    return below + above


def test_naive_distributions_are_random_walks_with_the_recorded_spread():
    from ecosim.analysis.backtest import naive_crps, naive_distribution

    history = {2010: 1.0, 2011: 1.5, 2012: 1.7, 2013: 2.3}  # yearly changes 0.5, 0.2, 0.6
    mean, sd = 1.3 / 3, np.std([0.5, 0.2, 0.6], ddof=1)
    assert naive_distribution(history, 2017, drift=False, log=False) == pytest.approx((2.3, sd * 2))
    assert naive_distribution(history, 2017, drift=True, log=False) == pytest.approx((2.3 + 4 * mean, sd * 2))
    law = stats.norm(2.3 + 4 * mean, sd * 2)
    assert naive_crps(3.0, history, 2017, drift=True, log=False) == pytest.approx(crps_by_integration(law, 3.0),
                                                                                 rel=1e-5)
    # a gap in the record is not a yearly change; fewer than two changes give no distribution
    assert np.isnan(naive_distribution({2010: 1.0, 2012: 2.0, 2013: 2.5}, 2015, False, False)[1])
    assert np.isnan(naive_crps(1.0, {2010: 1.0, 2011: -1.0, 2012: 2.0}, 2014, False, log=True))


def test_origin_crps_is_the_ensemble_score():
    import scoringrules

    # CRPS of the ensemble {0, 1, 2} at 1: E|X - y| - E|X - X'| / 2 = 2/3 - (8/9) / 2 = 2/9
    assert float(scoringrules.crps_ensemble(1.0, np.array([0.0, 1.0, 2.0]))) == pytest.approx(2 / 9)


def test_conditional_origin_uses_the_recorded_gdp(origin_2016):
    from ecosim.explore.backtest import origin_inputs

    calibration, _ = origin_2016
    scenario = load_scenario("baseline")
    free = origin_inputs(scenario, 2016, calibration.estimates)
    known = origin_inputs(scenario, 2016, calibration.estimates, ("gdp", "coal"))
    assert max(free.gdp_history) == 2016 and max(free.coal_history) == 2016
    assert known.gdp_history[2019] == 17026.7 and max(known.coal_history) == 2020


def test_origin_out_of_range_exits_2(capsys):
    from ecosim.cli import main

    assert main(["backtest", "--origin", "2009"]) == 2
    assert "--origin" in capsys.readouterr().err
    assert main(["backtest", "--origin", "2016", "--condition-on", "rain"]) == 2
    assert "rain" in capsys.readouterr().err


def test_a_backtest_folder_follows_the_folder_rule(cli_run, actuals_csv, capsys):
    """The same backtest again writes over its results; another (here: another seed) is refused with
    nothing touched unless --force; the manifest lists the files, charts included."""
    code, out = cli_run
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "backtest" and "backtest.csv" in manifest["files"]
    assert any(name.endswith(".png") for name in manifest["files"])
    before = (out / "backtest.csv").read_bytes()
    assert _cli(["backtest", "--actuals", str(actuals_csv), "--replications", str(REPS), "--seed", str(SEED + 1),
                 "--out", str(out), "--no-charts"]) == 2
    assert "the seed has changed" in capsys.readouterr().err
    assert (out / "backtest.csv").read_bytes() == before
