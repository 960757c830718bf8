"""The provincial S&T budget limits the outlay levers: its path, the two shortfall rules, and the
scenario's [budget] table.

The analytic cases use the two outlay levers counted in 100m yuan (open-competition budget and
guidance-fund capital), whose yearly outlay is their value, and a budget growing at a set rate
from the recorded 2020 budget (66.09, FIN): the headroom in 2021 is then 66.09 x growth, worked
out by hand, and a mix asking for twice it must get exactly half of each increase (scale) or the
first lever in full and the last nothing (priority).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ecosim.explore.provenance import scenario_toml
from ecosim.cli import main
from ecosim.model import EcosystemModel, resolve, simulate
from ecosim.scenario import Scenario, ScenarioError, load_scenario

BUDGET_2020 = 66.09
"""Shanxi general-budget expenditure on science and technology in 2020, 100m yuan (history.csv, FIN)."""
GROWTH = 0.10
HEADROOM_2021 = BUDGET_2020 * GROWTH
"""The budget's growth from 2020 to 2021 at GROWTH a year: what outlays may add in 2021."""
OPEN_2020, FUND_2020 = 1.0, 5.0
"""open_competition_budget and guidance_fund_capital in 2020 (policy_history.csv), 100m yuan per year."""


def _twice_the_headroom(**budget) -> Scenario:
    """2021 only: each of the two levers asks for one headroom more than in 2020 (twice it in all)."""
    return Scenario().until(2021).with_changes({"parameter_uncertainty": False,
        "levers": {"open_competition_budget": OPEN_2020 + HEADROOM_2021,
                   "guidance_fund_capital": FUND_2020 + HEADROOM_2021},
        "budget": {"growth": GROWTH, **budget}}, name="twice-the-headroom")


def _run(scenario: Scenario, seed: int = 3):
    model = EcosystemModel(resolve(scenario), seed)
    table = model.run()
    return model, table.set_index("year")


def test_scale_funds_each_programme_by_the_same_half():
    model, table = _run(_twice_the_headroom(shortfall="scale"))
    gov, row = model.government, table.loc[2021]
    assert row["budget"] == pytest.approx(BUDGET_2020 * (1 + GROWTH), rel=1e-12)
    assert row["budget_headroom"] == pytest.approx(HEADROOM_2021, rel=1e-12)
    assert row["budget_requested"] == pytest.approx(2 * HEADROOM_2021, rel=1e-12)
    assert row["budget_shortfall"] == pytest.approx(HEADROOM_2021, rel=1e-12)
    assert row["budget_funded_share"] == pytest.approx(0.5, rel=1e-12)
    assert row["budget_binding"] == 1.0
    assert gov.lever("open_competition_budget", 1) == pytest.approx(OPEN_2020 + 0.5 * HEADROOM_2021, rel=1e-12)
    assert gov.lever("guidance_fund_capital", 1) == pytest.approx(FUND_2020 + 0.5 * HEADROOM_2021, rel=1e-12)
    # the model books what was funded, not what was asked
    assert row["outlay_open_competition_budget"] == pytest.approx(OPEN_2020 + 0.5 * HEADROOM_2021, rel=1e-12)
    assert row["outlay_guidance_fund_capital"] == pytest.approx(FUND_2020 + 0.5 * HEADROOM_2021, rel=1e-12)
    assert table.loc[2020, "budget_binding"] == 0.0


@pytest.mark.parametrize("order", [("open_competition_budget", "guidance_fund_capital"),
                                   ("guidance_fund_capital", "open_competition_budget")])
