"""Malformed region bundles: every way a planner editing a spreadsheet can break one is refused.

Each case copies the built-in bundle into a fresh folder, breaks one thing the way a hand edit (often
in Excel) would, and checks that :func:`ecosim.data.load_region` raises :class:`BundleError` naming
the file, the line and column (or the field) and the rule. Line numbers are computed from the file
the test wrote. Positive cases check that a byte-order mark, Windows line ends, reordered rows and
columns, comments and rounding inside the tolerance are accepted and change nothing.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from pathlib import Path

import pytest

from ecosim.data import BUNDLE_FILES, load_region, regions_root
from ecosim.data.bundle import INTENSITY_TOLERANCE, VARIABLES, BundleError, last_publishable_year
from ecosim.errors import ScenarioError
from ecosim.scenario import load_scenario

SHANXI = regions_root() / "shanxi"
FUTURE = max(2031, last_publishable_year() + 1)
"""A year whose statistics cannot exist yet."""


class Bundle:
    """A copy of the built-in bundle in a fresh folder, with helpers to break one thing in it."""

    def __init__(self, folder: Path):
        self.root = folder / "bundle"
        shutil.copytree(SHANXI, self.root)

    # --- reading and writing files as lines ---------------------------------------------------

    def path(self, name: str) -> Path:
        return self.root / name

    def lines(self, name: str) -> list[str]:
        return self.path(name).read_text(encoding="utf-8").split("\n")

    def write(self, name: str, lines: list[str]) -> None:
        self.path(name).write_text("\n".join(lines), encoding="utf-8")

    def find(self, name: str, prefix: str) -> int:
        """The 0-based index of the one line of ``name`` starting with ``prefix``."""
        found = [i for i, line in enumerate(self.lines(name)) if line.startswith(prefix)]
        assert len(found) == 1, f"{prefix!r} is on {len(found)} lines of {name}"
        return found[0]

    def header(self, name: str) -> list[str]:
        line = next(l for l in self.lines(name) if l.strip() and not l.startswith("#"))
        return next(csv.reader([line]))

    # --- one edit each; each returns the 1-based line number it touched ----------------------

    def set_cell(self, name: str, prefix: str, column: str, value: str) -> int:
        """Give one cell a new value, written as a spreadsheet writes CSV (quoted where needed)."""
        lines = self.lines(name)
        i = self.find(name, prefix)
        cells = next(csv.reader([lines[i]]))
        cells[self.header(name).index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        lines[i] = out.getvalue()
        self.write(name, lines)
        return i + 1

    def replace_line(self, name: str, prefix: str, new: str) -> int:
        lines = self.lines(name)
        i = self.find(name, prefix)
        lines[i] = new
        self.write(name, lines)
        return i + 1

    def delete(self, name: str, keep_out) -> list[int]:
        """Delete every line for which ``keep_out(line)`` is true; the line numbers deleted."""
        lines = self.lines(name)
        gone = [i + 1 for i, line in enumerate(lines) if keep_out(line)]
        assert gone, f"nothing to delete in {name}"
        self.write(name, [line for line in lines if not keep_out(line)])
        return gone

    def append(self, name: str, new: str) -> int:
        lines = self.lines(name)
        while lines and lines[-1] == "":
            lines.pop()
        lines.append(new)
        self.write(name, [*lines, ""])
        return len(lines)

    def replace_text(self, name: str, old: str, new: str) -> None:
        text = self.path(name).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not once in {name}"
        self.path(name).write_text(text.replace(old, new), encoding="utf-8")

    # --- the check --------------------------------------------------------------------------

    def refused(self, name: str, field: str, *words: str) -> BundleError:
        """load_region refuses the bundle naming file ``name``, ``field`` and every word of the rule."""
        with pytest.raises(BundleError) as caught:
            load_region(self.root)
        error = caught.value
        assert Path(error.source).resolve() == self.path(name).resolve(), str(error)
        assert error.field == field, str(error)
        for word in words:
            assert word in error.message, f"{word!r} not in: {error}"
        assert str(error) == f"{error.source}: {error.field}: {error.message}"
        return error


@pytest.fixture
def b(tmp_path: Path) -> Bundle:
    return Bundle(tmp_path)


def record(region) -> dict:
    """Everything a region reads from history.csv, by (area, variable), plus the derived years."""
    series = {(area, v): region.series(v, area) for v in VARIABLES for area in (region.key, region.benchmark)}
    return {"series": series, "gdp": region.gdp, "last_year": region.last_year,
            "first_base_year": region.first_base_year}


# === history.csv: cells ===========================================================================


@pytest.mark.parametrize("value", ["about 150", "#N/A", "n/a", "１５２.2元"])
def test_history_text_where_a_number_belongs(b, value):
    line = b.set_cell("history.csv", "shanxi,2014,rd_expenditure,", "value", value)
    b.refused("history.csv", f"line {line}, column value", "is not a number", "100m_yuan")


def test_history_empty_value_cell(b):
    line = b.set_cell("history.csv", "shanxi,2016,rd_funded_by_government,", "value", "")
    b.refused("history.csv", f"line {line}, column value", "is empty")


def test_history_thousands_separator_quoted(b):
    line = b.set_cell("history.csv", "shanxi,2015,rd_personnel_fte,", "value", "42,873")
    assert '"42,873"' in b.lines("history.csv")[line - 1]
    b.refused("history.csv", f"line {line}, column value", "thousands separator", "42,873")


def test_history_thousands_separator_with_decimals(b):
    line = b.set_cell("history.csv", "china,2010,rd_expenditure,", "value", "7,062.6")
    b.refused("history.csv", f"line {line}, column value", "thousands separator")


def test_history_percent_sign(b):
    line = b.set_cell("history.csv", "shanxi,2014,rd_intensity_first_published,", "value", "1.19%")
    b.refused("history.csv", f"line {line}, column value", "percent sign", "1.19%")


@pytest.mark.parametrize("prefix, unit, right", [
    ("shanxi,2014,rd_expenditure,", "亿元", "100m_yuan"),
    ("shanxi,2014,rd_intensity_first_published,", "percent", "percent_of_gdp"),
    ("shanxi,2014,rd_personnel_fte,", "persons", "person_years"),
])
def test_history_unit_not_the_variables(b, prefix, unit, right):
    line = b.set_cell("history.csv", prefix, "unit", unit)
    b.refused("history.csv", f"line {line}, column unit", "is not the unit of", right)


def test_history_negative_amount(b):
    line = b.set_cell("history.csv", "shanxi,2017,rd_funded_by_government,", "value", "-21.8")
    b.refused("history.csv", f"line {line}, column value", "negative amount")


@pytest.mark.parametrize("value", ["0", "100"])
def test_history_participation_share_at_zero_or_a_hundred(b, value):
    """The nation's share of industrial firms doing R&D enters as log-odds: 0% and 100% have none."""
    line = b.set_cell("history.csv", "china,2015,share_industrial_firms_with_rd,", "value", value)
    b.refused("history.csv", f"line {line}, column value", "strictly between 0 and 100", "log-odds")


