"""Model behaviour checked against numbers worked out independently of the code.

* reproducibility: a run is a pure function of (scenario, assumptions, seed), in any process;
* monotonicity: a more generous super-deduction never lowers enterprise R&D (common random numbers);
* the base year reproduces the statistics it is initialised from (history.csv, read here directly);
* the firm rules on a tiny hand-built population follow the formulas computed by hand;
* the HTE R&D/revenue thresholds apply exactly at their band edges (policy text).
"""

from __future__ import annotations

import concurrent.futures
import functools
import multiprocessing

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ecosim.data import load_region
from ecosim.model import EcosystemModel, simulate
from ecosim.model.model import random_streams
from ecosim.model.enterprises import Enterprises, YearPolicy
from ecosim.model.inputs import HteThresholds, hte_thresholds, resolve
from ecosim.scenario import Scenario, load_scenario

HISTORY = load_region().root / "history.csv"


def _history(variable: str, region: str = "shanxi") -> dict[int, float]:
    table = pd.read_csv(HISTORY)
    rows = table[(table["region"] == region) & (table["variable"] == variable)]
    return {int(y): float(v) for y, v in zip(rows["year"], rows["value"])}


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def baseline_run(baseline) -> pd.DataFrame:
    return simulate(baseline, 7)


# --- reproducibility --------------------------------------------------------------------------

def test_same_scenario_and_seed_give_identical_tables(baseline, baseline_run):
    assert_frame_equal(simulate(baseline, 7), baseline_run, check_exact=True)


def test_different_seed_gives_a_different_table(baseline, baseline_run):
    other = simulate(baseline, 8)
    assert other.shape == baseline_run.shape
    after_base = baseline_run["year"] > baseline.base_year
    assert not np.array_equal(other.loc[after_base, "rd_expenditure"].to_numpy(),
                              baseline_run.loc[after_base, "rd_expenditure"].to_numpy())


def test_run_in_another_process_gives_the_identical_table(baseline, baseline_run):
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no state shared with this one
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        remote = pool.submit(simulate, baseline, 7).result(timeout=120)
    assert_frame_equal(remote, baseline_run, check_exact=True)


# --- monotonicity in the super-deduction rate -------------------------------------------------

@functools.cache
def _enterprise_run(lever: str, rate: float, seed: int) -> pd.DataFrame:
    """A baseline run with one super-deduction rate changed (the 2020 rate 0.75 is the baseline itself)."""
    scenario = load_scenario("baseline")
    if rate != scenario.region.lever_value(lever, scenario.base_year):
        scenario = scenario.with_changes({f"levers.{lever}": rate})
    return simulate(scenario, seed)


@pytest.mark.parametrize("lever", ["rd_super_deduction_rate", "rd_super_deduction_rate_manufacturing"])
def test_higher_super_deduction_never_lowers_enterprise_rd(baseline, lever):
    """Same seed, only the rate changes: with common random numbers every year's enterprise R&D
    from the policy start on is at least as high under the more generous rate."""
    violations = []
    for seed in range(3):
        previous = None
        for rate in (0.75, 1.0, 1.5):
            table = _enterprise_run(lever, rate, seed)
            after = table[table["year"] >= baseline.policy_start_year]
            rd = after["rd_by_enterprises"].to_numpy()
            if previous is not None:
                drop = previous - rd
                violations += [(seed, rate, int(y), round(float(d), 3))
                               for y, d, level in zip(after["year"], drop, previous) if d > 1e-9 * level]
            previous = rd
    assert violations == [], f"(seed, rate, year, drop in 100m yuan): {violations[:8]}"


# --- the base year reproduces its data --------------------------------------------------------

def test_base_year_enterprise_rd_is_the_recorded_figure(baseline, baseline_run):
    # base year 2020: SX20 records enterprise-performed R&D of 176.2 (100m yuan); open-competition
    # grants to firms are part of it (the lever is 1.0 in 2020), so the firms' own R&D is set to the rest
    assert baseline.base_year == 2020
    assert _history("rd_by_enterprises")[2020] == 176.2
    got = baseline_run.loc[baseline_run["year"] == 2020, "rd_by_enterprises"].item()
    assert got == pytest.approx(176.2, rel=1e-9)