def test_priority_funds_the_first_in_full_and_cuts_the_last(order):
    model, table = _run(_twice_the_headroom(shortfall="priority", priority=list(order)))
    gov = model.government
    base = {"open_competition_budget": OPEN_2020, "guidance_fund_capital": FUND_2020}
    first, last = order
    assert gov.lever(first, 1) == pytest.approx(base[first] + HEADROOM_2021, rel=1e-12)
    assert gov.lever(last, 1) == pytest.approx(base[last], rel=1e-12)
    assert table.loc[2021, f"outlay_{first}"] == pytest.approx(base[first] + HEADROOM_2021, rel=1e-12)
    assert table.loc[2021, "budget_funded_share"] == pytest.approx(0.5, rel=1e-12)


def test_a_mix_inside_the_headroom_is_funded_as_scheduled():
    scenario = Scenario().until(2021).with_changes({"parameter_uncertainty": False,
        "levers": {"open_competition_budget": OPEN_2020 + 0.4 * HEADROOM_2021,
                   "guidance_fund_capital": FUND_2020 + 0.4 * HEADROOM_2021},
        "budget": {"growth": GROWTH}})
    model, table = _run(scenario)
    assert table.loc[2021, "budget_binding"] == 0.0
    assert table.loc[2021, "budget_shortfall"] == 0.0
    assert model.government.lever("guidance_fund_capital", 1) == FUND_2020 + 0.4 * HEADROOM_2021


def test_an_integer_lever_is_funded_in_whole_units():
    # platforms cost platform_cost (m yuan) each a year; ask for 1.5 headrooms' worth, get at most 2/3 of it
    a = resolve(Scenario().with_changes({"parameter_uncertainty": False})).assumptions
    per_platform = a["platform_cost"] / 100.0
    wanted = 50 + math.ceil(1.5 * HEADROOM_2021 / per_platform)
    model, table = _run(Scenario().until(2021).with_changes({"parameter_uncertainty": False, "levers": {"platforms": wanted},
        "budget": {"growth": GROWTH}}))
    funded = model.government.lever("platforms", 1)
    assert funded == int(funded)
    assert 50 < funded <= 50 + HEADROOM_2021 / per_platform
    assert (funded - 50) * per_platform <= HEADROOM_2021 + 1e-9


def test_the_baseline_never_binds_and_the_budget_changes_nothing_while_it_does_not():
    limited = Scenario().with_changes({"parameter_uncertainty": False})
    table = simulate(limited, seed=5)
    assert (table["budget_binding"] == 0).all()
    assert (table["budget_requested"] == 0).all()
    assert (table["budget_funded_share"] == 1).all()
    unlimited = simulate(limited.with_changes({"budget.shortfall": "none"}), seed=5)
    np.testing.assert_array_equal(table["rd_intensity"].to_numpy(), unlimited["rd_intensity"].to_numpy())
    np.testing.assert_array_equal(table["social_cost"].to_numpy(), unlimited["social_cost"].to_numpy())


def test_default_path_is_the_2020_share_of_gdp_planned_on_last_years_gdp():
    # the share by hand from history.csv: S&T budget (FIN) over GDP (2020 implied)
    share = 66.09 / 17592 * 100.0
    scenario = Scenario().until(2024).with_changes({"parameter_uncertainty": False})
    growth = resolve(scenario).assumptions["gdp_remainder_growth"]
    table = simulate(scenario, seed=2).set_index("year")
    assert table.loc[2020, "budget"] == BUDGET_2020
    for year in range(2021, 2025):
        expected = share / 100.0 * table.loc[year - 1, "gdp"] * math.exp(growth)
        assert table.loc[year, "budget"] == pytest.approx(expected, rel=1e-9)
        assert table.loc[year, "budget_headroom"] == pytest.approx(max(expected - BUDGET_2020, 0.0), rel=1e-9)


