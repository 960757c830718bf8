"""Scenario validation: every malformed file is refused with the file, the field and what is allowed.

The corpus in ``tests/malformed/`` holds one TOML file per fault. Each file is a valid scenario
except for that one fault and starts with a line ``# expect: <field> | <substring of the message>``.
Ranges are taken from the lever and assumption catalogues, never written out here.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest

from ecosim.assumptions import ASSUMPTIONS
from ecosim.levers import LEVERS
from ecosim.scenario import Scenario, ScenarioError, load_scenario

MALFORMED = Path(__file__).parent / "malformed"
MALFORMED_FILES = sorted(MALFORMED.glob("*.toml"))
EXPECT = re.compile(r"^# expect: (?P<field>\(line \d+\)|\S+) \| (?P<message>.+?)\s*$")

# Corpus files that expose a known bug in ecosim/scenario.py (none open); an entry is a strict xfail.
KNOWN_BUGS: dict[str, str] = {}

VALID = """\
name = "valid"
base_year = 2015
horizon = 2030
policy_start_year = 2021
seed = 1
replications = 10
[target]
year = 2024
value = "national_average"
[levers]
rd_super_deduction_rate = 1.0
platforms = { 2021 = 60, 2023 = 70, 2027 = 55 }
guidance_fund_capital = { 2025 = 8.0 }
[assumptions]
rd_user_cost_elasticity = 1.0
"""


def _expectation(path: Path) -> tuple[str, str]:
    first = path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name}: first line must be '# expect: <field> | <message substring>', got {first!r}"
    return match["field"], match["message"]


def _catalogue_entry(field_name: str):
    """The lever or assumption a field such as ``levers.platforms.2023`` belongs to, else None."""
    parts = field_name.split(".")
    if len(parts) >= 2 and parts[0] == "levers":
        return LEVERS.get(parts[1])
    if len(parts) >= 2 and parts[0] == "assumptions":
        return ASSUMPTIONS.get(parts[1])
    return None


def _load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    return caught.value


def _write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def valid(tmp_path: Path) -> Scenario:
    return load_scenario(str(_write(tmp_path, VALID)))


# --- (a) the corpus -------------------------------------------------------------------------


def _corpus_params():
    params = []
    for path in MALFORMED_FILES:
        marks = [pytest.mark.xfail(reason=KNOWN_BUGS[path.name], strict=True)] if path.name in KNOWN_BUGS else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", _corpus_params())
def test_malformed_file_is_refused_naming_file_and_field(path: Path):
    field_name, substring = _expectation(path)
    error = _load_error(path)
    assert error.field == field_name
    assert substring in error.message
    assert error.source == str(path)
    text = str(error)
    assert str(path) in text
    assert field_name in text
    assert error.message in text


# --- (b) the corpus is big enough and covers the faults ------------------------------------


def test_corpus_has_at_least_30_files():
    assert len(MALFORMED_FILES) >= 30


def test_corpus_files_are_named_and_headed():
    for path in MALFORMED_FILES:
        assert re.fullmatch(r"\d\d-[a-z0-9-]+\.toml", path.name), path.name
        _expectation(path)


def test_corpus_covers_several_levers_and_assumptions_out_of_range():
    out_of_range = [f for f, m in map(_expectation, MALFORMED_FILES) if "out of range" in m]
    levers = {f.split(".")[1] for f in out_of_range if f.startswith("levers.")}
    assumptions = {f.split(".")[1] for f in out_of_range if f.startswith("assumptions.")}
    assert len(levers) >= 3 and len(assumptions) >= 3
    fields = {f for f, _ in map(_expectation, MALFORMED_FILES)}
    for required in ("(syntax)", "base_year", "horizon", "policy_start_year", "target.year", "target.value",
                     "seed", "replications", "name"):
        assert required in fields, required


def test_corpus_template_is_valid(valid: Scenario):
    """The scenario the corpus files are built from loads (each file adds one fault to it)."""
    assert valid.name == "valid"


# --- (c) out-of-range messages state the allowed range, from the catalogues ---------------


def _catalogue_files():
    """Corpus files whose fault is a bad value of a known lever or assumption (not a name or a year)."""
    value_faults = ("out of range", "got ", "whole number")
    return [pytest.param(path, id=path.stem) for path in MALFORMED_FILES
            if _catalogue_entry(_expectation(path)[0]) is not None and path.name not in KNOWN_BUGS
            and any(fault in _expectation(path)[1] for fault in value_faults)]


@pytest.mark.parametrize("path", _catalogue_files())
def test_catalogue_field_errors_state_the_allowed_range(path: Path):
    field_name, _ = _expectation(path)
    entry = _catalogue_entry(field_name)
    error = _load_error(path)
    assert f"from {entry.low:g} to {entry.high:g}" in error.message
    assert entry.unit in error.message
    assert entry.allowed in error.message
    if "out of range" in error.message:
        assert f"allowed is {entry.allowed}" in error.message


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in MALFORMED_FILES if p.name not in KNOWN_BUGS])
def test_every_out_of_range_error_says_what_is_allowed(path: Path):
    error = _load_error(path)
    if "out of range" in error.message:
        assert re.search(r"allowed is .*\d+ to \d", error.message), error.message


def _out_of_range_values(entry):
    span = entry.high - entry.low
    below = entry.low - (1 if entry.integer else max(span * 0.1, 1e-6))
    above = entry.high + (1 if entry.integer else max(span * 0.1, 1e-6))
    return below, above


@pytest.mark.parametrize("name", list(LEVERS))
def test_every_lever_range_is_enforced(valid: Scenario, name: str):
    lever = LEVERS[name]
    for value in _out_of_range_values(lever):
        with pytest.raises(ScenarioError) as caught:
            valid.with_changes({f"levers.{name}": value})
        assert caught.value.field == f"levers.{name}"
        assert "out of range" in caught.value.message
        assert f"from {lever.low:g} to {lever.high:g}" in caught.value.message
        assert lever.allowed in caught.value.message
    for value in (lever.low, lever.high):  # the ends are allowed
        changed = valid.with_changes({f"levers.{name}": value})
        assert changed.levers[name] == value


@pytest.mark.parametrize("name", list(ASSUMPTIONS))
def test_every_assumption_range_is_enforced(valid: Scenario, name: str):
    a = ASSUMPTIONS[name]
    for value in _out_of_range_values(a):
        with pytest.raises(ScenarioError) as caught:
            valid.with_changes({f"assumptions.{name}": value})
        assert caught.value.field == f"assumptions.{name}"
        assert f"from {a.low:g} to {a.high:g}" in caught.value.message
        assert a.allowed in caught.value.message
    for value in (a.low, a.high):
        assert valid.with_changes({f"assumptions.{name}": value}).assumptions[name] == value


def test_whole_number_levers_refuse_fractions(valid: Scenario):
    for name, lever in LEVERS.items():
        if lever.integer:
            with pytest.raises(ScenarioError) as caught:
                valid.with_changes({f"levers.{name}": lever.low + 0.5})
            assert caught.value.field == f"levers.{name}"
            assert "a whole number" in caught.value.message
            assert lever.allowed in caught.value.message


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(valid: Scenario, value: float):
    for key in ("levers.rd_reward_rate", "assumptions.rd_adjustment_speed", "target.value"):
        with pytest.raises(ScenarioError) as caught:
            valid.with_changes({key: value})
        assert caught.value.field == key
        assert "out of range" in caught.value.message


# --- (d) with_changes is validated exactly like a file -------------------------------------


WITH_CHANGES_ERRORS = [
    ({"levers.rd_reward_rate": 0.5}, "levers.rd_reward_rate", "out of range"),
    ({"levers": {"platforms": 201}}, "levers.platforms", "out of range"),
    ({"levers.platforms": 2.5}, "levers.platforms", "a whole number"),
    ({"levers.platforms.2023": 300}, "levers.platforms.2023", "out of range"),
    ({"levers.platforms.2031": 60}, "levers.platforms.2031", "outside the allowed years"),
    ({"levers.platforms": {}}, "levers.platforms", "empty schedule"),
    ({"levers.no_such_lever": 1.0}, "levers.no_such_lever", "unknown lever"),
    ({"assumptions.rd_user_cost_elasticity": 3.0}, "assumptions.rd_user_cost_elasticity", "out of range"),
    ({"assumptions": {"no_such_assumption": 1.0}}, "assumptions.no_such_assumption", "unknown assumption"),
    ({"horizon": 2051}, "horizon", "out of range"),
    ({"base_year": 2009}, "base_year", "out of range"),
    ({"policy_start_year": 2032}, "policy_start_year", "out of range"),
    ({"target.year": 2031}, "target.year", "out of range"),
    ({"target": {"value": "national average"}}, "target.value", "national_average"),
    ({"seed": -1}, "seed", "out of range"),
    ({"replications": 0}, "replications", "out of range"),
    ({"name": 3}, "name", "must be a text"),
    ({"bogus": 1}, "bogus", "unknown field"),
    ({"national_path": {"2020": 2.0}}, "national_path.2020", "outside the allowed years"),
    ({"gdp_path": {"2022": -1.0}}, "gdp_path.2022", "out of range"),
]


@pytest.mark.parametrize("changes, field_name, substring", WITH_CHANGES_ERRORS,
                         ids=[e[1] for e in WITH_CHANGES_ERRORS])
def test_with_changes_refuses_bad_values(valid: Scenario, changes, field_name, substring):
    with pytest.raises(ScenarioError) as caught:
        valid.with_changes(changes)
    error = caught.value
    assert error.field == field_name
    assert substring in error.message
    assert valid.source in str(error) and "with_changes" in str(error)
    assert field_name in str(error)


def test_with_changes_keyword_form_is_validated(valid: Scenario):
    with pytest.raises(ScenarioError) as caught:
        valid.with_changes(levers={"rd_super_deduction_rate": 2.5})
    assert caught.value.field == "levers.rd_super_deduction_rate"
    lever = LEVERS["rd_super_deduction_rate"]
    assert f"allowed is {lever.allowed}" in caught.value.message


# The same fault through a file of the corpus and through with_changes gives the same error.
SAME_AS_FILE = [
    ("24-negative-super-deduction-rate.toml", {"levers.rd_super_deduction_rate": -0.1}),
    ("26-hte-income-tax-rate-above.toml", {"levers.hte_income_tax_rate": 0.3}),
    ("14-lever-float-for-whole-number.toml", {"levers.platforms": 2.5}),
    ("30-platforms-schedule-above.toml", {"levers.platforms": {"2021": 60, "2023": 201}}),
    ("32-assumption-elasticity-above.toml", {"assumptions.rd_user_cost_elasticity": 2.5}),
    ("34-assumption-whole-number-above.toml", {"assumptions.n_universities": 91}),
    ("10-lever-boolean-for-number.toml", {"levers.rd_reward_rate": True}),
    ("43-schedule-year-after-horizon.toml", {"levers.platforms": {"2021": 60, "2031": 70}}),
    ("50-horizon-beyond-2050.toml", {"horizon": 2051}),
    ("53-target-year-at-base-year.toml", {"target.year": 2015}),
    ("59-replications-zero.toml", {"replications": 0}),
    ("61-national-path-year-2020.toml", {"national_path": {"2020": 2.4, "2022": 2.5}}),
]


@pytest.mark.parametrize("file_name, changes", SAME_AS_FILE, ids=[f for f, _ in SAME_AS_FILE])
def test_with_changes_errors_match_file_errors(file_name: str, changes: dict):
    path = MALFORMED / file_name
    from_file = _load_error(path)
    template = Scenario.from_dict({
        "name": "malformed", "base_year": 2015, "horizon": 2030, "seed": 1, "replications": 10,
        "target": {"year": 2024, "value": "national_average"},
        "levers": {"rd_super_deduction_rate": 0.75, "platforms": {"2021": 60, "2023": 70}},
        "assumptions": {"rd_user_cost_elasticity": 1.0},
    }, source="template")
    with pytest.raises(ScenarioError) as caught:
        template.with_changes(changes)
    assert caught.value.field == from_file.field
    assert caught.value.message == from_file.message


def _without_source(s: Scenario) -> Scenario:
    return dataclasses.replace(s, source="-")


def test_valid_changes_apply_and_round_trip(valid: Scenario):
    changed = valid.with_changes(
        {"levers.rd_reward_rate": 0.05, "levers.platforms.2029": 80},
        horizon=2035,
        assumptions={"rd_adjustment_speed": 0.5},
        target={"value": 2.5},
        national_path={"2025": 2.6},
    )
    assert changed.horizon == 2035
    assert changed.levers["rd_reward_rate"] == 0.05
    assert changed.levers["platforms"] == {2021: 60, 2023: 70, 2027: 55, 2029: 80}
    assert changed.levers["rd_super_deduction_rate"] == 1.0
    assert changed.assumptions == {"rd_user_cost_elasticity": 1.0, "rd_adjustment_speed": 0.5}
    assert changed.target.year == 2024 and changed.target.value == 2.5
    assert changed.national_path == {2025: 2.6}
    # the original is untouched
    assert valid.horizon == 2030 and "rd_reward_rate" not in valid.levers
    assert valid.target.value == "national_average"
    for s in (valid, changed):
        again = Scenario.from_dict(s.to_dict())
        assert _without_source(again) == _without_source(s)
        assert again.to_dict() == s.to_dict()


def test_no_changes_gives_an_equal_scenario(valid: Scenario):
    assert _without_source(valid.with_changes()) == _without_source(valid)


def test_with_changes_policy_start_moves_scalar_levers_like_a_file(tmp_path: Path):
    text = VALID.replace("rd_super_deduction_rate = 1.0", "rd_reward_rate = 0.05")
    via_changes = load_scenario(str(_write(tmp_path, text, "a.toml"))).with_changes(policy_start_year=2023)
    via_file = load_scenario(str(_write(tmp_path, text.replace("policy_start_year = 2021", "policy_start_year = 2023"),
                                        "b.toml")))
    np.testing.assert_allclose(via_changes.lever_path("rd_reward_rate"), via_file.lever_path("rd_reward_rate"))


# --- (e) lever paths: history before the policy start, then the schedule -------------------


def _assert_path(s: Scenario, name: str, expected: list[float]):
    assert len(expected) == len(s.years), (name, len(expected), len(s.years))
    np.testing.assert_allclose(s.lever_path(name), expected, err_msg=name)


def test_lever_paths_of_a_valid_file(valid: Scenario):
    # years 2015..2030, policy from 2021 (the default)
    assert list(valid.years) == list(range(2015, 2031))
    assert valid.policy_start_year == 2021
    assert valid.target_year_index() == 2024 - 2015
    # history 0.5 (2015-2017), 0.75 (2018-2020); the scalar from 2021 on
    _assert_path(valid, "rd_super_deduction_rate", [0.5] * 3 + [0.75] * 3 + [1.0] * 10)
    # history 40 (2015-2017), 50 (2018-2020); then 60 in 2021-2022, 70 in 2023-2026, 55 from 2027
    _assert_path(valid, "platforms", [40] * 3 + [50] * 3 + [60] * 2 + [70] * 4 + [55] * 4)
    # history 5.0 from 2015; the 2020 value holds until the first scheduled year 2025
    _assert_path(valid, "guidance_fund_capital", [5.0] * 10 + [8.0] * 6)
    # levers the scenario does not name keep their history and then the 2020 value
    _assert_path(valid, "hte_income_tax_rate", [0.15] * 16)
    # history 0 (2015-2016), 1,400 (2017-2020, policy_history.csv); the 2020 value holds after
    _assert_path(valid, "hte_cultivation_firms", [0] * 2 + [1400] * 14)
    _assert_path(valid, "rd_reward_rate", [0.0] * 3 + [0.02] * 13)


def test_lever_paths_with_a_late_policy_start(tmp_path: Path):
    s = load_scenario(str(_write(tmp_path, """\