def test_gdp_and_national_intensity_follow_the_history_to_2020(baseline):
    gdp = _history("gdp_implied")
    gdp.update(_history("gdp"))  # published GDP where given, the derived one elsewhere
    national = _history("rd_intensity_first_published", region="china")
    table = simulate(baseline.with_changes({"base_year": 2011}).until(2020), 3).set_index("year")
    for year in range(2011, 2021):
        assert table.loc[year, "gdp"] == pytest.approx(gdp[year], rel=1e-12), year
        assert table.loc[year, "national_rd_intensity"] == pytest.approx(national[year], rel=1e-12), year
    # spot values written out from the statistics
    assert table.loc[2019, "gdp"] == pytest.approx(17026.7)
    assert table.loc[2020, "national_rd_intensity"] == pytest.approx(2.40)


def test_base_year_industrial_rd_performers_extrapolate_2018_and_2019(baseline_run):
    performers = _history("above_scale_industrial_firms_with_rd")
    assert (performers[2018], performers[2019]) == (445, 530)
    expected = round(530 * (530 / 445))          # log-linear from the last two recorded years
    assert expected == 631
    assert baseline_run.loc[baseline_run["year"] == 2020, "industrial_firms_doing_rd"].item() == expected


# --- the firm rules by hand -------------------------------------------------------------------

def _hand_assumptions(**changes) -> dict[str, float]:
    """Every spill-over, outside money and common shock off; participation settled (no shock)."""
    a = load_region().defaults()
    a.update(participation_shock_sd=1e-12, spillover_strength=0.0, institution_spillover_strength=0.0,
             software_refund_rd_share=0.0, venture_rd_share=0.0, tech_credit_rd_share=0.0,
             hte_bunching_window=0.0, rd_catch_up_rate=0.0, participation_cost_sensitivity=0.0,
             soe_user_cost_response=0.3)
    a.update(changes)
    return a


def _policy(super_deduction=0.0, manufacturing=0.0, reward=0.0) -> YearPolicy:
    return YearPolicy(super_deduction=super_deduction, super_deduction_manufacturing=manufacturing,
                      hte_tax_rate=0.25, reward_rate=reward, full_coverage=0.0, soe_floor=0.0,
                      cultivation_firms=0, smart_factories=0)


def _tiny_population(a: dict) -> Enterprises:
    """Four firms (m yuan): three performers (one state-owned, one coal-linked loss-maker), one non-participant."""
    firms = Enterprises(capacity=4, region=load_region())
    firms.a = a
    firms.year = 2016
    firms.alive[:] = True
    firms.manufacturing[:] = [False, True, False, False]
    firms.state_owned[:] = [False, True, False, False]
    firms.coal_link_of[:] = [0.0, 0.0, 1.0, 0.0]
    firms.revenue[:] = [100.0, 300.0, 100.0, 80.0]
    firms.margin[:] = [0.10, 0.08, -0.05, 0.10]      # firm 2 makes a loss
    firms.margin0[:] = [0.10, 0.08, 0.02, 0.10]      # ... after a coal-price fall from a 2% margin
    firms.budget_margin[:] = firms.margin
    firms.deduction_share[:] = [1.0, 1.0, 0.5, 1.0]
    firms.cost_class[:] = 2 * firms.manufacturing + (firms.margin > 0)
    firms.intensity0[:] = [0.02, 0.015, 0.05, 0.02]
    firms.intensity[:] = [0.01, 0.02, 0.03, 0.00625]
    firms.rd[:] = firms.intensity * firms.revenue
    firms.rd_real[:] = firms.rd
    firms.propensity[:] = [10.0, 10.0, 10.0, -10.0]   # far from the cut-off: participation is settled
    firms.log_user_cost0[:] = np.log([1.0, 0.9, 1.0, 1.0])
    firms.knowledge[:] = [5.0, 20.0, 8.0, 1.0]
    firms.tech_bought[:] = [0.5, 2.0, 0.0, 0.1]
    return firms