def test_history_empty_source(b):
    line = b.set_cell("history.csv", "shanxi,2012,rd_expenditure,", "source", "")
    b.refused("history.csv", f"line {line}, column source", "is empty", "source")


def test_history_duplicated_region_year_variable(b):
    original = b.find("history.csv", "shanxi,2015,rd_funded_by_enterprises,") + 1
    line = b.append("history.csv", "shanxi,2015,rd_funded_by_enterprises,104.3,100m_yuan,YB")
    b.refused("history.csv", f"line {line}", "repeats", f"line {original}", "2015")


def test_history_unknown_region_code(b):
    line = b.set_cell("history.csv", "shanxi,2013,rd_expenditure,", "region", "Shanxi")
    b.refused("history.csv", f"line {line}, column region", "neither the region", "shanxi", "china")


def test_history_unknown_variable(b):
    line = b.set_cell("history.csv", "shanxi,2013,gdp,", "variable", "gdp_nominal")
    b.refused("history.csv", f"line {line}, column variable", "unknown variable", "gdp_nominal")


# === history.csv: years ===========================================================================


def test_history_year_in_the_future(b):
    line = b.set_cell("history.csv", "shanxi,2020,rd_expenditure,", "year", str(FUTURE))
    b.refused("history.csv", f"line {line}, column year", "in the future", str(FUTURE))


