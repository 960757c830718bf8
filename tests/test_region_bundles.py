"""Region bundles as data: pseudo-vintages cut from the shipped record and appended back, re-basing,
a latest year with totals only, a made-up second region, and the commands that read and write bundles.

No outcome after the shipped record's last year is used: every "newer" year here is a year of the
shipped record, cut off and appended back (a pseudo-vintage)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import ecosim
from ecosim.api.calibration import calibrate
from ecosim.explore.calibration import CalibrationConfig
from ecosim.cli import main
from ecosim.data import BUNDLE_FILES, BundleError, load_region, regions_root
from ecosim.explore.runs import run_replications
from ecosim.scenario import ScenarioError, load_scenario

SHIPPED = regions_root() / "shanxi"
PACKAGE = Path(ecosim.__file__).parent


def _rows(path: Path) -> tuple[list[str], list[str], list[dict]]:
    """(comment lines, header, rows as dicts) of a bundle CSV."""
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(body)))
    return comments, list(reader.fieldnames), list(reader)


def _write(path: Path, comments: list[str], header: list[str], rows: list[dict]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text("\n".join(comments + [out.getvalue()]), encoding="utf-8")


def cut_bundle(folder: Path, last: int) -> Path:
    """A copy of the shipped bundle holding only years up to ``last`` (policy periods truncated)."""
    shutil.copytree(SHIPPED, folder)
    for name, column in (("history.csv", "year"), ("coal_price.csv", "year")):
        comments, header, rows = _rows(folder / name)
        _write(folder / name, comments, header, [r for r in rows if int(r[column]) <= last])
    comments, header, rows = _rows(folder / "policy_history.csv")
    kept = []
    for r in rows:
        if int(r["from_year"]) <= last:
            kept.append({**r, "to_year": str(min(int(r["to_year"]), last))})
    _write(folder / "policy_history.csv", comments, header, kept)
    return folder


def append_years(folder: Path, first: int, last: int, keep=lambda row: True) -> None:
    """Append the shipped record's rows of ``first``..``last`` to the bundle, as a planner appends a
    newer year at the end of each file (``keep`` filters history rows)."""
    for name, column in (("history.csv", "year"), ("coal_price.csv", "year")):
        comments, header, rows = _rows(folder / name)
        _, _, shipped = _rows(SHIPPED / name)
        extra = [r for r in shipped if first <= int(r[column]) <= last and (name != "history.csv" or keep(r))]
        _write(folder / name, comments, header, rows + extra)
    comments, header, rows = _rows(folder / "policy_history.csv")
    _, _, shipped = _rows(SHIPPED / "policy_history.csv")
    extra = []
    for r in shipped:
        start, end = max(int(r["from_year"]), first), min(int(r["to_year"]), last)
        if start <= end:
            extra.append({**r, "from_year": str(start), "to_year": str(end)})
    _write(folder / "policy_history.csv", comments, header, rows + extra)


def shipped_value(variable: str, year: int, area: str = "shanxi") -> float:
    """A number read straight from the shipped history.csv, not through the loader."""
    table = pd.read_csv(SHIPPED / "history.csv", comment="#")
    row = table[(table["region"] == area) & (table["variable"] == variable) & (table["year"] == year)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


# --- pseudo-vintages ------------------------------------------------------------------------------


def test_a_bundle_cut_at_2017_with_2018_2020_appended_gives_bit_identical_runs(tmp_path):
    folder = cut_bundle(tmp_path / "vintage", 2017)
    assert load_region(folder).last_year == 2017
    append_years(folder, 2018, 2020)
    region = load_region(folder)
    assert region.last_year == 2020 and region.root == folder.resolve()
    for name in ("baseline", "guiding-opinions"):
        shipped = run_replications(load_scenario(name), 4)
        vintage = run_replications(load_scenario(name, region=folder), 4)
        pd.testing.assert_frame_equal(vintage, shipped, check_exact=True)


def test_a_bundle_cut_at_2017_with_2018_2020_appended_calibrates_to_the_same_estimates(tmp_path):
    folder = cut_bundle(tmp_path / "vintage", 2017)
    append_years(folder, 2018, 2020)
    parameters = {"rd_adjustment_speed": (0.15, 0.5), "spillover_strength": (0.0, 0.8)}
    results = [calibrate(CalibrationConfig(draws=8, replications=1, workers=1, error_replications=20, region=region,
                                           parameters=parameters))
               for region in (None, str(folder))]
    pd.testing.assert_frame_equal(results[0].draws, results[1].draws, check_exact=True)
    assert results[0].estimates == results[1].estimates
    assert results[1].region.root == folder.resolve() and results[1].last_year == 2020


def test_the_cut_bundle_runs_from_its_own_last_year(tmp_path):
    region = load_region(cut_bundle(tmp_path / "cut", 2017))
    scenario = load_scenario("baseline", region=region)
    assert (scenario.base_year, scenario.history_until, scenario.policy_start_year) == (2017, 2017, 2018)
    table = run_replications(scenario, 2)
    first = table[table["year"] == 2017].iloc[0]
    assert first["rd_expenditure"] == pytest.approx(shipped_value("rd_expenditure", 2017), rel=1e-9)


def test_rebasing_the_shipped_record_at_2018_reproduces_the_2018_record():
    region = load_region()
    base = region.base_record(2018)
    rd, intensity = shipped_value("rd_expenditure", 2018), shipped_value("rd_intensity_first_published", 2018)
    gdp = shipped_value("gdp_implied", 2018)
    assert base.rd_total == rd and base.gdp == gdp
    assert abs(100 * base.rd_total / base.gdp - intensity) <= 0.005
    # 2018 has no performer split in the record: the 2017 split (shares of R&D) is carried and said so
    for performer in ("enterprises", "government_institutes", "higher_education"):
        share = shipped_value(f"rd_by_{performer}", 2017) / shipped_value("rd_expenditure", 2017)
        assert base.rd_by_performer[performer] == pytest.approx(share * rd, rel=1e-12)
    assert ("rd_by_performer", 2017, "performer split (shares of R&D) carried forward") in base.carried
    assert base.rd_by_source["government"] == shipped_value("rd_funded_by_government", 2018)
    table = run_replications(load_scenario("baseline").with_changes({"base_year": 2018}), 2)
    first = table[table["year"] == 2018]
    assert (first["rd_expenditure"] - rd).abs().max() < 1e-9 * rd
    assert (first["gdp"] - gdp).abs().max() < 1e-9 * gdp


def test_a_latest_year_with_totals_only_runs_and_says_what_it_carried(tmp_path):
    folder = cut_bundle(tmp_path / "totals", 2019)
    totals = {"rd_expenditure", "rd_intensity_first_published"}
    append_years(folder, 2020, 2020, keep=lambda r: r["region"] == "china" or r["variable"] in totals)
    region = load_region(folder)
    assert region.last_year == 2020
    base = region.base_record(2020)
    carried = {field: year for field, year, _ in base.carried}
    for field in ("rd_funded_by_government", "rd_funded_by_enterprises", "rd_personnel_fte", "rd_by_performer"):
        assert carried[field] == 2019
    rd2019, rd2020 = shipped_value("rd_expenditure", 2019), shipped_value("rd_expenditure", 2020)
    assert base.rd_by_source["government"] == pytest.approx(
        shipped_value("rd_funded_by_government", 2019) / rd2019 * rd2020, rel=1e-12)
    assert base.rd_personnel_fte == shipped_value("rd_personnel_fte", 2019)
    lists = [shipped_value("high_tech_enterprises_recognised_in_year", y) for y in (2018, 2019)]
    assert base.hte_stock == lists[0] + 2 * lists[1]  # three-year certificates: 2018, 2019 and 2019's again
    assert carried["high_tech_enterprises_recognised_in_year"] == 2019
    assert base.gdp == pytest.approx(rd2020 / shipped_value("rd_intensity_first_published", 2020) * 100, rel=1e-12)
    out = tmp_path / "run"
    assert main(["run", "--region", str(folder), "--replications", "3", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    listed = {entry["field"]: entry["from_year"] for entry in summary["base_year_record"]["carried_forward"]}
    assert listed["rd_funded_by_government"] == 2019 and summary["base_year_record"]["year"] == 2020


def test_levers_after_the_record_hold_their_last_recorded_value(tmp_path):
    folder = cut_bundle(tmp_path / "policy", 2018)
    region = load_region(folder)
    scenario = ecosim.Scenario.from_dict({"region": str(folder), "base_year": 2016})
    path = dict(zip(scenario.years, scenario.lever_path("rd_reward_rate")))
    assert path[2016] == 0.0 and path[2018] == path[2024] == region.lever_history["rd_reward_rate"][2018] == 0.02


def test_the_baseline_holds_the_policy_in_force_in_its_base_year():
    region = load_region()
    rebased = load_scenario("baseline").with_changes({"base_year": 2016})
    assert rebased.policy_start_year == 2017
    for lever in ("rd_reward_rate", "rd_super_deduction_rate", "platforms"):
        path = rebased.lever_path(lever)
        assert (path == region.lever_history[lever][2016]).all(), lever
    # from the last recorded year, holding the base year's policy is the record's last value
    latest = load_scenario("baseline")
    assert all((latest.lever_path(n) == region.lever_history[n][2020]).all() for n in region.lever_history)


# --- scenarios and the record --------------------------------------------------------------------


def test_base_year_latest_and_the_allowed_range_come_from_the_region(tmp_path):
    region = load_region(cut_bundle(tmp_path / "cut", 2016))
    assert load_scenario("baseline", region=region).base_year == 2016
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", region=region).with_changes({"base_year": 2018})
    assert caught.value.field == "base_year" and "2011 to 2016" in caught.value.message


def test_a_policy_starting_at_or_before_the_base_year_is_refused():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline").with_changes({"base_year": 2018, "policy_start_year": 2018})
    assert caught.value.field == "policy_start_year" and "not after base_year 2018" in caught.value.message


def test_the_target_year_moves_to_the_horizon_when_the_question_year_is_not_after_the_base_year(tmp_path):
    raw = (SHIPPED / "region.toml").read_text(encoding="utf-8").replace("target_year = 2024", "target_year = 2016")
    folder = tmp_path / "question"
    shutil.copytree(SHIPPED, folder)
    (folder / "region.toml").write_text(raw, encoding="utf-8")
    scenario = load_scenario("baseline", region=folder)
    assert scenario.target.year == scenario.horizon == 2030
    assert ecosim.Scenario.from_dict({"base_year": 2014, "region": str(folder)}).target.year == 2016


# --- a second, made-up region ----------------------------------------------------------------------


def made_up_region(folder: Path, calibrated: bool = True) -> Path:
    """The shipped bundle renamed: its own code and display names; its calibration copied or left out."""
    shutil.copytree(SHIPPED, folder)
    if not calibrated:
        for name in ("calibration.toml", "calibration_posterior.csv"):
            (folder / name).unlink()
    text = (folder / "region.toml").read_text(encoding="utf-8")
    text = re.sub(r'^id = "shanxi"', 'id = "testland"', text, flags=re.M)
    text = text.replace('name_en = "Shanxi"', 'name_en = "Testland"').replace('name_zh = "山西"', 'name_zh = "测试省"')
    (folder / "region.toml").write_text(text, encoding="utf-8")
    history = (folder / "history.csv").read_text(encoding="utf-8")
    (folder / "history.csv").write_text(re.sub(r"^shanxi,", "testland,", history, flags=re.M), encoding="utf-8")
    return folder


def test_a_made_up_region_runs_and_its_results_equal_the_shipped_ones(tmp_path):
    folder = made_up_region(tmp_path / "testland")
    region = load_region(folder)
    assert (region.key, region.name("en"), region.name("zh")) == ("testland", "Testland", "测试省")
    shipped = run_replications(load_scenario("baseline"), 3)
    renamed = run_replications(load_scenario("baseline", region=folder), 3)
    pd.testing.assert_frame_equal(renamed, shipped, check_exact=True)


def test_no_python_file_of_the_package_names_the_built_in_region():
    region = load_region()
    words = {region.key, region.name("en"), region.name("zh")}
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    offenders = [f"{path.relative_to(PACKAGE)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


# --- the commands ------------------------------------------------------------------------------


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_data_init_copies_a_bundle_and_data_check_describes_it(tmp_path, capsys):
    folder = tmp_path / "mine"
    assert main(["data", "init", str(folder), "--from", "shanxi"]) == 0
    assert {p.name for p in folder.iterdir()} >= set(BUNDLE_FILES)
    assert main(["data", "check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "base years possible: 2011 to 2020" in out and "calibration window: 2011 to 2020" in out
    assert "above_scale_industrial_firms_with_rd: from 2019" in out
    assert main(["data", "init", str(folder)]) == 2  # not over a bundle already there
    assert "not empty" in capsys.readouterr().err


def test_data_check_on_a_broken_bundle_exits_2_naming_file_line_and_column(tmp_path, capsys):
    folder = tmp_path / "broken"
    shutil.copytree(SHIPPED, folder)
    lines = (folder / "history.csv").read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("shanxi,2015,rd_expenditure,"))
    lines[number] = lines[number].replace(",132.5,", ",n/a,")
    (folder / "history.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["data", "check", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "history.csv" in err and f"line {number + 1}, column value" in err and "not a number" in err
    assert "Traceback" not in err


def test_a_broken_bundle_stops_a_run_before_anything_is_written(tmp_path, capsys):
    folder = tmp_path / "broken"
    shutil.copytree(SHIPPED, folder)
    text = (folder / "policy_history.csv").read_text(encoding="utf-8")
    (folder / "policy_history.csv").write_text(text.replace("platforms,2018,2020,50", "platform,2018,2020,50"),
                                               encoding="utf-8")
    out = tmp_path / "run"
    assert main(["run", "--region", str(folder), "--replications", "2", "--out", str(out)]) == 2
    assert "unknown lever 'platform'" in capsys.readouterr().err
    assert not out.exists()


def test_calibrate_install_writes_into_the_bundle_never_into_the_package(tmp_path, capsys):
    shipped = _digest(SHIPPED)
    assert main(["calibrate", "--install", "--out", str(tmp_path / "c")]) == 2
    assert "built into the package" in capsys.readouterr().err
    folder = cut_bundle(tmp_path / "mine", 2016)
    (folder / "calibration.toml").unlink()
    (folder / "calibration_posterior.csv").unlink()
    config = tmp_path / "small.toml"
    config.write_text('draws = 8\nreplications = 1\nworkers = 1\nerror_replications = 20\n'
                      '[parameters]\nrd_adjustment_speed = {}\nspillover_strength = {}\n', encoding="utf-8")
    with pytest.warns(UserWarning):
        assert main(["calibrate", str(config), "--region", str(folder), "--install",
                     "--out", str(tmp_path / "c2")]) == 0
    assert _digest(SHIPPED) == shipped
    region = load_region(folder)
    assert region.has_own_calibration and region.calibration_meta["last_year"] == 2016
    assert set(region.calibrated) >= {"rd_adjustment_speed", "spillover_strength", "gdp_remainder_growth"}
    assert region.posterior is not None and list(region.posterior.columns) == ["rd_adjustment_speed",
                                                                              "spillover_strength"]


@pytest.mark.filterwarnings("ignore::UserWarning")  # the made-up bundle has no calibration until it gets one
def test_a_made_up_region_runs_end_to_end_from_the_command_line_and_is_named(tmp_path):
    from ecosim.charts.fonts import has_cjk_font

    folder = made_up_region(tmp_path / "testland", calibrated=False)
    out = tmp_path / "run"
    assert main(["run", "--region", str(folder), "--replications", "3", "--out", str(out)]) == 0
    assert 'region = "' + str(folder.resolve()) + '"' in (out / "scenario.toml").read_text(encoding="utf-8")
    langs = ("en", "zh") if has_cjk_font() else ("en",)
    for lang in langs:
        assert main(["plot", str(out), "--kind", "fan", "--lang", lang, "--format", "svg"]) == 0
        assert main(["report", str(out), "--lang", lang]) == 0
    name = {"en": "Testland", "zh": "测试省"}
    for lang in langs:
        suffix = "" if lang == "en" else "-zh"
        svg = (out / f"fan{suffix}.svg").read_text(encoding="utf-8")
        brief = (out / f"report{suffix}.html").read_text(encoding="utf-8")
        assert name[lang] in svg and name[lang] in brief
        assert load_region().name(lang) not in svg
    config = tmp_path / "small.toml"
    config.write_text('draws = 8\nreplications = 1\nworkers = 1\nerror_replications = 20\n'
                      '[parameters]\nrd_adjustment_speed = {}\n', encoding="utf-8")
    assert main(["calibrate", str(config), "--region", str(folder), "--install", "--out", str(tmp_path / "cal")]) == 0
    calibrated = load_region(folder)
    assert calibrated.has_own_calibration and calibrated.calibration_meta["region"] == "testland"


def test_a_scenario_file_names_its_region_relative_to_its_own_folder(tmp_path, monkeypatch):
    folder = cut_bundle(tmp_path / "plans" / "bundle", 2018)
    (tmp_path / "plans" / "mix.toml").write_text('region = "bundle"\nname = "mix"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(tmp_path / "plans" / "mix.toml")
    assert scenario.region.root == folder.resolve() and scenario.base_year == 2018
    assert load_scenario(tmp_path / "plans" / "mix.toml", region="shanxi").base_year == 2020


@pytest.mark.parametrize("file, area", [("history.csv", "china"), ("coal_price.csv", None)])
def test_a_record_longer_than_the_benchmark_or_the_coal_price_is_refused(tmp_path, file, area):
    folder = cut_bundle(tmp_path / "short", 2019)
    append_years(folder, 2020, 2020)
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    keep = [line for line in lines if not (line.startswith("2020,") if area is None
                                           else line.startswith(f"{area},2020,rd_intensity_first_published"))]
    assert len(keep) == len(lines) - 1
    (folder / file).write_text("\n".join(keep) + "\n", encoding="utf-8")
    with pytest.raises(BundleError) as caught:
        load_region(folder)
    assert Path(caught.value.source).name == file and "ends in 2019" in caught.value.message


def test_a_bundle_without_calibration_borrows_behaviour_but_not_the_exogenous_paths(tmp_path):
    from ecosim.data.estimates import data_estimates

    folder = cut_bundle(tmp_path / "short", 2016)
    for name in ("calibration.toml", "calibration_posterior.csv"):
        (folder / name).unlink()
    with pytest.warns(UserWarning, match="no calibration of its own"):
        region = load_region(folder)
    built_in, own = load_region(), data_estimates(region)
    defaults = region.defaults()
    assert not region.has_own_calibration and region.calibrated == built_in.calibrated
    assert all(defaults[name] == value for name, value in own.items())
    # the GDP trend is the cut record's own (2011-2016), not the built-in calibration's (2011-2020)
    gdp = [region.gdp[y] for y in (2011, 2016)]
    assert defaults["gdp_remainder_growth"] == pytest.approx((np.log(gdp[1]) - np.log(gdp[0])) / 5, rel=1e-12)
    assert defaults["gdp_remainder_growth"] != built_in.defaults()["gdp_remainder_growth"]
    behaviour = set(built_in.calibrated) - set(own)
    assert behaviour and all(defaults[name] == built_in.calibrated[name] for name in behaviour)