def _decide_rd(firms: Enterprises, a: dict, policy: YearPolicy, inputs, shock: float = 0.0) -> None:
    """Call decide_rd for year index 1 with no spill-over and a run's keyed draws."""
    _, _, draws = random_streams(0, inputs.years.size)
    firms.decide_rd(a, policy, inputs, 1, np.zeros(len(load_region().sectors)), shock, draws)


@pytest.mark.parametrize("super_deduction, manufacturing, reward, shock",
                         [(0.0, 0.0, 0.0, 0.0), (0.75, 1.0, 0.05, 0.1)])
def test_decide_rd_follows_the_partial_adjustment_rule_by_hand(super_deduction, manufacturing, reward, shock):
    a = _hand_assumptions()
    firms = _tiny_population(a)
    inputs = resolve(Scenario())
    policy = _policy(super_deduction, manufacturing, reward)
    x0 = firms.intensity.copy()
    _decide_rd(firms, a, policy, inputs, shock)

    tau, lam, e = 0.25, a["rd_adjustment_speed"], a["rd_user_cost_elasticity"]
    expected = []
    for k in range(3):
        phi = firms.deduction_share[k]
        s = manufacturing if firms.manufacturing[k] else super_deduction
        b = (1 - phi * tau * (1 + s) - a["reward_marginal_share"] * reward) / (1 - phi * tau)
        elasticity = e * (a["soe_user_cost_response"] if firms.state_owned[k] else 1.0)
        cash = (max(firms.margin[k] + a["cash_flow_buffer"], 0.01) / (firms.margin0[k] + a["cash_flow_buffer"])
                ) ** a["rd_cash_flow_elasticity"]
        target = firms.intensity0[k] * (b / np.exp(firms.log_user_cost0[k])) ** (-elasticity) * cash
        expected.append((x0[k] + lam * (target - x0[k])) * firms.revenue[k] * np.exp(shock))
    expected.append(0.0)  # the non-participant stops R&D

    # the coal-linked loss-maker's budget is cut: cash flow 0.01 against 0.07 in the base year
    assert firms.intensity[2] < x0[2] + lam * (firms.intensity0[2] - x0[2])
    np.testing.assert_allclose(firms.rd, expected, rtol=1e-12, atol=0)
    np.testing.assert_allclose(firms.rd_real, firms.rd, rtol=0, atol=0)  # no lift, nothing relabelled
    assert firms.rd[3] == 0.0


def test_state_owned_firms_respond_less_to_the_user_cost():
    a = _hand_assumptions()
    responses = []
    for soe in (False, True):
        after = []
        for policy in (_policy(), _policy(0.75, 1.0, 0.0)):
            firms = _tiny_population(a)
            firms.state_owned[1] = soe
            _decide_rd(firms, a, policy, resolve(Scenario()))
            after.append(firms.intensity[1])
        responses.append(after[1] - after[0])
    # the cheaper R&D raises both; the state-owned firm's rise is the assumed share of the private one's
    # in log terms of the target: (B1/B0)^(-e*share) - 1 against (B1/B0)^(-e) - 1
    assert 0 < responses[1] < responses[0]


def test_user_cost_is_the_b_index_by_hand():
    a = _hand_assumptions()
    firms = _tiny_population(a)
    a["reward_marginal_share"] = 0.5
    b = firms.user_cost(_policy(0.75, 1.0, 0.1), 2016)
    # a 10% reward of which half lowers the marginal cost: r_eff = 0.05
    # non-manufacturing, phi = 1: (1 - 0.25*1.75 - 0.05) / 0.75 ; manufacturing: (1 - 0.25*2 - 0.05) / 0.75
    np.testing.assert_allclose(b[:2], [(1 - 0.4375 - 0.05) / 0.75, (1 - 0.5 - 0.05) / 0.75], rtol=1e-14)
    # phi = 0.5 (a loss-maker): (1 - 0.125*1.75 - 0.05) / 0.875
    assert b[2] == pytest.approx((1 - 0.125 * 1.75 - 0.05) / 0.875, rel=1e-14)
    # with no levers the B-index is exactly 1 for everyone
    np.testing.assert_allclose(firms.user_cost(_policy(), 2017), 1.0, rtol=1e-15)


