"""Every lever's cost counted once, by kind, over one cost window that every output shares.

Checks: the revenue forgone of the super-deduction equals tau x s x deductible R&D worked out by
hand on three firms; the window sums exactly its named years, with median and mean over
replications as computed by hand; ``ecosim run`` (the forecast summary), ``compare`` and
``optimize`` report the same window and the same number for the same scenario and seeds; the
catalogue declares each lever's kinds; a mandate's compliance cost is zero without it and bounded
by what it can force.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ecosim.api.compare import compare
from ecosim.analysis.costs import CostWindow, cost_window, scenario_cost, window_costs
from ecosim.analysis.design import cost_and_probability, search_bounds
from ecosim.api.design import optimize
from ecosim.explore.design import ScenarioObjective
from ecosim.api.forecast import forecast
from ecosim.cli.run import describe
from ecosim.levers import COST_KINDS, LEVERS, OUTLAY_LEVERS
from ecosim.model import EcosystemModel, resolve, simulate
from ecosim.model.government import FIRM_COST_RULES
from ecosim.scenario import Scenario, load_scenario

# --- revenue forgone by hand ------------------------------------------------------------------


def test_super_deduction_revenue_forgone_is_tau_times_rate_times_deductible_rd():
    scenario = Scenario().until(2021).with_changes({
        "parameter_uncertainty": False,
        "levers": {"rd_super_deduction_rate": 0.5, "rd_super_deduction_rate_manufacturing": 1.0}})
    model = EcosystemModel(resolve(scenario), 4)
    model.step()  # the base year; now t = 1 (2021), nothing booked for it yet
    firms, gov = model.enterprises, model.government
    alive = np.flatnonzero(firms.alive)
    a, b, c = alive[:3]
    firms.rd[:] = 0.0
    firms.rd[[a, b, c]] = [40.0, 100.0, 80.0]  # m yuan
    firms.manufacturing[[a, b, c]] = [False, False, True]
    firms.deduction_share[[a, b, c]] = [1.0, 0.6, 1.0]
    firms.hte_until[[a, b, c]] = [0, 2030, 0]  # b holds an HTE certificate in 2021: taxed at 15%
    gov.book_costs(1, gov.policy(1), FIRM_COST_RULES)  # the firm levers' rules alone
    # by hand (m yuan): a 0.25 x 0.5 x 1.0 x 40 = 5.0; b 0.15 x 0.5 x 0.6 x 100 = 4.5; c 0.25 x 1.0 x 1.0 x 80 = 20
    assert gov.costs["revenue_forgone"]["rd_super_deduction_rate"][1] == pytest.approx((5.0 + 4.5) / 100, rel=1e-12)
    assert gov.costs["revenue_forgone"]["rd_super_deduction_rate_manufacturing"][1] == pytest.approx(0.20, rel=1e-12)


# --- the window -------------------------------------------------------------------------------


def _synthetic(multipliers=(1.0, 2.0, 6.0)) -> pd.DataFrame:
    """Replications of 2020-2030 whose yearly costs are known: outlay = multiplier x (year - 2000),
    revenue forgone = multiplier, compliance = 0.5 x multiplier."""
    rows = []
    for r, m in enumerate(multipliers):
        for year in range(2020, 2031):
            outlay, forgone, compliance = m * (year - 2000), m, 0.5 * m
            rows.append({"replication": r, "year": year, "outlay_total": outlay, "revenue_forgone_total": forgone,
                         "compliance_total": compliance, "government_cost": outlay + forgone,
                         "social_cost": outlay + forgone + compliance, "budget_binding": float(year == 2023 and r == 2)})
    return pd.DataFrame(rows)


def test_the_window_sums_exactly_its_named_years():
    per_run = window_costs(_synthetic(), CostWindow(2021, 2024))
    # 21 + 22 + 23 + 24 = 90 per unit multiplier; revenue forgone 4 years x multiplier
    assert per_run["outlay"].tolist() == [90.0, 180.0, 540.0]
    assert per_run["revenue_forgone"].tolist() == [4.0, 8.0, 24.0]
    assert per_run["social"].tolist() == [96.0, 192.0, 576.0]
    costs = scenario_cost(_synthetic(), CostWindow(2021, 2024))
    assert costs["window"] == "2021-2024"
    assert costs["outlay_cost_median"] == 180.0
    assert costs["outlay_cost_mean"] == 270.0
    assert costs["government_cost_mean"] == pytest.approx((94 + 188 + 564) / 3)
    assert costs["compliance_cost_median"] == 4.0
    assert scenario_cost(_synthetic(), CostWindow(2024, 2024))["outlay_cost_median"] == 48.0


def test_a_window_past_the_simulated_years_is_refused():
    with pytest.raises(ValueError, match=r"cost window 2021-2031: years \[2031\] are not simulated"):
        window_costs(_synthetic(), CostWindow(2021, 2031))


def test_the_default_window_runs_from_the_policy_start_to_the_target_year():
    go = load_scenario("guiding-opinions")
    assert cost_window(go).label == "2021-2024"
    assert cost_window(go.with_changes({"target.year": 2030})).years == list(range(2021, 2031))


def test_the_optimiser_minimises_the_mean_social_cost_or_the_government_cost():
    tables = [run.drop(columns="replication") for _, run in _synthetic().groupby("replication")]
    for table in tables:
        table["target_met"] = 0.0
    scenario = Scenario()
    social, p = cost_and_probability(tables, scenario)
    government, _ = cost_and_probability(tables, scenario, "government")
    assert social == pytest.approx((96 + 192 + 576) / 3)
    assert government == pytest.approx((94 + 188 + 564) / 3)
    assert p == 0.0


# --- the same number everywhere --------------------------------------------------------------


@pytest.fixture(scope="module")
def short_go() -> Scenario:
    return load_scenario("guiding-opinions").until(2024)


def test_run_compare_and_optimize_report_the_same_window_and_cost(short_go):
    seed, reps = 11, 3
    summary = forecast(short_go, replications=reps, seed=seed, progress=False).summary()
    table = compare({"baseline": Scenario().until(2024), "go": short_go}, replications=reps, seed=seed,
                    progress=False).table()
    assert summary["cost_window"] == table.loc["go", "cost_window"] == "2021-2024"
    for measure in ("outlay", "revenue_forgone", "compliance", "government", "social"):
        assert table.loc["go", f"{measure}_cost_median"] == pytest.approx(
            summary["costs"][f"{measure}_cost_median"], rel=1e-12)
    names = ("rd_reward_rate", "soe_rd_floor")
    x = np.array([short_go.levers[n] for n in names], dtype=float)
    cost, _ = ScenarioObjective(short_go, names, reps, seed, cost_and_probability)(x)
    assert cost == pytest.approx(summary["costs"]["social_cost_mean"], rel=1e-12)
    assert "Cost 2021-2024 (100m yuan, medians over replications" in describe(
        forecast(short_go, replications=reps, seed=seed, progress=False))


def test_optimize_reports_its_window_and_the_costs_of_its_mix(short_go):
    result = optimize(short_go, 0.5, ["rd_reward_rate"], replications=2, workers=1, maxiter=1, popsize=2, seed=5)
    assert result.window == "2021-2024" and result.cost == "social"
    mix = result.best or result.fallback
    again = forecast(short_go.with_changes({"levers.rd_reward_rate": mix["rd_reward_rate"]}),
                     replications=4, seed=6, progress=False).summary()["costs"]
    assert result.fresh["social_cost_median"] == pytest.approx(again["social_cost_median"], rel=1e-12)
    assert result.fresh["cost"] == pytest.approx(again["social_cost_mean"], rel=1e-12)
    assert list(result.cost_by_lever.index) == [2021, 2022, 2023, 2024]


def test_the_2020_floor_bounds_the_search_from_the_2020_values_up():
    names = ["rd_reward_rate", "soe_rd_floor", "platforms"]
    scenario = load_scenario("baseline")
    assert scenario.base_year == 2020
    kept = dict(zip(names, search_bounds(scenario, names)))
    assert kept["rd_reward_rate"] == (scenario.region.lever_value("rd_reward_rate", 2020), LEVERS["rd_reward_rate"].high)
    assert kept["platforms"] == (50, 200)
    assert dict(zip(names, search_bounds(scenario, names, keep_2020_floor=False)))["platforms"] == (0, 200)


# --- the catalogue and the mandates ---------------------------------------------------------


def test_every_lever_declares_its_cost_kinds_once():
    assert all(set(lever.cost_kinds) <= set(COST_KINDS) for lever in LEVERS.values())
    assert all(len(set(lever.cost_kinds)) == len(lever.cost_kinds) for lever in LEVERS.values())
    forgone = {n for n, lever in LEVERS.items() if "revenue_forgone" in lever.cost_kinds}
    assert forgone == {"rd_super_deduction_rate", "rd_super_deduction_rate_manufacturing", "hte_income_tax_rate",
                       "software_vat_refund_threshold"}
    assert not forgone & set(OUTLAY_LEVERS)
    mandates = {n for n, lever in LEVERS.items() if "compliance" in lever.cost_kinds}
    assert mandates == {"soe_rd_floor", "innovation_full_coverage", "hte_cultivation_firms"}


@pytest.fixture(scope="module")
def floors() -> dict[float, pd.DataFrame]:
    base = Scenario().until(2024).with_changes({"parameter_uncertainty": False})
    return {floor: simulate(base.with_changes({"levers.soe_rd_floor": floor}), seed=8).set_index("year")
            for floor in (0.0, 0.01, 0.02)}


def test_the_soe_floor_costs_firms_nothing_without_it_and_more_the_higher_it_is(floors):
    assert (floors[0.0]["compliance_soe_rd_floor"] == 0).all()
    years = list(range(2021, 2025))
    assert (floors[0.01].loc[years, "compliance_soe_rd_floor"] > 0).all()
    assert (floors[0.02].loc[years, "compliance_soe_rd_floor"] > floors[0.01].loc[years, "compliance_soe_rd_floor"]).all()


def test_the_floor_forces_at_most_the_floor_times_state_owned_revenue():
    scenario = Scenario().until(2021).with_changes({"parameter_uncertainty": False, "levers.soe_rd_floor": 0.02})
    model = EcosystemModel(resolve(scenario), 8)
    model.run()
    firms = model.enterprises
    bound = firms.floor_enforced & firms.state_owned & firms.alive
    ceiling = 0.02 * float(firms.revenue[bound].sum()) / 100.0
    forced = model.government.costs["compliance"]["soe_rd_floor"][1]
    assert 0 < forced <= ceiling


def test_the_floors_compliance_cost_leaves_out_what_firms_relabel():
    """Reported R&D raised to meet the floor is partly relabelled spending, which costs the firm
    nothing: the compliance cost is the forced R&D times (1 - mandate_relabel_share). In the first
    policy year the forced R&D does not depend on that share (relabelling acts on knowledge, at the
    year's end), so the costs at shares 0.6 and 0.2 stand as 0.4 to 0.8."""
    scenario = Scenario().until(2021).with_changes({"parameter_uncertainty": False, "levers.soe_rd_floor": 0.02})
    cost = {share: simulate(scenario.with_changes({"assumptions.mandate_relabel_share": share}), seed=8)
            .set_index("year").loc[2021, "compliance_soe_rd_floor"] for share in (0.2, 0.6)}
    assert cost[0.2] > 0
    assert cost[0.6] / cost[0.2] == pytest.approx(0.4 / 0.8, rel=1e-9)


def test_the_pipelines_compliance_is_what_coached_firms_do_beyond_their_own_choice_and_all_of_a_recruits():
    """Three coached performers (revenue 40 m yuan): one enrolled with a 1% ratio of its own doing 2 m
    yuan of real R&D (1.6 beyond its own 0.4), one recruited without R&D doing 1.5 (all of it the
    programme's, whatever its latent ratio), one that stopped (nothing); and an uncoached firm
    (nothing). Compliance is (1.6 + 1.5) m yuan = 0.031 (100m yuan)."""
    from types import SimpleNamespace

    from ecosim.data import load_region
    from ecosim.model.enterprises import Enterprises
    from ecosim.model.government import hte_cultivation_firms_compliance

    firms = Enterprises(capacity=4, region=load_region())
    firms.alive[:] = True
    firms.revenue[:] = 40.0
    firms.intensity0[:] = 0.01
    firms.coached_ratio[:3] = 0.05
    firms.cultivation_started[1] = True
    firms.rd[:] = firms.rd_real[:] = [2.0, 1.5, 0.0, 3.0]
    year = SimpleNamespace(firms=firms, of_firms=lambda m_yuan: m_yuan / 100.0)
    assert hte_cultivation_firms_compliance(year) == pytest.approx(0.031, abs=1e-12)