def test_a_set_share_of_gdp_and_a_growth_rate_give_their_paths():
    scenario = Scenario().until(2023).with_changes({"parameter_uncertainty": False,
                                        "budget": {"share_of_gdp": 0.5}})
    growth = resolve(scenario).assumptions["gdp_remainder_growth"]
    table = simulate(scenario, seed=2).set_index("year")
    assert table.loc[2023, "budget"] == pytest.approx(0.005 * table.loc[2022, "gdp"] * math.exp(growth), rel=1e-9)
    grown_rule = Scenario().until(2023).with_changes({"parameter_uncertainty": False, "budget": {"growth": 0.04}})
    assert grown_rule.budget.share_of_gdp is None
    grown = simulate(grown_rule, seed=2).set_index("year")
    assert grown.loc[2023, "budget"] == pytest.approx(BUDGET_2020 * 1.04**3, rel=1e-12)


def test_the_calibration_window_is_not_limited():
    # base year 2011, recorded policy to 2020: the levers before the policy start are the record
    table = simulate(Scenario().with_changes({"base_year": 2011, "horizon": 2020, "policy_start_year": 2021,
                                              "target": {"year": 2020}, "parameter_uncertainty": False}), seed=1)
    assert (table["budget_binding"] == 0).all() and (table["budget_headroom"] == 0).all()
    assert table.set_index("year").loc[2013, "budget"] == 62.06


def test_the_budget_round_trips_through_the_scenario_dict_and_the_file_as_run(tmp_path):
    scenario = _twice_the_headroom(shortfall="priority", priority=["guidance_fund_capital"])
    again = Scenario.from_dict(scenario.to_dict())
    assert again.budget == scenario.budget
    assert again.budget.priority == ("guidance_fund_capital",)
    path = tmp_path / "as-run.toml"
    path.write_text(scenario_toml(scenario), encoding="utf-8")
    assert load_scenario(path).budget == scenario.budget