def test_history_year_before_first_year(b):
    line = b.set_cell("history.csv", "shanxi,2010,rd_expenditure,", "year", "2009")
    b.refused("history.csv", f"line {line}, column year", "before", "first_year", "2010")


@pytest.mark.parametrize("written", ["2015.0", "15", "2015年", "'2015"])
def test_history_year_not_four_digits(b, written):
    line = b.set_cell("history.csv", "shanxi,2015,rd_expenditure,", "year", written)
    b.refused("history.csv", f"line {line}, column year", "four digits")


# === history.csv: series ==========================================================================


def test_history_gap_in_a_stepped_series(b):
    b.delete("history.csv", lambda line: line.startswith("shanxi,2015,rd_expenditure,"))
    b.refused("history.csv", "shanxi rd_expenditure", "gap", "2015")


@pytest.mark.parametrize("variable", ["rd_funded_by_government", "rd_funded_by_enterprises",
                                      "general_budget_science_technology"])
def test_a_year_with_totals_only_inside_the_record_is_accepted_and_carried(b, variable):
    # a planner's year with R&D and GDP but no funding split or budget yet: the base year carries them
    b.delete("history.csv", lambda line: line.startswith(f"shanxi,2015,{variable},"))
    region = load_region(b.root)
    assert 2015 not in region.series(variable)
    carried = {field: year for field, year, _ in region.base_record(2015).carried}
    assert carried[variable] == 2014


def test_history_intensity_typed_as_a_share(b):
    # 2018: 1.05 typed as 0.0105 and no GDP row: R&D / GDP would be 0.0105%
    b.delete("history.csv", lambda line: line.startswith("shanxi,2018,gdp_implied,"))
    line = b.set_cell("history.csv", "shanxi,2018,rd_intensity_first_published,", "value", "0.0105")
    b.refused("history.csv", f"line {line}, column value", "0.0105%", "written as a share")


def test_history_rd_in_another_unit(b):
    # 2020's R&D typed in 10^6 yuan (21110) instead of 100m yuan (211.1)
    line = b.set_cell("history.csv", "shanxi,2020,rd_expenditure,", "value", "21110")
    with pytest.raises(BundleError) as caught:
        load_region(b.root)
    assert Path(caught.value.source).name == "history.csv"
    assert caught.value.field.startswith(f"lines {line} and ") and "another unit" in caught.value.message


def test_history_gdp_in_another_unit_for_one_year(b):
    # 2019's GDP typed in 10^12 yuan (万亿: 1.70) instead of 100m yuan, its intensity left out
    b.delete("history.csv", lambda line: line.startswith("shanxi,2019,rd_intensity_first_published,"))
    line = b.set_cell("history.csv", "shanxi,2019,gdp,", "value", "1.70")
    with pytest.raises(BundleError) as caught:
        load_region(b.root)
    assert caught.value.field.endswith(f"and {line}, column value") and "another unit" in caught.value.message


def test_history_gap_in_the_benchmark_intensity(b):
    b.delete("history.csv", lambda line: line.startswith("china,2016,rd_intensity_first_published,"))
    b.refused("history.csv", "china rd_intensity_first_published", "gap", "2016")


def test_history_missing_required_series(b):
    b.delete("history.csv", lambda line: ",rd_personnel_fte," in line)
    b.refused("history.csv", "(file)", "holds no rd_personnel_fte", "shanxi")


def test_history_missing_benchmark_intensity(b):
    b.delete("history.csv", lambda line: line.startswith("china,") and ",rd_intensity_first_published," in line)
    b.refused("history.csv", "(file)", "holds no rd_intensity_first_published", "china")


def test_history_intensity_disagrees_with_rd_over_gdp(b):
    # 1.12 typed as 1.21: the 2019 communiqué GDP and R&D give 1.123%
    line = b.set_cell("history.csv", "shanxi,2019,rd_intensity_first_published,", "value", "1.21")
    rd_line = b.find("history.csv", "shanxi,2019,rd_expenditure,") + 1
    gdp_line = b.find("history.csv", "shanxi,2019,gdp,") + 1
    b.refused("history.csv", f"line {line}, column value", "disagrees", "rounding",
              f"lines {rd_line} and {gdp_line}", str(INTENSITY_TOLERANCE))