def test_innovate_updates_knowledge_by_the_perpetual_inventory_rule():
    a = _hand_assumptions()
    firms = _tiny_population(a)
    k0, rd, bought = firms.knowledge.copy(), firms.rd.copy(), firms.tech_bought.copy()
    firms.innovate(a, 1, random_streams(0, 11)[2])
    delta, w = a["knowledge_depreciation"], a["tech_absorption_weight"]
    by_hand = [(1 - delta) * k0[i] + rd[i] + w * bought[i] for i in range(4)]
    np.testing.assert_allclose(firms.knowledge, by_hand, rtol=1e-14)
    # e.g. firm 1: K = (1 - delta) * 20 + 6 + w * 2
    assert firms.knowledge[1] == pytest.approx((1 - delta) * 20.0 + 6.0 + 2.0 * w)


# --- HTE thresholds at their edges ------------------------------------------------------------

def test_hte_thresholds_are_the_published_ones():
    # Administrative Measures for HTE Recognition (2016) art.11: <=50m yuan 5%, 50-200m 4%, >200m 3%
    assert hte_thresholds(load_region()) == HteThresholds(small=0.05, medium=0.04, large=0.03)


def test_hte_threshold_bands_are_applied_exactly_at_their_edges():
    hte = HteThresholds(small=0.05, medium=0.04, large=0.03)
    revenue = np.array([0.0, 50.0, np.nextafter(50.0, np.inf), 120.0, 200.0, np.nextafter(200.0, np.inf), 1e6])
    np.testing.assert_array_equal(hte.for_revenue(revenue, 2016), [0.05, 0.05, 0.04, 0.04, 0.04, 0.03, 0.03])
    # the 2008 measures (in force to 2015) asked 6% of small firms, the same of the others
    np.testing.assert_array_equal(hte.for_revenue(revenue, 2015), [0.06, 0.06, 0.04, 0.04, 0.04, 0.03, 0.03])


def test_recognise_hte_at_the_threshold_exactly_and_not_just_below():
    a = _hand_assumptions(hte_application_success=1.0, hte_cultivated_success=1.0)
    firms = Enterprises(capacity=6, region=load_region())
    firms.alive[:] = True
    firms.revenue[:] = [50.0, 50.0, 200.0, 200.0, 400.0, 400.0]
    exact = np.array([2.5, 8.0, 12.0])          # 5% of 50, 4% of 200, 3% of 400, by hand
    firms.rd[:] = [exact[0], np.nextafter(exact[0], 0), exact[1], np.nextafter(exact[1], 0),
                   exact[2], np.nextafter(exact[2], 0)]
    inputs = resolve(Scenario())
    firms.recognise_hte(a, inputs, 2021 - int(inputs.years[0]), random_streams(0, inputs.years.size)[2])
    np.testing.assert_array_equal(firms.hte_until >= 2021, [True, False, True, False, True, False])
    # a certificate lasts three years: 2021, 2022, 2023
    np.testing.assert_array_equal(firms.hte_until[[0, 2, 4]], [2023, 2023, 2023])
    assert firms.new_hte == 3


def test_entry_draws_of_a_year_depend_on_the_seed_and_year_only():
    """Entry draws as many numbers as there are entrants, and a lever that changes how many firms
    leave changes how many enter. Each year's entrants draw from a generator keyed by the seed and
    the year, so a different count in one year leaves the numbers of later years unchanged: two runs
    with different levers hold the same entry numbers every year, and each year's are its own."""
    base = load_scenario("baseline").with_changes({"parameter_uncertainty": False})
    other = base.with_changes({"levers": {"rd_reward_rate": 0.08}})
    first, second = EcosystemModel(resolve(base), 5), EcosystemModel(resolve(other), 5)
    first.run(), second.run()
    years = range(base.years.size)
    a = {t: first.draws.generator("entry", t).random(8) for t in years}
    b = {t: second.draws.generator("entry", t).random(8) for t in years}
    for t in years:
        assert np.array_equal(a[t], b[t]), t
    assert len({tuple(v) for v in a.values()}) == len(a)
    assert not first.results()["rd_expenditure"].equals(second.results()["rd_expenditure"])