@pytest.mark.parametrize("budget, field, words", [
    ('share_of_gdp = 5.0', "budget.share_of_gdp", "out of range; allowed is a number from 0.1 to 2 (percent of GDP)"),
    ('share_of_gdp = "high"', "budget.share_of_gdp", "a number from 0.1 to 2"),
    ('growth = 0.9', "budget.growth", "allowed is a number from -0.2 to 0.3 (share per year)"),
    ('growth = 0.05\nshare_of_gdp = 0.4', "budget.growth", "not both"),
    ('shortfall = "cut"', "budget.shortfall", "must be one of scale, priority, none"),
    ('shortfall = "priority"\npriority = ["rd_super_deduction_rate"]', "budget.priority", "is not an outlay lever"),
    ('shortfall = "priority"\npriority = ["platforms", "platforms"]', "budget.priority", "names a lever twice"),
    ('priority = ["platforms"]', "budget.priority", 'only with shortfall = "priority"'),
    ('ceiling = 3', "budget.ceiling", "unknown field; allowed fields are share_of_gdp, growth, shortfall, priority"),
])
def test_malformed_budget_fields_exit_2_naming_file_field_and_range(tmp_path, capsys, budget, field, words):
    path = tmp_path / "bad-budget.toml"
    path.write_text(f'name = "bad"\n\n[budget]\n{budget}\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", str(path), "--replications", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and field in err and words in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_budget_must_be_a_table():
    with pytest.raises(ScenarioError, match="budget: must be a table"):
        Scenario.from_dict({"budget": 3})


def test_reading_a_later_year_ahead_changes_nothing():
    scenario = _twice_the_headroom(shortfall="scale")
    model = EcosystemModel(resolve(scenario), 3)
    assert model.government.lever("guidance_fund_capital", 1) == FUND_2020 + HEADROOM_2021  # the schedule
    table = model.run().set_index("year")
    _, again = _run(scenario)
    assert table.loc[2021, "outlay_guidance_fund_capital"] == again.loc[2021, "outlay_guidance_fund_capital"]
    assert model.government.lever("guidance_fund_capital", 1) == pytest.approx(FUND_2020 + 0.5 * HEADROOM_2021)


def _unbounded_run(scenario: Scenario, seed: int):
    """One run of ``scenario`` with the budget reporting but not cutting: the mix as written."""
    table = simulate(scenario.with_changes({"budget.shortfall": "none"}), seed=seed)
    table.insert(0, "replication", 0)
    return table


@pytest.mark.parametrize("rule", ["share_of_gdp", "growth"])
def test_the_budget_found_to_fund_a_mix_funds_it_and_one_percent_less_does_not(rule):
    # The claim checked: the budget funds every increase in year t exactly when budget_t - budget_2020
    # >= requested_t, so a budget that is a share of GDP needs share x max_t need_t / budget_t and a
    # growing one ((need_t / budget_2020)^(1/k) - 1). Running the mix with the setting found must
    # leave it uncut and act exactly as the mix run with the budget not cutting.
    from ecosim.analysis.costs import CostWindow, budget_to_fund
    from ecosim.model.government import budget_share_of_gdp

    mix = Scenario().until(2024).with_changes({"parameter_uncertainty": False,
                                               "levers": {"rd_reward_rate": 0.05, "talent_recruits": 300}})
    window = CostWindow(2021, 2024)
    for seed in (4, 9):
        unbounded = _unbounded_run(mix, seed)
        found = budget_to_fund(unbounded, window, 2020, 2020, budget_share_of_gdp(resolve(mix)))
        needed = found[rule]["median"]
        assert found[rule]["q90"] == needed  # one replication
        funded = simulate(mix.with_changes({"budget": {rule: needed * 1.0001}}), seed=seed).set_index("year")
        assert (funded.loc[2021:2024, "budget_binding"] == 0).all()
        np.testing.assert_allclose(funded["rd_intensity"].to_numpy(), unbounded["rd_intensity"].to_numpy(),
                                   rtol=1e-9)
        short = simulate(mix.with_changes({"budget": {rule: needed * 0.99}}), seed=seed).set_index("year")
        assert short.loc[2021:2024, "budget_binding"].max() == 1


def test_a_run_reports_what_was_funded_beside_what_was_written():
    # twice the headroom, scale rule: each lever funded at half its increase (see the test above)
    model, table = _run(_twice_the_headroom())
    assert table.loc[2021, "funded_open_competition_budget"] == pytest.approx(OPEN_2020 + HEADROOM_2021 / 2)
    assert table.loc[2021, "funded_guidance_fund_capital"] == pytest.approx(FUND_2020 + HEADROOM_2021 / 2)
    assert table.loc[2021, "budget_funded_share"] == pytest.approx(0.5)
    from ecosim.analysis.costs import CostWindow, funding

    table = table.reset_index()
    table.insert(0, "replication", 0)
    levers = funding(table, _twice_the_headroom(), CostWindow(2021, 2021))["levers"]
    assert set(levers) == {"open_competition_budget", "guidance_fund_capital"}
    assert levers["open_competition_budget"]["requested"][2021] == pytest.approx(OPEN_2020 + HEADROOM_2021)
    assert levers["open_competition_budget"]["funded"][2021] == pytest.approx(OPEN_2020 + HEADROOM_2021 / 2)


def test_a_forecast_that_binds_says_what_budget_would_fund_it():
    import ecosim

    result = ecosim.forecast(_twice_the_headroom().with_changes({"target.year": 2021}), 3, progress=False)
    budget = result.summary()["budget"]
    assert budget["funded_share"][2021] == pytest.approx(0.5)
    # growth needed: the 2021 request (two headrooms) over the 2020 budget, worked out by hand
    assert budget["to_fund_as_written"]["growth"]["median"] == pytest.approx(2 * GROWTH, rel=1e-9)
    assert budget["to_fund_as_written"]["share_of_gdp"] is None  # the mix grows its budget at a rate
    unbound = ecosim.forecast(Scenario().until(2022).with_changes({"target.year": 2022}), 2, progress=False)
    assert unbound.summary()["budget"]["to_fund_as_written"] is None