name = "late"
base_year = 2015
horizon = 2026
policy_start_year = 2023
[target]
year = 2025
value = 2.0
[levers]
rd_reward_rate = 0.05
platforms = { 2023 = 60, 2025 = 45 }
""")))
    assert list(s.years) == list(range(2015, 2027))
    assert s.target == type(s.target)(2025, 2.0)
    # 0.0 in 2015-2017, 0.02 in 2018-2020, the 2020 value held in 2021-2022, the scalar from 2023
    _assert_path(s, "rd_reward_rate", [0.0] * 3 + [0.02] * 3 + [0.02] * 2 + [0.05] * 4)
    # 40 (2015-2017), 50 (2018-2020), 50 held (2021-2022), 60 (2023-2024), 45 (2025-2026)
    _assert_path(s, "platforms", [40] * 3 + [50] * 3 + [50] * 2 + [60] * 2 + [45] * 2)
    # untouched: 0 in 2015-2019, 20 in 2020 and after
    _assert_path(s, "transfer_demonstration_projects", [0] * 5 + [20] * 7)


def test_lever_paths_with_an_early_policy_start(tmp_path: Path):
    s = load_scenario(str(_write(tmp_path, """\
name = "early"
base_year = 2015
horizon = 2025
policy_start_year = 2018
[target]
year = 2020
[levers]
rd_reward_rate = 0.04
tech_credit_loss_share = { 2019 = 0.5 }
""")))
    # history 0.0 in 2015-2017, the scalar replaces the history from 2018 on
    _assert_path(s, "rd_reward_rate", [0.0] * 3 + [0.04] * 8)
    # history 0.0 (2015-2016), 0.2 (2017-2018), the schedule from 2019
    _assert_path(s, "tech_credit_loss_share", [0.0] * 2 + [0.2] * 2 + [0.5] * 7)


def test_until_cuts_the_horizon_and_keeps_every_earlier_value():
    full = load_scenario("guiding-opinions")
    cut = full.until(2022)
    assert cut.horizon == 2022 and cut.target.year == 2022 and cut.policy_start_year == 2021
    for name in full.levers:
        np.testing.assert_array_equal(cut.lever_path(name), full.lever_path(name)[: cut.years.size])
    history = full.with_changes({"base_year": 2015}).until(2020)
    assert history.policy_start_year == 2021  # a horizon before the policy start leaves history untouched
    np.testing.assert_array_equal(history.lever_path("rd_super_deduction_rate"), [0.5, 0.5, 0.5, 0.75, 0.75, 0.75])


# --- where a planner slips: percentages ---------------------------------------------------------


def test_a_percentage_in_a_scenario_file_names_its_line_and_the_decimal(tmp_path: Path):
    path = _write(tmp_path, 'name = "mix"\n\n[levers]\n# 8% in a comment is fine\nrd_reward_rate = 8%\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(str(path))
    message = str(caught.value)
    assert "(syntax)" in message and "line 5 writes a percentage" in message and "8% is 0.08" in message


@pytest.mark.parametrize(("given", "hint"), [(8, "did you mean 0.08 (8%)?"), ("8%", "did you mean 0.08 (8%)?"),
                                             (0.5, None), (40, None)])
def test_a_share_given_in_percent_gets_the_decimal_suggested(given, hint):
    """A reward rate (a share from 0 to 0.3) of 8 or '8%' is out of range, and 0.08 is the likely
    meaning; 0.5 and 40 are out of range with no such reading (below 1 a value is not read as a
    percentage; 40% is above the range too)."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario("baseline").with_changes({"levers": {"rd_reward_rate": given}})
    message = str(caught.value)
    assert "levers.rd_reward_rate" in message and "from 0 to 0.3" in message
    if hint:
        assert hint in message and "shares are written as decimals" in message
    else:
        assert "did you mean" not in message