def test_history_rd_typo_caught_by_the_intensity(b):
    # 191.2 typed as 119.2: the intensity line names the R&D line
    rd_line = b.set_cell("history.csv", "shanxi,2019,rd_expenditure,", "value", "119.2")
    line = b.find("history.csv", "shanxi,2019,rd_intensity_first_published,") + 1
    b.refused("history.csv", f"line {line}, column value", "disagrees", f"lines {rd_line} ")


# === history.csv: the file ========================================================================


def test_history_gbk_encoded_source_cell(b):
    lines = b.lines("history.csv")
    i = b.find("history.csv", "shanxi,2016,rd_funded_by_government,")
    lines[i] = lines[i].replace(",YB", ",国家统计局")
    b.path("history.csv").write_bytes(b"\n".join(line.encode("gbk") for line in lines))
    b.refused("history.csv", f"line {i + 1}", "not UTF-8", "GBK")


def test_history_wrong_header(b):
    b.replace_line("history.csv", "region,year,variable,", "region,year,variabel,value,unit,source")
    b.refused("history.csv", "line 1", "header", "missing variable", "unknown variabel")


def test_history_saved_with_semicolons(b):
    rows = list(csv.reader(io.StringIO(b.path("history.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    b.path("history.csv").write_text(out.getvalue(), encoding="utf-8")
    b.refused("history.csv", "line 1", "header", "missing region")


def test_history_unquoted_comma_gives_a_row_too_many_cells(b):
    line = b.replace_line("history.csv", "shanxi,2018,rd_personnel_fte,",
                          "shanxi,2018,rd_personnel_fte,44,593,person_years,YB")
    b.refused("history.csv", f"line {line}", "has 7 cells", "header 6", "quotes")


def test_history_row_with_a_cell_missing(b):
    line = b.replace_line("history.csv", "shanxi,2018,rd_personnel_fte,", "shanxi,2018,rd_personnel_fte,44593,YB")
    b.refused("history.csv", f"line {line}", "has 5 cells", "header 6")


# === coal_price.csv ===============================================================================


def test_coal_gap(b):
    b.delete("coal_price.csv", lambda line: line.startswith("2012,"))
    b.refused("coal_price.csv", "(file)", "gap", "2012")


def test_coal_price_not_positive(b):
    line = b.set_cell("coal_price.csv", "2015,", "price_usd_per_tonne", "0")
    b.refused("coal_price.csv", f"line {line}, column price_usd_per_tonne", "positive price")


def test_coal_year_twice(b):
    line = b.set_cell("coal_price.csv", "2016,", "year", "2015")
    b.refused("coal_price.csv", f"line {line}, column year", "repeats 2015")


def test_coal_year_in_the_future(b):
    line = b.append("coal_price.csv", f"{FUTURE},90.0,BPSR")
    b.refused("coal_price.csv", f"line {line}, column year", "in the future")


def test_coal_price_with_currency_text(b):
    line = b.set_cell("coal_price.csv", "2013,", "price_usd_per_tonne", "US$95.42")
    b.refused("coal_price.csv", f"line {line}, column price_usd_per_tonne", "is not a number")


# === policy_history.csv ===========================================================================


def test_lever_unknown(b):
    line = b.set_cell("policy_history.csv", "talent_recruits,", "lever", "talent_recruitment")
    b.refused("policy_history.csv", f"line {line}, column lever", "unknown lever", "talent_recruitment")


def test_lever_periods_overlap(b):
    edited = b.set_cell("policy_history.csv", "platforms,2015,2017,", "to_year", "2018")
    later = b.find("policy_history.csv", "platforms,2018,2020,") + 1
    b.refused("policy_history.csv", f"line {later}", "overlaps", f"line {edited}", "2018")


def test_lever_value_outside_its_range(b):
    # 15% written as 15
    line = b.set_cell("policy_history.csv", "hte_income_tax_rate,", "value", "15")
    b.refused("policy_history.csv", f"line {line}, column value", "above 0.25", "from 0 to 0.25")


def test_lever_whole_number_with_decimals(b):
    line = b.set_cell("policy_history.csv", "platforms,2015,2017,", "value", "40.5")
    b.refused("policy_history.csv", f"line {line}, column value", "whole number")


def test_lever_to_year_before_from_year(b):
    line = b.replace_line("policy_history.csv", "rd_reward_rate,2018,2020,",
                          "rd_reward_rate,2020,2018,0.02,ASSUMPTION: rewards of about 2% of R&D expense")
    b.refused("policy_history.csv", f"line {line}, column to_year", "2018 is before from_year 2020")


def test_lever_period_missing(b):
    b.delete("policy_history.csv", lambda line: line.startswith("platforms,2015,2017,"))
    b.refused("policy_history.csv", "lever platforms", "no value for 2015, 2016, 2017", "cover")


def test_lever_without_history(b):
    b.delete("policy_history.csv", lambda line: line.startswith("smart_factories,"))
    b.refused("policy_history.csv", "(file)", "no history for the lever smart_factories")


def test_lever_without_source(b):
    line = b.set_cell("policy_history.csv", "talent_recruits,", "source", "")
    b.refused("policy_history.csv", f"line {line}, column source", "is empty", "ASSUMPTION")


# === policy.csv ===================================================================================


def test_policy_threshold_with_percent_sign(b):
    line = b.set_cell("policy.csv", "china,2016,2030,high_tech_enterprise_rd_intensity_threshold_small,",
                      "value", "5%")
    b.refused("policy.csv", f"line {line}, column value", "percent sign")


def test_policy_threshold_missing(b):
    b.delete("policy.csv", lambda line: "high_tech_enterprise_rd_intensity_threshold_large" in line)
    b.refused("policy.csv", "(file)", "high_tech_enterprise_rd_intensity_threshold_large")


# === sectors.csv ==================================================================================


@pytest.mark.parametrize("flag, words", [("2", ("above 1", "0 or 1")), ("0.5", ("must be 0 or 1",)),
                                         ("yes", ("is not a number", "0 or 1"))])
def test_sector_flag_not_0_or_1(b, flag, words):
    line = b.set_cell("sectors.csv", "semiconductors,", "manufacturing", flag)
    b.refused("sectors.csv", f"line {line}, column manufacturing", *words)


def test_sector_share_written_as_percent(b):
    line = b.set_cell("sectors.csv", "photovoltaics,", "rd_intensity", "3")
    b.refused("sectors.csv", f"line {line}, column rd_intensity", "above 1", "share from 0 to 1")


def test_sector_weight_zero(b):
    line = b.set_cell("sectors.csv", "big_data,", "weight", "0")
    b.refused("sectors.csv", f"line {line}, column weight", "positive")


def test_sector_no_coal_sector(b):
    line = b.set_cell("sectors.csv", "coal_energy,", "coal", "0")
    assert line
    b.refused("sectors.csv", "column coal", "no sector has coal = 1")


def test_sectors_saved_as_gbk(b):
    text = b.path("sectors.csv").read_text(encoding="utf-8")
    b.path("sectors.csv").write_bytes(text.encode("gbk"))
    first = next(i for i, line in enumerate(text.split("\n")) if not line.isascii()) + 1
    b.refused("sectors.csv", f"line {first}", "not UTF-8", "GBK")


# === region.toml ==================================================================================


def test_region_without_benchmark(b):
    lines = b.lines("region.toml")
    start = b.find("region.toml", "[benchmark]")
    end = b.find("region.toml", "label_zh")
    b.write("region.toml", lines[:start] + lines[end + 1:])
    b.refused("region.toml", "benchmark", "is missing", "[benchmark]")


def test_region_unknown_field(b):
    b.replace_text("region.toml", 'sources = "SOURCES.md"\n', 'sources = "SOURCES.md"\nfounded = 1949\n')
    b.refused("region.toml", "founded", "unknown field")


@pytest.mark.parametrize("old, new", [
    ('name_en = "Shanxi"', 'name_en = "Shanxi'),                  # a lost quote
    ("value = 10000", "value = 10,000"),                          # a thousands separator
    ("first_year = 2010", "first_year = "),                       # a value deleted
])
def test_region_bad_toml_syntax(b, old, new):
    b.replace_text("region.toml", old, new)
    line = b.find("region.toml", new.strip()) + 1
    error = b.refused("region.toml", "(syntax)", "not valid TOML")
    assert f"line {line}," in error.message


def test_region_place_unknown_assumption(b):
    b.append("region.toml", '\n[place.n_unicorns]\nvalue = 3\nreason = "two in Taiyuan"')
    b.refused("region.toml", "place.n_unicorns", "unknown assumption")


def test_region_place_value_outside_low_high(b):
    b.replace_text("region.toml", "value = 80\n", "value = 95\n")
    b.refused("region.toml", "place.n_universities.value", "95 is outside low 70 to high 90")


def test_region_place_without_reason(b):
    reason = 'reason = "Shanxi has about 80 institutions of higher education; not in the data"\n'
    b.replace_text("region.toml", reason, "")
    b.refused("region.toml", "place.n_universities", "value and reason")


def test_region_unsupported_unit(b):
    b.replace_text("region.toml", 'money = "100m_yuan"', 'money = "10k_yuan"')
    b.refused("region.toml", "units.money", "not supported", "100m_yuan")


def test_region_first_year_as_text(b):
    b.replace_text("region.toml", "first_year = 2010", 'first_year = "2010"')
    b.refused("region.toml", "first_year", "whole year")


def test_region_benchmark_is_the_region(b):
    b.replace_text("region.toml", 'id = "china"', 'id = "shanxi"')
    b.refused("region.toml", "benchmark.id", "must differ from id")


def test_region_saved_as_gbk(b):
    text = b.path("region.toml").read_text(encoding="utf-8")
    b.path("region.toml").write_bytes(text.encode("gbk"))
    first = next(i for i, line in enumerate(text.split("\n")) if not line.isascii()) + 1
    b.refused("region.toml", f"line {first}", "not UTF-8", "GBK")


# === missing files ================================================================================


@pytest.mark.parametrize("name", BUNDLE_FILES)
def test_missing_file(b, name):
    b.path(name).unlink()
    b.refused(name, "(file)", "is missing")


def test_missing_folder(tmp_path):
    with pytest.raises(BundleError) as caught:
        load_region(tmp_path / "no-such-bundle")
    assert caught.value.field == "(region)" and "built-in" in caught.value.message


# === calibration files ============================================================================


def test_calibration_unknown_assumption(b):
    b.append("calibration.toml", "rd_magic_multiplier = 1.5")
    b.refused("calibration.toml", "assumptions.rd_magic_multiplier", "unknown assumption")


def test_calibration_value_as_text(b):
    line = next(line for line in b.lines("calibration.toml") if line.startswith("n_tech_smes = "))
    b.replace_text("calibration.toml", line, f'n_tech_smes = "{line.split(" = ")[1]}"')
    b.refused("calibration.toml", "assumptions.n_tech_smes", "must be a number")


@pytest.mark.parametrize("value", ["about 0.3", "0,3", ""])
def test_posterior_text_cell(b, value):
    name = "calibration_posterior.csv"
    lines = b.lines(name)
    header = lines[0].split(",")
    column = header[3]
    cells = lines[5].split(",")
    cells[3] = f'"{value}"' if "," in value else value
    lines[5] = ",".join(cells)
    b.write(name, lines)
    b.refused(name, f"line 6, column {column}", "give a number")


def test_posterior_unknown_column(b):
    name = "calibration_posterior.csv"
    lines = b.lines(name)
    lines[0] = lines[0].replace("rd_adjustment_speed", "rd_adjust_speed")
    b.write(name, lines)
    b.refused(name, "line 1", "unknown assumptions rd_adjust_speed")


# === the scenario loader goes through the same checks =============================================


def test_load_scenario_refuses_a_broken_bundle(b):
    line = b.set_cell("history.csv", "shanxi,2014,rd_intensity_first_published,", "value", "1.19%")
    with pytest.raises(BundleError) as caught:
        load_scenario("baseline", region=str(b.root))
    error = caught.value
    assert isinstance(error, ScenarioError)
    assert Path(error.source).resolve() == b.path("history.csv").resolve()
    assert error.field == f"line {line}, column value" and "percent sign" in error.message


def test_load_scenario_refuses_a_broken_policy_history(b):
    line = b.set_cell("policy_history.csv", "platforms,2015,2017,", "to_year", "2018")
    with pytest.raises(BundleError) as caught:
        load_scenario("baseline", region=str(b.root))
    assert Path(caught.value.source).name == "policy_history.csv"
    assert f"line {line}" in caught.value.message and "overlaps" in caught.value.message


# === accepted: what a spreadsheet does that is harmless ===========================================


def test_byte_order_mark_in_history_is_accepted(b):
    data = b.path("history.csv").read_bytes()
    b.path("history.csv").write_bytes(b"\xef\xbb\xbf" + data)
    assert record(load_region(b.root)) == record(load_region(SHANXI))


def test_crlf_in_every_csv_is_accepted(b):
    csvs = sorted(b.root.glob("*.csv"))
    assert {p.name for p in csvs} >= {n for n in BUNDLE_FILES if n.endswith(".csv")} | {"calibration_posterior.csv"}
    for path in csvs:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        assert b"\r\n" in path.read_bytes()
    copy, original = load_region(b.root), load_region(SHANXI)
    assert record(copy) == record(original)
    assert copy.coal == original.coal and copy.lever_history == original.lever_history
    assert copy.sectors.equals(original.sectors) and copy.policy.equals(original.policy)
    assert copy.posterior.equals(original.posterior) and copy.calibrated == original.calibrated


def test_bom_and_crlf_in_every_file_are_accepted(b):
    for path in b.root.iterdir():
        if path.suffix in (".csv", ".toml"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    copy, original = load_region(b.root), load_region(SHANXI)
    assert record(copy) == record(original)
    assert copy.names == original.names and copy.place == original.place
    assert copy.calibrated == original.calibrated and copy.posterior.equals(original.posterior)


def test_shuffled_history_rows_load_to_the_same_series(b):
    lines = [line for line in b.lines("history.csv") if line]
    header, rows = lines[0], lines[1:]
    shuffled = rows[:]
    random.Random(2020).shuffle(shuffled)
    assert shuffled != rows
    b.write("history.csv", [header, *shuffled, ""])
    assert record(load_region(b.root)) == record(load_region(SHANXI))


def test_reordered_columns_comments_blank_lines_and_spaces_are_accepted(b):
    rows = list(csv.reader(io.StringIO(b.path("history.csv").read_text(encoding="utf-8"))))
    order = [5, 2, 0, 3, 1, 4]
    out = io.StringIO()
    out.write("# Shanxi and national R&D record, edited by hand\n\n")
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(rows):
        writer.writerow([f" {row[j]} " if i and j == 3 else row[j] for j in order])
        if i == 50:
            out.write("\n# the funding split follows\n")
    b.path("history.csv").write_text(out.getvalue(), encoding="utf-8")
    assert record(load_region(b.root)) == record(load_region(SHANXI))


def test_intensity_within_rounding_is_accepted(b):
    # 2019: 191.2 / 17026.7 = 1.1229%; 1.13 is off by 0.007 pp, inside the tolerance
    b.set_cell("history.csv", "shanxi,2019,rd_intensity_first_published,", "value", "1.13")
    assert load_region(b.root).series("rd_intensity_first_published")[2019] == 1.13


@pytest.mark.filterwarnings("ignore:the region bundle")
def test_bundle_without_calibration_uses_the_default_regions(b):
    b.path("calibration.toml").unlink()
    b.path("calibration_posterior.csv").unlink()
    region = load_region(b.root)
    assert not region.has_own_calibration
    assert region.calibrated == load_region(SHANXI).calibrated


# === rules found missing in review, now enforced =====================================================


def test_region_unknown_field_in_question(b):
    b.replace_text("region.toml", "target_year = 2024", "target_yaer = 2024")
    b.refused("region.toml", "question.target_yaer", "unknown field")


def test_region_unknown_field_in_benchmark(b):
    b.replace_text("region.toml", 'label_en = "national average"', 'lable_en = "national average"')
    b.refused("region.toml", "benchmark.lable_en", "unknown field")


@pytest.mark.parametrize("variables", [
    ("rd_by_government_institutes",), ("rd_by_higher_education",), ("tech_contracts_bought",),
    ("above_scale_industrial_firms_with_rd",), ("above_scale_industrial_rd",),
    ("high_tech_enterprises", "high_tech_enterprises_recognised_in_year"),
])
def test_history_missing_series_the_base_year_needs(b, variables):
    b.delete("history.csv", lambda line: line.startswith("shanxi,") and line.split(",")[2] in variables)
    error = b.refused("history.csv", "(file)", "holds no")
    assert any(v in error.message for v in variables)


def test_history_incomplete_performer_split(b):
    b.delete("history.csv", lambda line: line.startswith("shanxi,2020,rd_by_higher_education,"))
    with pytest.raises(BundleError) as caught:
        load_scenario("baseline", region=str(b.root))
    assert Path(caught.value.source).name == "history.csv"
    assert "rd_by_higher_education" in str(caught.value)


def test_history_industrial_rd_in_a_year_without_rd_expenditure(b):
    b.append("history.csv", "shanxi,2021,above_scale_industrial_rd,170,100m_yuan,SX21")
    try:
        load_scenario("baseline", region=str(b.root))
    except BundleError as error:
        assert Path(error.source).name == "history.csv"


def test_history_count_after_the_last_year_does_not_enter_the_base_record(b):
    b.append("history.csv", "shanxi,2022,above_scale_industrial_firms_with_rd,900,firms,YBF")
    region = load_region(b.root)
    assert region.last_year == load_region(SHANXI).last_year
    assert region.base_record(region.last_year) == load_region(SHANXI).base_record(region.last_year)


def test_posterior_row_with_a_cell_too_many(b):
    name = "calibration_posterior.csv"
    lines = b.lines(name)
    lines[3] += ",0.5"
    b.write(name, lines)
    b.refused(name, "line 4", "cells")


def test_posterior_empty_file(b):
    b.path("calibration_posterior.csv").write_bytes(b"")
    b.refused("calibration_posterior.csv", "(file)")


def test_calibration_value_outside_its_range(b):
    line = next(line for line in b.lines("calibration.toml") if line.startswith("rd_catch_up_rate = "))
    b.replace_text("calibration.toml", line, "rd_catch_up_rate = 5.0")
    b.refused("calibration.toml", "assumptions.rd_catch_up_rate", "5")


def test_policy_to_year_before_from_year(b):
    line = b.replace_line(
        "policy.csv", "china,2016,2030,high_tech_enterprise_rd_intensity_threshold_small,",
        "china,2030,2016,high_tech_enterprise_rd_intensity_threshold_small,0.05,share_of_revenue,HTE rules")
    b.refused("policy.csv", f"line {line}, column to_year", "before from_year")


def test_sector_named_twice_names_the_line(b):
    line = b.set_cell("sectors.csv", "big_data,", "sector", "it_application_innovation")
    b.refused("sectors.csv", f"line {line}, column sector", "twice")


def test_history_gdp_with_an_extra_digit_in_one_year(b):
    # 2019's GDP with a digit too many: R&D / GDP 0.11% is still plausible, the tenfold jump is not
    b.delete("history.csv", lambda line: line.startswith("shanxi,2019,rd_intensity_first_published,"))
    line = b.set_cell("history.csv", "shanxi,2019,gdp,", "value", "170267")
    b.refused("history.csv", f"line {line}, column value", "times that of 2018", "decimal-point")


@pytest.mark.parametrize("cut", ["benchmark", "coal"])
def test_base_years_start_where_the_benchmark_and_the_coal_price_start(b, cut):
    if cut == "benchmark":
        b.delete("history.csv", lambda line: line.startswith("china,") and "rd_intensity_first_published" in line
                 and int(line.split(",")[1]) < 2015)
    else:
        b.delete("coal_price.csv", lambda line: line[:4].isdigit() and int(line[:4]) < 2015)
    region = load_region(b.root)
    assert region.first_base_year == 2015
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline", region=str(b.root)).with_changes({"base_year": 2012})
    assert caught.value.field == "base_year" and "2015 to 2020" in caught.value.message


def test_policy_enacted_for_later_years_is_accepted_up_to_the_last_horizon(b):
    # a rule enacted to 2027 is recorded policy; 2051 is beyond any horizon
    b.append("policy_history.csv", "rd_super_deduction_rate,2021,2027,1.0,Announcement 2023 No.7")
    assert load_region(b.root).lever_history["rd_super_deduction_rate"][2027] == 1.0
    line = b.append("policy_history.csv", "platforms,2021,2051,60,ASSUMPTION: test")
    b.refused("policy_history.csv", f"line {line}, column to_year", "2051", "policy period")


def test_empty_columns_left_by_excel_after_the_last_one_are_accepted(b):
    lines = b.lines("coal_price.csv")
    b.write("coal_price.csv", [line + ",," if line and not line.startswith("#") else line for line in lines])
    assert load_region(b.root).coal == load_region(SHANXI).coal
